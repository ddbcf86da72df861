/* task9-async.c: waiters for callers that cannot block (the async face)
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Code running on a main loop (a GTK callback, a Vala async method, a Python or GJS
 * coroutine) cannot suspend a stack, so each blocking operation also exists as a
 * GIO-style _async/_finish pair. Such a caller gets a Task9AsyncOp: the same waiters a
 * task would queue, with a claim word of their own instead of the task's. Whoever wins
 * the claim (a partner, a close, the GCancellable) attaches the op's completion source
 * to the caller's thread-default context; the completion unlinks the waiters that lost,
 * and returns the GTask there. So a task and an async caller meet on one channel with
 * identical semantics, and the callback runs on the caller's context, never inside the
 * _async call and never on a task's stack.
 *
 * Invariants:
 * - op->claim goes from 1 to 0 exactly once; only the winner touches the op's result
 *   fields, and it attaches the completion source exactly once.
 * - The GTask (and with it the op, its task data) stays alive until the completion has
 *   run: we hold the reference g_task_new() gave us until then.
 * - Waiters are unlinked only under their channel's lock.
 */

#include "task9-config.h"

#include "task9-async-private.h"
#include "task9-channel-private.h"

static void
async_op_free (gpointer data)
{
  Task9AsyncOp *op = data;

  if (G_IS_VALUE (&op->value))
    g_value_unset (&op->value);
  g_free (op->elem_copy);
  for (guint i = 0; i < op->n_slots; i++)
    if (G_IS_VALUE (&op->slots[i]))
      g_value_unset (&op->slots[i]);
  g_free (op->slots);
  g_source_unref (op->completion);
  g_clear_object (&op->cancellable);
  g_main_context_unref (op->context);
  g_free (op);
}

Task9AsyncOp *
task9_async_op_new (gpointer             source_object,
                    guint                n_waiters,
                    GCancellable        *cancellable,
                    GAsyncReadyCallback  callback,
                    gpointer             user_data,
                    gpointer             source_tag,
                    GSourceFunc          complete)
{
  Task9AsyncOp *op = g_malloc0 (sizeof (Task9AsyncOp) + n_waiters * sizeof (Task9Waiter));

  op->claim = 1;
  op->task = g_task_new (source_object, cancellable, callback, user_data);
  g_task_set_source_tag (op->task, source_tag);
  /* The claim decides between the operation and its cancellation; GTask must not turn
   * an operation that happened into G_IO_ERROR_CANCELLED because the cancellable fired
   * afterwards: the element would be lost. */
  g_task_set_check_cancellable (op->task, FALSE);
  g_task_set_task_data (op->task, op, async_op_free);
  op->context = g_main_context_ref_thread_default ();
  op->completion = g_idle_source_new ();
  g_source_set_priority (op->completion, G_PRIORITY_DEFAULT);
  g_source_set_static_name (op->completion, "Task9 async completion");
  g_source_set_callback (op->completion, complete, op, NULL);
  op->cancellable = cancellable != NULL ? g_object_ref (cancellable) : NULL;
  op->fired_arm = -1;
  op->n_waiters = n_waiters;

  for (guint i = 0; i < n_waiters; i++)
    {
      Task9Waiter *w = &op->waiters[i];

      w->claim = &op->claim;
      w->token = 1;
      w->async = op;
      w->arm = i;
      w->fired_arm = &op->fired_arm;
      w->fired_closed = &op->fired_closed;
    }
  return op;
}

/* With the op's claim won: complete it on the caller's context. */
void
task9_async_op_fire (Task9AsyncOp    *op,
                     Task9WakeReason  reason)
{
  op->reason = reason;
  g_source_attach (op->completion, op->context);
}

static void
async_op_cancelled (GCancellable *cancellable,
                    gpointer      data)
{
  Task9AsyncOp *op = data;
  guint64 expected = 1;

  if (__atomic_compare_exchange_n (&op->claim, &expected, 0, FALSE,
                                   __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
    task9_async_op_fire (op, TASK9_WAKE_CANCELLED);
}

/* After the waiters are queued: from now on cancellation may complete the op. */
void
task9_async_op_wait (Task9AsyncOp *op)
{
  if (op->cancellable != NULL)
    op->cancel_id = g_cancellable_connect (op->cancellable, G_CALLBACK (async_op_cancelled),
                                           op, NULL);
}

/* First thing in the completion: withdraw the arms that did not fire. */
void
task9_async_op_finish (Task9AsyncOp *op)
{
  for (guint i = 0; i < op->n_waiters; i++)
    {
      Task9Waiter *w = &op->waiters[i];

      if (w->channel == NULL)
        continue;
      task9_channel_lock (w->channel);
      if (w->linked)
        task9_channel_dequeue (w->channel, w);
      task9_channel_unlock (w->channel);
    }
  if (op->cancel_id != 0)
    g_cancellable_disconnect (op->cancellable, op->cancel_id);
  op->cancel_id = 0;
}
