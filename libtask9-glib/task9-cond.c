/* task9-cond.c: Task9Cond, a condition variable bound to a Task9Lock
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Plan 9's Rendez on our waiters. A sleeper queues one movable waiter (task9-sync.c) on
 * the condition's queue and releases the lock, both with the condition's and the lock's
 * spinlocks held, so no signal can slip in between. A signal, made by the lock's holder,
 * moves the first sleeper to the tail of the lock's queue without waking it: the sleeper
 * wakes once, when a release grants it the lock, and returns owning it.
 *
 * A wait that times out or is cancelled still returns holding the lock: the sleeper
 * takes its waiter off whichever queue holds it and acquires the lock again, shielded
 * from cancellation and with no deadline (an async waiter queues a plain acquisition
 * before its callback runs). A sleeper that a signal had already moved counts as
 * signalled even if its wait then ended another way, so a signal is never lost to a
 * timeout: signal's count is how many waits will return success.
 *
 * Invariants:
 * - Lock order: the condition's spinlock, then its lock's.
 * - A sleeper's waiter is on the condition's queue (asleep), on the lock's queue
 *   (signalled, marked MOVED), or on none (granted the lock, or dropped as stale).
 * - Only the lock's holder signals, so a moved waiter never finds the lock free: it is
 *   granted by a later release, in FIFO order behind the lock's earlier waiters.
 */

#include "task9-config.h"

#include "task9-cond.h"
#include "task9-error.h"
#include "task9-lock-private.h"
#include "task9-scheduler-private.h"

enum { SLEEPING = 0, MOVED = 1 };   /* a sleeper's waiter kind */

/**
 * Task9Cond:
 *
 * A condition variable bound to one [class@Task9.Lock] for its whole life: Plan 9's
 * Rendez (whose `l` is its QLock), Python's `Condition(lock)`, curio's `Condition`.
 *
 * The lock's holder waits for a change with [method@Task9.Cond.wait] (in a task) or
 * [method@Task9.Cond.wait_async] (on a main loop), which release the lock while asleep
 * and always return holding it again. Another holder announces a change with
 * [method@Task9.Cond.signal] (wakes the longest sleeper) or
 * [method@Task9.Cond.broadcast] (wakes all). As with every condition variable, check
 * the condition in a loop around the wait.
 *
 * A woken sleeper is moved to the end of the lock's queue and gets the lock when its
 * turn comes, so it wakes once, owning the lock. Only the lock's holder may signal or
 * wait: anybody else gets %TASK9_ERROR_NOT_OWNER.
 *
 * Since: 0.1
 */
struct _Task9Cond
{
  GObject         parent_instance;

  Task9SyncQueue  queue;   /* the sleepers */
  Task9Lock      *lock;
};

G_DEFINE_FINAL_TYPE (Task9Cond, task9_cond, G_TYPE_OBJECT)

static void
task9_cond_finalize (GObject *object)
{
  Task9Cond *cond = TASK9_COND (object);

  g_warn_if_fail (!task9_sync_has_waiters (&cond->queue));
  g_clear_object (&cond->lock);

  G_OBJECT_CLASS (task9_cond_parent_class)->finalize (object);
}

static void
task9_cond_class_init (Task9CondClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = task9_cond_finalize;
}

static void
task9_cond_init (Task9Cond *cond)
{
  task9_sync_queue_init (&cond->queue);
}

/**
 * task9_cond_new:
 * @lock: the lock that protects the condition
 *
 * Creates a condition variable bound to @lock (it keeps a reference).
 *
 * Returns: (transfer full): a new #Task9Cond
 *
 * Since: 0.1
 */
Task9Cond *
task9_cond_new (Task9Lock *lock)
{
  Task9Cond *cond;

  g_return_val_if_fail (TASK9_IS_LOCK (lock), NULL);

  cond = g_object_new (TASK9_TYPE_COND, NULL);
  cond->lock = g_object_ref (lock);
  return cond;
}

/**
 * task9_cond_get_lock:
 * @cond: a #Task9Cond
 *
 * Gets the lock that protects the condition, the one @cond was created with.
 *
 * Returns: (transfer none): the lock @cond was created with
 *
 * Since: 0.1
 */
Task9Lock *
task9_cond_get_lock (Task9Cond *cond)
{
  g_return_val_if_fail (TASK9_IS_COND (cond), NULL);
  return cond->lock;
}

static void
set_not_owner (GError **error)
{
  g_set_error_literal (error, TASK9_ERROR, TASK9_ERROR_NOT_OWNER,
                       "The caller does not hold the condition's lock");
}

/* With both spinlocks held and the lock held by @self: queues @waiter as a sleeper and
 * releases the lock, firing whoever gets it. Returns with both spinlocks released. */
static void
sleep_and_release (Task9Cond   *cond,
                   Task9Task   *self,
                   Task9Waiter *waiter)
{
  Task9Lock *lock = cond->lock;
  Task9SyncGrants grants = TASK9_SYNC_GRANTS_INIT;

  waiter->is_send = SLEEPING;
  task9_waiter_enqueue (&cond->queue.waiters, waiter);
  task9_lock_hand_on_locked (lock, &grants);
  task9_sync_unlock (&cond->queue);
  task9_sync_unlock_and_fire (&lock->queue, &grants);
  task9_lock_forget_hold (lock, self);
}

/**
 * task9_cond_wait: (skip)
 * @cond: a #Task9Cond whose lock the calling task holds
 * @timeout: how long to sleep at most, in microseconds (negative: no limit)
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Releases the lock and suspends the calling task until [method@Task9.Cond.signal]
 * or [method@Task9.Cond.broadcast] wakes it, @timeout passes or the wait is
 * cancelled. It always returns holding the lock again, also on timeout and
 * cancellation: taking the lock back waits as long as it takes and is not
 * cancellable. A sleeper that was woken counts as woken even if its timeout passes
 * while it waits for the lock.
 *
 * Returns: %TRUE if woken by a signal; %FALSE with @error set:
 *   %G_IO_ERROR_TIMED_OUT, %G_IO_ERROR_CANCELLED, %TASK9_ERROR_WOULD_BLOCK (a zero
 *   timeout; the lock is not released), %TASK9_ERROR_NOT_OWNER (the task does not
 *   hold the lock; nothing happened) or %TASK9_ERROR_NOT_IN_TASK
 *
 * Since: 0.1
 */
gboolean
task9_cond_wait (Task9Cond     *cond,
                 GTimeSpan      timeout,
                 GCancellable  *cancellable,
                 GError       **error)
{
  Task9Task *self = task9_scheduler_current_task ();
  Task9Lock *lock;
  Task9WaitSet set;
  Task9Waiter waiter;
  Task9WakeReason why;
  gboolean external;
  gint64 deadline;

  g_return_val_if_fail (TASK9_IS_COND (cond), FALSE);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  lock = cond->lock;
  if (self == NULL)
    {
      g_set_error (error, TASK9_ERROR, TASK9_ERROR_NOT_IN_TASK,
                   "Waiting on a condition can only block in a task; use the _async variant");
      return FALSE;
    }
  deadline = task9_deadline_from_timeout (timeout);

  task9_sync_lock (&cond->queue);
  task9_sync_lock (&lock->queue);
  if (!task9_lock_held_by (lock, self))
    {
      task9_sync_unlock (&lock->queue);
      task9_sync_unlock (&cond->queue);
      set_not_owner (error);
      return FALSE;
    }
  if (timeout == 0 ||
      (cancellable != NULL && g_cancellable_is_cancelled (cancellable)))
    {
      task9_sync_unlock (&lock->queue);
      task9_sync_unlock (&cond->queue);
      if (timeout == 0)
        g_set_error_literal (error, TASK9_ERROR, TASK9_ERROR_WOULD_BLOCK,
                             "Waiting on a condition would block");
      else
        g_cancellable_set_error_if_cancelled (cancellable, error);
      return FALSE;
    }
  external = lock->outside;
  task9_wait_begin_one (self, &waiter, &set, NULL);
  sleep_and_release (cond, self, &waiter);

  why = task9_sync_park_queued (self, &waiter, deadline, cancellable, external, "cond");
  if (why == TASK9_WAKE_READY)
    {
      task9_lock_note_hold (lock, self);   /* granted the lock: see task9-lock.c */
      return TRUE;
    }
  if (task9_sync_withdraw_movable (&waiter, &cond->queue, &lock->queue, MOVED))
    why = TASK9_WAKE_READY;   /* signalled before it gave up: the signal counts */
  task9_lock_reacquire (lock, self);
  return task9_wait_check_reason (why, error);
}

/* ---- the async form ------------------------------------------------------------------ */

typedef struct
{
  Task9AsyncOp        *op;
  GAsyncReadyCallback  callback;
} Reacquire;

static void
reacquired (GObject      *source,
            GAsyncResult *result,
            gpointer      data)
{
  Reacquire *r = data;
  Task9AsyncOp *op = r->op;

  /* No cancellable: it cannot fail. */
  g_assert (task9_lock_acquire_finish (TASK9_LOCK (source), result, NULL));
  op->callback = r->callback;
  if (op->callback != NULL)
    op->callback (op->source_object, G_ASYNC_RESULT (op), op->user_data);
  g_object_unref (op);
  g_free (r);
}

static void
settle_wait (Task9AsyncOp *op)
{
  Task9Cond *cond = TASK9_COND (op->source_object);
  Reacquire *r;

  if (op->error != NULL || op->result_int == 0)
    {
      task9_wait_check_reason (op->reason, &op->error);   /* never slept */
      return;
    }
  if (op->reason == TASK9_WAKE_READY)
    return;   /* granted the lock, outside tasks */
  if (!task9_sync_withdraw_movable (&op->waiters[0], &cond->queue, &cond->lock->queue, MOVED))
    task9_wait_check_reason (op->reason, &op->error);

  /* The callback runs once the lock is held again. */
  r = g_new (Reacquire, 1);
  r->op = g_object_ref (op);
  r->callback = op->callback;
  op->callback = NULL;
  task9_lock_acquire_async (cond->lock, NULL, reacquired, r);
}

/**
 * task9_cond_wait_async:
 * @cond: a #Task9Cond whose lock the caller holds (outside tasks)
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called on the caller's thread-default main context once
 *   the caller holds the lock again
 * @user_data: (closure): data for @callback
 *
 * The async form of [method@Task9.Cond.wait], for main-loop code holding the lock
 * (acquired with [method@Task9.Lock.acquire_async] or outside any task): releases the
 * lock and completes once a signal woke the caller and the lock is held again, or the
 * wait was cancelled and the lock is held again. Either way the lock is then held
 * outside tasks. Finish with [method@Task9.Cond.wait_finish].
 *
 * Since: 0.1
 */
void
task9_cond_wait_async (Task9Cond           *cond,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  Task9Task *self = task9_scheduler_current_task ();
  Task9AsyncOp *op;
  Task9Lock *lock;

  g_return_if_fail (TASK9_IS_COND (cond));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  lock = cond->lock;
  op = task9_async_op_new (cond, 1, cancellable, callback, user_data,
                           task9_cond_wait_async, settle_wait);
  task9_sync_lock (&cond->queue);
  task9_sync_lock (&lock->queue);
  if (!task9_lock_held_by (lock, self) ||
      (cancellable != NULL && g_cancellable_is_cancelled (cancellable)))
    {
      gboolean owner = task9_lock_held_by (lock, self);

      task9_sync_unlock (&lock->queue);
      task9_sync_unlock (&cond->queue);
      if (!owner)
        set_not_owner (&op->error);
      task9_async_op_complete_now (op, owner ? TASK9_WAKE_CANCELLED : TASK9_WAKE_READY);
      return;
    }
  op->result_int = 1;   /* asleep: settle_wait() takes it off a queue, or it was granted */
  g_object_ref (op);    /* a release may grant it as soon as the spinlocks are free */
  sleep_and_release (cond, self, &op->waiters[0]);
  task9_async_op_wait (op);
}

/**
 * task9_cond_wait_finish:
 * @cond: a #Task9Cond
 * @result: the result given to the callback
 * @error: return location for a #GError
 *
 * Finishes [method@Task9.Cond.wait_async]. The caller holds the lock (outside tasks)
 * whatever this returns, except after %TASK9_ERROR_NOT_OWNER.
 *
 * Returns: %TRUE if woken by a signal; %FALSE with @error set:
 *   %G_IO_ERROR_CANCELLED or %TASK9_ERROR_NOT_OWNER
 *
 * Since: 0.1
 */
gboolean
task9_cond_wait_finish (Task9Cond     *cond,
                        GAsyncResult  *result,
                        GError       **error)
{
  g_return_val_if_fail (TASK9_IS_COND (cond), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return task9_async_op_check (result, cond, task9_cond_wait_async, error) != NULL;
}

/* ---- waking -------------------------------------------------------------------------- */

static gint
wake (Task9Cond  *cond,
      gboolean    all,
      GError    **error)
{
  Task9Task *self = task9_scheduler_current_task ();
  Task9Lock *lock = cond->lock;
  gint n = 0;

  task9_sync_lock (&cond->queue);
  task9_sync_lock (&lock->queue);
  if (!task9_lock_held_by (lock, self))
    n = -1;
  else
    while ((n == 0 || all) && task9_sync_move_first (&cond->queue, &lock->queue, MOVED) != NULL)
      n++;
  task9_sync_unlock (&lock->queue);
  task9_sync_unlock (&cond->queue);

  if (n < 0)
    set_not_owner (error);
  return n;
}

/**
 * task9_cond_signal:
 * @cond: a #Task9Cond whose lock the caller holds
 * @error: return location for a #GError
 *
 * Wakes the sleeper that has slept longest, if any. It does not run at once: it queues
 * for the lock behind those already waiting for it, and returns from its wait owning
 * the lock once its turn comes.
 *
 * Returns: how many sleepers were woken (0 or 1); -1 with %TASK9_ERROR_NOT_OWNER if the
 *   caller does not hold the lock
 *
 * Since: 0.1
 */
gint
task9_cond_signal (Task9Cond  *cond,
                   GError    **error)
{
  g_return_val_if_fail (TASK9_IS_COND (cond), -1);
  g_return_val_if_fail (error == NULL || *error == NULL, -1);

  return wake (cond, FALSE, error);
}

/**
 * task9_cond_broadcast:
 * @cond: a #Task9Cond whose lock the caller holds
 * @error: return location for a #GError
 *
 * Wakes every sleeper; they get the lock one after the other, in the order they went
 * to sleep.
 *
 * Returns: how many sleepers were woken; -1 with %TASK9_ERROR_NOT_OWNER if the caller
 *   does not hold the lock
 *
 * Since: 0.1
 */
gint
task9_cond_broadcast (Task9Cond  *cond,
                      GError    **error)
{
  g_return_val_if_fail (TASK9_IS_COND (cond), -1);
  g_return_val_if_fail (error == NULL || *error == NULL, -1);

  return wake (cond, TRUE, error);
}

/**
 * task9_cond_set_name:
 * @cond: a condition
 * @name: (nullable): a name for debugging
 *
 * Names @cond for the task table: a task waiting on it shows the name as what it
 * waits on ([method@Task9.TaskInfo.get_wait_object]). The name is interned: use a
 * small set of names. Set it before the condition is shared.
 *
 * Since: 0.1
 */
void
task9_cond_set_name (Task9Cond *cond,
                     const char *name)
{
  g_return_if_fail (TASK9_IS_COND (cond));

  cond->queue.name = name != NULL ? g_intern_string (name) : NULL;
}

/**
 * task9_cond_get_name:
 * @cond: a condition
 *
 * Returns the name set with [method@Task9.Cond.set_name].
 *
 * Returns: (nullable): the name, or %NULL
 *
 * Since: 0.1
 */
const char *
task9_cond_get_name (Task9Cond *cond)
{
  g_return_val_if_fail (TASK9_IS_COND (cond), NULL);

  return cond->queue.name;
}
