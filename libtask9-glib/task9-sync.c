/* task9-sync.c: waiting on a synchronisation object
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Locks, read-write locks, conditions, events, semaphores and queues are clients of the
 * waiter (task9-waiter.c), like channels: a caller that cannot proceed queues one
 * waiter on the object's Task9SyncQueue and parks (a task) or returns (an async caller).
 * Whoever changes the object's state so that waiters can proceed grants them: it claims
 * each waiter, performs what the waiter asked for on its behalf (hands it the lock, a
 * permit, an item) and, once the spinlock is released, fires it.
 *
 * Invariants:
 * - A waiter is granted only by a party that won its claim, and the grant is performed
 *   before the waiter is fired: a woken waiter owns what it asked for, and a waiter
 *   whose wait ended by timeout or cancellation (its claim lost to the timer or the
 *   cancellable) was given nothing. That is why a cancelled lock acquisition owns
 *   nothing and a cancelled queue get leaves the item in the queue.
 * - Grants go in FIFO order of arrival.
 * - A waiter that gave up may have held back waiters behind it (a writer that timed
 *   out with readers queued after it): the object re-examines its queue after every
 *   withdrawal that may change what can be granted.
 * - A movable waiter (a condition's sleeper) is moved only with both queues locked,
 *   the queue it leaves first, and its owner withdraws it with both locked in that
 *   order: whoever looks at it under both locks sees it on exactly one queue, or on
 *   none once a grant dequeued it. A move marks it (its kind), so its owner learns that
 *   it was signalled even if its wait then ended another way.
 */

#include "task9-config.h"

#include "task9-error.h"
#include "task9-scheduler-private.h"
#include "task9-sync-private.h"

/* With @queue locked: queues @self for @arg/@kind, unlocks, parks (for an event from
 * outside the procs if @external: see task9_wait_park_external()). Returns why the task
 * woke, with the lock released and the waiter withdrawn; TASK9_WAKE_READY means it was
 * granted. */
Task9WakeReason
task9_sync_park (Task9SyncQueue *queue,
                 Task9Task      *self,
                 gpointer        arg,
                 guint8          kind,
                 gint64          deadline,
                 GCancellable   *cancellable,
                 gboolean        external,
                 const char     *reason)
{
  Task9WaitSet set;
  Task9Waiter waiter;
  Task9WakeReason why;

  task9_wait_begin_one (self, &waiter, &set, arg);
  waiter.is_send = kind;
  task9_waiter_enqueue (&queue->waiters, &waiter);
  task9_sync_unlock (queue);

  self->wait_name = queue->name;   /* for the task table; park() clears it */
  why = (external ? task9_wait_park_external : task9_wait_park)
          (self, waiter.token, deadline, cancellable, reason);
  if (why != TASK9_WAKE_READY)
    task9_waiter_withdraw (&waiter);   /* nobody granted it: it may still be queued */
  return why;
}

/* With @queue locked: queues the op's one waiter for @arg/@kind, unlocks, and lets the
 * op wait (consumes the caller's reference to @op). The op's settle function withdraws
 * the waiter. */
void
task9_sync_wait_async (Task9SyncQueue *queue,
                       Task9AsyncOp   *op,
                       gpointer        arg,
                       guint8          kind)
{
  Task9Waiter *waiter = &op->waiters[0];

  waiter->value = arg;
  waiter->is_send = kind;
  task9_waiter_enqueue (&queue->waiters, waiter);
  g_object_ref (op);   /* a granter may complete it as soon as we unlock */
  task9_sync_unlock (queue);
  task9_async_op_wait (op);
}

/* The settle function of an async wait whose grant carries nothing back but "granted"
 * (an event, a permit, a join): withdraws the waiter if nobody granted it and turns a
 * timeout or cancellation into op->error. */
void
task9_sync_settle (Task9AsyncOp *op)
{
  task9_async_op_withdraw (op);
  if (op->reason != TASK9_WAKE_READY)
    task9_wait_check_reason (op->reason, &op->error);
}

/* With @queue locked: claims the first waiter still waiting, if its kind is @kind (or
 * @kind is TASK9_SYNC_ANY_KIND), and adds it to @grants. Waiters whose wait already
 * ended are dropped on the way. Returns the claimed waiter, whose request the caller
 * now performs, or NULL. */
Task9Waiter *
task9_sync_grant_first (Task9SyncQueue  *queue,
                        gint             kind,
                        Task9SyncGrants *grants)
{
  Task9Waiter *waiter;

  while ((waiter = queue->waiters.head) != NULL)
    {
      guint64 *claim = waiter->claim;
      guint64 token = waiter->token;

      if (kind != TASK9_SYNC_ANY_KIND && waiter->is_send != kind)
        {
          /* Not the kind asked for: stop there, unless it is a stale waiter. */
          if (__atomic_load_n (claim, __ATOMIC_ACQUIRE) == token)
            return NULL;
          task9_waiter_dequeue (waiter);
          continue;
        }
      task9_waiter_dequeue (waiter);
      if (task9_claim (claim, token))
        {
          waiter->next = grants->head;
          grants->head = waiter;
          return waiter;
        }
    }
  return NULL;
}

/* Releases @queue's lock, then wakes every waiter in @grants, oldest grant first. */
void
task9_sync_unlock_and_fire (Task9SyncQueue  *queue,
                            Task9SyncGrants *grants)
{
  Task9Waiter *reversed = NULL, *next;

  task9_sync_unlock (queue);
  for (Task9Waiter *w = grants->head; w != NULL; w = next)
    {
      next = w->next;
      w->next = reversed;
      reversed = w;
    }
  for (Task9Waiter *w = reversed; w != NULL; w = next)
    {
      next = w->next;   /* read first: a fired waiter may be gone at once */
      task9_waiter_fire (w, FALSE);
    }
  grants->head = NULL;
}

/* When a wait cannot be granted at once and @self (the current task, or NULL) may not
 * block: a zero @timeout asked not to (TASK9_ERROR_WOULD_BLOCK); outside a task nothing
 * can (TASK9_ERROR_NOT_IN_TASK). Returns FALSE with @error set in those cases, TRUE when
 * the caller may park. */
gboolean
task9_sync_may_block (Task9Task     *self,
                      GTimeSpan      timeout,
                      const char    *what,
                      GError       **error)
{
  if (timeout == 0)
    {
      g_set_error (error, TASK9_ERROR, TASK9_ERROR_WOULD_BLOCK, "%s would block", what);
      return FALSE;
    }
  if (self == NULL)
    {
      g_set_error (error, TASK9_ERROR, TASK9_ERROR_NOT_IN_TASK,
                   "%s can only block in a task; use the try_ or _async variant", what);
      return FALSE;
    }
  return TRUE;
}

/* With @queue locked: drops the stale waiters at its head (their wait already ended;
 * their owners withdraw nothing then). Returns whether a waiter still waiting remains. */
gboolean
task9_sync_prune (Task9SyncQueue *queue)
{
  Task9Waiter *waiter;

  while ((waiter = queue->waiters.head) != NULL)
    {
      if (__atomic_load_n (waiter->claim, __ATOMIC_ACQUIRE) == waiter->token)
        return TRUE;
      task9_waiter_dequeue (waiter);
    }
  return FALSE;
}

/* ---- movable waiters -------------------------------------------------------------- */

/* With @queue locked: opens @self's next wait with @waiter (and @set, both on the
 * caller's stack) as its one arm, asking for @arg/@kind, and queues it. */
void
task9_sync_enqueue (Task9SyncQueue *queue,
                    Task9Task      *self,
                    Task9Waiter    *waiter,
                    Task9WaitSet   *set,
                    gpointer        arg,
                    guint8          kind)
{
  task9_wait_begin_one (self, waiter, set, arg);
  waiter->is_send = kind;
  task9_waiter_enqueue (&queue->waiters, waiter);
}

/* Parks @self on the wait task9_sync_enqueue() opened (no lock held). Returns why it
 * woke; unless TASK9_WAKE_READY the caller withdraws @waiter. */
Task9WakeReason
task9_sync_park_queued (Task9Task    *self,
                        Task9Waiter  *waiter,
                        gint64        deadline,
                        GCancellable *cancellable,
                        gboolean      external,
                        const char   *reason)
{
  /* The waiter sits on a sync queue's waiters (until a move): name the queue. */
  self->wait_name = G_STRUCT_MEMBER (const char *, waiter->queue,
                                     G_STRUCT_OFFSET (Task9SyncQueue, name)
                                     - G_STRUCT_OFFSET (Task9SyncQueue, waiters));
  return (external ? task9_wait_park_external : task9_wait_park)
           (self, waiter->token, deadline, cancellable, reason);
}

/* With @from and @to locked: moves the first waiter of @from still waiting to the tail
 * of @to, marked with @moved_kind, without claiming it: it now waits for what @to
 * grants. Stale waiters are dropped on the way. Returns the moved waiter, or NULL. */
Task9Waiter *
task9_sync_move_first (Task9SyncQueue *from,
                       Task9SyncQueue *to,
                       guint8          moved_kind)
{
  if (!task9_sync_prune (from))
    return NULL;

  Task9Waiter *waiter = from->waiters.head;

  task9_waiter_dequeue (waiter);
  waiter->is_send = moved_kind;
  task9_waiter_enqueue (&to->waiters, waiter);
  return waiter;
}

/* By the owner of the movable @waiter, whose wait was not granted (or never parked):
 * takes it off whichever of @from and @to holds it. Returns whether it was moved to
 * @to (marked @moved_kind) at some point. */
gboolean
task9_sync_withdraw_movable (Task9Waiter    *waiter,
                             Task9SyncQueue *from,
                             Task9SyncQueue *to,
                             guint8          moved_kind)
{
  gboolean moved;

  task9_sync_lock (from);
  task9_sync_lock (to);
  if (waiter->linked)
    task9_waiter_dequeue (waiter);
  moved = waiter->is_send == moved_kind;
  task9_sync_unlock (to);
  task9_sync_unlock (from);
  return moved;
}
