/* task9-proc-private.h: the proc record
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "task9-cancel-hook-private.h"
#include "task9-fd-private.h"
#include "task9-spinlock-private.h"
#include "task9-proc.h"
#include "task9-stack-private.h"
#include "task9-switch-private.h"
#include "task9-timer-heap-private.h"
#include "task9-waiter-private.h"

G_BEGIN_DECLS

struct _Task9Proc
{
  /* Owned by the proc's thread: no lock. */
  Task9Task      *current;
  Task9Task      *run_head;
  Task9Task      *run_tail;
  Task9Task      *timer_woken_last;  /* end of the run queue's timer-woken prefix, or NULL */
  Task9Context    sched_context;     /* the scheduler dispatch, on the thread's own stack */
  Task9Task      *dead;              /* finished; its stack is released after the switch */
  Task9TimerHeap  timers;
  Task9StackPool  stack_pool;
  GSource        *trim_source;       /* returns surplus warm stacks' pages, later */
  Task9Task      *record_cache;      /* free task records, linked by run_next */
  guint           record_cache_len;
  guint64         next_id;           /* task ids reserved by this proc: [next_id, end_id) */
  guint64         end_id;
  guint64         n_runs;            /* how many times a task was resumed */
  gint64          budget_end;
  gint64          now;               /* monotonic time at the dispatch's last clock read */
  guint           budget_countdown;
  gboolean        yield_to_others;
  void           *sched_fake_stack;
  const void     *sched_stack_bottom;
  gsize           sched_stack_size;
  void           *sched_tsan_fiber;
  int            *errno_location;    /* the thread's errno */
  Task9FdTable   *fds;               /* fd readiness (task9-fd.c), made on first use */
  Task9CancelHooks cancel_hooks;     /* handlers on cancellables tasks park with */

  /* Wake-ups from other threads. */
  GMutex          inbox_lock;
  Task9Task      *inbox_head;
  Task9Task      *inbox_tail;
  Task9Task      *inbox_cancels;     /* tasks to cancel, each holding a reference */
  Task9CancelHook *inbox_cancel_hooks; /* cancelled elsewhere, each with a reference */
  gboolean        inbox_closed;      /* the thread has ended */
  gint            inbox_pending;     /* atomic: the inbox is not empty */
  gint            polling;           /* atomic: the thread may be blocked in poll() */
  gint            pokes;             /* atomic: counts wake-ups not through the inbox */

  gint            ref_count;
  char           *name;
  GMainContext   *context;
  GSource        *source;
  GThread        *thread;            /* NULL for the main proc */
  gboolean        is_main;
  gboolean        auto_stop;         /* ends when its last task ends (proccreate) */
  gint            n_tasks;           /* atomic: live tasks */
  GTimeSpan       time_budget;
  gsize           stack_size;

  /* Admission: a spinlock, as every spawn and every task's end takes it. */
  gint            tasks_lock;        /* protects the fields below */
  gboolean        accepting;         /* FALSE once the proc is ending */
  gboolean        stop_requested;
  gboolean        had_task;          /* auto_stop ends only a proc that had a task */
  Task9Task      *tasks;             /* every live task, for the task table */

  GMutex          lock;              /* protects the fields below */
  gboolean        ended;
  Task9WaitList   joiners;

  /* The global proc list and the deadlock detector (task9-main.c), under its lock. */
  Task9Proc      *all_next;
  gboolean        idle;
  gint            idle_pokes;        /* pokes when it went idle: a later one wakes it */
  gint            idle_fd;           /* the context's wake-up fd it went idle on, or -1 */

  /* Other code's sources on the context, for the detector; owned by the proc's thread. */
  guint           sources_seen;      /* source ids below this one were looked at */
  GArray         *foreign_sources;   /* ids of those found alive (guint), or NULL */
};

void       task9_task_record_cache_drain (Task9Proc *proc);
Task9Proc *task9_proc_for_spawn     (Task9Proc  *proc);
Task9Proc *task9_proc_current_or_adopt (void);
gboolean   task9_proc_admit_task    (Task9Proc  *proc,
                                     Task9Task  *task,
                                     GError    **error);
void       task9_proc_retire_task   (Task9Proc  *proc,
                                     Task9Task  *task);
gboolean   task9_proc_should_end    (Task9Proc  *proc);
void       task9_proc_poke          (Task9Proc  *proc);
void       task9_proc_schedule_stack_trim (Task9Proc *proc);
void       task9_proc_lock_all      (void);
void       task9_proc_unlock_all    (void);
Task9Proc *task9_proc_first_locked  (void);
void       task9_proc_foreach       (void      (*func) (Task9Proc *proc, gpointer data),
                                     gpointer    data);

G_END_DECLS
