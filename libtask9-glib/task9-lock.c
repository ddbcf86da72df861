/* task9-lock.c: Task9Lock, a FIFO mutex for tasks and main-loop code
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A lock is a Task9SyncQueue (task9-sync.c) plus who holds it. Release never frees the
 * lock while somebody waits: it hands it to the first waiter still waiting (grant, then
 * fire), so nobody can barge in between, and the order is FIFO across procs. A waiter
 * that timed out or was cancelled lost its claim and is skipped; it owns nothing.
 *
 * Who holds it: the task that acquired it (task9_lock_acquire() or try_acquire() in a
 * task), or "outside tasks" (holder NULL) for acquisitions made outside any task and
 * every _async acquisition (its callback runs on a main loop, not in a task). A task
 * may release only a lock it holds itself; code outside tasks may release a lock held
 * outside tasks. Anything else is TASK9_ERROR_NOT_OWNER.
 *
 * A task that holds the lock has its `hold` on its list of holds (task9-task-private.h)
 * and a reference on the lock; a task that ends holding it releases it with a warning,
 * so the next waiter gets it instead of hanging.
 *
 * Invariants (under queue.lock):
 * - !locked implies no waiter in the queue still waits: every release grants the first
 *   live waiter, and an acquirer queues only while the lock is held.
 * - holder != NULL only while locked; `hold` is on holder's list (or about to be: the
 *   granted task links it when it wakes, before it returns from the acquisition).
 * - Waits count as external (the deadlock detector leaves them alone) once the lock has
 *   ever been held outside tasks, as a main-loop caller may then release it.
 */

#include "task9-config.h"

#include "task9-error.h"
#include "task9-lock-private.h"
#include "task9-scheduler-private.h"

/**
 * Task9Lock:
 *
 * A mutual-exclusion lock for tasks on any proc and for code on a main loop: Plan 9's
 * QLock, curio's and Python's `Lock`, on the same waiters as channels.
 *
 * A task takes it with [method@Task9.Lock.acquire] (which suspends the task, not its
 * proc, while another holds it, and takes a timeout and a #GCancellable), main-loop
 * code and bindings with [method@Task9.Lock.acquire_async], anybody with
 * [method@Task9.Lock.try_acquire]. Waiters get the lock strictly in the order they
 * asked for it, across procs: [method@Task9.Lock.release] hands it directly to the
 * first of them. A cancelled or timed-out acquisition owns nothing.
 *
 * The holder is the task that acquired it, or "outside tasks" for an acquisition made
 * outside any task and for every asynchronous one. Only the holder may release it:
 * a task releasing a lock it does not hold, or code outside tasks releasing a lock a
 * task holds, gets %TASK9_ERROR_NOT_OWNER. A task that ends while holding the lock
 * releases it, with a warning naming the task, so that the next waiter gets it.
 *
 * The lock is not recursive: a task that acquires a lock it holds gets
 * %TASK9_ERROR_DEADLOCK.
 *
 * Since: 0.1
 */

G_DEFINE_FINAL_TYPE (Task9Lock, task9_lock, G_TYPE_OBJECT)

static void abandon_hold (Task9Hold *hold, Task9Task *task);

static void
task9_lock_finalize (GObject *object)
{
  Task9Lock *lock = TASK9_LOCK (object);

  /* A holding task has a reference: only a lock free or held outside tasks gets here. */
  g_warn_if_fail (lock->holder == NULL);
  g_warn_if_fail (!task9_sync_has_waiters (&lock->queue));

  G_OBJECT_CLASS (task9_lock_parent_class)->finalize (object);
}

static void
task9_lock_class_init (Task9LockClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = task9_lock_finalize;
}

static void
task9_lock_init (Task9Lock *lock)
{
  task9_sync_queue_init (&lock->queue);
  lock->hold.abandon = abandon_hold;
}

/**
 * task9_lock_new:
 *
 * Creates a lock, free.
 *
 * Returns: (transfer full): a new #Task9Lock
 *
 * Since: 0.1
 */
Task9Lock *
task9_lock_new (void)
{
  return g_object_new (TASK9_TYPE_LOCK, NULL);
}

/* ---- holds ------------------------------------------------------------------------- */

/* By @self (or NULL outside tasks), having just become the holder. */
void
task9_lock_note_hold (Task9Lock *lock,
                      Task9Task *self)
{
  if (self == NULL)
    return;
  g_object_ref (lock);
  task9_task_push_hold (self, &lock->hold);
}

/* By @self (or NULL), having just stopped being the holder. */
void
task9_lock_forget_hold (Task9Lock *lock,
                        Task9Task *self)
{
  if (self == NULL)
    return;
  task9_task_unlink_hold (self, &lock->hold);
  g_object_unref (lock);
}

/* With lock->queue locked, by the holder giving it up: hands the lock to the first
 * waiter still waiting, or frees it. */
void
task9_lock_hand_on_locked (Task9Lock       *lock,
                           Task9SyncGrants *grants)
{
  Task9Waiter *waiter = task9_sync_grant_first (&lock->queue, TASK9_SYNC_ANY_KIND, grants);

  if (waiter == NULL)
    {
      lock->locked = FALSE;
      lock->holder = NULL;
      return;
    }
  lock->holder = task9_sync_waiter_task (waiter);
  if (lock->holder == NULL)
    lock->outside = TRUE;
}

static void
abandon_hold (Task9Hold *hold,
              Task9Task *task)
{
  Task9Lock *lock = (Task9Lock *) ((guint8 *) hold - G_STRUCT_OFFSET (Task9Lock, hold));
  Task9SyncGrants grants = TASK9_SYNC_GRANTS_INIT;

  g_warning ("Task “%s” (%" G_GUINT64_FORMAT ") ended holding lock %p; "
             "it is released for the next waiter",
             task9_task_get_name (task) != NULL ? task9_task_get_name (task) : "",
             task9_task_get_id (task), (gpointer) lock);
  task9_sync_lock (&lock->queue);
  g_assert (task9_lock_held_by (lock, task));
  task9_lock_hand_on_locked (lock, &grants);
  task9_sync_unlock_and_fire (&lock->queue, &grants);
  task9_lock_forget_hold (lock, task);
}

/* ---- acquiring ---------------------------------------------------------------------- */

/* With lock->queue locked: takes the lock for @self if it is free. Unlocks either way
 * if it took it. */
static gboolean
take_if_free_locked (Task9Lock *lock,
                     Task9Task *self)
{
  if (lock->locked)
    return FALSE;
  lock->locked = TRUE;
  lock->holder = self;
  if (self == NULL)
    lock->outside = TRUE;
  task9_sync_unlock (&lock->queue);
  task9_lock_note_hold (lock, self);
  return TRUE;
}

/* With lock->queue locked and the lock held by someone else: queues @self, parks until
 * granted (TASK9_WAKE_READY, then @self holds the lock) or not. */
static Task9WakeReason
park_for_lock (Task9Lock    *lock,
               Task9Task    *self,
               gint64        deadline,
               GCancellable *cancellable)
{
  Task9WakeReason why;

  why = task9_sync_park (&lock->queue, self, NULL, 0, deadline, cancellable,
                         lock->outside, "lock");
  if (why == TASK9_WAKE_READY)
    task9_lock_note_hold (lock, self);
  return why;
}

/* By @self, which holds nothing of @lock: takes it, waiting as long as it takes and
 * ignoring cancellation (a condition wait's return). */
void
task9_lock_reacquire (Task9Lock *lock,
                      Task9Task *self)
{
  gboolean shielded = self->shielded;
  Task9WakeReason why;

  task9_sync_lock (&lock->queue);
  if (take_if_free_locked (lock, self))
    return;
  self->shielded = TRUE;
  why = park_for_lock (lock, self, -1, NULL);
  self->shielded = shielded;
  g_assert (why == TASK9_WAKE_READY);
}

/**
 * task9_lock_acquire: (skip)
 * @lock: a #Task9Lock
 * @timeout: how long to wait, in microseconds: negative for no limit, 0 not to wait
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Takes @lock for the calling task, suspending the task while another holds it.
 * Waiters get the lock in the order they asked for it. A wait that times out or is
 * cancelled leaves the caller holding nothing.
 *
 * Outside a task this only succeeds if the lock is free (the lock is then held
 * outside tasks); otherwise it fails with %TASK9_ERROR_NOT_IN_TASK. Use
 * [method@Task9.Lock.acquire_async] there.
 *
 * Returns: %TRUE if the caller holds @lock; %FALSE with @error set:
 *   %G_IO_ERROR_TIMED_OUT, %G_IO_ERROR_CANCELLED, %TASK9_ERROR_WOULD_BLOCK (a zero
 *   @timeout), %TASK9_ERROR_NOT_IN_TASK, or %TASK9_ERROR_DEADLOCK if the calling task
 *   holds @lock already
 *
 * Since: 0.1
 */
gboolean
task9_lock_acquire (Task9Lock     *lock,
                    GTimeSpan      timeout,
                    GCancellable  *cancellable,
                    GError       **error)
{
  Task9Task *self = task9_scheduler_current_task ();
  gint64 deadline;

  g_return_val_if_fail (TASK9_IS_LOCK (lock), FALSE);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (cancellable != NULL && g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;
  deadline = task9_deadline_from_timeout (timeout);   /* before the spinlock */

  task9_sync_lock (&lock->queue);
  if (take_if_free_locked (lock, self))
    return TRUE;
  if (self != NULL && lock->holder == self)
    {
      task9_sync_unlock (&lock->queue);
      g_set_error (error, TASK9_ERROR, TASK9_ERROR_DEADLOCK,
                   "The task holds the lock already (Task9Lock is not recursive)");
      return FALSE;
    }
  if (!task9_sync_may_block (self, timeout, "Acquiring a lock", error))
    {
      task9_sync_unlock (&lock->queue);
      return FALSE;
    }
  return task9_wait_check_reason (park_for_lock (lock, self, deadline, cancellable), error);
}

/**
 * task9_lock_try_acquire:
 * @lock: a #Task9Lock
 *
 * Takes @lock only if it is free, for the calling task (or, outside a task, for code
 * outside tasks). Never waits: a lock with waiters is not free, so this never jumps
 * the queue.
 *
 * Returns: %TRUE if the caller now holds @lock
 *
 * Since: 0.1
 */
gboolean
task9_lock_try_acquire (Task9Lock *lock)
{
  Task9Task *self = task9_scheduler_current_task ();

  g_return_val_if_fail (TASK9_IS_LOCK (lock), FALSE);

  task9_sync_lock (&lock->queue);
  if (take_if_free_locked (lock, self))
    return TRUE;
  task9_sync_unlock (&lock->queue);
  return FALSE;
}

static void
settle_acquire (Task9AsyncOp *op)
{
  task9_async_op_withdraw (op);   /* takes the queue's spinlock */
  task9_wait_check_reason (op->reason, &op->error);
}

/**
 * task9_lock_acquire_async:
 * @lock: a #Task9Lock
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called on the caller's thread-default main context once
 *   the caller holds @lock (or the wait was cancelled)
 * @user_data: (closure): data for @callback
 *
 * Takes @lock without blocking the caller: the async form of
 * [method@Task9.Lock.acquire], for code running on a main loop and for bindings. The
 * waiter queues like any other, in order. Once
 * [method@Task9.Lock.acquire_finish] returns %TRUE the lock is held outside tasks:
 * release it from main-loop code (not from a task) with
 * [method@Task9.Lock.release].
 *
 * Since: 0.1
 */
void
task9_lock_acquire_async (Task9Lock           *lock,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  Task9AsyncOp *op;

  g_return_if_fail (TASK9_IS_LOCK (lock));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  op = task9_async_op_new (lock, 1, cancellable, callback, user_data,
                           task9_lock_acquire_async, settle_acquire);
  if (cancellable != NULL && g_cancellable_is_cancelled (cancellable))
    {
      task9_async_op_complete_now (op, TASK9_WAKE_CANCELLED);
      return;
    }

  task9_sync_lock (&lock->queue);
  if (take_if_free_locked (lock, NULL))
    {
      task9_async_op_complete_now (op, TASK9_WAKE_READY);
      return;
    }
  task9_sync_wait_async (&lock->queue, op, NULL, 0);
}

/**
 * task9_lock_acquire_finish:
 * @lock: a #Task9Lock
 * @result: the result given to the callback
 * @error: return location for a #GError
 *
 * Finishes [method@Task9.Lock.acquire_async].
 *
 * Returns: %TRUE if the caller holds @lock (outside tasks); %FALSE with @error set
 *   (%G_IO_ERROR_CANCELLED) if it was cancelled, holding nothing
 *
 * Since: 0.1
 */
gboolean
task9_lock_acquire_finish (Task9Lock     *lock,
                           GAsyncResult  *result,
                           GError       **error)
{
  g_return_val_if_fail (TASK9_IS_LOCK (lock), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return task9_async_op_check (result, lock, task9_lock_acquire_async, error) != NULL;
}

/* ---- releasing ----------------------------------------------------------------------- */

/**
 * task9_lock_release:
 * @lock: a #Task9Lock the caller holds
 * @error: return location for a #GError
 *
 * Releases @lock, handing it directly to the waiter that has waited longest, if any.
 * The caller must hold it: in a task, the task must have acquired it; outside tasks,
 * it must be held outside tasks (acquired outside any task, or asynchronously).
 *
 * Returns: %TRUE if released; %FALSE with %TASK9_ERROR_NOT_OWNER if the caller does not
 *   hold @lock (it is free, or held by somebody else), which is left as it was
 *
 * Since: 0.1
 */
gboolean
task9_lock_release (Task9Lock  *lock,
                    GError    **error)
{
  Task9Task *self = task9_scheduler_current_task ();
  Task9SyncGrants grants = TASK9_SYNC_GRANTS_INIT;

  g_return_val_if_fail (TASK9_IS_LOCK (lock), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  task9_sync_lock (&lock->queue);
  if (!task9_lock_held_by (lock, self))
    {
      gboolean locked = lock->locked;

      task9_sync_unlock (&lock->queue);
      g_set_error (error, TASK9_ERROR, TASK9_ERROR_NOT_OWNER,
                   !locked ? "The lock is not held" :
                   self != NULL ? "The lock is held by somebody else than this task" :
                                  "The lock is held by a task, not outside tasks");
      return FALSE;
    }
  task9_lock_hand_on_locked (lock, &grants);
  task9_sync_unlock_and_fire (&lock->queue, &grants);
  task9_lock_forget_hold (lock, self);
  return TRUE;
}

/**
 * task9_lock_is_locked:
 * @lock: a #Task9Lock
 *
 * Whether somebody holds @lock. The answer may be out of date by the time the caller
 * looks at it, unless the caller is the holder.
 *
 * Returns: %TRUE if @lock is held
 *
 * Since: 0.1
 */
gboolean
task9_lock_is_locked (Task9Lock *lock)
{
  gboolean locked;

  g_return_val_if_fail (TASK9_IS_LOCK (lock), FALSE);

  task9_sync_lock (&lock->queue);
  locked = lock->locked;
  task9_sync_unlock (&lock->queue);
  return locked;
}

/**
 * task9_lock_has_waiters:
 * @lock: a #Task9Lock
 *
 * Whether anybody waits for @lock (a task in [method@Task9.Lock.acquire], an
 * asynchronous acquisition, a [class@Task9.Cond] waiter woken and waiting for the lock
 * again). For monitoring and tests, like Java's `hasQueuedThreads()`: the answer may
 * be out of date by the time the caller looks at it.
 *
 * Returns: %TRUE if a waiter is queued
 *
 * Since: 0.1
 */
gboolean
task9_lock_has_waiters (Task9Lock *lock)
{
  gboolean waiting;

  g_return_val_if_fail (TASK9_IS_LOCK (lock), FALSE);

  task9_sync_lock (&lock->queue);
  waiting = task9_sync_prune (&lock->queue);
  task9_sync_unlock (&lock->queue);
  return waiting;
}

/**
 * task9_lock_set_name:
 * @lock: a lock
 * @name: (nullable): a name for debugging
 *
 * Names @lock for the task table: a task waiting on it shows the name as what it
 * waits on ([method@Task9.TaskInfo.get_wait_object]). The name is interned: use a
 * small set of names. Set it before the lock is shared.
 *
 * Since: 0.1
 */
void
task9_lock_set_name (Task9Lock *lock,
                     const char *name)
{
  g_return_if_fail (TASK9_IS_LOCK (lock));

  lock->queue.name = name != NULL ? g_intern_string (name) : NULL;
}

/**
 * task9_lock_get_name:
 * @lock: a lock
 *
 * Returns the name set with [method@Task9.Lock.set_name].
 *
 * Returns: (nullable): the name, or %NULL
 *
 * Since: 0.1
 */
const char *
task9_lock_get_name (Task9Lock *lock)
{
  g_return_val_if_fail (TASK9_IS_LOCK (lock), NULL);

  return lock->queue.name;
}
