/* task9-semaphore.c: counting semaphores
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A semaphore counts permits (curio's and Python's Semaphore and BoundedSemaphore). It
 * is a client of task9-sync.c: an acquire that finds no permit queues a waiter, and a
 * release hands its permit straight to the first live waiter (grant-then-fire) instead
 * of adding it to the count, so a task that arrives later cannot take it first.
 *
 * Invariants:
 * - value and the queue change only under the queue's lock.
 * - value > 0 implies no live waiter is queued: a release with a live waiter grants it
 *   instead of counting, and an acquire queues only when value is 0. Hence permits go
 *   in FIFO order of the waits, with no barging.
 * - A granted waiter owns its permit before it is woken; a waiter whose wait ended by
 *   timeout or cancellation was granted nothing (its claim was lost), so nothing leaks.
 * - A bounded semaphore's value never passes its bound: a release that would make it
 *   do so fails with TASK9_ERROR_OVERFLOW and changes nothing (value == bound implies
 *   no waiter, so such a release could not have been handed to one). An unbounded
 *   semaphore's bound is G_MAXUINT.
 */

#include "task9-config.h"

#include "task9-error.h"
#include "task9-scheduler-private.h"
#include "task9-semaphore.h"
#include "task9-sync-private.h"

struct _Task9Semaphore
{
  GObject        parent_instance;

  Task9SyncQueue queue;
  guint          value;
  guint          bound;     /* G_MAXUINT: unbounded */
  gboolean       bounded;
};

/**
 * Task9Semaphore:
 *
 * A counting semaphore, as curio's and Python's `Semaphore`: it holds a number of
 * permits; [method@Task9.Semaphore.acquire] takes one, waiting while there is none,
 * and [method@Task9.Semaphore.release] gives one back. Waiters get permits in the order
 * they asked for them: a release hands its permit directly to the first waiter, so a
 * later caller can never take it first.
 *
 * A bounded semaphore ([ctor@Task9.Semaphore.new_bounded], Python's
 * `BoundedSemaphore`) refuses a release that would raise its value past its bound,
 * which catches a permit released twice.
 *
 * Releasing is safe from any thread, and anyone may release (a permit is not owned).
 *
 * Since: 0.1
 */
G_DEFINE_FINAL_TYPE (Task9Semaphore, task9_semaphore, G_TYPE_OBJECT)

static void
task9_semaphore_finalize (GObject *object)
{
  Task9Semaphore *semaphore = TASK9_SEMAPHORE (object);

  /* Every waiter withdraws before its wait returns, and its caller (or async op) holds
   * a reference meanwhile. */
  if (G_UNLIKELY (task9_sync_has_waiters (&semaphore->queue)))
    g_error ("Task9Semaphore finalized while a task or an async call waits on it: "
             "its caller must hold a reference");

  G_OBJECT_CLASS (task9_semaphore_parent_class)->finalize (object);
}

static void
task9_semaphore_class_init (Task9SemaphoreClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = task9_semaphore_finalize;
}

static void
task9_semaphore_init (Task9Semaphore *semaphore)
{
  task9_sync_queue_init (&semaphore->queue);
  semaphore->bound = G_MAXUINT;
}

/**
 * task9_semaphore_new:
 * @value: the number of permits to start with
 *
 * Creates a semaphore holding @value permits, with no bound.
 *
 * Returns: (transfer full): the semaphore
 *
 * Since: 0.1
 */
Task9Semaphore *
task9_semaphore_new (guint value)
{
  Task9Semaphore *semaphore = g_object_new (TASK9_TYPE_SEMAPHORE, NULL);

  semaphore->value = value;
  return semaphore;
}

/**
 * task9_semaphore_new_bounded:
 * @value: the number of permits to start with
 * @bound: the most permits it may ever hold, at least 1 and at least @value
 *
 * Creates a bounded semaphore holding @value permits (Python's `BoundedSemaphore` is
 * the case @value == @bound). A release that would raise the value past @bound fails
 * with %TASK9_ERROR_OVERFLOW and changes nothing.
 *
 * Returns: (transfer full): the semaphore
 *
 * Since: 0.1
 */
Task9Semaphore *
task9_semaphore_new_bounded (guint value,
                             guint bound)
{
  Task9Semaphore *semaphore;

  g_return_val_if_fail (bound > 0, NULL);
  g_return_val_if_fail (value <= bound, NULL);

  semaphore = g_object_new (TASK9_TYPE_SEMAPHORE, NULL);
  semaphore->value = value;
  semaphore->bound = bound;
  semaphore->bounded = TRUE;
  return semaphore;
}

/* Under the lock: takes a permit if there is one. */
static inline gboolean
take_locked (Task9Semaphore *semaphore)
{
  if (semaphore->value == 0)
    return FALSE;
  semaphore->value--;
  return TRUE;
}

/**
 * task9_semaphore_acquire: (skip)
 * @semaphore: a semaphore
 * @timeout: the longest wait in microseconds, -1 for no limit, 0 not to wait
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Takes a permit, blocking the calling task while there is none. Waiting tasks and
 * async callers get permits in the order they asked. Outside a task, only an acquire
 * that can complete at once succeeds; otherwise it fails with %TASK9_ERROR_NOT_IN_TASK
 * (use [method@Task9.Semaphore.acquire_async]).
 *
 * An acquire that times out or is cancelled took no permit.
 *
 * Returns: %TRUE with a permit taken; %FALSE with %G_IO_ERROR_TIMED_OUT,
 *   %G_IO_ERROR_CANCELLED, %TASK9_ERROR_WOULD_BLOCK (a zero @timeout) or
 *   %TASK9_ERROR_NOT_IN_TASK
 *
 * Since: 0.1
 */
gboolean
task9_semaphore_acquire (Task9Semaphore  *semaphore,
                         GTimeSpan        timeout,
                         GCancellable    *cancellable,
                         GError         **error)
{
  Task9Task *self;

  g_return_val_if_fail (TASK9_IS_SEMAPHORE (semaphore), FALSE);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (cancellable != NULL && g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;

  self = task9_scheduler_current_task ();
  task9_sync_lock (&semaphore->queue);
  if (take_locked (semaphore))
    {
      task9_sync_unlock (&semaphore->queue);
      return TRUE;
    }
  if (!task9_sync_may_block (self, timeout, "Acquiring a semaphore", error))
    {
      task9_sync_unlock (&semaphore->queue);
      return FALSE;
    }
  return task9_wait_check_reason (task9_sync_park (&semaphore->queue, self, NULL, 0,
                                                   task9_deadline_from_timeout (timeout),
                                                   cancellable, FALSE, "semaphore"),
                                  error);
}

/**
 * task9_semaphore_try_acquire:
 * @semaphore: a semaphore
 *
 * Takes a permit only if one is free at once. Works anywhere, in a task or not.
 *
 * Returns: %TRUE if a permit was taken
 *
 * Since: 0.1
 */
gboolean
task9_semaphore_try_acquire (Task9Semaphore *semaphore)
{
  gboolean taken;

  g_return_val_if_fail (TASK9_IS_SEMAPHORE (semaphore), FALSE);

  task9_sync_lock (&semaphore->queue);
  taken = take_locked (semaphore);
  task9_sync_unlock (&semaphore->queue);
  return taken;
}

/**
 * task9_semaphore_acquire_async:
 * @semaphore: a semaphore
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called on the caller's thread-default main context once a
 *   permit is the caller's
 * @user_data: (closure): data for @callback
 *
 * Takes a permit without blocking the caller: the async form of
 * [method@Task9.Semaphore.acquire], for code running on a main loop. Async callers and
 * tasks wait in one queue. The permit is the caller's once the callback runs and
 * [method@Task9.Semaphore.acquire_finish] returns %TRUE; a cancelled acquire took none.
 *
 * Since: 0.1
 */
void
task9_semaphore_acquire_async (Task9Semaphore      *semaphore,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  Task9AsyncOp *op;

  g_return_if_fail (TASK9_IS_SEMAPHORE (semaphore));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  op = task9_async_op_new (semaphore, 1, cancellable, callback, user_data,
                           task9_semaphore_acquire_async, task9_sync_settle);
  if (g_cancellable_is_cancelled (cancellable))
    {
      task9_async_op_complete_now (op, TASK9_WAKE_CANCELLED);
      return;
    }
  task9_sync_lock (&semaphore->queue);
  if (take_locked (semaphore))
    {
      task9_sync_unlock (&semaphore->queue);
      task9_async_op_complete_now (op, TASK9_WAKE_READY);
      return;
    }
  task9_sync_wait_async (&semaphore->queue, op, NULL, 0);
}

/**
 * task9_semaphore_acquire_finish:
 * @semaphore: a semaphore
 * @result: the result given to the callback
 * @error: return location for a #GError
 *
 * Finishes [method@Task9.Semaphore.acquire_async].
 *
 * Returns: %TRUE with a permit taken; %FALSE with %G_IO_ERROR_CANCELLED, and then no
 *   permit was taken
 *
 * Since: 0.1
 */
gboolean
task9_semaphore_acquire_finish (Task9Semaphore  *semaphore,
                                GAsyncResult    *result,
                                GError         **error)
{
  g_return_val_if_fail (TASK9_IS_SEMAPHORE (semaphore), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return task9_async_op_check (result, semaphore, task9_semaphore_acquire_async,
                               error) != NULL;
}

/**
 * task9_semaphore_release:
 * @semaphore: a semaphore
 * @error: return location for a #GError
 *
 * Gives a permit back: to the first waiting task or async caller if there is one,
 * otherwise to the count. Safe from any thread.
 *
 * Returns: %TRUE; %FALSE with %TASK9_ERROR_OVERFLOW, and nothing changed, when the
 *   value would pass the bound of a bounded semaphore (or %G_MAXUINT)
 *
 * Since: 0.1
 */
gboolean
task9_semaphore_release (Task9Semaphore  *semaphore,
                         GError         **error)
{
  Task9SyncGrants grants = TASK9_SYNC_GRANTS_INIT;

  g_return_val_if_fail (TASK9_IS_SEMAPHORE (semaphore), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  task9_sync_lock (&semaphore->queue);
  if (task9_sync_grant_first (&semaphore->queue, TASK9_SYNC_ANY_KIND, &grants) == NULL)
    {
      if (semaphore->value >= semaphore->bound)
        {
          guint bound = semaphore->bound;

          task9_sync_unlock (&semaphore->queue);
          g_set_error (error, TASK9_ERROR, TASK9_ERROR_OVERFLOW,
                       "Semaphore released past its bound (%u)", bound);
          return FALSE;
        }
      semaphore->value++;
    }
  task9_sync_unlock_and_fire (&semaphore->queue, &grants);
  return TRUE;
}

/**
 * task9_semaphore_get_value:
 * @semaphore: a semaphore
 *
 * Returns how many permits are free now. From another thread the answer may be out of
 * date at once.
 *
 * Returns: the number of free permits
 *
 * Since: 0.1
 */
guint
task9_semaphore_get_value (Task9Semaphore *semaphore)
{
  guint value;

  g_return_val_if_fail (TASK9_IS_SEMAPHORE (semaphore), 0);

  task9_sync_lock (&semaphore->queue);
  value = semaphore->value;
  task9_sync_unlock (&semaphore->queue);
  return value;
}

/**
 * task9_semaphore_get_bound:
 * @semaphore: a semaphore
 *
 * Returns the bound of a bounded semaphore.
 *
 * Returns: the bound, or 0 for a semaphore made by [ctor@Task9.Semaphore.new]
 *
 * Since: 0.1
 */
guint
task9_semaphore_get_bound (Task9Semaphore *semaphore)
{
  g_return_val_if_fail (TASK9_IS_SEMAPHORE (semaphore), 0);

  return semaphore->bounded ? semaphore->bound : 0;
}

/**
 * task9_semaphore_set_name:
 * @semaphore: a semaphore
 * @name: (nullable): a name for debugging
 *
 * Names @semaphore for the task table: a task waiting on it shows the name as what it
 * waits on ([method@Task9.TaskInfo.get_wait_object]). The name is interned: use a
 * small set of names. Set it before the semaphore is shared.
 *
 * Since: 0.1
 */
void
task9_semaphore_set_name (Task9Semaphore *semaphore,
                          const char *name)
{
  g_return_if_fail (TASK9_IS_SEMAPHORE (semaphore));

  semaphore->queue.name = name != NULL ? g_intern_string (name) : NULL;
}

/**
 * task9_semaphore_get_name:
 * @semaphore: a semaphore
 *
 * Returns the name set with [method@Task9.Semaphore.set_name].
 *
 * Returns: (nullable): the name, or %NULL
 *
 * Since: 0.1
 */
const char *
task9_semaphore_get_name (Task9Semaphore *semaphore)
{
  g_return_val_if_fail (TASK9_IS_SEMAPHORE (semaphore), NULL);

  return semaphore->queue.name;
}
