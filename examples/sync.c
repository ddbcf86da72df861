/* sync.c: a pool of workers fed by a queue, started by an event, throttled by a
 * semaphore (doc/sync.md shows this program)
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <task9.h>

#define N_WORKERS 4
#define N_JOBS    20

typedef struct
{
  Task9Queue     *jobs;     /* of strings */
  Task9Event     *start;    /* the workers wait for it */
  Task9Semaphore *slots;    /* at most 2 jobs use "the resource" at once */
  gint            busy;     /* how many hold a slot (atomic) */
  gint            done;     /* jobs processed (atomic) */
} Pool;

static gpointer
worker (gpointer data, GError **error)
{
  Pool *pool = data;
  GValue job = G_VALUE_INIT;
  GError *local = NULL;

  if (!task9_event_wait (pool->start, -1, NULL, error))
    return NULL;
  while (task9_queue_get (pool->jobs, &job, -1, NULL, &local))
    {
      if (!task9_semaphore_acquire (pool->slots, G_TIME_SPAN_SECOND, NULL, error))
        return NULL;
      g_assert (g_atomic_int_add (&pool->busy, 1) < 2);
      task9_sleep (G_TIME_SPAN_MILLISECOND, NULL);   /* the work */
      g_atomic_int_add (&pool->busy, -1);
      task9_semaphore_release (pool->slots, NULL);

      g_atomic_int_inc (&pool->done);
      task9_queue_task_done (pool->jobs, NULL);
    }
  /* The queue was closed and is empty: this worker's work is over. */
  if (!g_error_matches (local, TASK9_ERROR, TASK9_ERROR_CLOSED))
    g_propagate_error (error, local);
  else
    g_error_free (local);
  g_value_unset (&job);
  return NULL;
}

static int
pool_main (int argc, char **argv)
{
  Pool pool = { 0, };
  g_autoptr(Task9Proc) other = NULL;
  Task9Task *workers[N_WORKERS];
  GValue job = G_VALUE_INIT;
  GError *error = NULL;

  pool.jobs = task9_queue_new (G_TYPE_STRING, 8);   /* put waits while 8 are queued */
  pool.start = task9_event_new ();
  pool.slots = task9_semaphore_new_bounded (2, 2);
  other = task9_proc_new ("workers", &error);
  g_assert_no_error (error);

  /* Half the workers on this proc, half on another thread. */
  for (guint i = 0; i < N_WORKERS; i++)
    workers[i] = task9_task_spawn_full (i % 2 ? other : NULL, "worker", 0, worker, &pool,
                                        NULL, &error);
  task9_event_set (pool.start);

  g_value_init (&job, G_TYPE_STRING);
  for (guint i = 0; i < N_JOBS; i++)
    {
      g_autofree char *name = g_strdup_printf ("job %u", i);

      g_value_set_string (&job, name);
      task9_queue_put (pool.jobs, &job, -1, NULL, &error);   /* a copy goes in */
      g_assert_no_error (error);
    }
  g_value_unset (&job);

  /* Every job was put; wait until every one was marked done. */
  task9_queue_join (pool.jobs, -1, NULL, &error);
  g_assert_no_error (error);
  g_print ("%d jobs done\n", g_atomic_int_get (&pool.done));

  task9_queue_close (pool.jobs);   /* the workers' gets fail with CLOSED: they return */
  for (guint i = 0; i < N_WORKERS; i++)
    {
      task9_task_join (workers[i], -1, &error);
      g_assert_no_error (error);
      task9_task_unref (workers[i]);
    }
  task9_proc_stop (other);
  g_object_unref (pool.jobs);
  g_object_unref (pool.start);
  g_object_unref (pool.slots);
  return g_atomic_int_get (&pool.done) == N_JOBS ? 0 : 1;
}

int
main (int argc, char **argv)
{
  return task9_main (argc, argv, pool_main);
}
