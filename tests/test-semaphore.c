/* test-semaphore.c: Task9Semaphore
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Permits go to waiters in the order they came, straight from the release (a later
 * try_acquire cannot take one first); a bounded semaphore refuses a release past its
 * bound and changes nothing; a timed-out or cancelled acquire took no permit; under a
 * cross-proc stress with timeouts and cancellations, a semaphore of 1 keeps a plain
 * counter consistent, one of N never lets more than N in, and every permit comes back.
 * The seed of the stress is TASK9_TEST_SEED if set.
 */

#include "test-util.h"

#define N_WAITERS 16

typedef struct
{
  Task9Semaphore *sem;
  GTimeSpan       timeout;
  GCancellable   *cancellable;
  guint           index;
  guint          *order;
  guint          *n_woken;
} Acquirer;

static gpointer
acquirer_task (gpointer data, GError **error)
{
  Acquirer *a = data;

  if (!task9_semaphore_acquire (a->sem, a->timeout, a->cancellable, error))
    return NULL;
  if (a->order != NULL)
    a->order[(*a->n_woken)++] = a->index;
  return GUINT_TO_POINTER (1);
}

static void
test_semaphore_basic (void)
{
  g_autoptr(Task9Semaphore) sem = task9_semaphore_new (2);
  GError *error = NULL;

  g_assert_cmpuint (task9_semaphore_get_value (sem), ==, 2);
  g_assert_cmpuint (task9_semaphore_get_bound (sem), ==, 0);
  g_assert_true (task9_semaphore_acquire (sem, -1, NULL, &error));   /* at once, anywhere */
  g_assert_true (task9_semaphore_try_acquire (sem));
  g_assert_false (task9_semaphore_try_acquire (sem));
  g_assert_false (task9_semaphore_acquire (sem, 0, NULL, &error));
  g_assert_error (error, TASK9_ERROR, TASK9_ERROR_WOULD_BLOCK);
  g_clear_error (&error);
  g_assert_false (task9_semaphore_acquire (sem, -1, NULL, &error));
  g_assert_error (error, TASK9_ERROR, TASK9_ERROR_NOT_IN_TASK);
  g_clear_error (&error);
  g_assert_cmpuint (task9_semaphore_get_value (sem), ==, 0);
  for (guint i = 0; i < 5; i++)   /* unbounded: more releases than acquires are fine */
    g_assert_true (task9_semaphore_release (sem, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (task9_semaphore_get_value (sem), ==, 5);
}

static void
test_semaphore_bounded (void)
{
  g_autoptr(Task9Semaphore) sem = task9_semaphore_new_bounded (1, 1);
  g_autoptr(Task9Semaphore) two = task9_semaphore_new_bounded (0, 2);
  GError *error = NULL;

  g_assert_cmpuint (task9_semaphore_get_bound (sem), ==, 1);
  g_assert_false (task9_semaphore_release (sem, &error));
  g_assert_error (error, TASK9_ERROR, TASK9_ERROR_OVERFLOW);
  g_clear_error (&error);
  g_assert_cmpuint (task9_semaphore_get_value (sem), ==, 1);   /* unchanged */
  g_assert_true (task9_semaphore_try_acquire (sem));
  g_assert_true (task9_semaphore_release (sem, &error));
  g_assert_false (task9_semaphore_release (sem, &error));
  g_assert_error (error, TASK9_ERROR, TASK9_ERROR_OVERFLOW);
  g_clear_error (&error);
  g_assert_cmpuint (task9_semaphore_get_value (sem), ==, 1);

  g_assert_true (task9_semaphore_release (two, NULL));
  g_assert_true (task9_semaphore_release (two, NULL));
  g_assert_false (task9_semaphore_release (two, &error));
  g_assert_error (error, TASK9_ERROR, TASK9_ERROR_OVERFLOW);
  g_clear_error (&error);
  g_assert_cmpuint (task9_semaphore_get_value (two), ==, 2);
}

/* Waiters get permits in the order they came; a permit released while one waits is
 * the waiter's, not the releaser's next try_acquire's. */
static gpointer
fifo_body (gpointer data, GError **error)
{
  g_autoptr(Task9Semaphore) sem = task9_semaphore_new (0);
  Acquirer a[N_WAITERS];
  Task9Task *tasks[N_WAITERS];
  guint order[N_WAITERS], n_woken = 0;

  for (guint i = 0; i < N_WAITERS; i++)
    {
      a[i] = (Acquirer) { sem, -1, NULL, i, order, &n_woken };
      tasks[i] = test_spawn ("acquirer", acquirer_task, &a[i]);
      test_wait_blocked (tasks[i], "semaphore");
    }
  for (guint i = 0; i < N_WAITERS; i++)
    {
      g_assert_true (task9_semaphore_release (sem, error));
      g_assert_false (task9_semaphore_try_acquire (sem));   /* no barging */
      g_assert_cmpuint (task9_semaphore_get_value (sem), ==, 0);
    }
  for (guint i = 0; i < N_WAITERS; i++)
    g_assert_nonnull (test_join_ok (tasks[i]));
  for (guint i = 0; i < N_WAITERS; i++)
    g_assert_cmpuint (order[i], ==, i);
  return NULL;
}
TEST_IN_TASK (test_semaphore_fifo, fifo_body)

/* A timed-out or cancelled acquire took nothing: the next release counts. */
static gpointer
no_effect_body (gpointer data, GError **error)
{
  g_autoptr(Task9Semaphore) sem = task9_semaphore_new_bounded (0, 1);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  Acquirer a = { sem, -1, cancellable };
  GError *local = NULL;
  Task9Task *task;

  g_assert_false (task9_semaphore_acquire (sem, 1000, NULL, &local));
  g_assert_error (local, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  g_clear_error (&local);

  task = test_spawn ("acquirer", acquirer_task, &a);
  test_wait_blocked (task, "semaphore");
  g_cancellable_cancel (cancellable);
  g_assert_cmpint (test_join_error_code (task, G_IO_ERROR), ==, G_IO_ERROR_CANCELLED);

  a.cancellable = NULL;
  task = test_spawn ("acquirer", acquirer_task, &a);
  test_wait_blocked (task, "semaphore");
  task9_task_cancel (task);
  g_assert_cmpint (test_join_error_code (task, G_IO_ERROR), ==, G_IO_ERROR_CANCELLED);

  g_assert_true (task9_semaphore_release (sem, error));
  g_assert_cmpuint (task9_semaphore_get_value (sem), ==, 1);
  /* The bound still holds: nothing was given to the dead waiters. */
  g_assert_false (task9_semaphore_release (sem, &local));
  g_assert_error (local, TASK9_ERROR, TASK9_ERROR_OVERFLOW);
  g_clear_error (&local);
  return NULL;
}
TEST_IN_TASK (test_semaphore_no_effect, no_effect_body)

/* ---- stress ------------------------------------------------------------------------ */

#define N_PROCS 4
#define TASKS_PER_PROC 8

typedef struct
{
  Task9Semaphore *sem;
  guint           permits;
  guint           rounds;
  guint64         seed;
  guint           inside;       /* plain: a data race breaks it when permits == 1 */
  gint            inside_atomic;
  gint            max_inside;
  gint            acquired;
  gint            gave_up;
} Stress;

typedef struct
{
  Stress *s;
  guint   index;
} StressJob;

static gpointer
stress_task (gpointer data, GError **error)
{
  StressJob *job = data;
  Stress *s = job->s;
  g_autoptr(GRand) rand = g_rand_new_with_seed ((guint32) (s->seed ^ (job->index * 2654435761u)));

  for (guint i = 0; i < s->rounds; i++)
    {
      g_autoptr(GCancellable) cancellable = NULL;
      GTimeSpan timeout = -1;
      GError *local = NULL;
      guint kind = g_rand_int_range (rand, 0, 10);

      if (kind == 0)
        timeout = g_rand_int_range (rand, 0, 50);
      else if (kind == 1)
        {
          cancellable = g_cancellable_new ();
          g_cancellable_cancel (cancellable);
        }
      else if (kind == 2 && !task9_semaphore_try_acquire (s->sem))
        continue;

      if (kind != 2 && !task9_semaphore_acquire (s->sem, timeout, cancellable, &local))
        {
          g_assert_true (g_error_matches (local, G_IO_ERROR, G_IO_ERROR_TIMED_OUT) ||
                         g_error_matches (local, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
                         g_error_matches (local, TASK9_ERROR, TASK9_ERROR_WOULD_BLOCK));
          g_error_free (local);
          g_atomic_int_inc (&s->gave_up);
          continue;
        }

      {
        gint now = g_atomic_int_add (&s->inside_atomic, 1) + 1;
        gint max = g_atomic_int_get (&s->max_inside);

        while (now > max && !g_atomic_int_compare_and_exchange_full (&s->max_inside, max, now, &max))
          ;
      }
      if (s->permits == 1)
        {
          guint seen = s->inside;

          s->inside = seen + 1;
          if (g_rand_boolean (rand))
            task9_yield ();
          g_assert_cmpuint (s->inside, ==, seen + 1);
          s->inside = seen;
        }
      else if (g_rand_boolean (rand))
        task9_yield ();
      g_atomic_int_add (&s->inside_atomic, -1);
      g_atomic_int_inc (&s->acquired);
      g_assert_true (task9_semaphore_release (s->sem, error));
    }
  return NULL;
}

static guint64
test_seed (void)
{
  const char *env = g_getenv ("TASK9_TEST_SEED");
  guint64 seed = env != NULL ? g_ascii_strtoull (env, NULL, 0) : 0x5e3a;

  g_test_message ("TASK9_TEST_SEED=%" G_GUINT64_FORMAT, seed);
  return seed;
}

static void
run_stress (guint permits)
{
  Stress s = { 0, };
  Task9Proc *procs[N_PROCS];
  StressJob jobs[N_PROCS * TASKS_PER_PROC];
  Task9Task *tasks[N_PROCS * TASKS_PER_PROC];

  s.sem = task9_semaphore_new_bounded (permits, permits);
  s.permits = permits;
  s.rounds = test_scale (2000, 100);
  s.seed = test_seed ();
  for (guint p = 0; p < N_PROCS; p++)
    procs[p] = test_proc_new ("sem-proc");
  for (guint i = 0; i < G_N_ELEMENTS (tasks); i++)
    {
      jobs[i] = (StressJob) { &s, i };
      tasks[i] = test_spawn_on (procs[i % N_PROCS], "stress", stress_task, &jobs[i]);
    }
  for (guint i = 0; i < G_N_ELEMENTS (tasks); i++)
    test_join_ok (tasks[i]);
  for (guint p = 0; p < N_PROCS; p++)
    test_proc_finish (procs[p]);

  g_assert_cmpint (s.max_inside, <=, permits);
  g_assert_cmpint (s.max_inside, >=, 1);
  g_assert_cmpint (s.acquired + s.gave_up, <=, (gint) (s.rounds * G_N_ELEMENTS (tasks)));
  g_assert_cmpuint (task9_semaphore_get_value (s.sem), ==, permits);   /* all came back */
  g_test_message ("permits %u: %d acquired, %d gave up, at most %d inside",
                  permits, s.acquired, s.gave_up, s.max_inside);
  g_object_unref (s.sem);
}

static void
test_semaphore_stress_mutex (void)
{
  run_stress (1);
}

static void
test_semaphore_stress_three (void)
{
  run_stress (3);
}

/* ---- the async face ---------------------------------------------------------------- */

typedef struct
{
  Task9Semaphore *sem;
  gboolean        returned;
  gboolean        early;
  gboolean        ok;
  GError         *error;
  gint            done;
} AsyncAcquire;

static void
async_acquire_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  AsyncAcquire *a = data;

  g_assert_true (source == G_OBJECT (a->sem));
  g_assert_false (task9_in_task ());
  if (!a->returned)
    a->early = TRUE;
  a->ok = task9_semaphore_acquire_finish (a->sem, result, &a->error);
  g_atomic_int_set (&a->done, 1);
  g_main_context_wakeup (NULL);
}

static gpointer
releaser_task (gpointer data, GError **error)
{
  task9_semaphore_release (data, error);
  return NULL;
}

static void
test_semaphore_async (void)
{
  g_autoptr(Task9Semaphore) sem = task9_semaphore_new (1);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  Task9Proc *proc = test_proc_new ("releaser");
  AsyncAcquire a = { sem }, b = { sem }, c = { sem };

  /* Free: completes from the loop, not inside the call. */
  task9_semaphore_acquire_async (sem, NULL, async_acquire_cb, &a);
  a.returned = TRUE;
  g_assert_cmpuint (task9_semaphore_get_value (sem), ==, 0);   /* taken already */
  test_iterate_until (NULL, &a.done);
  g_assert_true (a.ok);
  g_assert_false (a.early);

  /* None free: b (cancellable) then c wait; b is cancelled and takes nothing; a task on
   * another proc releases, and c gets that permit. */
  task9_semaphore_acquire_async (sem, cancellable, async_acquire_cb, &b);
  b.returned = TRUE;
  task9_semaphore_acquire_async (sem, NULL, async_acquire_cb, &c);
  c.returned = TRUE;
  g_cancellable_cancel (cancellable);
  test_iterate_until (NULL, &b.done);
  g_assert_false (b.ok);
  g_assert_error (b.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  task9_task_unref (test_spawn_on (proc, "releaser", releaser_task, sem));
  test_iterate_until (NULL, &c.done);
  g_assert_true (c.ok);
  g_assert_cmpuint (task9_semaphore_get_value (sem), ==, 0);
  g_assert_true (task9_semaphore_release (sem, NULL));
  g_assert_cmpuint (task9_semaphore_get_value (sem), ==, 1);

  g_clear_error (&b.error);
  test_proc_finish (proc);
}

static void
test_semaphore_bad_input (void)
{
  if (g_test_subprocess ())
    {
      GObject *other = g_object_new (G_TYPE_OBJECT, NULL);

      test_expect_critical ("*bound > 0*");
      g_assert_null (task9_semaphore_new_bounded (0, 0));
      test_expect_critical ("*value <= bound*");
      g_assert_null (task9_semaphore_new_bounded (3, 2));
      test_expect_critical ("*TASK9_IS_SEMAPHORE*");
      g_assert_false (task9_semaphore_release (NULL, NULL));
      test_expect_critical ("*TASK9_IS_SEMAPHORE*");
      g_assert_false (task9_semaphore_try_acquire ((Task9Semaphore *) other));
      test_expect_critical ("*TASK9_IS_SEMAPHORE*");
      g_assert_false (task9_semaphore_acquire (NULL, -1, NULL, NULL));
      test_expect_critical ("*TASK9_IS_SEMAPHORE*");
      task9_semaphore_acquire_async (NULL, NULL, NULL, NULL);
      test_expect_critical ("*TASK9_IS_SEMAPHORE*");
      g_assert_cmpuint (task9_semaphore_get_value (NULL), ==, 0);
      g_test_assert_expected_messages ();
      g_object_unref (other);
      return;
    }
  test_run_child ();
  g_test_trap_assert_passed ();
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/semaphore/basic", test_semaphore_basic);
  g_test_add_func ("/semaphore/bounded", test_semaphore_bounded);
  g_test_add_func ("/semaphore/fifo", test_semaphore_fifo);
  g_test_add_func ("/semaphore/no-effect", test_semaphore_no_effect);
  g_test_add_func ("/semaphore/stress/mutex", test_semaphore_stress_mutex);
  g_test_add_func ("/semaphore/stress/three", test_semaphore_stress_three);
  g_test_add_func ("/semaphore/async", test_semaphore_async);
  g_test_add_func ("/semaphore/bad-input", test_semaphore_bad_input);

  return g_test_run ();
}
