/* task9-external-task-private.h: what task9-task.c asks of external tasks
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "task9-task-private.h"

G_BEGIN_DECLS

/* An external task has no body of its own: its record's func is NULL (a stackful task's
 * never is). */
static inline gboolean
task9_task_record_is_external (Task9Task *task)
{
  return task->func == NULL;
}

void task9_external_task_cancel (Task9Task *task);

G_END_DECLS
