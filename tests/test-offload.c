/* test-offload.c: task9_run_in_thread() and the worker pool: results and errors come
 * back, the proc runs its other tasks meanwhile, the pool's bound, cancellation and
 * timeout return at once and free the late result, a queued call that is given up
 * never runs, the async pair, many tasks on many procs offloading at once, bad input,
 * and task9_main()'s deadlock detector leaving waits for a call alone
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "test-util.h"

/* ---- a gate the functions wait at --------------------------------------------------- */

typedef struct
{
  GMutex lock;
  GCond  cond;
  gint   open;
  gint   arrived;      /* functions waiting at the gate, or past it */
  gint   running;      /* functions running now */
  gint   max_running;
  gint   ran;          /* functions that ran */
  gint   results_freed;
  gint   data_freed;
} Gate;

static Gate gate;

static void
gate_reset (void)
{
  g_mutex_lock (&gate.lock);
  gate.open = 0;
  gate.arrived = gate.running = gate.max_running = gate.ran = 0;
  gate.results_freed = gate.data_freed = 0;
  g_mutex_unlock (&gate.lock);
}

static void
gate_open (void)
{
  g_mutex_lock (&gate.lock);
  gate.open = 1;
  g_cond_broadcast (&gate.cond);
  g_mutex_unlock (&gate.lock);
}

static gint
gate_get (gint *field)
{
  gint v;

  g_mutex_lock (&gate.lock);
  v = *field;
  g_mutex_unlock (&gate.lock);
  return v;
}

/* In a task: yields until *@field reaches @value. */
static void
gate_yield_until (gint *field,
                  gint  value)
{
  while (gate_get (field) < value)
    task9_yield ();
}

static void
result_free (gpointer result)
{
  g_mutex_lock (&gate.lock);
  gate.results_freed++;
  g_mutex_unlock (&gate.lock);
  g_free (result);
}

static void
data_free (gpointer data)
{
  g_mutex_lock (&gate.lock);
  gate.data_freed++;
  g_mutex_unlock (&gate.lock);
}

/* Counts itself running, waits at the gate, returns a fresh string. */
static gpointer
gated_func (gpointer      data,
            GCancellable *cancellable,
            GError      **error)
{
  g_mutex_lock (&gate.lock);
  gate.arrived++;
  gate.running++;
  gate.max_running = MAX (gate.max_running, gate.running);
  while (!gate.open)
    g_cond_wait (&gate.cond, &gate.lock);
  gate.running--;
  gate.ran++;
  g_mutex_unlock (&gate.lock);
  return g_strdup (data != NULL ? data : "late");
}

/* ---- results come back ----------------------------------------------------------------- */

static gpointer
where_func (gpointer      data,
            GCancellable *cancellable,
            GError      **error)
{
  *(GThread **) data = g_thread_self ();
  g_assert_false (task9_in_task ());
  return g_strdup ("done");
}

static gpointer
failing_func (gpointer      data,
              GCancellable *cancellable,
              GError      **error)
{
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "nothing there");
  return NULL;
}

static gpointer
result_body (gpointer data, GError **error)
{
  GThread *where = NULL;
  GError *local = NULL;
  char *s;

  s = task9_run_in_thread (where_func, &where, NULL, g_free, -1, NULL, &local);
  g_assert_no_error (local);
  g_assert_cmpstr (s, ==, "done");
  g_free (s);
  g_assert_nonnull (where);
  g_assert_true (where != g_thread_self ());

  g_assert_null (task9_run_in_thread (failing_func, NULL, NULL, g_free, -1, NULL, &local));
  g_assert_error (local, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_clear_error (&local);
  return NULL;
}

TEST_IN_TASK (test_result, result_body)

/* ---- the proc runs other tasks meanwhile ------------------------------------------------ */

static gpointer
offloading_task (gpointer data, GError **error)
{
  return task9_run_in_thread (gated_func, data, NULL, g_free, -1, NULL, error);
}

static gpointer
meanwhile_body (gpointer data, GError **error)
{
  Task9Task *offloader;
  GError *local = NULL;
  char *s;

  gate_reset ();
  offloader = test_spawn ("offloader", offloading_task, "hello");
  /* It waits for its function, which waits at the gate: this task (same proc) runs. */
  test_wait_blocked (offloader, "run-in-thread");
  gate_yield_until (&gate.arrived, 1);
  g_assert_cmpint (task9_task_get_state (offloader), ==, TASK9_TASK_STATE_BLOCKED);
  gate_open ();
  s = task9_task_join (offloader, -1, &local);
  g_assert_no_error (local);
  g_assert_cmpstr (s, ==, "hello");
  g_free (s);
  task9_task_unref (offloader);
  return NULL;
}

TEST_IN_TASK (test_meanwhile, meanwhile_body)

/* ---- the pool's bound ------------------------------------------------------------------ */

#define BOUND     3
#define N_BOUNDED 12

static gpointer
bound_body (gpointer data, GError **error)
{
  Task9Task *tasks[N_BOUNDED];
  guint old_max = task9_get_max_worker_threads ();

  gate_reset ();
  task9_set_max_worker_threads (BOUND);
  g_assert_cmpuint (task9_get_max_worker_threads (), ==, BOUND);
  for (guint i = 0; i < N_BOUNDED; i++)
    tasks[i] = test_spawn ("bounded", offloading_task, NULL);
  for (guint i = 0; i < N_BOUNDED; i++)
    test_wait_blocked (tasks[i], "run-in-thread");

  /* BOUND functions run (at the gate); the others wait in the queue. */
  gate_yield_until (&gate.arrived, BOUND);
  g_assert_cmpint (gate_get (&gate.running), ==, BOUND);
  for (guint i = 0; i < N_BOUNDED; i++)
    g_assert_cmpint (task9_task_get_state (tasks[i]), ==, TASK9_TASK_STATE_BLOCKED);

  gate_open ();
  for (guint i = 0; i < N_BOUNDED; i++)
    {
      GError *local = NULL;
      char *s = task9_task_join (tasks[i], -1, &local);

      g_assert_no_error (local);
      g_assert_cmpstr (s, ==, "late");
      g_free (s);
      task9_task_unref (tasks[i]);
    }
  g_assert_cmpint (gate_get (&gate.ran), ==, N_BOUNDED);
  g_assert_cmpint (gate_get (&gate.max_running), <=, BOUND);
  task9_set_max_worker_threads (old_max);
  return NULL;
}

TEST_IN_TASK (test_bound, bound_body)

/* ---- cancellation and timeout ------------------------------------------------------------ */

typedef struct
{
  GCancellable *cancellable;
  GTimeSpan     timeout;
  GError       *error;
  gint          returned;
} Giver;

static gpointer
giving_up_task (gpointer data, GError **error)
{
  Giver *g = data;

  g_assert_null (task9_run_in_thread (gated_func, NULL, data_free, result_free, g->timeout,
                                      g->cancellable, &g->error));
  g_atomic_int_set (&g->returned, 1);
  return NULL;
}

static gpointer
cancel_body (gpointer data, GError **error)
{
  Giver g = { g_cancellable_new (), -1, NULL, 0 };
  Task9Task *task;

  gate_reset ();
  task = test_spawn ("giver", giving_up_task, &g);
  test_wait_blocked (task, "run-in-thread");
  gate_yield_until (&gate.arrived, 1);
  g_cancellable_cancel (g.cancellable);
  /* The caller returns while the function still waits at the closed gate. */
  test_yield_until (&g.returned);
  g_assert_error (g.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (gate_get (&gate.ran), ==, 0);
  g_assert_cmpint (gate_get (&gate.results_freed), ==, 0);

  /* The function finishes later: its result and data are freed, once. */
  gate_open ();
  gate_yield_until (&gate.results_freed, 1);
  gate_yield_until (&gate.data_freed, 1);
  g_assert_cmpint (gate_get (&gate.results_freed), ==, 1);
  g_assert_cmpint (gate_get (&gate.data_freed), ==, 1);

  g_clear_error (&g.error);
  g_object_unref (g.cancellable);
  task9_task_join (task, -1, NULL);
  task9_task_unref (task);
  return NULL;
}

TEST_IN_TASK (test_cancel, cancel_body)

static gpointer
timeout_body (gpointer data, GError **error)
{
  Giver g = { NULL, 1000, NULL, 0 };
  Task9Task *task;

  gate_reset ();
  task = test_spawn ("giver", giving_up_task, &g);
  task9_task_join (task, -1, NULL);
  task9_task_unref (task);
  g_assert_error (g.error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  g_clear_error (&g.error);

  /* The function may not even have started; once it ran, its result was freed. */
  gate_open ();
  gate_yield_until (&gate.data_freed, 1);
  gate_yield_until (&gate.results_freed, gate_get (&gate.ran));
  g_assert_cmpint (gate_get (&gate.results_freed), ==, gate_get (&gate.ran));
  return NULL;
}

TEST_IN_TASK (test_timeout, timeout_body)

/* A task cancelled while its call is still queued: the function never runs. */
static gpointer
queued_body (gpointer data, GError **error)
{
  guint old_max = task9_get_max_worker_threads ();
  Giver g = { NULL, -1, NULL, 0 };
  Task9Task *first, *second;
  GError *local = NULL;
  char *s;

  gate_reset ();
  task9_set_max_worker_threads (1);
  first = test_spawn ("first", offloading_task, "first");
  gate_yield_until (&gate.arrived, 1);          /* the one worker is busy */
  second = test_spawn ("second", giving_up_task, &g);
  test_wait_blocked (second, "run-in-thread");  /* its call is queued */
  task9_task_cancel (second);
  test_yield_until (&g.returned);
  g_assert_error (g.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&g.error);

  gate_open ();
  s = task9_task_join (first, -1, &local);
  g_assert_no_error (local);
  g_assert_cmpstr (s, ==, "first");
  g_free (s);
  /* The given-up call is dropped, not run: its data is freed, nothing else. */
  gate_yield_until (&gate.data_freed, 1);
  g_assert_cmpint (gate_get (&gate.ran), ==, 1);
  g_assert_cmpint (gate_get (&gate.results_freed), ==, 0);

  task9_task_join (second, -1, NULL);
  task9_task_unref (first);
  task9_task_unref (second);
  task9_set_max_worker_threads (old_max);
  return NULL;
}

TEST_IN_TASK (test_queued_given_up, queued_body)

/* ---- the async pair ------------------------------------------------------------------------ */

typedef struct
{
  GAsyncResult *result;
  gint          done;
} AsyncWait;

static void
async_done (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  AsyncWait *w = user_data;

  g_assert_null (source);
  w->result = g_object_ref (result);
  g_atomic_int_set (&w->done, 1);
}

static void
test_async (void)
{
  GMainContext *context = g_main_context_new ();
  AsyncWait w = { NULL, 0 };
  GCancellable *cancellable = g_cancellable_new ();
  GThread *where = NULL;
  GError *error = NULL;
  char *s;

  g_main_context_push_thread_default (context);

  task9_run_in_thread_async (where_func, &where, NULL, g_free, NULL, async_done, &w);
  g_assert_false (g_atomic_int_get (&w.done));   /* never called back from inside */
  test_iterate_until (context, &w.done);
  s = task9_run_in_thread_finish (w.result, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (s, ==, "done");
  g_free (s);
  g_assert_true (where != NULL && where != g_thread_self ());
  g_clear_object (&w.result);

  /* Cancelled while the function runs: completes at once, the late result is freed. */
  gate_reset ();
  w.done = 0;
  task9_run_in_thread_async (gated_func, NULL, data_free, result_free, cancellable,
                             async_done, &w);
  while (gate_get (&gate.arrived) < 1)
    g_thread_yield ();
  g_cancellable_cancel (cancellable);
  test_iterate_until (context, &w.done);
  g_assert_null (task9_run_in_thread_finish (w.result, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_clear_object (&w.result);
  gate_open ();
  while (gate_get (&gate.results_freed) < 1 || gate_get (&gate.data_freed) < 1)
    g_thread_yield ();

  /* Already cancelled: nothing runs. */
  gate_reset ();
  w.done = 0;
  task9_run_in_thread_async (gated_func, NULL, data_free, result_free, cancellable,
                             async_done, &w);
  test_iterate_until (context, &w.done);
  g_assert_null (task9_run_in_thread_finish (w.result, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_clear_object (&w.result);
  g_assert_cmpint (gate_get (&gate.arrived), ==, 0);
  g_assert_cmpint (gate_get (&gate.data_freed), ==, 1);

  /* A result nobody finishes is freed with the op. */
  gate_reset ();
  gate_open ();
  w.done = 0;
  task9_run_in_thread_async (gated_func, "unclaimed", NULL, result_free, NULL, async_done, &w);
  test_iterate_until (context, &w.done);
  g_clear_object (&w.result);
  /* Freed once the op and the worker have both let go of the call. */
  while (gate_get (&gate.results_freed) < 1)
    g_thread_yield ();
  g_assert_cmpint (gate_get (&gate.results_freed), ==, 1);

  g_object_unref (cancellable);
  g_main_context_pop_thread_default (context);
  g_main_context_unref (context);
}

/* ---- many tasks on many procs --------------------------------------------------------------- */

#define N_PROCS 4
#define N_TASKS 8

typedef struct
{
  guint   index;
  guint32 seed;
  guint   n_calls;
  guint64 sum;
  guint64 expected;
} Offloader;

static gpointer
square_func (gpointer      data,
             GCancellable *cancellable,
             GError      **error)
{
  guint64 *x = data;
  guint64 *r = g_new (guint64, 1);

  *r = *x * *x;
  return r;
}

static gpointer
many_task (gpointer data, GError **error)
{
  Offloader *o = data;
  GRand *rand = g_rand_new_with_seed (o->seed ^ (o->index * 2654435761u));

  for (guint i = 0; i < o->n_calls; i++)
    {
      guint64 x = g_rand_int_range (rand, 0, 1 << 20);
      guint64 *r;

      o->expected += x * x;
      if (g_rand_boolean (rand))
        task9_yield ();
      r = task9_run_in_thread (square_func, &x, NULL, g_free, -1, NULL, error);
      if (r == NULL)
        break;
      o->sum += *r;
      g_free (r);
    }
  g_rand_free (rand);
  return NULL;
}

static void
test_many (void)
{
  const char *env = g_getenv ("TASK9_TEST_SEED");
  guint32 seed = env != NULL ? (guint32) g_ascii_strtoull (env, NULL, 0) : 0x0ff10ad;
  Task9Proc *procs[N_PROCS];
  Task9Task *tasks[N_PROCS * N_TASKS];
  Offloader jobs[N_PROCS * N_TASKS];
  guint n_calls = test_scale (50, 10);

  g_test_message ("seed 0x%x (set TASK9_TEST_SEED to change it)", seed);
  for (guint p = 0; p < N_PROCS; p++)
    procs[p] = test_proc_new ("offloaders");
  for (guint i = 0; i < N_PROCS * N_TASKS; i++)
    {
      jobs[i] = (Offloader) { i, seed, n_calls, 0, 0 };
      tasks[i] = test_spawn_on (procs[i % N_PROCS], "offloader", many_task, &jobs[i]);
    }
  for (guint i = 0; i < N_PROCS * N_TASKS; i++)
    {
      GError *error = NULL;

      task9_task_join (tasks[i], -1, &error);
      g_assert_no_error (error);
      task9_task_unref (tasks[i]);
      g_assert_cmpuint (jobs[i].sum, ==, jobs[i].expected);
    }
  for (guint p = 0; p < N_PROCS; p++)
    test_proc_finish (procs[p]);
}

/* ---- bad input ------------------------------------------------------------------------------ */

static gpointer
bad_input_body (gpointer data, GError **error)
{
  GCancellable *cancellable = g_cancellable_new ();
  GError *local = NULL;

  gate_reset ();
  /* A zero timeout cannot wait: nothing runs, the data is freed. */
  g_assert_null (task9_run_in_thread (gated_func, NULL, data_free, NULL, 0, NULL, &local));
  g_assert_error (local, TASK9_ERROR, TASK9_ERROR_WOULD_BLOCK);
  g_clear_error (&local);
  /* Already cancelled: the same. */
  g_cancellable_cancel (cancellable);
  g_assert_null (task9_run_in_thread (gated_func, NULL, data_free, NULL, -1, cancellable,
                                      &local));
  g_assert_error (local, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&local);
  g_assert_cmpint (gate_get (&gate.data_freed), ==, 2);
  g_assert_cmpint (gate_get (&gate.arrived), ==, 0);
  g_object_unref (cancellable);
  return NULL;
}

TEST_IN_TASK (test_bad_input_in_task, bad_input_body)

static void
test_bad_input (void)
{
  GError *error = NULL;

  gate_reset ();
  /* Outside a task the blocking form cannot wait. */
  g_assert_null (task9_run_in_thread (gated_func, NULL, data_free, NULL, -1, NULL, &error));
  g_assert_error (error, TASK9_ERROR, TASK9_ERROR_NOT_IN_TASK);
  g_clear_error (&error);
  g_assert_cmpint (gate_get (&gate.data_freed), ==, 1);

  test_expect_critical ("*func != NULL*");
  g_assert_null (task9_run_in_thread (NULL, NULL, NULL, NULL, -1, NULL, &error));
  g_test_assert_expected_messages ();
  test_expect_critical ("*func != NULL*");
  task9_run_in_thread_async (NULL, NULL, NULL, NULL, NULL, NULL, NULL);
  g_test_assert_expected_messages ();
  test_expect_critical ("*max_threads >= 1*");
  task9_set_max_worker_threads (0);
  g_test_assert_expected_messages ();
  g_assert_cmpuint (task9_get_max_worker_threads (), >=, 1);
}

/* ---- the deadlock detector leaves offloading tasks alone ------------------------------------ */

/* On a worker: returns once the task @data is blocked (waiting for this very call, or
 * on a channel that only this call's callback feeds): everything is parked meanwhile. */
static gpointer
until_blocked (gpointer      data,
               GCancellable *cancellable,
               GError      **error)
{
  while (task9_task_get_state (data) != TASK9_TASK_STATE_BLOCKED)
    g_thread_yield ();
  return data;
}

static void
token_to_channel (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  gint64 token = GPOINTER_TO_SIZE (task9_run_in_thread_finish (result, NULL)) != 0;

  task9_channel_try_send (user_data, &token, NULL);
}

static int
offload_main (int argc, char **argv)
{
  Task9Task *self = task9_task_self ();
  Task9Channel *channel = test_chan_new (1);
  Task9IOProc *io = task9_ioproc_new (NULL, NULL);
  GError *error = NULL;
  gint64 token = 0;

  /* The blocking forms: the task waits for the call. */
  g_assert_true (task9_run_in_thread (until_blocked, self, NULL, NULL, -1, NULL, &error) == self);
  g_assert_true (task9_ioproc_call (io, until_blocked, self, NULL, NULL, -1, NULL, &error) == self);
  g_assert_no_error (error);
  /* The async form: the task waits on a channel its callback will feed. */
  task9_run_in_thread_async (until_blocked, self, NULL, NULL, NULL, token_to_channel, channel);
  g_assert_true (task9_channel_recv (channel, &token, &error));
  g_assert_no_error (error);
  g_assert_cmpint (token, ==, 1);
  g_object_unref (io);
  g_object_unref (channel);
  return 5;
}

static void
test_not_a_deadlock (void)
{
  if (g_test_subprocess ())
    {
      g_assert_cmpint (task9_main (0, NULL, offload_main), ==, 5);
      return;
    }
  test_run_child ();
  g_test_trap_assert_passed ();
  g_test_trap_assert_stderr_unmatched ("*deadlock*");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/offload/result", test_result);
  g_test_add_func ("/offload/meanwhile", test_meanwhile);
  g_test_add_func ("/offload/bound", test_bound);
  g_test_add_func ("/offload/cancel", test_cancel);
  g_test_add_func ("/offload/timeout", test_timeout);
  g_test_add_func ("/offload/queued-given-up", test_queued_given_up);
  g_test_add_func ("/offload/async", test_async);
  g_test_add_func ("/offload/many", test_many);
  g_test_add_func ("/offload/bad-input-in-task", test_bad_input_in_task);
  g_test_add_func ("/offload/bad-input", test_bad_input);
  g_test_add_func ("/offload/not-a-deadlock", test_not_a_deadlock);
  return g_test_run ();
}
