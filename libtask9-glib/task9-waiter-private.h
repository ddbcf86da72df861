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

/* What the waiters of one blocked operation share (all the arms of an alt): one claim,
 * so exactly one of them fires, whom to wake, and where the winner records its arm. A
 * blocked task's set lives on its own stack; an async caller's in its Task9AsyncOp. */
struct _Task9WaitSet
{
  guint64       *claim;         /* CAS *claim from token to token & ~1 to own the wake-up */
  guint64        token;
  Task9Task     *task;          /* a blocked task, or NULL for an async caller */
  Task9AsyncOp  *async;
  gint           fired_arm;     /* written by the winner ... */
  gboolean       fired_closed;  /* ... with whether the channel was closed */
};

/* One arm's record, queued on its channel: what the partner needs besides the set. */
struct _Task9Waiter
{
  Task9Waiter   *prev;          /* the channel's queue, under the channel's lock */
  Task9Waiter   *next;
  Task9Channel  *channel;
  Task9WaitSet  *set;
  gpointer       value;         /* send: the element; recv: where it goes (or NULL) */
  gint           arm;           /* which arm of the alt this is */
  gboolean       is_send;
  gboolean       linked;
};

G_END_DECLS
