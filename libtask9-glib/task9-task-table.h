/* task9-task-table.h: a snapshot of every task, for monitors, dumps and bindings
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(TASK9_INSIDE) && !defined(TASK9_COMPILATION)
# error "Only <task9.h> can be included directly."
#endif

#include <glib-object.h>

#include "task9-task.h"
#include "task9-types.h"
#include "task9-version-macros.h"

G_BEGIN_DECLS

/**
 * Task9TaskInfo:
 *
 * What one task was doing when [func@Task9.snapshot_task_table] or
 * [method@Task9.Task.get_info] looked: a plain record, copied out of the task, that
 * stays valid (and unchanging) however the task goes on.
 *
 * Since: 0.1
 */
typedef struct _Task9TaskInfo Task9TaskInfo;

#define TASK9_TYPE_TASK_INFO (task9_task_info_get_type ())

TASK9_AVAILABLE_IN_ALL
GType           task9_task_info_get_type               (void) G_GNUC_CONST;
TASK9_AVAILABLE_IN_ALL
Task9TaskInfo  *task9_task_info_ref                    (Task9TaskInfo *info);
TASK9_AVAILABLE_IN_ALL
void            task9_task_info_unref                  (Task9TaskInfo *info);

TASK9_AVAILABLE_IN_ALL
guint64         task9_task_info_get_id                 (Task9TaskInfo *info);
TASK9_AVAILABLE_IN_ALL
const char     *task9_task_info_get_name               (Task9TaskInfo *info);
TASK9_AVAILABLE_IN_ALL
const char     *task9_task_info_get_proc_name          (Task9TaskInfo *info);
TASK9_AVAILABLE_IN_ALL
Task9TaskState  task9_task_info_get_state              (Task9TaskInfo *info);
TASK9_AVAILABLE_IN_ALL
const char     *task9_task_info_get_wait_reason        (Task9TaskInfo *info);
TASK9_AVAILABLE_IN_ALL
const char     *task9_task_info_get_wait_object        (Task9TaskInfo *info);
TASK9_AVAILABLE_IN_ALL
GTimeSpan       task9_task_info_get_blocked_time       (Task9TaskInfo *info);
TASK9_AVAILABLE_IN_ALL
GTimeSpan       task9_task_info_get_deadline_remaining (Task9TaskInfo *info);
TASK9_AVAILABLE_IN_ALL
guint64         task9_task_info_get_switches           (Task9TaskInfo *info);
TASK9_AVAILABLE_IN_ALL
const char     *task9_task_info_get_spawn_location     (Task9TaskInfo *info);
TASK9_AVAILABLE_IN_ALL
gboolean        task9_task_info_is_external            (Task9TaskInfo *info);
TASK9_AVAILABLE_IN_ALL
gboolean        task9_task_info_is_cancelled           (Task9TaskInfo *info);

TASK9_AVAILABLE_IN_ALL
Task9TaskInfo  *task9_task_get_info                    (Task9Task     *task);
TASK9_AVAILABLE_IN_ALL
GPtrArray      *task9_snapshot_task_table              (void);
TASK9_AVAILABLE_IN_ALL
Task9Task      *task9_task_lookup                      (guint64        id);

TASK9_AVAILABLE_IN_ALL
void            task9_task_set_spawn_location          (Task9Task     *task,
                                                        const char    *location);
TASK9_AVAILABLE_IN_ALL
const char     *task9_task_get_spawn_location          (Task9Task     *task);
TASK9_AVAILABLE_IN_ALL
void            task9_spawn_location_set_next          (const char    *location);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Task9TaskInfo, task9_task_info_unref)

/* C callers of the spawn functions record where they spawned (file:line) for the task
 * table without changing a line: each spawn call goes through this macro. Taking the
 * function's address, or calling `(task9_task_spawn) (...)`, skips the macro. */
#ifndef __GI_SCANNER__
# define TASK9_SPAWN_HERE_ (task9_spawn_location_set_next (__FILE__ ":" G_STRINGIFY (__LINE__)))
# define task9_task_spawn(...)       (TASK9_SPAWN_HERE_, (task9_task_spawn) (__VA_ARGS__))
# define task9_task_spawn_full(...)  (TASK9_SPAWN_HERE_, (task9_task_spawn_full) (__VA_ARGS__))
# define task9_group_spawn(...)      (TASK9_SPAWN_HERE_, (task9_group_spawn) (__VA_ARGS__))
# define task9_group_spawn_full(...) (TASK9_SPAWN_HERE_, (task9_group_spawn_full) (__VA_ARGS__))
#endif

G_END_DECLS
