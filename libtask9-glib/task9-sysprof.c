/* task9-sysprof.c: sysprof marks for task lifetimes and waits
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * See task9-sysprof-private.h. Invariants:
 * - Nothing here runs unless task9_sysprof_active, which is written once, before the
 *   first task is spawned (task9_debug_init_from_env(), when the first proc is made).
 * - Marks are sent from the thread where the event ended (the task's proc); the
 *   collector is per thread and thread-safe.
 */

#include "task9-config.h"

#include <sysprof-capture.h>

#include "task9-sysprof-private.h"
#include "task9-task-private.h"

gboolean task9_sysprof_active;

void
task9_sysprof_init (void)
{
  task9_sysprof_active = sysprof_collector_is_active ();
}

gint64
task9_sysprof_now (void)
{
  return SYSPROF_CAPTURE_CURRENT_TIME;
}

void
task9_sysprof_task_ended (Task9Task *task)
{
  gint64 start = task->spawn_time;

  if (start == 0)
    return;
  sysprof_collector_mark_printf (start, SYSPROF_CAPTURE_CURRENT_TIME - start, "task9", "task",
                                 "task %" G_GUINT64_FORMAT " %s (%s)", task->id,
                                 task->name != NULL ? task->name : "-",
                                 task->spawn_location != NULL ? task->spawn_location : "-");
}

void
task9_sysprof_wait_ended (Task9Task  *task,
                          gint64      start,
                          const char *reason,
                          const char *object)
{
  sysprof_collector_mark_printf (start, SYSPROF_CAPTURE_CURRENT_TIME - start, "task9",
                                 reason != NULL ? reason : "wait",
                                 "task %" G_GUINT64_FORMAT " %s on %s", task->id,
                                 task->name != NULL ? task->name : "-",
                                 object != NULL ? object : "-");
}
