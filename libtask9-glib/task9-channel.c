/* task9-channel.c: channels
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A channel carries fixed-size elements, copied in and out (libthread's
 * chancreate(elemsize, bufsize)). Capacity 0 is a rendezvous: a send completes only
 * when a receiver takes the element. A buffered channel is a ring buffer.
 *
 * The algorithm is Go's (runtime/chan.go) with libtask9's waiters:
 *
 *   send: a waiting receiver takes the element directly; else it goes into the buffer
 *         if there is room; else the sender queues a waiter and parks.
 *   recv: a waiting sender means the buffer is full (or there is none): take the
 *         oldest element and put the sender's at the tail (or take the sender's
 *         directly); else take from the buffer; else, if closed, report it; else queue
 *         a waiter and park.
 *
 * A queued waiter may be stale: its alt fired on another arm, or its task was cancelled
 * or timed out, and it has not yet withdrawn. Whoever dequeues a waiter must win its
 * claim before touching it; a lost claim means the waiter is simply dropped.
 *
 * Invariants:
 * - Everything below is under channel->lock, a spinlock: critical sections copy a few
 *   bytes and never run user code, allocate, or take another channel's lock (except
 *   alt, which takes its channels in address order). The one allocation is an
 *   unbounded channel's (a queue's) buffer doubling when a send finds it full: rare
 *   (log2 of the most elements ever buffered times), and never on a bounded channel.
 * - count > 0 implies no receiver is waiting; a waiting sender implies count ==
 *   capacity. Receivers and senders are woken in FIFO order. An unbounded channel has
 *   no waiting sender unless its buffer could not grow (out of memory, or G_MAXINT / 2
 *   elements).
 * - Elements are moved, never duplicated: a completed operation transferred exactly one
 *   element, a failed one (closed, cancelled, timed out) transferred none.
 * - task9_channel_op_counted() raises its caller's counter (a queue's unfinished count)
 *   inside the critical section of the operation, and touches nothing else of the
 *   caller's; task9_channel_op() is the same code without it.
 * - Typed channels hold GValues: the sender copies its value before locking, and the
 *   receiver owns what it gets; a channel frees what is left in its buffer when it is
 *   finalized. Waiters hold no reference: a blocked operation's caller does.
 */

#include "task9-config.h"

#include <string.h>

#include "task9-async-private.h"
#include "task9-channel-private.h"
#include "task9-error.h"
#include "task9-scheduler-private.h"

/**
 * Task9Channel:
 *
 * A channel: a typed, optionally buffered queue through which tasks (and async
 * callers) on any procs hand each other elements, and on which [func@Task9.alt] can wait
 * together with other channels. Unbuffered channels are rendezvous points; buffered
 * ones are FIFO ring buffers. Channels can be closed; receivers then drain what is
 * buffered.
 *
 * A C channel carries raw elements of a fixed size, copied in and out
 * ([ctor@Task9.Channel.new]). A typed channel ([ctor@Task9.Channel.new_typed]) owns
 * #GValue elements and is the one language bindings use, through the `_value`
 * functions and their async forms.
 *
 * As with any GObject, a caller keeps the channel alive for the duration of its call:
 * a blocked send or receive relies on its caller's reference (an async operation holds
 * its own). A channel is therefore never finalized with waiters queued; if a program
 * drops its last reference while another task is still blocked on it, an assertion
 * reports that bug rather than letting memory be reused.
 *
 * Since: 0.1
 */
G_DEFINE_FINAL_TYPE (Task9Channel, task9_channel, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ELEM_SIZE,
  PROP_ELEM_TYPE,
  PROP_CAPACITY,
  PROP_NAME,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* ---- the buffer ----------------------------------------------------------------- */

static inline guint8 *
slot (Task9Channel *channel, guint index)
{
  return channel->buffer + (gsize) (index % channel->capacity) * channel->elem_size;
}

/* The common sizes inline: a libc call would cost as much as the rest of a transfer. */
static inline void
move_bytes (gpointer dst, gconstpointer src, gsize size)
{
  switch (size)
    {
    case 4:
      memcpy (dst, src, 4);
      break;
    case 8:
      memcpy (dst, src, 8);
      break;
    case 16:
      memcpy (dst, src, 16);
      break;
    default:
      memcpy (dst, src, size);
    }
}

static inline void
copy_elem (Task9Channel *channel, gpointer dst, gconstpointer src)
{
  if (dst != NULL)
    move_bytes (dst, src, channel->elem_size);
  else if (channel->holds_values)
    g_value_unset ((GValue *) src);   /* a typed element nobody wants is freed */
}

/* An unbounded channel's full buffer: doubles it (from nothing: 8 elements), keeping
 * the elements in order from index 0. Under the lock; FALSE if it cannot grow (the
 * sender then waits, as on a bounded channel). Out of line: only full sends get here. */
static G_GNUC_NO_INLINE gboolean
grow_buffer (Task9Channel *channel)
{
  guint old = channel->capacity, grown;
  guint8 *buffer;
  gsize first;

  if (old >= G_MAXINT / 2)
    return FALSE;
  grown = old == 0 ? 8 : MIN (old * 2, G_MAXINT / 2);
  buffer = g_try_malloc_n (grown, channel->elem_size);
  if (buffer == NULL)
    return FALSE;
  if (channel->count > 0)
    {
      /* Full: from head to the end, then the part that wrapped to the start. */
      first = (gsize) (old - channel->head) * channel->elem_size;
      memcpy (buffer, channel->buffer + (gsize) channel->head * channel->elem_size, first);
      memcpy (buffer + first, channel->buffer, (gsize) channel->head * channel->elem_size);
    }
  g_free (channel->buffer);
  channel->buffer = buffer;
  channel->head = 0;
  channel->capacity = grown;
  return TRUE;
}

/* ---- the algorithm --------------------------------------------------------------- */

Task9ChannelStatus
task9_channel_send_locked (Task9Channel  *channel,
                           gconstpointer  elem)
{
  Task9Waiter *receiver;

  if (channel->closed)
    return TASK9_CHANNEL_CLOSED;

  receiver = task9_waiter_claim_first (&channel->receivers);
  if (receiver != NULL)
    {
      copy_elem (channel, receiver->value, elem);
      task9_waiter_fire (receiver, FALSE);
      return TASK9_CHANNEL_DONE;
    }

  if (channel->count < channel->capacity ||
      (G_UNLIKELY (channel->unbounded) && grow_buffer (channel)))
    {
      move_bytes (slot (channel, channel->head + channel->count), elem, channel->elem_size);
      channel->count++;
      return TASK9_CHANNEL_DONE;
    }

  return TASK9_CHANNEL_WOULD_BLOCK;
}

Task9ChannelStatus
task9_channel_recv_locked (Task9Channel *channel,
                           gpointer      elem)
{
  Task9Waiter *sender = task9_waiter_claim_first (&channel->senders);

  if (sender != NULL)
    {
      if (channel->count > 0)
        {
          /* Full: the oldest element is ours, the sender's goes to the tail. */
          guint8 *oldest = slot (channel, channel->head);

          copy_elem (channel, elem, oldest);
          move_bytes (oldest, sender->value, channel->elem_size);
          channel->head = (channel->head + 1) % channel->capacity;
        }
      else
        copy_elem (channel, elem, sender->value);
      task9_waiter_fire (sender, FALSE);
      return TASK9_CHANNEL_DONE;
    }

  if (channel->count > 0)
    {
      copy_elem (channel, elem, slot (channel, channel->head));
      channel->head = (channel->head + 1) % channel->capacity;
      channel->count--;
      return TASK9_CHANNEL_DONE;
    }

  return channel->closed ? TASK9_CHANNEL_CLOSED : TASK9_CHANNEL_WOULD_BLOCK;
}

gboolean
task9_channel_status_to_error (Task9Channel        *channel,
                               Task9ChannelStatus   status,
                               GError             **error)
{
  switch (status)
    {
    case TASK9_CHANNEL_DONE:
      return TRUE;
    case TASK9_CHANNEL_CLOSED:
      g_set_error (error, TASK9_ERROR, TASK9_ERROR_CLOSED, "Channel%s%s is closed",
                   channel->name != NULL ? " " : "", channel->name != NULL ? channel->name : "");
      return FALSE;
    case TASK9_CHANNEL_WOULD_BLOCK:
    default:
      g_set_error_literal (error, TASK9_ERROR, TASK9_ERROR_WOULD_BLOCK, "Operation would block");
      return FALSE;
    }
}

/* One send or receive: blocking in a task, at once (timeout 0) anywhere. If @count is
 * not NULL it is raised by one under the channel's lock before the operation starts
 * (see task9_channel_op_counted()); the two entry points are this body inlined twice,
 * so a plain channel operation does not even test @count. */
G_ALWAYS_INLINE static inline gboolean
channel_op (Task9Channel  *channel,
            gboolean       is_send,
            gpointer       elem,
            GTimeSpan      timeout,
            GCancellable  *cancellable,
            guint64       *count,
            GError       **error)
{
  Task9Task *self = task9_scheduler_current_task ();
  Task9ChannelStatus status;
  Task9WaitSet set;
  Task9Waiter waiter;
  Task9WakeReason why;

  if (cancellable != NULL && g_cancellable_set_error_if_cancelled (cancellable, error))
    {
      if (count != NULL)
        {
          /* Counted on every path, so that the caller can lower it on every failure. */
          task9_channel_lock (channel);
          __atomic_store_n (count, *count + 1, __ATOMIC_RELAXED);
          task9_channel_unlock (channel);
        }
      return FALSE;
    }

  task9_channel_lock (channel);
  if (count != NULL)
    __atomic_store_n (count, *count + 1, __ATOMIC_RELAXED);   /* writers hold the lock */
  status = is_send ? task9_channel_send_locked (channel, elem)
                   : task9_channel_recv_locked (channel, elem);
  if (status != TASK9_CHANNEL_WOULD_BLOCK || timeout == 0 || self == NULL)
    {
      task9_channel_unlock (channel);
      if (status == TASK9_CHANNEL_WOULD_BLOCK && self == NULL && timeout != 0)
        {
          g_set_error (error, TASK9_ERROR, TASK9_ERROR_NOT_IN_TASK,
                       "A blocking channel %s can only be made from a task; use the "
                       "try_ or _async variant", is_send ? "send" : "receive");
          return FALSE;
        }
      return G_LIKELY (status == TASK9_CHANNEL_DONE) ||
             task9_channel_status_to_error (channel, status, error);
    }

  set.task = self;
  set.async = NULL;
  set.fired_closed = FALSE;
  waiter.claim = &self->park_word;
  waiter.token = task9_wait_begin (self);
  waiter.set = &set;
  waiter.value = elem;
  waiter.arm = 0;
  waiter.is_send = is_send;
  task9_channel_enqueue (channel, &waiter);
  task9_channel_unlock (channel);

  self->wait_name = channel->name;   /* for the task table; park() clears it */
  why = (G_UNLIKELY (channel->external) ? task9_wait_park_external : task9_wait_park)
          (self, waiter.token, task9_deadline_from_timeout (timeout), cancellable,
           is_send ? "send" : "recv");

  if (why == TASK9_WAKE_READY)
    return set.fired_closed ? task9_channel_status_to_error (channel, TASK9_CHANNEL_CLOSED, error) : TRUE;

  /* Cancelled or timed out: nobody claimed the waiter, withdraw it. */
  task9_waiter_withdraw (&waiter);
  return task9_wait_check_reason (why, error);
}

gboolean
task9_channel_op (Task9Channel  *channel,
                  gboolean       is_send,
                  gpointer       elem,
                  GTimeSpan      timeout,
                  GCancellable  *cancellable,
                  GError       **error)
{
  return channel_op (channel, is_send, elem, timeout, cancellable, NULL, error);
}

gboolean
task9_channel_op_counted (Task9Channel  *channel,
                          gboolean       is_send,
                          gpointer       elem,
                          GTimeSpan      timeout,
                          GCancellable  *cancellable,
                          guint64       *count,
                          GError       **error)
{
  return channel_op (channel, is_send, elem, timeout, cancellable, count, error);
}

/* ---- object ---------------------------------------------------------------------- */

static void
task9_channel_finalize (GObject *object)
{
  Task9Channel *channel = TASK9_CHANNEL (object);

  if (G_UNLIKELY (channel->senders.head != NULL || channel->receivers.head != NULL))
    g_error ("Task9Channel %s finalized while a task or an async call waits on it: "
             "its caller must hold a reference", channel->name != NULL ? channel->name : "");

  if (channel->on_done != NULL)
    channel->on_done (channel->on_done_data);   /* never closed: unsubscribe now */

  if (channel->holds_values)
    for (guint i = 0; i < channel->count; i++)
      g_value_unset ((GValue *) slot (channel, channel->head + i));
  g_free (channel->buffer);
  channel->magic = 0;

  G_OBJECT_CLASS (task9_channel_parent_class)->finalize (object);
}

static void
task9_channel_constructed (GObject *object)
{
  Task9Channel *channel = TASK9_CHANNEL (object);

  G_OBJECT_CLASS (task9_channel_parent_class)->constructed (object);

  if (channel->elem_type == G_TYPE_NONE)
    channel->elem_type = G_TYPE_INVALID;   /* the property's default: raw elements */
  if (channel->elem_type != G_TYPE_INVALID)
    {
      channel->elem_size = task9_scalar_size (channel->elem_type);
      channel->holds_values = channel->elem_size == 0;
      channel->raw_in_value = task9_scalar_is_value_data (channel->elem_type);
      if (channel->holds_values)
        channel->elem_size = sizeof (GValue);
    }
  if (channel->capacity > 0)
    channel->buffer = g_malloc0_n (channel->capacity, channel->elem_size);
}

static void
task9_channel_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  Task9Channel *channel = TASK9_CHANNEL (object);

  switch (prop_id)
    {
    case PROP_ELEM_SIZE:
      g_value_set_uint64 (value, channel->elem_size);
      break;
    case PROP_ELEM_TYPE:
      g_value_set_gtype (value, channel->elem_type);
      break;
    case PROP_CAPACITY:
      g_value_set_uint (value, channel->capacity);
      break;
    case PROP_NAME:
      g_value_set_string (value, channel->name);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
task9_channel_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  Task9Channel *channel = TASK9_CHANNEL (object);

  switch (prop_id)
    {
    case PROP_ELEM_SIZE:
      channel->elem_size = g_value_get_uint64 (value);
      break;
    case PROP_ELEM_TYPE:
      channel->elem_type = g_value_get_gtype (value);
      break;
    case PROP_CAPACITY:
      channel->capacity = g_value_get_uint (value);
      break;
    case PROP_NAME:
      task9_channel_set_name (channel, g_value_get_string (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
task9_channel_class_init (Task9ChannelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = task9_channel_finalize;
  object_class->constructed = task9_channel_constructed;
  object_class->get_property = task9_channel_get_property;
  object_class->set_property = task9_channel_set_property;

  /**
   * Task9Channel:elem-size:
   *
   * The size of one element in bytes; for a typed channel, the size of a #GValue.
   *
   * Since: 0.1
   */
  properties[PROP_ELEM_SIZE] =
    g_param_spec_uint64 ("elem-size", NULL, NULL, 0, G_MAXSIZE / 2, sizeof (GValue),
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * Task9Channel:elem-type:
   *
   * The type of the elements of a typed channel; %G_TYPE_NONE (the default) or
   * %G_TYPE_INVALID make a channel of raw elements of #Task9Channel:elem-size bytes.
   *
   * Since: 0.1
   */
  properties[PROP_ELEM_TYPE] =
    g_param_spec_gtype ("elem-type", NULL, NULL, G_TYPE_NONE,
                        G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * Task9Channel:capacity:
   *
   * How many elements the channel buffers; 0 makes every send a rendezvous with a
   * receiver.
   *
   * Since: 0.1
   */
  properties[PROP_CAPACITY] =
    g_param_spec_uint ("capacity", NULL, NULL, 0, G_MAXINT / 2, 0,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * Task9Channel:name:
   *
   * A name for debugging and error messages.
   *
   * Since: 0.1
   */
  properties[PROP_NAME] =
    g_param_spec_string ("name", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
task9_channel_init (Task9Channel *channel)
{
  channel->magic = TASK9_CHANNEL_MAGIC;
  task9_waiter_queue_init (&channel->receivers, &channel->lock);
  task9_waiter_queue_init (&channel->senders, &channel->lock);
}

/**
 * task9_channel_new:
 * @elem_size: the size of one element in bytes, at least 1
 * @capacity: how many elements the channel buffers (0: unbuffered)
 *
 * Creates a channel of raw elements, like libthread's `chancreate`: elements are
 * copied in by [method@Task9.Channel.send] and out by [method@Task9.Channel.recv]. An
 * unbuffered channel is a rendezvous: a send completes only when a receiver has taken
 * the element.
 *
 * Returns: (transfer full): the channel
 *
 * Since: 0.1
 */
Task9Channel *
task9_channel_new (gsize elem_size,
                   guint capacity)
{
  g_return_val_if_fail (elem_size > 0 && elem_size <= G_MAXSIZE / 2, NULL);
  g_return_val_if_fail (capacity <= G_MAXINT / 2, NULL);

  return g_object_new (TASK9_TYPE_CHANNEL,
                       "elem-size", (guint64) elem_size,
                       "elem-type", G_TYPE_INVALID,
                       "capacity", capacity,
                       NULL);
}

/**
 * task9_channel_new_typed:
 * @elem_type: the type of the elements
 * @capacity: how many elements the channel buffers (0: unbuffered)
 *
 * Creates a channel whose elements have a #GType, for language bindings and for C code
 * that sends objects, boxed values or strings: [method@Task9.Channel.send_value] copies
 * the value (a reference for an object), the receiver of
 * [method@Task9.Channel.recv_value] owns what it gets, and what is left in the buffer
 * is freed with the channel.
 *
 * Channels of the scalar types (#G_TYPE_BOOLEAN, #G_TYPE_INT, #G_TYPE_UINT,
 * #G_TYPE_LONG, #G_TYPE_ULONG, #G_TYPE_INT64, #G_TYPE_UINT64, #G_TYPE_FLOAT,
 * #G_TYPE_DOUBLE, #G_TYPE_POINTER, enums and flags) keep their elements as the C type
 * #GValue stores them in (#gboolean, #gint, #guint, #glong, #gulong, #gint64,
 * #guint64, #gfloat, #gdouble, #gpointer; #gint for an enum, #guint for flags), so C
 * code may also use the raw functions ([method@Task9.Channel.send],
 * [method@Task9.Channel.recv], [func@Task9.alt]) on them, with elements of that C
 * type. The channels that wait conditions hand out are of this kind.
 *
 * Returns: (transfer full): the channel
 *
 * Since: 0.1
 */
Task9Channel *
task9_channel_new_typed (GType elem_type,
                         guint capacity)
{
  g_return_val_if_fail (G_TYPE_IS_VALUE_TYPE (elem_type), NULL);
  g_return_val_if_fail (capacity <= G_MAXINT / 2, NULL);

  return g_object_new (TASK9_TYPE_CHANNEL,
                       "elem-size", (guint64) sizeof (GValue),
                       "elem-type", elem_type,
                       "capacity", capacity,
                       NULL);
}

/**
 * task9_channel_get_elem_size:
 * @channel: a channel
 *
 * Returns the size of one element: what [method@Task9.Channel.send] copies.
 *
 * Returns: the size in bytes
 *
 * Since: 0.1
 */
gsize
task9_channel_get_elem_size (Task9Channel *channel)
{
  g_return_val_if_fail (TASK9_IS_CHANNEL (channel), 0);

  return channel->elem_size;
}

/**
 * task9_channel_get_elem_type:
 * @channel: a channel
 *
 * Returns the element type of a typed channel.
 *
 * Returns: the type, or %G_TYPE_INVALID for a channel of raw elements
 *
 * Since: 0.1
 */
GType
task9_channel_get_elem_type (Task9Channel *channel)
{
  g_return_val_if_fail (TASK9_IS_CHANNEL (channel), G_TYPE_INVALID);

  return channel->elem_type;
}

/**
 * task9_channel_get_capacity:
 * @channel: a channel
 *
 * Returns how many elements @channel buffers. The channel of an unbounded
 * [class@Task9.Queue] grows its buffer as needed: this is its size now.
 *
 * Returns: the capacity; 0 for an unbuffered channel
 *
 * Since: 0.1
 */
guint
task9_channel_get_capacity (Task9Channel *channel)
{
  guint capacity;

  g_return_val_if_fail (TASK9_IS_CHANNEL (channel), 0);

  task9_channel_lock (channel);   /* a queue's unbounded channel grows */
  capacity = channel->capacity;
  task9_channel_unlock (channel);
  return capacity;
}

/**
 * task9_channel_get_length:
 * @channel: a channel
 *
 * Returns how many elements are buffered now. From another proc the answer may be out
 * of date at once.
 *
 * Returns: the number of buffered elements
 *
 * Since: 0.1
 */
guint
task9_channel_get_length (Task9Channel *channel)
{
  guint count;

  g_return_val_if_fail (TASK9_IS_CHANNEL (channel), 0);

  task9_channel_lock (channel);
  count = channel->count;
  task9_channel_unlock (channel);
  return count;
}

/**
 * task9_channel_get_name:
 * @channel: a channel
 *
 * Returns the channel's name, as set by [method@Task9.Channel.set_name].
 *
 * Returns: (nullable): the name
 *
 * Since: 0.1
 */
const char *
task9_channel_get_name (Task9Channel *channel)
{
  g_return_val_if_fail (TASK9_IS_CHANNEL (channel), NULL);

  return channel->name;
}

/**
 * task9_channel_set_name:
 * @channel: a channel
 * @name: (nullable): a name for debugging and error messages
 *
 * Names @channel, like libthread's `chansetname`. Set it before the channel is shared.
 * The name is interned (kept for the life of the process, as the task table shows it
 * for tasks blocked on the channel): use a small set of names, not one per message.
 *
 * Since: 0.1
 */
void
task9_channel_set_name (Task9Channel *channel,
                        const char   *name)
{
  g_return_if_fail (TASK9_IS_CHANNEL (channel));

  channel->name = name != NULL ? g_intern_string (name) : NULL;
  g_object_notify_by_pspec (G_OBJECT (channel), properties[PROP_NAME]);
}

/**
 * task9_channel_close:
 * @channel: a channel
 *
 * Closes @channel. Later sends fail with %TASK9_ERROR_CLOSED; receives still get what
 * is buffered, then fail with %TASK9_ERROR_CLOSED. Every blocked sender and receiver
 * is woken with that answer; a blocked sender's element is not delivered. Closing
 * twice does nothing. Safe from any thread.
 *
 * Since: 0.1
 */
void
task9_channel_close (Task9Channel *channel)
{
  GDestroyNotify on_done = NULL;
  Task9Waiter *waiter;

  g_return_if_fail (TASK9_IS_CHANNEL (channel));

  task9_channel_lock (channel);
  if (!channel->closed)
    {
      channel->closed = TRUE;
      while ((waiter = task9_waiter_claim_first (&channel->receivers)) != NULL)
        task9_waiter_fire (waiter, TRUE);
      while ((waiter = task9_waiter_claim_first (&channel->senders)) != NULL)
        task9_waiter_fire (waiter, TRUE);
      on_done = channel->on_done;
      channel->on_done = NULL;
    }
  task9_channel_unlock (channel);

  /* Outside the lock: unsubscribing is user code (a signal disconnect). */
  if (on_done != NULL)
    on_done (channel->on_done_data);
}

/**
 * task9_channel_get_dropped:
 * @channel: a channel
 *
 * Counts the elements that a wait condition feeding @channel (a subscription to Unix
 * signals, to a GObject signal, a ticker...) could not deliver because the channel's
 * buffer was full and no receiver was waiting. Such sources never block and never drop
 * silently: what they could not deliver is counted here. Channels that only tasks send
 * on never drop anything.
 *
 * Returns: how many elements were dropped so far
 *
 * Since: 0.1
 */
guint64
task9_channel_get_dropped (Task9Channel *channel)
{
  g_return_val_if_fail (TASK9_IS_CHANNEL (channel), 0);

  return __atomic_load_n (&channel->dropped, __ATOMIC_RELAXED);
}

/* What a wait condition's event source does, from any thread: delivers @elem if a
 * receiver waits or the buffer has room, otherwise counts a drop. Never blocks. An
 * element of a channel of GValues moves in only if this returns TASK9_CHANNEL_DONE. */
Task9ChannelStatus
task9_channel_offer (Task9Channel  *channel,
                     gconstpointer  elem)
{
  Task9ChannelStatus status;

  task9_channel_lock (channel);
  status = task9_channel_send_locked (channel, elem);
  if (status == TASK9_CHANNEL_WOULD_BLOCK)
    __atomic_fetch_add (&channel->dropped, 1, __ATOMIC_RELAXED);
  task9_channel_unlock (channel);
  return status;
}

/* Marks @channel as fed by something outside the tasks (a signal, an fd, a child
 * process): a task blocked on it is not deadlocked. */
void
task9_channel_set_external (Task9Channel *channel)
{
  channel->external = TRUE;
}

/* Gives @channel, a wait condition's new channel, what unsubscribes its source: @func
 * (@data) runs once, when the channel is closed or, if it never is, when it is
 * finalized (then the channel's GWeakRefs are already cleared), on the thread that
 * does it and outside the channel's lock. Set it before the channel is shared. */
void
task9_channel_set_on_done (Task9Channel   *channel,
                           GDestroyNotify  func,
                           gpointer        data)
{
  g_assert (channel->on_done == NULL);
  channel->on_done = func;
  channel->on_done_data = data;
}

/* Makes @channel, a queue's new typed channel, unbounded: a send that finds its buffer
 * full grows it instead of waiting. Set it before the channel is shared. */
void
task9_channel_set_unbounded (Task9Channel *channel)
{
  channel->unbounded = TRUE;
}

/**
 * task9_channel_is_closed:
 * @channel: a channel
 *
 * Tells whether [method@Task9.Channel.close] was called; elements may still be buffered.
 *
 * Returns: %TRUE once closed
 *
 * Since: 0.1
 */
gboolean
task9_channel_is_closed (Task9Channel *channel)
{
  gboolean closed;

  g_return_val_if_fail (TASK9_IS_CHANNEL (channel), FALSE);

  task9_channel_lock (channel);
  closed = channel->closed;
  task9_channel_unlock (channel);
  return closed;
}

#define CHECK_RAW(channel, val) \
  G_STMT_START { \
    g_return_val_if_fail (TASK9_CHANNEL_CHECK (channel), val); \
    g_return_val_if_fail (!(channel)->holds_values, val); \
  } G_STMT_END

/**
 * task9_channel_send: (skip)
 * @channel: a channel of raw elements
 * @elem: the element, [property@Task9.Channel:elem-size] bytes
 * @error: return location for a #GError
 *
 * Sends a copy of @elem, blocking the calling task until a receiver takes it (or, on a
 * buffered channel, until there is room). Outside a task, only a send that can complete
 * at once succeeds; otherwise it fails with %TASK9_ERROR_NOT_IN_TASK (use
 * [method@Task9.Channel.send_async]).
 *
 * Returns: %TRUE once sent; %FALSE with %TASK9_ERROR_CLOSED or %G_IO_ERROR_CANCELLED,
 *   and then nothing was sent
 *
 * Since: 0.1
 */
gboolean
task9_channel_send (Task9Channel  *channel,
                    gconstpointer  elem,
                    GError       **error)
{
  CHECK_RAW (channel, FALSE);
  g_return_val_if_fail (elem != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return task9_channel_op (channel, TRUE, (gpointer) elem, -1, NULL, error);
}

/**
 * task9_channel_recv: (skip)
 * @channel: a channel of raw elements
 * @elem: (nullable): where the element goes, or %NULL to discard it
 * @error: return location for a #GError
 *
 * Receives an element, blocking the calling task until one is there. Outside a task,
 * only a receive that can complete at once succeeds.
 *
 * Returns: %TRUE with the element in @elem; %FALSE with %TASK9_ERROR_CLOSED once the
 *   channel is closed and drained, or %G_IO_ERROR_CANCELLED
 *
 * Since: 0.1
 */
gboolean
task9_channel_recv (Task9Channel  *channel,
                    gpointer       elem,
                    GError       **error)
{
  CHECK_RAW (channel, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return task9_channel_op (channel, FALSE, elem, -1, NULL, error);
}

/**
 * task9_channel_send_full: (skip)
 * @channel: a channel of raw elements
 * @elem: the element
 * @timeout: the longest wait in microseconds, -1 for no limit, 0 not to wait
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Like [method@Task9.Channel.send], with a timeout and a cancellable. A send that
 * times out or is cancelled has sent nothing.
 *
 * Returns: %TRUE once sent; %FALSE with %TASK9_ERROR_CLOSED, %G_IO_ERROR_TIMED_OUT,
 *   %G_IO_ERROR_CANCELLED, or %TASK9_ERROR_WOULD_BLOCK when @timeout is 0
 *
 * Since: 0.1
 */
gboolean
task9_channel_send_full (Task9Channel  *channel,
                         gconstpointer  elem,
                         GTimeSpan      timeout,
                         GCancellable  *cancellable,
                         GError       **error)
{
  CHECK_RAW (channel, FALSE);
  g_return_val_if_fail (elem != NULL, FALSE);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return task9_channel_op (channel, TRUE, (gpointer) elem, timeout, cancellable, error);
}

/**
 * task9_channel_recv_full: (skip)
 * @channel: a channel of raw elements
 * @elem: (nullable): where the element goes, or %NULL to discard it
 * @timeout: the longest wait in microseconds, -1 for no limit, 0 not to wait
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Like [method@Task9.Channel.recv], with a timeout and a cancellable. A receive that
 * times out or is cancelled has taken nothing from the channel.
 *
 * Returns: %TRUE with the element in @elem; %FALSE with %TASK9_ERROR_CLOSED,
 *   %G_IO_ERROR_TIMED_OUT, %G_IO_ERROR_CANCELLED, or %TASK9_ERROR_WOULD_BLOCK when
 *   @timeout is 0
 *
 * Since: 0.1
 */
gboolean
task9_channel_recv_full (Task9Channel  *channel,
                         gpointer       elem,
                         GTimeSpan      timeout,
                         GCancellable  *cancellable,
                         GError       **error)
{
  CHECK_RAW (channel, FALSE);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return task9_channel_op (channel, FALSE, elem, timeout, cancellable, error);
}

/**
 * task9_channel_try_send: (skip)
 * @channel: a channel of raw elements
 * @elem: the element
 * @error: return location for a #GError
 *
 * Sends @elem only if that can be done at once: a receiver is waiting, or the buffer
 * has room. Works outside tasks too.
 *
 * Returns: %TRUE if sent; %FALSE with %TASK9_ERROR_WOULD_BLOCK or %TASK9_ERROR_CLOSED
 *
 * Since: 0.1
 */
gboolean
task9_channel_try_send (Task9Channel  *channel,
                        gconstpointer  elem,
                        GError       **error)
{
  return task9_channel_send_full (channel, elem, 0, NULL, error);
}

/**
 * task9_channel_try_recv: (skip)
 * @channel: a channel of raw elements
 * @elem: (nullable): where the element goes, or %NULL to discard it
 * @error: return location for a #GError
 *
 * Receives an element only if one is there at once. Works outside tasks too.
 *
 * Returns: %TRUE with the element in @elem; %FALSE with %TASK9_ERROR_WOULD_BLOCK, or
 *   %TASK9_ERROR_CLOSED once the channel is closed and drained
 *
 * Since: 0.1
 */
gboolean
task9_channel_try_recv (Task9Channel  *channel,
                        gpointer       elem,
                        GError       **error)
{
  return task9_channel_recv_full (channel, elem, 0, NULL, error);
}

/**
 * task9_channel_send_pointer: (skip)
 * @channel: a channel whose elements are pointers
 * @pointer: (nullable): the pointer to send
 * @error: return location for a #GError
 *
 * Sends a pointer, like libthread's `sendp`.
 *
 * Returns: %TRUE once sent, as [method@Task9.Channel.send]
 *
 * Since: 0.1
 */
gboolean
task9_channel_send_pointer (Task9Channel  *channel,
                            gpointer       pointer,
                            GError       **error)
{
  g_return_val_if_fail (TASK9_IS_CHANNEL (channel), FALSE);
  g_return_val_if_fail (channel->elem_size == sizeof (gpointer), FALSE);

  return task9_channel_send (channel, &pointer, error);
}

/**
 * task9_channel_recv_pointer: (skip)
 * @channel: a channel whose elements are pointers
 * @error: return location for a #GError
 *
 * Receives a pointer, like libthread's `recvp`.
 *
 * Returns: (nullable): the pointer, or %NULL with @error set as by
 *   [method@Task9.Channel.recv]
 *
 * Since: 0.1
 */
gpointer
task9_channel_recv_pointer (Task9Channel  *channel,
                            GError       **error)
{
  gpointer pointer = NULL;

  g_return_val_if_fail (TASK9_IS_CHANNEL (channel), NULL);
  g_return_val_if_fail (channel->elem_size == sizeof (gpointer), NULL);

  return task9_channel_recv (channel, &pointer, error) ? pointer : NULL;
}

/**
 * task9_channel_send_ulong: (skip)
 * @channel: a channel whose elements are #gulong
 * @value: the value to send
 * @error: return location for a #GError
 *
 * Sends an unsigned long, like libthread's `sendul`.
 *
 * Returns: %TRUE once sent, as [method@Task9.Channel.send]
 *
 * Since: 0.1
 */
gboolean
task9_channel_send_ulong (Task9Channel  *channel,
                          gulong         value,
                          GError       **error)
{
  g_return_val_if_fail (TASK9_IS_CHANNEL (channel), FALSE);
  g_return_val_if_fail (channel->elem_size == sizeof (gulong), FALSE);

  return task9_channel_send (channel, &value, error);
}

/**
 * task9_channel_recv_ulong: (skip)
 * @channel: a channel whose elements are #gulong
 * @error: return location for a #GError
 *
 * Receives an unsigned long, like libthread's `recvul`.
 *
 * Returns: the value, or 0 with @error set as by [method@Task9.Channel.recv]
 *
 * Since: 0.1
 */
gulong
task9_channel_recv_ulong (Task9Channel  *channel,
                          GError       **error)
{
  gulong value = 0;

  g_return_val_if_fail (TASK9_IS_CHANNEL (channel), 0);
  g_return_val_if_fail (channel->elem_size == sizeof (gulong), 0);

  return task9_channel_recv (channel, &value, error) ? value : 0;
}
