/* task9-event.c: events
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * An event is a flag that tasks and async callers wait for (curio's and Python's
 * Event). It is a client of task9-sync.c: a waiter queues on the event's Task9SyncQueue
 * only while the flag is clear, and task9_event_set() grants every queued waiter at
 * once, in the order they came.
 *
 * Invariants:
 * - The flag and the queue change only under the queue's lock; the flag is also
 *   stored atomically so that task9_event_is_set() need not lock.
 * - While the flag is set, no live waiter is queued: set grants all of them in the
 *   same critical section that sets it, and a wait that finds it set does not queue.
 *   (Stale waiters, whose wait already ended by timeout or cancellation, may still sit
 *   in the queue until they withdraw; granting skips them.)
 * - A wait ends either granted (the event was set after it queued, even if it was
 *   cleared again before the waiter ran) or by timeout/cancellation, never both: the
 *   claim decides, and a waiter that timed out was simply not granted.
 */

#include "task9-config.h"

#include "task9-error.h"
#include "task9-event.h"
#include "task9-scheduler-private.h"
#include "task9-sync-private.h"

struct _Task9Event
{
  GObject        parent_instance;

  Task9SyncQueue queue;
  gboolean       set;
};

/**
 * Task9Event:
 *
 * An event: a flag that tasks and main-loop code can wait for, as curio's and Python's
 * `Event`. [method@Task9.Event.set] sets it and wakes every waiter, in the order they
 * started waiting; waits that start while it is set return at once, until
 * [method@Task9.Event.clear] clears it again.
 *
 * A waiter woken by a set returns success even if the event was cleared again before
 * it ran: it saw the event happen. Setting and clearing are safe from any thread.
 *
 * Since: 0.1
 */
G_DEFINE_FINAL_TYPE (Task9Event, task9_event, G_TYPE_OBJECT)

static void
task9_event_finalize (GObject *object)
{
  Task9Event *event = TASK9_EVENT (object);

  /* Every waiter withdraws before its wait returns, and its caller (or async op) holds
   * a reference meanwhile: a waiter left here is a task waiting on freed memory. */
  if (G_UNLIKELY (task9_sync_has_waiters (&event->queue)))
    g_error ("Task9Event finalized while a task or an async call waits on it: "
             "its caller must hold a reference");

  G_OBJECT_CLASS (task9_event_parent_class)->finalize (object);
}

static void
task9_event_class_init (Task9EventClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = task9_event_finalize;
}

static void
task9_event_init (Task9Event *event)
{
  task9_sync_queue_init (&event->queue);
}

/**
 * task9_event_new:
 *
 * Creates an event, not set.
 *
 * Returns: (transfer full): the event
 *
 * Since: 0.1
 */
Task9Event *
task9_event_new (void)
{
  return g_object_new (TASK9_TYPE_EVENT, NULL);
}

/**
 * task9_event_set:
 * @event: an event
 *
 * Sets @event and wakes every task and async caller waiting for it, first come first
 * woken. Setting an event that is set does nothing. Safe from any thread.
 *
 * Since: 0.1
 */
void
task9_event_set (Task9Event *event)
{
  Task9SyncGrants grants = TASK9_SYNC_GRANTS_INIT;

  g_return_if_fail (TASK9_IS_EVENT (event));

  task9_sync_lock (&event->queue);
  __atomic_store_n (&event->set, TRUE, __ATOMIC_RELEASE);
  while (task9_sync_grant_first (&event->queue, TASK9_SYNC_ANY_KIND, &grants) != NULL)
    ;
  task9_sync_unlock_and_fire (&event->queue, &grants);
}

/**
 * task9_event_clear:
 * @event: an event
 *
 * Clears @event: waits that start from now on block until it is set again. Waiters
 * already woken by an earlier set still return success. Safe from any thread.
 *
 * Since: 0.1
 */
void
task9_event_clear (Task9Event *event)
{
  g_return_if_fail (TASK9_IS_EVENT (event));

  task9_sync_lock (&event->queue);
  __atomic_store_n (&event->set, FALSE, __ATOMIC_RELEASE);
  task9_sync_unlock (&event->queue);
}

/**
 * task9_event_is_set:
 * @event: an event
 *
 * Tells whether @event is set. From another thread, the answer may be out of date at
 * once.
 *
 * Returns: %TRUE if set
 *
 * Since: 0.1
 */
gboolean
task9_event_is_set (Task9Event *event)
{
  g_return_val_if_fail (TASK9_IS_EVENT (event), FALSE);

  return __atomic_load_n (&event->set, __ATOMIC_ACQUIRE);
}

/**
 * task9_event_wait: (skip)
 * @event: an event
 * @timeout: the longest wait in microseconds, -1 for no limit, 0 not to wait
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Waits until @event is set, blocking the calling task; returns at once if it is set
 * already. Outside a task only that case succeeds; otherwise the call fails with
 * %TASK9_ERROR_NOT_IN_TASK (use [method@Task9.Event.wait_async]).
 *
 * Returns: %TRUE once the event was set; %FALSE with %G_IO_ERROR_TIMED_OUT,
 *   %G_IO_ERROR_CANCELLED, %TASK9_ERROR_WOULD_BLOCK (a zero @timeout) or
 *   %TASK9_ERROR_NOT_IN_TASK
 *
 * Since: 0.1
 */
gboolean
task9_event_wait (Task9Event    *event,
                  GTimeSpan      timeout,
                  GCancellable  *cancellable,
                  GError       **error)
{
  Task9Task *self;

  g_return_val_if_fail (TASK9_IS_EVENT (event), FALSE);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (cancellable != NULL && g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;
  if (__atomic_load_n (&event->set, __ATOMIC_ACQUIRE))
    return TRUE;

  self = task9_scheduler_current_task ();
  task9_sync_lock (&event->queue);
  if (event->set)
    {
      task9_sync_unlock (&event->queue);
      return TRUE;
    }
  if (!task9_sync_may_block (self, timeout, "Waiting for an event", error))
    {
      task9_sync_unlock (&event->queue);
      return FALSE;
    }
  return task9_wait_check_reason (task9_sync_park (&event->queue, self, NULL, 0,
                                                   task9_deadline_from_timeout (timeout),
                                                   cancellable, FALSE, "event"),
                                  error);
}

/**
 * task9_event_wait_async:
 * @event: an event
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called on the caller's thread-default main context once
 *   @event is set
 * @user_data: (closure): data for @callback
 *
 * Waits until @event is set without blocking the caller: the async form of
 * [method@Task9.Event.wait], for code running on a main loop. The callback runs from
 * the main loop even when the event is set already. Finish with
 * [method@Task9.Event.wait_finish].
 *
 * Since: 0.1
 */
void
task9_event_wait_async (Task9Event          *event,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  Task9AsyncOp *op;

  g_return_if_fail (TASK9_IS_EVENT (event));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  op = task9_async_op_new (event, 1, cancellable, callback, user_data,
                           task9_event_wait_async, task9_sync_settle);
  if (g_cancellable_is_cancelled (cancellable))
    {
      task9_async_op_complete_now (op, TASK9_WAKE_CANCELLED);
      return;
    }
  task9_sync_lock (&event->queue);
  if (event->set)
    {
      task9_sync_unlock (&event->queue);
      task9_async_op_complete_now (op, TASK9_WAKE_READY);
      return;
    }
  task9_sync_wait_async (&event->queue, op, NULL, 0);
}

/**
 * task9_event_wait_finish:
 * @event: an event
 * @result: the result given to the callback
 * @error: return location for a #GError
 *
 * Finishes [method@Task9.Event.wait_async].
 *
 * Returns: %TRUE once the event was set; %FALSE with %G_IO_ERROR_CANCELLED
 *
 * Since: 0.1
 */
gboolean
task9_event_wait_finish (Task9Event    *event,
                         GAsyncResult  *result,
                         GError       **error)
{
  g_return_val_if_fail (TASK9_IS_EVENT (event), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return task9_async_op_check (result, event, task9_event_wait_async, error) != NULL;
}

/**
 * task9_event_set_name:
 * @event: a event
 * @name: (nullable): a name for debugging
 *
 * Names @event for the task table: a task waiting on it shows the name as what it
 * waits on ([method@Task9.TaskInfo.get_wait_object]). The name is interned: use a
 * small set of names. Set it before the event is shared.
 *
 * Since: 0.1
 */
void
task9_event_set_name (Task9Event *event,
                      const char *name)
{
  g_return_if_fail (TASK9_IS_EVENT (event));

  event->queue.name = name != NULL ? g_intern_string (name) : NULL;
}

/**
 * task9_event_get_name:
 * @event: a event
 *
 * Returns the name set with [method@Task9.Event.set_name].
 *
 * Returns: (nullable): the name, or %NULL
 *
 * Since: 0.1
 */
const char *
task9_event_get_name (Task9Event *event)
{
  g_return_val_if_fail (TASK9_IS_EVENT (event), NULL);

  return event->queue.name;
}
