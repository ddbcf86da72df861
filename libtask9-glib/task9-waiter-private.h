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
typedef struct _Task9WaitSet Task9WaitSet;

/* What the waiters of one blocked operation share (all the arms of an alt): whom to
 * wake and where the winner records its arm. A blocked task's set lives on its own
 * stack; an async caller's in its Task9AsyncOp. */
struct _Task9WaitSet
{
  Task9Task     *task;          /* a blocked task, or NULL for an async caller */
  Task9AsyncOp  *async;
  gint           fired_arm;     /* written by the winner ... */
  gboolean       fired_closed;  /* ... with whether the channel was closed */
};

/* One arm's record, queued on its channel. The claim is here, not in the set: a partner
 * reads it for every waiter it dequeues, and reaches the set only once it has won. All
 * the arms of one alt point at the same claim word, so exactly one of them fires. */
struct _Task9Waiter
{
  Task9Waiter   *prev;          /* the channel's queue, under the channel's lock */
  Task9Waiter   *next;
  Task9Channel  *channel;
  guint64       *claim;         /* CAS *claim from token to token & ~1 to own the wake-up */
  guint64        token;
  Task9WaitSet  *set;
  gpointer       value;         /* send: the element; recv: where it goes (or NULL) */
  gint           arm;           /* which arm of the alt this is */
  guint8         is_send;       /* (bytes: a waiter is one cache line) */
  guint8         linked;
};

G_END_DECLS
