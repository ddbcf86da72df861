/* task9-condition.c: one wait on a wait condition's fresh channel
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The direct blocking call and the _async/_finish pair of a wait condition (a GObject
 * signal, idle, a GCancellable) are one receive on a channel of that condition made for
 * this one wait: task9_condition_wait() blocks the calling task on it with a timeout
 * and a GCancellable, task9_condition_wait_async() is the channel's own
 * recv_value_async. So the wait is a channel wait, with a channel wait's semantics
 * (nothing consumed when it times out or is cancelled), on the one waiter mechanism.
 *
 * Invariants:
 * - Both take the caller's reference on the channel, and close the channel once the
 *   wait is over (which unsubscribes the condition, task9_channel_set_on_done()), then
 *   release it. The async form closes it before the caller's callback runs, so the
 *   condition is unsubscribed by the time the caller learns the result.
 * - A condition whose subscription has effects beyond the channel (a child watch) calls
 *   task9_condition_check_in_task() before it subscribes, so that a blocking call made
 *   outside a task fails with nothing done.
 */

#include "task9-config.h"

#include "task9-condition-private.h"
#include "task9-error.h"
#include "task9-scheduler-private.h"

static void
condition_done (Task9Channel *channel)
{
  task9_channel_close (channel);
  g_object_unref (channel);
}

/* FALSE with TASK9_ERROR_NOT_IN_TASK outside a task. */
gboolean
task9_condition_check_in_task (GError **error)
{
  if (task9_in_task ())
    return TRUE;
  g_set_error_literal (error, TASK9_ERROR, TASK9_ERROR_NOT_IN_TASK,
                       "A blocking wait can only be made from a task; use the _async variant");
  return FALSE;
}

/* In a task: receives one element of @channel (consumed) into @value (nullable; unset
 * or holding the channel's type). A timeout of 0 reports G_IO_ERROR_TIMED_OUT at once
 * when nothing is there. */
gboolean
task9_condition_wait (Task9Channel  *channel,
                      GValue        *value,
                      GTimeSpan      timeout,
                      GCancellable  *cancellable,
                      GError       **error)
{
  GError *local = NULL;
  gboolean ok;

  if (!task9_condition_check_in_task (error))
    {
      condition_done (channel);
      return FALSE;
    }

  if (channel->holds_values)
    {
      GValue received = G_VALUE_INIT;

      ok = task9_channel_op (channel, FALSE, &received, timeout, cancellable, &local);
      if (ok && value != NULL)
        {
          if (G_IS_VALUE (value))
            g_value_unset (value);
          *value = received;
        }
      else if (ok)
        g_value_unset (&received);
    }
  else
    {
      guint64 raw[2] = { 0, };

      ok = task9_channel_op (channel, FALSE, raw, timeout, cancellable, &local);
      if (ok && value != NULL)
        task9_scalar_to_value (channel->elem_type, raw, value);
    }
  condition_done (channel);

  if (g_error_matches (local, TASK9_ERROR, TASK9_ERROR_WOULD_BLOCK))
    {
      g_clear_error (&local);
      g_set_error_literal (&local, G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "Operation timed out");
    }
  if (local != NULL)
    g_propagate_error (error, local);
  return ok;
}

static void
free_value (gpointer data)
{
  GValue *value = data;

  g_value_unset (value);
  g_free (value);
}

static void
condition_received (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  GTask *task = user_data;
  Task9Channel *channel = TASK9_CHANNEL (source);
  GValue *value = g_new0 (GValue, 1);
  GError *error = NULL;
  gboolean ok = task9_channel_recv_value_finish (channel, result, value, &error);

  task9_channel_close (channel);   /* unsubscribed before the caller's callback */
  if (ok)
    g_task_return_pointer (task, value, free_value);
  else
    {
      free_value (value);
      g_task_return_error (task, error);
    }
  g_object_unref (task);   /* holds the channel until the callback has run */
}

/* Receives one element of @channel (consumed) for a main-loop caller; the callback
 * runs on the caller's thread-default context. */
void
task9_condition_wait_async (Task9Channel        *channel,
                            gpointer             source_tag,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);

  g_task_set_source_tag (task, source_tag);
  g_task_set_task_data (task, channel, (GDestroyNotify) condition_done);
  task9_channel_recv_value_async (channel, cancellable, condition_received, task);
}

gboolean
task9_condition_wait_finish (GAsyncResult  *result,
                             gpointer       source_tag,
                             GValue        *value,
                             GError       **error)
{
  GValue *received;

  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == source_tag, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  received = g_task_propagate_pointer (G_TASK (result), error);
  if (received == NULL)
    return FALSE;
  if (value != NULL)
    {
      if (G_IS_VALUE (value))
        g_value_unset (value);
      *value = *received;
      g_free (received);
    }
  else
    free_value (received);
  return TRUE;
}
