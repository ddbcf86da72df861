/* task9-proc.c: procs, the OS threads that run tasks
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A proc is a thread plus a GMainContext plus one scheduler source on it. The main proc
 * adopts the thread that runs the default main context (GTK's, or task9_main()'s); other
 * procs are threads the library starts, each with its own context pushed as
 * thread-default, so GIO calls made by their tasks complete on their own thread.
 *
 * Invariants:
 * - n_tasks counts admitted tasks that have not finished. A task is admitted under
 *   proc->tasks_lock, and only while the proc is accepting.
 * - A library proc ends when it has no tasks and either it was asked to stop or it was
 *   made with TASK9_PROC_FLAGS_END_WITH_LAST_TASK and has had a task. The decision to end and
 *   the end of admission are made under proc->tasks_lock, so no task is admitted to a
 *   proc whose thread is leaving.
 * - The thread holds a reference on its proc until it has ended, and every task record
 *   holds one until it is freed, so a task's proc pointer is always valid; the main proc
 *   lives for ever.
 */

#include "task9-config.h"

#include "task9-debug-private.h"

#include <sys/syscall.h>
#include <unistd.h>

#include "task9-async-private.h"
#include "task9-error.h"
#include "task9-main-private.h"
#include "task9-scheduler-private.h"

G_DEFINE_BOXED_TYPE (Task9Proc, task9_proc, task9_proc_ref, task9_proc_unref)

static GMutex     all_lock;
static Task9Proc *all_procs;
static Task9Proc *main_proc;

static Task9Proc *
proc_alloc (const char *name, GMainContext *context)
{
  Task9Proc *proc = g_new0 (Task9Proc, 1);

  proc->ref_count = 1;
  proc->name = g_strdup (name);
  proc->context = g_main_context_ref (context);
  proc->time_budget = TASK9_DEFAULT_TIME_BUDGET;
  proc->stack_size = TASK9_DEFAULT_STACK_SIZE;
  proc->budget_countdown = 1;
  proc->accepting = TRUE;
  g_mutex_init (&proc->inbox_lock);
  g_mutex_init (&proc->lock);
  task9_timer_heap_init (&proc->timers);
  task9_wait_list_init (&proc->joiners);

  proc->source = task9_scheduler_source_new (proc);
  g_source_attach (proc->source, context);

  g_mutex_lock (&all_lock);
  proc->all_next = all_procs;
  all_procs = proc;
  g_mutex_unlock (&all_lock);

  task9_debug_init_from_env ();   /* TASK9_MONITOR, TASK9_DUMP_ON_SIGQUIT */

  return proc;
}

static void
proc_unlist (Task9Proc *proc)
{
  g_mutex_lock (&all_lock);
  for (Task9Proc **p = &all_procs; *p != NULL; p = &(*p)->all_next)
    if (*p == proc)
      {
        *p = proc->all_next;
        break;
      }
  g_mutex_unlock (&all_lock);
}

void
task9_proc_foreach (void     (*func) (Task9Proc *proc, gpointer data),
                    gpointer   data)
{
  g_mutex_lock (&all_lock);
  for (Task9Proc *proc = all_procs; proc != NULL; proc = proc->all_next)
    func (proc, data);
  g_mutex_unlock (&all_lock);
}

/* For task9-main.c, which inspects every proc at once. */
void
task9_proc_lock_all (void)
{
  g_mutex_lock (&all_lock);
}

void
task9_proc_unlock_all (void)
{
  g_mutex_unlock (&all_lock);
}

Task9Proc *
task9_proc_first_locked (void)
{
  return all_procs;
}

/* Wakes the proc's thread to look at its state again. The count, bumped after the
 * wake-up, tells the deadlock detector about it (see task9-main.c). */
void
task9_proc_poke (Task9Proc *proc)
{
  g_main_context_wakeup (proc->context);
  g_atomic_int_inc (&proc->pokes);   /* after: see task9_async_op_fire() */
}

#define TRIM_DELAY_MS     1000   /* a burst's stacks stay warm this long */
#define TRIM_INTERVAL_MS  10
#define TRIM_BATCH        4096   /* stacks per trimming step: keeps each step short */

static gboolean
trim_stacks (gpointer data)
{
  Task9Proc *proc = data;

  if (task9_stack_pool_trim (&proc->stack_pool, TRIM_BATCH))
    {
      g_source_set_ready_time (proc->trim_source,
                               g_get_monotonic_time () + TRIM_INTERVAL_MS * 1000);
      return G_SOURCE_CONTINUE;
    }
  g_clear_pointer (&proc->trim_source, g_source_unref);
  return G_SOURCE_REMOVE;
}

/* On the proc's thread, when its pool of warm stacks outgrew what it keeps. */
void
task9_proc_schedule_stack_trim (Task9Proc *proc)
{
  if (proc->trim_source != NULL)
    return;
  proc->trim_source = g_timeout_source_new (TRIM_DELAY_MS);
  g_source_set_static_name (proc->trim_source, "Task9 stack trim");
  g_source_set_priority (proc->trim_source, G_PRIORITY_LOW);
  g_source_set_callback (proc->trim_source, trim_stacks, proc, NULL);
  g_source_attach (proc->trim_source, proc->context);
}

gboolean
task9_proc_should_end (Task9Proc *proc)
{
  gboolean end;

  if (proc->is_main || g_atomic_int_get (&proc->n_tasks) > 0)
    return FALSE;

  task9_spin_lock (&proc->tasks_lock);
  end = proc->n_tasks == 0 && (proc->stop_requested || (proc->auto_stop && proc->had_task));
  if (end)
    proc->accepting = FALSE;
  task9_spin_unlock (&proc->tasks_lock);
  return end;
}

gboolean
task9_proc_admit_task (Task9Proc  *proc,
                       Task9Task  *task,
                       GError    **error)
{
  task9_spin_lock (&proc->tasks_lock);
  if (!proc->accepting)
    {
      task9_spin_unlock (&proc->tasks_lock);
      g_set_error (error, TASK9_ERROR, TASK9_ERROR_PROC_STOPPED,
                   "Proc '%s' has stopped", proc->name != NULL ? proc->name : "");
      return FALSE;
    }
  g_atomic_int_inc (&proc->n_tasks);
  proc->had_task = TRUE;
  task->list_prev = NULL;
  task->list_next = proc->tasks;
  if (proc->tasks != NULL)
    proc->tasks->list_prev = task;
  proc->tasks = task;
  task9_spin_unlock (&proc->tasks_lock);
  return TRUE;
}

void
task9_proc_retire_task (Task9Proc *proc,
                        Task9Task *task)
{
  gboolean drained;

  task9_spin_lock (&proc->tasks_lock);
  if (task->list_prev != NULL)
    task->list_prev->list_next = task->list_next;
  else
    proc->tasks = task->list_next;
  if (task->list_next != NULL)
    task->list_next->list_prev = task->list_prev;
  drained = g_atomic_int_dec_and_test (&proc->n_tasks);
  task9_spin_unlock (&proc->tasks_lock);

  if (drained)
    task9_main_proc_drained (proc);
}

static void
proc_finalize (Task9Proc *proc)
{
  g_assert (proc->run_head == NULL && proc->inbox_head == NULL);

  if (proc->thread != NULL)
    {
      if (proc->thread == g_thread_self ())
        g_thread_unref (proc->thread);
      else
        g_thread_join (proc->thread);
    }
  g_source_destroy (proc->source);
  g_source_unref (proc->source);
  g_clear_pointer (&proc->foreign_sources, g_array_unref);
  g_main_context_unref (proc->context);
  task9_timer_heap_clear (&proc->timers);
  task9_wait_list_clear (&proc->joiners);
  g_mutex_clear (&proc->lock);
  g_mutex_clear (&proc->inbox_lock);
  g_free (proc->name);
  g_free (proc);
}

/**
 * task9_proc_ref:
 * @proc: a proc
 *
 * Takes a reference on @proc.
 *
 * Returns: (transfer full): @proc
 *
 * Since: 0.1
 */
Task9Proc *
task9_proc_ref (Task9Proc *proc)
{
  g_return_val_if_fail (proc != NULL, NULL);

  g_atomic_int_inc (&proc->ref_count);
  return proc;
}

/**
 * task9_proc_unref:
 * @proc: (transfer full): a proc
 *
 * Drops a reference on @proc. A running proc keeps a reference on itself until its
 * thread has ended, so dropping the last user reference does not stop it: use
 * [method@Task9.Proc.stop].
 *
 * Since: 0.1
 */
void
task9_proc_unref (Task9Proc *proc)
{
  g_return_if_fail (proc != NULL);

  if (g_atomic_int_dec_and_test (&proc->ref_count))
    proc_finalize (proc);
}

static gpointer
proc_thread (gpointer data)
{
  Task9Proc *proc = data;

  g_main_context_push_thread_default (proc->context);
  g_main_context_set_poll_func (proc->context, task9_scheduler_poll);
  task9_scheduler_enter_thread (proc);

  do
    {
      g_main_context_iteration (proc->context, TRUE);
    }
  while (!task9_proc_should_end (proc));

  if (proc->trim_source != NULL)
    {
      g_source_destroy (proc->trim_source);
      g_clear_pointer (&proc->trim_source, g_source_unref);
    }
  task9_scheduler_close_inbox (proc);
  task9_timer_heap_clear (&proc->timers);   /* timer channels nobody will fire now */
  task9_fd_table_release (proc);
  task9_cancel_hooks_clear (&proc->cancel_hooks);
  task9_stack_pool_drain (&proc->stack_pool);
  task9_task_record_cache_drain (proc);
  task9_async_thread_drain ();   /* spare async ops hold the proc and its context */
  g_main_context_pop_thread_default (proc->context);

  /* Joiners are woken before the proc leaves the list: while it is listed and not idle,
   * the deadlock detector cannot take their wait for one nothing will end. */
  g_mutex_lock (&proc->lock);
  proc->ended = TRUE;
  task9_wait_list_wake_all (&proc->joiners);
  g_mutex_unlock (&proc->lock);
  proc_unlist (proc);

  task9_main_proc_drained (proc);
  task9_proc_unref (proc);
  return NULL;
}

static Task9Proc *
proc_start (const char *name, gboolean auto_stop, GError **error)
{
  GMainContext *context = g_main_context_new ();
  Task9Proc *proc = proc_alloc (name, context);

  g_main_context_unref (context);
  proc->auto_stop = auto_stop;
  proc->thread = g_thread_try_new (name != NULL ? name : "task9-proc", proc_thread,
                                   task9_proc_ref (proc), error);
  if (proc->thread == NULL)
    {
      proc_unlist (proc);
      proc->ref_count = 1;
      task9_proc_unref (proc);
      return NULL;
    }
  return proc;
}

/**
 * task9_proc_new:
 * @name: (nullable): a name for the proc's thread and the task table
 * @error: return location for a #GError
 *
 * Starts a proc: a new thread with its own #GMainContext, pushed as the thread-default
 * context, where tasks spawned with [func@Task9.Task.spawn_full] run. The proc runs
 * until [method@Task9.Proc.stop] is called and its last task has ended.
 *
 * Returns: (transfer full) (nullable): the proc, or %NULL with @error set when no
 *   thread could be started
 *
 * Since: 0.1
 */
Task9Proc *
task9_proc_new (const char  *name,
                GError     **error)
{
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return proc_start (name, FALSE, error);
}

/**
 * task9_proc_new_full:
 * @name: (nullable): a name for the proc's thread and the task table
 * @flags: how the proc ends
 * @error: return location for a #GError
 *
 * Like [ctor@Task9.Proc.new]; with %TASK9_PROC_FLAGS_END_WITH_LAST_TASK the proc also
 * ends by itself once it has had a task and its last task has ended (libthread's
 * `proccreate`: spawn its first task right away).
 *
 * Returns: (transfer full) (nullable): the proc, or %NULL with @error set
 *
 * Since: 0.1
 */
Task9Proc *
task9_proc_new_full (const char      *name,
                     Task9ProcFlags   flags,
                     GError         **error)
{
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);
  g_return_val_if_fail ((flags & ~TASK9_PROC_FLAGS_END_WITH_LAST_TASK) == 0, NULL);

  return proc_start (name, (flags & TASK9_PROC_FLAGS_END_WITH_LAST_TASK) != 0, error);
}

static gboolean
is_initial_thread (void)
{
#ifdef SYS_gettid
  return syscall (SYS_gettid) == getpid ();
#else
  return FALSE;
#endif
}

/**
 * task9_proc_get_main:
 *
 * Returns the main proc, creating it on first use: the proc whose tasks run on the
 * default #GMainContext, interleaved with GTK's events, whoever runs that context
 * (`g_application_run()`, `g_main_loop_run()`, [func@Task9.main]).
 *
 * The main proc's tasks run on the thread that iterates the default context. That
 * thread (normally the program's first thread) becomes the main proc's on its first
 * call of this function or of any call that needs the current proc
 * ([func@Task9.Channel.after], [ctor@Task9.Channel.new_ticker],
 * [func@Task9.idle_channel_new], [func@Task9.wait_idle_async], [func@Task9.fd_watch],
 * [ctor@Task9.Task.new_external]), so a Python or JavaScript program needs no set-up
 * call. Other `_async` calls work on any thread without a proc and adopt none: a
 * thread that is no proc's may still block in [method@Task9.Task.join].
 *
 * Returns: (transfer none): the main proc
 *
 * Since: 0.1
 */
Task9Proc *
task9_proc_get_main (void)
{
  Task9Proc *proc = g_atomic_pointer_get (&main_proc);

  if (G_LIKELY (proc != NULL))
    return proc;

  {
    static GMutex create_lock;

    g_mutex_lock (&create_lock);
    proc = main_proc;
    if (proc == NULL)
      {
        proc = proc_alloc ("main", g_main_context_default ());
        proc->is_main = TRUE;
        proc->polling = 1;   /* nobody tells us when GTK's loop sleeps */
        g_atomic_pointer_set (&main_proc, proc);
      }
    g_mutex_unlock (&create_lock);
  }

  if (task9_current_proc == NULL &&
      (g_main_context_is_owner (g_main_context_default ()) || is_initial_thread ()))
    task9_scheduler_enter_thread (proc);

  return proc;
}

/**
 * task9_proc_get_current:
 *
 * Returns the proc of the calling thread.
 *
 * Returns: (transfer none) (nullable): the proc, or %NULL when the calling thread is not
 *   a proc's
 *
 * Since: 0.1
 */
Task9Proc *
task9_proc_get_current (void)
{
  return task9_current_proc;
}

/* The calling thread's proc. A thread that is no proc's yet but runs (or will run) the
 * default main context, as a Python or GJS script's first thread does, becomes the main
 * proc's here: every entry point that needs the current proc (timer channels, idle, fd
 * readiness, external tasks) calls this rather than reading
 * task9_current_proc, so no binding has to call task9_proc_get_main() first. NULL on
 * any other thread. */
Task9Proc *
task9_proc_current_or_adopt (void)
{
  if (G_LIKELY (task9_current_proc != NULL))
    return task9_current_proc;
  task9_proc_get_main ();
  return task9_current_proc;
}

Task9Proc *
task9_proc_for_spawn (Task9Proc *proc)
{
  if (proc != NULL)
    return proc;
  if (task9_current_proc != NULL)
    return task9_current_proc;
  return task9_proc_get_main ();
}

/**
 * task9_proc_get_name:
 * @proc: a proc
 *
 * Returns the name given when @proc was made ("main" for the main proc).
 *
 * Returns: (nullable): the proc's name
 *
 * Since: 0.1
 */
const char *
task9_proc_get_name (Task9Proc *proc)
{
  g_return_val_if_fail (proc != NULL, NULL);

  return proc->name;
}

/**
 * task9_proc_get_context:
 * @proc: a proc
 *
 * Returns the main context of @proc: the default one for the main proc, the proc's
 * own thread-default context otherwise. Sources attached to it run on the proc's
 * thread, between its tasks.
 *
 * Returns: (transfer none): the main context that runs the proc's tasks
 *
 * Since: 0.1
 */
GMainContext *
task9_proc_get_context (Task9Proc *proc)
{
  g_return_val_if_fail (proc != NULL, NULL);

  return proc->context;
}

/**
 * task9_proc_get_n_tasks:
 * @proc: a proc
 *
 * Counts the live tasks of @proc.
 *
 * Returns: how many tasks of @proc have not finished
 *
 * Since: 0.1
 */
guint
task9_proc_get_n_tasks (Task9Proc *proc)
{
  g_return_val_if_fail (proc != NULL, 0);

  return (guint) g_atomic_int_get (&proc->n_tasks);
}

/**
 * task9_proc_is_main:
 * @proc: a proc
 *
 * Tells whether @proc is the one on the default main context.
 *
 * Returns: whether @proc is the main proc
 *
 * Since: 0.1
 */
gboolean
task9_proc_is_main (Task9Proc *proc)
{
  g_return_val_if_fail (proc != NULL, FALSE);

  return proc->is_main;
}

/**
 * task9_proc_get_time_budget:
 * @proc: a proc
 *
 * Returns the time budget of @proc's scheduler; see
 * [method@Task9.Proc.set_time_budget].
 *
 * Returns: how long one scheduler dispatch may run tasks, in microseconds
 *
 * Since: 0.1
 */
GTimeSpan
task9_proc_get_time_budget (Task9Proc *proc)
{
  g_return_val_if_fail (proc != NULL, 0);

  return proc->time_budget;
}

/**
 * task9_proc_set_time_budget:
 * @proc: a proc
 * @budget: microseconds, at least 1
 *
 * Sets how long one dispatch of @proc's scheduler may keep running tasks before it
 * returns to the main loop (default %TASK9_DEFAULT_TIME_BUDGET). Smaller budgets give
 * other sources lower latency, larger ones give tasks more throughput. Call it from the
 * proc's own thread, or before the proc runs tasks.
 *
 * Since: 0.1
 */
void
task9_proc_set_time_budget (Task9Proc *proc,
                            GTimeSpan  budget)
{
  g_return_if_fail (proc != NULL);
  g_return_if_fail (budget > 0);

  proc->time_budget = budget;
}

/**
 * task9_proc_get_stack_size:
 * @proc: a proc
 *
 * Returns the default stack size of tasks spawned on @proc.
 *
 * Returns: the stack size of tasks spawned on @proc without one of their own
 *
 * Since: 0.1
 */
gsize
task9_proc_get_stack_size (Task9Proc *proc)
{
  g_return_val_if_fail (proc != NULL, 0);

  return proc->stack_size;
}

/**
 * task9_proc_set_stack_size:
 * @proc: a proc
 * @stack_size: bytes, rounded up to whole pages (at least four)
 *
 * Sets the stack size of tasks later spawned on @proc without one of their own
 * (default %TASK9_DEFAULT_STACK_SIZE).
 *
 * Since: 0.1
 */
void
task9_proc_set_stack_size (Task9Proc *proc,
                           gsize      stack_size)
{
  g_return_if_fail (proc != NULL);
  g_return_if_fail (stack_size > 0 && stack_size <= G_MAXSIZE / 2);

  proc->stack_size = task9_stack_round_size (stack_size);
}

/**
 * task9_proc_stop:
 * @proc: a proc
 *
 * Cancels every task of @proc (see [method@Task9.Task.cancel]). A proc made by
 * [ctor@Task9.Proc.new] then ends as soon as its tasks have ended and accepts no new
 * ones; the main proc goes on. Safe from any thread, and more than once.
 *
 * Since: 0.1
 */
void
task9_proc_stop (Task9Proc *proc)
{
  g_autoptr(GPtrArray) tasks = g_ptr_array_new_with_free_func ((GDestroyNotify) task9_task_unref);

  g_return_if_fail (proc != NULL);

  task9_spin_lock (&proc->tasks_lock);
  if (!proc->is_main)
    {
      proc->stop_requested = TRUE;
      proc->accepting = FALSE;
    }
  for (Task9Task *task = proc->tasks; task != NULL; task = task->list_next)
    g_ptr_array_add (tasks, task9_task_ref (task));
  task9_spin_unlock (&proc->tasks_lock);

  for (guint i = 0; i < tasks->len; i++)
    task9_task_cancel (tasks->pdata[i]);

  task9_proc_poke (proc);
}

static gboolean
proc_ended_locked (gpointer data)
{
  return ((Task9Proc *) data)->ended;
}

/**
 * task9_proc_join: (skip)
 * @proc: a proc made by [ctor@Task9.Proc.new]
 * @error: return location for a #GError
 *
 * Waits until @proc's thread has ended. In a task only the task waits; a thread that is
 * not a proc's blocks.
 *
 * Returns: %TRUE once the proc has ended; %FALSE with @error set when the caller was
 *   cancelled, when called on the proc itself (%TASK9_ERROR_DEADLOCK) or on a proc's
 *   thread outside a task (%TASK9_ERROR_NOT_IN_TASK)
 *
 * Since: 0.1
 */
gboolean
task9_proc_join (Task9Proc  *proc,
                 GError    **error)
{
  GThread *thread = NULL;
  gboolean ok;

  g_return_val_if_fail (proc != NULL, FALSE);
  g_return_val_if_fail (!proc->is_main, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (proc == task9_current_proc)
    {
      g_set_error_literal (error, TASK9_ERROR, TASK9_ERROR_DEADLOCK, "A proc cannot join itself");
      return FALSE;
    }

  g_mutex_lock (&proc->lock);
  ok = task9_wait_list_wait (&proc->joiners, &proc->lock, proc_ended_locked, proc, -1,
                             "proc-join", error);
  if (ok)
    {
      thread = proc->thread;
      proc->thread = NULL;
    }
  g_mutex_unlock (&proc->lock);

  /* The thread has signalled its end; reap it so nothing of it is left behind. */
  if (thread != NULL)
    g_thread_join (thread);

  return ok;
}
