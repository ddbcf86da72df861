/* task9-scheduler.c: running a proc's tasks from its GMainContext
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Each proc has one scheduler GSource. Its dispatch switches from the thread's own stack
 * into the first runnable task; from then on tasks switch directly to one another (a task
 * that blocks, yields or exits picks the next runnable task itself) and the last one
 * switches back to the dispatch when the run queue is empty or the time budget is spent.
 * Then dispatch returns, so GTK input, drawing and every other source keep their latency.
 *
 * Invariants:
 * - Only the proc's thread touches the run queue, the timer heap, proc->current and
 *   proc->dead. Other threads hand wake-ups to the inbox (a mutex-protected list) and wake
 *   the context only when its thread may be blocked in poll (proc->polling).
 * - A task is in at most one of: running, the run queue, the inbox, parked. The claim in
 *   task9-waiter.c guarantees a parked task is made ready once per park.
 * - A task may be made ready (by another proc) after it began a wait but before it
 *   switched away; it then finds itself in the queue and simply continues.
 * - A finished task's stack is released by whichever context runs next on that proc
 *   (proc->dead), never while the task still runs on it.
 * - Tasks share their thread's thread-local state, but each keeps its own errno across
 *   switches, as a thread would.
 * - When a dispatch ends with runnable tasks left (budget spent), the next prepare/check
 *   pair reports "not ready" once, so that sources of every priority, idle ones included,
 *   get an iteration: a busy-yielding task cannot starve timers, fd sources or GTK. The
 *   proc's epoll fd is left out of that iteration's poll (task9_fd_table_mute()).
 * - fd readiness (task9-fd.c) is one more fd of this source: a dispatch first wakes the
 *   waiters of ready fds, then runs tasks; when they have all run and budget is left, it
 *   reads the next batch of ready fds itself (and fires the timers due) and goes on.
 * - The tasks that timers woke and that have not run yet are a prefix of the run queue,
 *   in the order their timers fired; proc->timer_woken_last is its last task (NULL: the
 *   prefix is empty). A dispatch appends the tasks its timers wake to that prefix, ahead
 *   of every other runnable task, so a sleeper is late by at most one dispatch however
 *   many tasks are runnable, and sleepers still run in deadline order when a budget ran
 *   out before all the tasks earlier timers woke had run.
 */

#define _GNU_SOURCE 1   /* pthread_getattr_np */
#include "task9-config.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>

#include "task9-main-private.h"
#include "task9-scheduler-private.h"

#if defined(__has_feature)
# if __has_feature(address_sanitizer)
#  define TASK9_ASAN 1
# endif
# if __has_feature(thread_sanitizer)
#  define TASK9_TSAN 1
# endif
#endif
#if defined(__SANITIZE_ADDRESS__)
# define TASK9_ASAN 1
#endif
#if defined(__SANITIZE_THREAD__)
# define TASK9_TSAN 1
#endif
#ifdef TASK9_ASAN
# include <sanitizer/common_interface_defs.h>
#endif
#ifdef TASK9_TSAN
# include <sanitizer/tsan_interface.h>
#endif

/* How many switches between two looks at the clock for the time budget. */
#define BUDGET_CHECK_INTERVAL 64
/* How long an idle proc thread spins for a wake-up before it sleeps in poll(). */
#define SPIN_BEFORE_POLL_US 50

__thread Task9Proc *task9_current_proc __attribute__ ((tls_model ("initial-exec")));


/* ---- run queue and inbox ---------------------------------------------------------- */


static inline Task9Task *
runq_pop (Task9Proc *proc)
{
  Task9Task *task = proc->run_head;

  if (task != NULL)
    {
      proc->run_head = task->run_next;
      if (proc->run_head == NULL)
        proc->run_tail = NULL;
      if (task == proc->timer_woken_last)
        proc->timer_woken_last = NULL;
    }
  return task;
}

/* With the inbox lock held. */
static inline gboolean
inbox_is_empty (Task9Proc *proc)
{
  return proc->inbox_head == NULL && proc->inbox_cancels == NULL &&
         proc->inbox_cancel_hooks == NULL;
}

void
task9_scheduler_inbox_push (Task9Proc *proc,
            Task9Task *task)
{
  gboolean was_empty;

  task->run_next = NULL;
  g_mutex_lock (&proc->inbox_lock);
  was_empty = inbox_is_empty (proc);
  if (proc->inbox_head == NULL)
    proc->inbox_head = task;
  else
    proc->inbox_tail->run_next = task;
  proc->inbox_tail = task;
  g_atomic_int_set (&proc->inbox_pending, 1);
  g_mutex_unlock (&proc->inbox_lock);

  /* Pairs with the store to polling and the re-check in task9_scheduler_poll(). */
  if (was_empty && g_atomic_int_get (&proc->polling))
    g_main_context_wakeup (proc->context);
}

/* On the task's proc: end its current wait, if it is parked and not shielded (a
 * shielded task sees its cancellation at its first park after the shield is lifted:
 * the flag is sticky). task->shielded is only written on this thread. */
static void
cancel_parked (Task9Task *task)
{
  guint64 word = __atomic_load_n (&task->park_word, __ATOMIC_RELAXED);

  if (task->shielded)
    return;

  if ((word & 1) && task9_wait_claim (task, word))
    task9_wait_wake (task, TASK9_WAKE_CANCELLED);
}

/* With task->cancelled already set. */
void
task9_scheduler_cancel (Task9Task *task)
{
  Task9Proc *proc = task->proc;
  gboolean was_empty;

  if (proc == task9_current_proc)
    {
      cancel_parked (task);
      return;
    }

  g_mutex_lock (&proc->inbox_lock);
  if (proc->inbox_closed)
    {
      /* The proc's thread has ended, so has the task. */
      g_mutex_unlock (&proc->inbox_lock);
      return;
    }
  task9_task_ref (task);
  was_empty = inbox_is_empty (proc);
  task->cancel_next = proc->inbox_cancels;
  proc->inbox_cancels = task;
  g_atomic_int_set (&proc->inbox_pending, 1);
  g_mutex_unlock (&proc->inbox_lock);

  if (was_empty && g_atomic_int_get (&proc->polling))
    g_main_context_wakeup (proc->context);
}

/* From another thread: @hook's cancellable was cancelled; the proc ends the waits
 * parked on it (task9-cancel-hook.c). Takes over a reference on @hook; FALSE (leaving
 * it to the caller) if the proc's thread has ended. */
gboolean
task9_scheduler_post_cancel_hook (Task9Proc       *proc,
                                  Task9CancelHook *hook)
{
  gboolean was_empty;

  g_mutex_lock (&proc->inbox_lock);
  if (proc->inbox_closed)
    {
      g_mutex_unlock (&proc->inbox_lock);
      return FALSE;
    }
  was_empty = inbox_is_empty (proc);
  task9_cancel_hook_push_posted (&proc->inbox_cancel_hooks, hook);
  g_atomic_int_set (&proc->inbox_pending, 1);
  g_mutex_unlock (&proc->inbox_lock);

  if (was_empty && g_atomic_int_get (&proc->polling))
    g_main_context_wakeup (proc->context);
  return TRUE;
}

static gboolean
inbox_drain (Task9Proc *proc)
{
  Task9Task *task;
  Task9Task *cancels;
  Task9CancelHook *hooks;

  if (!g_atomic_int_get (&proc->inbox_pending))
    return FALSE;

  g_mutex_lock (&proc->inbox_lock);
  task = proc->inbox_head;
  cancels = proc->inbox_cancels;
  hooks = proc->inbox_cancel_hooks;
  proc->inbox_head = proc->inbox_tail = NULL;
  proc->inbox_cancels = NULL;
  proc->inbox_cancel_hooks = NULL;
  g_atomic_int_set (&proc->inbox_pending, 0);
  g_mutex_unlock (&proc->inbox_lock);

  while (task != NULL)
    {
      Task9Task *next = task->run_next;

      task9_scheduler_runq_push (proc, task);
      task = next;
    }
  while (cancels != NULL)
    {
      Task9Task *next = cancels->cancel_next;

      cancel_parked (cancels);
      task9_task_unref (cancels);
      cancels = next;
    }
  task9_cancel_hooks_fire_posted (hooks);
  return TRUE;
}


/* When the proc's thread ends: no cancellation can be for one of its tasks any more. */
void
task9_scheduler_close_inbox (Task9Proc *proc)
{
  g_mutex_lock (&proc->inbox_lock);
  proc->inbox_closed = TRUE;
  g_mutex_unlock (&proc->inbox_lock);
  inbox_drain (proc);
}

/* ---- switching ------------------------------------------------------------------- */

/* Runs first in whatever context was just resumed. */
static inline void
after_switch (Task9Proc *proc,
              Task9Task *self)
{
#ifdef TASK9_ASAN
  __sanitizer_finish_switch_fiber (self != NULL ? self->asan_fake_stack : proc->sched_fake_stack,
                                   NULL, NULL);
#endif
  if (G_UNLIKELY (proc->dead != NULL))
    {
      Task9Task *dead = proc->dead;

      proc->dead = NULL;
      task9_task_free_finished (dead);
    }
}

/* Switches from @from (NULL: the dispatch) to @to (NULL: the dispatch). */
static inline void
switch_context (Task9Proc *proc,
                Task9Task *from,
                Task9Task *to,
                gboolean   from_is_dying)
{
  Task9Context *from_context = from != NULL ? &from->context : &proc->sched_context;
  Task9Context *to_context = to != NULL ? &to->context : &proc->sched_context;
  int saved_errno = *proc->errno_location;   /* each context keeps its own, on its stack */

  if (to != NULL && G_UNLIKELY (!to->started))
    task9_task_prepare_first_run (proc, to);

#ifdef TASK9_ASAN
  __sanitizer_start_switch_fiber (from_is_dying ? NULL
                                  : (from != NULL ? &from->asan_fake_stack : &proc->sched_fake_stack),
                                  to != NULL ? (const void *) to->stack->lo : proc->sched_stack_bottom,
                                  to != NULL ? to->stack->size : proc->sched_stack_size);
#endif
#ifdef TASK9_TSAN
  __tsan_switch_to_fiber (to != NULL ? to->tsan_fiber : proc->sched_tsan_fiber, 0);
#endif

  proc->current = to;
  if (to != NULL)
    {
      proc->n_runs++;
      to->n_switches++;
    }
  task9_context_switch_raw (from_context, to_context);
  after_switch (proc, from);
  *proc->errno_location = saved_errno;
}

/* The first thing a new task does on its own stack. */
void
task9_scheduler_task_started (Task9Task *self)
{
  after_switch (self->proc, self);
}

static inline Task9Task *
pick_next (Task9Proc *proc)
{
  Task9Task *next;

  if (G_UNLIKELY (--proc->budget_countdown == 0))
    {
      proc->budget_countdown = BUDGET_CHECK_INTERVAL;
      proc->now = g_get_monotonic_time ();
      if (proc->now >= proc->budget_end)
        return NULL;
    }

  next = runq_pop (proc);
  if (next == NULL && inbox_drain (proc))
    next = runq_pop (proc);
  return next;
}

static inline void
check_stack (Task9Task *self)
{
  Task9Stack *stack = self->stack;
  guint8 *sp = __builtin_frame_address (0);
  gsize depth = stack->lo + stack->size - sp;

  if (G_UNLIKELY (depth > stack->size - 256))
    task9_stack_report_overflow (self->name, stack->size);
  if (depth > stack->depth)
    stack->depth = depth;
}

/* @self's state is already set (blocked, or queued by a yield). */
void
task9_scheduler_block (Task9Proc *proc,
                       Task9Task *self)
{
  Task9Task *next;

  check_stack (self);
  next = pick_next (proc);
  if (next == self)
    {
      self->state = TASK9_TASK_STATE_RUNNING;
      return;
    }
  if (next != NULL)
    next->state = TASK9_TASK_STATE_RUNNING;
  switch_context (proc, self, next, FALSE);
}

void
task9_scheduler_yield (Task9Proc *proc,
                       Task9Task *self)
{
  task9_scheduler_runq_push (proc, self);
  task9_scheduler_block (proc, self);
}

void
task9_scheduler_exit (Task9Proc *proc,
                      Task9Task *self)
{
  Task9Task *next;

  g_assert (proc->dead == NULL);
  proc->dead = self;
  next = pick_next (proc);
  if (next != NULL)
    next->state = TASK9_TASK_STATE_RUNNING;
  switch_context (proc, self, next, TRUE);
  g_assert_not_reached ();
}

/* ---- the GSource ----------------------------------------------------------------- */

typedef struct
{
  GSource    source;
  Task9Proc *proc;
} SchedulerSource;

static gboolean
scheduler_prepare (GSource *source,
                   gint    *timeout)
{
  Task9Proc *proc = ((SchedulerSource *) source)->proc;
  Task9Timer *timer;

  *timeout = -1;

  /* A task iterating the context itself (a nested main loop) cannot run other tasks. */
  if (proc->current != NULL)
    return FALSE;

  if (proc->yield_to_others)
    {
      task9_fd_table_mute (proc, TRUE);
      *timeout = 0;
      return FALSE;
    }

  if (proc->run_head != NULL || g_atomic_int_get (&proc->inbox_pending) ||
      task9_fd_table_pending (proc))
    {
      *timeout = 0;
      return TRUE;
    }

  timer = task9_timer_heap_peek (&proc->timers);
  if (timer != NULL)
    {
      gint64 now = g_source_get_time (source);
      gint64 ms;

      if (timer->deadline <= now)
        {
          *timeout = 0;
          return TRUE;
        }
      ms = (timer->deadline - now + 999) / 1000;
      *timeout = (gint) MIN (ms, G_MAXINT);
    }

  return FALSE;
}

static gboolean
scheduler_check (GSource *source)
{
  Task9Proc *proc = ((SchedulerSource *) source)->proc;
  Task9Timer *timer;

  if (proc->current != NULL)
    return FALSE;

  if (proc->yield_to_others)
    {
      proc->yield_to_others = FALSE;
      task9_fd_table_mute (proc, FALSE);
      return FALSE;
    }

  if (proc->run_head != NULL || g_atomic_int_get (&proc->inbox_pending) ||
      task9_fd_table_check (proc))
    return TRUE;

  timer = task9_timer_heap_peek (&proc->timers);
  return timer != NULL && timer->deadline <= g_source_get_time (source);
}

/* Tasks whose deadline passed run before the queue they were woken behind (a sleeper is
 * late by at most one dispatch, however many tasks are runnable), but after the tasks
 * earlier timers woke that are still queued (deadline order survives a spent budget). */
static void
fire_timers_first (Task9Proc *proc,
                   gint64     now)
{
  Task9Task *prefix_last = proc->timer_woken_last;
  Task9Task *old_tail = proc->run_tail;
  Task9Task *first_woken, *last_woken;

  task9_timer_heap_fire (&proc->timers, now);
  if (proc->run_tail == old_tail)
    return;   /* no task woken */

  last_woken = proc->run_tail;
  if (old_tail != NULL && old_tail != prefix_last)
    {
      /* Move the woken tasks, now at the tail, to just after the prefix. */
      Task9Task *rest = prefix_last != NULL ? prefix_last->run_next : proc->run_head;

      first_woken = old_tail->run_next;
      old_tail->run_next = NULL;
      proc->run_tail = old_tail;
      last_woken->run_next = rest;
      if (prefix_last != NULL)
        prefix_last->run_next = first_woken;
      else
        proc->run_head = first_woken;
    }
  proc->timer_woken_last = last_woken;
}

static gboolean
scheduler_dispatch (GSource     *source,
                    GSourceFunc  callback,
                    gpointer     user_data)
{
  Task9Proc *proc = ((SchedulerSource *) source)->proc;
  Task9Task *next;
  gint64 now;

  /* Ready fds wake their waiters even in a nested main loop: the epoll fd stays
   * readable until they are read, which would make that loop spin. */
  task9_fd_table_dispatch (proc);

  if (proc->current != NULL)
    return G_SOURCE_CONTINUE;

  if (G_UNLIKELY (task9_current_proc != proc))
    task9_scheduler_enter_thread (proc);
  now = g_get_monotonic_time ();
  proc->now = now;
  proc->budget_end = now + proc->time_budget;
  proc->budget_countdown = BUDGET_CHECK_INTERVAL;

  fire_timers_first (proc, now);
  inbox_drain (proc);

  next = runq_pop (proc);
  while (next != NULL)
    {
      next->state = TASK9_TASK_STATE_RUNNING;
      switch_context (proc, NULL, next, FALSE);
      /* Every runnable task ran with budget left: the next batch of ready fds (and
       * the timers due meanwhile) at once, rather than through a main loop iteration
       * (prepare, poll, check). With task9-fd.c's prefetching, echo_rps_1k went from
       * 1.13x to 1.17x Go's messages/s (medians of 7 alternating runs). */
      if (proc->run_head != NULL || proc->current != NULL)
        break;
      now = g_get_monotonic_time ();
      proc->now = now;
      if (now >= proc->budget_end || !task9_fd_table_dispatch_more (proc))
        break;
      fire_timers_first (proc, now);
      inbox_drain (proc);
      next = runq_pop (proc);
    }

  proc->yield_to_others = proc->run_head != NULL;
  return G_SOURCE_CONTINUE;
}

static GSourceFuncs scheduler_source_funcs = {
  scheduler_prepare,
  scheduler_check,
  scheduler_dispatch,
  NULL, NULL, NULL,
};

GSource *
task9_scheduler_source_new (Task9Proc *proc)
{
  GSource *source = g_source_new (&scheduler_source_funcs, sizeof (SchedulerSource));

  ((SchedulerSource *) source)->proc = proc;
  g_source_set_static_name (source, "Task9 scheduler");
  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  /* Recursion is handled here (proc->current != NULL: a task iterates the context),
   * and GLib's blocking of a non-recursive source during its dispatch would remove the
   * epoll fd from the poll set and add it back, two context wake-ups per dispatch. */
  g_source_set_can_recurse (source, TRUE);
  return source;
}

/* ---- the proc's thread ----------------------------------------------------------- */

void
task9_scheduler_enter_thread (Task9Proc *proc)
{
  task9_current_proc = proc;
  proc->errno_location = &errno;   /* errno's address is fixed per thread; saves a call */
  task9_stack_prepare_thread ();

#ifdef TASK9_ASAN
  {
    pthread_attr_t attr;
    void *addr;
    size_t size;

    if (pthread_getattr_np (pthread_self (), &attr) == 0)
      {
        pthread_attr_getstack (&attr, &addr, &size);
        proc->sched_stack_bottom = addr;
        proc->sched_stack_size = size;
        pthread_attr_destroy (&attr);
      }
  }
#endif
#ifdef TASK9_TSAN
  proc->sched_tsan_fiber = __tsan_get_current_fiber ();
#endif
}

/* The poll function of the procs whose loop the library runs: spin briefly for a
 * wake-up from another proc before paying for a sleep in poll(), and tell the deadlock
 * detector when this thread is about to wait for ever with nothing but another proc that
 * could wake it. */
gint
task9_scheduler_poll (GPollFD *fds,
                      guint    nfds,
                      gint     timeout)
{
  Task9Proc *proc = task9_current_proc;
  gboolean idle;
  gint ret;

  if (proc == NULL || timeout == 0)
    return g_poll (fds, nfds, timeout);

  if (timeout < 0 || timeout > 1)
    {
      gint64 spin_end = g_get_monotonic_time () + SPIN_BEFORE_POLL_US;
      guint i = 0;

      gboolean fds_busy = task9_fd_table_quiet_fds (proc) == 0 && proc->fds != NULL;

      /* Yield, not just pause: on a machine with as many busy threads as CPUs the
       * partner we wait for may need this very CPU to answer. While tasks wait on fds,
       * look at the fds too: they may be ready already, or become so while we spin. */
      while (!g_atomic_int_get (&proc->inbox_pending))
        {
          if (fds_busy && (ret = g_poll (fds, nfds, 0)) != 0)
            return ret;
          sched_yield ();
          if ((++i & 3) == 0 && g_get_monotonic_time () >= spin_end)
            break;
        }
    }

  g_atomic_int_set (&proc->polling, 1);
  if (g_atomic_int_get (&proc->inbox_pending))
    {
      g_atomic_int_set (&proc->polling, 0);
      return 0;
    }

  /* Only the context's own wake-up fd (and the epoll fd of fds nobody waits on), no
   * timeout and no source of other code (which may wake us with neither): only another
   * proc can wake us. */
  idle = timeout < 0 && nfds <= 1 + task9_fd_table_quiet_fds (proc) && task9_main_detecting () &&
         !task9_main_has_foreign_source (proc);
  if (idle)
    {
      /* A wake-up already sent shows in the fd now; one sent from now on, in the pokes
       * or, at the verdict, in the fd (see task9-main.c). */
      gint pokes = g_atomic_int_get (&proc->pokes);

      ret = g_poll (fds, nfds, 0);
      if (ret != 0)
        {
          g_atomic_int_set (&proc->polling, 0);
          return ret;
        }
      task9_main_set_idle (proc, TRUE, pokes, nfds == 1 ? fds[0].fd : -1);
    }
  ret = g_poll (fds, nfds, timeout);
  if (idle)
    task9_main_set_idle (proc, FALSE, 0, -1);

  g_atomic_int_set (&proc->polling, 0);
  return ret;
}
