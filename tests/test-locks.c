/* test-locks.c: Task9Lock, Task9RWLock and Task9Cond
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Semantics and misuse (NOT_OWNER, DEADLOCK, NOT_IN_TASK, WOULD_BLOCK, NULL), FIFO order
 * across procs, timed-out and cancelled waits that own nothing (the next release goes
 * to the next waiter), a task that ends holding a lock, mutual exclusion under stress
 * (a plain counter; seed TASK9_TEST_SEED), the RW lock's writer preference and its
 * re-grant after a withdrawn writer, conditions (signal counts, FIFO wake-up, timeout
 * returning with the lock held), and the async forms from the test thread's main
 * context. Nothing sleeps to wait: tests wait for task states or flags.
 */

#include <stdlib.h>

#include "test-util.h"

enum { NPROCS = 3 };

/* ---- Task9Lock: semantics and misuse ------------------------------------------------- */

static gpointer
other_release_task (gpointer data, GError **error)
{
  GError *local = NULL;

  g_assert_false (task9_lock_release (data, &local));
  g_assert_error (local, TASK9_ERROR, TASK9_ERROR_NOT_OWNER);
  g_error_free (local);
  return NULL;
}

static gpointer
basics_body (gpointer data, GError **error)
{
  g_autoptr (Task9Lock) lock = task9_lock_new ();
  GError *local = NULL;
  Task9Task *other;

  g_assert_false (task9_lock_is_locked (lock));
  g_assert_false (task9_lock_release (lock, &local));
  g_assert_error (local, TASK9_ERROR, TASK9_ERROR_NOT_OWNER);
  g_clear_error (&local);

  g_assert_true (task9_lock_acquire (lock, -1, NULL, &local));
  g_assert_no_error (local);
  g_assert_true (task9_lock_is_locked (lock));
  g_assert_false (task9_lock_try_acquire (lock));
  g_assert_false (task9_lock_acquire (lock, -1, NULL, &local));
  g_assert_error (local, TASK9_ERROR, TASK9_ERROR_DEADLOCK);
  g_clear_error (&local);

  /* Another task may not release it. */
  other = test_spawn ("other", other_release_task, lock);
  g_assert_null (task9_task_join (other, -1, NULL));
  task9_task_unref (other);
  g_assert_true (task9_lock_is_locked (lock));

  g_assert_true (task9_lock_release (lock, &local));
  g_assert_false (task9_lock_is_locked (lock));
  g_assert_true (task9_lock_try_acquire (lock));
  g_assert_true (task9_lock_release (lock, NULL));
  return NULL;
}
TEST_IN_TASK (test_lock_basics, basics_body)

static gpointer
hold_task (gpointer data, GError **error)
{
  g_assert_true (task9_lock_acquire (data, -1, NULL, error));
  g_assert_false (task9_sleep (G_MAXINT64, NULL));   /* until cancelled */
  g_assert_true (task9_lock_release (data, error));
  return NULL;
}

static void
test_lock_outside_task (void)
{
  g_autoptr (Task9Lock) lock = task9_lock_new ();
  Task9Proc *proc = test_proc_new ("holder");
  GError *error = NULL;
  Task9Task *holder;

  /* Free: taken at once, outside tasks, and released from outside tasks. */
  g_assert_true (task9_lock_acquire (lock, -1, NULL, &error));
  g_assert_no_error (error);
  g_assert_false (task9_lock_acquire (lock, 0, NULL, &error));
  g_assert_error (error, TASK9_ERROR, TASK9_ERROR_WOULD_BLOCK);
  g_clear_error (&error);
  g_assert_false (task9_lock_acquire (lock, -1, NULL, &error));
  g_assert_error (error, TASK9_ERROR, TASK9_ERROR_NOT_IN_TASK);
  g_clear_error (&error);
  g_assert_true (task9_lock_release (lock, &error));

  /* Held by a task: outside tasks may not release it. */
  holder = test_spawn_on (proc, "holder", hold_task, lock);
  while (!task9_lock_is_locked (lock))
    g_thread_yield ();
  g_assert_false (task9_lock_release (lock, &error));
  g_assert_error (error, TASK9_ERROR, TASK9_ERROR_NOT_OWNER);
  g_clear_error (&error);
  task9_task_cancel (holder);
  g_assert_null (task9_task_join (holder, -1, &error));
  g_assert_no_error (error);
  task9_task_unref (holder);
  g_assert_false (task9_lock_is_locked (lock));
  test_proc_finish (proc);
}

static void
test_lock_bad_input (void)
{
  if (g_test_subprocess ())
    {
      test_expect_critical ("*TASK9_IS_LOCK*");
      g_assert_false (task9_lock_acquire (NULL, -1, NULL, NULL));
      test_expect_critical ("*TASK9_IS_LOCK*");
      g_assert_false (task9_lock_release (NULL, NULL));
      test_expect_critical ("*TASK9_IS_LOCK*");
      g_assert_null (task9_cond_new (NULL));
      test_expect_critical ("*TASK9_IS_RW_LOCK*");
      g_assert_false (task9_rw_lock_writer_try_acquire (NULL));
      g_test_assert_expected_messages ();
      return;
    }
  test_run_child ();
  g_test_trap_assert_passed ();
}

/* ---- FIFO across procs; timed-out and cancelled waits own nothing -------------------- */

typedef struct
{
  Task9Lock    *lock;
  GTimeSpan     timeout;
  GCancellable *cancellable;
  GArray       *order;    /* under the lock */
  gint          index;
  GError       *error;
} Waiter;

static gpointer
waiter_task (gpointer data, GError **error)
{
  Waiter *w = data;

  if (!task9_lock_acquire (w->lock, w->timeout, w->cancellable, &w->error))
    return NULL;
  g_array_append_val (w->order, w->index);
  g_assert_true (task9_lock_release (w->lock, error));
  return NULL;
}

static gpointer
fifo_body (gpointer data, GError **error)
{
  g_autoptr (Task9Lock) lock = task9_lock_new ();
  g_autoptr (GArray) order = g_array_new (FALSE, FALSE, sizeof (gint));
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  Task9Proc *procs[2 * NPROCS];
  Task9Task *tasks[2 * NPROCS];
  Waiter w[2 * NPROCS];

  g_assert_true (task9_lock_acquire (lock, -1, NULL, error));
  for (gint i = 0; i < 2 * NPROCS; i++)
    {
      /* Waiter 1 times out, waiter 3 is cancelled: both must own nothing. */
      w[i] = (Waiter) { lock, i == 1 ? 1000 : -1, i == 3 ? cancellable : NULL, order, i, NULL };
      procs[i] = test_proc_new ("waiter");
      tasks[i] = test_spawn_on (procs[i], "waiter", waiter_task, &w[i]);
      if (i == 1)
        {
          /* It may time out before we see it blocked (valgrind is slow). */
          while (!task9_task_is_finished (tasks[i]) &&
                 task9_task_get_state (tasks[i]) != TASK9_TASK_STATE_BLOCKED)
            task9_yield ();
        }
      else
        test_wait_blocked (tasks[i], "lock");
    }
  g_assert_true (task9_lock_has_waiters (lock));
  g_cancellable_cancel (cancellable);
  g_assert_null (task9_task_join (tasks[3], -1, NULL));
  g_assert_null (task9_task_join (tasks[1], -1, NULL));
  g_assert_error (w[1].error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  g_assert_error (w[3].error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_true (task9_lock_is_locked (lock));   /* still ours */
  g_assert_true (task9_lock_release (lock, error));

  for (gint i = 0; i < 2 * NPROCS; i++)
    {
      g_assert_null (task9_task_join (tasks[i], -1, NULL));
      task9_task_unref (tasks[i]);
      test_proc_finish (procs[i]);
      g_clear_error (&w[i].error);
    }
  g_assert_cmpuint (order->len, ==, 2 * NPROCS - 2);
  {
    gint expected[] = { 0, 2, 4, 5 };

    for (guint i = 0; i < order->len; i++)
      g_assert_cmpint (g_array_index (order, gint, i), ==, expected[i]);
  }
  g_assert_false (task9_lock_is_locked (lock));
  g_assert_false (task9_lock_has_waiters (lock));
  return NULL;
}
TEST_IN_TASK (test_lock_fifo_timeout_cancel, fifo_body)

/* ---- a task that ends holding the lock ---------------------------------------------- */

static gpointer
end_holding_task (gpointer data, GError **error)
{
  g_assert_true (task9_lock_acquire (data, -1, NULL, error));
  task9_yield ();   /* the test task queues for it meanwhile */
  return NULL;      /* without releasing it */
}

static gpointer
end_holding_body (gpointer data, GError **error)
{
  g_autoptr (Task9Lock) lock = task9_lock_new ();
  Task9Task *t;

  g_test_expect_message ("Task9", G_LOG_LEVEL_WARNING, "*careless*ended holding lock*");
  t = test_spawn ("careless", end_holding_task, lock);
  while (!task9_lock_is_locked (lock))
    task9_yield ();
  /* We queue behind it and get the lock when it ends. */
  g_assert_true (task9_lock_acquire (lock, -1, NULL, error));
  g_test_assert_expected_messages ();
  g_assert_true (task9_task_is_finished (t));
  task9_task_unref (t);
  g_assert_true (task9_lock_release (lock, error));
  return NULL;
}
TEST_IN_TASK (test_lock_task_ends_holding, end_holding_body)

/* ---- stress: mutual exclusion across procs ------------------------------------------- */

typedef struct
{
  Task9Lock *lock;
  guint      iterations;
  guint32    seed;
} StressJob;

static guint stress_counter;   /* plain: only the lock protects it */
static gint  stress_inside;

static gpointer
stress_task (gpointer data, GError **error)
{
  StressJob *job = data;
  GRand *rand = g_rand_new_with_seed (job->seed);

  for (guint i = 0; i < job->iterations; i++)
    {
      guint tmp;
      gboolean async_like = g_rand_int_range (rand, 0, 4) == 0;

      if (async_like)
        {
          while (!task9_lock_try_acquire (job->lock))
            task9_yield ();
        }
      else
        g_assert_true (task9_lock_acquire (job->lock, -1, NULL, error));
      g_assert_cmpint (g_atomic_int_add (&stress_inside, 1), ==, 0);
      tmp = stress_counter;
      if (g_rand_boolean (rand))
        task9_yield ();
      stress_counter = tmp + 1;
      g_atomic_int_add (&stress_inside, -1);
      g_assert_true (task9_lock_release (job->lock, error));
    }
  g_rand_free (rand);
  return NULL;
}

static guint32
test_seed (void)
{
  const char *env = g_getenv ("TASK9_TEST_SEED");

  return env != NULL ? (guint32) strtoul (env, NULL, 0) : 0x10c5eed;
}

static void
test_lock_stress (void)
{
  g_autoptr (Task9Lock) lock = task9_lock_new ();
  enum { TASKS_PER_PROC = 4 };
  Task9Proc *procs[NPROCS];
  Task9Task *tasks[NPROCS * TASKS_PER_PROC];
  StressJob jobs[NPROCS * TASKS_PER_PROC];
  guint iterations = test_scale (2000, 100);
  guint32 seed = test_seed ();

  g_test_message ("seed %#x (TASK9_TEST_SEED)", seed);
  stress_counter = 0;
  for (guint p = 0; p < NPROCS; p++)
    procs[p] = test_proc_new ("stress");
  for (guint i = 0; i < G_N_ELEMENTS (tasks); i++)
    {
      jobs[i] = (StressJob) { lock, iterations, seed ^ (i * 2654435761u) };
      tasks[i] = test_spawn_on (procs[i % NPROCS], "stress", stress_task, &jobs[i]);
    }
  for (guint i = 0; i < G_N_ELEMENTS (tasks); i++)
    {
      GError *error = NULL;

      task9_task_join (tasks[i], -1, &error);
      g_assert_no_error (error);
      task9_task_unref (tasks[i]);
    }
  for (guint p = 0; p < NPROCS; p++)
    test_proc_finish (procs[p]);
  g_assert_cmpuint (stress_counter, ==, iterations * G_N_ELEMENTS (tasks));
  g_assert_false (task9_lock_is_locked (lock));
}

/* ---- the async forms, from the test thread's main context ----------------------------- */

typedef struct
{
  gint     done;
  gboolean ok;
  GError  *error;
} AsyncResult;

static void
lock_acquired (GObject *source, GAsyncResult *result, gpointer data)
{
  AsyncResult *r = data;

  r->ok = task9_lock_acquire_finish (TASK9_LOCK (source), result, &r->error);
  g_atomic_int_set (&r->done, 1);
}

static gpointer
release_when_told (gpointer data, GError **error)
{
  Task9Lock *lock = data;

  g_assert_true (task9_lock_acquire (lock, -1, NULL, error));
  g_assert_false (task9_sleep (G_MAXINT64, NULL));   /* until cancelled */
  g_assert_true (task9_lock_release (lock, error));
  return NULL;
}

static void
test_lock_async (void)
{
  g_autoptr (Task9Lock) lock = task9_lock_new ();
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  Task9Proc *proc = test_proc_new ("holder");
  AsyncResult first = { 0 }, cancelled = { 0 }, second = { 0 };
  Task9Task *holder;
  GError *error = NULL;

  /* Free: completes from the main loop, never inside the call. */
  task9_lock_acquire_async (lock, NULL, lock_acquired, &first);
  g_assert_false (g_atomic_int_get (&first.done));
  test_iterate_until (NULL, &first.done);
  g_assert_true (first.ok);
  g_assert_true (task9_lock_release (lock, &error));

  /* Held by a task: a cancelled async waiter owns nothing; the next gets it. */
  holder = test_spawn_on (proc, "holder", release_when_told, lock);
  while (!task9_lock_is_locked (lock))
    g_thread_yield ();
  task9_lock_acquire_async (lock, cancellable, lock_acquired, &cancelled);
  task9_lock_acquire_async (lock, NULL, lock_acquired, &second);
  g_cancellable_cancel (cancellable);
  test_iterate_until (NULL, &cancelled.done);
  g_assert_false (cancelled.ok);
  g_assert_error (cancelled.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&cancelled.error);
  task9_task_cancel (holder);
  test_iterate_until (NULL, &second.done);
  g_assert_true (second.ok);
  g_assert_null (task9_task_join (holder, -1, &error));
  g_assert_no_error (error);
  task9_task_unref (holder);
  /* Held outside tasks: released from here. */
  g_assert_true (task9_lock_is_locked (lock));
  g_assert_true (task9_lock_release (lock, &error));
  g_assert_false (task9_lock_is_locked (lock));
  test_proc_finish (proc);
}

/* ---- Task9RWLock ----------------------------------------------------------------------- */

typedef struct
{
  Task9RWLock  *lock;
  gboolean      writer;
  GTimeSpan     timeout;
  gint          got;
  GError       *error;
  GCancellable *cancellable;
} RWJob;

static gpointer
rw_task (gpointer data, GError **error)
{
  RWJob *j = data;
  gboolean ok = j->writer
    ? task9_rw_lock_writer_acquire (j->lock, j->timeout, j->cancellable, &j->error)
    : task9_rw_lock_reader_acquire (j->lock, j->timeout, j->cancellable, &j->error);

  if (!ok)
    return NULL;
  g_atomic_int_set (&j->got, 1);
  if (j->writer)
    g_assert_true (task9_rw_lock_writer_release (j->lock, error));
  else
    g_assert_true (task9_rw_lock_reader_release (j->lock, error));
  return NULL;
}

static gpointer
rw_body (gpointer data, GError **error)
{
  g_autoptr (Task9RWLock) lock = task9_rw_lock_new ();
  Task9Proc *proc = test_proc_new ("rw");
  RWJob writer = { lock, TRUE, -1 }, reader = { lock, FALSE, -1 };
  Task9Task *w, *r;
  GError *local = NULL;

  /* Readers share; a writer waits; misuse. */
  g_assert_false (task9_rw_lock_reader_release (lock, &local));
  g_assert_error (local, TASK9_ERROR, TASK9_ERROR_NOT_OWNER);
  g_clear_error (&local);
  g_assert_true (task9_rw_lock_reader_acquire (lock, -1, NULL, error));
  g_assert_true (task9_rw_lock_reader_try_acquire (lock));
  g_assert_cmpuint (task9_rw_lock_get_n_readers (lock), ==, 2);
  g_assert_false (task9_rw_lock_writer_try_acquire (lock));
  g_assert_false (task9_rw_lock_writer_release (lock, &local));
  g_assert_error (local, TASK9_ERROR, TASK9_ERROR_NOT_OWNER);
  g_clear_error (&local);

  /* Writer preference: a queued writer holds back a later reader. */
  w = test_spawn_on (proc, "writer", rw_task, &writer);
  test_wait_blocked (w, "wlock");
  g_assert_false (task9_rw_lock_reader_try_acquire (lock));
  r = test_spawn_on (proc, "reader", rw_task, &reader);
  test_wait_blocked (r, "rlock");
  g_assert_true (task9_rw_lock_reader_release (lock, error));
  g_assert_true (task9_rw_lock_reader_release (lock, error));
  g_assert_null (task9_task_join (w, -1, error));
  g_assert_null (task9_task_join (r, -1, error));
  g_assert_true (writer.got && reader.got);
  task9_task_unref (w);
  task9_task_unref (r);

  /* The writer's write side is its own. */
  g_assert_true (task9_rw_lock_writer_acquire (lock, -1, NULL, error));
  g_assert_true (task9_rw_lock_is_write_locked (lock));
  g_assert_false (task9_rw_lock_reader_acquire (lock, -1, NULL, &local));
  g_assert_error (local, TASK9_ERROR, TASK9_ERROR_DEADLOCK);
  g_clear_error (&local);
  g_assert_true (task9_rw_lock_writer_release (lock, error));
  g_assert_false (task9_rw_lock_is_write_locked (lock));
  test_proc_finish (proc);
  return NULL;
}
TEST_IN_TASK (test_rw_lock_basics, rw_body)

/* A writer that gives up while readers hold the lock, with a reader queued behind it:
 * the reader must get in at once, while the first reader still holds the lock. The
 * writer is cancelled (a timeout ends the same way, through the same withdrawal, but
 * could fire before the reader is queued). */
static gpointer
rw_regrant_body (gpointer data, GError **error)
{
  g_autoptr (Task9RWLock) lock = task9_rw_lock_new ();
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  Task9Proc *proc = test_proc_new ("rw");
  RWJob writer = { lock, TRUE, -1, 0, NULL, cancellable };
  RWJob reader = { lock, FALSE, -1 };
  Task9Task *w, *r;

  g_assert_true (task9_rw_lock_reader_acquire (lock, -1, NULL, error));
  w = test_spawn_on (proc, "writer", rw_task, &writer);
  test_wait_blocked (w, "wlock");
  r = test_spawn_on (proc, "reader", rw_task, &reader);
  test_wait_blocked (r, "rlock");
  g_assert_false (g_atomic_int_get (&reader.got));   /* held back by the writer */
  g_cancellable_cancel (cancellable);
  g_assert_null (task9_task_join (w, -1, error));
  g_assert_error (writer.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&writer.error);
  g_assert_false (writer.got);
  g_assert_null (task9_task_join (r, -1, error));   /* we still hold our read hold */
  g_assert_true (reader.got);
  g_assert_cmpuint (task9_rw_lock_get_n_readers (lock), ==, 1);
  g_assert_true (task9_rw_lock_reader_release (lock, error));
  g_assert_true (task9_rw_lock_writer_try_acquire (lock));
  g_assert_true (task9_rw_lock_writer_release (lock, error));
  task9_task_unref (w);
  task9_task_unref (r);
  test_proc_finish (proc);
  return NULL;
}
TEST_IN_TASK (test_rw_lock_regrant, rw_regrant_body)

static void
rw_acquired (GObject *source, GAsyncResult *result, gpointer data)
{
  AsyncResult *r = data;

  r->ok = task9_rw_lock_writer_acquire_finish (TASK9_RW_LOCK (source), result, &r->error);
  g_atomic_int_set (&r->done, 1);
}

static void
test_rw_lock_async (void)
{
  g_autoptr (Task9RWLock) lock = task9_rw_lock_new ();
  AsyncResult w = { 0 };
  GError *error = NULL;

  g_assert_true (task9_rw_lock_reader_try_acquire (lock));
  task9_rw_lock_writer_acquire_async (lock, NULL, rw_acquired, &w);
  g_assert_true (task9_rw_lock_has_waiters (lock));
  g_assert_true (task9_rw_lock_reader_release (lock, &error));
  test_iterate_until (NULL, &w.done);
  g_assert_true (w.ok);
  g_assert_true (task9_rw_lock_writer_release (lock, &error));
  g_assert_no_error (error);
}

static void
rw_read_acquired (GObject *source, GAsyncResult *result, gpointer data)
{
  AsyncResult *r = data;

  r->ok = task9_rw_lock_reader_acquire_finish (TASK9_RW_LOCK (source), result, &r->error);
  g_atomic_int_set (&r->done, 1);
}

/* The re-grant of an async waiter that gave up: readers hold the lock, an async writer
 * queues, an async reader queues behind it (writer preference); cancelling the writer
 * must let the reader in at once, while the first read hold is still held. */
static void
test_rw_lock_async_regrant (void)
{
  g_autoptr (Task9RWLock) lock = task9_rw_lock_new ();
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  AsyncResult w = { 0 }, r = { 0 };
  GError *error = NULL;

  g_assert_true (task9_rw_lock_reader_try_acquire (lock));
  task9_rw_lock_writer_acquire_async (lock, cancellable, rw_acquired, &w);
  task9_rw_lock_reader_acquire_async (lock, NULL, rw_read_acquired, &r);
  g_assert_false (task9_rw_lock_reader_try_acquire (lock));   /* behind the writer */
  g_cancellable_cancel (cancellable);
  test_iterate_until (NULL, &w.done);
  g_assert_false (w.ok);
  g_assert_error (w.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&w.error);
  test_iterate_until (NULL, &r.done);
  g_assert_true (r.ok);
  g_assert_cmpuint (task9_rw_lock_get_n_readers (lock), ==, 2);
  g_assert_false (task9_rw_lock_is_write_locked (lock));
  g_assert_true (task9_rw_lock_reader_release (lock, &error));
  g_assert_true (task9_rw_lock_reader_release (lock, &error));
  g_assert_no_error (error);
  g_assert_false (task9_rw_lock_has_waiters (lock));
  g_assert_true (task9_rw_lock_writer_try_acquire (lock));   /* the cancelled writer owns nothing */
  g_assert_true (task9_rw_lock_writer_release (lock, &error));
  g_assert_no_error (error);
}

/* ---- Task9Cond ----------------------------------------------------------------------------- */

typedef struct
{
  Task9Cond *cond;
  gint      *go;       /* under the lock */
  GArray    *order;    /* under the lock */
  gint       index;
} Sleeper;

static gpointer
sleeper_task (gpointer data, GError **error)
{
  Sleeper *s = data;
  Task9Lock *lock = task9_cond_get_lock (s->cond);

  g_assert_true (task9_lock_acquire (lock, -1, NULL, error));
  while (!*s->go)
    g_assert_true (task9_cond_wait (s->cond, -1, NULL, error));
  g_assert_false (task9_lock_try_acquire (lock));   /* it holds it */
  g_array_append_val (s->order, s->index);
  g_assert_true (task9_lock_release (lock, error));
  return NULL;
}

static gpointer
cond_body (gpointer data, GError **error)
{
  g_autoptr (Task9Lock) lock = task9_lock_new ();
  g_autoptr (Task9Cond) cond = task9_cond_new (lock);
  g_autoptr (GArray) order = g_array_new (FALSE, FALSE, sizeof (gint));
  Task9Proc *procs[NPROCS];
  Task9Task *tasks[NPROCS];
  Sleeper s[NPROCS];
  GError *local = NULL;
  gint go = 0;
  gint64 start;

  /* Misuse: not the holder. */
  g_assert_cmpint (task9_cond_signal (cond, &local), ==, -1);
  g_assert_error (local, TASK9_ERROR, TASK9_ERROR_NOT_OWNER);
  g_clear_error (&local);
  g_assert_false (task9_cond_wait (cond, -1, NULL, &local));
  g_assert_error (local, TASK9_ERROR, TASK9_ERROR_NOT_OWNER);
  g_clear_error (&local);

  /* A timed-out wait returns holding the lock. */
  g_assert_true (task9_lock_acquire (lock, -1, NULL, error));
  start = g_get_monotonic_time ();
  g_assert_false (task9_cond_wait (cond, 2000, NULL, &local));
  g_assert_error (local, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  g_clear_error (&local);
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 2000);
  g_assert_true (task9_lock_release (lock, error));

  for (gint i = 0; i < NPROCS; i++)
    {
      s[i] = (Sleeper) { cond, &go, order, i };
      procs[i] = test_proc_new ("sleeper");
      tasks[i] = test_spawn_on (procs[i], "sleeper", sleeper_task, &s[i]);
      test_wait_blocked (tasks[i], "cond");
    }
  g_assert_true (task9_lock_acquire (lock, -1, NULL, error));
  go = 1;
  g_assert_cmpint (task9_cond_signal (cond, error), ==, 1);
  g_assert_true (task9_lock_has_waiters (lock));   /* moved to the lock's queue */
  g_assert_cmpint (task9_cond_broadcast (cond, error), ==, NPROCS - 1);
  g_assert_cmpint (task9_cond_broadcast (cond, error), ==, 0);
  g_assert_cmpuint (order->len, ==, 0);   /* nobody runs before we release */
  g_assert_true (task9_lock_release (lock, error));
  for (gint i = 0; i < NPROCS; i++)
    {
      g_assert_null (task9_task_join (tasks[i], -1, error));
      task9_task_unref (tasks[i]);
      test_proc_finish (procs[i]);
    }
  g_assert_cmpuint (order->len, ==, NPROCS);
  for (gint i = 0; i < NPROCS; i++)
    g_assert_cmpint (g_array_index (order, gint, i), ==, i);
  return NULL;
}
TEST_IN_TASK (test_cond, cond_body)

static void
cond_waited (GObject *source, GAsyncResult *result, gpointer data)
{
  AsyncResult *r = data;
  Task9Cond *cond = TASK9_COND (source);

  r->ok = task9_cond_wait_finish (cond, result, &r->error);
  /* Either way, we hold the lock again. */
  g_assert_true (task9_lock_is_locked (task9_cond_get_lock (cond)));
  g_atomic_int_set (&r->done, 1);
}

static gpointer
signal_task (gpointer data, GError **error)
{
  Task9Cond *cond = data;
  Task9Lock *lock = task9_cond_get_lock (cond);

  g_assert_true (task9_lock_acquire (lock, -1, NULL, error));
  g_assert_cmpint (task9_cond_signal (cond, error), ==, 1);
  g_assert_true (task9_lock_release (lock, error));
  return NULL;
}

typedef struct
{
  Task9Cond    *cond;
  GCancellable *cancellable;
  GError       *error;
  gboolean      held;
} CondCancel;

static gpointer
cond_cancel_func (gpointer data, GError **error)
{
  CondCancel *c = data;
  Task9Lock *lock = task9_cond_get_lock (c->cond);

  g_assert_true (task9_lock_acquire (lock, -1, NULL, error));
  g_assert_false (task9_cond_wait (c->cond, -1, c->cancellable, &c->error));
  c->held = !task9_lock_try_acquire (lock) && task9_lock_is_locked (lock);
  g_assert_true (task9_lock_release (lock, error));
  return NULL;
}

/* A condition wait ends (its GCancellable), then waits to take the lock back, which we
 * hold; the task is cancelled right then. Taking the lock back cannot be cancelled: it
 * gets the lock once we release it, and returns holding it. */
static gpointer
cond_cancel_in_reacquire_body (gpointer data, GError **error)
{
  g_autoptr (Task9Lock) lock = task9_lock_new ();
  g_autoptr (Task9Cond) cond = task9_cond_new (lock);
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  CondCancel c = { cond, cancellable, NULL, FALSE };
  Task9Task *task = test_spawn ("sleeper", cond_cancel_func, &c);

  test_wait_blocked (task, "cond");
  g_assert_true (task9_lock_acquire (lock, -1, NULL, error));
  g_cancellable_cancel (cancellable);
  test_wait_blocked (task, "lock");   /* its wait is over; it wants the lock back */
  task9_task_cancel (task);
  g_assert_cmpint (task9_task_get_state (task), ==, TASK9_TASK_STATE_BLOCKED);
  g_assert_true (task9_lock_release (lock, error));
  g_assert_null (task9_task_join (task, -1, error));
  g_assert_error (c.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&c.error);
  g_assert_true (c.held);
  task9_task_unref (task);
  return NULL;
}
TEST_IN_TASK (test_cond_cancel_in_reacquire, cond_cancel_in_reacquire_body)

static void
test_cond_async (void)
{
  g_autoptr (Task9Lock) lock = task9_lock_new ();
  g_autoptr (Task9Cond) cond = task9_cond_new (lock);
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  Task9Proc *proc = test_proc_new ("signaller");
  AsyncResult signalled = { 0 }, cancelled = { 0 };
  Task9Task *t;
  GError *error = NULL;

  g_assert_true (task9_lock_try_acquire (lock));
  task9_cond_wait_async (cond, NULL, cond_waited, &signalled);
  g_assert_false (task9_lock_is_locked (lock));   /* released while asleep */
  t = test_spawn_on (proc, "signaller", signal_task, cond);
  test_iterate_until (NULL, &signalled.done);
  g_assert_true (signalled.ok);
  g_assert_null (task9_task_join (t, -1, &error));
  g_assert_no_error (error);
  task9_task_unref (t);

  /* Cancelled: completes holding the lock again. */
  task9_cond_wait_async (cond, cancellable, cond_waited, &cancelled);
  g_assert_false (task9_lock_is_locked (lock));
  g_cancellable_cancel (cancellable);
  test_iterate_until (NULL, &cancelled.done);
  g_assert_false (cancelled.ok);
  g_assert_error (cancelled.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&cancelled.error);
  g_assert_true (task9_lock_release (lock, &error));
  g_assert_no_error (error);
  test_proc_finish (proc);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/lock/basics", test_lock_basics);
  g_test_add_func ("/lock/outside-task", test_lock_outside_task);
  g_test_add_func ("/lock/bad-input", test_lock_bad_input);
  g_test_add_func ("/lock/fifo-timeout-cancel", test_lock_fifo_timeout_cancel);
  g_test_add_func ("/lock/task-ends-holding", test_lock_task_ends_holding);
  g_test_add_func ("/lock/stress", test_lock_stress);
  g_test_add_func ("/lock/async", test_lock_async);
  g_test_add_func ("/rw-lock/basics", test_rw_lock_basics);
  g_test_add_func ("/rw-lock/regrant", test_rw_lock_regrant);
  g_test_add_func ("/rw-lock/async", test_rw_lock_async);
  g_test_add_func ("/rw-lock/async-regrant", test_rw_lock_async_regrant);
  g_test_add_func ("/cond/signal-broadcast", test_cond);
  g_test_add_func ("/cond/async", test_cond_async);
  g_test_add_func ("/cond/cancel-in-reacquire", test_cond_cancel_in_reacquire);
  return g_test_run ();
}
