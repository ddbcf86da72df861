/* task9-task.h: stackful tasks
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(TASK9_INSIDE) && !defined(TASK9_COMPILATION)
# error "Only <task9.h> can be included directly."
#endif

#include <gio/gio.h>

#include "task9-types.h"
#include "task9-version-macros.h"

G_BEGIN_DECLS

/**
 * Task9TaskState:
 * @TASK9_TASK_STATE_RUNNABLE: spawned or woken, waiting in its proc's run queue
 * @TASK9_TASK_STATE_RUNNING: running now
 * @TASK9_TASK_STATE_BLOCKED: suspended in a blocking call; see
 *   [method@Task9.Task.get_wait_reason]
 * @TASK9_TASK_STATE_FINISHED: returned, failed or exited
 *
 * The life cycle of a task, as shown by the task table.
 *
 * Since: 0.1
 */
typedef enum /*< underscore_name=task9_task_state >*/ {
  TASK9_TASK_STATE_RUNNABLE,
  TASK9_TASK_STATE_RUNNING,
  TASK9_TASK_STATE_BLOCKED,
  TASK9_TASK_STATE_FINISHED,
} Task9TaskState;

#define TASK9_TYPE_TASK (task9_task_get_type ())

TASK9_AVAILABLE_IN_ALL
GType           task9_task_get_type        (void) G_GNUC_CONST;
TASK9_AVAILABLE_IN_ALL
Task9Task      *task9_task_ref             (Task9Task      *task);
TASK9_AVAILABLE_IN_ALL
void            task9_task_unref           (Task9Task      *task);

TASK9_AVAILABLE_IN_ALL
Task9Task      *task9_task_spawn           (const char     *name,
                                            Task9TaskFunc   func,
                                            gpointer        user_data,
                                            GDestroyNotify  user_data_destroy,
                                            GError        **error);
TASK9_AVAILABLE_IN_ALL
Task9Task      *task9_task_spawn_full      (Task9Proc      *proc,
                                            const char     *name,
                                            gsize           stack_size,
                                            Task9TaskFunc   func,
                                            gpointer        user_data,
                                            GDestroyNotify  user_data_destroy,
                                            GError        **error);

TASK9_AVAILABLE_IN_ALL
Task9Task      *task9_task_self            (void);
TASK9_AVAILABLE_IN_ALL
gboolean        task9_in_task              (void);

TASK9_AVAILABLE_IN_ALL
guint64         task9_task_get_id          (Task9Task      *task);
TASK9_AVAILABLE_IN_ALL
const char     *task9_task_get_name        (Task9Task      *task);
TASK9_AVAILABLE_IN_ALL
char           *task9_task_dup_name        (Task9Task      *task);
TASK9_AVAILABLE_IN_ALL
void            task9_task_set_name        (Task9Task      *task,
                                            const char     *name);
TASK9_AVAILABLE_IN_ALL
Task9TaskState  task9_task_get_state       (Task9Task      *task);
TASK9_AVAILABLE_IN_ALL
const char     *task9_task_get_wait_reason (Task9Task      *task);
TASK9_AVAILABLE_IN_ALL
gsize           task9_task_get_stack_size  (Task9Task      *task);
TASK9_AVAILABLE_IN_ALL
Task9Proc      *task9_task_get_proc        (Task9Task      *task);

TASK9_AVAILABLE_IN_ALL
void            task9_task_set_data        (Task9Task      *task,
                                            const char     *key,
                                            gpointer        data,
                                            GDestroyNotify  destroy);
TASK9_AVAILABLE_IN_ALL
gpointer        task9_task_get_data        (Task9Task      *task,
                                            const char     *key);

TASK9_AVAILABLE_IN_ALL
void            task9_task_cancel          (Task9Task      *task);
TASK9_AVAILABLE_IN_ALL
gboolean        task9_task_is_cancelled    (Task9Task      *task);
TASK9_AVAILABLE_IN_ALL
gboolean        task9_task_is_finished     (Task9Task      *task);
TASK9_AVAILABLE_IN_ALL
gpointer        task9_task_join            (Task9Task      *task,
                                            GTimeSpan       timeout,
                                            GError        **error);

TASK9_AVAILABLE_IN_ALL
void            task9_task_join_async      (Task9Task           *task,
                                            GCancellable        *cancellable,
                                            GAsyncReadyCallback  callback,
                                            gpointer             user_data);
TASK9_AVAILABLE_IN_ALL
gpointer        task9_task_join_finish     (Task9Task           *task,
                                            GAsyncResult        *result,
                                            GError             **error);

TASK9_AVAILABLE_IN_ALL
guint           task9_yield                (void);
TASK9_AVAILABLE_IN_ALL
void            task9_exit                 (gpointer        result);
TASK9_AVAILABLE_IN_ALL
gboolean        task9_check_cancelled      (GError        **error);
TASK9_AVAILABLE_IN_ALL
gboolean        task9_set_cancel_shield    (gboolean         shield);

TASK9_AVAILABLE_IN_ALL
GPtrArray      *task9_task_list_all        (void);
TASK9_AVAILABLE_IN_ALL
char           *task9_format_task_table    (void);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Task9Task, task9_task_unref)

G_END_DECLS
