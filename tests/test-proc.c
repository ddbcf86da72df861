/* test-proc.c: procs start and stop cleanly, cross-proc joins and cancels
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Leaks (threads, contexts, stacks, task records) are found by the valgrind and ASan runs
 * of this suite: every test here stops and joins what it started.
 */

#include <unistd.h>

#include "test-util.h"

static gpointer
sleep_forever_task (gpointer data, GError **error)
{
  if (data != NULL)
    g_atomic_int_inc ((gint *) data);
  task9_sleep (G_MAXINT64, error);
  return NULL;
}

/* ---- life cycle ------------------------------------------------------------------- */

/* A proc made with END_WITH_LAST_TASK ends by itself once its tasks are done: joining
 * it without task9_proc_stop() returns (this test would hang, then time out, without). */
static gpointer
count_up_task (gpointer data, GError **error)
{
  g_atomic_int_inc ((gint *) data);
  return NULL;
}

static void
test_proc_end_with_last_task (void)
{
  GError *error = NULL;
  gint ran = 0;
  Task9Proc *proc = task9_proc_new_full ("auto", TASK9_PROC_FLAGS_END_WITH_LAST_TASK, &error);
  Task9Task *a, *b;

  g_assert_no_error (error);
  a = test_spawn_on (proc, "a", count_up_task, &ran);
  b = test_spawn_on (proc, "b", count_up_task, &ran);
  g_assert_true (task9_proc_join (proc, &error));
  g_assert_no_error (error);
  g_assert_cmpint (ran, ==, 2);
  g_assert_true (task9_task_is_finished (a) && task9_task_is_finished (b));

  /* Ended: it takes no more tasks. */
  g_assert_null (task9_task_spawn_full (proc, "late", 0, count_up_task, &ran, NULL, &error));
  g_assert_error (error, TASK9_ERROR, TASK9_ERROR_PROC_STOPPED);
  g_clear_error (&error);

  task9_task_unref (a);
  task9_task_unref (b);
  task9_proc_unref (proc);
}

static void
test_proc_start_stop (void)
{
  GError *error = NULL;
  Task9Proc *proc = task9_proc_new ("life", &error);
  TestWhere where = { NULL, NULL, NULL };
  Task9Task *task;

  g_assert_no_error (error);
  g_assert_nonnull (proc);
  g_assert_cmpstr (task9_proc_get_name (proc), ==, "life");
  g_assert_false (task9_proc_is_main (proc));
  g_assert_nonnull (task9_proc_get_context (proc));
  g_assert_true (task9_proc_get_context (proc) != g_main_context_default ());
  g_assert_cmpuint (task9_proc_get_n_tasks (proc), ==, 0);
  g_assert_cmpint (task9_proc_get_time_budget (proc), ==, TASK9_DEFAULT_TIME_BUDGET);
  g_assert_cmpuint (task9_proc_get_stack_size (proc), ==, TASK9_DEFAULT_STACK_SIZE);
  /* The test thread is no proc's. */
  g_assert_null (task9_proc_get_current ());

  task = test_spawn_on (proc, "where", test_where_task, &where);
  task9_task_join (task, -1, &error);
  g_assert_no_error (error);
  task9_task_unref (task);

  g_assert_true (where.proc == proc);
  /* The proc's context is its thread's default, so GIO calls complete there. */
  g_assert_true (where.thread_default == task9_proc_get_context (proc));
  g_assert_true (where.thread != g_thread_self ());

  task9_proc_stop (proc);
  task9_proc_stop (proc);   /* twice is harmless */
  g_assert_true (task9_proc_join (proc, &error));
  g_assert_no_error (error);
  /* Joining an ended proc returns at once. */
  g_assert_true (task9_proc_join (proc, &error));
  g_assert_no_error (error);
  task9_proc_unref (proc);
}

/* Once a join has returned, the task no longer counts as one of its proc's live tasks.
 * Repeated, as a late count shows up only when the joiner wins a race. */
static void
test_proc_n_tasks_after_join (void)
{
  Task9Proc *proc = test_proc_new ("count");
  guint n = test_scale (3000, 100);
  guint late = 0;
  GError *error = NULL;

  for (guint i = 0; i < n; i++)
    {
      Task9Task *task = test_spawn_on (proc, "short", test_return_data_task, NULL);

      task9_task_join (task, -1, &error);
      g_assert_no_error (error);
      if (task9_proc_get_n_tasks (proc) != 0)
        late++;
      task9_task_unref (task);
    }
  test_proc_finish (proc);
  if (late > 0)
    g_test_fail_printf ("task9_proc_get_n_tasks() still counted a task after "
                        "task9_task_join() returned, in %u of %u joins", late, n);
}

static void
test_proc_empty (void)
{
  /* Started and stopped without ever running a task. */
  Task9Proc *proc = test_proc_new ("empty");

  test_proc_finish (proc);
}

static void
test_proc_stop_cancels_tasks (void)
{
  Task9Proc *proc = test_proc_new ("stop");
  gint started = 0;
  Task9Task *tasks[10];
  GError *error = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (tasks); i++)
    tasks[i] = test_spawn_on (proc, "sleeper", sleep_forever_task, &started);
  g_assert_cmpuint (task9_proc_get_n_tasks (proc), <=, G_N_ELEMENTS (tasks));

  task9_proc_stop (proc);
  g_assert_true (task9_proc_join (proc, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (task9_proc_get_n_tasks (proc), ==, 0);

  for (guint i = 0; i < G_N_ELEMENTS (tasks); i++)
    {
      g_assert_true (task9_task_is_finished (tasks[i]));
      g_assert_true (task9_task_is_cancelled (tasks[i]));
      test_join_cancelled (tasks[i]);
      task9_task_unref (tasks[i]);
    }
  task9_proc_unref (proc);
}

/* A proc does not end while a task still runs, even when asked to stop. */
typedef struct
{
  gint release;
  gint saw_cancel;
  gint done;
} Lingerer;

static gpointer
lingering_task (gpointer data, GError **error)
{
  Lingerer *l = data;
  GError *local = NULL;

  if (!task9_sleep (G_MAXINT64, &local))
    {
      g_atomic_int_set (&l->saw_cancel, TRUE);
      g_clear_error (&local);
    }
  /* Cancelled: finish some work first, yielding (which is not a failing call). */
  while (!g_atomic_int_get (&l->release))
    task9_yield ();
  g_atomic_int_set (&l->done, TRUE);
  return NULL;
}

static void
test_proc_spawn_after_stop (void)
{
  Task9Proc *proc = test_proc_new ("stopping");
  Lingerer l = { 0, 0, 0 };
  Task9Task *lingerer = test_spawn_on (proc, "lingerer", lingering_task, &l);
  GError *error = NULL;
  Task9Task *late;

  task9_proc_stop (proc);
  /* The proc is stopping but has not ended (its task still runs): it takes no new task. */
  late = task9_task_spawn_full (proc, "late", 0, test_return_data_task, NULL, NULL, &error);
  if (late != NULL)
    {
      /* Reported without aborting, so that the rest of the suite runs. */
      g_test_fail_printf ("task9_task_spawn_full() onto a stopped proc (its last task still "
                          "running) succeeded; expected TASK9_ERROR_PROC_STOPPED");
      task9_task_join (late, -1, &error);
      g_assert_no_error (error);
    }
  else
    g_assert_error (error, TASK9_ERROR, TASK9_ERROR_PROC_STOPPED);
  g_clear_error (&error);
  g_assert_false (g_atomic_int_get (&l.done));

  g_atomic_int_set (&l.release, TRUE);
  g_assert_true (task9_proc_join (proc, &error));
  g_assert_no_error (error);
  g_assert_true (l.saw_cancel);
  g_assert_true (l.done);
  task9_task_unref (lingerer);

  if (late != NULL)
    task9_task_unref (late);
  task9_proc_unref (proc);
}

static void
test_proc_spawn_after_end (void)
{
  Task9Proc *proc = test_proc_new ("ended");
  GError *error = NULL;
  Task9Group *group = task9_group_new ();

  task9_proc_stop (proc);
  g_assert_true (task9_proc_join (proc, &error));
  g_assert_no_error (error);

  g_assert_null (task9_task_spawn_full (proc, "late", 0, test_return_data_task, NULL, NULL,
                                        &error));
  g_assert_error (error, TASK9_ERROR, TASK9_ERROR_PROC_STOPPED);
  g_clear_error (&error);
  g_assert_null (task9_group_spawn_full (group, proc, "late", 0, test_return_data_task, NULL,
                                         NULL, &error));
  g_assert_error (error, TASK9_ERROR, TASK9_ERROR_PROC_STOPPED);
  g_clear_error (&error);
  g_assert_cmpuint (task9_group_get_n_running (group), ==, 0);
  g_assert_true (task9_group_wait (group, &error));
  g_assert_no_error (error);

  task9_group_unref (group);
  task9_proc_unref (proc);
}

/* The user data of a task that could not be spawned is neither leaked nor freed twice
 * (valgrind and ASan watch): the destroy notify runs at most once, and when it does not
 * run the caller still owns the data. */
static gint destroy_calls;

static void
counting_free (gpointer data)
{
  destroy_calls++;
  g_free (data);
}

static void
test_proc_spawn_after_end_user_data (void)
{
  Task9Proc *proc = test_proc_new ("ended");
  GError *error = NULL;
  char *data = g_strdup ("owned by the task");

  task9_proc_stop (proc);
  g_assert_true (task9_proc_join (proc, &error));
  g_assert_no_error (error);

  destroy_calls = 0;
  g_assert_null (task9_task_spawn_full (proc, "late", 0, test_return_data_task, data,
                                        counting_free, &error));
  g_assert_error (error, TASK9_ERROR, TASK9_ERROR_PROC_STOPPED);
  g_clear_error (&error);
  g_assert_cmpint (destroy_calls, <=, 1);
  if (destroy_calls == 0)
    g_free (data);
  task9_proc_unref (proc);
}

/* ---- sizes and budgets ------------------------------------------------------------- */

typedef struct
{
  gsize size;
} SizeState;

static gpointer
size_task (gpointer data, GError **error)
{
  SizeState *state = data;

  state->size = task9_task_get_stack_size (task9_task_self ());
  return NULL;
}

static gsize
spawn_and_get_size (Task9Proc *proc, gsize stack_size)
{
  SizeState state = { 0 };
  GError *error = NULL;
  Task9Task *task = task9_task_spawn_full (proc, "sized", stack_size, size_task, &state, NULL,
                                           &error);
  gsize seen_before;

  g_assert_no_error (error);
  seen_before = task9_task_get_stack_size (task);
  task9_task_join (task, -1, &error);
  g_assert_no_error (error);
  task9_task_unref (task);
  /* Seen from outside while the task lived (or 0 once it ended), and from inside. */
  g_assert_true (seen_before == state.size || seen_before == 0);
  return state.size;
}

static void
test_proc_stack_sizes (void)
{
  Task9Proc *proc = test_proc_new ("sizes");
  gsize page = (gsize) sysconf (_SC_PAGESIZE);

  g_assert_cmpuint (spawn_and_get_size (proc, 0), ==, TASK9_DEFAULT_STACK_SIZE);
  g_assert_cmpuint (spawn_and_get_size (proc, 64 * 1024), ==, 64 * 1024);
  g_assert_cmpuint (spawn_and_get_size (proc, 1024 * 1024), ==, 1024 * 1024);
  /* Rounded up to whole pages, at least four. */
  g_assert_cmpuint (spawn_and_get_size (proc, 64 * 1024 + 1), ==, 64 * 1024 + page);
  g_assert_cmpuint (spawn_and_get_size (proc, 1), ==, 4 * page);

  task9_proc_set_stack_size (proc, 100000);
  g_assert_cmpuint (task9_proc_get_stack_size (proc), ==, (100000 + page - 1) / page * page);
  g_assert_cmpuint (spawn_and_get_size (proc, 0), ==, (100000 + page - 1) / page * page);
  /* An explicit size still wins. */
  g_assert_cmpuint (spawn_and_get_size (proc, 32 * 1024), ==, 32 * 1024);
  task9_proc_set_stack_size (proc, 1);
  g_assert_cmpuint (task9_proc_get_stack_size (proc), ==, 4 * page);
  task9_proc_set_stack_size (proc, TASK9_DEFAULT_STACK_SIZE);
  g_assert_cmpuint (spawn_and_get_size (proc, 0), ==, TASK9_DEFAULT_STACK_SIZE);

  task9_proc_set_time_budget (proc, 250);
  g_assert_cmpint (task9_proc_get_time_budget (proc), ==, 250);

  test_proc_finish (proc);
}

/* ---- cross-proc join and cancel ---------------------------------------------------- */

typedef struct
{
  Task9Proc *other;
  gint       started;
} CrossState;

/* Runs @body in a task, with a CrossState for another proc. */
static void
run_cross (Task9TaskFunc body)
{
  CrossState state = { test_proc_new ("other"), 0 };

  run_in_task_ok (body, &state);
  test_proc_finish (state.other);
}

static gpointer
slow_value_task (gpointer data, GError **error)
{
  task9_yield ();
  if (!task9_sleep (2 * G_TIME_SPAN_MILLISECOND, error))
    return NULL;
  return data;
}

static gpointer
cross_join_body (gpointer data, GError **error)
{
  CrossState *state = data;
  int tokens[5];
  Task9Task *tasks[5];

  for (guint i = 0; i < G_N_ELEMENTS (tasks); i++)
    tasks[i] = test_spawn_on (state->other, "remote", slow_value_task, &tokens[i]);
  for (guint i = 0; i < G_N_ELEMENTS (tasks); i++)
    {
      g_assert_true (task9_task_join (tasks[i], -1, error) == &tokens[i]);
      g_assert_no_error (*error);
      /* A timed join of a finished remote task returns at once. */
      g_assert_true (task9_task_join (tasks[i], 0, error) == &tokens[i]);
      task9_task_unref (tasks[i]);
    }
  return NULL;
}

static void
test_proc_cross_join (void)
{
  run_cross (cross_join_body);
}

static gpointer
cross_join_timeout_body (gpointer data, GError **error)
{
  CrossState *state = data;
  Task9Task *remote = test_spawn_on (state->other, "remote", sleep_forever_task, &state->started);
  GError *local = NULL;

  g_assert_null (task9_task_join (remote, 5 * G_TIME_SPAN_MILLISECOND, &local));
  g_assert_error (local, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  g_clear_error (&local);
  g_assert_false (task9_task_is_finished (remote));

  task9_task_cancel (remote);
  test_join_cancelled (remote);
  task9_task_unref (remote);
  return NULL;
}

static void
test_proc_cross_join_timeout (void)
{
  run_cross (cross_join_timeout_body);
}

static gpointer
cross_cancel_body (gpointer data, GError **error)
{
  CrossState *state = data;
  Task9Task *remote[4];

  for (guint i = 0; i < G_N_ELEMENTS (remote); i++)
    remote[i] = test_spawn_on (state->other, "remote", sleep_forever_task, &state->started);

  /* Some may not have run yet; cancellation holds either way. */
  for (guint i = 0; i < G_N_ELEMENTS (remote); i++)
    task9_task_cancel (remote[i]);

  for (guint i = 0; i < G_N_ELEMENTS (remote); i++)
    {
      test_join_cancelled (remote[i]);
      g_assert_true (task9_task_is_cancelled (remote[i]));
      task9_task_unref (remote[i]);
    }
  g_assert_cmpint (g_atomic_int_get (&state->started), ==, G_N_ELEMENTS (remote));
  /* The canceller was not cancelled. */
  g_assert_true (task9_check_cancelled (error));
  return NULL;
}

static void
test_proc_cross_cancel (void)
{
  run_cross (cross_cancel_body);
}

/* Cancel a remote task that is certainly parked. A herald spawned on the remote proc
 * after it runs only once it has parked (FIFO), so joining the herald waits for that. */
static gpointer
cross_cancel_parked_body (gpointer data, GError **error)
{
  CrossState *state = data;
  Task9Task *remote = test_spawn_on (state->other, "remote", sleep_forever_task, &state->started);
  Task9Task *herald = test_spawn_on (state->other, "herald", test_return_data_task, NULL);

  task9_task_join (herald, -1, error);
  g_assert_no_error (*error);
  task9_task_unref (herald);
  g_assert_cmpint (g_atomic_int_get (&state->started), ==, 1);
  g_assert_cmpint (task9_task_get_state (remote), ==, TASK9_TASK_STATE_BLOCKED);
  g_assert_cmpstr (task9_task_get_wait_reason (remote), ==, "sleep");

  task9_task_cancel (remote);
  test_join_cancelled (remote);
  task9_task_unref (remote);
  return NULL;
}

static void
test_proc_cross_cancel_parked (void)
{
  run_cross (cross_cancel_parked_body);
}

/* A task on one proc joins another proc. */
static gpointer
join_proc_body (gpointer data, GError **error)
{
  Task9Proc *other = test_proc_new ("joined");
  Task9Task *remote = test_spawn_on (other, "remote", sleep_forever_task, NULL);
  GError *local = NULL;

  g_assert_false (task9_proc_join (task9_proc_get_current (), &local));
  g_assert_error (local, TASK9_ERROR, TASK9_ERROR_DEADLOCK);
  g_clear_error (&local);

  task9_proc_stop (other);
  g_assert_true (task9_proc_join (other, error));   /* only this task waits */
  g_assert_true (task9_task_is_finished (remote));
  task9_task_unref (remote);
  task9_proc_unref (other);
  return NULL;
}

TEST_IN_TASK (test_proc_join_from_task, join_proc_body)

/* On a proc's thread outside any task, blocking is refused. */
typedef struct
{
  Task9Task *target;
  Task9Proc *other;
  GError    *join_error;
  GError    *proc_join_error;
  GError    *sleep_error;
  GError    *group_error;
  gboolean   in_task;
  Task9Proc *current;
} OutsideState;

static void
outside_task_cb (gpointer data)
{
  OutsideState *state = data;
  Task9Group *group = task9_group_new ();
  Task9Task *member;

  state->in_task = task9_in_task ();
  state->current = task9_proc_get_current ();
  g_assert_null (task9_task_join (state->target, -1, &state->join_error));
  g_assert_false (task9_proc_join (state->other, &state->proc_join_error));
  g_assert_false (task9_sleep (10, &state->sleep_error));
  /* A group with a running member cannot be waited for here either. */
  member = task9_group_spawn (group, "member", sleep_forever_task, NULL, NULL, NULL);
  g_assert_nonnull (member);
  g_assert_false (task9_group_wait (group, &state->group_error));
  task9_group_cancel (group);
  task9_group_unref (group);
  task9_task_unref (member);
}

static void
test_proc_wait_outside_task (void)
{
  Task9Proc *proc = test_proc_new ("host");
  Task9Proc *other = test_proc_new ("other");
  OutsideState state = { 0 };
  GError *error = NULL;

  state.target = test_spawn_on (other, "target", sleep_forever_task, NULL);
  state.other = other;
  test_invoke_sync (task9_proc_get_context (proc), outside_task_cb, &state);

  g_assert_false (state.in_task);
  g_assert_true (state.current == proc);
  g_assert_error (state.join_error, TASK9_ERROR, TASK9_ERROR_NOT_IN_TASK);
  g_assert_error (state.proc_join_error, TASK9_ERROR, TASK9_ERROR_NOT_IN_TASK);
  g_assert_error (state.sleep_error, TASK9_ERROR, TASK9_ERROR_NOT_IN_TASK);
  g_assert_error (state.group_error, TASK9_ERROR, TASK9_ERROR_NOT_IN_TASK);
  g_clear_error (&state.join_error);
  g_clear_error (&state.proc_join_error);
  g_clear_error (&state.sleep_error);
  g_clear_error (&state.group_error);

  task9_task_cancel (state.target);
  task9_task_join (state.target, -1, &error);
  g_clear_error (&error);
  task9_task_unref (state.target);
  test_proc_finish (other);
  test_proc_finish (proc);
}

/* ---- many procs, many tasks ------------------------------------------------------------ */

typedef struct
{
  Task9Task **tasks;      /* all tasks, filled before any is spawned onto the next proc */
  guint       n_procs;
  guint       per_proc;
  gint        done;
  gint        joined_ok;
} ManyState;

typedef struct
{
  ManyState *state;
  guint      index;
} ManyItem;

static gpointer
many_task (gpointer data, GError **error)
{
  ManyItem *item = data;
  ManyState *state = item->state;
  GRand *rand = g_rand_new_with_seed (item->index);
  guint n_ops = 5;

  for (guint op = 0; op < n_ops; op++)
    {
      switch (g_rand_int_range (rand, 0, 3))
        {
        case 0:
          task9_yield ();
          break;
        case 1:
          if (!task9_sleep (g_rand_int_range (rand, 0, 1000), error))
            goto out;
          break;
        default:
          /* Join a task spawned earlier, on another proc (no cycles: lower index). */
          if (item->index >= state->n_procs)
            {
              guint target = item->index - state->n_procs + 1;
              gpointer result = task9_task_join (state->tasks[target], -1, error);

              if (*error != NULL)
                goto out;
              if (GPOINTER_TO_UINT (result) == target + 1)
                g_atomic_int_inc (&state->joined_ok);
            }
          break;
        }
    }
out:
  g_rand_free (rand);
  g_atomic_int_inc (&state->done);
  return GUINT_TO_POINTER (item->index + 1);
}

static void
test_proc_many (void)
{
  ManyState state = { NULL, test_scale (8, 3), test_scale (100, 10), 0, 0 };
  guint n = state.n_procs * state.per_proc;
  Task9Proc **procs = g_new (Task9Proc *, state.n_procs);
  ManyItem *items = g_new (ManyItem, n);
  GError *error = NULL;

  state.tasks = g_new0 (Task9Task *, n);
  for (guint p = 0; p < state.n_procs; p++)
    procs[p] = test_proc_new ("many");
  for (guint i = 0; i < n; i++)
    {
      items[i] = (ManyItem) { &state, i };
      state.tasks[i] = test_spawn_on (procs[i % state.n_procs], "many", many_task, &items[i]);
    }
  for (guint i = 0; i < n; i++)
    {
      gpointer result = task9_task_join (state.tasks[i], -1, &error);

      g_assert_no_error (error);
      g_assert_cmpuint (GPOINTER_TO_UINT (result), ==, i + 1);
    }
  g_assert_cmpint (state.done, ==, n);
  g_assert_cmpint (state.joined_ok, >, 0);

  for (guint p = 0; p < state.n_procs; p++)
    test_proc_finish (procs[p]);
  for (guint i = 0; i < n; i++)
    task9_task_unref (state.tasks[i]);
  g_free (state.tasks);
  g_free (items);
  g_free (procs);
}

/* Procs started and stopped over and over, each running a few tasks. */
static void
test_proc_churn (void)
{
  guint rounds = test_scale (50, 5);

  for (guint r = 0; r < rounds; r++)
    {
      Task9Proc *proc = test_proc_new ("churn");
      gint started = 0;

      for (guint i = 0; i < 4; i++)
        task9_task_unref (test_spawn_on (proc, "sleeper", sleep_forever_task, &started));
      task9_task_unref (test_spawn_on (proc, "quick", test_return_data_task, NULL));
      test_proc_finish (proc);
    }
}

/* A task busy-yielding on a proc does not starve the proc's other sources. */
typedef struct
{
  gint idle_ran;
  gint timeout_ran;
} SourcesState;

static gboolean
mark_idle (gpointer data)
{
  g_atomic_int_inc (&((SourcesState *) data)->idle_ran);
  return G_SOURCE_REMOVE;
}

static gboolean
mark_timeout (gpointer data)
{
  SourcesState *state = data;

  g_atomic_int_inc (&state->timeout_ran);
  return g_atomic_int_get (&state->timeout_ran) < 3 ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

static gpointer
proc_sources_body (gpointer data, GError **error)
{
  SourcesState state = { 0, 0 };
  GMainContext *context = g_main_context_get_thread_default ();
  GSource *idle = g_idle_source_new ();
  GSource *timeout = g_timeout_source_new (2);

  g_assert_true (context == task9_proc_get_context (task9_proc_get_current ()));
  g_source_set_callback (idle, mark_idle, &state, NULL);
  g_source_attach (idle, context);
  g_source_set_callback (timeout, mark_timeout, &state, NULL);
  g_source_attach (timeout, context);

  /* Never blocks: only the scheduler's budget lets the other sources in. */
  while (g_atomic_int_get (&state.idle_ran) == 0 || g_atomic_int_get (&state.timeout_ran) < 3)
    task9_yield ();

  g_source_destroy (idle);
  g_source_unref (idle);
  g_source_destroy (timeout);
  g_source_unref (timeout);
  return NULL;
}

TEST_IN_TASK (test_proc_sources_not_starved, proc_sources_body)

static void
test_proc_boxed (void)
{
  Task9Proc *proc = test_proc_new ("boxed");
  GValue value = G_VALUE_INIT;

  g_value_init (&value, TASK9_TYPE_PROC);
  g_value_set_boxed (&value, proc);
  g_assert_true (g_value_get_boxed (&value) == proc);
  g_value_unset (&value);
  test_proc_finish (proc);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/proc/start-stop", test_proc_start_stop);
  g_test_add_func ("/proc/end-with-last-task", test_proc_end_with_last_task);
  g_test_add_func ("/proc/n-tasks-after-join", test_proc_n_tasks_after_join);
  g_test_add_func ("/proc/empty", test_proc_empty);
  g_test_add_func ("/proc/stop-cancels-tasks", test_proc_stop_cancels_tasks);
  g_test_add_func ("/proc/spawn-after-stop", test_proc_spawn_after_stop);
  g_test_add_func ("/proc/spawn-after-end", test_proc_spawn_after_end);
  g_test_add_func ("/proc/spawn-after-end-user-data", test_proc_spawn_after_end_user_data);
  g_test_add_func ("/proc/stack-sizes", test_proc_stack_sizes);
  g_test_add_func ("/proc/cross-join", test_proc_cross_join);
  g_test_add_func ("/proc/cross-join-timeout", test_proc_cross_join_timeout);
  g_test_add_func ("/proc/cross-cancel", test_proc_cross_cancel);
  g_test_add_func ("/proc/cross-cancel-parked", test_proc_cross_cancel_parked);
  g_test_add_func ("/proc/join-from-task", test_proc_join_from_task);
  g_test_add_func ("/proc/wait-outside-task", test_proc_wait_outside_task);
  g_test_add_func ("/proc/many", test_proc_many);
  g_test_add_func ("/proc/churn", test_proc_churn);
  g_test_add_func ("/proc/sources-not-starved", test_proc_sources_not_starved);
  g_test_add_func ("/proc/boxed", test_proc_boxed);

  return g_test_run ();
}
