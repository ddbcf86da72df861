/* task9-scheduler-private.h: running tasks on a proc
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "task9-proc-private.h"
#include "task9-task-private.h"

G_BEGIN_DECLS

extern __thread Task9Proc *task9_current_proc __attribute__ ((tls_model ("initial-exec")));

static inline Task9Task *
task9_scheduler_current_task (void)
{
  Task9Proc *proc = task9_current_proc;

  return proc != NULL ? proc->current : NULL;
}

GSource *task9_scheduler_source_new   (Task9Proc *proc);
void     task9_scheduler_enter_thread (Task9Proc *proc);
gint     task9_scheduler_poll         (GPollFD   *fds,
                                       guint      nfds,
                                       gint       timeout);
void     task9_scheduler_inbox_push   (Task9Proc *proc,
                                       Task9Task *task);

static inline void
task9_scheduler_runq_push (Task9Proc *proc,
                           Task9Task *task)
{
  task->run_next = NULL;
  task->state = TASK9_TASK_STATE_RUNNABLE;
  if (proc->run_tail != NULL)
    proc->run_tail->run_next = task;
  else
    proc->run_head = task;
  proc->run_tail = task;
}

/* Makes @task (claimed, not running) runnable on its proc. */
static inline void
task9_scheduler_make_ready (Task9Task *task)
{
  Task9Proc *proc = task->proc;

  if (proc == task9_current_proc)
    task9_scheduler_runq_push (proc, task);
  else
    task9_scheduler_inbox_push (proc, task);
}
void     task9_scheduler_cancel       (Task9Task *task);
gboolean task9_scheduler_post_cancel_hook (Task9Proc       *proc,
                                           Task9CancelHook *hook);
void     task9_scheduler_close_inbox  (Task9Proc *proc);
void     task9_scheduler_block        (Task9Proc *proc,
                                       Task9Task *self);
void     task9_scheduler_yield        (Task9Proc *proc,
                                       Task9Task *self);
G_NORETURN void task9_scheduler_exit  (Task9Proc *proc,
                                       Task9Task *self);
void     task9_scheduler_task_started (Task9Task *self);

/* With @task's wait claimed: record why and make it runnable. */
static inline void
task9_wait_wake (Task9Task       *task,
                 Task9WakeReason  reason)
{
  task->wake_reason = reason;
  task9_scheduler_make_ready (task);
}

G_END_DECLS
