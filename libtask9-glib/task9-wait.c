/* task9-wait.c: parking a task and waking it exactly once
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Every blocking call is: begin a wait, register the task where a waker will find it
 * (a wait list, a channel queue, the timer heap), park. Several parties may race to wake
 * it: the event it waits for, its deadline, a cancellation, from any thread. The claim
 * decides the race:
 *
 *   task->park_word = (seq << 1) | 1   while parked wait number seq is open,
 *                     (seq << 1)       once somebody claimed it.
 *
 * A waker holds the token (seq << 1) | 1 it found registered and wins only if its
 * compare-and-swap still sees it: exactly one party wakes each wait, and a stale waker
 * from an earlier wait can never wake a later one. The winner records the reason and
 * makes the task runnable; everyone else leaves the task alone.
 *
 * Invariants:
 * - Only the task itself begins a wait, on its own proc.
 * - A claim is always followed by exactly one task9_wait_wake(), except when the task
 *   claims its own wait (it then simply does not switch away).
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
#include "task9-wait-private.h"
#include "task9-async-private.h"


static void
park_timer_fired (Task9Timer *timer)
{
  Task9Task *task = (Task9Task *) ((guint8 *) timer - G_STRUCT_OFFSET (Task9Task, timer));

  if (task9_wait_claim (task, task->park_token))
    task9_wait_wake (task, TASK9_WAKE_TIMED_OUT);
}

/* Suspends @self until its wait @token is claimed, @deadline (monotonic, -1 for none)
 * passes or the task is cancelled. Returns why it woke. */
Task9WakeReason
task9_wait_park (Task9Task  *self,
                 guint64     token,
                 gint64      deadline,
                 const char *reason)
{
  Task9Proc *proc = self->proc;
  gboolean armed = FALSE;

  if (!self->shielded && __atomic_load_n (&self->cancelled, __ATOMIC_ACQUIRE) &&
      task9_wait_claim (self, token))
    return TASK9_WAKE_CANCELLED;

  if (deadline >= 0)
    {
      if (deadline <= g_get_monotonic_time ())
        {
          if (task9_wait_claim (self, token))
            return TASK9_WAKE_TIMED_OUT;
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

  self->state = TASK9_TASK_STATE_BLOCKED;
  self->wait_reason = reason;
  task9_scheduler_block (proc, self);
  self->wait_reason = NULL;

  if (armed)
    task9_timer_heap_remove (&proc->timers, &self->timer);

  return self->wake_reason;
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
  list->head = NULL;
  list->n_threads = 0;
  g_cond_init (&list->cond);
}

void
task9_wait_list_clear (Task9WaitList *list)
{
  g_assert (list->head == NULL);
  g_cond_clear (&list->cond);
}

static void
node_unlink (Task9WaitList *list,
             Task9WaitNode *node)
{
  if (node->prev != NULL)
    node->prev->next = node->next;
  else
    list->head = node->next;
  if (node->next != NULL)
    node->next->prev = node->prev;
  node->prev = node->next = node;   /* marks "not in a list" */
}

static inline gboolean
node_linked (Task9WaitNode *node)
{
  return node->next != node;
}

void
task9_wait_list_add (Task9WaitList *list,
                     Task9WaitNode *node)
{
  node->prev = NULL;
  node->next = list->head;
  if (list->head != NULL)
    list->head->prev = node;
  list->head = node;
}

/* Removes @node if it is still in @list (the owner's lock held). */
void
task9_wait_list_remove (Task9WaitList *list,
                        Task9WaitNode *node)
{
  if (node_linked (node))
    node_unlink (list, node);
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
    {
      Task9WaitNode node;
      Task9WakeReason why;

      node.task = self;
      node.token = task9_wait_begin (self);
      node.async = NULL;
      task9_wait_list_add (list, &node);

      g_mutex_unlock (lock);
      why = task9_wait_park (self, node.token, deadline, reason);
      g_mutex_lock (lock);

      if (node_linked (&node))
        node_unlink (list, &node);
      if (!task9_wait_check_reason (why, error))
        return FALSE;
    }
  return TRUE;
}

/* With the owner's lock held: wakes every task and thread on @list. */
void
task9_wait_list_wake_all (Task9WaitList *list)
{
  while (list->head != NULL)
    {
      Task9WaitNode *node = list->head;
      Task9Task *task = node->task;
      Task9AsyncOp *async = node->async;
      guint64 token = node->token;

      node_unlink (list, node);
      if (async != NULL)
        {
          guint64 expected = 1;

          if (__atomic_compare_exchange_n (&async->claim, &expected, 0, FALSE,
                                           __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
            task9_async_op_fire (async, TASK9_WAKE_READY);
        }
      else if (task9_wait_claim (task, token))
        task9_wait_wake (task, TASK9_WAKE_READY);
    }
  if (list->n_threads > 0)
    g_cond_broadcast (&list->cond);
}
