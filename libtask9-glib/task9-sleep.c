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

  reason = task9_wait_park (self, task9_wait_begin (self), MAX (deadline, 0), "sleep");
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
      return task9_wait_check_reason (task9_wait_park (self, task9_wait_begin (self), -1, "sleep"),
                                      error);
    }
  return task9_sleep_until (deadline, error);
}
