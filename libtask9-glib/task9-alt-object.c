/* task9-alt-object.c: Task9Alt, an alt built arm by arm
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The form of task9_alt() that bindings and main-loop code use: arms on typed channels
 * added one by one, GValues instead of raw elements, and a select that blocks a task or
 * completes asynchronously. Each select works on fresh copies (slots): a send arm sends
 * a copy of its value, a receive arm's element lands in a slot and moves to
 * alt->received only if that arm fired, so a select that did not fire an arm changes
 * nothing the alt holds.
 */

#include "task9-config.h"

#include <string.h>

#include "task9-alt.h"
#include "task9-alt-private.h"
#include "task9-async-private.h"
#include "task9-channel-private.h"

/**
 * Task9Alt:
 *
 * An alt built arm by arm, for language bindings and for code that waits from a main
 * loop: add send and receive arms on typed channels, then select, blocking in a task
 * ([method@Task9.Alt.select]) or asynchronously ([method@Task9.Alt.select_async]).
 * Exactly one arm fires per select, with the semantics of [func@Task9.alt]; a send
 * arm sends a fresh copy of its value each time, and the element a receive arm got is
 * taken with [method@Task9.Alt.take_value].
 *
 * Since: 0.1
 */
struct _Task9Alt
{
  GObject  parent_instance;
  GArray  *arms;       /* Task9AltArm; value unused here */
  GArray  *values;     /* GValue per arm: what a send arm sends */
  GArray  *received;   /* GValue per arm: what a receive arm got last */
};

G_DEFINE_FINAL_TYPE (Task9Alt, task9_alt, G_TYPE_OBJECT)

static void
clear_value (gpointer data)
{
  GValue *value = data;

  if (G_IS_VALUE (value))
    g_value_unset (value);
}

static void
task9_alt_finalize (GObject *object)
{
  Task9Alt *alt = TASK9_ALT (object);

  for (guint i = 0; i < alt->arms->len; i++)
    g_object_unref (g_array_index (alt->arms, Task9AltArm, i).channel);
  g_array_unref (alt->arms);
  g_array_unref (alt->values);
  g_array_unref (alt->received);

  G_OBJECT_CLASS (task9_alt_parent_class)->finalize (object);
}

static void
task9_alt_class_init (Task9AltClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = task9_alt_finalize;
}

static void
task9_alt_init (Task9Alt *alt)
{
  alt->arms = g_array_new (FALSE, TRUE, sizeof (Task9AltArm));
  alt->values = g_array_new (FALSE, TRUE, sizeof (GValue));
  g_array_set_clear_func (alt->values, clear_value);
  alt->received = g_array_new (FALSE, TRUE, sizeof (GValue));
  g_array_set_clear_func (alt->received, clear_value);
}

/**
 * task9_alt_new:
 *
 * Creates an alt with no arms.
 *
 * Returns: (transfer full): the alt
 *
 * Since: 0.1
 */
Task9Alt *
task9_alt_new (void)
{
  return g_object_new (TASK9_TYPE_ALT, NULL);
}

static guint
add_arm (Task9Alt *alt, Task9Channel *channel, Task9AltOp op, const GValue *value)
{
  Task9AltArm arm = { g_object_ref (channel), op, NULL, FALSE };
  GValue copy = G_VALUE_INIT;
  GValue none = G_VALUE_INIT;

  if (value != NULL)
    {
      /* Held as the channel's element type, as send_value() sends it. */
      g_value_init (&copy, task9_channel_get_elem_type (channel));
      g_value_transform (value, &copy);
    }
  g_array_append_val (alt->arms, arm);
  g_array_append_val (alt->values, copy);
  g_array_append_val (alt->received, none);
  return alt->arms->len - 1;
}

/**
 * task9_alt_add_send:
 * @alt: an alt
 * @channel: a typed channel
 * @value: a value of the channel's element type, copied
 *
 * Adds an arm that sends @value on @channel.
 *
 * Returns: the arm's index
 *
 * Since: 0.1
 */
guint
task9_alt_add_send (Task9Alt     *alt,
                    Task9Channel *channel,
                    const GValue *value)
{
  g_return_val_if_fail (TASK9_IS_ALT (alt), G_MAXUINT);
  g_return_val_if_fail (TASK9_IS_CHANNEL (channel), G_MAXUINT);
  g_return_val_if_fail (task9_channel_get_elem_type (channel) != G_TYPE_INVALID, G_MAXUINT);
  g_return_val_if_fail (G_IS_VALUE (value), G_MAXUINT);
  g_return_val_if_fail (g_type_is_a (G_VALUE_TYPE (value), task9_channel_get_elem_type (channel)),
                        G_MAXUINT);

  return add_arm (alt, channel, TASK9_ALT_SEND, value);
}

/**
 * task9_alt_add_recv:
 * @alt: an alt
 * @channel: a typed channel
 *
 * Adds an arm that receives from @channel.
 *
 * Returns: the arm's index
 *
 * Since: 0.1
 */
guint
task9_alt_add_recv (Task9Alt     *alt,
                    Task9Channel *channel)
{
  g_return_val_if_fail (TASK9_IS_ALT (alt), G_MAXUINT);
  g_return_val_if_fail (TASK9_IS_CHANNEL (channel), G_MAXUINT);
  g_return_val_if_fail (task9_channel_get_elem_type (channel) != G_TYPE_INVALID, G_MAXUINT);

  return add_arm (alt, channel, TASK9_ALT_RECV, NULL);
}

/**
 * task9_alt_get_n_arms:
 * @alt: an alt
 *
 * Counts the arms added so far.
 *
 * Returns: the number of arms
 *
 * Since: 0.1
 */
guint
task9_alt_get_n_arms (Task9Alt *alt)
{
  g_return_val_if_fail (TASK9_IS_ALT (alt), 0);

  return alt->arms->len;
}

/* Fresh element storage for one select: copies of the send values, empty landing
 * places for the receives. Arms on scalar channels move raw scalars: their slots are
 * followed by one raw word each (see raw_slot()). */
typedef union { guint64 u64; gdouble d; gpointer p; } RawSlot;

static inline RawSlot *
raw_slot (GValue *slots, guint n, guint i)
{
  return (RawSlot *) (slots + n) + i;
}

static inline gboolean
arm_is_scalar (const Task9AltArm *arm)
{
  return !arm->channel->holds_values;
}

static GValue *
prepare_slots (Task9Alt *alt, Task9AltArm *arms)
{
  guint n = alt->arms->len;
  GValue *slots = g_malloc0 (n * (sizeof (GValue) + sizeof (RawSlot)));

  for (guint i = 0; i < n; i++)
    {
      /* What the last select reported is gone with the next one. */
      g_array_index (alt->arms, Task9AltArm, i).closed = FALSE;
      clear_value (&g_array_index (alt->received, GValue, i));
      arms[i] = g_array_index (alt->arms, Task9AltArm, i);
      arms[i].value = arm_is_scalar (&arms[i]) ? (gpointer) raw_slot (slots, n, i) : &slots[i];
      if (arms[i].op == TASK9_ALT_SEND)
        {
          GValue *value = &g_array_index (alt->values, GValue, i);

          if (arm_is_scalar (&arms[i]))
            task9_scalar_from_value (value, arms[i].value);
          else
            {
              g_value_init (&slots[i], G_VALUE_TYPE (value));
              g_value_copy (value, &slots[i]);
            }
        }
    }
  return slots;
}

/* After arm @fired fired: the sent copy now belongs to the receiver, the received
 * element to the alt. */
static void
settle_slots (Task9Alt *alt, Task9AltArm *arms, GValue *slots, gint fired, gboolean closed)
{
  guint n = alt->arms->len;
  Task9AltArm *arm = &g_array_index (alt->arms, Task9AltArm, fired);

  arm->closed = closed;
  if (!closed && arms[fired].op == TASK9_ALT_SEND)
    memset (&slots[fired], 0, sizeof (GValue));
  else if (!closed)
    {
      GValue *received = &g_array_index (alt->received, GValue, fired);

      clear_value (received);
      if (arm_is_scalar (arm))
        task9_scalar_to_value (task9_channel_get_elem_type (arm->channel),
                               raw_slot (slots, n, fired), received);
      else
        {
          *received = slots[fired];
          memset (&slots[fired], 0, sizeof (GValue));
        }
    }
  for (guint i = 0; i < n; i++)
    clear_value (&slots[i]);
}

/**
 * task9_alt_select: (skip)
 * @alt: an alt with at least one arm
 * @timeout: the longest wait in microseconds, -1 for no limit, 0 not to wait
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Fires exactly one arm, blocking the calling task as [func@Task9.alt] does.
 *
 * Returns: the index of the arm that fired, or -1 with @error set
 *
 * Since: 0.1
 */
gint
task9_alt_select (Task9Alt      *alt,
                  GTimeSpan      timeout,
                  GCancellable  *cancellable,
                  GError       **error)
{
  Task9AltArm *arms;
  GValue *slots;
  gint fired;

  g_return_val_if_fail (TASK9_IS_ALT (alt), -1);
  g_return_val_if_fail (alt->arms->len > 0, -1);

  arms = g_new (Task9AltArm, alt->arms->len);
  slots = prepare_slots (alt, arms);
  fired = task9_alt (arms, alt->arms->len, timeout, cancellable, error);
  if (fired >= 0)
    settle_slots (alt, arms, slots, fired, arms[fired].closed);
  else
    for (guint i = 0; i < alt->arms->len; i++)
      clear_value (&slots[i]);
  g_free (slots);
  g_free (arms);
  return fired;
}

static void
settle_select (Task9AsyncOp *op)
{
  Task9Alt *alt = TASK9_ALT (op->source_object);

  task9_async_op_withdraw (op);
  if (op->reason == TASK9_WAKE_READY)
    {
      Task9AltArm *arms = g_new (Task9AltArm, op->n_waiters);

      for (guint i = 0; i < op->n_waiters; i++)
        arms[i].op = op->waiters[i].is_send ? TASK9_ALT_SEND : TASK9_ALT_RECV;
      settle_slots (alt, arms, op->slots, op->set.fired_arm, op->set.fired_closed);
      g_free (arms);
      op->result_int = op->set.fired_arm;
    }
  else
    task9_wait_check_reason (op->reason, &op->error);
}

/**
 * task9_alt_select_async:
 * @alt: an alt with at least one arm
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called on the caller's thread-default main context when an
 *   arm fired
 * @user_data: (closure): data for @callback
 *
 * Fires exactly one arm without blocking the caller; finish with
 * [method@Task9.Alt.select_finish]. The arms meet tasks and async callers alike; a
 * cancelled select had no effect on any channel.
 *
 * Since: 0.1
 */
void
task9_alt_select_async (Task9Alt            *alt,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  guint n_arms;
  Task9AsyncOp *op;
  Task9AltArm *arms;
  gint fired;

  g_return_if_fail (TASK9_IS_ALT (alt));
  g_return_if_fail (alt->arms->len > 0);

  n_arms = alt->arms->len;
  op = task9_async_op_new (alt, n_arms, cancellable, callback, user_data,
                           task9_alt_select_async, settle_select);
  arms = g_new (Task9AltArm, n_arms);
  op->slots = prepare_slots (alt, arms);
  op->n_slots = n_arms;
  for (guint i = 0; i < n_arms; i++)
    op->waiters[i].is_send = arms[i].op == TASK9_ALT_SEND;

  if (g_cancellable_is_cancelled (cancellable))
    task9_async_op_complete_now (op, TASK9_WAKE_CANCELLED);
  else
    {
      g_object_ref (op);   /* a partner may complete it as soon as it is queued */
      fired = task9_alt_begin_async (arms, n_arms, op);
      if (fired >= 0)
        {
          g_object_unref (op);
          op->set.fired_arm = fired;
          op->set.fired_closed = arms[fired].closed;
          task9_async_op_complete_now (op, TASK9_WAKE_READY);
        }
      else
        task9_async_op_wait (op);
    }
  g_free (arms);
}

/**
 * task9_alt_select_finish:
 * @alt: an alt
 * @result: the result given to the callback
 * @error: return location for a #GError
 *
 * Finishes [method@Task9.Alt.select_async].
 *
 * Returns: the index of the arm that fired, or -1 with %G_IO_ERROR_CANCELLED
 *
 * Since: 0.1
 */
gint
task9_alt_select_finish (Task9Alt      *alt,
                         GAsyncResult  *result,
                         GError       **error)
{
  Task9AsyncOp *op;

  g_return_val_if_fail (TASK9_IS_ALT (alt), -1);
  g_return_val_if_fail (error == NULL || *error == NULL, -1);

  op = task9_async_op_check (result, alt, task9_alt_select_async, error);
  return op != NULL ? (gint) op->result_int : -1;
}

/**
 * task9_alt_get_closed:
 * @alt: an alt
 * @arm: an arm's index
 *
 * Tells whether @arm fired, in the last select, because its channel is closed (a
 * receive from a closed, drained channel, or a send to a closed one, which sent nothing).
 *
 * Returns: %TRUE if the arm's channel was closed
 *
 * Since: 0.1
 */
gboolean
task9_alt_get_closed (Task9Alt *alt,
                      guint     arm)
{
  g_return_val_if_fail (TASK9_IS_ALT (alt), FALSE);
  g_return_val_if_fail (arm < alt->arms->len, FALSE);

  return g_array_index (alt->arms, Task9AltArm, arm).closed;
}

/**
 * task9_alt_take_value:
 * @alt: an alt
 * @arm: the index of a receive arm that fired
 * @value: (out caller-allocates): where the element goes
 *
 * Takes the element that receive arm @arm got in the last select.
 *
 * Returns: %TRUE if there was one (the arm fired and its channel was not closed);
 *   otherwise @value holds the element type's default (which owns nothing)
 *
 * Since: 0.1
 */
gboolean
task9_alt_take_value (Task9Alt *alt,
                      guint     arm,
                      GValue   *value)
{
  GValue *received;

  g_return_val_if_fail (TASK9_IS_ALT (alt), FALSE);
  g_return_val_if_fail (arm < alt->arms->len, FALSE);
  g_return_val_if_fail (value != NULL, FALSE);

  received = &g_array_index (alt->received, GValue, arm);
  if (!G_IS_VALUE (received))
    {
      task9_value_reset (value, task9_channel_get_elem_type (g_array_index (alt->arms, Task9AltArm, arm).channel));
      return FALSE;
    }
  if (G_IS_VALUE (value))
    g_value_unset (value);
  *value = *received;
  memset (received, 0, sizeof (GValue));
  return TRUE;
}
