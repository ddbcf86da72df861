/* task9-sleep.c: suspending a task for a while
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A sleep is a park with a deadline and no other waker: the proc's timer heap wakes it
 * (one heap entry embedded in the task, no GSource per sleeper), so 100k sleepers cost
 * O(log n) each. Equal deadlines wake in the order they were set.
 */

#include "task9-config.h"

#include "task9-error.h"
#include "task9-scheduler-private.h"
#include "task9-sleep.h"

/**
 * task9_sleep_until: (skip)
 * @deadline: a time on the monotonic clock (g_get_monotonic_time()), in microseconds
 * @error: return location for a #GError
 *
 * Suspends the calling task until @deadline. A deadline in the past returns at once.
 *
 * Returns: %TRUE once the deadline has passed; %FALSE with %G_IO_ERROR_CANCELLED when
 *   the task was cancelled, or %TASK9_ERROR_NOT_IN_TASK outside a task
 *
 * Since: 0.1
 */
gboolean
task9_sleep_until (gint64   deadline,
                   GError **error)
{
  Task9Task *self = task9_scheduler_current_task ();
  Task9WakeReason reason;

  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (self == NULL)
    {
      g_set_error_literal (error, TASK9_ERROR, TASK9_ERROR_NOT_IN_TASK,
                           "task9_sleep() can only be called from a task");
      return FALSE;
    }

  reason = task9_wait_park (self, task9_wait_begin (self), MAX (deadline, 0), NULL, "sleep");
  if (reason == TASK9_WAKE_TIMED_OUT)
    return TRUE;
  return task9_wait_check_reason (reason, error);
}

/**
 * task9_sleep: (skip)
 * @span: how long to sleep, in microseconds; 0 or less returns at once
 * @error: return location for a #GError
 *
 * Suspends the calling task for @span. Other tasks of the proc, and the main loop, run
 * meanwhile. A span too long to represent sleeps until the task is cancelled.
 *
 * Returns: %TRUE after @span; %FALSE with %G_IO_ERROR_CANCELLED when the task was
 *   cancelled, or %TASK9_ERROR_NOT_IN_TASK outside a task
 *
 * Since: 0.1
 */
gboolean
task9_sleep (GTimeSpan   span,
             GError    **error)
{
  gint64 deadline;

  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  deadline = task9_deadline_from_timeout (MAX (span, 0));
  if (deadline < 0)
    {
      Task9Task *self = task9_scheduler_current_task ();

      if (self == NULL)
        return task9_sleep_until (0, error);
      return task9_wait_check_reason (task9_wait_park (self, task9_wait_begin (self), -1, NULL, "sleep"),
                                      error);
    }
  return task9_sleep_until (deadline, error);
}

static gboolean
deadline_dispatch (GSource     *source,
                   GSourceFunc  callback,
                   gpointer     user_data)
{
  return callback (user_data);
}

/* A source that is ready at its ready time (microseconds), nothing else. */
static GSourceFuncs deadline_source_funcs = { NULL, NULL, deadline_dispatch, NULL, NULL, NULL };

typedef struct
{
  GSource *deadline;
  GSource *cancel;
} SleepSources;

static void
sleep_sources_free (gpointer data)
{
  SleepSources *sources = data;

  if (sources->deadline != NULL)
    {
      g_source_destroy (sources->deadline);
      g_source_unref (sources->deadline);
    }
  if (sources->cancel != NULL)
    {
      g_source_destroy (sources->cancel);
      g_source_unref (sources->cancel);
    }
  g_free (sources);
}

/* Both sources live on the caller's context, so only one of them can complete. */
static gboolean
sleep_done (gpointer data)
{
  GTask *task = data;

  if (!g_task_return_error_if_cancelled (task))
    g_task_return_boolean (task, TRUE);
  g_task_set_task_data (task, NULL, NULL);   /* destroys the other source */
  return G_SOURCE_REMOVE;
}

static gboolean
sleep_cancelled (GCancellable *cancellable,
                 gpointer      data)
{
  return sleep_done (data);
}

/**
 * task9_sleep_async:
 * @span: how long to wait, in microseconds
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called on the caller's thread-default main context after
 *   @span
 * @user_data: (closure): data for @callback
 *
 * Waits for @span without blocking the caller: the async form of [func@Task9.sleep],
 * for code running on a main loop. Finish with [func@Task9.sleep_finish].
 *
 * Since: 0.1
 */
void
task9_sleep_async (GTimeSpan            span,
                   GCancellable        *cancellable,
                   GAsyncReadyCallback  callback,
                   gpointer             user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  SleepSources *sources = g_new0 (SleepSources, 1);
  gint64 deadline = task9_deadline_from_timeout (MAX (span, 0));

  g_task_set_source_tag (task, task9_sleep_async);
  g_task_set_task_data (task, sources, sleep_sources_free);

  sources->deadline = g_source_new (&deadline_source_funcs, sizeof (GSource));
  g_source_set_static_name (sources->deadline, "Task9 sleep");
  g_source_set_ready_time (sources->deadline, deadline);
  g_task_attach_source (task, sources->deadline, sleep_done);

  if (cancellable != NULL)
    {
      sources->cancel = g_cancellable_source_new (cancellable);
      g_task_attach_source (task, sources->cancel, (GSourceFunc) (void (*) (void)) sleep_cancelled);
    }
  g_object_unref (task);
}

/**
 * task9_sleep_finish:
 * @result: the result given to the callback
 * @error: return location for a #GError
 *
 * Finishes [func@Task9.sleep_async].
 *
 * Returns: %TRUE after the span; %FALSE with %G_IO_ERROR_CANCELLED
 *
 * Since: 0.1
 */
gboolean
task9_sleep_finish (GAsyncResult  *result,
                    GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == task9_sleep_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
