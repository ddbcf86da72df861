/* task9-fd.h: waiting for fd readiness
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(TASK9_INSIDE) && !defined(TASK9_COMPILATION)
# error "Only <task9.h> can be included directly."
#endif

#include <gio/gio.h>

#include "task9-channel.h"
#include "task9-version-macros.h"

G_BEGIN_DECLS

TASK9_AVAILABLE_IN_ALL
GIOCondition  task9_fd_wait        (int                  fd,
                                    GIOCondition         condition,
                                    GTimeSpan            timeout,
                                    GCancellable        *cancellable,
                                    GError             **error);
TASK9_AVAILABLE_IN_ALL
Task9Channel *task9_fd_watch       (int                  fd,
                                    GIOCondition         condition);
TASK9_AVAILABLE_IN_ALL
void          task9_fd_wait_async  (int                  fd,
                                    GIOCondition         condition,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data);
TASK9_AVAILABLE_IN_ALL
GIOCondition  task9_fd_wait_finish (GAsyncResult        *result,
                                    GError             **error);
TASK9_AVAILABLE_IN_ALL
gboolean      task9_fd_close       (int                  fd,
                                    GError             **error);

G_END_DECLS
