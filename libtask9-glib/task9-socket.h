/* task9-socket.h: task sockets, blocking-style I/O on non-blocking fds and GSockets
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(TASK9_INSIDE) && !defined(TASK9_COMPILATION)
# error "Only <task9.h> can be included directly."
#endif

#include <gio/gio.h>

#include "task9-version-macros.h"

G_BEGIN_DECLS

TASK9_AVAILABLE_IN_ALL
gboolean  task9_fd_set_nonblocking (int              fd,
                                    GError         **error);
TASK9_AVAILABLE_IN_ALL
gssize    task9_fd_read            (int              fd,
                                    void            *buffer,
                                    gsize            count,
                                    GTimeSpan        timeout,
                                    GCancellable    *cancellable,
                                    GError         **error);
TASK9_AVAILABLE_IN_ALL
gboolean  task9_fd_write_all       (int              fd,
                                    const void      *buffer,
                                    gsize            count,
                                    gsize           *bytes_written,
                                    GTimeSpan        timeout,
                                    GCancellable    *cancellable,
                                    GError         **error);
TASK9_AVAILABLE_IN_ALL
int       task9_fd_listen          (GSocketAddress  *address,
                                    int              backlog,
                                    GError         **error);
TASK9_AVAILABLE_IN_ALL
int       task9_fd_accept          (int              listen_fd,
                                    GTimeSpan        timeout,
                                    GCancellable    *cancellable,
                                    GError         **error);
TASK9_AVAILABLE_IN_ALL
int       task9_fd_connect         (GSocketAddress  *address,
                                    GTimeSpan        timeout,
                                    GCancellable    *cancellable,
                                    GError         **error);

TASK9_AVAILABLE_IN_ALL
gssize    task9_socket_receive     (GSocket         *socket,
                                    gchar           *buffer,
                                    gsize            size,
                                    GTimeSpan        timeout,
                                    GCancellable    *cancellable,
                                    GError         **error);
TASK9_AVAILABLE_IN_ALL
gboolean  task9_socket_send_all    (GSocket         *socket,
                                    const gchar     *buffer,
                                    gsize            size,
                                    gsize           *bytes_sent,
                                    GTimeSpan        timeout,
                                    GCancellable    *cancellable,
                                    GError         **error);
TASK9_AVAILABLE_IN_ALL
GSocket  *task9_socket_accept      (GSocket         *socket,
                                    GTimeSpan        timeout,
                                    GCancellable    *cancellable,
                                    GError         **error);
TASK9_AVAILABLE_IN_ALL
gboolean  task9_socket_connect     (GSocket         *socket,
                                    GSocketAddress  *address,
                                    GTimeSpan        timeout,
                                    GCancellable    *cancellable,
                                    GError         **error);

G_END_DECLS
