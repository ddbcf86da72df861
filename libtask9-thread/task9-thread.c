/* task9-thread.c: libthread's threads and procs on libtask9-glib's tasks and procs
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A Plan 9 thread is a Task9Task, a Plan 9 proc a Task9Proc. This file adds what
 * thread(3) has and the core does not:
 *
 * - Per-thread records (Task9ThreadData): threaddata()'s slot. A record is attached to its task with task9_task_set_data() and
 *   freed with the task record. A Plan 9 thread's record is made by its creator and
 *   attached by the thread itself when it first runs (not by the creator: the thread may
 *   already be running elsewhere when the spawn returns); tasks made with the core API,
 *   threadmain's included, get one on first use.
 *
 * - "A proc ends with its last thread": proccreate() makes its proc with
 *   TASK9_PROC_FLAGS_END_WITH_LAST_TASK, so the core ends it, under the proc's lock,
 *   once its last task has ended; a task spawned onto it in the meantime keeps it
 *   alive rather than being cancelled. What is left here is joining it, so that
 *   nothing of it outlives the program: proccreate() keeps the proc in a set, and when
 *   the last task of a non-main proc ends (seen in the spawn's destroy notify, on the
 *   proc's own thread, where the count includes the ending task), the proc is taken
 *   out of the set and handed to a reaper thread, which joins it. (Not at creation:
 *   the reaper joins in order, and ended procs would wait behind a long-lived one.) A
 *   proc whose last Plan 9 thread ended beside another task (a core-API task on it) is
 *   handed over by a later Plan 9 thread's end, or else joined when the program ends;
 *   after a deadlock the set is left to the exit, as its procs never end.
 *
 * - The program's life cycle: task9_thread_main() runs threadmain through task9_main()
 *   with a stack of mainstacksize bytes, waits for every task of every proc, reaps the
 *   procs, and exits with the status of the last thread of threadmain's proc.
 *
 * Invariants:
 * - reap_lock guards the set and the reaper's start and end; nothing blocks under it.
 * - Only the owning task attaches its record and reads or writes its udata.
 */

#include <errno.h>
#include <stdlib.h>

#include "task9-thread-private.h"

/* ---- per-thread records ------------------------------------------------------------ */

#define THREAD_DATA_KEY "task9-thread-data"

static void
thread_data_free (gpointer user_data)
{
  Task9ThreadData *data = user_data;

  g_free (data);
}

/* Hands @data to the calling task's record, which frees it when it goes. */
static void
thread_data_attach (Task9ThreadData *data)
{
  data->attached = TRUE;
  task9_task_set_data (task9_task_self (), THREAD_DATA_KEY, data, thread_data_free);
}

Task9ThreadData *
task9_thread_data_get (void)
{
  Task9Task *self = task9_task_self ();
  Task9ThreadData *data;

  if (self == NULL)
    return NULL;

  /* Only the task itself attaches its record, so nobody races us between the two. */
  data = task9_task_get_data (self, THREAD_DATA_KEY);
  if (data == NULL)
    {
      /* A task made with the core API. */
      data = g_new0 (Task9ThreadData, 1);
      data->foreign = TRUE;
      thread_data_attach (data);
    }
  return data;
}

/* ---- reaping procs ------------------------------------------------------------------ */

#define REAP_END ((gpointer) &reap_lock)

static GMutex       reap_lock;
static GAsyncQueue *reap_queue;
static GThread     *reaper;
static GHashTable  *plan9_procs;   /* proccreate() procs not yet handed over, each a ref */

static gpointer
reaper_thread (gpointer data)
{
  GAsyncQueue *queue = data;

  for (;;)
    {
      Task9Proc *proc = g_async_queue_pop (queue);

      if (proc == REAP_END)
        break;
      /* Not a proc's thread: the join blocks this thread only. */
      task9_proc_join (proc, NULL);
      task9_proc_unref (proc);
    }
  return NULL;
}

/* Under reap_lock. */
static void
reap_proc_locked (Task9Proc *proc)
{
  if (reaper == NULL)
    {
      reap_queue = g_async_queue_new ();
      reaper = g_thread_new ("task9-reaper", reaper_thread, g_async_queue_ref (reap_queue));
    }
  g_async_queue_push (reap_queue, proc);
}

/* Takes the reference on a proccreate() proc, to be reaped once it has ended. */
static void
plan9_proc_add (Task9Proc *proc)
{
  g_mutex_lock (&reap_lock);
  if (plan9_procs == NULL)
    plan9_procs = g_hash_table_new (NULL, NULL);
  g_hash_table_add (plan9_procs, proc);
  g_mutex_unlock (&reap_lock);
}

/* Hands @proc to the reaper if it is a proccreate() proc not handed over yet. */
static void
plan9_proc_hand_over (Task9Proc *proc)
{
  g_mutex_lock (&reap_lock);
  if (plan9_procs != NULL && g_hash_table_steal (plan9_procs, proc))
    reap_proc_locked (proc);
  g_mutex_unlock (&reap_lock);
}

/* Joins every proc handed over so far, then the reaper itself. With @all_ended (every
 * task of every proc has finished), the proccreate() procs not handed over yet have
 * ended or are ending, and are joined too; otherwise they are left to the exit. */
static void
reaper_finish (gboolean all_ended)
{
  GThread *thread;
  GAsyncQueue *queue;

  g_mutex_lock (&reap_lock);
  if (all_ended && plan9_procs != NULL)
    {
      GHashTableIter iter;
      gpointer proc;

      g_hash_table_iter_init (&iter, plan9_procs);
      while (g_hash_table_iter_next (&iter, &proc, NULL))
        {
          g_hash_table_iter_steal (&iter);
          reap_proc_locked (proc);
        }
      g_clear_pointer (&plan9_procs, g_hash_table_unref);
    }
  thread = g_steal_pointer (&reaper);
  queue = g_steal_pointer (&reap_queue);
  if (thread != NULL)
    g_async_queue_push (queue, REAP_END);
  g_mutex_unlock (&reap_lock);

  if (thread != NULL)
    {
      g_thread_join (thread);
      /* The reaper held the other reference. */
      g_async_queue_unref (queue);
      g_async_queue_unref (queue);
    }
}

/* ---- threads -------------------------------------------------------------------------- */

static __thread void    *proc_udata;     /* procdata() */
static gint              main_status;    /* atomic: status of the main proc's last thread */

/* On the ending thread's own stack, before the core retires its task. */
static void
thread_end (Task9ThreadData *data)
{
  Task9Proc *proc = task9_proc_get_current ();

  if (proc == NULL)
    return;
  if (task9_proc_is_main (proc))
    {
      if (!data->foreign)
        g_atomic_int_set (&main_status, data->status);
    }
  else if (task9_proc_get_n_tasks (proc) == 1)
    {
      /* The last task of its proc (the count still includes this one): a proccreate()
       * proc ends by itself after it, and can be joined. */
      plan9_proc_hand_over (proc);
    }
}

static void
thread_data_destroy (gpointer user_data)
{
  Task9ThreadData *data = user_data;

  /* The record, attached by thread_entry(), is the task record's to free. */
  if (data->attached)
    thread_end (data);
  else
    thread_data_free (data);
}

static gpointer
thread_entry (gpointer user_data,
              GError **error)
{
  Task9ThreadData *data = user_data;

  thread_data_attach (data);
  data->fn (data->arg);
  return NULL;
}

/* Plan 9 stack sizes are frugal (8 KiB by the manual); glibc and GLib are not. As
 * plan9port does, sizes are raised to a floor; stacks are committed lazily, so this
 * costs address space, not memory. */
static gsize
thread_stack_size (long long stacksize)
{
  return MAX ((gsize) MAX (stacksize, 0), TASK9_DEFAULT_STACK_SIZE);
}

static int
spawn_thread (Task9Proc    *proc,
              void        (*fn) (void *),
              void         *arg,
              unsigned int  stacksize)
{
  Task9ThreadData *data;
  Task9Task *task;
  GError *error = NULL;
  int id;

  g_return_val_if_fail (fn != NULL, -1);

  data = g_new0 (Task9ThreadData, 1);
  data->fn = fn;
  data->arg = arg;
  data->spawned = TRUE;

  task = task9_task_spawn_full (proc, NULL, thread_stack_size (stacksize), thread_entry,
                                data, thread_data_destroy, &error);
  if (task == NULL)
    {
      g_warning ("%s: %s", proc != NULL ? "proccreate" : "threadcreate", error->message);
      g_error_free (error);
      g_free (data);
      return -1;
    }
  id = (int) task9_task_get_id (task);
  task9_task_unref (task);
  return id;
}

int
threadcreate (void (*fn) (void *), void *arg, unsigned int stacksize)
{
  return spawn_thread (NULL, fn, arg, stacksize);
}

int
proccreate (void (*fn) (void *), void *arg, unsigned int stacksize)
{
  GError *error = NULL;
  Task9Proc *proc;
  int id;

  g_return_val_if_fail (fn != NULL, -1);

  proc = task9_proc_new_full ("proc", TASK9_PROC_FLAGS_END_WITH_LAST_TASK, &error);
  if (proc == NULL)
    {
      g_warning ("proccreate: %s", error->message);
      g_error_free (error);
      return -1;
    }
  /* Before the spawn: the thread may end before it returns. The set keeps our
   * reference. */
  plan9_proc_add (proc);
  id = spawn_thread (proc, fn, arg, stacksize);
  if (id < 0)
    {
      /* It never had a task, so it would not end by itself. */
      task9_proc_stop (proc);
      plan9_proc_hand_over (proc);
      return -1;
    }
  return id;
}

void
threadexits (char *status)
{
  Task9ThreadData *data = task9_thread_data_get ();

  if (data == NULL)
    g_error ("threadexits() called outside a thread");

  data->status = status != NULL && *status != '\0';
  /* A spawned thread ends in its spawn's destroy notify, which task9_exit() runs;
   * threadmain and foreign tasks end here. */
  if (!data->spawned)
    thread_end (data);
  task9_exit (NULL);
  g_assert_not_reached ();
}

void
threadexitsall (char *status)
{
  task9_exit_all (status != NULL && *status != '\0' ? 1 : 0);
}

int
threadyield (void)
{
  guint n = task9_yield ();   /* not inside MIN(), which would call it twice */

  return (int) MIN (n, (guint) G_MAXINT);
}

int
threadid (void)
{
  Task9Task *self = task9_task_self ();

  return self != NULL ? (int) task9_task_get_id (self) : 0;
}

char *
threadgetname (void)
{
  Task9Task *self = task9_task_self ();
  const char *name = self != NULL ? task9_task_get_name (self) : NULL;

  return (char *) (name != NULL ? name : "");
}

void
threadsetname (const char *fmt, ...)
{
  Task9Task *self = task9_task_self ();
  va_list args;
  char *name;

  g_return_if_fail (fmt != NULL);
  g_return_if_fail (self != NULL);

  va_start (args, fmt);
  name = g_strdup_vprintf (fmt, args);
  va_end (args);
  task9_task_set_name (self, name);
  g_free (name);
}

void **
threaddata (void)
{
  Task9ThreadData *data = task9_thread_data_get ();

  return data != NULL ? &data->udata : NULL;
}

void **
procdata (void)
{
  return &proc_udata;
}

/* ---- the program ------------------------------------------------------------------------ */

static void (*main_fn) (int, char **);
static gsize  main_proc_stack_size;

static int
run_threadmain (int    argc,
                char **argv)
{
  Task9ThreadData *data = task9_thread_data_get ();

  /* This task got mainstacksize; later spawns get the proc's usual default. */
  task9_proc_set_stack_size (task9_proc_get_current (), main_proc_stack_size);

  data->foreign = FALSE;   /* its status is the program's */
  main_fn (argc, argv);
  thread_end (data);
  return 0;
}

int
task9_thread_main (int    argc,
                   char **argv,
                   void (*fn) (int, char **),
                   int    stacksize)
{
  Task9Proc *proc;
  int status;

  g_return_val_if_fail (fn != NULL, 1);

  proc = task9_proc_get_main ();
  main_fn = fn;
  main_proc_stack_size = task9_proc_get_stack_size (proc);
  task9_proc_set_stack_size (proc, thread_stack_size (stacksize));

  status = task9_main (argc, argv, run_threadmain);
  reaper_finish (status == 0);

  /* task9_main() reports a deadlock (2) or a failure to start; otherwise every thread
   * has ended and the status is that of the main proc's last one. */
  return status != 0 ? status : g_atomic_int_get (&main_status);
}
