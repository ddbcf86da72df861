/* task9-object-signal.c: GObject signal emissions as channels
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A subscription is one GClosure connected to the signal, with a generic marshal that
 * copies the emission's arguments into a Task9Emission and offers it to a typed
 * channel (task9_channel_offer(): never blocks, counts a drop when the buffer is full
 * and no receiver waits). No per-signal C marshaller is involved: the closure sees the
 * GValues GObject already built for the emission, from whatever thread emits.
 *
 * Lifetimes, none of which keeps the other alive:
 *
 *   instance --(signal handler: the closure)--> subscription --(GWeakRef)--> channel
 *   channel  --(on_done hook, a closure ref)--> subscription --(GWeakRef)--> instance
 *
 * - The instance is disposed: the closure is watched (g_object_watch_closure(), as
 *   g_signal_connect_object() does), so GObject invalidates it then, and the invalidate
 *   notifier closes the channel (receivers drain what was delivered, then get
 *   TASK9_ERROR_CLOSED). Emissions still buffered hold a reference on the instance, so
 *   that happens only once they are drained or dropped.
 * - The channel is closed or loses its last reference: its on_done hook disconnects
 *   the handler if the instance is still alive (taking a strong reference through the
 *   GWeakRef first, so the instance cannot be disposed meanwhile on another thread).
 *
 * The return value: a receiver runs later and cannot answer the emitter, so the
 * subscription's handler leaves the return value alone. With an accumulator GObject
 * hands each handler a fresh value of the return type, so that counts as returning the
 * type's default (FALSE, 0, NULL): "not handled", and with
 * g_signal_accumulator_true_handled() the other handlers still run. Without one,
 * handlers write in turn to the emitter's value, which the subscription leaves as the
 * handlers before it left it: the emitter gets what it would without the subscription.
 *
 * Invariants:
 * - The marshal reaches the channel only through g_weak_ref_get(): a channel being
 *   finalized is never offered to.
 * - The channel's on_done hook runs once; a disconnect is made only with a strong
 *   reference on the instance and only while the handler is connected.
 * - Everything here is safe from any thread; GObject's signal lock orders the
 *   disconnect against emissions in flight (an emission that already holds the closure
 *   may still offer once, to a channel that is closed by then, which takes nothing).
 */

#include "task9-config.h"

#include "task9-condition-private.h"
#include "task9-emission-private.h"
#include "task9-error.h"
#include "task9-object-signal.h"

typedef struct
{
  GClosure  closure;
  GWeakRef  channel;
  GWeakRef  instance;
  gulong    handler_id;
  guint     signal_id;
} Subscription;

static void
subscription_marshal (GClosure     *closure,
                      GValue       *return_value,
                      guint         n_param_values,
                      const GValue *param_values,
                      gpointer      invocation_hint,
                      gpointer      marshal_data)
{
  Subscription *sub = (Subscription *) closure;
  GSignalInvocationHint *hint = invocation_hint;
  Task9Channel *channel;

  /* No answer to the emitter: return_value is left as it is (see above). */
  channel = g_weak_ref_get (&sub->channel);
  if (channel == NULL)
    return;
  task9_emission_offer (channel,
                        task9_emission_new (g_value_get_object (&param_values[0]),
                                            sub->signal_id, hint != NULL ? hint->detail : 0,
                                            n_param_values - 1, param_values + 1));
  g_object_unref (channel);
}

/* The handler is gone (disconnected, or the instance disposed): no more emissions. */
static void
subscription_invalidated (gpointer  data,
                          GClosure *closure)
{
  Subscription *sub = (Subscription *) closure;
  Task9Channel *channel = g_weak_ref_get (&sub->channel);

  if (channel != NULL)
    {
      task9_channel_close (channel);
      g_object_unref (channel);
    }
}

static void
subscription_finalize (gpointer  data,
                       GClosure *closure)
{
  Subscription *sub = (Subscription *) closure;

  g_weak_ref_clear (&sub->channel);
  g_weak_ref_clear (&sub->instance);
}

/* The channel's on_done hook: unsubscribe. */
static void
subscription_unsubscribe (gpointer data)
{
  Subscription *sub = data;
  GObject *instance = g_weak_ref_get (&sub->instance);

  if (instance != NULL)
    {
      if (g_signal_handler_is_connected (instance, sub->handler_id))
        g_signal_handler_disconnect (instance, sub->handler_id);
      g_object_unref (instance);
    }
  g_closure_unref (&sub->closure);
}

/**
 * task9_object_connect_channel:
 * @instance: (type GObject.Object): the object whose signal to subscribe to
 * @detailed_signal: a signal name, with a detail if the signal takes one, such as
 *   `"notify::label"`
 * @capacity: how many emissions the channel buffers, at least 1
 * @error: return location for a #GError
 *
 * Subscribes to a signal of @instance: each emission, from whatever thread emits it,
 * arrives on the returned channel as one [class@Task9.Emission] holding copies of the
 * signal's arguments, in the order of emission. The channel's element type is
 * %TASK9_TYPE_EMISSION: receive with [method@Task9.Channel.recv_value] (or its async
 * form), or put it in an alt.
 *
 * The subscription is bounded: an emission that finds the @capacity buffer full and no
 * receiver waiting is dropped and counted by [method@Task9.Channel.get_dropped]. The
 * emitter never waits for a receiver.
 *
 * The subscription holds only a weak reference on @instance. When @instance is
 * disposed the channel is closed: receivers get what was delivered, then
 * %TASK9_ERROR_CLOSED. Emissions still in the buffer hold a reference on @instance,
 * so that happens once they are received (or the channel is dropped). Closing the
 * channel ([method@Task9.Channel.close]) or dropping its last reference disconnects
 * the handler.
 *
 * A receiver cannot answer an emission, so the subscription does not change what the
 * emitter gets from a signal with a return value: with an accumulator its handler
 * counts as one that returned the type's default (%FALSE, 0, %NULL), so for a boolean
 * "handled" signal with g_signal_accumulator_true_handled() it means "not handled" and
 * the other handlers still run; without an accumulator the emitter gets the value of
 * the last other handler that ran, or the type's default if none did.
 *
 * Arguments are copied with g_value_copy(): objects are referenced and boxed values
 * copied, so they stay valid in the emission; a %G_TYPE_POINTER argument is copied as
 * a bare pointer and is only as valid as what it points to.
 *
 * The channel is fed from outside the tasks, so a task blocked on it is never taken
 * for deadlocked.
 *
 * ```c
 * g_autoptr(Task9Channel) clicks = task9_object_connect_channel (button, "clicked", 8, &error);
 * GValue value = G_VALUE_INIT;
 *
 * while (task9_channel_recv_value (clicks, &value, &error))
 *   {
 *     Task9Emission *emission = g_value_get_object (&value);
 *
 *     g_print ("%s was clicked\n", G_OBJECT_TYPE_NAME (task9_emission_get_instance (emission)));
 *     g_value_unset (&value);
 *   }
 * ```
 *
 * Returns: (transfer full) (nullable): the channel, or %NULL with
 *   %G_IO_ERROR_INVALID_ARGUMENT when @instance has no such signal (or it takes no
 *   detail and one was given)
 *
 * Since: 0.1
 */
Task9Channel *
task9_object_connect_channel (gpointer     instance,
                              const char  *detailed_signal,
                              guint        capacity,
                              GError     **error)
{
  Task9Channel *channel;
  Subscription *sub;
  guint signal_id;
  GQuark detail;

  g_return_val_if_fail (G_IS_OBJECT (instance), NULL);
  g_return_val_if_fail (detailed_signal != NULL, NULL);
  g_return_val_if_fail (capacity >= 1 && capacity <= G_MAXINT / 2, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!g_signal_parse_name (detailed_signal, G_OBJECT_TYPE (instance), &signal_id, &detail, TRUE))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "%s has no signal \"%s\"", G_OBJECT_TYPE_NAME (instance), detailed_signal);
      return NULL;
    }

  channel = task9_channel_new_typed (TASK9_TYPE_EMISSION, capacity);
  task9_channel_set_external (channel);

  sub = (Subscription *) g_closure_new_simple (sizeof (Subscription), NULL);
  g_weak_ref_init (&sub->channel, channel);
  g_weak_ref_init (&sub->instance, instance);
  sub->signal_id = signal_id;
  g_closure_set_marshal (&sub->closure, subscription_marshal);
  g_closure_add_invalidate_notifier (&sub->closure, NULL, subscription_invalidated);
  g_closure_add_finalize_notifier (&sub->closure, NULL, subscription_finalize);

  /* The hook's reference, then the signal system's (it sinks the floating one). */
  g_closure_ref (&sub->closure);
  g_object_watch_closure (instance, &sub->closure);
  sub->handler_id = g_signal_connect_closure_by_id (instance, signal_id, detail,
                                                    &sub->closure, FALSE);
  task9_channel_set_on_done (channel, subscription_unsubscribe, sub);
  return channel;
}

/**
 * task9_object_wait_signal: (skip)
 * @instance: (type GObject.Object): the object whose signal to wait for
 * @detailed_signal: a signal name, with a detail if the signal takes one
 * @timeout: the longest wait in microseconds, -1 for no limit
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Blocks the calling task until @instance emits the signal, and returns that emission:
 * the one-shot form of [func@Task9.object_connect_channel]. The subscription starts
 * with this call and ends with it; an emission before the call is not seen. The
 * handler returns the default value to the emitter, as described there.
 *
 * Returns: (transfer full) (nullable): the emission, or %NULL with @error set:
 *   %G_IO_ERROR_TIMED_OUT, %G_IO_ERROR_CANCELLED, %TASK9_ERROR_CLOSED when @instance
 *   was disposed meanwhile, %G_IO_ERROR_INVALID_ARGUMENT for an unknown signal,
 *   %TASK9_ERROR_NOT_IN_TASK outside a task
 *
 * Since: 0.1
 */
Task9Emission *
task9_object_wait_signal (gpointer       instance,
                          const char    *detailed_signal,
                          GTimeSpan      timeout,
                          GCancellable  *cancellable,
                          GError       **error)
{
  GValue value = G_VALUE_INIT;
  Task9Emission *emission;
  Task9Channel *channel;

  g_return_val_if_fail (G_IS_OBJECT (instance), NULL);
  g_return_val_if_fail (detailed_signal != NULL, NULL);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  channel = task9_object_connect_channel (instance, detailed_signal, 1, error);
  if (channel == NULL)
    return NULL;
  if (!task9_condition_wait (channel, &value, timeout, cancellable, error))
    return NULL;
  emission = g_value_dup_object (&value);
  g_value_unset (&value);
  return emission;
}

/**
 * task9_object_wait_signal_async:
 * @instance: (type GObject.Object): the object whose signal to wait for
 * @detailed_signal: a signal name, with a detail if the signal takes one
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called on the caller's thread-default main context with
 *   the next emission
 * @user_data: (closure): data for @callback
 *
 * Waits for the next emission of a signal of @instance without blocking: the async
 * form of [func@Task9.object_wait_signal], for code running on a main loop. Finish
 * with [func@Task9.object_wait_signal_finish]. An unknown signal is reported to the
 * callback as %G_IO_ERROR_INVALID_ARGUMENT.
 *
 * Since: 0.1
 */
void
task9_object_wait_signal_async (gpointer             instance,
                                const char          *detailed_signal,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  Task9Channel *channel;
  GError *error = NULL;

  g_return_if_fail (G_IS_OBJECT (instance));
  g_return_if_fail (detailed_signal != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  channel = task9_object_connect_channel (instance, detailed_signal, 1, &error);
  if (channel == NULL)
    {
      g_task_report_error (NULL, callback, user_data, task9_object_wait_signal_async, error);
      return;
    }
  task9_condition_wait_async (channel, task9_object_wait_signal_async, cancellable,
                              callback, user_data);
}

/**
 * task9_object_wait_signal_finish:
 * @result: the result given to the callback
 * @error: return location for a #GError
 *
 * Finishes [func@Task9.object_wait_signal_async].
 *
 * Returns: (transfer full) (nullable): the emission, or %NULL with @error set:
 *   %G_IO_ERROR_CANCELLED, %TASK9_ERROR_CLOSED when the instance was disposed
 *   meanwhile, %G_IO_ERROR_INVALID_ARGUMENT for an unknown signal
 *
 * Since: 0.1
 */
Task9Emission *
task9_object_wait_signal_finish (GAsyncResult  *result,
                                 GError       **error)
{
  GValue value = G_VALUE_INIT;
  Task9Emission *emission;

  g_return_val_if_fail (G_IS_TASK (result), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!task9_condition_wait_finish (result, task9_object_wait_signal_async, &value, error))
    return NULL;
  emission = g_value_dup_object (&value);
  g_value_unset (&value);
  return emission;
}
