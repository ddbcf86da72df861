/* task9-group.c: task groups, for structured concurrency
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A group owns the tasks spawned into it. Waiting on the group waits for all of them;
 * the first member to fail cancels the others and its error becomes the group's (curio's
 * TaskGroup, Trio's nursery). If the waiter itself is cancelled or the group is
 * cancelled, every member is cancelled and the waiter still waits for them all to end:
 * no member outlives a finished group_wait().
 *
 * Invariants:
 * - n_running counts members that have not finished; members, error and n_running are
 *   under group->lock.
 * - error is the first member failure and never changes afterwards.
 * - Cancelling members happens outside the lock, on references taken under it.
 */

#include "task9-config.h"

#include <gio/gio.h>

#include "task9-group-private.h"
#include "task9-scheduler-private.h"
#include "task9-task-private.h"

struct _Task9Group
{
  gint           ref_count;
  GMutex         lock;
  GPtrArray     *members;     /* running members, each referenced */
  guint          n_running;
  gboolean       cancelled;
  GError        *error;
  Task9WaitList  waiters;
};

G_DEFINE_BOXED_TYPE (Task9Group, task9_group, task9_group_ref, task9_group_unref)

/**
 * task9_group_new:
 *
 * Creates an empty task group.
 *
 * Returns: (transfer full): the group
 *
 * Since: 0.1
 */
Task9Group *
task9_group_new (void)
{
  Task9Group *group = g_new0 (Task9Group, 1);

  group->ref_count = 1;
  g_mutex_init (&group->lock);
  group->members = g_ptr_array_new_with_free_func ((GDestroyNotify) task9_task_unref);
  task9_wait_list_init (&group->waiters);
  return group;
}

/**
 * task9_group_ref:
 * @group: a group
 *
 * Takes a reference on @group.
 *
 * Returns: (transfer full): @group
 *
 * Since: 0.1
 */
Task9Group *
task9_group_ref (Task9Group *group)
{
  g_return_val_if_fail (group != NULL, NULL);

  g_atomic_int_inc (&group->ref_count);
  return group;
}

/**
 * task9_group_unref:
 * @group: (transfer full): a group
 *
 * Drops a reference. Members keep their group alive while they run.
 *
 * Since: 0.1
 */
void
task9_group_unref (Task9Group *group)
{
  g_return_if_fail (group != NULL);

  if (!g_atomic_int_dec_and_test (&group->ref_count))
    return;

  g_assert (group->n_running == 0);
  g_ptr_array_unref (group->members);
  g_clear_error (&group->error);
  task9_wait_list_clear (&group->waiters);
  g_mutex_clear (&group->lock);
  g_free (group);
}

static GPtrArray *
cancel_all_locked (Task9Group *group)
{
  GPtrArray *victims = g_ptr_array_new_with_free_func ((GDestroyNotify) task9_task_unref);

  group->cancelled = TRUE;
  for (guint i = 0; i < group->members->len; i++)
    g_ptr_array_add (victims, task9_task_ref (group->members->pdata[i]));
  return victims;
}

static void
cancel_victims (GPtrArray *victims)
{
  for (guint i = 0; i < victims->len; i++)
    task9_task_cancel (victims->pdata[i]);
  g_ptr_array_unref (victims);
}

void
task9_group_admit (Task9Group *group,
                   Task9Task  *task)
{
  gboolean cancelled;

  task->group = task9_group_ref (group);
  g_mutex_lock (&group->lock);
  g_ptr_array_add (group->members, task9_task_ref (task));
  group->n_running++;
  cancelled = group->cancelled;
  g_mutex_unlock (&group->lock);

  /* A group that already failed or was cancelled admits only cancelled tasks. */
  if (cancelled)
    task9_task_cancel (task);
}

void
task9_group_member_finished (Task9Group *group,
                             Task9Task  *task,
                             GError     *error)
{
  GPtrArray *victims = NULL;

  g_mutex_lock (&group->lock);
  g_ptr_array_remove_fast (group->members, task);
  if (error != NULL && group->error == NULL)
    {
      group->error = g_error_copy (error);
      if (!group->cancelled)
        victims = cancel_all_locked (group);
    }
  if (--group->n_running == 0)
    task9_wait_list_wake_all (&group->waiters);
  g_mutex_unlock (&group->lock);

  if (victims != NULL)
    cancel_victims (victims);
}

/**
 * task9_group_spawn: (skip)
 * @group: a group
 * @name: (nullable): the task's name
 * @func: (scope notified): the task's body
 * @user_data: (closure func): data for @func
 * @user_data_destroy: (destroy user_data) (nullable): called when @func has returned
 * @error: return location for a #GError
 *
 * Spawns a member of @group on the current proc, like [func@Task9.Task.spawn]. A group
 * that has failed or was cancelled still admits tasks, but cancelled ones.
 *
 * Returns: (transfer full) (nullable): the task, or %NULL with @error set
 *
 * Since: 0.1
 */
Task9Task *
task9_group_spawn (Task9Group      *group,
                   const char      *name,
                   Task9TaskFunc    func,
                   gpointer         user_data,
                   GDestroyNotify   user_data_destroy,
                   GError         **error)
{
  return task9_group_spawn_full (group, NULL, name, 0, func, user_data, user_data_destroy, error);
}

/**
 * task9_group_spawn_full: (skip)
 * @group: a group
 * @proc: (nullable): the proc to run the task on, or %NULL for the current one
 * @name: (nullable): the task's name
 * @stack_size: the stack size in bytes, or 0 for the proc's default
 * @func: (scope notified): the task's body
 * @user_data: (closure func): data for @func
 * @user_data_destroy: (destroy user_data) (nullable): called when @func has returned
 * @error: return location for a #GError
 *
 * Like [method@Task9.Group.spawn], on a given proc and with a given stack size.
 *
 * Returns: (transfer full) (nullable): the task, or %NULL with @error set
 *
 * Since: 0.1
 */
Task9Task *
task9_group_spawn_full (Task9Group      *group,
                        Task9Proc       *proc,
                        const char      *name,
                        gsize            stack_size,
                        Task9TaskFunc    func,
                        gpointer         user_data,
                        GDestroyNotify   user_data_destroy,
                        GError         **error)
{
  g_return_val_if_fail (group != NULL, NULL);
  g_return_val_if_fail (func != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return task9_task_new_internal (proc, group, name, stack_size, func, user_data,
                                  user_data_destroy, error);
}

static gboolean
group_drained_locked (gpointer data)
{
  return ((Task9Group *) data)->n_running == 0;
}

/**
 * task9_group_wait: (skip)
 * @group: a group
 * @error: return location for a #GError
 *
 * Waits until every member of @group has finished. When a member fails, the others are
 * cancelled and, once all have ended, its error is returned. When the caller is cancelled,
 * every member is cancelled and the call still waits for them all before it returns
 * %G_IO_ERROR_CANCELLED, so no member outlives it.
 *
 * Returns: %TRUE if every member succeeded; %FALSE with @error set otherwise
 *
 * Since: 0.1
 */
gboolean
task9_group_wait (Task9Group  *group,
                  GError     **error)
{
  GError *wait_error = NULL;
  gboolean ok;

  g_return_val_if_fail (group != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  g_mutex_lock (&group->lock);
  ok = task9_wait_list_wait (&group->waiters, &group->lock, group_drained_locked, group, -1,
                             "group", &wait_error);
  if (!ok && g_error_matches (wait_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      /* Only a task can be cancelled, so self is not NULL here. */
      Task9Task *self = task9_scheduler_current_task ();
      GPtrArray *victims = cancel_all_locked (group);

      g_mutex_unlock (&group->lock);
      cancel_victims (victims);
      g_mutex_lock (&group->lock);

      /* Shielded: our own cancellation must not cut the wait for the members short. */
      gboolean shielded = self->shielded;

      self->shielded = TRUE;
      while (!task9_wait_list_wait (&group->waiters, &group->lock, group_drained_locked, group,
                                    -1, "group", NULL))
        ;
      self->shielded = shielded;
    }
  else if (ok && group->error != NULL)
    {
      g_propagate_error (&wait_error, g_error_copy (group->error));
      ok = FALSE;
    }
  g_mutex_unlock (&group->lock);

  if (wait_error != NULL)
    g_propagate_error (error, wait_error);
  return ok && wait_error == NULL;
}

/**
 * task9_group_cancel:
 * @group: a group
 *
 * Cancels every member of @group, and every member spawned into it later.
 *
 * Since: 0.1
 */
void
task9_group_cancel (Task9Group *group)
{
  GPtrArray *victims;

  g_return_if_fail (group != NULL);

  g_mutex_lock (&group->lock);
  victims = cancel_all_locked (group);
  g_mutex_unlock (&group->lock);
  cancel_victims (victims);
}

/**
 * task9_group_get_n_running:
 * @group: a group
 *
 * Counts the members that are still running.
 *
 * Returns: how many members of @group have not finished
 *
 * Since: 0.1
 */
guint
task9_group_get_n_running (Task9Group *group)
{
  guint n;

  g_return_val_if_fail (group != NULL, 0);

  g_mutex_lock (&group->lock);
  n = group->n_running;
  g_mutex_unlock (&group->lock);
  return n;
}
