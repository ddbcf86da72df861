/* task9-fd-private.h: a proc's fd readiness table (see task9-fd.c)
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gio/gio.h>

#include "task9-types.h"

G_BEGIN_DECLS

typedef struct _Task9FdTable Task9FdTable;

/* For the scheduler, on the proc's thread. Each does nothing when the proc never
 * waited on an fd (proc->fds == NULL). */
gboolean task9_fd_table_pending   (Task9Proc *proc);   /* work that needs no poll */
gboolean task9_fd_table_check     (Task9Proc *proc);   /* ... or the poll said ready */
void     task9_fd_table_dispatch  (Task9Proc *proc);   /* wakes the waiters of ready fds */
gboolean task9_fd_table_dispatch_more (Task9Proc *proc); /* ... the next batch, no poll */
void     task9_fd_table_mute      (Task9Proc *proc,
                                   gboolean   mute);   /* leave the epoll fd out of the poll */
guint    task9_fd_table_quiet_fds (Task9Proc *proc);   /* fds in the poll set nobody waits on */
void     task9_fd_table_release   (Task9Proc *proc);   /* when the proc's thread ends */

/* Waits for readiness until @deadline (monotonic, -1: none); what task9_fd_wait() and
 * the task socket helpers park on. Returns the conditions that are true, 0 with @error. */
GIOCondition task9_fd_wait_until  (int            fd,
                                   GIOCondition   condition,
                                   gint64         deadline,
                                   GCancellable  *cancellable,
                                   GError       **error);

/* The same, right after the system call for @condition said EAGAIN: no system call
 * while the fd's registration covers @condition (see task9-fd.c). */
GIOCondition task9_fd_wait_again_until (int            fd,
                                        GIOCondition   condition,
                                        gint64         deadline,
                                        GCancellable  *cancellable,
                                        GError       **error);

/* The calling thread just got @fd from the kernel: forget stale records of the number. */
void     task9_fd_obtained        (int        fd);
/* @fd may have been closed and reused behind our back: validate it on the next wait. */
void     task9_fd_revalidate      (int        fd,
                                   gboolean   all_procs);

/* task9_fd_read()'s hints (see task9-fd.c); it notes each short read. */
typedef enum
{
  TASK9_FD_READ_DRAINED = 1 << 0,   /* its last read emptied it, nothing came since */
  TASK9_FD_READ_TCP     = 1 << 1,   /* a TCP socket */
} Task9FdReadHints;

Task9FdReadHints task9_fd_read_hints      (int  fd);
void             task9_fd_note_short_read (int  fd);

/* For tests: on the calling proc, fds with a waiter or a watch, and waiters + watches. */
guint    task9_fd_debug_n_busy    (void);
guint    task9_fd_debug_n_waiting (void);

G_END_DECLS
