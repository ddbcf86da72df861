/* task9-offload-call.c: one function call handed to another thread
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The worker pool (task9-offload.c) and the IOProc (task9-ioproc.c) run a caller's
 * function on a thread of theirs, a "runner", and hand the result back. The hand-back
 * is a synchronisation object of one waiter (task9-sync.c): the caller, a task or an
 * async caller, queues its waiter on the call's Task9SyncQueue; the runner, when the
 * function has returned, grants the first waiter still waiting (hands it the result)
 * and fires it. The caller's timeout, its GCancellable or its task's cancellation end
 * its wait through the same claim, so exactly one of "the result arrived" and "the
 * caller gave up" happens, and no other compare-and-swap decides it.
 *
 * A caller that gave up abandons the call: the runner takes it out of its queue if it
 * has not started (nothing runs), and otherwise the call's own GCancellable is
 * cancelled (and an IOProc interrupts its thread). The function then returns when it
 * returns, and its result and error are freed, with the result_destroy the caller gave,
 * by whichever side comes second.
 *
 * Invariants:
 * - state goes QUEUED -> RUNNING -> DONE, or QUEUED -> DONE for a call that never runs;
 *   under queue.lock.
 * - The result and error go to the caller (handed) or are destroyed, exactly once:
 *   at DONE the runner grants the caller's waiter (handed, fired); finding no waiter
 *   it destroys them if the caller abandoned the call, else keeps them for the caller
 *   to take when it comes (also handed). A caller that abandons a DONE call whose
 *   result it was not granted destroys them itself.
 * - data_destroy runs once, on the runner's thread, after the function returned (or
 *   instead of running it).
 * - A task waiting for a call parks as waiting for something outside the procs
 *   (task9_sync_park()'s external flag); an async caller's call counts, from the
 *   moment it waits until DONE, as an external wait for the deadlock detector
 *   (task9_main_external_begin()/_end(), counts_external), which drops after the
 *   caller was fired. Both tell the detector that a worker may still wake someone.
 * - No spinlock is held while a GCancellable is cancelled or user code runs.
 */

#include "task9-config.h"

#include "task9-error.h"
#include "task9-main-private.h"
#include "task9-offload-call-private.h"

static GQuark
call_quark (void)
{
  static GQuark quark;

  if (G_UNLIKELY (quark == 0))
    quark = g_quark_from_static_string ("task9-offload-call");
  return quark;
}

Task9OffloadCall *
task9_offload_call_new (Task9ThreadFunc      func,
                        gpointer             data,
                        GDestroyNotify       data_destroy,
                        GDestroyNotify       result_destroy,
                        gpointer             runner,
                        Task9OffloadAbandon  abandon)
{
  Task9OffloadCall *call = g_new0 (Task9OffloadCall, 1);

  call->ref_count = 1;
  task9_sync_queue_init (&call->queue);
  call->state = TASK9_OFFLOAD_CALL_QUEUED;
  call->func = func;
  call->data = data;
  call->data_destroy = data_destroy;
  call->result_destroy = result_destroy;
  call->cancellable = g_cancellable_new ();
  call->runner = runner;
  call->abandon = abandon;
  return call;
}

Task9OffloadCall *
task9_offload_call_ref (Task9OffloadCall *call)
{
  g_atomic_int_inc (&call->ref_count);
  return call;
}

static void
destroy_outcome (Task9OffloadCall *call,
                 gpointer          result,
                 GError           *error)
{
  if (result != NULL && call->result_destroy != NULL)
    call->result_destroy (result);
  if (error != NULL)
    g_error_free (error);
}

void
task9_offload_call_unref (Task9OffloadCall *call)
{
  if (!g_atomic_int_dec_and_test (&call->ref_count))
    return;

  /* A result nobody took (an async caller that never called _finish). */
  destroy_outcome (call, call->result, call->error);
  if (call->data_destroy != NULL)
    call->data_destroy (call->data);
  g_object_unref (call->cancellable);
  g_free (call);
}

/* On the runner's thread: the call has ended with @result and @error (both ours). */
static void
call_done (Task9OffloadCall *call,
           gpointer          result,
           GError           *error)
{
  Task9SyncGrants grants = TASK9_SYNC_GRANTS_INIT;
  gboolean destroy = FALSE, external;

  if (call->data_destroy != NULL)
    {
      GDestroyNotify data_destroy = call->data_destroy;

      call->data_destroy = NULL;
      data_destroy (call->data);
    }

  /* Interrupted (an IOProc's interrupt or close) and no error of its own: cancelled. */
  if (error == NULL && g_atomic_int_get (&call->interrupted))
    {
      destroy_outcome (call, result, NULL);
      result = NULL;
      error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                   "The call was interrupted");
    }

  task9_sync_lock (&call->queue);
  call->state = TASK9_OFFLOAD_CALL_DONE;
  external = call->counts_external;
  if (call->abandoned)
    destroy = TRUE;
  else
    {
      /* To the waiter if one waits, else kept until the caller comes to take it. */
      call->result = result;
      call->error = error;
      call->handed = TRUE;
      task9_sync_grant_first (&call->queue, TASK9_SYNC_ANY_KIND, &grants);
    }
  task9_sync_unlock_and_fire (&call->queue, &grants);

  if (destroy)
    destroy_outcome (call, result, error);

  /* After the wake-up: an async caller's completion is queued before the call stops
   * counting. */
  if (external)
    task9_main_external_end ();
}

/* On a runner thread, with a reference of the runner's (kept): runs the function,
 * unless the caller abandoned the call meanwhile, and hands back its outcome. */
void
task9_offload_call_run (Task9OffloadCall *call)
{
  gpointer result;
  GError *error = NULL;

  task9_sync_lock (&call->queue);
  if (call->abandoned)
    {
      task9_sync_unlock (&call->queue);
      call_done (call, NULL, NULL);
      return;
    }
  call->state = TASK9_OFFLOAD_CALL_RUNNING;
  task9_sync_unlock (&call->queue);

  result = call->func (call->data, call->cancellable, &error);
  call_done (call, result, error);
}

/* By the runner, for a queued call it will never run: ends it with @error (taken). */
void
task9_offload_call_fail (Task9OffloadCall *call,
                         GError           *error)
{
  call_done (call, NULL, error);
}

/* By the runner: the call in progress is being interrupted (its caller gets
 * G_IO_ERROR_CANCELLED unless the function reports an error of its own). */
void
task9_offload_call_interrupt (Task9OffloadCall *call)
{
  g_atomic_int_set (&call->interrupted, TRUE);
  g_cancellable_cancel (call->cancellable);
}

/* By the caller, whose wait ended without the result: nothing is handed any more. */
static void
call_abandon (Task9OffloadCall *call)
{
  Task9OffloadCallState state;
  gpointer result = NULL;
  GError *error = NULL;

  task9_sync_lock (&call->queue);
  call->abandoned = TRUE;
  state = call->state;
  if (state == TASK9_OFFLOAD_CALL_DONE)
    {
      /* It ended after our wait did: nobody was granted, so the result is ours. */
      result = g_steal_pointer (&call->result);
      error = g_steal_pointer (&call->error);
    }
  task9_sync_unlock (&call->queue);

  if (state == TASK9_OFFLOAD_CALL_DONE)
    {
      destroy_outcome (call, result, error);
      return;
    }
  g_cancellable_cancel (call->cancellable);
  if (call->abandon != NULL)
    call->abandon (call->runner, call);
}

/* Takes the outcome handed to the caller. */
static gpointer
call_take (Task9OffloadCall  *call,
           GError           **error)
{
  gpointer result = g_steal_pointer (&call->result);

  if (call->error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&call->error));
      return NULL;
    }
  return result;
}

/* In task @self: waits for @call's outcome. A wait for something outside the procs:
 * the deadlock detector counts the task as alive. */
gpointer
task9_offload_call_wait (Task9OffloadCall  *call,
                         Task9Task         *self,
                         GTimeSpan          timeout,
                         GCancellable      *cancellable,
                         const char        *reason,
                         GError           **error)
{
  task9_sync_lock (&call->queue);
  if (call->state != TASK9_OFFLOAD_CALL_DONE)
    {
      Task9WakeReason why;

      why = task9_sync_park (&call->queue, self, NULL, 0, task9_deadline_from_timeout (timeout),
                             cancellable, TRUE, reason);
      if (why != TASK9_WAKE_READY)
        {
          call_abandon (call);
          task9_wait_check_reason (why, error);
          return NULL;
        }
    }
  else
    task9_sync_unlock (&call->queue);

  return call_take (call, error);
}

static void
call_settle (Task9AsyncOp *op)
{
  Task9OffloadCall *call = op->waiters[0].value;

  task9_async_op_withdraw (op);
  if (op->reason == TASK9_WAKE_READY)
    {
      if (call->error != NULL)
        op->error = g_steal_pointer (&call->error);
      return;
    }
  call_abandon (call);
  task9_wait_check_reason (op->reason, &op->error);
}

/* For an async caller: completes on the caller's thread-default context once @call's
 * outcome is handed, or @cancellable is cancelled (which abandons the call). */
void
task9_offload_call_wait_async (Task9OffloadCall    *call,
                               gpointer             source_object,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data,
                               gpointer             source_tag)
{
  Task9AsyncOp *op = task9_async_op_new (source_object, 1, cancellable, callback, user_data,
                                         source_tag, call_settle);

  g_object_set_qdata_full (G_OBJECT (op), call_quark (), task9_offload_call_ref (call),
                           (GDestroyNotify) task9_offload_call_unref);
  op->waiters[0].value = call;

  task9_sync_lock (&call->queue);
  if (call->state == TASK9_OFFLOAD_CALL_DONE)
    {
      task9_sync_unlock (&call->queue);
      task9_async_op_complete_now (op, TASK9_WAKE_READY);
      return;
    }
  call->counts_external = TRUE;
  task9_main_external_begin ();
  task9_sync_wait_async (&call->queue, op, call, 0);
}

gpointer
task9_offload_call_finish (GAsyncResult  *result,
                           gpointer       source_object,
                           gpointer       source_tag,
                           GError       **error)
{
  Task9AsyncOp *op = task9_async_op_check (result, source_object, source_tag, error);
  Task9OffloadCall *call;

  if (op == NULL)
    return NULL;
  call = g_object_get_qdata (G_OBJECT (op), call_quark ());
  g_return_val_if_fail (call != NULL, NULL);
  return g_steal_pointer (&call->result);
}
