/* task9-waiter.c: the one mechanism behind every wait
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Every blocking call, whatever it waits for (a channel partner, an alt's arms, a
 * task's end, a deadline, a cancellation, and every wait condition built on these), is:
 * register waiters where a waker will find them, then park (a task) or return (an async
 * caller, see task9-async.c). Several parties may race to end the wait: the event, the
 * deadline, a cancellation, from any thread. The claim decides the race:
 *
 *   claim word = (seq << 1) | 1   while wait number seq is open,
 *                (seq << 1)       once somebody claimed it.
 *
 * A task's claim word is task->park_word; an async caller's is op->claim. A waker holds
 * the token it found registered and wins only if task9_claim() still sees it: exactly
 * one party ends each wait, and a stale waker from an earlier wait can never end a later
 * one. The winner records the outcome (task9_waiter_fire(): which arm, whether the
 * source was closed) and wakes the owner; everyone else leaves it alone.
 *
 * A Task9Waiter is one arm of one wait, queued on a Task9WaiterQueue (a channel's
 * senders or receivers, a wait list, a condition's subscribers). Wakers dequeue waiters
 * and then claim them; a waiter whose claim is lost is stale and simply dropped. The
 * owner withdraws what is still queued once it stops waiting.
 *
 * Invariants:
 * - task9_claim() is the only place a claim word changes from open to claimed.
 * - Only the task itself begins a wait, on its own proc.
 * - A claim is always followed by exactly one wake-up (task9_wait_wake() or
 *   task9_async_op_fire()), except when a task claims its own wait (it then simply
 *   does not switch away).
 * - A waiter is linked and unlinked only under its queue's lock (or, for a queue
 *   without one, by whoever owns the queue); its owner frees it only after it saw it
 *   unlinked.
 * - Cancellation is sticky: once task->cancelled is set, every later park fails at once.
 *   The canceller does not claim the wait itself (that would need a full fence on every
 *   park to order the flag against the claim word): it asks the task's proc, through
 *   its inbox, and the proc's thread claims the wait if the task is parked. A task checks
 *   the flag before it parks, on the same thread, so a cancel cannot slip in between.
 * - A parked task is woken by a timer only on its own proc (the timer heap is per proc).
 */

#include "task9-config.h"

#include <gio/gio.h>

#include "task9-error.h"
#include "task9-scheduler-private.h"
#include "task9-async-private.h"
#include "task9-sysprof-private.h"
#include "task9-waiter-private.h"


/* ---- waking ---------------------------------------------------------------------- */

/* With the claim won: record the outcome and wake the waiter's owner. */
void
task9_waiter_fire (Task9Waiter *waiter,
                   gboolean     closed)
{
  Task9WaitSet *set = waiter->set;

  set->fired_arm = waiter->arm;
  set->fired_closed = closed;
  if (set->task != NULL)
    task9_wait_wake (set->task, TASK9_WAKE_READY);
  else
    task9_async_op_fire (set->async, TASK9_WAKE_READY);
}

void
task9_waiter_withdraw_slow (Task9Waiter *waiter)
{
  gint *lock = waiter->queue->lock;

  if (lock != NULL)
    task9_spin_lock (lock);
  if (waiter->linked)
    task9_waiter_dequeue (waiter);
  if (lock != NULL)
    task9_spin_unlock (lock);
}

/* ---- parking a task -------------------------------------------------------------- */

static void
park_timer_fired (Task9Timer *timer)
{
  Task9Task *task = (Task9Task *) ((guint8 *) timer - G_STRUCT_OFFSET (Task9Task, timer));

  if (task9_wait_claim (task, task->park_token))
    task9_wait_wake (task, TASK9_WAKE_TIMED_OUT);
}

/* Suspends @self until its wait @token is claimed, @deadline (monotonic, -1 for none)
 * passes or the task is cancelled. */
static Task9WakeReason
park (Task9Task  *self,
      guint64     token,
      gint64      deadline,
      const char *reason)
{
  Task9Proc *proc = self->proc;
  gboolean armed = FALSE;

  if (!self->shielded && __atomic_load_n (&self->cancelled, __ATOMIC_ACQUIRE) &&
      task9_wait_claim (self, token))
    {
      self->wait_name = NULL;
      return TASK9_WAKE_CANCELLED;
    }

  if (deadline >= 0)
    {
      if (deadline <= g_get_monotonic_time ())
        {
          if (task9_wait_claim (self, token))
            {
              self->wait_name = NULL;
              return TASK9_WAKE_TIMED_OUT;
            }
        }
      else
        {
          self->park_token = token;
          self->timer.deadline = deadline;
          self->timer.func = park_timer_fired;
          self->timer.discard = NULL;
          armed = task9_timer_heap_add (&proc->timers, &self->timer);
          /* Without memory for the timer the wait is untimed; better than failing it. */
        }
    }

  /* The task table's view of the wait (task9-task-table.c reads these from any
   * thread): the time is the dispatch's, not a clock read per park. */
  self->blocked_since = proc->now;
  if (TASK9_SYSPROF_ACTIVE ())
    {
      gint64 start = task9_sysprof_now ();
      const char *object = self->wait_name;

      self->state = TASK9_TASK_STATE_BLOCKED;
      self->wait_reason = reason;
      task9_scheduler_block (proc, self);
      task9_sysprof_wait_ended (self, start, reason, object);
    }
  else
    {
      self->state = TASK9_TASK_STATE_BLOCKED;
      self->wait_reason = reason;
      task9_scheduler_block (proc, self);
    }
  self->wait_reason = NULL;
  self->wait_name = NULL;

  if (armed)
    task9_timer_heap_remove (&proc->timers, &self->timer);

  return self->wake_reason;
}

/* Parks @self, whose wait @token is open and whose waiters (if any) are registered,
 * until a waker claims the wait, @deadline (monotonic, -1 for none) passes, or the task
 * or @cancellable is cancelled (through the proc's hook on it: task9-cancel-hook.c).
 * Returns why it woke; the caller withdraws its waiters. */
Task9WakeReason
task9_wait_park (Task9Task    *self,
                 guint64       token,
                 gint64        deadline,
                 GCancellable *cancellable,
                 const char   *reason)
{
  Task9CancelPark node;
  Task9WakeReason why;

  if (cancellable == NULL)
    return park (self, token, deadline, reason);
  task9_cancel_hook_link (self, token, cancellable, &node);
  why = park (self, token, deadline, reason);
  task9_cancel_hook_unlink (&node);
  return why;
}

gboolean
task9_wait_check_reason (Task9WakeReason   reason,
                         GError          **error)
{
  switch (reason)
    {
    case TASK9_WAKE_CANCELLED:
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, "Operation was cancelled");
      return FALSE;
    case TASK9_WAKE_TIMED_OUT:
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "Operation timed out");
      return FALSE;
    case TASK9_WAKE_NONE:
    case TASK9_WAKE_READY:
    default:
      return TRUE;
    }
}

gint64
task9_deadline_from_timeout_slow (GTimeSpan timeout)
{
  gint64 now;

  now = g_get_monotonic_time ();
  return timeout > G_MAXINT64 - now ? -1 : now + timeout;
}

/* ---- wait lists ---------------------------------------------------------------- */

void
task9_wait_list_init (Task9WaitList *list)
{
  task9_waiter_queue_init (&list->waiters, NULL);   /* the owner's GMutex guards it */
  list->n_threads = 0;
  g_cond_init (&list->cond);
}

void
task9_wait_list_clear (Task9WaitList *list)
{
  g_assert (list->waiters.head == NULL);
  g_cond_clear (&list->cond);
}

/* Waits, with @lock held on entry and on return, until @condition (called with @lock
 * held) is true. In a task this parks the task; in a thread that is not a proc it blocks
 * the thread; on a proc's thread outside any task it fails, as blocking there would stop
 * every task of the proc. */
gboolean
task9_wait_list_wait (Task9WaitList       *list,
                      GMutex              *lock,
                      Task9WaitCondition   condition,
                      gpointer             data,
                      gint64               deadline,
                      const char          *reason,
                      GError             **error)
{
  Task9Task *self = task9_scheduler_current_task ();

  if (self == NULL)
    {
      if (task9_current_proc != NULL && !condition (data))
        {
          g_set_error (error, TASK9_ERROR, TASK9_ERROR_NOT_IN_TASK,
                       "Cannot wait (%s) on a proc's thread outside a task", reason);
          return FALSE;
        }
      gboolean timed_out = FALSE;

      list->n_threads++;
      while (!condition (data) && !timed_out)
        {
          if (deadline < 0)
            g_cond_wait (&list->cond, lock);
          else
            timed_out = !g_cond_wait_until (&list->cond, lock, deadline) && !condition (data);
        }
      list->n_threads--;
      return timed_out ? task9_wait_check_reason (TASK9_WAKE_TIMED_OUT, error) : TRUE;
    }

  while (!condition (data))
    if (!task9_wait_check_reason (task9_wait_list_park (list, lock, self, deadline, NULL,
                                                        FALSE, reason), error))
      return FALSE;
  return TRUE;
}

/* One round of a task's wait on @list, with @lock held on entry and on return: queues
 * @self, parks it (for an event outside the procs if @external), withdraws it. The
 * caller checks its condition again when this returns TASK9_WAKE_READY. */
Task9WakeReason
task9_wait_list_park (Task9WaitList *list,
                      GMutex        *lock,
                      Task9Task     *self,
                      gint64         deadline,
                      GCancellable  *cancellable,
                      gboolean       external,
                      const char    *reason)
{
  Task9WaitSet set;
  Task9Waiter waiter;
  Task9WakeReason why;

  task9_wait_begin_one (self, &waiter, &set, NULL);
  task9_waiter_enqueue (&list->waiters, &waiter);
  g_mutex_unlock (lock);
  why = (external ? task9_wait_park_external : task9_wait_park)
          (self, waiter.token, deadline, cancellable, reason);
  g_mutex_lock (lock);
  task9_waiter_withdraw (&waiter);
  return why;
}

/* With the owner's lock held: wakes every task, async caller and thread on @list. */
void
task9_wait_list_wake_all (Task9WaitList *list)
{
  Task9Waiter *waiter;

  while ((waiter = task9_waiter_claim_first (&list->waiters)) != NULL)
    task9_waiter_fire (waiter, FALSE);
  if (list->n_threads > 0)
    g_cond_broadcast (&list->cond);
}
