/* test-sleep.c: sleep ordering and accuracy
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Sleepers wake in deadline order, equal deadlines in the order they were set, never
 * before the deadline and not absurdly late (a bound with generous slack), even when the
 * tasks they wake keep the proc busy past its time budget.
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
  gint64   first_woke;  /* when the first sleeper woke */
} SleepLog;

typedef struct
{
  SleepLog *log;
  guint     index;
  gint64    deadline;
  GTimeSpan span;       /* if deadline is 0: sleep this span instead */
  guint     yields;     /* yields before setting the deadline */
  gint64    burn_until; /* after waking, keep the CPU until then (no switch) */
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
  if (s->log->n_logged == 0)
    s->log->first_woke = woke;
  s->log->log[s->log->n_logged++] = s->index;
  if (woke < deadline)
    s->log->early++;
  s->log->late_max = MAX (s->log->late_max, woke - deadline);

  while (g_get_monotonic_time () < s->burn_until)
    ;
  return NULL;
}

/* One attempt of an ordering test. */
typedef struct
{
  SleepLog  *log;
  Sleeper   *sleepers;
  guint      n;
  GTimeSpan  margin;   /* doubles with each attempt */
  GRand     *rand;     /* the same seed in every attempt */
  GTimeSpan  budget;   /* set by the setup, if it wants one: the proc's time budget */
  gint64     wake_by;  /* set by the setup, if it wants: the run proves something only
                        * if the first sleeper woke before this time */
} SleepRun;

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
 * deadline before the first one passes (or, for spans, make their calls within half a
 * step of each other). On a loaded machine that margin may be too short; such a run
 * proves nothing either way, so it is repeated with a longer margin. */
#define MAX_ATTEMPTS 6

typedef void (*SleepRunFunc) (SleepRun *run);

typedef struct
{
  TestTasks tasks;
  GTimeSpan budget;
} BudgetTasks;

static gpointer
budget_tasks_body (gpointer data, GError **error)
{
  BudgetTasks *b = data;

  task9_proc_set_time_budget (task9_proc_get_current (), b->budget);
  return test_tasks_body (&b->tasks, error);
}

/* Runs @n sleepers that @setup describes until a run says something (every deadline set
 * in time, the span calls close together), at most MAX_ATTEMPTS times; then @check looks
 * at the order they woke in. No sleeper ever wakes early, nor very late. */
static void
sleep_attempts (guint n, GTimeSpan margin, guint32 seed, SleepRunFunc setup,
                SleepRunFunc check)
{
  for (guint attempt = 0; attempt < MAX_ATTEMPTS; attempt++, margin <<= 1)
    {
      SleepRun run = { sleep_log_new (n), g_new0 (Sleeper, n), n, margin,
                       g_rand_new_with_seed (seed) };
      GTimeSpan spread;
      gboolean in_time;

      setup (&run);
      if (run.budget != 0)
        {
          BudgetTasks b = { { sleeper_task, "sleeper", (guint8 *) run.sleepers,
                              sizeof (Sleeper), n }, run.budget };

          run_in_task_ok (budget_tasks_body, &b);
        }
      else
        test_run_tasks (sleeper_task, "sleeper", run.sleepers, sizeof (Sleeper), n);

      g_assert_cmpuint (run.log->n_set, ==, n);
      g_assert_cmpuint (run.log->n_logged, ==, n);
      g_assert_cmpuint (run.log->early, ==, 0);
      spread = run.log->last_call - run.log->first_call;
      in_time = run.log->late_sets == 0 && spread < margin / 2 &&
                (run.wake_by == 0 || run.log->first_woke < run.wake_by);
      if (in_time)
        {
          check (&run);
          g_assert_cmpint (run.log->late_max, <, test_late_slack ());
        }
      else
        {
          g_test_message ("attempt %u: %u deadlines were set too late, span calls spread "
                          "over %" G_GINT64_FORMAT " us, the first woke %" G_GINT64_FORMAT
                          " us after the time it should have, with a %" G_GINT64_FORMAT
                          " us margin; trying again with a longer one", attempt,
                          run.log->late_sets, spread,
                          run.wake_by != 0 ? run.log->first_woke - run.wake_by : 0, margin);
          if (attempt + 1 == MAX_ATTEMPTS)
            g_error ("the sleepers were still too late with a %" G_GINT64_FORMAT
                     " us margin", margin);
        }
      g_rand_free (run.rand);
      g_free (run.sleepers);
      sleep_log_free (run.log);
      if (in_time)
        break;
    }
}

/* The sleepers woke in strictly increasing deadline order. */
static void
check_deadline_order (SleepRun *run)
{
  for (guint i = 1; i < run->n; i++)
    g_assert_cmpint (run->sleepers[run->log->log[i - 1]].deadline, <,
                     run->sleepers[run->log->log[i]].deadline);
}

/* Distinct deadlines, set in a scrambled order: wake-ups come in deadline order. */
static void
deadline_order_setup (SleepRun *run)
{
  gint64 base = g_get_monotonic_time () + run->margin;
  GTimeSpan step = test_scale (1, 5) * G_TIME_SPAN_MILLISECOND;

  for (guint i = 0; i < run->n; i++)
    {
      /* 17 is coprime with 40: a permutation of the slots. */
      guint slot = (i * 17 + 5) % run->n;

      run->sleepers[i] = (Sleeper) { run->log, i, base + slot * step, 0, 0, 0 };
    }
}

static void
test_sleep_deadline_order (void)
{
  sleep_attempts (40, test_scale (20, 200) * G_TIME_SPAN_MILLISECOND, 0, deadline_order_setup,
                  check_deadline_order);
}

/* task9_sleep() with different spans, from tasks started together. Spans differ by one
 * step (the margin); if the calls were spread wider than half of it (a loaded machine),
 * the expected order is unknown: try again with longer steps. */
static void
span_order_setup (SleepRun *run)
{
  for (guint i = 0; i < run->n; i++)
    run->sleepers[i] = (Sleeper) { run->log, i, 0,
                                   ((run->n - 1 - i) * 7 % run->n + 1) * run->margin, 0, 0 };
}

static void
test_sleep_span_order (void)
{
  sleep_attempts (30, test_scale (1, 5) * G_TIME_SPAN_MILLISECOND, 0, span_order_setup,
                  check_deadline_order);
}

/* One deadline for everybody, set in an order scrambled by yields: they wake in the
 * order the deadline was set. */
static void
equal_deadlines_setup (SleepRun *run)
{
  gint64 deadline = g_get_monotonic_time () + run->margin;

  for (guint i = 0; i < run->n; i++)
    run->sleepers[i] = (Sleeper) { run->log, i, deadline, 0,
                                   g_rand_int_range (run->rand, 0, 8), 0 };
}

static void
equal_deadlines_check (SleepRun *run)
{
  gboolean scrambled = FALSE;

  for (guint i = 0; i < run->n; i++)
    {
      g_assert_cmpuint (run->log->log[i], ==, run->log->set_log[i]);
      scrambled |= run->log->set_log[i] != i;
    }
  /* The yields did change the order: the test did not pass by spawn order alone. */
  g_assert_true (scrambled);
}

static void
test_sleep_equal_deadlines (void)
{
  sleep_attempts (50, test_scale (30, 300) * G_TIME_SPAN_MILLISECOND, 42,
                  equal_deadlines_setup, equal_deadlines_check);
}

/* Many sleepers with random deadlines exercise the timer heap. */
static void
many_random_setup (SleepRun *run)
{
  gint64 base = g_get_monotonic_time () + run->margin;

  for (guint i = 0; i < run->n; i++)
    run->sleepers[i] = (Sleeper) { run->log, i, base + g_rand_int_range (run->rand, 0, 50000),
                                   0, g_rand_int_range (run->rand, 0, 3), 0 };
}

/* Deadline order; equal deadlines in the order they were set. */
static void
check_wake_order (SleepRun *run)
{
  guint *set_pos = g_new0 (guint, run->n);

  for (guint j = 0; j < run->n; j++)
    set_pos[run->log->set_log[j]] = j;
  for (guint i = 1; i < run->n; i++)
    {
      Sleeper *a = &run->sleepers[run->log->log[i - 1]], *b = &run->sleepers[run->log->log[i]];

      g_assert_cmpint (a->deadline, <=, b->deadline);
      /* Equal deadlines: the first set wakes first. */
      if (a->deadline == b->deadline)
        g_assert_cmpuint (set_pos[a->index], <, set_pos[b->index]);
    }
  g_free (set_pos);
}

static void
test_sleep_many_random (void)
{
  sleep_attempts (test_scale (2000, 200), test_scale (50, 500) * G_TIME_SPAN_MILLISECOND, 7,
                  many_random_setup, check_wake_order);
}

/* The timers of one dispatch wake more tasks than its time budget lets run, and a later
 * deadline passes while they are still queued: the next dispatch must wake its sleeper
 * after them, not before (its tasks go behind the ones earlier timers woke). The first
 * early sleeper keeps the CPU until 1 ms after the late deadline, so when the budget
 * (200 us, checked every few dozen switches) ends the dispatch, that deadline has passed
 * and most early sleepers are still queued. The gap grows with the margin, so that a
 * slow runtime, which wakes the first sleeper later, gets a wider one. */
#define BUDGET_EARLY 100

static void
budget_setup (SleepRun *run)
{
  gint64 deadline = g_get_monotonic_time () + run->margin;
  GTimeSpan gap = run->margin / 10;   /* between the early and the late deadline */

  for (guint i = 0; i < BUDGET_EARLY; i++)
    run->sleepers[i] = (Sleeper) { run->log, i, deadline, 0, 0,
                                   i == 0 ? deadline + gap + G_TIME_SPAN_MILLISECOND : 0 };
  run->sleepers[BUDGET_EARLY] = (Sleeper) { run->log, BUDGET_EARLY, deadline + gap, 0, 0, 0 };
  run->budget = 200;
  /* Woken in one dispatch with the early ones, the late sleeper would prove nothing. */
  run->wake_by = deadline + gap;
}

static void
budget_check (SleepRun *run)
{
  check_wake_order (run);
  g_assert_cmpuint (run->log->log[BUDGET_EARLY], ==, BUDGET_EARLY);
}

static void
test_sleep_budget_spent (void)
{
  sleep_attempts (BUDGET_EARLY + 1, test_scale (20, 200) * G_TIME_SPAN_MILLISECOND, 0,
                  budget_setup, budget_check);
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

TEST_IN_TASK (test_sleep_accuracy, accuracy_body)

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

TEST_IN_TASK (test_sleep_zero_and_past, zero_body)

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

TEST_IN_TASK (test_sleep_others_run, others_body)

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
  g_test_add_func ("/sleep/budget-spent", test_sleep_budget_spent);
  g_test_add_func ("/sleep/accuracy", test_sleep_accuracy);
  g_test_add_func ("/sleep/zero-and-past", test_sleep_zero_and_past);
  g_test_add_func ("/sleep/others-run", test_sleep_others_run);
  g_test_add_func ("/sleep/several-procs", test_sleep_several_procs);

  return g_test_run ();
}
