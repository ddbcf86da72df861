/* task9-thread.c: libthread's threads and procs on libtask9-glib's tasks and procs
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A Plan 9 thread is a Task9Task, a Plan 9 proc a Task9Proc. This file adds what
 * thread(3) has and the core does not:
 *
 * - Per-thread records (Task9ThreadData): threaddata()'s slot and the wake channel that
 *   lock waits park on. The core has no per-task user data, so the records live in a
 *   table keyed by the task. A Plan 9 thread's record is made by its creator, entered
 *   by the thread itself when it first runs and removed by the spawn's destroy notify,
 *   which runs on the thread's own stack whether it returned or called threadexits();
 *   the task record cannot be recycled before that, so the key is never stale. Tasks
 *   made with the core API get a record on first use, holding a reference on the task;
 *   such records are swept once their task has finished.
 *
 * - "A proc ends with its last thread": when the last task of a proc made by proccreate()
 *   ends (checked in that destroy notify, on the proc's own thread, where the count
 *   includes the ending task), the proc is stopped, and a reaper thread joins it so that
 *   nothing of it outlives the program. The core has this internally
 *   (task9_proc_new_auto_stop) but does not export it; see doc/porting.md.
 *
 * - The program's life cycle: task9_thread_main() runs threadmain through task9_main()
 *   with a stack of mainstacksize bytes, waits for every task of every proc, reaps the
 *   procs, and exits with the status of the last thread of threadmain's proc.
 *
 * Invariants:
 * - table_lock guards the table and the foreign count only; nothing blocks under it.
 * - Only the owning task reads or writes a record's udata and creates its wake channel;
 *   others see the channel only through a lock waiter, after it was created.
 */

#include <errno.h>
#include <stdlib.h>

#include "task9-thread-private.h"

/* ---- per-thread records ------------------------------------------------------------ */

static GMutex      table_lock;
static GHashTable *table;            /* Task9Task * -> Task9ThreadData * */
static guint       n_foreign;
static guint       sweep_at = 64;

static void
thread_data_free (Task9ThreadData *data)
{
  g_clear_object (&data->wake);
  if (data->foreign)
    task9_task_unref (data->task);
  g_free (data);
}

static void
table_insert (Task9ThreadData *data)
{
  g_mutex_lock (&table_lock);
  if (table == NULL)
    table = g_hash_table_new (NULL, NULL);
  g_hash_table_insert (table, data->task, data);
  g_mutex_unlock (&table_lock);
}

static void
table_remove (Task9ThreadData *data)
{
  g_mutex_lock (&table_lock);
  if (table != NULL && g_hash_table_lookup (table, data->task) == data)
    {
      g_hash_table_remove (table, data->task);
      if (data->foreign)
        n_foreign--;
    }
  g_mutex_unlock (&table_lock);
}

/* Drops the records of foreign tasks that have finished; under table_lock. */
static void
sweep_locked (void)
{
  GHashTableIter iter;
  gpointer key, value;
  GSList *dead = NULL;

  g_hash_table_iter_init (&iter, table);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      Task9ThreadData *data = value;

      if (data->foreign && task9_task_is_finished (data->task))
        {
          g_hash_table_iter_remove (&iter);
          n_foreign--;
          dead = g_slist_prepend (dead, data);
        }
    }
  sweep_at = MAX (64, 2 * n_foreign);
  g_slist_free_full (dead, (GDestroyNotify) thread_data_free);
}

Task9ThreadData *
task9_thread_data_get (void)
{
  Task9Task *self = task9_task_self ();
  Task9ThreadData *data;

  if (self == NULL)
    return NULL;

  g_mutex_lock (&table_lock);
  if (table == NULL)
    table = g_hash_table_new (NULL, NULL);
  data = g_hash_table_lookup (table, self);
  if (data == NULL)
    {
      /* A task made with the core API. */
      data = g_new0 (Task9ThreadData, 1);
      data->task = task9_task_ref (self);
      data->foreign = TRUE;
      g_hash_table_insert (table, self, data);
      if (++n_foreign >= sweep_at)
        sweep_locked ();
    }
  g_mutex_unlock (&table_lock);
  return data;
}

void
task9_thread_wait_token (Task9ThreadData *data)
{
  char token;

  if (task9_channel_recv (data->wake, &token, NULL))
    return;

  /* The task was cancelled (the wake channel is never closed): from now on every core
   * wait fails at once, but the token is still owed to us and must be taken. */
  while (!task9_channel_try_recv (data->wake, &token, NULL))
    if (task9_yield () == 0)
      g_usleep (100);
}

void
task9_thread_wait_finished (Task9Task *task)
{
  GError *error = NULL;

  task9_task_join (task, -1, &error);
  if (error == NULL)
    return;
  g_error_free (error);

  /* Cancelled, or a proc's thread outside a task: poll, as above. */
  while (!task9_task_is_finished (task))
    if (!task9_in_task () || task9_yield () == 0)
      g_usleep (100);
}

/* ---- reaping procs ------------------------------------------------------------------ */

#define REAP_END ((gpointer) &reap_lock)

static GMutex       reap_lock;
static GAsyncQueue *reap_queue;
static GThread     *reaper;

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

void
task9_thread_reap_proc (Task9Proc *proc)
{
  g_mutex_lock (&reap_lock);
  if (reaper == NULL)
    {
      reap_queue = g_async_queue_new ();
      reaper = g_thread_new ("task9-reaper", reaper_thread, g_async_queue_ref (reap_queue));
    }
  g_async_queue_push (reap_queue, proc);
  g_mutex_unlock (&reap_lock);
}

/* Joins every proc handed over so far, then the reaper itself. */
static void
reaper_finish (void)
{
  GThread *thread;
  GAsyncQueue *queue;

  g_mutex_lock (&reap_lock);
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

static __thread gboolean proc_is_plan9;  /* this OS thread is a proc made by proccreate() */
static __thread void    *proc_udata;     /* procdata() */
static gint              main_status;    /* atomic: status of the main proc's last thread */

/* On the ending thread's own stack, before the core retires its task. */
static void
thread_end (Task9ThreadData *data)
{
  Task9Proc *proc = task9_proc_get_current ();

  table_remove (data);
  if (proc != NULL && task9_proc_is_main (proc) && !data->foreign)
    g_atomic_int_set (&main_status, data->status);

  /* The last task of a proccreate() proc: the proc ends with it. The count still
   * includes this task. */
  if (proc_is_plan9 && proc != NULL && task9_proc_get_n_tasks (proc) == 1)
    {
      proc_is_plan9 = FALSE;
      task9_proc_stop (proc);
      task9_thread_reap_proc (task9_proc_ref (proc));
    }
  thread_data_free (data);
}

static void
thread_data_destroy (gpointer user_data)
{
  thread_end (user_data);
}

static gpointer
thread_entry (gpointer user_data,
              GError **error)
{
  Task9ThreadData *data = user_data;

  data->task = task9_task_self ();
  table_insert (data);
  if (data->new_proc)
    proc_is_plan9 = TRUE;
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
  data->new_proc = proc != NULL;

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

  proc = task9_proc_new ("proc", &error);
  if (proc == NULL)
    {
      g_warning ("proccreate: %s", error->message);
      g_error_free (error);
      return -1;
    }
  id = spawn_thread (proc, fn, arg, stacksize);
  if (id < 0)
    {
      task9_proc_stop (proc);
      task9_thread_reap_proc (proc);
      return -1;
    }
  task9_proc_unref (proc);
  return id;
}

void
threadexits (char *status)
{
  Task9ThreadData *data = task9_thread_data_get ();

  if (data == NULL)
    g_error ("threadexits() called outside a thread");

  data->status = status != NULL && *status != '\0';
  /* A spawned thread's record goes with its spawn's destroy notify, which task9_exit()
   * runs; threadmain's and foreign ones go now. */
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
  Task9ThreadData *data = g_new0 (Task9ThreadData, 1);

  /* This task got mainstacksize; later spawns get the proc's usual default. */
  task9_proc_set_stack_size (task9_proc_get_current (), main_proc_stack_size);

  data->task = task9_task_self ();
  table_insert (data);
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
  reaper_finish ();

  /* task9_main() reports a deadlock (2) or a failure to start; otherwise every thread
   * has ended and the status is that of the main proc's last one. */
  return status != 0 ? status : g_atomic_int_get (&main_status);
}
