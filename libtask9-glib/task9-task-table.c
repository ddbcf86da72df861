/* task9-task-table.c: the task table as data
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A monitor, a dump, a debugger front end or a binding wants to see every task without
 * stopping any: what it is, where it was spawned, what it waits for and for how long.
 * This file copies that out of the live task records into Task9TaskInfo records, which
 * belong to whoever asked and never change.
 *
 * Where the facts come from, and what they cost the tasks (nothing measurable: see
 * doc/debugging.md for the figures):
 * - id, name, proc, state, wait reason: the task record's own fields, as before.
 * - the wait object: task->wait_name, an interned debug name (a channel's or a sync
 *   object's, never freed) that the blocking call stores before it parks and park()
 *   clears after; a wait with nothing named leaves it NULL.
 * - time blocked: task->blocked_since is the proc's last clock read of its dispatch
 *   (proc->now, refreshed at least every BUDGET_CHECK_INTERVAL switches), not a clock
 *   read per park: the figure is late by at most the dispatch's time budget.
 * - deadline remaining: the park's timer, when it is armed.
 * - switches: task->n_switches, counted by the switch into the task.
 * - spawn location: a static "file:line" the spawn macros of task9-task-table.h hand
 *   over through a thread-local (task9_next_spawn_location), or what a binding set
 *   with task9_task_set_spawn_location() (interned).
 *
 * Invariants:
 * - Reading never blocks a proc for longer than its task list's spinlock is held to
 *   take references; everything else is read from referenced records, each field once,
 *   with relaxed atomic loads. A snapshot of a running program is therefore a set of
 *   per-task snapshots, each possibly a moment apart, never a torn pointer: every string
 *   read from a live record is interned or static, or copied under the record's lock
 *   (the name).
 * - It works from any thread, including one that is no proc's (the monitor's service
 *   thread), so a wedged proc can still be inspected.
 */

#include "task9-config.h"

#include <gio/gio.h>

#include "task9-external-task-private.h"
#include "task9-proc-private.h"
#include "task9-task-private.h"
#include "task9-task-table.h"
#include "task9-group.h"

__thread const char *task9_next_spawn_location __attribute__ ((tls_model ("initial-exec")));

struct _Task9TaskInfo
{
  gint            ref_count;
  guint64         id;
  char           *name;
  char           *proc_name;
  Task9TaskState  state;
  const char     *wait_reason;         /* interned or static */
  const char     *wait_object;         /* interned */
  GTimeSpan       blocked_time;
  GTimeSpan       deadline_remaining;
  guint64         switches;
  const char     *spawn_location;      /* interned or static */
  gboolean        external;
  gboolean        cancelled;
};

G_DEFINE_BOXED_TYPE (Task9TaskInfo, task9_task_info, task9_task_info_ref, task9_task_info_unref)

/**
 * task9_task_info_ref:
 * @info: a task's record
 *
 * Takes a reference on @info.
 *
 * Returns: (transfer full): @info
 *
 * Since: 0.1
 */
Task9TaskInfo *
task9_task_info_ref (Task9TaskInfo *info)
{
  g_return_val_if_fail (info != NULL, NULL);

  g_atomic_int_inc (&info->ref_count);
  return info;
}

/**
 * task9_task_info_unref:
 * @info: (transfer full): a task's record
 *
 * Drops a reference on @info.
 *
 * Since: 0.1
 */
void
task9_task_info_unref (Task9TaskInfo *info)
{
  g_return_if_fail (info != NULL);

  if (!g_atomic_int_dec_and_test (&info->ref_count))
    return;
  g_free (info->name);
  g_free (info->proc_name);
  g_free (info);
}

/* Copies what @task shows now; @now is the caller's monotonic time. */
static Task9TaskInfo *
info_new (Task9Task *task,
          gint64     now)
{
  Task9TaskInfo *info = g_new0 (Task9TaskInfo, 1);

  info->ref_count = 1;
  info->id = task->id;
  info->name = task9_task_dup_name (task);
  info->proc_name = g_strdup (task->proc->name);
  info->state = __atomic_load_n (&task->state, __ATOMIC_RELAXED);
  info->external = task9_task_record_is_external (task);
  info->cancelled = __atomic_load_n (&task->cancelled, __ATOMIC_RELAXED) != 0;
  info->switches = __atomic_load_n (&task->n_switches, __ATOMIC_RELAXED);
  info->spawn_location = __atomic_load_n (&task->spawn_location, __ATOMIC_RELAXED);
  info->blocked_time = -1;
  info->deadline_remaining = -1;
  if (__atomic_load_n (&task->finished, __ATOMIC_ACQUIRE))
    info->state = TASK9_TASK_STATE_FINISHED;

  if (info->state == TASK9_TASK_STATE_BLOCKED)
    {
      gint64 since = __atomic_load_n (&task->blocked_since, __ATOMIC_RELAXED);

      info->wait_reason = __atomic_load_n (&task->wait_reason, __ATOMIC_RELAXED);
      info->wait_object = __atomic_load_n (&task->wait_name, __ATOMIC_RELAXED);
      if (since > 0)
        info->blocked_time = MAX (now - since, 0);
      if (!info->external &&
          __atomic_load_n (&task->timer.index, __ATOMIC_RELAXED) != TASK9_TIMER_UNARMED)
        info->deadline_remaining = MAX (__atomic_load_n (&task->timer.deadline, __ATOMIC_RELAXED) - now, 0);
    }
  return info;
}

/**
 * task9_task_get_info:
 * @task: a task
 *
 * Copies what @task is doing now into a record that does not change afterwards. Safe
 * from any thread; from another proc the answer may be out of date as soon as it is
 * returned.
 *
 * Returns: (transfer full): the task's record
 *
 * Since: 0.1
 */
Task9TaskInfo *
task9_task_get_info (Task9Task *task)
{
  g_return_val_if_fail (task != NULL, NULL);

  return info_new (task, g_get_monotonic_time ());
}

/**
 * task9_snapshot_task_table:
 *
 * Copies the task table: one record for every task that has not finished, on every
 * proc, stackful tasks and binding tasks ([ctor@Task9.Task.new_external]) alike, in
 * the order of [func@Task9.Task.list_all]. Safe from any thread, including while every
 * proc is busy or wedged: it takes no proc's attention, only each proc's task list
 * lock for as long as it takes to reference the tasks.
 *
 * Returns: (transfer container) (element-type Task9TaskInfo): the records
 *
 * Since: 0.1
 */
GPtrArray *
task9_snapshot_task_table (void)
{
  g_autoptr(GPtrArray) tasks = task9_task_list_all ();
  GPtrArray *infos = g_ptr_array_new_full (tasks->len, (GDestroyNotify) task9_task_info_unref);
  gint64 now = g_get_monotonic_time ();

  for (guint i = 0; i < tasks->len; i++)
    g_ptr_array_add (infos, info_new (tasks->pdata[i], now));
  return infos;
}

typedef struct
{
  guint64    id;
  Task9Task *found;
} Lookup;

static void
lookup_in_proc (Task9Proc *proc,
                gpointer   data)
{
  Lookup *lookup = data;

  if (lookup->found != NULL)
    return;
  task9_spin_lock (&proc->tasks_lock);
  for (Task9Task *task = proc->tasks; task != NULL; task = task->list_next)
    if (task->id == lookup->id)
      {
        lookup->found = task9_task_ref (task);
        break;
      }
  task9_spin_unlock (&proc->tasks_lock);
}

/**
 * task9_task_lookup:
 * @id: a task id, as [method@Task9.Task.get_id] returns
 *
 * Finds the task with id @id among the tasks that have not finished. Safe from any
 * thread; it walks the task lists, so it is meant for monitors and debugging.
 *
 * Returns: (transfer full) (nullable): the task, or %NULL when no live task has @id
 *
 * Since: 0.1
 */
Task9Task *
task9_task_lookup (guint64 id)
{
  Lookup lookup = { id, NULL };

  if (id == 0)
    return NULL;
  task9_proc_foreach (lookup_in_proc, &lookup);
  return lookup.found;
}

/**
 * task9_task_set_spawn_location:
 * @task: a task
 * @location: (nullable): where @task was made, such as "worker.py:42"
 *
 * Records where @task was spawned, for the task table. C callers of the spawn functions
 * get it without calling this (a macro passes the caller's file and line); a binding
 * calls it for the tasks it makes with [ctor@Task9.Task.new_external], with the
 * location of the code that spawned the coroutine. The string is interned.
 *
 * Since: 0.1
 */
void
task9_task_set_spawn_location (Task9Task  *task,
                               const char *location)
{
  g_return_if_fail (task != NULL);

  __atomic_store_n (&task->spawn_location, location != NULL ? g_intern_string (location) : NULL,
                    __ATOMIC_RELAXED);
}

/**
 * task9_task_get_spawn_location:
 * @task: a task
 *
 * Returns where @task was spawned: "file:line" of the C call to a spawn function, or
 * what [method@Task9.Task.set_spawn_location] recorded.
 *
 * Returns: (nullable): the location, or %NULL when it is not known
 *
 * Since: 0.1
 */
const char *
task9_task_get_spawn_location (Task9Task *task)
{
  g_return_val_if_fail (task != NULL, NULL);

  return __atomic_load_n (&task->spawn_location, __ATOMIC_RELAXED);
}

/**
 * task9_spawn_location_set_next: (skip)
 * @location: a static string, "file:line"
 *
 * Used by the macros that wrap [func@Task9.Task.spawn] and the other spawn functions:
 * the next task the calling thread spawns records @location. Not meant to be called
 * directly.
 *
 * Since: 0.1
 */
void
task9_spawn_location_set_next (const char *location)
{
  task9_next_spawn_location = location;
}

/**
 * task9_task_info_get_id:
 * @info: a task's record
 *
 * Returns the task's id ([method@Task9.Task.get_id]).
 *
 * Returns: the task's id
 *
 * Since: 0.1
 */
guint64
task9_task_info_get_id (Task9TaskInfo *info)
{
  g_return_val_if_fail (info != NULL, 0);
  return info->id;
}

/**
 * task9_task_info_get_name:
 * @info: a task's record
 *
 * Returns the task's name when the record was made.
 *
 * Returns: (nullable): the task's name
 *
 * Since: 0.1
 */
const char *
task9_task_info_get_name (Task9TaskInfo *info)
{
  g_return_val_if_fail (info != NULL, NULL);
  return info->name;
}

/**
 * task9_task_info_get_proc_name:
 * @info: a task's record
 *
 * Returns the name of the proc the task runs on.
 *
 * Returns: (nullable): the name of the proc the task runs on
 *
 * Since: 0.1
 */
const char *
task9_task_info_get_proc_name (Task9TaskInfo *info)
{
  g_return_val_if_fail (info != NULL, NULL);
  return info->proc_name;
}

/**
 * task9_task_info_get_state:
 * @info: a task's record
 *
 * Returns where the task was in its life cycle.
 *
 * Returns: the task's state when the record was made
 *
 * Since: 0.1
 */
Task9TaskState
task9_task_info_get_state (Task9TaskInfo *info)
{
  g_return_val_if_fail (info != NULL, TASK9_TASK_STATE_FINISHED);
  return info->state;
}

/**
 * task9_task_info_get_wait_reason:
 * @info: a task's record
 *
 * Returns what kind of wait a blocked task was in ("recv", "send", "alt", "sleep",
 * "join", "lock", "cond", ...), as [method@Task9.Task.get_wait_reason].
 *
 * Returns: (nullable): the reason, or %NULL when the task was not blocked
 *
 * Since: 0.1
 */
const char *
task9_task_info_get_wait_reason (Task9TaskInfo *info)
{
  g_return_val_if_fail (info != NULL, NULL);
  return info->wait_reason;
}

/**
 * task9_task_info_get_wait_object:
 * @info: a task's record
 *
 * Returns the debug name of what a blocked task waited on: the channel's name
 * ([method@Task9.Channel.set_name]; for an alt, its first named arm's), or the
 * name given to a lock, condition, event, semaphore or queue.
 *
 * Returns: (nullable): the name, or %NULL when the task was not blocked or what it
 *   waited on has no name
 *
 * Since: 0.1
 */
const char *
task9_task_info_get_wait_object (Task9TaskInfo *info)
{
  g_return_val_if_fail (info != NULL, NULL);
  return info->wait_object;
}

/**
 * task9_task_info_get_blocked_time:
 * @info: a task's record
 *
 * Returns how long a blocked task had been waiting in its current wait. For a stackful
 * task the start of the wait is taken from its proc's scheduler clock, so the figure
 * may be short by up to the proc's time budget ([method@Task9.Proc.set_time_budget]).
 *
 * Returns: microseconds, or -1 when the task was not blocked
 *
 * Since: 0.1
 */
GTimeSpan
task9_task_info_get_blocked_time (Task9TaskInfo *info)
{
  g_return_val_if_fail (info != NULL, -1);
  return info->blocked_time;
}

/**
 * task9_task_info_get_deadline_remaining:
 * @info: a task's record
 *
 * Returns how long a blocked task's wait had left before it times out (a sleep's end,
 * a timeout given to the blocking call).
 *
 * Returns: microseconds, or -1 when the wait has no deadline or the task was not
 *   blocked
 *
 * Since: 0.1
 */
GTimeSpan
task9_task_info_get_deadline_remaining (Task9TaskInfo *info)
{
  g_return_val_if_fail (info != NULL, -1);
  return info->deadline_remaining;
}

/**
 * task9_task_info_get_switches:
 * @info: a task's record
 *
 * Returns how many times the task had been resumed.
 *
 * Returns: how many times the task had been switched to (resumed) so far
 *
 * Since: 0.1
 */
guint64
task9_task_info_get_switches (Task9TaskInfo *info)
{
  g_return_val_if_fail (info != NULL, 0);
  return info->switches;
}

/**
 * task9_task_info_get_spawn_location:
 * @info: a task's record
 *
 * Returns where the task was spawned.
 *
 * Returns: (nullable): where the task was spawned (see
 *   [method@Task9.Task.get_spawn_location]), or %NULL
 *
 * Since: 0.1
 */
const char *
task9_task_info_get_spawn_location (Task9TaskInfo *info)
{
  g_return_val_if_fail (info != NULL, NULL);
  return info->spawn_location;
}

/**
 * task9_task_info_is_external:
 * @info: a task's record
 *
 * Tells whether the task is a binding's coroutine.
 *
 * Returns: %TRUE for a binding's task ([ctor@Task9.Task.new_external])
 *
 * Since: 0.1
 */
gboolean
task9_task_info_is_external (Task9TaskInfo *info)
{
  g_return_val_if_fail (info != NULL, FALSE);
  return info->external;
}

/**
 * task9_task_info_is_cancelled:
 * @info: a task's record
 *
 * Tells whether the task had been cancelled.
 *
 * Returns: %TRUE when the task had been cancelled
 *
 * Since: 0.1
 */
gboolean
task9_task_info_is_cancelled (Task9TaskInfo *info)
{
  g_return_val_if_fail (info != NULL, FALSE);
  return info->cancelled;
}
