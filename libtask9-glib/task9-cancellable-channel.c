/* task9-cancellable-channel.c: a GCancellable's cancellation as a channel
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A "cancelled" handler connected with g_cancellable_connect() (which also calls it at
 * once if the cancellable is already cancelled) offers TRUE to a one-slot typed
 * channel. The handler holds only a GWeakRef on the channel; the channel's on_done hook
 * holds the cancellable and disconnects the handler when the channel is closed or
 * dropped.
 *
 * Invariants:
 * - The handler is disconnected with g_signal_handler_disconnect(), not
 *   g_cancellable_disconnect(): the hook may run inside the handler itself (when the
 *   handler drops the channel's last reference), where g_cancellable_disconnect() would
 *   wait for ever. The handler's data is freed by the closure's destroy notify, which
 *   GObject runs only once no emission holds the handler any more.
 * - A cancellable that is reset and cancelled again offers again; with the slot still
 *   full that is a counted drop.
 */

#include "task9-config.h"

#include "task9-cancellable-channel.h"
#include "task9-condition-private.h"

typedef struct
{
  GCancellable *cancellable;
  gulong        handler_id;
} Watch;

static void
watch_cancelled (GCancellable *cancellable,
                 gpointer      data)
{
  Task9Channel *channel = g_weak_ref_get (data);
  gboolean yes = TRUE;

  if (channel != NULL)
    {
      task9_channel_offer (channel, &yes);
      g_object_unref (channel);
    }
}

static void
weak_ref_free (gpointer data)
{
  g_weak_ref_clear (data);
  g_free (data);
}

/* The channel's on_done hook. */
static void
watch_done (gpointer data)
{
  Watch *watch = data;

  if (watch->handler_id != 0)
    g_signal_handler_disconnect (watch->cancellable, watch->handler_id);
  g_object_unref (watch->cancellable);
  g_free (watch);
}

/**
 * task9_cancellable_channel_new:
 * @cancellable: a #GCancellable
 *
 * Returns a channel on which %TRUE is sent when @cancellable is cancelled (a
 * #G_TYPE_BOOLEAN channel: a #gboolean in C), at once if it already is. It has one
 * buffer slot, so the cancellation waits for a receiver that comes late; put it in an
 * alt next to the channels a task works on to stop when some other code cancels.
 * Closing the channel or dropping its last reference disconnects it from @cancellable.
 * If @cancellable is reset and cancelled again, %TRUE is sent again (or, if the first
 * one was not received yet, counted by [method@Task9.Channel.get_dropped]).
 *
 * Returns: (transfer full): the channel
 *
 * Since: 0.1
 */
Task9Channel *
task9_cancellable_channel_new (GCancellable *cancellable)
{
  Task9Channel *channel;
  GWeakRef *ref;
  Watch *watch;

  g_return_val_if_fail (G_IS_CANCELLABLE (cancellable), NULL);

  channel = task9_channel_new_typed (G_TYPE_BOOLEAN, 1);
  task9_channel_set_external (channel);

  ref = g_new0 (GWeakRef, 1);
  g_weak_ref_init (ref, channel);
  watch = g_new0 (Watch, 1);
  watch->cancellable = g_object_ref (cancellable);
  watch->handler_id = g_cancellable_connect (cancellable, G_CALLBACK (watch_cancelled), ref,
                                             weak_ref_free);
  task9_channel_set_on_done (channel, watch_done, watch);
  return channel;
}

/**
 * task9_cancellable_wait: (skip)
 * @cancellable: the #GCancellable to wait for
 * @timeout: the longest wait in microseconds, -1 for no limit
 * @error: return location for a #GError
 *
 * Blocks the calling task until @cancellable is cancelled; returns at once if it
 * already is. The calling task's own cancellation ends the wait with
 * %G_IO_ERROR_CANCELLED.
 *
 * Returns: %TRUE once @cancellable is cancelled; %FALSE with %G_IO_ERROR_TIMED_OUT,
 *   %G_IO_ERROR_CANCELLED when the calling task was cancelled, or
 *   %TASK9_ERROR_NOT_IN_TASK outside a task
 *
 * Since: 0.1
 */
gboolean
task9_cancellable_wait (GCancellable  *cancellable,
                        GTimeSpan      timeout,
                        GError       **error)
{
  g_return_val_if_fail (G_IS_CANCELLABLE (cancellable), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return task9_condition_wait (task9_cancellable_channel_new (cancellable), NULL, timeout,
                               NULL, error);
}

/**
 * task9_cancellable_wait_async:
 * @cancellable: the #GCancellable to wait for
 * @wait_cancellable: (nullable): a #GCancellable that ends the wait itself
 * @callback: (scope async): called on the caller's thread-default main context once
 *   @cancellable is cancelled
 * @user_data: (closure): data for @callback
 *
 * The async form of [func@Task9.cancellable_wait]. Finish with
 * [func@Task9.cancellable_wait_finish].
 *
 * Since: 0.1
 */
void
task9_cancellable_wait_async (GCancellable        *cancellable,
                              GCancellable        *wait_cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_return_if_fail (G_IS_CANCELLABLE (cancellable));
  g_return_if_fail (wait_cancellable == NULL || G_IS_CANCELLABLE (wait_cancellable));

  task9_condition_wait_async (task9_cancellable_channel_new (cancellable),
                              task9_cancellable_wait_async, wait_cancellable,
                              callback, user_data);
}

/**
 * task9_cancellable_wait_finish:
 * @result: the result given to the callback
 * @error: return location for a #GError
 *
 * Finishes [func@Task9.cancellable_wait_async].
 *
 * Returns: %TRUE once the cancellable was cancelled; %FALSE with %G_IO_ERROR_CANCELLED
 *   when the wait's own cancellable was cancelled first
 *
 * Since: 0.1
 */
gboolean
task9_cancellable_wait_finish (GAsyncResult  *result,
                               GError       **error)
{
  return task9_condition_wait_finish (result, task9_cancellable_wait_async, NULL, error);
}
