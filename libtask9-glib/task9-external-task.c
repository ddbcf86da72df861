/* task9-external-task.c: tasks whose body is a binding's coroutine
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A Python generator, an `async def` coroutine or a JavaScript async function cannot run
 * on a task's C stack (DESIGN.md, "Bindings"): it runs on the main loop, suspended at each
 * library wait by its own language. An external task is how such a coroutine becomes a
 * task all the same. It is the same record as a stackful task (Task9Task), with no stack
 * and no body, so everything that takes a task takes it unchanged: it has an id and a
 * name, it is listed by task9_task_list_all() and task9_format_task_table() on the proc
 * it was made on, task9_task_join(), task9_task_join_async() and task9_task_cancel()
 * work on it, and a group or a task-end channel could hold it. A separate type would
 * have had to copy the joiners, the result, the cancellation and the task list, and no C
 * or binding code that joins or cancels "a task" could have been handed it.
 *
 * What differs is who drives it. The binding sets its wait reason around each library
 * wait (task9_task_set_wait_reason(): blocked with that reason, or running), passes the
 * task's GCancellable to every _async call it makes for the coroutine, and ends it
 * exactly once with task9_task_return_value(), _return_pointer(), _return_error() or
 * _return_new_error().
 *
 * Invariants:
 * - An external task's func is NULL and its stack is NULL, for its whole life; a
 *   stackful task's func never is (task9_task_record_is_external()).
 * - task9_task_cancel() on an external task sets the sticky cancelled flag (in
 *   task9-task.c) and cancels the task's GCancellable, from whichever thread calls it;
 *   the binding passes that cancellable to every wait, so the current wait and every
 *   later one fail with G_IO_ERROR_CANCELLED. Nothing else ends a wait behind the
 *   binding's back.
 * - The record is made with two references, as a spawned task's is: the caller's, and
 *   one the task holds on itself until it is returned. Returning takes it off its
 *   proc's list, publishes the result or error before `finished` (release), wakes the
 *   joiners, and drops that reference, in that order, as task_finish() does for a
 *   stackful task.
 * - An external task that has not finished counts as alive for task9_main()'s deadlock
 *   detector (wait_external stays set): its coroutine waits on the main loop, where
 *   code the detector cannot see may wake it.
 * - Its own state (the cancellable, a returned GValue, a pointer's destroy notify) lives
 *   in the record's data under one key and goes with the record.
 */

#include "task9-config.h"

#include "task9-error.h"
#include "task9-external-task.h"
#include "task9-external-task-private.h"
#include "task9-scheduler-private.h"

#define EXTERNAL_KEY "task9-external"

typedef struct
{
  GCancellable   *cancellable;
  gint            returned;        /* atomic: a _return_ call has been made */
  gboolean        has_value;
  GValue          value;
  gpointer        pointer;
  GDestroyNotify  pointer_destroy;
} External;

static void
external_free (gpointer data)
{
  External *ext = data;

  g_clear_object (&ext->cancellable);
  if (ext->has_value)
    g_value_unset (&ext->value);
  if (ext->pointer_destroy != NULL)
    ext->pointer_destroy (ext->pointer);
  g_free (ext);
}

static External *
external_get (Task9Task *task)
{
  return task9_task_get_data (task, EXTERNAL_KEY);
}

/**
 * task9_task_new_external:
 * @name: (nullable): a name for the task table and error reports
 *
 * Registers a coroutine of a language binding (a Python generator or coroutine, a
 * JavaScript async function) as a task, on the calling thread's proc (the main proc
 * when the thread runs the default main context or is no proc's).
 *
 * The task has no stack and no body: the binding runs the coroutine on the main loop.
 * It has an id and a name, shows in [func@Task9.format_task_table] (running, or blocked
 * with the reason set by [method@Task9.Task.set_wait_reason]), can be joined with
 * [method@Task9.Task.join] and [method@Task9.Task.join_async] and cancelled with
 * [method@Task9.Task.cancel] like any task. The binding passes
 * [method@Task9.Task.get_cancellable] to every `_async` call it makes on the
 * coroutine's behalf, so that a cancellation fails the current wait and every later
 * one with %G_IO_ERROR_CANCELLED, and ends the task exactly once with
 * [method@Task9.Task.return_value], [method@Task9.Task.return_error] or
 * [method@Task9.Task.return_new_error].
 *
 * Until it ends, the task keeps a reference on itself and counts as alive for the
 * deadlock detector of [func@Task9.main].
 *
 * Returns: (transfer full) (nullable): the task, or %NULL when its proc has stopped
 *
 * Since: 0.1
 */
Task9Task *
task9_task_new_external (const char *name)
{
  Task9Proc *proc = task9_proc_current_or_adopt ();
  External *ext;
  Task9Task *task;

  if (proc == NULL)
    proc = task9_proc_get_main ();

  task = g_new0 (Task9Task, 1);
  g_mutex_init (&task->lock);
  task9_wait_list_init (&task->joiners);
  g_atomic_int_inc (&proc->ref_count);
  task->proc = proc;
  task->func = NULL;
  task->ref_count = 2;
  task->state = TASK9_TASK_STATE_RUNNING;
  task->timer.index = TASK9_TIMER_UNARMED;
  task->wait_external = TRUE;
  task->id = task9_task_next_id ();
  task->name = g_strdup (name);

  ext = g_new0 (External, 1);
  ext->cancellable = g_cancellable_new ();
  task9_task_set_data (task, EXTERNAL_KEY, ext, external_free);

  if (!task9_proc_admit_task (proc, task, NULL))
    {
      task->ref_count = 1;
      task9_task_unref (task);
      return NULL;
    }
  return task;
}

/**
 * task9_task_is_external:
 * @task: a task
 *
 * Tells whether @task was made with [ctor@Task9.Task.new_external].
 *
 * Returns: %TRUE for an external task, %FALSE for a stackful one
 *
 * Since: 0.1
 */
gboolean
task9_task_is_external (Task9Task *task)
{
  g_return_val_if_fail (task != NULL, FALSE);

  return task9_task_record_is_external (task);
}

/**
 * task9_task_get_cancellable:
 * @task: a task
 *
 * Returns the cancellable of an external task: [method@Task9.Task.cancel] cancels it.
 * Its binding passes it to every `_async` call it makes for the task (or a cancellable
 * chained to it), so that the task's current wait and every later one fail with
 * %G_IO_ERROR_CANCELLED once it is cancelled.
 *
 * Returns: (transfer none) (nullable): the cancellable, or %NULL for a stackful task
 *   (whose blocking calls see its cancellation directly)
 *
 * Since: 0.1
 */
GCancellable *
task9_task_get_cancellable (Task9Task *task)
{
  External *ext;

  g_return_val_if_fail (task != NULL, NULL);

  if (!task9_task_record_is_external (task))
    return NULL;
  ext = external_get (task);
  return ext != NULL ? ext->cancellable : NULL;
}

/* task9_task_cancel() on an external task, after it set the sticky flag. */
void
task9_external_task_cancel (Task9Task *task)
{
  External *ext = external_get (task);

  if (ext != NULL)
    g_cancellable_cancel (ext->cancellable);
}

/**
 * task9_task_set_wait_reason:
 * @task: an external task
 * @reason: (nullable): what the task now waits for, such as "recv" or "sleep", or
 *   %NULL when it runs again
 *
 * Tells the task table what an external task does: with a @reason it is blocked
 * waiting for that, with %NULL it is running. The binding calls it around each wait of
 * the coroutine. The string is interned, so use a small set of reasons.
 *
 * Since: 0.1
 */
void
task9_task_set_wait_reason (Task9Task  *task,
                            const char *reason)
{
  g_return_if_fail (task != NULL);
  g_return_if_fail (task9_task_record_is_external (task));

  if (task9_task_is_finished (task))
    return;
  /* For the task table (task9-task-table.c): since when it waits, how often it ran. */
  if (reason != NULL)
    __atomic_store_n (&task->blocked_since, g_get_monotonic_time (), __ATOMIC_RELAXED);
  else if (__atomic_load_n (&task->state, __ATOMIC_RELAXED) == TASK9_TASK_STATE_BLOCKED)
    __atomic_add_fetch (&task->n_switches, 1, __ATOMIC_RELAXED);
  __atomic_store_n (&task->wait_reason, reason != NULL ? g_intern_string (reason) : NULL,
                    __ATOMIC_RELAXED);
  __atomic_store_n (&task->state,
                    reason != NULL ? TASK9_TASK_STATE_BLOCKED : TASK9_TASK_STATE_RUNNING,
                    __ATOMIC_RELAXED);
}

/* Claims the one return of @task: FALSE (with a critical) for a second one. */
static External *
external_claim_return (Task9Task *task)
{
  External *ext = external_get (task);

  g_return_val_if_fail (ext != NULL, NULL);
  if (__atomic_exchange_n (&ext->returned, 1, __ATOMIC_ACQ_REL))
    {
      g_critical ("External task %" G_GUINT64_FORMAT " (%s) was already returned",
                  task->id, task->name != NULL ? task->name : "unnamed");
      return NULL;
    }
  return ext;
}

/* Ends @task with @result or @error (taken), as task_finish() ends a stackful one. */
static void
external_finish (Task9Task *task,
                 gpointer   result,
                 GError    *error)
{
  Task9Proc *proc = task->proc;

  __atomic_store_n (&task->wait_reason, NULL, __ATOMIC_RELAXED);
  __atomic_store_n (&task->state, TASK9_TASK_STATE_FINISHED, __ATOMIC_RELAXED);
  task9_proc_retire_task (proc, task);

  task->result = result;
  task->error = error;
  __atomic_store_n (&task->finished, TRUE, __ATOMIC_SEQ_CST);
  if (__atomic_load_n (&task->has_joiners, __ATOMIC_SEQ_CST))
    {
      g_mutex_lock (&task->lock);
      task9_wait_list_wake_all (&task->joiners);
      g_mutex_unlock (&task->lock);
    }
  task9_task_unref (task);   /* the task's reference on itself */
}

/**
 * task9_task_return_value:
 * @task: an external task that has not ended
 * @value: (nullable): the coroutine's result, copied; %NULL for none
 *
 * Ends an external task successfully. Its joiners wake:
 * [method@Task9.Task.dup_result_value] gives them a copy of @value, and in C
 * [method@Task9.Task.join] returns a `GValue *` owned by the task record (%NULL when
 * @value is %NULL). An external task is ended exactly once.
 *
 * Since: 0.1
 */
void
task9_task_return_value (Task9Task    *task,
                         const GValue *value)
{
  External *ext;

  g_return_if_fail (task != NULL);
  g_return_if_fail (task9_task_record_is_external (task));
  g_return_if_fail (value == NULL || G_IS_VALUE (value));

  if ((ext = external_claim_return (task)) == NULL)
    return;
  if (value != NULL)
    {
      g_value_init (&ext->value, G_VALUE_TYPE (value));
      g_value_copy (value, &ext->value);
      ext->has_value = TRUE;
    }
  external_finish (task, value != NULL ? &ext->value : NULL, NULL);
}

/**
 * task9_task_return_pointer: (skip)
 * @task: an external task that has not ended
 * @result: (nullable): the result [method@Task9.Task.join] returns
 * @result_destroy: (nullable): frees @result when the task record goes
 *
 * Ends an external task successfully with a C pointer, as a stackful task's function
 * returns one. An external task is ended exactly once.
 *
 * Since: 0.1
 */
void
task9_task_return_pointer (Task9Task      *task,
                           gpointer        result,
                           GDestroyNotify  result_destroy)
{
  External *ext;

  g_return_if_fail (task != NULL);
  g_return_if_fail (task9_task_record_is_external (task));

  if ((ext = external_claim_return (task)) == NULL)
    {
      if (result_destroy != NULL)
        result_destroy (result);
      return;
    }
  ext->pointer = result;
  ext->pointer_destroy = result_destroy;
  external_finish (task, result, NULL);
}

/**
 * task9_task_return_error:
 * @task: an external task that has not ended
 * @failure: the error, copied
 *
 * Ends an external task with an error: its joiners get a copy of @failure. A coroutine
 * that ends because it was cancelled returns %G_IO_ERROR_CANCELLED. An external task is
 * ended exactly once.
 *
 * Since: 0.1
 */
void
task9_task_return_error (Task9Task    *task,
                         const GError *failure)
{
  g_return_if_fail (task != NULL);
  g_return_if_fail (task9_task_record_is_external (task));
  g_return_if_fail (failure != NULL);

  if (external_claim_return (task) == NULL)
    return;
  external_finish (task, NULL, g_error_copy (failure));
}

/**
 * task9_task_return_new_error:
 * @task: an external task that has not ended
 * @domain: the error domain, such as %TASK9_ERROR
 * @code: the error code
 * @message: the message
 *
 * Ends an external task with a new error, like [method@Task9.Task.return_error]: for
 * a binding whose failure is not a #GError (a Python exception that escaped the
 * coroutine ends its task with %TASK9_ERROR_FAILED and the exception's text).
 *
 * Since: 0.1
 */
void
task9_task_return_new_error (Task9Task  *task,
                             GQuark      domain,
                             int         code,
                             const char *message)
{
  g_return_if_fail (task != NULL);
  g_return_if_fail (task9_task_record_is_external (task));
  g_return_if_fail (domain != 0);
  g_return_if_fail (message != NULL);

  if (external_claim_return (task) == NULL)
    return;
  external_finish (task, NULL, g_error_new_literal (domain, code, message));
}

/**
 * task9_task_dup_result_value:
 * @task: a task
 *
 * Returns the value an external task was ended with by
 * [method@Task9.Task.return_value]: what a binding that joined it reads after
 * [method@Task9.Task.join_finish] (whose C pointer bindings cannot use).
 *
 * Returns: (transfer full) (nullable): a copy of the value, or %NULL when @task has
 *   not ended, ended with an error or without a value, or is a stackful task
 *
 * Since: 0.1
 */
GValue *
task9_task_dup_result_value (Task9Task *task)
{
  External *ext;
  GValue *copy;

  g_return_val_if_fail (task != NULL, NULL);

  if (!task9_task_record_is_external (task) || !task9_task_is_finished (task))
    return NULL;
  ext = external_get (task);
  if (ext == NULL || !ext->has_value)
    return NULL;
  copy = g_new0 (GValue, 1);
  g_value_init (copy, G_VALUE_TYPE (&ext->value));
  g_value_copy (&ext->value, copy);
  return copy;
}
