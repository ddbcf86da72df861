/* task9-channel-value.c: channels of GValues, the form bindings use
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A typed channel (task9_channel_new_typed()) carries GValues of one type and owns
 * them. The sender copies its value before the channel's lock is taken (a boxed copy is
 * user code), then the copy moves through the channel like any raw element; whoever
 * gets it owns it. A failed operation moved nothing and leaves the caller's value as
 * task9_value_reset() says.
 */

#include "task9-config.h"

#include <string.h>

#include "task9-channel-private.h"

/* ---- typed channels -------------------------------------------------------------- */

/* ---- scalars kept raw -------------------------------------------------------------- */

/* The size of the C type a GValue of @type stores a scalar in, or 0 if @type is no
 * scalar (its elements are then GValues the channel owns). */
gsize
task9_scalar_size (GType type)
{
  switch (G_TYPE_FUNDAMENTAL (type))
    {
    case G_TYPE_BOOLEAN:
    case G_TYPE_INT:
    case G_TYPE_ENUM:
      return sizeof (gint);
    case G_TYPE_UINT:
    case G_TYPE_FLAGS:
      return sizeof (guint);
    case G_TYPE_LONG:
    case G_TYPE_ULONG:
      return sizeof (glong);
    case G_TYPE_INT64:
    case G_TYPE_UINT64:
      return sizeof (gint64);
    case G_TYPE_FLOAT:
      return sizeof (gfloat);
    case G_TYPE_DOUBLE:
      return sizeof (gdouble);
    case G_TYPE_POINTER:
      return type == G_TYPE_POINTER ? sizeof (gpointer) : 0;
    default:
      return 0;
    }
}

/* @value is unset or holds @type; it then holds the scalar at @raw. */
void
task9_scalar_to_value (GType          type,
                       gconstpointer  raw,
                       GValue        *value)
{
  if (G_IS_VALUE (value))
    g_value_unset (value);
  g_value_init (value, type);
  switch (G_TYPE_FUNDAMENTAL (type))
    {
    case G_TYPE_BOOLEAN: g_value_set_boolean (value, *(const gboolean *) raw); break;
    case G_TYPE_INT:     g_value_set_int (value, *(const gint *) raw); break;
    case G_TYPE_ENUM:    g_value_set_enum (value, *(const gint *) raw); break;
    case G_TYPE_UINT:    g_value_set_uint (value, *(const guint *) raw); break;
    case G_TYPE_FLAGS:   g_value_set_flags (value, *(const guint *) raw); break;
    case G_TYPE_LONG:    g_value_set_long (value, *(const glong *) raw); break;
    case G_TYPE_ULONG:   g_value_set_ulong (value, *(const gulong *) raw); break;
    case G_TYPE_INT64:   g_value_set_int64 (value, *(const gint64 *) raw); break;
    case G_TYPE_UINT64:  g_value_set_uint64 (value, *(const guint64 *) raw); break;
    case G_TYPE_FLOAT:   g_value_set_float (value, *(const gfloat *) raw); break;
    case G_TYPE_DOUBLE:  g_value_set_double (value, *(const gdouble *) raw); break;
    case G_TYPE_POINTER: g_value_set_pointer (value, *(gpointer const *) raw); break;
    default:             g_assert_not_reached ();
    }
}

void
task9_scalar_from_value (const GValue *value,
                         gpointer      raw)
{
  switch (G_TYPE_FUNDAMENTAL (G_VALUE_TYPE (value)))
    {
    case G_TYPE_BOOLEAN: *(gboolean *) raw = g_value_get_boolean (value); break;
    case G_TYPE_INT:     *(gint *) raw = g_value_get_int (value); break;
    case G_TYPE_ENUM:    *(gint *) raw = g_value_get_enum (value); break;
    case G_TYPE_UINT:    *(guint *) raw = g_value_get_uint (value); break;
    case G_TYPE_FLAGS:   *(guint *) raw = g_value_get_flags (value); break;
    case G_TYPE_LONG:    *(glong *) raw = g_value_get_long (value); break;
    case G_TYPE_ULONG:   *(gulong *) raw = g_value_get_ulong (value); break;
    case G_TYPE_INT64:   *(gint64 *) raw = g_value_get_int64 (value); break;
    case G_TYPE_UINT64:  *(guint64 *) raw = g_value_get_uint64 (value); break;
    case G_TYPE_FLOAT:   *(gfloat *) raw = g_value_get_float (value); break;
    case G_TYPE_DOUBLE:  *(gdouble *) raw = g_value_get_double (value); break;
    case G_TYPE_POINTER: *(gpointer *) raw = g_value_get_pointer (value); break;
    default:             g_assert_not_reached ();
    }
}

/* ---- typed channels -------------------------------------------------------------- */

#define CHECK_RECV_TYPED(channel, value, error, val) \
  G_STMT_START { \
    g_return_val_if_fail (TASK9_IS_CHANNEL (channel), val); \
    g_return_val_if_fail ((channel)->elem_type != G_TYPE_INVALID, val); \
    g_return_val_if_fail ((value) != NULL, val); \
    g_return_val_if_fail ((error) == NULL || *(error) == NULL, val); \
  } G_STMT_END

#define CHECK_TYPED(channel, value, val) \
  G_STMT_START { \
    g_return_val_if_fail (TASK9_CHANNEL_CHECK (channel), val); \
    g_return_val_if_fail ((channel)->elem_type != G_TYPE_INVALID, val); \
    g_return_val_if_fail (G_IS_VALUE (value), val); \
    g_return_val_if_fail (g_type_is_a (G_VALUE_TYPE (value), (channel)->elem_type), val); \
  } G_STMT_END

static gboolean
send_value (Task9Channel  *channel,
            const GValue  *value,
            GTimeSpan      timeout,
            GCancellable  *cancellable,
            GError       **error)
{
  GValue copy = G_VALUE_INIT;

  if (!channel->holds_values)
    {
      guint64 raw[2] = { 0, };

      task9_scalar_from_value (value, raw);
      return task9_channel_op (channel, TRUE, raw, timeout, cancellable, error);
    }

  /* Copied outside the lock (a boxed copy is user code), then moved in. */
  g_value_init (&copy, channel->elem_type);
  g_value_copy (value, &copy);
  if (task9_channel_op (channel, TRUE, &copy, timeout, cancellable, error))
    return TRUE;   /* the receiver (or the buffer) owns the copy now */
  g_value_unset (&copy);
  return FALSE;
}

static gboolean
recv_value (Task9Channel  *channel,
            GValue        *value,
            GTimeSpan      timeout,
            GCancellable  *cancellable,
            GError       **error)
{
  GValue received = G_VALUE_INIT;

  if (!channel->holds_values)
    {
      guint64 raw[2] = { 0, };

      if (!task9_channel_op (channel, FALSE, raw, timeout, cancellable, error))
        {
          task9_value_reset (value, channel->elem_type);
          return FALSE;
        }
      task9_scalar_to_value (channel->elem_type, raw, value);
      return TRUE;
    }

  if (!task9_channel_op (channel, FALSE, &received, timeout, cancellable, error))
    {
      task9_value_reset (value, channel->elem_type);
      return FALSE;
    }
  if (G_IS_VALUE (value))
    g_value_unset (value);
  *value = received;
  return TRUE;
}

/* A typed send (of a copy of @value) or receive (into @value, as recv_value() leaves
 * it) with a timeout and a cancellable, for objects built on typed channels (a queue).
 * The caller checked its arguments. */
gboolean
task9_channel_value_op (Task9Channel  *channel,
                        gboolean       is_send,
                        GValue        *value,
                        GTimeSpan      timeout,
                        GCancellable  *cancellable,
                        GError       **error)
{
  return is_send ? send_value (channel, value, timeout, cancellable, error)
                 : recv_value (channel, value, timeout, cancellable, error);
}

/**
 * task9_channel_send_value: (skip)
 * @channel: a typed channel
 * @value: a value of the channel's element type
 * @error: return location for a #GError
 *
 * Sends a copy of @value on a typed channel, blocking the calling task as
 * [method@Task9.Channel.send] does.
 *
 * Returns: %TRUE once sent; %FALSE with @error set, and then nothing was sent
 *
 * Since: 0.1
 */
gboolean
task9_channel_send_value (Task9Channel  *channel,
                          const GValue  *value,
                          GError       **error)
{
  CHECK_TYPED (channel, value, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return send_value (channel, value, -1, NULL, error);
}

/**
 * task9_channel_recv_value: (skip)
 * @channel: a typed channel
 * @value: (out caller-allocates): where the element goes; an initialized value is unset
 *   first
 * @error: return location for a #GError
 *
 * Receives an element of a typed channel, blocking the calling task as
 * [method@Task9.Channel.recv] does. The caller owns the value and unsets it.
 *
 * Returns: %TRUE with the element in @value; %FALSE with @error set, and @value holding
 *   the element type's default (which owns nothing)
 *
 * Since: 0.1
 */
gboolean
task9_channel_recv_value (Task9Channel  *channel,
                          GValue        *value,
                          GError       **error)
{
  CHECK_RECV_TYPED (channel, value, error, FALSE);

  return recv_value (channel, value, -1, NULL, error);
}

/**
 * task9_channel_try_send_value:
 * @channel: a typed channel
 * @value: a value of the channel's element type
 * @error: return location for a #GError
 *
 * Sends a copy of @value only if that can be done at once. Works anywhere, tasks or
 * not; this is how a main-loop callback feeds a channel without waiting.
 *
 * Returns: %TRUE if sent; %FALSE with %TASK9_ERROR_WOULD_BLOCK or %TASK9_ERROR_CLOSED
 *
 * Since: 0.1
 */
gboolean
task9_channel_try_send_value (Task9Channel  *channel,
                              const GValue  *value,
                              GError       **error)
{
  CHECK_TYPED (channel, value, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return send_value (channel, value, 0, NULL, error);
}

/**
 * task9_channel_try_recv_value:
 * @channel: a typed channel
 * @value: (out caller-allocates): where the element goes
 * @error: return location for a #GError
 *
 * Receives an element of a typed channel only if one is there at once.
 *
 * Returns: %TRUE with the element in @value; %FALSE with %TASK9_ERROR_WOULD_BLOCK, or
 *   %TASK9_ERROR_CLOSED once the channel is closed and drained, and @value holding the
 *   element type's default (which owns nothing)
 *
 * Since: 0.1
 */
gboolean
task9_channel_try_recv_value (Task9Channel  *channel,
                              GValue        *value,
                              GError       **error)
{
  CHECK_RECV_TYPED (channel, value, error, FALSE);

  return recv_value (channel, value, 0, NULL, error);
}
