/* task9-callback.c: calls of a callback as a channel (kiwi's WaitForCall)
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A callback channel comes with a GClosure to hand to other code (a signal, a binding,
 * any API that takes a closure). Each invocation of the closure, from any thread,
 * offers its arguments as one Task9Emission to the channel. For C APIs that take a
 * function pointer and user data, task9_callback_async_ready() is a ready-made
 * GAsyncReadyCallback whose user data is the channel.
 *
 * Invariants:
 * - The closure holds only a GWeakRef on the channel: once the channel is gone or
 *   closed, invocations do nothing.
 * - When the closure is invalidated or finalized (nobody can call it any more), the
 *   channel is closed, so a receiver drains what was delivered and then learns that
 *   nothing more will come.
 * - The closure returns the default of its return type, if it has one.
 */

#include "task9-config.h"

#include "task9-callback.h"
#include "task9-emission-private.h"

typedef struct
{
  GClosure closure;
  GWeakRef channel;
} CallbackClosure;

static void
callback_marshal (GClosure     *closure,
                  GValue       *return_value,
                  guint         n_param_values,
                  const GValue *param_values,
                  gpointer      invocation_hint,
                  gpointer      marshal_data)
{
  CallbackClosure *cc = (CallbackClosure *) closure;
  Task9Channel *channel;

  if (return_value != NULL && G_IS_VALUE (return_value))
    g_value_reset (return_value);

  channel = g_weak_ref_get (&cc->channel);
  if (channel == NULL)
    return;
  task9_emission_offer (channel, task9_emission_new (NULL, 0, 0, n_param_values, param_values));
  g_object_unref (channel);
}

static void
callback_close_channel (gpointer  data,
                        GClosure *closure)
{
  CallbackClosure *cc = (CallbackClosure *) closure;
  Task9Channel *channel = g_weak_ref_get (&cc->channel);

  if (channel != NULL)
    {
      task9_channel_close (channel);
      g_object_unref (channel);
    }
}

static void
callback_finalize (gpointer  data,
                   GClosure *closure)
{
  callback_close_channel (data, closure);
  g_weak_ref_clear (&((CallbackClosure *) closure)->channel);
}

/**
 * task9_callback_channel_new:
 * @capacity: how many calls the channel buffers, at least 1
 * @closure_out: (out) (transfer full): where the closure to hand out goes
 *
 * Makes a callback out of a channel, like kiwi's `WaitForCall`: each invocation of
 * the closure stored in @closure_out, from any thread, sends one
 * [class@Task9.Emission] holding copies of its arguments (all of them: there is no
 * instance) on the returned channel, whose element type is %TASK9_TYPE_EMISSION. The
 * caller never waits: a call that finds the @capacity buffer full and no receiver
 * waiting is dropped and counted by [method@Task9.Channel.get_dropped]. If the closure
 * has a return type, it returns that type's default (%FALSE, 0, %NULL).
 *
 * Once the closure is invalidated (g_closure_invalidate(), or the signal it was
 * connected to is disconnected) or finalized, the channel is closed: the receiver gets
 * what was delivered, then %TASK9_ERROR_CLOSED. Once the channel is closed or dropped,
 * calls do nothing.
 *
 * For a C function that takes a #GAsyncReadyCallback, use
 * [func@Task9.callback_async_ready] instead.
 *
 * Returns: (transfer full): the channel
 *
 * Since: 0.1
 */
Task9Channel *
task9_callback_channel_new (guint      capacity,
                            GClosure **closure_out)
{
  Task9Channel *channel;
  CallbackClosure *cc;

  g_return_val_if_fail (capacity >= 1 && capacity <= G_MAXINT / 2, NULL);
  g_return_val_if_fail (closure_out != NULL, NULL);

  channel = task9_channel_new_typed (TASK9_TYPE_EMISSION, capacity);
  task9_channel_set_external (channel);

  cc = (CallbackClosure *) g_closure_new_simple (sizeof (CallbackClosure), NULL);
  g_weak_ref_init (&cc->channel, channel);
  g_closure_set_marshal (&cc->closure, callback_marshal);
  g_closure_add_invalidate_notifier (&cc->closure, NULL, callback_close_channel);
  g_closure_add_finalize_notifier (&cc->closure, NULL, callback_finalize);
  g_closure_ref (&cc->closure);
  g_closure_sink (&cc->closure);
  *closure_out = &cc->closure;
  return channel;
}

/**
 * task9_callback_async_ready: (skip)
 * @source_object: (nullable): the source object of the async operation
 * @result: its result
 * @user_data: (transfer full): a reference on a channel of %TASK9_TYPE_EMISSION
 *   elements, which this consumes
 *
 * A #GAsyncReadyCallback that delivers its call on a channel: pass it as the callback
 * of any `_async` function, with `g_object_ref (channel)` as its user data. When the
 * operation completes, one [class@Task9.Emission] with two values (the source object,
 * a #GObject or %NULL, and the #GAsyncResult) is offered to the channel, and the
 * reference is released. The receiver then calls the operation's `_finish` function
 * with the result (from whatever thread it receives on, so only with a `_finish`
 * function that allows that; GIO's do when the operation was started on a main context
 * that is not iterated by another thread meanwhile).
 *
 * ```c
 * g_autoptr(Task9Channel) ready = task9_channel_new_typed (TASK9_TYPE_EMISSION, 1);
 * g_file_load_contents_async (file, NULL, task9_callback_async_ready, g_object_ref (ready));
 * // ... an alt on ready and other channels; then, with the emission received:
 * result = g_value_get_object (task9_emission_get_value (emission, 1));
 * ok = g_file_load_contents_finish (file, result, &contents, &length, NULL, &error);
 * ```
 *
 * Since: 0.1
 */
void
task9_callback_async_ready (GObject      *source_object,
                            GAsyncResult *result,
                            gpointer      user_data)
{
  Task9Channel *channel = user_data;
  GValue values[2] = { G_VALUE_INIT, G_VALUE_INIT };

  g_return_if_fail (TASK9_IS_CHANNEL (channel));
  g_return_if_fail (task9_channel_get_elem_type (channel) == TASK9_TYPE_EMISSION);

  g_value_init (&values[0], G_TYPE_OBJECT);
  g_value_set_object (&values[0], source_object);
  g_value_init (&values[1], G_TYPE_ASYNC_RESULT);
  g_value_set_object (&values[1], result);
  task9_emission_offer (channel, task9_emission_new (NULL, 0, 0, 2, values));
  g_value_unset (&values[0]);
  g_value_unset (&values[1]);
  g_object_unref (channel);
}
