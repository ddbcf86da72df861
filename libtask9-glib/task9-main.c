/* task9-main.c: the entry point for programs that own their main loop
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * task9_main() is libthread's threadmain: it runs a main task on the main proc and
 * iterates the default context until every task on every proc has finished.
 *
 * It also detects deadlock, as Go's runtime does ("all goroutines are asleep"): while it
 * runs, every proc's poll function reports when its thread is about to block in poll()
 * with no timeout, no fd but the context's own wake-up fd, and no source of other code
 * on its context, so that only another proc could wake it. When all procs are so idle,
 * no inbox holds a wake-up, every task is blocked and none of them waits for something
 * outside the procs, nothing can ever wake them: task9_main() prints the task table and
 * returns 2.
 *
 * Sources of other code. A source can wake a context without an fd or a deadline in
 * poll()'s arguments: a Unix signal's, a child watch's (both woken by GLib's worker
 * thread), or one that another thread readies with g_source_set_ready_time(). GLib has
 * no call that lists a context's sources, but it numbers them per context in attach
 * order, skipping ids in use; so a proc going idle attaches a throw-away probe to learn
 * the next id (attaching on the owner's thread does not wake the context) and looks up
 * the ids below it with g_main_context_find_source_by_id(). It remembers where it
 * stopped and which foreign sources it found alive, and looks at those first, so each
 * source is looked up once and a proc that stays idle with one costs one lookup. The
 * library's own sources are named "Task9 ..." and do not count: the scheduler (its run
 * queue, inbox and timers are what the detector looks at anyway), the async completion
 * source (ready, hence a zero timeout, as soon as it holds an op), the stack trim and
 * task9_sleep_async() timeouts (a deadline, so a timeout), and the probe.
 *
 * Invariants:
 * - The idle flags and the decision are under the proc list lock; a proc clears its
 *   flag after poll() returns and before it touches its inbox, so "all idle and every
 *   inbox empty" cannot hide a wake-up in flight.
 * - Other wake-ups (a stop, an async completion) bump the proc's pokes after waking
 *   its context. A proc going idle reads its pokes, then polls its fds without waiting:
 *   a poke counted before that read shows as a readable wake-up fd (and the proc does
 *   not go idle), one counted after it as pokes != idle_pokes (and the proc is busy).
 * - A blocked task with wait_external set is alive: whoever parks a task for an event
 *   no task can cause sets it before the park, so a proc that went idle after the park
 *   published it under the proc list lock.
 * - A source of other code attached to a proc's context before the proc last looked
 *   keeps it from going idle.
 * - GLib's own wake-ups of an idle proc's context (a source attached or readied by
 *   another thread, a Unix signal or child exit from GLib's worker thread) count no
 *   pokes, but make its wake-up fd readable, and it stays so until the proc's thread
 *   acknowledges it after poll(), hence after clearing its idle flag under the lock: the
 *   verdict polls the idle procs' wake-up fds. A wake-up that comes after the verdict
 *   (a thread of the user's that acts only later) is not seen.
 * - The source scan runs on the proc's thread only, and only while task9_main() detects.
 * - While a GIO call is in flight through the bridge (task9_main_external_begin()/_end(),
 *   read before the procs' inboxes, as its callback wakes a task before the count
 *   drops), nothing is a deadlock.
 */

#include "task9-config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "task9-main.h"
#include "task9-main-private.h"
#include "task9-scheduler-private.h"
#include "task9-task-private.h"

static gint     main_running;     /* atomic: task9_main() iterates the default context */
static gboolean deadlocked;       /* under the proc list lock */
static gint     external_waits;   /* atomic: GIO calls in flight (task9-gio.c) */

/* A wait that something outside the procs ends (a GIO call's callback) begins. */
void
task9_main_external_begin (void)
{
  g_atomic_int_inc (&external_waits);
}

/* ... and ends, after it woke whom it wakes: if it was the last, the detector looks again. */
void
task9_main_external_end (void)
{
  if (g_atomic_int_dec_and_test (&external_waits) && g_atomic_int_get (&main_running))
    g_main_context_wakeup (g_main_context_default ());
}

/* Is a task9_main() watching for deadlocks? Otherwise going idle needs no care. */
gboolean
task9_main_detecting (void)
{
  return g_atomic_int_get (&main_running);
}

static GSourceFuncs probe_funcs;   /* never ready, never dispatched */

/* The id the next source attached to @context gets, or a higher one. Call on the
 * thread that owns @context: attaching from there does not wake it. */
static guint
next_source_id (GMainContext *context)
{
  GSource *probe = g_source_new (&probe_funcs, sizeof (GSource));
  guint id;

  g_source_set_static_name (probe, "Task9 deadlock probe");
  id = g_source_attach (probe, context);
  g_source_destroy (probe);
  g_source_unref (probe);
  return id;
}

/* Reads the name of a source another thread may be destroying, in the same window
 * g_main_context_find_source_by_id() itself reads its flags in. */
static gboolean
is_foreign (GSource *source)
{
  const char *name = g_source_get_name (source);

  return name == NULL || !g_str_has_prefix (name, "Task9 ");
}

/* On @proc's thread, about to go idle: does a source of other code live on its context?
 * Such a source may wake it with neither an fd nor a timeout in poll()'s arguments. */
gboolean
task9_main_has_foreign_source (Task9Proc *proc)
{
  GMainContext *context = proc->context;
  GArray *found = proc->foreign_sources;
  guint end;

  if (found == NULL)
    found = proc->foreign_sources = g_array_new (FALSE, FALSE, sizeof (guint));

  /* The ones found before, latest first; the destroyed ones are forgotten. */
  while (found->len > 0)
    {
      if (g_main_context_find_source_by_id (context, g_array_index (found, guint,
                                                                     found->len - 1)))
        return TRUE;
      g_array_set_size (found, found->len - 1);
    }

  /* The ones attached since the last look. The ids wrap after G_MAXUINT; the loop
   * follows them (a source that old found twice is harmless). */
  end = next_source_id (context);
  for (guint id = proc->sources_seen; id != end; id++)
    {
      GSource *source;

      if (id == 0)
        continue;
      source = g_main_context_find_source_by_id (context, id);
      if (source != NULL && is_foreign (source))
        g_array_append_val (found, id);
    }
  proc->sources_seen = end;   /* the probe's own id: free now */
  return found->len > 0;
}

/* Under the proc list lock, all procs idle: was one's context woken since it went idle? */
static gboolean
wake_up_in_flight (void)
{
  guint n = 0;
  GPollFD *fds;
  gint ret;

  for (Task9Proc *p = task9_proc_first_locked (); p != NULL; p = p->all_next)
    n++;
  fds = g_new (GPollFD, n);
  n = 0;
  for (Task9Proc *p = task9_proc_first_locked (); p != NULL; p = p->all_next)
    if (p->idle_fd >= 0)
      fds[n++] = (GPollFD) { p->idle_fd, G_IO_IN, 0 };
  do
    ret = g_poll (fds, n, 0);
  while (ret < 0 && errno == EINTR);
  g_free (fds);
  return ret != 0;
}

/* @pokes: with @idle, the proc's pokes read before it last looked at its fds;
 * @wakeup_fd: with @idle, the one fd it polls, its context's wake-up fd (or -1) */
void
task9_main_set_idle (Task9Proc *proc,
                     gboolean   idle,
                     gint       pokes,
                     gint       wakeup_fd)
{
  gboolean all_idle = TRUE;
  guint n_tasks = 0;

  /* Leaving poll always clears the flag, even after task9_main() returned: a stale
   * "idle" would make a later task9_main() see a deadlock that is not there. */
  if (!idle)
    {
      if (proc->idle)
        {
          task9_proc_lock_all ();
          proc->idle = FALSE;
          task9_proc_unlock_all ();
        }
      return;
    }
  if (!g_atomic_int_get (&main_running))
    return;

  task9_proc_lock_all ();
  proc->idle = idle;
  proc->idle_pokes = pokes;
  proc->idle_fd = wakeup_fd;
  if (idle && !deadlocked)
    {
      if (g_atomic_int_get (&external_waits) > 0)
        all_idle = FALSE;
      for (Task9Proc *p = task9_proc_first_locked (); all_idle && p != NULL; p = p->all_next)
        {
          if (!p->idle || g_atomic_int_get (&p->inbox_pending) ||
              g_atomic_int_get (&p->pokes) != p->idle_pokes)
            {
              all_idle = FALSE;
              break;
            }
          n_tasks += g_atomic_int_get (&p->n_tasks);
        }
      /* A task that is runnable or running is work nobody lost (belt and braces); one
       * blocked on something outside the procs may be woken by it. */
      for (Task9Proc *p = task9_proc_first_locked (); all_idle && p != NULL; p = p->all_next)
        {
          task9_spin_lock (&p->tasks_lock);
          for (Task9Task *task = p->tasks; task != NULL; task = task->list_next)
            if (__atomic_load_n (&task->state, __ATOMIC_RELAXED) != TASK9_TASK_STATE_BLOCKED ||
                __atomic_load_n (&task->wait_external, __ATOMIC_RELAXED))
              {
                all_idle = FALSE;
                break;
              }
          task9_spin_unlock (&p->tasks_lock);
        }
      if (all_idle && n_tasks > 0 && !wake_up_in_flight ())
        {
          deadlocked = TRUE;
          g_main_context_wakeup (g_main_context_default ());
        }
    }
  task9_proc_unlock_all ();
}

void
task9_main_proc_drained (Task9Proc *proc)
{
  if (g_atomic_int_get (&main_running))
    g_main_context_wakeup (g_main_context_default ());
}

static void
count_tasks (Task9Proc *proc, gpointer data)
{
  *(guint *) data += g_atomic_int_get (&proc->n_tasks);
}

static gboolean
is_deadlocked (void)
{
  gboolean result;

  task9_proc_lock_all ();
  result = deadlocked;
  task9_proc_unlock_all ();
  return result;
}

typedef struct
{
  Task9MainFunc  func;
  int            argc;
  char         **argv;
  int            status;
} MainTask;

static gpointer
main_task (gpointer data, GError **error)
{
  MainTask *main = data;

  main->status = main->func (main->argc, main->argv);
  return NULL;
}

/**
 * task9_main: (skip)
 * @argc: the program's argument count
 * @argv: (array length=argc): the program's arguments
 * @main_func: (scope call): the body of the main task
 *
 * Runs a program made of tasks, like libthread's `threadmain`: adopts the calling thread
 * as the main proc, runs @main_func (@argc, @argv) as its first task, and iterates the
 * default main context until every task on every proc has finished. Call it from the
 * program's first thread, with nobody else iterating the default context.
 *
 * When every task is blocked and nothing could ever wake one, it prints "all tasks are
 * asleep" and the task table to stderr and returns 2, as Go does. Anything that can end
 * a wait keeps this from happening: a timer or deadline, a wake-up in flight between
 * procs, an fd or any other #GSource attached to a proc's context (a Unix signal or
 * child watch, an idle, a source another thread readies), and a task waiting on a
 * library condition outside the procs (an fd, a child, a signal, a GIO call through
 * [class@Task9.AsyncCall]). Only a wait that nothing in the program can end is
 * reported; a thread of its own that would end it without any of these (say, by
 * attaching a source only later) is not seen. That includes a GIO `_async` call whose
 * callback was written by hand: nothing is attached to the context while GIO's worker
 * thread runs it, so a task that waits for what that callback will send looks stuck.
 * Wait for GIO calls through [class@Task9.AsyncCall] instead.
 *
 * The calling thread stays the main proc's thread afterwards.
 *
 * Returns: the exit status returned by @main_func once all tasks are done, 2 on deadlock
 *
 * Since: 0.1
 */
int
task9_main (int            argc,
            char         **argv,
            Task9MainFunc  main_func)
{
  GMainContext *context = g_main_context_default ();
  Task9Proc *proc;
  GPollFunc saved_poll;
  GError *error = NULL;
  Task9Task *task;
  MainTask main = { main_func, argc, argv, 0 };

  g_return_val_if_fail (main_func != NULL, 1);

  if (!g_main_context_acquire (context))
    {
      g_critical ("task9_main(): another thread owns the default main context");
      return 1;
    }
  if (!g_atomic_int_compare_and_exchange (&main_running, 0, 1))
    {
      g_critical ("task9_main() is already running");
      g_main_context_release (context);
      return 1;
    }

  proc = task9_proc_get_main ();
  saved_poll = g_main_context_get_poll_func (context);
  g_main_context_set_poll_func (context, task9_scheduler_poll);
  g_atomic_int_set (&proc->polling, 0);

  task = task9_task_spawn ("main", main_task, &main, NULL, &error);
  if (task == NULL)
    {
      g_printerr ("task9_main(): %s\n", error->message);
      g_error_free (error);
      main.status = 1;
    }
  else
    {
      for (;;)
        {
          guint n_tasks = 0;

          task9_proc_foreach (count_tasks, &n_tasks);
          if (n_tasks == 0)
            break;
          if (is_deadlocked ())
            {
              g_autofree char *table = task9_format_task_table ();

              fprintf (stderr, "Task9: deadlock: all tasks are asleep\n%s", table);
              fflush (stderr);
              main.status = 2;
              break;
            }
          g_main_context_iteration (context, TRUE);
        }
      task9_task_unref (task);
    }

  g_atomic_int_set (&proc->polling, 1);
  g_main_context_set_poll_func (context, saved_poll);
  g_atomic_int_set (&main_running, 0);
  g_main_context_release (context);
  return main.status;
}

/**
 * task9_exit_all:
 * @status: the process's exit status
 *
 * Ends the whole program at once with @status, like libthread's `threadexitsall`:
 * other tasks and procs are not unwound. Standard I/O buffers are flushed and atexit
 * handlers run, as with exit().
 *
 * Since: 0.1
 */
void
task9_exit_all (int status)
{
  exit (status);
}
