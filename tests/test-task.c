/* test-task.c: spawn, exit, join, cancel, yield and the run queue's order
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "test-util.h"

#define TEST_ERROR_QUARK (g_quark_from_static_string ("test-error"))

/* ---- results and errors ------------------------------------------------------------- */

static void
test_task_result (void)
{
  Task9Proc *proc = test_proc_new ("result");
  int token;
  Task9Task *task = test_spawn_on (proc, "result", test_return_data_task, &token);
  GError *error = NULL;

  /* From the test thread, which is no proc's: it blocks until the task ends. */
  g_assert_true (task9_task_join (task, -1, &error) == &token);
  g_assert_no_error (error);
  g_assert_true (task9_task_is_finished (task));
  g_assert_null (task9_task_get_proc (task));
  /* Joining again, after the end, gives the same answer. */
  g_assert_true (task9_task_join (task, -1, &error) == &token);
  g_assert_true (task9_task_join (task, 0, &error) == &token);
  g_assert_no_error (error);

  task9_task_unref (task);
  test_proc_finish (proc);
}

/* Once a join from another thread has returned, the task is finished in every respect:
 * its state too, not only task9_task_is_finished(). Repeated, as a lagging state shows
 * up only when the joiner wins a race against the finishing proc. */
static void
test_task_state_finished_after_join (void)
{
  Task9Proc *proc = test_proc_new ("state");
  guint n = test_scale (3000, 100);
  guint lagging = 0;

  for (guint i = 0; i < n; i++)
    {
      Task9Task *task = test_spawn_on (proc, "short", test_return_data_task, NULL);
      GError *error = NULL;
      Task9TaskState state;

      task9_task_join (task, -1, &error);
      g_assert_no_error (error);
      state = task9_task_get_state (task);
      if (state != TASK9_TASK_STATE_FINISHED)
        lagging++;
      task9_task_unref (task);
    }
  test_proc_finish (proc);
  if (lagging > 0)
    g_test_fail_printf ("task9_task_get_state() was not FINISHED after task9_task_join() "
                        "returned in %u of %u joins", lagging, n);
}

static gpointer
fail_task (gpointer data, GError **error)
{
  task9_yield ();
  g_set_error (error, TEST_ERROR_QUARK, 42, "failed on purpose (%s)", (const char *) data);
  return NULL;
}

typedef struct
{
  Task9Task *target;
  GError    *error;
  gpointer   result;
} Joiner;

static gpointer
joiner_task (gpointer data, GError **error)
{
  Joiner *joiner = data;

  joiner->result = task9_task_join (joiner->target, -1, &joiner->error);
  return NULL;
}

#define N_JOINERS 4

static gpointer
multi_join_body (gpointer data, GError **error)
{
  Joiner joiners[N_JOINERS];
  Task9Task *joiner_tasks[N_JOINERS];
  Task9Task *failing = test_spawn ("failing", fail_task, "xyz");

  for (guint i = 0; i < N_JOINERS; i++)
    {
      joiners[i] = (Joiner) { failing, NULL, NULL };
      joiner_tasks[i] = test_spawn ("joiner", joiner_task, &joiners[i]);
    }
  for (guint i = 0; i < N_JOINERS; i++)
    {
      g_assert_null (task9_task_join (joiner_tasks[i], -1, error));
      task9_task_unref (joiner_tasks[i]);
    }
  for (guint i = 0; i < N_JOINERS; i++)
    {
      g_assert_null (joiners[i].result);
      g_assert_error (joiners[i].error, TEST_ERROR_QUARK, 42);
      g_assert_cmpstr (joiners[i].error->message, ==, "failed on purpose (xyz)");
      /* Each joiner owns a copy. */
      for (guint j = 0; j < i; j++)
        g_assert_true (joiners[i].error != joiners[j].error);
    }
  for (guint i = 0; i < N_JOINERS; i++)
    g_error_free (joiners[i].error);

  /* A late joiner gets a copy too. */
  {
    GError *late = NULL;

    g_assert_null (task9_task_join (failing, -1, &late));
    g_assert_error (late, TEST_ERROR_QUARK, 42);
    g_error_free (late);
  }
  task9_task_unref (failing);
  return NULL;
}

TEST_IN_TASK (test_task_error_multiple_joiners, multi_join_body)

static void
test_task_error_join_from_thread (void)
{
  Task9Proc *proc = test_proc_new ("error");
  Task9Task *task = test_spawn_on (proc, "failing", fail_task, "thread");
  GError *error = NULL, *again = NULL;

  g_assert_null (task9_task_join (task, -1, &error));
  g_assert_error (error, TEST_ERROR_QUARK, 42);
  g_assert_cmpstr (error->message, ==, "failed on purpose (thread)");
  g_assert_null (task9_task_join (task, -1, &again));
  g_assert_error (again, TEST_ERROR_QUARK, 42);
  g_assert_true (error != again);
  g_error_free (error);
  g_error_free (again);

  task9_task_unref (task);
  test_proc_finish (proc);
}

/* ---- task9_exit and the user data ------------------------------------------------- */

typedef struct
{
  gint destroyed;
  gint after_exit;
} ExitState;

static void
deep_exit (int depth, gpointer result)
{
  if (depth == 0)
    task9_exit (result);
  else
    deep_exit (depth - 1, result);
}

static gpointer
exit_task (gpointer data, GError **error)
{
  ExitState *state = data;

  task9_yield ();
  deep_exit (10, GINT_TO_POINTER (1234));
  state->after_exit = TRUE;   /* never reached */
  return NULL;
}

static void
exit_destroy (gpointer data)
{
  ExitState *state = data;

  g_atomic_int_set (&state->destroyed, TRUE);
}

static void
test_task_exit (void)
{
  Task9Proc *proc = test_proc_new ("exit");
  ExitState state = { 0, 0 };
  GError *error = NULL;
  Task9Task *task = task9_task_spawn_full (proc, "exiting", 0, exit_task, &state, exit_destroy,
                                           &error);

  g_assert_no_error (error);
  g_assert_cmpint (GPOINTER_TO_INT (task9_task_join (task, -1, &error)), ==, 1234);
  g_assert_no_error (error);
  /* The destroy notify ran before joiners were woken. */
  g_assert_true (g_atomic_int_get (&state.destroyed));
  g_assert_false (state.after_exit);

  task9_task_unref (task);
  test_proc_finish (proc);
}

typedef struct
{
  gint destroyed;
  gint seen_destroyed;
} DestroyState;

static void
destroy_mark (gpointer data)
{
  g_atomic_int_set (&((DestroyState *) data)->destroyed, TRUE);
}

static gpointer
destroy_body (gpointer data, GError **error)
{
  DestroyState *state = data;
  Task9Task *task = task9_task_spawn ("destroyed", test_return_data_task, state, destroy_mark,
                                      error);

  g_assert_nonnull (task);
  g_assert_false (g_atomic_int_get (&state->destroyed));
  task9_task_join (task, -1, error);
  state->seen_destroyed = g_atomic_int_get (&state->destroyed);
  task9_task_unref (task);
  return NULL;
}

static void
test_task_user_data_destroy (void)
{
  DestroyState state = { 0, 0 };

  run_in_task_ok (destroy_body, &state);
  g_assert_true (state.seen_destroyed);
}

/* ---- join timeouts and joining oneself --------------------------------------------- */

typedef struct
{
  Task9Task *gate;
  gint       finished;
} WaiterState;

/* Waits for the gate to open (be cancelled), then returns its data. */
static gpointer
wait_gate_task (gpointer data, GError **error)
{
  WaiterState *state = data;
  gpointer result = task9_task_join (state->gate, -1, error);

  g_atomic_int_set (&state->finished, TRUE);
  return result;
}

static gpointer
join_timeout_body (gpointer data, GError **error)
{
  int token;
  WaiterState state = { NULL, FALSE };
  Task9Task *waiter;
  GError *local = NULL;
  gint64 start, elapsed;

  state.gate = test_spawn ("gate", test_gate_task, &token);
  waiter = test_spawn ("waiter", wait_gate_task, &state);

  start = g_get_monotonic_time ();
  g_assert_null (task9_task_join (waiter, 10 * G_TIME_SPAN_MILLISECOND, &local));
  elapsed = g_get_monotonic_time () - start;
  g_assert_error (local, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  g_clear_error (&local);
  g_assert_cmpint (elapsed, >=, 10 * G_TIME_SPAN_MILLISECOND);
  g_assert_cmpint (elapsed, <, 10 * G_TIME_SPAN_MILLISECOND + test_late_slack ());
  g_assert_false (task9_task_is_finished (waiter));
  g_assert_false (g_atomic_int_get (&state.finished));
  g_assert_cmpint (task9_task_get_state (waiter), ==, TASK9_TASK_STATE_BLOCKED);
  g_assert_cmpstr (task9_task_get_wait_reason (waiter), ==, "join");

  /* A zero timeout polls. */
  g_assert_null (task9_task_join (waiter, 0, &local));
  g_assert_error (local, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  g_clear_error (&local);

  /* The timed-out join left nothing behind: a later join succeeds. */
  task9_task_cancel (state.gate);
  g_assert_true (task9_task_join (waiter, -1, &local) == &token);
  g_assert_no_error (local);
  g_assert_true (g_atomic_int_get (&state.finished));

  task9_task_unref (waiter);
  task9_task_unref (state.gate);
  return NULL;
}

TEST_IN_TASK (test_task_join_timeout, join_timeout_body)

static void
test_task_join_timeout_from_thread (void)
{
  Task9Proc *proc = test_proc_new ("join-timeout");
  int token;
  Task9Task *gate = test_spawn_on (proc, "gate", test_gate_task, &token);
  GError *error = NULL;
  gint64 start = g_get_monotonic_time (), elapsed;

  g_assert_null (task9_task_join (gate, 20 * G_TIME_SPAN_MILLISECOND, &error));
  elapsed = g_get_monotonic_time () - start;
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  g_clear_error (&error);
  g_assert_cmpint (elapsed, >=, 20 * G_TIME_SPAN_MILLISECOND);
  g_assert_false (task9_task_is_finished (gate));

  task9_task_cancel (gate);
  g_assert_true (task9_task_join (gate, -1, &error) == &token);
  g_assert_no_error (error);

  task9_task_unref (gate);
  test_proc_finish (proc);
}

static gpointer
join_self_body (gpointer data, GError **error)
{
  GError *local = NULL;

  g_assert_null (task9_task_join (task9_task_self (), -1, &local));
  g_assert_error (local, TASK9_ERROR, TASK9_ERROR_DEADLOCK);
  g_clear_error (&local);
  g_assert_null (task9_task_join (task9_task_self (), 0, &local));
  g_assert_error (local, TASK9_ERROR, TASK9_ERROR_DEADLOCK);
  g_clear_error (&local);
  return GINT_TO_POINTER (1);
}

static void
test_task_join_self (void)
{
  g_assert_cmpint (GPOINTER_TO_INT (run_in_task_ok (join_self_body, NULL)), ==, 1);
}

/* ---- cancellation ------------------------------------------------------------------ */

typedef struct
{
  gint    sleep_code;       /* the error code of the long sleep, -1 for none */
  gint64  slept;
  gboolean later_sleep_failed;
  gboolean later_zero_sleep_failed;
  gboolean later_join_failed;
  gboolean later_until_failed;
  gboolean check_failed;
  gboolean yield_ok;
} SleeperState;

static gpointer
sleeper_task (gpointer data, GError **error)
{
  SleeperState *state = data;
  GError *local = NULL;
  gint64 start = g_get_monotonic_time ();
  Task9Task *other;

  state->sleep_code = -1;
  if (!task9_sleep (60 * G_TIME_SPAN_SECOND, &local))
    {
      g_assert_true (local->domain == G_IO_ERROR);
      state->sleep_code = local->code;
      g_clear_error (&local);
    }
  state->slept = g_get_monotonic_time () - start;

  /* Sticky: every later blocking call fails at once. */
  state->later_sleep_failed = !task9_sleep (G_TIME_SPAN_MILLISECOND, &local) &&
                              g_error_matches (local, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&local);
  state->later_zero_sleep_failed = !task9_sleep (0, &local) &&
                                   g_error_matches (local, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&local);
  state->later_until_failed = !task9_sleep_until (g_get_monotonic_time () + 1000, &local) &&
                              g_error_matches (local, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&local);

  other = test_spawn ("other", test_return_data_task, NULL);
  state->later_join_failed = task9_task_join (other, -1, &local) == NULL &&
                             g_error_matches (local, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&local);
  task9_task_unref (other);

  state->check_failed = !task9_check_cancelled (&local) &&
                        g_error_matches (local, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&local);

  /* Yield is not a blocking call that fails; it still lets others run. */
  task9_yield ();
  state->yield_ok = TRUE;

  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, "sleeper was cancelled");
  return NULL;
}

static void
check_sleeper (const SleeperState *state)
{
  g_assert_cmpint (state->sleep_code, ==, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (state->slept, <, 30 * G_TIME_SPAN_SECOND);
  g_assert_true (state->later_sleep_failed);
  g_assert_true (state->later_zero_sleep_failed);
  g_assert_true (state->later_until_failed);
  g_assert_true (state->later_join_failed);
  g_assert_true (state->check_failed);
  g_assert_true (state->yield_ok);
}

typedef struct
{
  Task9Task    *victim;
  SleeperState  state;
} CancelBlocked;

static gpointer
canceller_task (gpointer data, GError **error)
{
  CancelBlocked *cb = data;

  /* The victim ran first and is parked in its sleep now. */
  g_assert_cmpint (task9_task_get_state (cb->victim), ==, TASK9_TASK_STATE_BLOCKED);
  g_assert_cmpstr (task9_task_get_wait_reason (cb->victim), ==, "sleep");
  g_assert_false (task9_task_is_cancelled (cb->victim));
  task9_task_cancel (cb->victim);
  g_assert_true (task9_task_is_cancelled (cb->victim));
  task9_task_cancel (cb->victim);   /* twice is harmless */
  return NULL;
}

static gpointer
cancel_blocked_body (gpointer data, GError **error)
{
  CancelBlocked cb = { NULL, { 0 } };
  Task9Task *canceller;

  cb.victim = test_spawn ("victim", sleeper_task, &cb.state);
  canceller = test_spawn ("canceller", canceller_task, &cb);

  test_join_cancelled (cb.victim);
  g_assert_null (task9_task_join (canceller, -1, error));
  check_sleeper (&cb.state);

  task9_task_unref (canceller);
  task9_task_unref (cb.victim);
  return NULL;
}

TEST_IN_TASK (test_task_cancel_blocked, cancel_blocked_body)

/* Cancelled from another thread, at whatever point the victim has reached. */
static void
test_task_cancel_from_thread (void)
{
  Task9Proc *proc = test_proc_new ("cancel");
  SleeperState state = { 0 };
  Task9Task *victim = test_spawn_on (proc, "victim", sleeper_task, &state);

  task9_task_cancel (victim);
  g_assert_true (task9_task_is_cancelled (victim));
  test_join_cancelled (victim);
  check_sleeper (&state);

  task9_task_unref (victim);
  test_proc_finish (proc);
}

static gpointer
early_task (gpointer data, GError **error)
{
  cancel_probe_run (data);
  return GINT_TO_POINTER (7);
}

static gpointer
cancel_before_run_body (gpointer data, GError **error)
{
  CancelProbe state = { FALSE, FALSE, FALSE };
  Task9Task *task = test_spawn ("early", early_task, &state);

  /* It has not run: spawning does not switch. */
  g_assert_cmpint (task9_task_get_state (task), ==, TASK9_TASK_STATE_RUNNABLE);
  task9_task_cancel (task);
  g_assert_false (state.ran);

  /* It still runs (nothing is unwound behind its back), and sees the cancellation. */
  g_assert_cmpint (GPOINTER_TO_INT (task9_task_join (task, -1, error)), ==, 7);
  g_assert_true (state.ran);
  g_assert_true (state.check_failed);
  g_assert_true (state.sleep_failed);
  task9_task_unref (task);
  return NULL;
}

TEST_IN_TASK (test_task_cancel_before_run, cancel_before_run_body)

static gpointer
cancel_finished_body (gpointer data, GError **error)
{
  int token;
  Task9Task *task = test_spawn ("done", test_return_data_task, &token);

  g_assert_true (task9_task_join (task, -1, error) == &token);
  g_assert_true (task9_task_is_finished (task));
  task9_task_cancel (task);
  task9_task_cancel (task);
  /* Nothing changed: same result, no error, still finished. */
  g_assert_true (task9_task_join (task, -1, error) == &token);
  g_assert_no_error (*error);
  g_assert_cmpint (task9_task_get_state (task), ==, TASK9_TASK_STATE_FINISHED);
  /* And the canceller was not affected. */
  g_assert_true (task9_check_cancelled (error));
  g_assert_true (task9_sleep (0, error));
  task9_task_unref (task);
  return NULL;
}

TEST_IN_TASK (test_task_cancel_finished, cancel_finished_body)

typedef struct
{
  gint    started;
  guint64 iterations;
} SpinState;

/* Computes without ever blocking or yielding; notices cancellation by polling. */
static gpointer
spin_task (gpointer data, GError **error)
{
  SpinState *state = data;

  g_atomic_int_set (&state->started, TRUE);
  while (task9_check_cancelled (error))
    state->iterations++;
  return NULL;
}

static void
test_task_check_cancelled (void)
{
  Task9Proc *proc = test_proc_new ("spin");
  SpinState state = { 0, 0 };
  Task9Task *task = test_spawn_on (proc, "spinner", spin_task, &state);

  g_assert_false (task9_task_is_cancelled (task));
  task9_task_cancel (task);
  test_join_cancelled (task);
  g_assert_true (state.started);

  task9_task_unref (task);
  test_proc_finish (proc);
}

/* ---- the run queue -------------------------------------------------------------------- */

#define N_FIFO 16

typedef struct
{
  guint order[N_FIFO * 3];
  guint n;
} OrderLog;

typedef struct
{
  OrderLog *log;
  guint     index;
} OrderItem;

static gpointer
order_task (gpointer data, GError **error)
{
  OrderItem *item = data;

  item->log->order[item->log->n++] = item->index;
  task9_yield ();
  item->log->order[item->log->n++] = item->index;
  return NULL;
}

static gpointer
fifo_body (gpointer data, GError **error)
{
  OrderLog log = { { 0 }, 0 };
  OrderItem items[N_FIFO];
  Task9Task *tasks[N_FIFO];
  volatile guint64 busy = 0;

  for (guint i = 0; i < N_FIFO; i++)
    {
      items[i] = (OrderItem) { &log, i };
      tasks[i] = test_spawn ("fifo", order_task, &items[i]);
      g_assert_cmpint (task9_task_get_state (tasks[i]), ==, TASK9_TASK_STATE_RUNNABLE);
    }
  /* Time passes, the main loop could iterate, but nothing runs before we block. */
  for (guint i = 0; i < 100000; i++)
    busy += i;
  g_assert_cmpuint (log.n, ==, 0);

  /* All of them ran once, in spawn order, and yielded back behind us. */
  g_assert_cmpuint (task9_yield (), ==, N_FIFO);
  g_assert_cmpuint (log.n, ==, N_FIFO);
  for (guint i = 0; i < N_FIFO; i++)
    g_assert_cmpuint (log.order[i], ==, i);

  for (guint i = 0; i < N_FIFO; i++)
    {
      g_assert_null (task9_task_join (tasks[i], -1, error));
      task9_task_unref (tasks[i]);
    }
  g_assert_cmpuint (log.n, ==, 2 * N_FIFO);
  for (guint i = 0; i < N_FIFO; i++)
    g_assert_cmpuint (log.order[N_FIFO + i], ==, i);
  return NULL;
}

TEST_IN_TASK (test_task_fifo, fifo_body)

/* Tasks spawned from the test thread onto a proc run in spawn order too. */
static void
test_task_fifo_from_thread (void)
{
  Task9Proc *proc = test_proc_new ("fifo");
  OrderLog log = { { 0 }, 0 };
  OrderItem items[N_FIFO];
  Task9Task *tasks[N_FIFO];
  GError *error = NULL;

  for (guint i = 0; i < N_FIFO; i++)
    {
      items[i] = (OrderItem) { &log, i };
      tasks[i] = test_spawn_on (proc, "fifo", order_task, &items[i]);
    }
  for (guint i = 0; i < N_FIFO; i++)
    {
      task9_task_join (tasks[i], -1, &error);
      g_assert_no_error (error);
      task9_task_unref (tasks[i]);
    }
  g_assert_cmpuint (log.n, ==, 2 * N_FIFO);
  /* First runs in spawn order; a task spawned while the first ones already ran may
   * interleave with their second halves, but firsts keep their relative order. */
  {
    guint next = 0;

    for (guint i = 0; i < 2 * N_FIFO; i++)
      {
        gboolean first = TRUE;

        for (guint j = 0; j < i; j++)
          if (log.order[j] == log.order[i])
            first = FALSE;
        if (first)
          g_assert_cmpuint (log.order[i], ==, next++);
      }
    g_assert_cmpuint (next, ==, N_FIFO);
  }
  test_proc_finish (proc);
}

static gpointer
yield_n_task (gpointer data, GError **error)
{
  guint n = GPOINTER_TO_UINT (data);

  for (guint i = 0; i < n; i++)
    task9_yield ();
  return NULL;
}

static gpointer
yield_count_body (gpointer data, GError **error)
{
  Task9Task *tasks[3];

  /* Alone on the proc: nobody else runs. */
  g_assert_cmpuint (task9_yield (), ==, 0);

  for (guint i = 0; i < 3; i++)
    tasks[i] = test_spawn ("yielder", yield_n_task, GUINT_TO_POINTER (2));

  g_assert_cmpuint (task9_yield (), ==, 3);   /* each ran once and yielded */
  g_assert_cmpuint (task9_yield (), ==, 3);   /* each ran again and yielded */
  g_assert_cmpuint (task9_yield (), ==, 3);   /* each ran to its end */
  for (guint i = 0; i < 3; i++)
    g_assert_true (task9_task_is_finished (tasks[i]));
  g_assert_cmpuint (task9_yield (), ==, 0);

  for (guint i = 0; i < 3; i++)
    task9_task_unref (tasks[i]);
  return NULL;
}

TEST_IN_TASK (test_task_yield_count, yield_count_body)

static gpointer
state_child (gpointer data, GError **error)
{
  Task9Task *self = task9_task_self ();

  g_assert_nonnull (self);
  g_assert_cmpint (task9_task_get_state (self), ==, TASK9_TASK_STATE_RUNNING);
  g_assert_null (task9_task_get_wait_reason (self));
  task9_sleep (G_MAXINT64, error);
  return NULL;
}

static gpointer
states_body (gpointer data, GError **error)
{
  Task9Task *child = test_spawn ("child", state_child, NULL);

  g_assert_cmpint (task9_task_get_state (child), ==, TASK9_TASK_STATE_RUNNABLE);
  task9_yield ();
  g_assert_cmpint (task9_task_get_state (child), ==, TASK9_TASK_STATE_BLOCKED);
  g_assert_cmpstr (task9_task_get_wait_reason (child), ==, "sleep");
  g_assert_true (task9_task_get_proc (child) == task9_proc_get_current ());
  task9_task_cancel (child);
  test_join_cancelled (child);
  g_assert_cmpint (task9_task_get_state (child), ==, TASK9_TASK_STATE_FINISHED);
  g_assert_null (task9_task_get_wait_reason (child));
  task9_task_unref (child);
  return NULL;
}

TEST_IN_TASK (test_task_states, states_body)

/* ---- identity --------------------------------------------------------------------- */

static gpointer
identity_body (gpointer data, GError **error)
{
  Task9Task *self = task9_task_self ();
  Task9Task *a, *b;
  char *name;

  g_assert_true (task9_in_task ());
  g_assert_cmpstr (task9_task_get_name (self), ==, "test");
  g_assert_true (task9_task_get_proc (self) == task9_proc_get_current ());
  g_assert_cmpstr (task9_proc_get_name (task9_proc_get_current ()), ==, "test-proc");

  a = test_spawn ("a", test_return_data_task, NULL);
  b = task9_task_spawn (NULL, test_return_data_task, NULL, NULL, error);
  g_assert_nonnull (b);
  g_assert_cmpuint (task9_task_get_id (a), >, 0);
  g_assert_cmpuint (task9_task_get_id (b), !=, task9_task_get_id (a));
  g_assert_cmpuint (task9_task_get_id (a), !=, task9_task_get_id (self));
  g_assert_null (task9_task_get_name (b));
  g_assert_null (task9_task_dup_name (b));
  /* task9_task_spawn in a task spawns on the current proc. */
  g_assert_true (task9_task_get_proc (b) == task9_proc_get_current ());

  task9_task_set_name (a, "renamed");
  name = task9_task_dup_name (a);
  g_assert_cmpstr (name, ==, "renamed");
  g_free (name);

  {
    g_autofree char *table = task9_format_task_table ();
    g_autoptr(GPtrArray) all = task9_task_list_all ();
    gboolean found_a = FALSE, found_self = FALSE;

    g_assert_nonnull (strstr (table, "renamed"));
    g_assert_nonnull (strstr (table, "test-proc"));
    for (guint i = 0; i < all->len; i++)
      {
        found_a |= all->pdata[i] == a;
        found_self |= all->pdata[i] == self;
      }
    g_assert_true (found_a);
    g_assert_true (found_self);
  }

  task9_task_join (a, -1, error);
  task9_task_join (b, -1, error);
  {
    g_autoptr(GPtrArray) all = task9_task_list_all ();

    for (guint i = 0; i < all->len; i++)
      g_assert_true (all->pdata[i] != a && all->pdata[i] != b);
  }
  task9_task_unref (a);
  task9_task_unref (b);
  return NULL;
}

static void
test_task_identity (void)
{
  g_assert_false (task9_in_task ());
  g_assert_null (task9_task_self ());
  run_in_task_ok (identity_body, NULL);
}

static void
test_task_boxed_type (void)
{
  g_assert_true (G_TYPE_IS_BOXED (TASK9_TYPE_TASK));
  g_assert_true (G_TYPE_IS_BOXED (TASK9_TYPE_PROC));
  g_assert_true (G_TYPE_IS_BOXED (TASK9_TYPE_GROUP));
  g_assert_true (G_TYPE_IS_ENUM (TASK9_TYPE_TASK_STATE));
  g_assert_true (G_TYPE_IS_ENUM (TASK9_TYPE_ERROR));
}

/* ---- detached tasks ------------------------------------------------------------------- */

static gpointer
detached_task (gpointer data, GError **error)
{
  task9_yield ();
  task9_sleep (100, NULL);
  g_atomic_int_inc ((gint *) data);
  return NULL;
}

static gpointer
detached_body (gpointer data, GError **error)
{
  gint done = 0;

  for (guint i = 0; i < 10; i++)
    task9_task_unref (test_spawn ("detached", detached_task, &done));
  while (g_atomic_int_get (&done) < 10)
    task9_yield ();
  return NULL;
}

TEST_IN_TASK (test_task_detached, detached_body)

/* A task on one proc spawns onto another; the child runs on the other proc's thread. */
static gpointer
spawn_elsewhere_body (gpointer data, GError **error)
{
  Task9Proc *other = data;
  TestWhere state = { NULL, NULL };
  Task9Task *task = test_spawn_on (other, "elsewhere", test_where_task, &state);

  g_assert_true (task9_task_get_proc (task) == other || task9_task_is_finished (task));
  task9_task_join (task, -1, error);
  g_assert_true (state.proc == other);
  g_assert_true (state.thread != g_thread_self ());
  task9_task_unref (task);
  return NULL;
}

static void
test_task_spawn_on_other_proc (void)
{
  Task9Proc *other = test_proc_new ("other");

  run_in_task_ok (spawn_elsewhere_body, other);
  test_proc_finish (other);
}

/* Task data: set, get, replace (the old value's destroy runs), and everything left is
 * destroyed with the record. */
static void
count_destroy (gpointer data)
{
  g_atomic_int_inc ((gint *) data);
}

static void
test_task_data (void)
{
  Task9Proc *proc = test_proc_new ("data");
  Task9Task *task = test_spawn_on (proc, "holder", test_return_data_task, NULL);
  gint destroyed = 0;
  GError *error = NULL;

  task9_task_set_data (task, "a", GINT_TO_POINTER (1), NULL);
  task9_task_set_data (task, "b", &destroyed, count_destroy);
  g_assert_cmpint (GPOINTER_TO_INT (task9_task_get_data (task, "a")), ==, 1);
  g_assert_true (task9_task_get_data (task, "b") == &destroyed);
  g_assert_null (task9_task_get_data (task, "missing"));

  task9_task_set_data (task, "b", &destroyed, count_destroy);   /* replaced */
  g_assert_cmpint (destroyed, ==, 1);
  task9_task_set_data (task, "b", NULL, NULL);                   /* removed */
  g_assert_cmpint (destroyed, ==, 2);
  g_assert_null (task9_task_get_data (task, "b"));

  task9_task_set_data (task, "c", &destroyed, count_destroy);
  task9_task_join (task, -1, &error);
  g_assert_no_error (error);
  g_assert_true (task9_task_get_data (task, "c") == &destroyed);  /* outlives the run */
  test_proc_finish (proc);
  g_assert_cmpint (destroyed, ==, 2);
  task9_task_unref (task);                                        /* the last reference */
  g_assert_cmpint (destroyed, ==, 3);
}

/* task9_set_cancel_shield(): a cancel that arrives while the task waits shielded does
 * not end the wait; once the shield is lifted, the sticky cancellation fails the next
 * wait at once; shields nest. */
static gpointer
shielded_func (gpointer data, GError **error)
{
  Task9Channel *ch = data;
  GError *local = NULL;
  int v = 0;

  g_assert_false (task9_set_cancel_shield (TRUE));
  g_assert_true (task9_channel_recv (ch, &v, error));   /* cancelled while parked here */
  g_assert_cmpint (v, ==, 42);
  g_assert_true (task9_task_is_cancelled (task9_task_self ()));
  g_assert_true (task9_check_cancelled (&local));        /* shielded: nothing to report */
  g_assert_no_error (local);

  g_assert_true (task9_set_cancel_shield (TRUE));        /* nested: it was up */
  g_assert_true (task9_sleep (1, error));                /* waits still work */
  g_assert_true (task9_set_cancel_shield (TRUE));        /* restore the outer one */

  g_assert_true (task9_set_cancel_shield (FALSE));
  g_assert_false (task9_sleep (G_TIME_SPAN_SECOND, &local));
  g_assert_error (local, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&local);
  return GINT_TO_POINTER (1);
}

static gpointer
cancel_shield_body (gpointer data, GError **error)
{
  g_autoptr (Task9Channel) ch = task9_channel_new (sizeof (int), 0);
  Task9Task *task = test_spawn ("shielded", shielded_func, ch);
  int v = 42;

  test_wait_blocked (task, "recv");
  task9_task_cancel (task);   /* same proc: handled before this returns */
  g_assert_cmpint (task9_task_get_state (task), ==, TASK9_TASK_STATE_BLOCKED);
  g_assert_true (task9_channel_send (ch, &v, error));
  g_assert_cmpint (GPOINTER_TO_INT (task9_task_join (task, -1, error)), ==, 1);
  task9_task_unref (task);

  g_assert_false (task9_set_cancel_shield (TRUE));   /* ours, undone at once */
  g_assert_true (task9_set_cancel_shield (FALSE));
  return NULL;
}
TEST_IN_TASK (test_task_cancel_shield, cancel_shield_body)

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/task/data", test_task_data);
  g_test_add_func ("/task/result", test_task_result);
  g_test_add_func ("/task/state-finished-after-join", test_task_state_finished_after_join);
  g_test_add_func ("/task/error-multiple-joiners", test_task_error_multiple_joiners);
  g_test_add_func ("/task/error-join-from-thread", test_task_error_join_from_thread);
  g_test_add_func ("/task/exit", test_task_exit);
  g_test_add_func ("/task/user-data-destroy", test_task_user_data_destroy);
  g_test_add_func ("/task/join-timeout", test_task_join_timeout);
  g_test_add_func ("/task/join-timeout-from-thread", test_task_join_timeout_from_thread);
  g_test_add_func ("/task/join-self", test_task_join_self);
  g_test_add_func ("/task/cancel-blocked", test_task_cancel_blocked);
  g_test_add_func ("/task/cancel-from-thread", test_task_cancel_from_thread);
  g_test_add_func ("/task/cancel-before-run", test_task_cancel_before_run);
  g_test_add_func ("/task/cancel-finished", test_task_cancel_finished);
  g_test_add_func ("/task/check-cancelled", test_task_check_cancelled);
  g_test_add_func ("/task/fifo", test_task_fifo);
  g_test_add_func ("/task/fifo-from-thread", test_task_fifo_from_thread);
  g_test_add_func ("/task/yield-count", test_task_yield_count);
  g_test_add_func ("/task/states", test_task_states);
  g_test_add_func ("/task/identity", test_task_identity);
  g_test_add_func ("/task/boxed-types", test_task_boxed_type);
  g_test_add_func ("/task/detached", test_task_detached);
  g_test_add_func ("/task/spawn-on-other-proc", test_task_spawn_on_other_proc);
  g_test_add_func ("/task/cancel-shield", test_task_cancel_shield);

  return g_test_run ();
}
