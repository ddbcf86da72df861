/* test-sleep.c: sleep ordering and accuracy
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Sleepers wake in deadline order, equal deadlines in the order they were set, never
 * before the deadline and not absurdly late (a bound with generous slack).
 */

#include "test-util.h"

typedef struct
{
  guint   *log;         /* wake order: indices */
  guint    n_logged;
  guint   *set_log;     /* the order deadlines were set in */
  guint    n_set;
  gint64   late_max;    /* the latest wake-up after its deadline */
  guint    early;       /* wake-ups before their deadline (must stay 0) */
  guint    late_sets;   /* deadlines already (nearly) past when set: the run proves nothing */
  gint64   first_call;  /* when the first and the last sleeper called task9_sleep() */
  gint64   last_call;
} SleepLog;

typedef struct
{
  SleepLog *log;
  guint     index;
  gint64    deadline;
  GTimeSpan span;       /* if deadline is 0: sleep this span instead */
  guint     yields;     /* yields before setting the deadline */
} Sleeper;

static gpointer
sleeper_task (gpointer data, GError **error)
{
  Sleeper *s = data;
  gint64 deadline, woke;

  for (guint i = 0; i < s->yields; i++)
    task9_yield ();

  s->log->set_log[s->log->n_set++] = s->index;
  if (s->deadline != 0)
    {
      deadline = s->deadline;
      /* A deadline in the past returns at once, ahead of earlier deadlines still in the
       * timer heap: only a run where every deadline was set in time says anything. */
      if (g_get_monotonic_time () >= deadline - 500)
        s->log->late_sets++;
      if (!task9_sleep_until (deadline, error))
        return NULL;
    }
  else
    {
      gint64 now = g_get_monotonic_time ();

      if (s->log->first_call == 0)
        s->log->first_call = now;
      s->log->last_call = now;
      deadline = now + s->span;
      if (!task9_sleep (s->span, error))
        return NULL;
    }
  woke = g_get_monotonic_time ();

  s->deadline = deadline;
  s->log->log[s->log->n_logged++] = s->index;
  if (woke < deadline)
    s->log->early++;
  s->log->late_max = MAX (s->log->late_max, woke - deadline);
  return NULL;
}

typedef struct
{
  Sleeper *sleepers;
  guint    n;
} SleepJob;

static gpointer
spawn_and_join_body (gpointer data, GError **error)
{
  SleepJob *job = data;
  Task9Task **tasks = g_new (Task9Task *, job->n);

  for (guint i = 0; i < job->n; i++)
    tasks[i] = test_spawn ("sleeper", sleeper_task, &job->sleepers[i]);
  for (guint i = 0; i < job->n; i++)
    {
      task9_task_join (tasks[i], -1, error);
      g_assert_no_error (*error);
      task9_task_unref (tasks[i]);
    }
  g_free (tasks);
  return NULL;
}

static SleepLog *
sleep_log_new (guint n)
{
  SleepLog *log = g_new0 (SleepLog, 1);

  log->log = g_new0 (guint, n);
  log->set_log = g_new0 (guint, n);
  return log;
}

static void
sleep_log_free (SleepLog *log)
{
  g_free (log->log);
  g_free (log->set_log);
  g_free (log);
}

/* Ordering tests schedule deadlines a margin ahead so that every sleeper has set its
 * deadline before the first one passes. On a loaded machine that margin may be too short;
 * such a run proves nothing either way, so it is repeated with a longer margin. */
#define MAX_ATTEMPTS 6

static void
check_in_time (SleepLog *log, guint attempt, GTimeSpan margin)
{
  if (log->late_sets == 0)
    return;
  g_test_message ("attempt %u: %u deadlines were set too late with a %" G_GINT64_FORMAT
                  " us margin; trying again with a longer one", attempt, log->late_sets, margin);
  if (attempt + 1 == MAX_ATTEMPTS)
    g_error ("deadlines were still set too late with a %" G_GINT64_FORMAT " us margin", margin);
}

/* Distinct deadlines, set in a scrambled order: wake-ups come in deadline order. */
static void
test_sleep_deadline_order (void)
{
  guint n = 40;

  for (guint attempt = 0; attempt < MAX_ATTEMPTS; attempt++)
    {
      SleepLog *log = sleep_log_new (n);
      Sleeper *sleepers = g_new0 (Sleeper, n);
      SleepJob job = { sleepers, n };
      GTimeSpan margin = (test_scale (20, 200) * G_TIME_SPAN_MILLISECOND) << attempt;
      gint64 base = g_get_monotonic_time () + margin;
      GTimeSpan step = test_scale (1, 5) * G_TIME_SPAN_MILLISECOND;
      gboolean in_time;

      for (guint i = 0; i < n; i++)
        {
          /* 17 is coprime with 40: a permutation of the slots. */
          guint slot = (i * 17 + 5) % n;

          sleepers[i] = (Sleeper) { log, i, base + slot * step, 0, 0 };
        }
      run_in_task_ok (spawn_and_join_body, &job);

      g_assert_cmpuint (log->n_logged, ==, n);
      g_assert_cmpuint (log->early, ==, 0);
      check_in_time (log, attempt, margin);
      in_time = log->late_sets == 0;
      if (in_time)
        {
          for (guint i = 1; i < n; i++)
            g_assert_cmpint (sleepers[log->log[i - 1]].deadline, <, sleepers[log->log[i]].deadline);
          g_assert_cmpint (log->late_max, <, test_late_slack ());
        }
      g_free (sleepers);
      sleep_log_free (log);
      if (in_time)
        break;
    }
}

/* task9_sleep() with different spans, from tasks started together. */
static void
test_sleep_span_order (void)
{
  guint n = 30;

  for (guint attempt = 0; attempt < MAX_ATTEMPTS; attempt++)
    {
      SleepLog *log = sleep_log_new (n);
      Sleeper *sleepers = g_new0 (Sleeper, n);
      SleepJob job = { sleepers, n };
      GTimeSpan step = (test_scale (1, 5) * G_TIME_SPAN_MILLISECOND) << attempt;
      gboolean together;

      for (guint i = 0; i < n; i++)
        sleepers[i] = (Sleeper) { log, i, 0, ((n - 1 - i) * 7 % n + 1) * step, 0 };
      run_in_task_ok (spawn_and_join_body, &job);

      g_assert_cmpuint (log->n_logged, ==, n);
      g_assert_cmpuint (log->early, ==, 0);
      /* Spans differ by one step; if the calls were spread wider than that (a loaded
       * machine), the expected order is unknown: try again with longer steps. */
      together = log->last_call - log->first_call < step / 2;
      if (together)
        {
          for (guint i = 1; i < n; i++)
            g_assert_cmpint (sleepers[log->log[i - 1]].deadline, <, sleepers[log->log[i]].deadline);
          g_assert_cmpint (log->late_max, <, test_late_slack ());
        }
      else
        {
          g_test_message ("attempt %u: calls spread over %" G_GINT64_FORMAT " us", attempt,
                          log->last_call - log->first_call);
          if (attempt + 1 == MAX_ATTEMPTS)
            g_error ("the sleepers' calls were still spread too wide");
        }
      g_free (sleepers);
      sleep_log_free (log);
      if (together)
        break;
    }
}

/* One deadline for everybody, set in an order scrambled by yields: they wake in the
 * order the deadline was set. */
static void
test_sleep_equal_deadlines (void)
{
  guint n = 50;

  for (guint attempt = 0; attempt < MAX_ATTEMPTS; attempt++)
    {
      SleepLog *log = sleep_log_new (n);
      Sleeper *sleepers = g_new0 (Sleeper, n);
      SleepJob job = { sleepers, n };
      GTimeSpan margin = (test_scale (30, 300) * G_TIME_SPAN_MILLISECOND) << attempt;
      gint64 deadline = g_get_monotonic_time () + margin;
      GRand *rand = g_rand_new_with_seed (42);
      gboolean scrambled = FALSE, in_time;

      for (guint i = 0; i < n; i++)
        sleepers[i] = (Sleeper) { log, i, deadline, 0, g_rand_int_range (rand, 0, 8) };
      run_in_task_ok (spawn_and_join_body, &job);

      g_assert_cmpuint (log->n_set, ==, n);
      g_assert_cmpuint (log->n_logged, ==, n);
      g_assert_cmpuint (log->early, ==, 0);
      check_in_time (log, attempt, margin);
      in_time = log->late_sets == 0;
      if (in_time)
        {
          for (guint i = 0; i < n; i++)
            {
              g_assert_cmpuint (log->log[i], ==, log->set_log[i]);
              scrambled |= log->set_log[i] != i;
            }
          /* The yields did change the order: the test did not pass by spawn order alone. */
          g_assert_true (scrambled);
          g_assert_cmpint (log->late_max, <, test_late_slack ());
        }
      g_rand_free (rand);
      g_free (sleepers);
      sleep_log_free (log);
      if (in_time)
        break;
    }
}

/* Many sleepers with random deadlines exercise the timer heap. */
static void
test_sleep_many_random (void)
{
  guint n = test_scale (2000, 200);

  for (guint attempt = 0; attempt < MAX_ATTEMPTS; attempt++)
    {
      SleepLog *log = sleep_log_new (n);
      Sleeper *sleepers = g_new0 (Sleeper, n);
      SleepJob job = { sleepers, n };
      GTimeSpan margin = (test_scale (50, 500) * G_TIME_SPAN_MILLISECOND) << attempt;
      gint64 base = g_get_monotonic_time () + margin;
      GRand *rand = g_rand_new_with_seed (7);
      guint *set_pos = g_new0 (guint, n);
      gboolean in_time;

      for (guint i = 0; i < n; i++)
        sleepers[i] = (Sleeper) { log, i, base + g_rand_int_range (rand, 0, 50000), 0,
                                  g_rand_int_range (rand, 0, 3) };
      run_in_task_ok (spawn_and_join_body, &job);

      g_assert_cmpuint (log->n_logged, ==, n);
      g_assert_cmpuint (log->early, ==, 0);
      check_in_time (log, attempt, margin);
      in_time = log->late_sets == 0;
      if (in_time)
        {
          for (guint j = 0; j < n; j++)
            set_pos[log->set_log[j]] = j;
          for (guint i = 1; i < n; i++)
            {
              Sleeper *a = &sleepers[log->log[i - 1]], *b = &sleepers[log->log[i]];

              g_assert_cmpint (a->deadline, <=, b->deadline);
              /* Equal deadlines: the first set wakes first. */
              if (a->deadline == b->deadline)
                g_assert_cmpuint (set_pos[a->index], <, set_pos[b->index]);
            }
          g_assert_cmpint (log->late_max, <, test_late_slack ());
        }
      g_free (set_pos);
      g_rand_free (rand);
      g_free (sleepers);
      sleep_log_free (log);
      if (in_time)
        break;
    }
}

static gpointer
accuracy_body (gpointer data, GError **error)
{
  static const GTimeSpan spans[] = { 1000, 5000, 10000, 30000 };

  for (guint i = 0; i < G_N_ELEMENTS (spans); i++)
    {
      gint64 start = g_get_monotonic_time (), elapsed;

      g_assert_true (task9_sleep (spans[i], error));
      elapsed = g_get_monotonic_time () - start;
      g_assert_cmpint (elapsed, >=, spans[i]);
      g_assert_cmpint (elapsed, <, spans[i] + test_late_slack ());
    }
  return NULL;
}

static void
test_sleep_accuracy (void)
{
  run_in_task_ok (accuracy_body, NULL);
}

static gpointer
zero_body (gpointer data, GError **error)
{
  gint64 start = g_get_monotonic_time ();

  g_assert_true (task9_sleep (0, error));
  g_assert_true (task9_sleep (-5, error));
  g_assert_true (task9_sleep (G_MININT64, error));
  g_assert_true (task9_sleep_until (0, error));
  g_assert_true (task9_sleep_until (-1, error));
  g_assert_true (task9_sleep_until (g_get_monotonic_time () - G_TIME_SPAN_SECOND, error));
  g_assert_true (task9_sleep_until (G_MININT64, error));
  g_assert_cmpint (g_get_monotonic_time () - start, <, test_late_slack ());
  return NULL;
}

static void
test_sleep_zero_and_past (void)
{
  run_in_task_ok (zero_body, NULL);
}

typedef struct
{
  gint sleeping;
  gint woke;
  guint other_runs;
} OthersState;

static gpointer
long_sleeper (gpointer data, GError **error)
{
  OthersState *state = data;

  g_atomic_int_set (&state->sleeping, TRUE);
  task9_sleep (20 * G_TIME_SPAN_MILLISECOND, error);
  g_atomic_int_set (&state->woke, TRUE);
  return NULL;
}

static gpointer
others_body (gpointer data, GError **error)
{
  OthersState state = { 0, 0, 0 };
  Task9Task *sleeper = test_spawn ("sleeper", long_sleeper, &state);

  /* While the sleeper sleeps, this task keeps running: the sleep parks only the sleeper. */
  test_yield_until (&state.sleeping);
  while (!g_atomic_int_get (&state.woke))
    {
      state.other_runs++;
      task9_yield ();
    }
  g_assert_cmpuint (state.other_runs, >, 1);
  task9_task_join (sleeper, -1, error);
  task9_task_unref (sleeper);
  return NULL;
}

static void
test_sleep_others_run (void)
{
  run_in_task_ok (others_body, NULL);
}

/* Sleepers on several procs at once: each proc's timer heap wakes its own. */
typedef struct
{
  gint64 deadline;
  gint64 woke;
} ProcSleeper;

static gpointer
proc_sleeper_task (gpointer data, GError **error)
{
  ProcSleeper *s = data;

  if (!task9_sleep_until (s->deadline, error))
    return NULL;
  s->woke = g_get_monotonic_time ();
  return NULL;
}

static void
test_sleep_several_procs (void)
{
  enum { N_PROCS = 4, PER_PROC = 25 };
  Task9Proc *procs[N_PROCS];
  ProcSleeper sleepers[N_PROCS * PER_PROC];
  Task9Task *tasks[N_PROCS * PER_PROC];
  gint64 base = g_get_monotonic_time () + test_scale (10, 100) * G_TIME_SPAN_MILLISECOND;
  GError *error = NULL;

  for (guint p = 0; p < N_PROCS; p++)
    procs[p] = test_proc_new ("sleepers");
  for (guint i = 0; i < N_PROCS * PER_PROC; i++)
    {
      sleepers[i] = (ProcSleeper) { base + (i * 37 % 100) * 300, 0 };
      tasks[i] = test_spawn_on (procs[i % N_PROCS], "sleeper", proc_sleeper_task, &sleepers[i]);
    }
  for (guint i = 0; i < N_PROCS * PER_PROC; i++)
    {
      task9_task_join (tasks[i], -1, &error);
      g_assert_no_error (error);
      task9_task_unref (tasks[i]);
      g_assert_cmpint (sleepers[i].woke, >=, sleepers[i].deadline);
      g_assert_cmpint (sleepers[i].woke, <, sleepers[i].deadline + test_late_slack ());
    }
  for (guint p = 0; p < N_PROCS; p++)
    test_proc_finish (procs[p]);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/sleep/deadline-order", test_sleep_deadline_order);
  g_test_add_func ("/sleep/span-order", test_sleep_span_order);
  g_test_add_func ("/sleep/equal-deadlines", test_sleep_equal_deadlines);
  g_test_add_func ("/sleep/many-random", test_sleep_many_random);
  g_test_add_func ("/sleep/accuracy", test_sleep_accuracy);
  g_test_add_func ("/sleep/zero-and-past", test_sleep_zero_and_past);
  g_test_add_func ("/sleep/others-run", test_sleep_others_run);
  g_test_add_func ("/sleep/several-procs", test_sleep_several_procs);

  return g_test_run ();
}
