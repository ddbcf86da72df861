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
 *
 * A channel of a scalar type keeps its elements raw, as C stores them. Where a GValue
 * of the element type holds the scalar as that same C type (channel->raw_in_value), a
 * send hands the channel the value's own bytes and a receive into a value already of
 * the element type lets the channel write straight into it: no conversion, no
 * intermediate copy. Other values go through task9_scalar_from_value() and
 * task9_scalar_to_value().
 */

#include "task9-config.h"

#include <string.h>

#include "task9-channel-private.h"

/* ---- typed channels -------------------------------------------------------------- */

/* ---- scalars kept raw -------------------------------------------------------------- */

/* G_TYPE_FUNDAMENTAL() without its call for the fundamental types themselves. */
static inline GType
fundamental (GType type)
{
  return type <= G_TYPE_FUNDAMENTAL_MAX ? type : g_type_fundamental (type);
}

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

/* @value is unset or holds @type; it then holds the scalar at @raw. A value that holds
 * @type already is only overwritten: scalars own nothing, and a receive loop then pays
 * no unset and init per element. */
void
task9_scalar_to_value (GType          type,
                       gconstpointer  raw,
                       GValue        *value)
{
  if (G_VALUE_TYPE (value) != type)
    {
      if (G_IS_VALUE (value))
        g_value_unset (value);
      g_value_init (value, type);
    }
  /* The fields GLib's own value tables use: the type was checked by the caller, and the
   * checked setters cost as much as the rest of a typed transfer. */
  switch (fundamental (type))
    {
    case G_TYPE_BOOLEAN: value->data[0].v_int = *(const gboolean *) raw; break;
    case G_TYPE_INT:     value->data[0].v_int = *(const gint *) raw; break;
    case G_TYPE_ENUM:    value->data[0].v_long = *(const gint *) raw; break;
    case G_TYPE_UINT:    value->data[0].v_uint = *(const guint *) raw; break;
    case G_TYPE_FLAGS:   value->data[0].v_ulong = *(const guint *) raw; break;
    case G_TYPE_LONG:    value->data[0].v_long = *(const glong *) raw; break;
    case G_TYPE_ULONG:   value->data[0].v_ulong = *(const gulong *) raw; break;
    case G_TYPE_INT64:   value->data[0].v_int64 = *(const gint64 *) raw; break;
    case G_TYPE_UINT64:  value->data[0].v_uint64 = *(const guint64 *) raw; break;
    case G_TYPE_FLOAT:   value->data[0].v_float = *(const gfloat *) raw; break;
    case G_TYPE_DOUBLE:  value->data[0].v_double = *(const gdouble *) raw; break;
    case G_TYPE_POINTER: value->data[0].v_pointer = *(gpointer const *) raw; break;
    default:             g_assert_not_reached ();
    }
}

void
task9_scalar_from_value (const GValue *value,
                         gpointer      raw)
{
  switch (fundamental (G_VALUE_TYPE (value)))
    {
    case G_TYPE_BOOLEAN: *(gboolean *) raw = value->data[0].v_int != FALSE; break;
    case G_TYPE_INT:     *(gint *) raw = value->data[0].v_int; break;
    case G_TYPE_ENUM:    *(gint *) raw = (gint) value->data[0].v_long; break;
    case G_TYPE_UINT:    *(guint *) raw = value->data[0].v_uint; break;
    case G_TYPE_FLAGS:   *(guint *) raw = (guint) value->data[0].v_ulong; break;
    case G_TYPE_LONG:    *(glong *) raw = value->data[0].v_long; break;
    case G_TYPE_ULONG:   *(gulong *) raw = value->data[0].v_ulong; break;
    case G_TYPE_INT64:   *(gint64 *) raw = value->data[0].v_int64; break;
    case G_TYPE_UINT64:  *(guint64 *) raw = value->data[0].v_uint64; break;
    case G_TYPE_FLOAT:   *(gfloat *) raw = value->data[0].v_float; break;
    case G_TYPE_DOUBLE:  *(gdouble *) raw = value->data[0].v_double; break;
    case G_TYPE_POINTER: *(gpointer *) raw = value->data[0].v_pointer; break;
    default:             g_assert_not_reached ();
    }
}

/* Whether a scalar element of @type is stored in a GValue of @type as the C type the
 * channel keeps it in (task9_scalar_size()), at the start of value->data[0]: then a
 * send can take the element straight from the value and a receive put it straight
 * there. Not for booleans (a send makes them 0 or 1), enums and flags (held as longs). */
gboolean
task9_scalar_is_value_data (GType type)
{
  switch (G_TYPE_FUNDAMENTAL (type))
    {
    case G_TYPE_INT:
    case G_TYPE_UINT:
    case G_TYPE_LONG:
    case G_TYPE_ULONG:
    case G_TYPE_INT64:
    case G_TYPE_UINT64:
    case G_TYPE_FLOAT:
    case G_TYPE_DOUBLE:
      return TRUE;
    case G_TYPE_POINTER:
      return type == G_TYPE_POINTER;
    default:
      return FALSE;
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

/* The channel operation of a typed send: counted if @count is not NULL. */
static inline gboolean
send_op (Task9Channel  *channel,
         gpointer       elem,
         GTimeSpan      timeout,
         GCancellable  *cancellable,
         guint64       *count,
         GError       **error)
{
  return count != NULL
    ? task9_channel_op_counted (channel, TRUE, elem, timeout, cancellable, count, error)
    : task9_channel_op (channel, TRUE, elem, timeout, cancellable, error);
}

/* The sends task9_channel_value_op() does not do inline. */
static inline gboolean
send_value (Task9Channel  *channel,
            const GValue  *value,
            GTimeSpan      timeout,
            GCancellable  *cancellable,
            guint64       *count,
            GError       **error)
{
  GValue copy = G_VALUE_INIT;

  if (!channel->holds_values)
    {
      guint64 raw[2] = { 0, };

      task9_scalar_from_value (value, raw);
      return send_op (channel, raw, timeout, cancellable, count, error);
    }

  /* Copied outside the lock (a boxed copy is user code), then moved in. */
  g_value_init (&copy, channel->elem_type);
  g_value_copy (value, &copy);
  if (send_op (channel, &copy, timeout, cancellable, count, error))
    return TRUE;   /* the receiver (or the buffer) owns the copy now */
  g_value_unset (&copy);
  return FALSE;
}

/* The receives task9_channel_value_op() does not do inline. */
static inline gboolean
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

/* task9_channel_value_op() but for its inline fast path (task9-channel-private.h). */
gboolean
task9_channel_value_op_slow (Task9Channel  *channel,
                             gboolean       is_send,
                             GValue        *value,
                             GTimeSpan      timeout,
                             GCancellable  *cancellable,
                             guint64       *count,
                             GError       **error)
{
  return is_send ? send_value (channel, value, timeout, cancellable, count, error)
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

  return task9_channel_value_op (channel, TRUE, (GValue *) value, -1, NULL, NULL, error);
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

  return task9_channel_value_op (channel, FALSE, value, -1, NULL, NULL, error);
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

  return task9_channel_value_op (channel, TRUE, (GValue *) value, 0, NULL, NULL, error);
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

  return task9_channel_value_op (channel, FALSE, value, 0, NULL, NULL, error);
}
