/* task9-async-private.h: waiters for callers that cannot block (the async face)
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gio/gio.h>

#include "task9-wait-private.h"
#include "task9-waiter-private.h"

G_BEGIN_DECLS

struct _Task9AsyncOp
{
  guint64          claim;          /* 1 while waiting; whoever swaps it to 0 completes the op */
  GTask           *task;           /* owns the op (task data) */
  GMainContext    *context;        /* the caller's thread-default context */
  GSource         *completion;     /* attached once claimed: completes on the context */
  GCancellable    *cancellable;
  gulong           cancel_id;
  Task9WakeReason  reason;
  gint             fired_arm;
  gboolean         fired_closed;
  GValue           value;          /* a typed element: the copy sent or the one received */
  gboolean         sends_value;    /* value is being sent: once delivered, it is not ours */
  gpointer         elem_copy;      /* a raw element being sent */
  GValue          *slots;          /* an alt's elements, one per arm */
  guint            n_slots;
  Task9WaitNode    node;           /* a join's place in the task's joiner list */
  Task9Task       *joined;
  guint            n_waiters;
  Task9Waiter      waiters[];
};

Task9AsyncOp *task9_async_op_new      (gpointer             source_object,
                                       guint                n_waiters,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data,
                                       gpointer             source_tag,
                                       GSourceFunc          complete);
void          task9_async_op_wait     (Task9AsyncOp        *op);
void          task9_async_op_fire     (Task9AsyncOp        *op,
                                       Task9WakeReason      reason);
void          task9_async_op_finish   (Task9AsyncOp        *op);

G_END_DECLS
