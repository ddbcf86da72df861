/* task9-waiter-private.h: one side of a channel operation, waiting for its partner
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

#include "task9-channel.h"
#include "task9-types.h"
#include "task9-wait-private.h"

G_BEGIN_DECLS

typedef struct _Task9Waiter Task9Waiter;

/* The record of a waiting operation is what the waker needs: where the claim is, where
 * the element goes or comes from, and where to record which arm fired. A blocked task's
 * waiters live on its own stack; an async caller's live in its Task9AsyncOp. All arms
 * of one alt share one claim, so exactly one of them fires. */
struct _Task9Waiter
{
  Task9Waiter   *prev;          /* the channel's queue, under the channel's lock */
  Task9Waiter   *next;
  Task9Channel  *channel;
  guint64       *claim;         /* CAS claim->token into token & ~1 to own the wake-up */
  guint64        token;
  Task9Task     *task;          /* a blocked task, or NULL for an async caller */
  Task9AsyncOp  *async;
  gpointer       value;         /* send: the element; recv: where it goes (or NULL) */
  gint           arm;           /* which arm of the alt this is */
  gint          *fired_arm;     /* the winner writes arm here ... */
  gboolean      *fired_closed;  /* ... and whether the channel was closed */
  gboolean       is_send;
  gboolean       linked;
};

G_END_DECLS
