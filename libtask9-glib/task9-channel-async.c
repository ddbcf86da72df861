/* task9-channel-async.c: the async face of channels
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Each blocking channel operation as a GIO-style _async/_finish pair for code that runs
 * on a main loop. The op (task9-async.c) queues the same waiter a task would, so a task
 * and an async caller meet on one channel with identical semantics; only the wake-up
 * differs (the op completes on its caller's context).
 */

#include "task9-config.h"

#include <string.h>

#include "task9-async-private.h"
#include "task9-channel-private.h"

/* ---- the async face -------------------------------------------------------------- */

/* The settle of an op on @channel (its source object, or the object built on it). */
void
task9_channel_settle (Task9AsyncOp *op,
                      Task9Channel *channel)
{
  task9_async_op_withdraw (op);
  if (op->reason != TASK9_WAKE_READY)
    task9_wait_check_reason (op->reason, &op->error);
  else if (op->set.fired_closed)
    task9_channel_status_to_error (channel, TASK9_CHANNEL_CLOSED, &op->error);
  else if (op->sends_value)
    memset (&op->value, 0, sizeof op->value);   /* moved to the receiver */
}

static void
settle_op (Task9AsyncOp *op)
{
  task9_channel_settle (op, TASK9_CHANNEL (op->source_object));
}

/* Starts an async send or receive. @elem is the raw element to send (copied into the
 * op) or where to receive one; @value the typed one to send. A channel of GValues moves
 * its element through op->value; a scalar channel through op->elem_copy. */
static void
channel_op_async (Task9Channel        *channel,
                  gpointer             source_object,
                  Task9AsyncSettle     settle,
                  gboolean             is_send,
                  gboolean             typed,
                  gconstpointer        elem,
                  const GValue        *value,
                  GCancellable        *cancellable,
                  GAsyncReadyCallback  callback,
                  gpointer             user_data,
                  gpointer             source_tag)
{
  Task9AsyncOp *op = task9_async_op_new (source_object, 1, cancellable, callback, user_data,
                                         source_tag, settle);
  Task9Waiter *waiter = &op->waiters[0];
  Task9ChannelStatus status;
  gpointer slot_ptr;

  if (channel->holds_values)
    {
      if (is_send)
        {
          g_value_init (&op->value, channel->elem_type);
          g_value_copy (value, &op->value);
          op->sends_value = TRUE;
        }
      slot_ptr = &op->value;
    }
  else if (typed)
    {
      slot_ptr = op->elem_copy = g_malloc0 (channel->elem_size);   /* a scalar, raw */
      if (is_send)
        task9_scalar_from_value (value, slot_ptr);
    }
  else if (is_send)
    slot_ptr = op->elem_copy = g_memdup2 (elem, channel->elem_size);
  else
    slot_ptr = (gpointer) elem;

  if (g_cancellable_is_cancelled (cancellable))
    {
      task9_async_op_complete_now (op, TASK9_WAKE_CANCELLED);
      return;
    }

  task9_channel_lock (channel);
  status = is_send ? task9_channel_send_locked (channel, slot_ptr)
                   : task9_channel_recv_locked (channel, slot_ptr);
  if (status == TASK9_CHANNEL_WOULD_BLOCK)
    {
      waiter->value = slot_ptr;
      waiter->is_send = is_send;
      task9_channel_enqueue (channel, waiter);
      g_object_ref (op);   /* a partner may complete it as soon as we unlock */
      task9_channel_unlock (channel);
      task9_async_op_wait (op);
      return;
    }
  task9_channel_unlock (channel);

  /* Done at once; still complete from the main loop, never inside this call. */
  op->set.fired_arm = 0;
  op->set.fired_closed = status == TASK9_CHANNEL_CLOSED;
  task9_async_op_complete_now (op, TASK9_WAKE_READY);
}

/* The typed async send or receive of an object built on @channel (a queue). */
void
task9_channel_value_op_async (Task9Channel        *channel,
                              gpointer             source_object,
                              gboolean             is_send,
                              const GValue        *value,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data,
                              gpointer             source_tag,
                              void               (*settle) (Task9AsyncOp *op))
{
  channel_op_async (channel, source_object, settle, is_send, TRUE, NULL, value, cancellable,
                    callback, user_data, source_tag);
}

/* Moves the element a typed receive @op got into @value. */
void
task9_channel_take_value (Task9Channel *channel,
                          Task9AsyncOp *op,
                          GValue       *value)
{
  if (!channel->holds_values)
    {
      task9_scalar_to_value (channel->elem_type, op->elem_copy, value);
      return;
    }
  if (G_IS_VALUE (value))
    g_value_unset (value);
  *value = op->value;
  memset (&op->value, 0, sizeof op->value);
}

static gboolean
channel_op_finish (Task9Channel  *channel,
                   GAsyncResult  *result,
                   gpointer       source_tag,
                   GError       **error)
{
  g_return_val_if_fail (TASK9_IS_CHANNEL (channel), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return task9_async_op_check (result, channel, source_tag, error) != NULL;
}

/**
 * task9_channel_send_async:
 * @channel: a channel of raw or scalar elements
 * @elem: (not nullable): the element; it is copied before this call returns
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called on the caller's thread-default main context when done
 * @user_data: (closure): data for @callback
 *
 * Sends a copy of @elem without blocking the caller: the async form of
 * [method@Task9.Channel.send], for code running on a main loop. It meets tasks and other
 * async callers on the channel with the same semantics. Finish with
 * [method@Task9.Channel.send_finish].
 *
 * Since: 0.1
 */
void
task9_channel_send_async (Task9Channel        *channel,
                          gconstpointer        elem,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_return_if_fail (TASK9_IS_CHANNEL (channel));
  g_return_if_fail (!channel->holds_values);
  g_return_if_fail (elem != NULL);

  channel_op_async (channel, channel, settle_op, TRUE, FALSE, elem, NULL, cancellable, callback, user_data,
                    task9_channel_send_async);
}

/**
 * task9_channel_send_finish:
 * @channel: a channel
 * @result: the result given to the callback
 * @error: return location for a #GError
 *
 * Finishes [method@Task9.Channel.send_async].
 *
 * Returns: %TRUE once sent; %FALSE with %TASK9_ERROR_CLOSED or %G_IO_ERROR_CANCELLED,
 *   and then nothing was sent
 *
 * Since: 0.1
 */
gboolean
task9_channel_send_finish (Task9Channel  *channel,
                           GAsyncResult  *result,
                           GError       **error)
{
  return channel_op_finish (channel, result, task9_channel_send_async, error);
}

/**
 * task9_channel_recv_async:
 * @channel: a channel of raw or scalar elements
 * @elem: (nullable): where the element goes; it must stay valid until the callback runs
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called on the caller's thread-default main context when done
 * @user_data: (closure): data for @callback
 *
 * Receives an element without blocking the caller: the async form of
 * [method@Task9.Channel.recv]. Finish with [method@Task9.Channel.recv_finish].
 *
 * Since: 0.1
 */
void
task9_channel_recv_async (Task9Channel        *channel,
                          gpointer             elem,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_return_if_fail (TASK9_IS_CHANNEL (channel));
  g_return_if_fail (!channel->holds_values);

  channel_op_async (channel, channel, settle_op, FALSE, FALSE, elem, NULL, cancellable, callback, user_data,
                    task9_channel_recv_async);
}

/**
 * task9_channel_recv_finish:
 * @channel: a channel
 * @result: the result given to the callback
 * @error: return location for a #GError
 *
 * Finishes [method@Task9.Channel.recv_async].
 *
 * Returns: %TRUE with the element stored where the call asked; %FALSE with
 *   %TASK9_ERROR_CLOSED or %G_IO_ERROR_CANCELLED, and then nothing was taken
 *
 * Since: 0.1
 */
gboolean
task9_channel_recv_finish (Task9Channel  *channel,
                           GAsyncResult  *result,
                           GError       **error)
{
  return channel_op_finish (channel, result, task9_channel_recv_async, error);
}

/**
 * task9_channel_send_value_async:
 * @channel: a typed channel
 * @value: a value of the channel's element type; it is copied before this call returns
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called on the caller's thread-default main context when done
 * @user_data: (closure): data for @callback
 *
 * Sends a copy of @value without blocking the caller; finish with
 * [method@Task9.Channel.send_value_finish]. This is the send of Python, JavaScript and
 * Vala code.
 *
 * Since: 0.1
 */
void
task9_channel_send_value_async (Task9Channel        *channel,
                                const GValue        *value,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_return_if_fail (TASK9_IS_CHANNEL (channel));
  g_return_if_fail (channel->elem_type != G_TYPE_INVALID);
  g_return_if_fail (G_IS_VALUE (value));
  g_return_if_fail (g_type_is_a (G_VALUE_TYPE (value), channel->elem_type));

  channel_op_async (channel, channel, settle_op, TRUE, TRUE, NULL, value, cancellable, callback, user_data,
                    task9_channel_send_value_async);
}

/**
 * task9_channel_send_value_finish:
 * @channel: a typed channel
 * @result: the result given to the callback
 * @error: return location for a #GError
 *
 * Finishes [method@Task9.Channel.send_value_async].
 *
 * Returns: %TRUE once sent; %FALSE with %TASK9_ERROR_CLOSED or %G_IO_ERROR_CANCELLED,
 *   and then nothing was sent
 *
 * Since: 0.1
 */
gboolean
task9_channel_send_value_finish (Task9Channel  *channel,
                                 GAsyncResult  *result,
                                 GError       **error)
{
  return channel_op_finish (channel, result, task9_channel_send_value_async, error);
}

/**
 * task9_channel_recv_value_async:
 * @channel: a typed channel
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called on the caller's thread-default main context when done
 * @user_data: (closure): data for @callback
 *
 * Receives an element of a typed channel without blocking the caller; finish with
 * [method@Task9.Channel.recv_value_finish].
 *
 * Since: 0.1
 */
void
task9_channel_recv_value_async (Task9Channel        *channel,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_return_if_fail (TASK9_IS_CHANNEL (channel));
  g_return_if_fail (channel->elem_type != G_TYPE_INVALID);

  channel_op_async (channel, channel, settle_op, FALSE, TRUE, NULL, NULL, cancellable, callback, user_data,
                    task9_channel_recv_value_async);
}

/**
 * task9_channel_recv_value_finish:
 * @channel: a typed channel
 * @result: the result given to the callback
 * @value: (out caller-allocates): where the element goes; an initialized value is unset
 *   first
 * @error: return location for a #GError
 *
 * Finishes [method@Task9.Channel.recv_value_async].
 *
 * Returns: %TRUE with the element in @value; %FALSE with %TASK9_ERROR_CLOSED or
 *   %G_IO_ERROR_CANCELLED, and @value holding the element type's default (which owns
 *   nothing)
 *
 * Since: 0.1
 */
gboolean
task9_channel_recv_value_finish (Task9Channel  *channel,
                                 GAsyncResult  *result,
                                 GValue        *value,
                                 GError       **error)
{
  Task9AsyncOp *op;

  g_return_val_if_fail (TASK9_CHANNEL_CHECK (channel), FALSE);
  g_return_val_if_fail (channel->elem_type != G_TYPE_INVALID, FALSE);
  g_return_val_if_fail (value != NULL, FALSE);

  if (!channel_op_finish (channel, result, task9_channel_recv_value_async, error))
    {
      task9_value_reset (value, channel->elem_type);
      return FALSE;
    }

  op = TASK9_ASYNC_OP (result);
  task9_channel_take_value (channel, op, value);
  return TRUE;
}
