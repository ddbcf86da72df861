/* task9-channel-private.h: the channel record and its lock, shared with alt
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "task9-channel.h"
#include "task9-spinlock-private.h"
#include "task9-waiter-private.h"

G_BEGIN_DECLS

typedef enum
{
  TASK9_CHANNEL_DONE,         /* the operation happened */
  TASK9_CHANNEL_CLOSED,       /* it cannot happen: the channel is closed (and drained) */
  TASK9_CHANNEL_WOULD_BLOCK,
} Task9ChannelStatus;

struct _Task9Channel
{
  GObject           parent_instance;

  guint32           magic;       /* TASK9_CHANNEL_MAGIC while alive: see TASK9_CHANNEL_CHECK */
  gint              lock;        /* a spinlock: critical sections are a few copies long */
  gboolean          closed;
  gsize             elem_size;
  guint             capacity;
  guint             count;       /* elements in the ring buffer */
  guint             head;        /* index of the oldest element */
  guint8           *buffer;
  Task9WaiterQueue  receivers;   /* FIFO */
  Task9WaiterQueue  senders;     /* FIFO */

  GType             elem_type;   /* G_TYPE_INVALID for raw elements */
  gboolean          holds_values; /* elements are GValues the channel owns (else raw bytes,
                                  * scalars of elem_type if typed: task9_scalar_size()) */
  gboolean          external;    /* fed by something outside the tasks (a wait condition) */
  gboolean          unbounded;   /* a full buffer grows instead of blocking (a queue's) */
  gboolean          raw_in_value; /* a scalar element is, byte for byte, the start of a
                                  * GValue of elem_type: task9_scalar_is_value_data() */
  guint64           dropped;     /* offers refused for want of room, under the lock */
  GDestroyNotify    on_done;     /* a wait condition's unsubscribe: run once, at close or
                                  * finalize (task9_channel_set_on_done()) */
  gpointer          on_done_data;
  const char       *name;        /* interned: a blocked task's table entry points to it */
};

/* The argument check of every channel call and of every arm of every alt. An alt with
 * TASK9_IS_CHANNEL() (a call) or even a comparison of the class pointer costs measurably
 * more (select8: 92 ns per item against 87 with this): the magic is the first field after
 * the GObject, so it is inside any GObject a confused caller may pass, and finalize
 * clears it, which also catches a channel used after its last unref. */
#define TASK9_CHANNEL_MAGIC 0x7a5c9c4a
#define TASK9_CHANNEL_CHECK(channel) \
  ((channel) != NULL && (channel)->magic == TASK9_CHANNEL_MAGIC)

static inline void
task9_channel_lock (Task9Channel *channel)
{
  task9_spin_lock (&channel->lock);
}

static inline gboolean
task9_channel_trylock (Task9Channel *channel)
{
  return task9_spin_trylock (&channel->lock);
}

static inline void
task9_channel_unlock (Task9Channel *channel)
{
  task9_spin_unlock (&channel->lock);
}

Task9ChannelStatus task9_channel_send_locked (Task9Channel        *channel,
                                              gconstpointer        elem);
Task9ChannelStatus task9_channel_recv_locked (Task9Channel        *channel,
                                              gpointer             elem);
gboolean           task9_channel_op          (Task9Channel        *channel,
                                              gboolean             is_send,
                                              gpointer             elem,
                                              GTimeSpan            timeout,
                                              GCancellable        *cancellable,
                                              GError             **error);
/* task9_channel_op() that also raises *@count by one under the channel's lock, in the
 * critical section that starts the operation: before a sent element can reach a
 * receiver. It is raised on every call, whether the operation then succeeds or fails
 * (even one cancelled before it starts), so a caller that counts successes lowers it
 * again on every failure. Whoever owns *@count changes
 * it only under this channel's lock (so the raise needs no atomic read-modify-write) and
 * reads it elsewhere with an atomic load. A queue counts its unfinished puts so. */
gboolean           task9_channel_op_counted  (Task9Channel        *channel,
                                              gboolean             is_send,
                                              gpointer             elem,
                                              GTimeSpan            timeout,
                                              GCancellable        *cancellable,
                                              guint64             *count,
                                              GError             **error);
gboolean           task9_channel_status_to_error (Task9Channel    *channel,
                                              Task9ChannelStatus   status,
                                              GError             **error);

Task9ChannelStatus task9_channel_offer      (Task9Channel        *channel,
                                              gconstpointer        elem);
void               task9_channel_set_external (Task9Channel       *channel);
void               task9_channel_set_on_done (Task9Channel        *channel,
                                              GDestroyNotify       func,
                                              gpointer             data);
void               task9_channel_set_unbounded (Task9Channel      *channel);

/* Typed elements with a timeout and a cancellable, and the async pairs for objects built
 * on a typed channel (a queue): the op's source is @source_object, its settle function
 * @settle, which calls task9_channel_settle() with the channel. @count (nullable) is
 * raised as task9_channel_op_counted() does. The caller checked the arguments (the
 * value a send is of the channel's element type). */
static inline gboolean task9_channel_value_op (Task9Channel      *channel,
                                              gboolean             is_send,
                                              GValue              *value,
                                              GTimeSpan            timeout,
                                              GCancellable        *cancellable,
                                              guint64             *count,
                                              GError             **error);
gboolean           task9_channel_value_op_slow (Task9Channel      *channel,
                                              gboolean             is_send,
                                              GValue              *value,
                                              GTimeSpan            timeout,
                                              GCancellable        *cancellable,
                                              guint64             *count,
                                              GError             **error);
void               task9_channel_value_op_async (Task9Channel     *channel,
                                              gpointer             source_object,
                                              gboolean             is_send,
                                              const GValue        *value,
                                              GCancellable        *cancellable,
                                              GAsyncReadyCallback  callback,
                                              gpointer             user_data,
                                              gpointer             source_tag,
                                              void               (*settle) (Task9AsyncOp *op));
void               task9_channel_settle      (Task9AsyncOp        *op,
                                              Task9Channel        *channel);
void               task9_channel_take_value  (Task9Channel        *channel,
                                              Task9AsyncOp        *op,
                                              GValue              *value);

/* Typed channels of scalar types keep their elements raw, as C stores them. */
gsize              task9_scalar_size         (GType                type);
void               task9_scalar_to_value     (GType                type,
                                              gconstpointer        raw,
                                              GValue              *value);
void               task9_scalar_from_value   (const GValue        *value,
                                              gpointer             raw);
gboolean           task9_scalar_is_value_data (GType              type);

/* Under the channel's lock: queues @waiter with the senders or the receivers. */
static inline void
task9_channel_enqueue (Task9Channel *channel,
                       Task9Waiter  *waiter)
{
  task9_waiter_enqueue (waiter->is_send ? &channel->senders : &channel->receivers, waiter);
}

/* A failed receive into an (out caller-allocates) GValue leaves the element type's
 * default value there, never an unset one: bindings (GJS) convert out values even when
 * the call failed, and an unset GValue hides the error behind one of their own. The
 * defaults of GValue types own nothing, so a C caller that does not unset it leaks
 * nothing. */
static inline void
task9_value_reset (GValue *value,
                   GType   type)
{
  if (G_IS_VALUE (value))
    g_value_unset (value);
  g_value_init (value, type);
}

/* A typed send (of a copy of @value) or receive (into @value) with a timeout and a
 * cancellable: the typed channel functions and the objects built on typed channels (a
 * queue) go through here; the caller checked its arguments. A scalar that a value of
 * the element type holds as the channel keeps it (raw_in_value, see
 * task9-channel-value.c) moves straight between the value and the channel, here,
 * without a call in between; every other value goes out of line. A failed receive
 * leaves @value as task9_value_reset() does. */
static inline gboolean
task9_channel_value_op (Task9Channel  *channel,
                        gboolean       is_send,
                        GValue        *value,
                        GTimeSpan      timeout,
                        GCancellable  *cancellable,
                        guint64       *count,
                        GError       **error)
{
  if (G_LIKELY (channel->raw_in_value && G_VALUE_TYPE (value) == channel->elem_type))
    {
      if (is_send && count != NULL)
        return task9_channel_op_counted (channel, TRUE, &value->data[0], timeout, cancellable,
                                         count, error);
      if (task9_channel_op (channel, is_send, &value->data[0], timeout, cancellable, error))
        return TRUE;
      if (!is_send)
        task9_value_reset (value, channel->elem_type);
      return FALSE;
    }
  return task9_channel_value_op_slow (channel, is_send, value, timeout, cancellable, count,
                                      error);
}

G_END_DECLS
