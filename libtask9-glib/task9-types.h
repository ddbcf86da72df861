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

/**
 * Task9Task:
 *
 * A task: a function running on its own stack on one proc, which reads like
 * straight-line code. Blocking calls such as [func@Task9.sleep] and
 * [method@Task9.Task.join] suspend only the calling task; the proc's other tasks and
 * its main loop run meanwhile.
 *
 * A task is created runnable with [func@Task9.Task.spawn]; it can be joined for its
 * result or error, cancelled, and listed in the task table with its state and what it
 * waits for. The record is reference counted and outlives the task for as long as
 * somebody holds a reference.
 *
 * Since: 0.1
 */
typedef struct _Task9Task  Task9Task;

/**
 * Task9Proc:
 *
 * A proc: an OS thread whose tasks are scheduled by one #GSource on the thread's
 * #GMainContext. Tasks never move between procs. The main proc
 * ([func@Task9.Proc.get_main]) runs on the default main context, next to GTK's events;
 * [ctor@Task9.Proc.new] starts another thread with its own context.
 *
 * Since: 0.1
 */
typedef struct _Task9Proc  Task9Proc;

/**
 * Task9Group:
 *
 * A set of tasks that are waited for together: the first failure cancels the others
 * and becomes the group's error, and waiting does not return before every member has
 * ended (structured concurrency, like curio's TaskGroup or Trio's nursery).
 *
 * Since: 0.1
 */
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
