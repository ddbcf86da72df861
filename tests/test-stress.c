/* test-stress.c: many procs, many tasks, random yields, sleeps, joins, cancels and spawns
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Every task draws its operations from its own GRand with a fixed seed, so a run's choices
 * are reproducible (the interleaving across procs is not). Joins only go to tasks spawned
 * earlier, so there are no cycles and everything must finish. Sizes shrink under
 * valgrind.
 */

#include "test-util.h"

#define STRESS_SEED 0x5eed

typedef struct _Stress Stress;

typedef struct
{
  Stress    *stress;
  guint      index;
  Task9Task *task;
  gint       ops_done;
  gint       saw_own_cancel;
} Job;

struct _Stress
{
  Task9Proc **procs;
  guint       n_procs;
  Job        *jobs;
  guint       n_jobs;
  guint       n_ops;

  gint        cancels_issued;
  gint        joins_ok;
  gint        joins_failed;      /* the target had failed (was cancelled) */
  gint        joins_timed_out;
  gint        children_ok;
  gint        groups_ok;
  gint        groups_failed;
};

static gpointer
child_task (gpointer data, GError **error)
{
  guint value = GPOINTER_TO_UINT (data);

  task9_yield ();
  if (value % 3 == 0 && !task9_sleep (value % 500, error))
    return NULL;
  return GUINT_TO_POINTER (value);
}

static gboolean
self_cancelled (Job *job)
{
  if (task9_check_cancelled (NULL))
    return FALSE;
  g_atomic_int_set (&job->saw_own_cancel, TRUE);
  return TRUE;
}

static gpointer
stress_task (gpointer data, GError **error)
{
  Job *job = data;
  Stress *s = job->stress;
  GRand *rand = g_rand_new_with_seed (STRESS_SEED ^ (job->index * 2654435761u));
  GError *local = NULL;

  for (guint op = 0; op < s->n_ops; op++)
    {
      guint kind = g_rand_int_range (rand, 0, 100);

      if (kind < 25)
        task9_yield ();
      else if (kind < 50)
        {
          if (!task9_sleep (g_rand_int_range (rand, 0, 1000), &local))
            goto cancelled;
        }
      else if (kind < 70 && job->index > 0)
        {
          /* Join an earlier task, on any proc, maybe with a short timeout. */
          Job *target = &s->jobs[g_rand_int_range (rand, 0, job->index)];
          GTimeSpan timeout = g_rand_boolean (rand) ? -1 : g_rand_int_range (rand, 0, 500);
          gpointer result = task9_task_join (target->task, timeout, &local);

          if (local == NULL)
            {
              g_assert_cmpuint (GPOINTER_TO_UINT (result), ==, target->index + 1);
              g_atomic_int_inc (&s->joins_ok);
            }
          else if (self_cancelled (job))
            goto cancelled;
          else if (g_error_matches (local, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
            {
              g_assert_cmpint (timeout, >=, 0);
              g_atomic_int_inc (&s->joins_timed_out);
            }
          else
            {
              /* Only a cancelled target fails. */
              g_assert_error (local, G_IO_ERROR, G_IO_ERROR_CANCELLED);
              g_assert_true (task9_task_is_cancelled (target->task));
              g_atomic_int_inc (&s->joins_failed);
            }
          g_clear_error (&local);
        }
      else if (kind < 72 && job->index > 0)
        {
          /* Now and then, cancel an earlier task. */
          Job *target = &s->jobs[g_rand_int_range (rand, 0, job->index)];

          task9_task_cancel (target->task);
          g_atomic_int_inc (&s->cancels_issued);
        }
      else if (kind < 88)
        {
          /* Spawn a child on a random proc and join it. */
          Task9Proc *proc = s->procs[g_rand_int_range (rand, 0, s->n_procs)];
          guint value = g_rand_int (rand);
          Task9Task *child = test_spawn_on (proc, "child", child_task, GUINT_TO_POINTER (value));
          gpointer result;

          result = task9_task_join (child, -1, &local);
          if (local != NULL)
            {
              /* The child is never cancelled, so only this task can be. */
              g_assert_true (self_cancelled (job));
              task9_task_cancel (child);
              task9_task_unref (child);
              goto cancelled;
            }
          g_assert_cmpuint (GPOINTER_TO_UINT (result), ==, value);
          g_atomic_int_inc (&s->children_ok);
          task9_task_unref (child);
        }
      else if (kind < 94)
        {
          /* A small group spread over the procs. */
          g_autoptr(Task9Group) group = task9_group_new ();

          for (guint i = 0; i < 3; i++)
            {
              Task9Proc *proc = s->procs[g_rand_int_range (rand, 0, s->n_procs)];
              g_autoptr(Task9Task) member =
                task9_group_spawn_full (group, proc, "member", 0, child_task,
                                        GUINT_TO_POINTER (i + 1), NULL, &local);

              g_assert_nonnull (member);
              g_assert_no_error (local);
            }
          if (task9_group_wait (group, &local))
            g_atomic_int_inc (&s->groups_ok);
          else
            {
              g_assert_error (local, G_IO_ERROR, G_IO_ERROR_CANCELLED);
              g_assert_cmpuint (task9_group_get_n_running (group), ==, 0);
              g_atomic_int_inc (&s->groups_failed);
              g_clear_error (&local);
              if (self_cancelled (job))
                goto cancelled;
            }
        }
      else
        {
          if (self_cancelled (job))
            goto cancelled;
        }
      g_atomic_int_inc (&job->ops_done);
    }

  g_rand_free (rand);
  return GUINT_TO_POINTER (job->index + 1);

cancelled:
  g_rand_free (rand);
  g_clear_error (&local);
  g_atomic_int_set (&job->saw_own_cancel, TRUE);
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, "stress task cancelled");
  return NULL;
}

static void
run_stress (guint n_procs, guint per_proc, guint n_ops)
{
  Stress s = { 0 };
  gint64 start = g_get_monotonic_time ();
  guint n_cancelled = 0, n_ok = 0;
  GError *error = NULL;

  s.n_procs = n_procs;
  s.n_jobs = n_procs * per_proc;
  s.n_ops = n_ops;
  s.procs = g_new (Task9Proc *, n_procs);
  s.jobs = g_new0 (Job, s.n_jobs);
  for (guint p = 0; p < n_procs; p++)
    s.procs[p] = test_proc_new ("stress");

  /* Each task's record is filled in before the next task is spawned, so a task only
   * ever looks at earlier ones. */
  for (guint i = 0; i < s.n_jobs; i++)
    {
      s.jobs[i].stress = &s;
      s.jobs[i].index = i;
      s.jobs[i].task = test_spawn_on (s.procs[i % n_procs], "stress", stress_task, &s.jobs[i]);
    }

  for (guint i = 0; i < s.n_jobs; i++)
    {
      Job *job = &s.jobs[i];
      gpointer result = task9_task_join (job->task, -1, &error);

      g_assert_true (task9_task_is_finished (job->task));
      if (error != NULL)
        {
          /* Only a cancelled task fails, and it noticed its cancellation. */
          g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
          g_assert_true (task9_task_is_cancelled (job->task));
          g_assert_true (job->saw_own_cancel);
          g_clear_error (&error);
          n_cancelled++;
        }
      else
        {
          g_assert_cmpuint (GPOINTER_TO_UINT (result), ==, i + 1);
          g_assert_cmpint (job->ops_done, ==, n_ops);
          n_ok++;
        }
    }

  g_assert_cmpuint (n_ok + n_cancelled, ==, s.n_jobs);
  g_assert_cmpuint (n_cancelled, <=, (guint) s.cancels_issued);
  g_test_message ("%u tasks on %u procs in %.0f ms: %u ok, %u cancelled (%d cancels), "
                  "joins %d ok / %d failed / %d timed out, %d children, groups %d ok / %d failed",
                  s.n_jobs, n_procs, (g_get_monotonic_time () - start) / 1000.0, n_ok,
                  n_cancelled, s.cancels_issued, s.joins_ok, s.joins_failed,
                  s.joins_timed_out, s.children_ok, s.groups_ok, s.groups_failed);
  /* The mix did happen (the scaled-down valgrind runs are too small to be sure). */
  if (!test_is_slow_runtime ())
    {
      g_assert_cmpint (s.joins_ok, >, 0);
      g_assert_cmpint (s.children_ok, >, 0);
      g_assert_cmpint (s.groups_ok, >, 0);
      g_assert_cmpint (s.cancels_issued, >, 0);
    }

  for (guint p = 0; p < n_procs; p++)
    {
      g_assert_cmpuint (task9_proc_get_n_tasks (s.procs[p]), ==, 0);
      test_proc_finish (s.procs[p]);
    }
  for (guint i = 0; i < s.n_jobs; i++)
    task9_task_unref (s.jobs[i].task);
  g_free (s.jobs);
  g_free (s.procs);
}

static void
test_stress_mixed (void)
{
  run_stress (test_scale (4, 2), test_scale (500, 300), test_scale (40, 20));
}

static void
test_stress_many_procs (void)
{
  run_stress (test_scale (12, 6), test_scale (100, 40), test_scale (20, 10));
}

/* One proc: every interleaving is on one thread, heavy on the run queue. */
static void
test_stress_one_proc (void)
{
  run_stress (1, test_scale (1000, 500), test_scale (30, 15));
}

/* ---- wake races: a join ends by the target finishing, its timeout or a cancel, from
 * three threads at once; exactly one of them wins, every time. ---------------------- */

enum { OUTCOME_RESULT = 1, OUTCOME_TIMED_OUT, OUTCOME_CANCELLED };

typedef struct
{
  Task9Task *target;
  GTimeSpan  timeout;
  guint      expected;
} RaceJoin;

static gpointer
race_target (gpointer data, GError **error)
{
  guint spins = GPOINTER_TO_UINT (data) % 7;

  for (guint i = 0; i < spins; i++)
    task9_yield ();
  return data;
}

static gpointer
race_joiner (gpointer data, GError **error)
{
  RaceJoin *rj = data;
  GError *local = NULL;
  gpointer result = task9_task_join (rj->target, rj->timeout, &local);
  guint outcome;

  if (local == NULL)
    {
      g_assert_cmpuint (GPOINTER_TO_UINT (result), ==, rj->expected);
      outcome = OUTCOME_RESULT;
    }
  else if (g_error_matches (local, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    {
      g_assert_cmpint (rj->timeout, >=, 0);
      outcome = OUTCOME_TIMED_OUT;
    }
  else
    {
      g_assert_error (local, G_IO_ERROR, G_IO_ERROR_CANCELLED);
      g_assert_true (task9_task_is_cancelled (task9_task_self ()));
      outcome = OUTCOME_CANCELLED;
    }
  g_clear_error (&local);
  /* Whatever ended the join, the next blocking call sees only this task's own state. */
  if (task9_task_is_cancelled (task9_task_self ()))
    g_assert_false (task9_sleep (0, NULL));
  else
    g_assert_true (task9_sleep (0, NULL));
  return GUINT_TO_POINTER (outcome);
}

static void
test_stress_wake_races (void)
{
  Task9Proc *a = test_proc_new ("joiners"), *b = test_proc_new ("targets");
  guint rounds = test_scale (3000, 300);
  guint counts[4] = { 0 };
  GError *error = NULL;

  for (guint r = 0; r < rounds; r++)
    {
      RaceJoin rj = { NULL, -1, r + 1 };
      Task9Task *joiner;
      guint outcome;

      switch (r % 3)
        {
        case 0: rj.timeout = -1; break;
        case 1: rj.timeout = 0; break;
        default: rj.timeout = (r * 37) % 200; break;
        }
      rj.target = test_spawn_on (b, "target", race_target, GUINT_TO_POINTER (r + 1));
      joiner = test_spawn_on (a, "joiner", race_joiner, &rj);
      if (r % 2 == 1)
        task9_task_cancel (joiner);

      outcome = GPOINTER_TO_UINT (task9_task_join (joiner, -1, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (outcome, >=, OUTCOME_RESULT);
      g_assert_cmpuint (outcome, <=, OUTCOME_CANCELLED);
      if (r % 2 == 0)
        g_assert_cmpuint (outcome, !=, OUTCOME_CANCELLED);
      if (rj.timeout < 0)
        g_assert_cmpuint (outcome, !=, OUTCOME_TIMED_OUT);
      counts[outcome]++;

      g_assert_cmpuint (GPOINTER_TO_UINT (task9_task_join (rj.target, -1, &error)), ==, r + 1);
      g_assert_no_error (error);
      task9_task_unref (joiner);
      task9_task_unref (rj.target);
    }
  g_test_message ("%u rounds: %u results, %u timeouts, %u cancellations", rounds,
                  counts[OUTCOME_RESULT], counts[OUTCOME_TIMED_OUT], counts[OUTCOME_CANCELLED]);
  g_assert_cmpuint (counts[OUTCOME_RESULT], >, 0);

  test_proc_finish (a);
  test_proc_finish (b);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/stress/mixed", test_stress_mixed);
  g_test_add_func ("/stress/many-procs", test_stress_many_procs);
  g_test_add_func ("/stress/one-proc", test_stress_one_proc);
  g_test_add_func ("/stress/wake-races", test_stress_wake_races);

  return g_test_run ();
}
