/* task9-task.c: stackful tasks
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A task is a function running on its own stack on one proc; it never migrates. Blocking
 * calls park it (task9-waiter.c) and the scheduler (task9-scheduler.c) runs another.
 *
 * Invariants:
 * - A task record is reference counted: the scheduler holds one reference from spawn
 *   until the task's stack has been released, the spawner gets another.
 * - result and error are written once, before finished is set; joiners that see
 *   finished read them without a lock. The joiner list is under task->lock, and a task
 *   that ends takes that lock only if somebody ever joined it (has_joiners, ordered
 *   against finished like a Dekker pair), so the common spawn-and-forget path is
 *   lock-free here.
 * - Task records are recycled through a small per-proc cache, with their mutex and
 *   condition kept initialised.
 * - The user data's destroy notify runs on the task's own stack right after the function
 *   returns, before joiners are woken: a joiner sees everything the task did.
 * - Cancellation is a sticky flag plus a claim of the current park; the task's own
 *   blocking calls report it, nothing is unwound behind its back.
 * - A task that ends holding locks (its holds list) releases each, with a warning,
 *   after its destroy notify and before it is seen finished.
 */

#include "task9-config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <gio/gio.h>

#if defined(__SANITIZE_THREAD__)
# include <sanitizer/tsan_interface.h>
# define TASK9_TSAN 1
#endif

#include "task9-async-private.h"
#include "task9-enum-types.h"
#include "task9-error.h"
#include "task9-external-task-private.h"
#include "task9-group-private.h"
#include "task9-scheduler-private.h"
#include "task9-sysprof-private.h"
#include "task9-task-private.h"

G_DEFINE_BOXED_TYPE (Task9Task, task9_task, task9_task_ref, task9_task_unref)

#define RECORD_CACHE_MAX 256
#define ID_BLOCK         1024

static guint64 last_task_id;
static GMutex  name_lock;

static Task9Task *
record_alloc (void)
{
  Task9Proc *proc = task9_current_proc;
  Task9Task *task;

  if (proc != NULL && proc->record_cache != NULL)
    {
      task = proc->record_cache;
      proc->record_cache = task->run_next;
      proc->record_cache_len--;
      /* Every other field is set by task9_task_new_internal(); park_word keeps counting. */
      task->wake_reason = TASK9_WAKE_NONE;
      task->wait_reason = NULL;
      task->wait_name = NULL;
      task->n_switches = 0;
      task->wait_external = FALSE;
      task->cancelled = FALSE;
      task->shielded = FALSE;
      task->group = NULL;
      task->holds = NULL;
      task->data = NULL;
      task->asan_fake_stack = NULL;
      task->result = NULL;
      task->error = NULL;
      task->finished = FALSE;
      task->has_joiners = FALSE;
      return task;
    }

  task = g_try_new0 (Task9Task, 1);
  if (task != NULL)
    {
      g_mutex_init (&task->lock);
      task9_wait_list_init (&task->joiners);
    }
  return task;
}

static void
record_free (Task9Task *task)
{
  Task9Proc *proc = task9_current_proc;

  if (proc != NULL && proc->record_cache_len < RECORD_CACHE_MAX)
    {
      task->run_next = proc->record_cache;
      proc->record_cache = task;
      proc->record_cache_len++;
      return;
    }
  task9_wait_list_clear (&task->joiners);
  g_mutex_clear (&task->lock);
  g_free (task);
}

/* Ids are unique in the process; a proc takes them in blocks to keep spawning free
 * of a shared atomic. */
static guint64
next_task_id (void)
{
  Task9Proc *proc = task9_current_proc;

  if (proc == NULL)
    return __atomic_add_fetch (&last_task_id, 1, __ATOMIC_RELAXED);
  if (proc->next_id == proc->end_id)
    {
      proc->next_id = __atomic_fetch_add (&last_task_id, ID_BLOCK, __ATOMIC_RELAXED) + 1;
      proc->end_id = proc->next_id + ID_BLOCK;
    }
  return proc->next_id++;
}

/* A new task id, for a task record made elsewhere (task9-external-task.c). */
guint64
task9_task_next_id (void)
{
  return next_task_id ();
}

/* When a proc's thread ends. */
void
task9_task_record_cache_drain (Task9Proc *proc)
{
  while (proc->record_cache != NULL)
    {
      Task9Task *task = proc->record_cache;

      proc->record_cache = task->run_next;
      proc->record_cache_len--;
      task9_wait_list_clear (&task->joiners);
      g_mutex_clear (&task->lock);
      g_free (task);
    }
}

static G_NORETURN void task_finish (Task9Task *self, gpointer result, GError *error);

static void
task_entry (void *arg)
{
  Task9Task *self = arg;
  GError *error = NULL;
  gpointer result;

  task9_scheduler_task_started (self);
  errno = 0;
  result = self->func (self->user_data, &error);
  task_finish (self, result, error);
}

Task9Task *
task9_task_new_internal (Task9Proc       *proc,
                         Task9Group      *group,
                         const char      *name,
                         gsize            stack_size,
                         Task9TaskFunc    func,
                         gpointer         user_data,
                         GDestroyNotify   user_data_destroy,
                         GError         **error)
{
  Task9Task *task;

  proc = task9_proc_for_spawn (proc);
  stack_size = stack_size != 0 ? task9_stack_round_size (stack_size) : proc->stack_size;

  task = record_alloc ();
  if (task == NULL)
    {
      g_set_error_literal (error, TASK9_ERROR, TASK9_ERROR_NO_RESOURCES, "Out of memory for a task");
      return NULL;
    }

  task->started = FALSE;
  task->stack = task9_stack_alloc (proc == task9_current_proc ? &proc->stack_pool : NULL,
                                   stack_size, error);
  if (task->stack == NULL)
    {
      record_free (task);
      return NULL;
    }

  g_atomic_int_inc (&proc->ref_count);   /* task9_proc_ref() without its checks */
  task->proc = proc;
  task->func = func;
  task->user_data = user_data;
  task->user_data_destroy = user_data_destroy;
  task->ref_count = 2;
  task->state = TASK9_TASK_STATE_RUNNABLE;
  task->timer.index = TASK9_TIMER_UNARMED;
  task->id = next_task_id ();
  task->name = g_strdup (name);
  task->spawn_location = task9_next_spawn_location;   /* task9-task-table.c */
  task9_next_spawn_location = NULL;
  task->spawn_time = TASK9_SYSPROF_ACTIVE () ? task9_sysprof_now () : 0;
#ifdef TASK9_TSAN
  task->tsan_fiber = __tsan_create_fiber (0);
#endif

  if (!task9_proc_admit_task (proc, task, error))
    {
      task->ref_count = 1;
      task9_stack_release (NULL, task->stack);
      task->stack = NULL;
      task->user_data_destroy = NULL;
      task9_task_unref (task);
      return NULL;
    }

  if (group != NULL)
    task9_group_admit (group, task);

  task9_scheduler_make_ready (task);
  return task;
}

/* On the task's proc, just before it first runs: its context is built only now, on a
 * warm stack if the proc has one, so spawning touches no stack memory. */
void
task9_task_prepare_first_run (Task9Proc *proc,
                              Task9Task *task)
{
  task->stack = task9_stack_warm_up (&proc->stack_pool, task->stack);
  task9_stack_set_live (task->stack, TRUE);
  task9_context_init (&task->context, task->stack->lo, task->stack->size, task_entry, task);
  task->started = TRUE;
}

static G_NORETURN void
task_finish (Task9Task *self,
             gpointer   result,
             GError    *error)
{
  Task9Proc *proc = self->proc;

  if (self->user_data_destroy != NULL)
    self->user_data_destroy (self->user_data);
  self->user_data_destroy = NULL;
  self->user_data = NULL;

  /* Locks it still holds go to their next waiters (with a warning): see Task9Hold. */
  while (self->holds != NULL)
    self->holds->abandon (self->holds, self);

  if (TASK9_SYSPROF_ACTIVE ())
    task9_sysprof_task_ended (self);

  /* Off the proc's and the group's books before a joiner can see it finished. */
  __atomic_store_n (&self->state, TASK9_TASK_STATE_FINISHED, __ATOMIC_RELAXED);
  task9_proc_retire_task (proc, self);
  if (self->group != NULL)
    task9_group_member_finished (self->group, self, error);

  self->result = result;
  self->error = error;
  __atomic_store_n (&self->finished, TRUE, __ATOMIC_SEQ_CST);
  if (__atomic_load_n (&self->has_joiners, __ATOMIC_SEQ_CST))
    {
      g_mutex_lock (&self->lock);
      task9_wait_list_wake_all (&self->joiners);
      g_mutex_unlock (&self->lock);
    }

  task9_scheduler_exit (proc, self);
}

/* Called by the scheduler on the task's proc once the task's stack is no longer in use. */
void
task9_task_free_finished (Task9Task *task)
{
  Task9Proc *proc = task->proc;

  task9_stack_set_live (task->stack, FALSE);
  if (task9_stack_release (&proc->stack_pool, task->stack))
    task9_proc_schedule_stack_trim (proc);
  task->stack = NULL;
#ifdef TASK9_TSAN
  __tsan_destroy_fiber (task->tsan_fiber);
#endif
  task9_task_unref (task);
}

/**
 * task9_task_ref:
 * @task: a task
 *
 * Takes a reference on @task.
 *
 * Returns: (transfer full): @task
 *
 * Since: 0.1
 */
Task9Task *
task9_task_ref (Task9Task *task)
{
  g_return_val_if_fail (task != NULL, NULL);
  g_return_val_if_fail (task->ref_count > 0, NULL);

  g_atomic_int_inc (&task->ref_count);
  return task;
}

/**
 * task9_task_unref:
 * @task: (transfer full): a task
 *
 * Drops a reference on @task. Dropping the reference returned by
 * [func@Task9.Task.spawn] does not stop the task: it runs to its end either way,
 * like a detached thread.
 *
 * Since: 0.1
 */
void
task9_task_unref (Task9Task *task)
{
  Task9Proc *proc;

  g_return_if_fail (task != NULL);
  g_return_if_fail (task->ref_count > 0);

  if (!g_atomic_int_dec_and_test (&task->ref_count))
    return;

  g_assert (task->stack == NULL);
  if (task->group != NULL)
    task9_group_unref (task->group);
  /* The last reference: nobody else can touch the record, and checking first skips
   * g_datalist_clear()'s bit lock, a fifth of an empty task's spawn-to-end cost. */
  if (task->error != NULL)
    g_clear_error (&task->error);
  if (task->data != NULL)
    g_datalist_clear (&task->data);
  g_free (task->name);
  proc = task->proc;
  record_free (task);
  task9_proc_unref (proc);
}

/**
 * task9_task_spawn: (skip)
 * @name: (nullable): a name for the task table and error reports
 * @func: (scope notified): the task's body
 * @user_data: (closure func): data for @func
 * @user_data_destroy: (destroy user_data) (nullable): called when @func has returned
 * @error: return location for a #GError
 *
 * Creates a task on the current proc (or on the main proc when called from a thread
 * that is not a proc's, see [func@Task9.Proc.get_main]) with the proc's stack size.
 *
 * The new task is appended to the proc's run queue; it does not run before the caller
 * blocks, yields or returns to the main loop. Tasks are not available to language
 * bindings: a Python or JavaScript function must not run on a task's stack.
 *
 * On failure the task does not exist and @user_data_destroy is not called: @user_data
 * still belongs to the caller.
 *
 * Returns: (transfer full) (nullable): the task, or %NULL with @error set
 *   (%TASK9_ERROR_NO_RESOURCES when no stack can be had)
 *
 * Since: 0.1
 */
Task9Task *
task9_task_spawn (const char      *name,
                  Task9TaskFunc    func,
                  gpointer         user_data,
                  GDestroyNotify   user_data_destroy,
                  GError         **error)
{
  g_return_val_if_fail (func != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return task9_task_new_internal (NULL, NULL, name, 0, func, user_data, user_data_destroy, error);
}

/**
 * task9_task_spawn_full: (skip)
 * @proc: (nullable): the proc to run the task on, or %NULL for the current one
 * @name: (nullable): a name for the task table and error reports
 * @stack_size: the stack size in bytes, or 0 for the proc's default
 *   ([method@Task9.Proc.get_stack_size])
 * @func: (scope notified): the task's body
 * @user_data: (closure func): data for @func
 * @user_data_destroy: (destroy user_data) (nullable): called when @func has returned
 * @error: return location for a #GError
 *
 * Like [func@Task9.Task.spawn], on a given proc and with a given stack size. The
 * stack size is rounded up to whole pages (at least four).
 *
 * Returns: (transfer full) (nullable): the task, or %NULL with @error set:
 *   %TASK9_ERROR_NO_RESOURCES when no stack can be had,
 *   %TASK9_ERROR_PROC_STOPPED when @proc is ending
 *
 * Since: 0.1
 */
Task9Task *
task9_task_spawn_full (Task9Proc       *proc,
                       const char      *name,
                       gsize            stack_size,
                       Task9TaskFunc    func,
                       gpointer         user_data,
                       GDestroyNotify   user_data_destroy,
                       GError         **error)
{
  g_return_val_if_fail (func != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);
  g_return_val_if_fail (stack_size <= G_MAXSIZE / 2, NULL);

  return task9_task_new_internal (proc, NULL, name, stack_size, func, user_data,
                                  user_data_destroy, error);
}

/**
 * task9_task_self:
 *
 * Returns the task that is running, if any.
 *
 * Returns: (transfer none) (nullable): the calling task, or %NULL outside a task
 *
 * Since: 0.1
 */
Task9Task *
task9_task_self (void)
{
  return task9_scheduler_current_task ();
}

/**
 * task9_in_task:
 *
 * Tells whether the caller runs in a task, where blocking calls such as
 * [func@Task9.sleep] are allowed.
 *
 * Returns: %TRUE in a task
 *
 * Since: 0.1
 */
gboolean
task9_in_task (void)
{
  return task9_scheduler_current_task () != NULL;
}

/**
 * task9_task_get_id:
 * @task: a task
 *
 * Returns the task's id: unique in the process, never reused, counting from 1.
 *
 * Returns: the id
 *
 * Since: 0.1
 */
guint64
task9_task_get_id (Task9Task *task)
{
  g_return_val_if_fail (task != NULL, 0);

  return task->id;
}

/**
 * task9_task_get_name:
 * @task: a task
 *
 * Returns the task's name. The string belongs to the task and stays valid until the
 * name is changed; from another thread use [method@Task9.Task.dup_name].
 *
 * Returns: (nullable): the name, or %NULL
 *
 * Since: 0.1
 */
const char *
task9_task_get_name (Task9Task *task)
{
  g_return_val_if_fail (task != NULL, NULL);

  return task->name;
}

/**
 * task9_task_dup_name:
 * @task: a task
 *
 * Returns a copy of the task's name; safe from any thread.
 *
 * Returns: (transfer full) (nullable): the name, or %NULL
 *
 * Since: 0.1
 */
char *
task9_task_dup_name (Task9Task *task)
{
  char *name;

  g_return_val_if_fail (task != NULL, NULL);

  g_mutex_lock (&name_lock);
  name = g_strdup (task->name);
  g_mutex_unlock (&name_lock);
  return name;
}

/**
 * task9_task_set_name:
 * @task: a task
 * @name: (nullable): the new name
 *
 * Renames @task. Call it from the task itself or its proc, as the string returned by
 * [method@Task9.Task.get_name] is freed.
 *
 * Since: 0.1
 */
void
task9_task_set_name (Task9Task  *task,
                     const char *name)
{
  char *old;

  g_return_if_fail (task != NULL);

  g_mutex_lock (&name_lock);
  old = task->name;
  task->name = g_strdup (name);
  g_mutex_unlock (&name_lock);
  g_free (old);
}

/**
 * task9_task_get_state:
 * @task: a task
 *
 * Returns where @task is in its life cycle. From another proc the answer may be out of
 * date as soon as it is returned; it is meant for task tables and tests.
 *
 * Returns: the state
 *
 * Since: 0.1
 */
Task9TaskState
task9_task_get_state (Task9Task *task)
{
  g_return_val_if_fail (task != NULL, TASK9_TASK_STATE_FINISHED);

  return __atomic_load_n (&task->state, __ATOMIC_RELAXED);
}

/**
 * task9_task_get_wait_reason:
 * @task: a task
 *
 * Returns what a blocked task waits for, such as "sleep" or "join".
 *
 * Returns: (nullable): a static string, or %NULL when @task is not blocked
 *
 * Since: 0.1
 */
const char *
task9_task_get_wait_reason (Task9Task *task)
{
  g_return_val_if_fail (task != NULL, NULL);

  return __atomic_load_n (&task->wait_reason, __ATOMIC_RELAXED);
}

/**
 * task9_task_get_stack_size:
 * @task: a task
 *
 * Returns the size of the task's stack, rounded up to whole pages, or 0 once the task
 * has finished and its stack went back to the pool.
 *
 * Returns: the usable size of the task's stack in bytes
 *
 * Since: 0.1
 */
gsize
task9_task_get_stack_size (Task9Task *task)
{
  Task9Stack *stack;

  g_return_val_if_fail (task != NULL, 0);

  stack = task->stack;
  return stack != NULL ? stack->size : 0;
}

/**
 * task9_task_get_proc:
 * @task: a task
 *
 * Returns the proc the task runs on. A task never moves to another proc.
 *
 * Returns: (transfer none) (nullable): the proc, or %NULL once the task has finished
 *
 * Since: 0.1
 */
Task9Proc *
task9_task_get_proc (Task9Task *task)
{
  g_return_val_if_fail (task != NULL, NULL);

  return task9_task_is_finished (task) ? NULL : task->proc;
}

/**
 * task9_task_set_data:
 * @task: a task
 * @key: a name for the data
 * @data: (nullable): the data, or %NULL to remove it
 * @destroy: (nullable): frees @data when it is replaced, removed, or the task record
 *   goes
 *
 * Attaches data to @task under @key, like g_object_set_data_full(). Safe from any
 * thread. The data lives as long as the task record (until its last reference is
 * dropped), not just while the task runs.
 *
 * Since: 0.1
 */
void
task9_task_set_data (Task9Task      *task,
                     const char     *key,
                     gpointer        data,
                     GDestroyNotify  destroy)
{
  g_return_if_fail (task != NULL);
  g_return_if_fail (key != NULL);

  g_datalist_set_data_full (&task->data, key, data, data != NULL ? destroy : NULL);
}

/**
 * task9_task_get_data:
 * @task: a task
 * @key: the name given to [method@Task9.Task.set_data]
 *
 * Returns the data attached to @task under @key.
 *
 * Returns: (transfer none) (nullable): the data, or %NULL
 *
 * Since: 0.1
 */
gpointer
task9_task_get_data (Task9Task  *task,
                     const char *key)
{
  g_return_val_if_fail (task != NULL, NULL);
  g_return_val_if_fail (key != NULL, NULL);

  return g_datalist_get_data (&task->data, key);
}

/**
 * task9_task_cancel:
 * @task: a task
 *
 * Cancels @task: the blocking call it is in, and every later one, fails with
 * %G_IO_ERROR_CANCELLED, and [func@Task9.check_cancelled] reports it. The task decides
 * how to end; nothing is unwound behind its back. Safe from any thread; cancelling twice
 * or cancelling a finished task does nothing.
 *
 * Since: 0.1
 */
void
task9_task_cancel (Task9Task *task)
{
  g_return_if_fail (task != NULL);

  if (__atomic_exchange_n (&task->cancelled, 1, __ATOMIC_SEQ_CST))
    return;
  if (task9_task_record_is_external (task))
    task9_external_task_cancel (task);
  else if (!task9_task_is_finished (task))
    task9_scheduler_cancel (task);
}

/**
 * task9_task_is_cancelled:
 * @task: a task
 *
 * Tells whether @task was cancelled. Safe from any thread.
 *
 * Returns: whether [method@Task9.Task.cancel] was called on @task
 *
 * Since: 0.1
 */
gboolean
task9_task_is_cancelled (Task9Task *task)
{
  g_return_val_if_fail (task != NULL, FALSE);

  return __atomic_load_n (&task->cancelled, __ATOMIC_SEQ_CST) != 0;
}

/**
 * task9_task_is_finished:
 * @task: a task
 *
 * Tells whether @task has ended. Safe from any thread.
 *
 * Returns: whether @task has returned, failed or exited
 *
 * Since: 0.1
 */
gboolean
task9_task_is_finished (Task9Task *task)
{
  g_return_val_if_fail (task != NULL, FALSE);

  return __atomic_load_n (&task->finished, __ATOMIC_SEQ_CST);
}

static gboolean
task_finished_locked (gpointer data)
{
  return __atomic_load_n (&((Task9Task *) data)->finished, __ATOMIC_SEQ_CST);
}

/**
 * task9_task_join: (skip)
 * @task: the task to wait for
 * @timeout: the longest wait in microseconds, or -1 to wait for ever
 * @error: return location for a #GError
 *
 * Waits until @task has finished and returns its result, or its error. Any number of
 * tasks may join one task, at any time, before or after it finished.
 *
 * In a task, only the calling task waits. A thread that is not a proc's (a test's main
 * thread, a worker) blocks. On a proc's thread outside a task this fails with
 * %TASK9_ERROR_NOT_IN_TASK, as blocking there would stop the proc's tasks.
 *
 * Returns: (transfer none) (nullable): the task's result, or %NULL with @error set: the
 *   task's own error, %G_IO_ERROR_TIMED_OUT, %G_IO_ERROR_CANCELLED when the caller was
 *   cancelled, or %TASK9_ERROR_DEADLOCK when a task joins itself
 *
 * Since: 0.1
 */
gpointer
task9_task_join (Task9Task  *task,
                 GTimeSpan   timeout,
                 GError    **error)
{
  gpointer result = NULL;

  g_return_val_if_fail (task != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (task == task9_scheduler_current_task ())
    {
      g_set_error_literal (error, TASK9_ERROR, TASK9_ERROR_DEADLOCK, "A task cannot join itself");
      return NULL;
    }

  g_mutex_lock (&task->lock);
  __atomic_store_n (&task->has_joiners, TRUE, __ATOMIC_SEQ_CST);
  if (task9_wait_list_wait (&task->joiners, &task->lock, task_finished_locked, task,
                            task9_deadline_from_timeout (timeout), "join", error))
    {
      if (task->error != NULL)
        g_propagate_error (error, g_error_copy (task->error));
      else
        result = task->result;
    }
  g_mutex_unlock (&task->lock);

  return result;
}

static void
settle_join (Task9AsyncOp *op)
{
  Task9Task *task = op->joined;

  g_mutex_lock (&task->lock);
  task9_async_op_withdraw (op);
  g_mutex_unlock (&task->lock);

  if (op->reason != TASK9_WAKE_READY)
    task9_wait_check_reason (op->reason, &op->error);
  else if (task->error != NULL)
    op->error = g_error_copy (task->error);
  else
    op->result_pointer = task->result;
  g_clear_pointer (&op->joined, task9_task_unref);
}

/**
 * task9_task_join_async:
 * @task: the task to wait for
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called on the caller's thread-default main context once
 *   @task has finished
 * @user_data: (closure): data for @callback
 *
 * Waits for @task to finish without blocking the caller: the async form of
 * [method@Task9.Task.join], for code running on a main loop. Finish with
 * [method@Task9.Task.join_finish].
 *
 * Since: 0.1
 */
void
task9_task_join_async (Task9Task           *task,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  Task9AsyncOp *op;

  g_return_if_fail (task != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  op = task9_async_op_new (NULL, 1, cancellable, callback, user_data,
                           task9_task_join_async, settle_join);
  op->joined = task9_task_ref (task);

  g_mutex_lock (&task->lock);
  __atomic_store_n (&task->has_joiners, TRUE, __ATOMIC_SEQ_CST);
  if (task_finished_locked (task))
    {
      g_mutex_unlock (&task->lock);
      task9_async_op_complete_now (op, TASK9_WAKE_READY);
      return;
    }
  task9_waiter_enqueue (&task->joiners.waiters, &op->waiters[0]);
  g_object_ref (op);   /* the task may end and complete it as soon as we unlock */
  g_mutex_unlock (&task->lock);
  task9_async_op_wait (op);
}

/**
 * task9_task_join_finish:
 * @task: the task given to [method@Task9.Task.join_async]
 * @result: the result given to the callback
 * @error: return location for a #GError
 *
 * Finishes [method@Task9.Task.join_async].
 *
 * Returns: (transfer none) (nullable): the task's result, or %NULL with @error set: the
 *   task's own error, or %G_IO_ERROR_CANCELLED
 *
 * Since: 0.1
 */
gpointer
task9_task_join_finish (Task9Task     *task,
                        GAsyncResult  *result,
                        GError       **error)
{
  Task9AsyncOp *op;

  g_return_val_if_fail (task != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  op = task9_async_op_check (result, NULL, task9_task_join_async, error);
  return op != NULL ? op->result_pointer : NULL;
}

/**
 * task9_yield: (skip)
 *
 * Lets every other runnable task of the proc run, then continues. A task that loops
 * on yield still lets timers, IO and the other sources of the main loop run: the
 * scheduler returns to the main loop when its time budget is spent.
 *
 * Called outside a task, it does nothing and returns 0.
 *
 * Returns: how many times other tasks ran before the caller continued
 *
 * Since: 0.1
 */
guint
task9_yield (void)
{
  Task9Task *self = task9_scheduler_current_task ();
  Task9Proc *proc;
  guint64 before;

  if (self == NULL)
    return 0;

  proc = self->proc;
  before = proc->n_runs;
  task9_scheduler_yield (proc, self);
  return proc->n_runs == before ? 0 : (guint) MIN (proc->n_runs - before - 1, G_MAXUINT);
}

/**
 * task9_exit: (skip)
 * @result: (nullable): the task's result, as if its function had returned it
 *
 * Ends the calling task at once, like returning @result from its function. Nothing on
 * the task's stack is unwound: free what it owns first. Outside a task this logs a
 * critical warning and returns.
 *
 * Since: 0.1
 */
void
task9_exit (gpointer result)
{
  Task9Task *self = task9_scheduler_current_task ();

  if (self == NULL)
    {
      g_critical ("task9_exit() called outside a task");
      return;
    }
  task_finish (self, result, NULL);
}

/**
 * task9_check_cancelled: (skip)
 * @error: return location for a #GError
 *
 * Lets a task that computes without blocking notice cancellation.
 *
 * Returns: %FALSE with %G_IO_ERROR_CANCELLED when the calling task was cancelled,
 *   %FALSE with %TASK9_ERROR_NOT_IN_TASK outside a task, %TRUE otherwise
 *
 * Since: 0.1
 */
gboolean
task9_check_cancelled (GError **error)
{
  Task9Task *self = task9_scheduler_current_task ();

  if (self == NULL)
    {
      g_set_error_literal (error, TASK9_ERROR, TASK9_ERROR_NOT_IN_TASK,
                           "task9_check_cancelled() called outside a task");
      return FALSE;
    }
  if (!self->shielded && __atomic_load_n (&self->cancelled, __ATOMIC_SEQ_CST))
    return task9_wait_check_reason (TASK9_WAKE_CANCELLED, error);
  return TRUE;
}

/**
 * task9_set_cancel_shield: (skip)
 * @shield: %TRUE to shield the calling task from its cancellation, %FALSE to lift that
 *
 * Shields the calling task from its own cancellation, or lifts the shield: curio's
 * `disable_cancellation()`. Cancellation is sticky, so a cancelled task's every wait
 * fails at once; a task that caught its cancellation and must still wait to clean up
 * (save its work, tell a peer, release what it holds) shields itself for that part.
 *
 * While the shield is up, [method@Task9.Task.cancel] does not end the task's waits and
 * [func@Task9.check_cancelled] reports nothing; a #GCancellable passed to a call still
 * works, and [method@Task9.Task.is_cancelled] still tells the truth. Once the shield is
 * lifted, the next wait of a cancelled task fails with %G_IO_ERROR_CANCELLED again.
 * Restore the value this returns, so that shields nest:
 *
 * |[<!-- language="C" -->
 * gboolean was = task9_set_cancel_shield (TRUE);
 * save_work (job);                 // may block, whatever happened to us
 * task9_set_cancel_shield (was);
 * ]|
 *
 * Outside a task this does nothing and returns %FALSE.
 *
 * Returns: whether the task was shielded before this call
 *
 * Since: 0.1
 */
gboolean
task9_set_cancel_shield (gboolean shield)
{
  Task9Task *self = task9_scheduler_current_task ();
  gboolean was;

  if (self == NULL)
    return FALSE;
  was = self->shielded;
  self->shielded = shield != FALSE;
  return was;
}

static void
collect_tasks (Task9Proc *proc, gpointer data)
{
  GPtrArray *tasks = data;

  task9_spin_lock (&proc->tasks_lock);
  for (Task9Task *task = proc->tasks; task != NULL; task = task->list_next)
    g_ptr_array_add (tasks, task9_task_ref (task));
  task9_spin_unlock (&proc->tasks_lock);
}

/**
 * task9_task_list_all:
 *
 * Lists every task that has not finished, on every proc: the task table.
 *
 * Returns: (transfer container) (element-type Task9Task): the tasks
 *
 * Since: 0.1
 */
GPtrArray *
task9_task_list_all (void)
{
  GPtrArray *tasks = g_ptr_array_new_with_free_func ((GDestroyNotify) task9_task_unref);

  task9_proc_foreach (collect_tasks, tasks);
  return tasks;
}

/**
 * task9_format_task_table:
 *
 * Formats [func@Task9.Task.list_all] as a table with one line per task: its id, proc,
 * state, wait reason and name, like curio's `ps` or Go's goroutine dump.
 *
 * Returns: (transfer full): the table
 *
 * Since: 0.1
 */
char *
task9_format_task_table (void)
{
  static const char *const states[] = { "runnable", "running", "blocked", "finished" };
  g_autoptr(GPtrArray) tasks = task9_task_list_all ();
  GString *out = g_string_new (NULL);

  g_string_append_printf (out, "%6s  %-12s  %-9s  %-10s  %s\n", "ID", "PROC", "STATE", "WAIT", "NAME");
  for (guint i = 0; i < tasks->len; i++)
    {
      Task9Task *task = tasks->pdata[i];
      Task9TaskState state = task9_task_get_state (task);
      const char *reason = task9_task_get_wait_reason (task);
      g_autofree char *name = task9_task_dup_name (task);

      g_string_append_printf (out, "%6" G_GUINT64_FORMAT "  %-12s  %-9s  %-10s  %s\n",
                              task->id, task->proc->name,
                              states[MIN ((guint) state, G_N_ELEMENTS (states) - 1)],
                              reason != NULL ? reason : "-",
                              name != NULL ? name : "-");
    }
  return g_string_free (out, FALSE);
}
