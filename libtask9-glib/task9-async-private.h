/* task9-async-private.h: waiters for callers that cannot block (the async face)
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gio/gio.h>

#include "task9-waiter-private.h"

G_BEGIN_DECLS

#define TASK9_TYPE_ASYNC_OP (task9_async_op_get_type ())
G_DECLARE_FINAL_TYPE (Task9AsyncOp, task9_async_op, TASK9, ASYNC_OP, GObject)

/* Runs on the caller's context just before the callback: withdraws what lost and
 * records the outcome in error / result_*. */
typedef void (*Task9AsyncSettle) (Task9AsyncOp *op);

struct _Task9AsyncOp
{
  GObject              parent_instance;

  guint64              claim;          /* 1 while waiting; whoever swaps it to 0 completes */
  Task9WakeReason      reason;
  Task9WaitSet         set;            /* of the waiters, on claim */
  Task9Waiter         *waiters;        /* n_waiters: &one_waiter, or freed with the op */
  guint                n_waiters;
  Task9Waiter          one_waiter;     /* the storage of an op with one waiter */

  GObject             *source_object;
  GAsyncReadyCallback  callback;
  gpointer             user_data;
  gpointer             source_tag;
  GMainContext        *context;        /* the caller's thread-default context */
  Task9Proc           *proc;           /* the proc that context belongs to, if any */
  GSource             *completions;    /* that context's completion queue (attached to
                                        * it, so alive while the op holds context) */
  Task9AsyncOp        *queue_next;
  GCancellable        *cancellable;
  gpointer             cancel_watch;   /* the cancellable's watch the op is linked on */
  Task9AsyncOp        *cancel_prev;    /* that watch's list, under its lock */
  Task9AsyncOp        *cancel_next;
  Task9AsyncSettle     settle;

  /* The outcome, read by the _finish functions. */
  GError              *error;
  gssize               result_int;
  gpointer             result_pointer;

  /* Storage some operations need. */
  GValue               value;          /* a typed element: the copy sent or the one received */
  gboolean             sends_value;    /* value is being sent: once delivered, not ours */
  gpointer             elem_copy;      /* a raw element being sent */
  GValue              *slots;          /* an alt's elements, one per arm */
  guint                n_slots;
  Task9Task           *joined;
};

Task9AsyncOp *task9_async_op_new       (gpointer             source_object,
                                        guint                n_waiters,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data,
                                        gpointer             source_tag,
                                        Task9AsyncSettle     settle);
void          task9_async_op_wait      (Task9AsyncOp        *op);
void          task9_async_op_fire      (Task9AsyncOp        *op,
                                        Task9WakeReason      reason);
void          task9_async_op_complete_now (Task9AsyncOp     *op,
                                        Task9WakeReason      reason);
void          task9_async_op_withdraw  (Task9AsyncOp        *op);
Task9AsyncOp *task9_async_op_check     (GAsyncResult        *result,
                                        gpointer             source_object,
                                        gpointer             source_tag,
                                        GError             **error);
void          task9_async_thread_drain (void);

G_END_DECLS
