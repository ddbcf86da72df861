/* task9-types.h: forward declarations shared by the public headers
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(TASK9_INSIDE) && !defined(TASK9_COMPILATION)
# error "Only <task9.h> can be included directly."
#endif

#include <glib.h>

G_BEGIN_DECLS

typedef struct _Task9Task  Task9Task;
typedef struct _Task9Proc  Task9Proc;
typedef struct _Task9Group Task9Group;

/**
 * Task9TaskFunc:
 * @user_data: the data passed when the task was spawned
 * @error: return location for the task's error
 *
 * The body of a task. It runs on its own stack, on the thread of the proc it
 * was spawned on, and may call blocking functions such as [func@Task9.sleep]
 * and [method@Task9.Task.join]; they suspend only this task.
 *
 * A task succeeds by returning its result (which may be %NULL) and fails by
 * setting @error and returning %NULL. The result and the error are what
 * [method@Task9.Task.join] hands to the tasks that join it.
 *
 * Returns: (nullable) (transfer none): the task's result
 *
 * Since: 0.1
 */
typedef gpointer (*Task9TaskFunc) (gpointer user_data, GError **error);

G_END_DECLS
