/* task9-async.c: waiters for callers that cannot block (the async face)
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Code running on a main loop (a GTK callback, a Vala async method, a Python or GJS
 * coroutine) cannot suspend a stack, so each blocking operation also exists as a
 * GIO-style _async/_finish pair. Such a caller gets a Task9AsyncOp: the same waiters a
 * task would queue, with a claim word of their own instead of the task's. Whoever wins
 * the claim (a partner, a close, the GCancellable) queues the op on the completion
 * source of the caller's thread-default context. That source settles each op (withdraws
 * the waiters that lost, records the outcome) and invokes its callback. So a task and an
 * async caller meet on one channel with identical semantics, and a callback runs on the
 * caller's context, never inside the _async call and never on a task's stack.
 *
 * The op is its own GAsyncResult (GTask would add an idle source and a main-loop
 * iteration per operation), and each context has one completion source that drains its
 * queue in a loop: a chain of callbacks that each start the next operation runs within
 * one dispatch, up to a time budget, instead of one main-loop iteration per step.
 *
 * Invariants:
 * - op->claim goes from 1 to 0 exactly once; only the winner sets the reason and queues
 *   the op, exactly once.
 * - The pending operation holds the op's first reference until its callback returned;
 *   an _async call holds another from queuing its waiters until its cancellable handler
 *   is connected, as a partner may complete the op on another thread in between.
 * - The cancellable handler is disconnected only when the op is finalized, so it never
 *   outlives the op (g_cancellable_disconnect() waits for a running handler).
 * - Waiters are unlinked only under their channel's lock.
 */

#include "task9-config.h"

#include "task9-async-private.h"
#include "task9-channel-private.h"
#include "task9-proc.h"
#include "task9-scheduler-private.h"

static void task9_async_op_result_iface_init (GAsyncResultIface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (Task9AsyncOp, task9_async_op, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_ASYNC_RESULT,
                                                      task9_async_op_result_iface_init))

/* ---- the completion source of a context ------------------------------------------ */

typedef struct
{
  GSource       source;
  GMutex        lock;
  Task9AsyncOp *head;
  Task9AsyncOp *tail;
} CompletionSource;

static GMutex      completion_sources_lock;
static GHashTable *completion_sources;   /* GMainContext* -> CompletionSource* */

static gboolean
completion_dispatch (GSource     *source,
                     GSourceFunc  callback,
                     gpointer     user_data)
{
  CompletionSource *queue = (CompletionSource *) source;
  gint64 budget_end = g_get_monotonic_time () + TASK9_DEFAULT_TIME_BUDGET;

  g_source_set_ready_time (source, -1);
  for (;;)
    {
      Task9AsyncOp *op;

      g_mutex_lock (&queue->lock);
      op = queue->head;
      if (op != NULL)
        {
          queue->head = op->queue_next;
          if (queue->head == NULL)
            queue->tail = NULL;
        }
      g_mutex_unlock (&queue->lock);
      if (op == NULL)
        break;

      op->settle (op);
      if (op->callback != NULL)
        op->callback (op->source_object, G_ASYNC_RESULT (op), op->user_data);
      g_object_unref (op);

      if (g_get_monotonic_time () >= budget_end)
        {
          /* Let the rest of the main loop run; finish the queue next iteration. */
          g_source_set_ready_time (source, 0);
          break;
        }
    }
  return G_SOURCE_CONTINUE;
}

static void
completion_finalize (GSource *source)
{
  CompletionSource *queue = (CompletionSource *) source;

  g_mutex_clear (&queue->lock);
}

static GSourceFuncs completion_source_funcs = {
  NULL, NULL, completion_dispatch, completion_finalize, NULL, NULL,
};

/* The completion source of @context, created on first use; a new reference. */
static GSource *
completion_source_for (GMainContext *context)
{
  GSource *source;

  g_mutex_lock (&completion_sources_lock);
  if (completion_sources == NULL)
    completion_sources = g_hash_table_new (NULL, NULL);
  source = g_hash_table_lookup (completion_sources, context);
  if (source == NULL || g_source_is_destroyed (source))
    {
      CompletionSource *queue;

      if (source != NULL)
        g_source_unref (source);
      source = g_source_new (&completion_source_funcs, sizeof (CompletionSource));
      queue = (CompletionSource *) source;
      g_mutex_init (&queue->lock);
      g_source_set_static_name (source, "Task9 async completions");
      g_source_set_priority (source, G_PRIORITY_DEFAULT);
      g_source_attach (source, context);
      g_hash_table_insert (completion_sources, context, source);   /* the table's ref */
    }
  g_source_ref (source);
  g_mutex_unlock (&completion_sources_lock);
  return source;
}

/* ---- the op ---------------------------------------------------------------------- */

static void
task9_async_op_finalize (GObject *object)
{
  Task9AsyncOp *op = TASK9_ASYNC_OP (object);

  if (G_IS_VALUE (&op->value))
    g_value_unset (&op->value);
  for (guint i = 0; i < op->n_slots; i++)
    if (G_IS_VALUE (&op->slots[i]))
      g_value_unset (&op->slots[i]);
  g_free (op->slots);
  g_free (op->elem_copy);
  g_free (op->waiters);
  g_clear_error (&op->error);
  g_clear_object (&op->source_object);
  if (op->cancel_id != 0)
    g_cancellable_disconnect (op->cancellable, op->cancel_id);
  g_clear_object (&op->cancellable);
  g_source_unref (op->completions);
  g_main_context_unref (op->context);
  if (op->proc != NULL)
    task9_proc_unref (op->proc);

  G_OBJECT_CLASS (task9_async_op_parent_class)->finalize (object);
}

static void
task9_async_op_class_init (Task9AsyncOpClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = task9_async_op_finalize;
}

static void
task9_async_op_init (Task9AsyncOp *op)
{
  op->claim = 1;
  op->set.async = op;
  op->set.fired_arm = -1;
}

static gpointer
op_get_user_data (GAsyncResult *result)
{
  return TASK9_ASYNC_OP (result)->user_data;
}

static GObject *
op_get_source_object (GAsyncResult *result)
{
  GObject *source = TASK9_ASYNC_OP (result)->source_object;

  return source != NULL ? g_object_ref (source) : NULL;
}

static gboolean
op_is_tagged (GAsyncResult *result,
              gpointer      source_tag)
{
  return TASK9_ASYNC_OP (result)->source_tag == source_tag;
}

static void
task9_async_op_result_iface_init (GAsyncResultIface *iface)
{
  iface->get_user_data = op_get_user_data;
  iface->get_source_object = op_get_source_object;
  iface->is_tagged = op_is_tagged;
}

Task9AsyncOp *
task9_async_op_new (gpointer             source_object,
                    guint                n_waiters,
                    GCancellable        *cancellable,
                    GAsyncReadyCallback  callback,
                    gpointer             user_data,
                    gpointer             source_tag,
                    Task9AsyncSettle     settle)
{
  Task9AsyncOp *op = g_object_new (TASK9_TYPE_ASYNC_OP, NULL);

  op->source_object = source_object != NULL ? g_object_ref (source_object) : NULL;
  op->callback = callback;
  op->user_data = user_data;
  op->source_tag = source_tag;
  op->settle = settle;
  op->context = g_main_context_ref_thread_default ();
  /* A completion wakes that proc outside its inbox: the deadlock detector must see it. */
  if (task9_current_proc != NULL && task9_current_proc->context == op->context)
    op->proc = task9_proc_ref (task9_current_proc);
  op->completions = completion_source_for (op->context);
  op->cancellable = cancellable != NULL ? g_object_ref (cancellable) : NULL;
  op->n_waiters = n_waiters;
  op->waiters = n_waiters > 0 ? g_new0 (Task9Waiter, n_waiters) : NULL;

  for (guint i = 0; i < n_waiters; i++)
    {
      Task9Waiter *w = &op->waiters[i];

      w->claim = &op->claim;
      w->token = 1;
      w->set = &op->set;
      w->arm = i;
    }
  return op;
}

/* With the op's claim won: queue it on its context's completion source. */
void
task9_async_op_fire (Task9AsyncOp    *op,
                     Task9WakeReason  reason)
{
  GSource *source = op->completions;   /* the op may be gone once queued (the table
                                        * keeps the source itself alive) */
  Task9Proc *proc = op->proc != NULL ? task9_proc_ref (op->proc) : NULL;
  CompletionSource *queue = (CompletionSource *) source;
  gboolean was_empty;

  op->reason = reason;
  op->queue_next = NULL;
  g_mutex_lock (&queue->lock);
  was_empty = queue->head == NULL;
  if (was_empty)
    queue->head = op;
  else
    queue->tail->queue_next = op;
  queue->tail = op;
  g_mutex_unlock (&queue->lock);

  if (was_empty)
    g_source_set_ready_time (source, 0);   /* wakes the context if it sleeps */

  /* After the wake-up, as task9_proc_poke() does: see task9-main.c. */
  if (proc != NULL)
    {
      g_atomic_int_inc (&proc->pokes);
      task9_proc_unref (proc);
    }
}

/* The operation is decided before it waited at all (done at once, or already cancelled). */
void
task9_async_op_complete_now (Task9AsyncOp    *op,
                             Task9WakeReason  reason)
{
  op->claim = 0;
  task9_async_op_fire (op, reason);
}

static void
async_op_cancelled (GCancellable *cancellable,
                    gpointer      data)
{
  Task9AsyncOp *op = data;

  if (task9_claim (&op->claim, 1))
    task9_async_op_fire (op, TASK9_WAKE_CANCELLED);
}

/* After the waiters are queued, with a reference of the caller's that this consumes
 * (the op may already have completed on another thread): from now on cancellation may
 * complete the op. The handler stays connected until the op is finalized, where it is
 * disconnected; a late "cancelled" finds the claim taken and does nothing. */
void
task9_async_op_wait (Task9AsyncOp *op)
{
  if (op->cancellable != NULL)
    op->cancel_id = g_cancellable_connect (op->cancellable, G_CALLBACK (async_op_cancelled),
                                           op, NULL);
  g_object_unref (op);
}

/* In a settle function: withdraw the waiters that did not fire (for a queue without a
 * lock, with its owner's lock held). */
void
task9_async_op_withdraw (Task9AsyncOp *op)
{
  for (guint i = 0; i < op->n_waiters; i++)
    task9_waiter_withdraw (&op->waiters[i]);
}

/* For the _finish functions: the op behind @result, or NULL with its error. */
Task9AsyncOp *
task9_async_op_check (GAsyncResult  *result,
                      gpointer       source_object,
                      gpointer       source_tag,
                      GError       **error)
{
  Task9AsyncOp *op;

  g_return_val_if_fail (TASK9_IS_ASYNC_OP (result), NULL);
  op = TASK9_ASYNC_OP (result);
  g_return_val_if_fail (op->source_tag == source_tag, NULL);
  g_return_val_if_fail ((gpointer) op->source_object == source_object, NULL);

  if (op->error != NULL)
    {
      g_propagate_error (error, g_error_copy (op->error));
      return NULL;
    }
  return op;
}
