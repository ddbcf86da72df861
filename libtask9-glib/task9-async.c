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
 *   an _async call holds another from queuing its waiters until the op is linked on its
 *   cancellable's watch, as a partner may complete the op on another thread in between.
 * - A pending op holds its context, and so the completion source attached to it; the
 *   table of sources (and each thread's cache) holds each source itself.
 * - Each cancellable an op waits with has one "cancelled" handler for all its ops (its
 *   watch, connected before it is published in the cancellable's qdata, so a published
 *   watch never misses a cancel): an op is linked on it from waiting until it is
 *   cleared (finalized or reused). The handler claims linked ops under the watch's
 *   lock and clearing unlinks under it, so the handler never touches an op that is gone.
 * - Waiters are unlinked only under their channel's lock.
 * - An op is kept for reuse (instead of finalized) only by the thread that dispatched
 *   its callback, after the callback returned, when the completion source's reference
 *   is the only one and the op carries no qdata (no weak or toggle reference, GWeakRef
 *   or binding wrapper): then nobody else can reach it or take a reference again. It is
 *   cleared first as finalize clears it (unlinked from its cancellable's watch, every
 *   reference it held dropped), so a kept op holds nothing alive; except that an op of
 *   the thread's own proc keeps that proc and its context, which live while the thread
 *   runs anyway, and which the proc's thread drops when it ends.
 * - A thread's cached completion source is trusted only while not destroyed: a
 *   context's sources are destroyed before it is freed, so a stale context address
 *   never matches a live source.
 */

#include "task9-config.h"

#include <string.h>

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

/* What each thread keeps to make an operation cheap: the completion source it used
 * last and spare ops (see the invariants). */
#define SPARE_OPS 16

typedef struct
{
  GMainContext     *context;       /* no reference: completions tells if it lives */
  GSource          *completions;   /* a reference, or NULL */
  CompletionSource *draining;      /* the queue this thread's dispatch drains now */
  guint             n_spares;
  Task9AsyncOp     *spares[SPARE_OPS];
} AsyncThread;

static void
async_thread_clear (AsyncThread *thread)
{
  while (thread->n_spares > 0)
    g_object_unref (thread->spares[--thread->n_spares]);
  g_clear_pointer (&thread->completions, g_source_unref);
  thread->context = NULL;
}

static void
async_thread_free (gpointer data)
{
  async_thread_clear (data);
  g_free (data);
}

static GPrivate async_thread_key = G_PRIVATE_INIT (async_thread_free);

static inline AsyncThread *
async_thread (void)
{
  AsyncThread *thread = g_private_get (&async_thread_key);

  if (G_UNLIKELY (thread == NULL))
    {
      thread = g_new0 (AsyncThread, 1);
      g_private_set (&async_thread_key, thread);
    }
  return thread;
}

static void async_op_release (AsyncThread  *thread,
                              Task9AsyncOp *op);

static gboolean
completion_dispatch (GSource     *source,
                     GSourceFunc  callback,
                     gpointer     user_data)
{
  CompletionSource *queue = (CompletionSource *) source;
  AsyncThread *thread = async_thread ();
  CompletionSource *outer = thread->draining;
  gint64 start = g_get_monotonic_time ();
  gint64 budget_end = start + TASK9_DEFAULT_TIME_BUDGET;
  Task9AsyncOp *batch = NULL;
  guint n_done = 0;
  guint next_check = 1;

  /* While this loop runs, an op this thread queues here needs no wake-up: the loop
   * takes it before returning. */
  thread->draining = queue;
  g_source_set_ready_time (source, -1);
  for (;;)
    {
      Task9AsyncOp *op;
      gint64 now;

      if (batch == NULL)
        {
          /* Take the whole queue at once: one lock per batch, not per op. */
          g_mutex_lock (&queue->lock);
          batch = queue->head;
          queue->head = queue->tail = NULL;
          g_mutex_unlock (&queue->lock);
          if (batch == NULL)
            break;
        }
      op = batch;
      batch = op->queue_next;

      op->settle (op);
      if (op->callback != NULL)
        op->callback (op->source_object, (GAsyncResult *) op, op->user_data);
      async_op_release (thread, op);

      /* The clock costs as much as a short callback: read it after the first op, then
       * after as many as half the budget left holds at the rate so far (16 at most). */
      if (++n_done < next_check)
        continue;
      now = g_get_monotonic_time ();
      if (now < budget_end)
        {
          gint64 per_op = MAX ((now - start) / n_done, 1);

          next_check = n_done + CLAMP ((budget_end - now) / per_op / 2, 1, 16);
          continue;
        }

      /* Let the rest of the main loop run; finish the queue next iteration, the ops
       * of the batch first. */
      if (batch != NULL)
        {
          Task9AsyncOp *last = batch;

          while (last->queue_next != NULL)
            last = last->queue_next;
          g_mutex_lock (&queue->lock);
          last->queue_next = queue->head;
          if (queue->head == NULL)
            queue->tail = last;
          queue->head = batch;
          g_mutex_unlock (&queue->lock);
        }
      g_source_set_ready_time (source, 0);
      break;
    }
  thread->draining = outer;
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
completion_source_lookup (GMainContext *context)
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

/* The completion source of @context (which the caller holds), borrowed: attached to
 * @context, it lives as long as @context does. */
static GSource *
completion_source_for (AsyncThread  *thread,
                       GMainContext *context)
{
  if (G_LIKELY (thread->context == context && thread->completions != NULL &&
                !g_source_is_destroyed (thread->completions)))
    return thread->completions;

  if (thread->completions != NULL)
    g_source_unref (thread->completions);
  thread->completions = completion_source_lookup (context);
  thread->context = context;
  return thread->completions;
}

/* ---- the op ---------------------------------------------------------------------- */

/* ---- cancellation: one handler per cancellable ------------------------------------ */

/* g_cancellable_connect() and _disconnect() per operation cost more than the rest of a
 * short operation (a closure, a signal handler, GLib's global signal lock, twice);
 * bindings pass their task's cancellable to every operation. So each cancellable gets
 * one watch, in its qdata, whose handler claims the ops linked on it. */
typedef struct
{
  GMutex        lock;
  Task9AsyncOp *ops;
} CancelWatch;

static void
cancel_watch_cancelled (GCancellable *cancellable,
                        gpointer      data)
{
  CancelWatch *watch = data;

  g_mutex_lock (&watch->lock);
  /* A fired op stays linked (so alive) until its clearing unlinks it, which waits
   * for this lock. */
  for (Task9AsyncOp *op = watch->ops; op != NULL; op = op->cancel_next)
    if (task9_claim (&op->claim, 1))
      task9_async_op_fire (op, TASK9_WAKE_CANCELLED);
  g_mutex_unlock (&watch->lock);
}

static void
cancel_watch_free (gpointer data)
{
  CancelWatch *watch = data;

  /* With the cancellable: its handlers are gone, and no op is linked (each holds a
   * reference to the cancellable while linked). */
  g_assert (watch->ops == NULL);
  g_mutex_clear (&watch->lock);
  g_free (watch);
}

static CancelWatch *
cancel_watch_for (GCancellable *cancellable)
{
  static GQuark quark;
  CancelWatch *watch;
  gulong id;

  if (G_UNLIKELY (quark == 0))
    quark = g_quark_from_static_string ("task9-cancel-watch");
  watch = g_object_get_qdata (G_OBJECT (cancellable), quark);
  if (G_LIKELY (watch != NULL))
    return watch;

  watch = g_new0 (CancelWatch, 1);
  g_mutex_init (&watch->lock);
  id = g_signal_connect (cancellable, "cancelled", G_CALLBACK (cancel_watch_cancelled),
                         watch);
  if (g_object_replace_qdata (G_OBJECT (cancellable), quark, NULL, watch,
                              cancel_watch_free, NULL))
    return watch;

  /* Another thread published one first. */
  g_signal_handler_disconnect (cancellable, id);
  cancel_watch_free (watch);
  return g_object_get_qdata (G_OBJECT (cancellable), quark);
}

static void
cancel_watch_link (Task9AsyncOp *op)
{
  CancelWatch *watch = cancel_watch_for (op->cancellable);

  op->cancel_watch = watch;
  g_mutex_lock (&watch->lock);
  op->cancel_prev = NULL;
  op->cancel_next = watch->ops;
  if (watch->ops != NULL)
    watch->ops->cancel_prev = op;
  watch->ops = op;
  g_mutex_unlock (&watch->lock);
}

static void
cancel_watch_unlink (Task9AsyncOp *op)
{
  CancelWatch *watch = op->cancel_watch;

  g_mutex_lock (&watch->lock);
  if (op->cancel_prev != NULL)
    op->cancel_prev->cancel_next = op->cancel_next;
  else
    watch->ops = op->cancel_next;
  if (op->cancel_next != NULL)
    op->cancel_next->cancel_prev = op->cancel_prev;
  g_mutex_unlock (&watch->lock);
  op->cancel_watch = NULL;
  op->cancel_prev = op->cancel_next = NULL;
}

/* Drops all the op holds, as finalize must, except its context and proc with
 * @keep_home; leaves the fields of the outcome. */
static void
async_op_clear (Task9AsyncOp *op,
                gboolean      keep_home)
{
  /* First, so that the cancellable's handler no longer sees the op. */
  if (op->cancel_watch != NULL)
    cancel_watch_unlink (op);
  g_clear_object (&op->cancellable);
  /* Not G_IS_VALUE(): GLib 2.74 takes its type lock for that, on every op. */
  if (G_VALUE_TYPE (&op->value) != G_TYPE_INVALID)
    g_value_unset (&op->value);
  for (guint i = 0; i < op->n_slots; i++)
    if (G_VALUE_TYPE (&op->slots[i]) != G_TYPE_INVALID)
      g_value_unset (&op->slots[i]);
  g_clear_pointer (&op->slots, g_free);
  op->n_slots = 0;
  g_clear_pointer (&op->elem_copy, g_free);
  if (op->waiters != &op->one_waiter)
    g_free (op->waiters);
  op->waiters = NULL;
  op->n_waiters = 0;
  g_clear_error (&op->error);
  g_clear_object (&op->source_object);
  if (keep_home)
    return;
  op->completions = NULL;
  g_clear_pointer (&op->context, g_main_context_unref);
  g_clear_pointer (&op->proc, task9_proc_unref);
}

static void
task9_async_op_finalize (GObject *object)
{
  async_op_clear (TASK9_ASYNC_OP (object), FALSE);

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

/* After @op's callback returned, on the thread that dispatched it: drops the
 * completion source's reference, or keeps @op for this thread's next operation when
 * that reference is the only way to reach it (see the invariants). An op of this
 * thread's proc keeps its references to the proc and its context: the proc lives
 * while its thread runs, and its thread drains the spares when it ends. */
static void
async_op_release (AsyncThread  *thread,
                  Task9AsyncOp *op)
{
  GObject *object = G_OBJECT (op);
  GMainContext *context;
  Task9Proc *proc;
  GSource *completions;

  if (thread->n_spares == SPARE_OPS ||
      g_atomic_int_get (&object->ref_count) != 1 ||
      g_atomic_pointer_get (&object->qdata) != NULL ||
      op->joined != NULL)
    {
      g_object_unref (op);
      return;
    }

  if (op->proc != NULL && op->proc == task9_current_proc)
    {
      async_op_clear (op, TRUE);
      context = op->context;
      proc = op->proc;
      completions = op->completions;
    }
  else
    {
      async_op_clear (op, FALSE);
      context = NULL;
      proc = NULL;
      completions = NULL;
    }
  memset ((char *) op + G_STRUCT_OFFSET (Task9AsyncOp, claim), 0,
          sizeof *op - G_STRUCT_OFFSET (Task9AsyncOp, claim));
  task9_async_op_init (op);
  op->context = context;
  op->proc = proc;
  op->completions = completions;
  thread->spares[thread->n_spares++] = op;
}

/* Drops what the calling thread keeps for the async face (its proc is ending). */
void
task9_async_thread_drain (void)
{
  AsyncThread *thread = g_private_get (&async_thread_key);

  if (thread != NULL)
    async_thread_clear (thread);
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
  AsyncThread *thread = async_thread ();
  Task9AsyncOp *op;
  GMainContext *context;

  if (thread->n_spares > 0)
    op = thread->spares[--thread->n_spares];
  else
    op = g_object_new (TASK9_TYPE_ASYNC_OP, NULL);

  op->source_object = source_object != NULL ? g_object_ref (source_object) : NULL;
  op->callback = callback;
  op->user_data = user_data;
  op->source_tag = source_tag;
  op->settle = settle;
  context = g_main_context_get_thread_default ();
  if (context == NULL)
    context = g_main_context_default ();
  if (op->context != context || op->proc != task9_current_proc)
    {
      /* Not a spare of this thread's proc, or one of another context. */
      g_clear_pointer (&op->context, g_main_context_unref);
      g_clear_pointer (&op->proc, task9_proc_unref);
      op->context = g_main_context_ref (context);
      /* A completion wakes that proc outside its inbox: the deadlock detector must
       * see it. */
      if (task9_current_proc != NULL && task9_current_proc->context == context)
        op->proc = task9_proc_ref (task9_current_proc);
      op->completions = completion_source_for (thread, context);
    }
  op->cancellable = cancellable != NULL ? g_object_ref (cancellable) : NULL;
  op->n_waiters = n_waiters;
  if (n_waiters == 1)
    op->waiters = &op->one_waiter;
  else
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
  Task9Proc *proc = op->proc;
  gboolean own_proc = proc == task9_current_proc;   /* a running proc holds itself */
  CompletionSource *queue = (CompletionSource *) source;
  AsyncThread *thread = g_private_get (&async_thread_key);
  gboolean was_empty;

  if (proc != NULL && !own_proc)
    task9_proc_ref (proc);
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

  /* Wakes the context if it sleeps; not needed when this thread drains the queue now. */
  if (was_empty && (thread == NULL || thread->draining != queue))
    g_source_set_ready_time (source, 0);

  /* After the wake-up, as task9_proc_poke() does: see task9-main.c. */
  if (proc != NULL)
    {
      g_atomic_int_inc (&proc->pokes);
      if (!own_proc)
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

/* After the waiters are queued, with a reference of the caller's that this consumes
 * (the op may already have completed on another thread): from now on cancellation may
 * complete the op. The op stays linked on its cancellable's watch until it is cleared;
 * a late "cancelled" finds the claim taken and does nothing. */
void
task9_async_op_wait (Task9AsyncOp *op)
{
  if (op->cancellable != NULL)
    {
      cancel_watch_link (op);
      /* Cancelled before the link: nobody else will see it (as g_cancellable_connect()
       * calls the handler at once). */
      if (g_cancellable_is_cancelled (op->cancellable) && task9_claim (&op->claim, 1))
        task9_async_op_fire (op, TASK9_WAKE_CANCELLED);
    }
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
