/* test-group.c: task groups (structured concurrency)
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <string.h>

#include "test-util.h"

#define TEST_ERROR_QUARK (g_quark_from_static_string ("test-error"))

typedef struct
{
  gint started;
  gint blocked;          /* members about to park in their long sleep */
  gint finished;
  gint cancelled;        /* members whose sleep was cancelled */
  gint cleanup_done;     /* members that finished their cleanup after cancellation */
} GroupStats;

typedef struct
{
  GroupStats *stats;
  guint       index;
  GTimeSpan   sleep;     /* how long to sleep; G_MAXINT64: until cancelled */
  gboolean    fail;      /* fail after the sleep */
  guint       cleanup_yields;
} Member;

static gpointer
member_task (gpointer data, GError **error)
{
  Member *m = data;
  GError *local = NULL;

  g_atomic_int_inc (&m->stats->started);
  g_atomic_int_inc (&m->stats->blocked);
  if (!task9_sleep (m->sleep, &local))
    {
      g_assert_error (local, G_IO_ERROR, G_IO_ERROR_CANCELLED);
      g_atomic_int_inc (&m->stats->cancelled);
      /* Cleanup that takes a while (and cannot block: we are cancelled). */
      for (guint i = 0; i < m->cleanup_yields; i++)
        task9_yield ();
      g_atomic_int_inc (&m->stats->cleanup_done);
      g_atomic_int_inc (&m->stats->finished);
      g_propagate_error (error, local);
      return NULL;
    }
  g_atomic_int_inc (&m->stats->finished);
  if (m->fail)
    {
      g_set_error (error, TEST_ERROR_QUARK, (gint) m->index, "member %u failed", m->index);
      return NULL;
    }
  return GUINT_TO_POINTER (m->index);
}

/* Sets *@m to @init and spawns it into @group, on @proc (NULL: the current proc). */
static void
spawn_member (Task9Group *group, Task9Proc *proc, Member *m, Member init)
{
  GError *error = NULL;
  Task9Task *task;

  *m = init;
  task = task9_group_spawn_full (group, proc, "member", 0, member_task, m, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (task);
  task9_task_unref (task);
}

/* ---- all succeed ------------------------------------------------------------------ */

static gpointer
all_succeed_body (gpointer data, GError **error)
{
  GroupStats stats = { 0 };
  Member members[6];
  g_autoptr(Task9Group) group = task9_group_new ();

  for (guint i = 0; i < G_N_ELEMENTS (members); i++)
    spawn_member (group, NULL, &members[i],
                  (Member) { &stats, i, (i % 3) * G_TIME_SPAN_MILLISECOND, FALSE, 0 });
  g_assert_cmpuint (task9_group_get_n_running (group), ==, G_N_ELEMENTS (members));
  g_assert_cmpint (stats.started, ==, 0);   /* members have not run yet */

  g_assert_true (task9_group_wait (group, error));
  g_assert_cmpuint (task9_group_get_n_running (group), ==, 0);
  g_assert_cmpint (stats.finished, ==, G_N_ELEMENTS (members));
  g_assert_cmpint (stats.cancelled, ==, 0);

  /* Waiting again on a drained group returns at once. */
  g_assert_true (task9_group_wait (group, error));
  return NULL;
}

TEST_IN_TASK (test_group_all_succeed, all_succeed_body)

static gpointer
empty_body (gpointer data, GError **error)
{
  g_autoptr(Task9Group) group = task9_group_new ();

  g_assert_cmpuint (task9_group_get_n_running (group), ==, 0);
  g_assert_true (task9_group_wait (group, error));
  return NULL;
}

static void
test_group_empty (void)
{
  g_autoptr(Task9Group) group = task9_group_new ();
  GError *error = NULL;

  run_in_task_ok (empty_body, NULL);
  /* From a thread that is no proc's, too. */
  g_assert_true (task9_group_wait (group, &error));
  g_assert_no_error (error);
}

/* ---- one member fails ------------------------------------------------------------- */

static gpointer
one_fails_body (gpointer data, GError **error)
{
  GroupStats stats = { 0 };
  Member members[5];
  g_autoptr(Task9Group) group = task9_group_new ();
  GError *local = NULL;
  gint64 start = g_get_monotonic_time ();

  for (guint i = 0; i < G_N_ELEMENTS (members); i++)
    {
      /* Member 2 fails after 1 ms; the others would sleep for ever. */
      gboolean fails = i == 2;

      spawn_member (group, NULL, &members[i],
                    (Member) { &stats, i, fails ? G_TIME_SPAN_MILLISECOND : G_MAXINT64, fails, 3 });
    }

  g_assert_false (task9_group_wait (group, &local));
  /* The first error, not the cancellations it caused. */
  g_assert_error (local, TEST_ERROR_QUARK, 2);
  g_assert_cmpstr (local->message, ==, "member 2 failed");
  g_clear_error (&local);

  /* Every member has ended; the others were cancelled out of their sleeps. */
  g_assert_cmpuint (task9_group_get_n_running (group), ==, 0);
  g_assert_cmpint (stats.finished, ==, G_N_ELEMENTS (members));
  g_assert_cmpint (stats.cancelled, ==, G_N_ELEMENTS (members) - 1);
  g_assert_cmpint (stats.cleanup_done, ==, G_N_ELEMENTS (members) - 1);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 10 * G_TIME_SPAN_SECOND);

  /* Waiting again reports the same error. */
  g_assert_false (task9_group_wait (group, &local));
  g_assert_error (local, TEST_ERROR_QUARK, 2);
  g_clear_error (&local);
  return NULL;
}

TEST_IN_TASK (test_group_one_fails, one_fails_body)

/* ---- the waiter is cancelled ------------------------------------------------------- */

typedef struct
{
  GroupStats stats;
  Member     members[4];
  gint       wait_code;
  gint       cleanup_at_return;
  gint       finished_at_return;
  guint      running_at_return;
} WaiterState;

static gpointer
group_waiter_task (gpointer data, GError **error)
{
  WaiterState *state = data;
  g_autoptr(Task9Group) group = task9_group_new ();
  GError *local = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (state->members); i++)
    spawn_member (group, NULL, &state->members[i],
                  (Member) { &state->stats, i, G_MAXINT64, FALSE, 5 + i * 5 });
  state->wait_code = -1;
  if (!task9_group_wait (group, &local))
    {
      g_assert_true (local->domain == G_IO_ERROR);
      state->wait_code = local->code;
      g_clear_error (&local);
    }
  /* The members' cleanups all ran before the wait returned. */
  state->cleanup_at_return = g_atomic_int_get (&state->stats.cleanup_done);
  state->finished_at_return = g_atomic_int_get (&state->stats.finished);
  state->running_at_return = task9_group_get_n_running (group);
  return NULL;
}

typedef struct
{
  WaiterState *state;
  Task9Task   *waiter;
} CancelWaiter;

static gpointer
cancel_waiter_task (gpointer data, GError **error)
{
  CancelWaiter *cw = data;

  /* Until every member is parked in its sleep and the waiter in the group wait. */
  while (g_atomic_int_get (&cw->state->stats.blocked) < (gint) G_N_ELEMENTS (cw->state->members))
    task9_yield ();
  task9_yield ();
  g_assert_cmpint (task9_task_get_state (cw->waiter), ==, TASK9_TASK_STATE_BLOCKED);
  g_assert_cmpstr (task9_task_get_wait_reason (cw->waiter), ==, "group");
  g_assert_cmpint (cw->state->stats.cancelled, ==, 0);
  task9_task_cancel (cw->waiter);
  return NULL;
}

static gpointer
waiter_cancelled_body (gpointer data, GError **error)
{
  WaiterState state;
  CancelWaiter cw = { &state, NULL };
  Task9Task *canceller;

  memset (&state, 0, sizeof state);
  cw.waiter = test_spawn ("group-waiter", group_waiter_task, &state);
  canceller = test_spawn ("canceller", cancel_waiter_task, &cw);

  task9_task_join (cw.waiter, -1, error);
  g_assert_no_error (*error);
  task9_task_join (canceller, -1, error);
  task9_task_unref (cw.waiter);
  task9_task_unref (canceller);

  g_assert_cmpint (state.wait_code, ==, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (state.stats.cancelled, ==, G_N_ELEMENTS (state.members));
  g_assert_cmpint (state.cleanup_at_return, ==, G_N_ELEMENTS (state.members));
  g_assert_cmpint (state.finished_at_return, ==, G_N_ELEMENTS (state.members));
  g_assert_cmpuint (state.running_at_return, ==, 0);
  return NULL;
}

TEST_IN_TASK (test_group_waiter_cancelled, waiter_cancelled_body)

/* ---- spawning into a failed or cancelled group ------------------------------------ */

static gpointer
late_member (gpointer data, GError **error)
{
  cancel_probe_run (data);
  return NULL;
}

static void
check_late_spawn (Task9Group *group)
{
  CancelProbe late = { FALSE, FALSE, FALSE };
  GError *error = NULL;
  Task9Task *task = task9_group_spawn (group, "late", late_member, &late, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (task);
  g_assert_true (task9_task_is_cancelled (task));
  g_assert_false (late.ran);
  g_assert_cmpuint (task9_group_get_n_running (group), ==, 1);

  /* Wait for it (it is cancelled, but returns no error: the group keeps its first). */
  task9_task_join (task, -1, &error);
  g_assert_no_error (error);
  task9_task_unref (task);
  g_assert_true (late.ran);
  g_assert_true (late.check_failed);
  g_assert_true (late.sleep_failed);
}

static gpointer
spawn_into_failed_body (gpointer data, GError **error)
{
  GroupStats stats = { 0 };
  Member members[2];
  g_autoptr(Task9Group) group = task9_group_new ();
  GError *local = NULL;

  spawn_member (group, NULL, &members[0], (Member) { &stats, 0, 0, TRUE, 0 });
  spawn_member (group, NULL, &members[1], (Member) { &stats, 1, G_MAXINT64, FALSE, 0 });
  g_assert_false (task9_group_wait (group, &local));
  g_assert_error (local, TEST_ERROR_QUARK, 0);
  g_clear_error (&local);

  check_late_spawn (group);

  /* The group still reports its first error. */
  g_assert_false (task9_group_wait (group, &local));
  g_assert_error (local, TEST_ERROR_QUARK, 0);
  g_clear_error (&local);
  return NULL;
}

TEST_IN_TASK (test_group_spawn_into_failed, spawn_into_failed_body)

static gpointer
group_cancel_body (gpointer data, GError **error)
{
  GroupStats stats = { 0 };
  Member members[3];
  g_autoptr(Task9Group) group = task9_group_new ();
  GError *local = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (members); i++)
    spawn_member (group, NULL, &members[i], (Member) { &stats, i, G_MAXINT64, FALSE, 2 });
  /* Let them all park, then cancel the group from outside the wait. */
  while (g_atomic_int_get (&stats.blocked) < (gint) G_N_ELEMENTS (members))
    task9_yield ();
  task9_group_cancel (group);

  g_assert_false (task9_group_wait (group, &local));
  g_assert_error (local, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&local);
  g_assert_cmpint (stats.cancelled, ==, G_N_ELEMENTS (members));
  g_assert_cmpint (stats.cleanup_done, ==, G_N_ELEMENTS (members));

  /* The waiter itself was not cancelled. */
  g_assert_true (task9_check_cancelled (error));

  /* Members spawned later are cancelled too. */
  check_late_spawn (group);
  return NULL;
}

TEST_IN_TASK (test_group_cancel, group_cancel_body)

/* ---- members on several procs, waited for from the test thread --------------------- */

static void
test_group_several_procs (void)
{
  Task9Proc *procs[3] = { test_proc_new ("g-a"), test_proc_new ("g-b"), test_proc_new ("g-c") };
  GroupStats stats = { 0 };
  Member members[9];
  Task9Group *group = task9_group_new ();
  GError *error = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (members); i++)
    {
      gboolean fails = i == 4;   /* on proc b */

      spawn_member (group, procs[i % 3], &members[i],
                    (Member) { &stats, i, fails ? 2 * G_TIME_SPAN_MILLISECOND : G_MAXINT64,
                               fails, 2 });
    }

  /* The test thread is no proc's: it blocks. */
  g_assert_false (task9_group_wait (group, &error));
  g_assert_error (error, TEST_ERROR_QUARK, 4);
  g_clear_error (&error);
  g_assert_cmpint (g_atomic_int_get (&stats.finished), ==, G_N_ELEMENTS (members));
  g_assert_cmpint (g_atomic_int_get (&stats.cancelled), ==, G_N_ELEMENTS (members) - 1);
  g_assert_cmpuint (task9_group_get_n_running (group), ==, 0);

  task9_group_unref (group);
  for (guint i = 0; i < 3; i++)
    test_proc_finish (procs[i]);
}

static void
test_group_all_succeed_several_procs (void)
{
  Task9Proc *procs[2] = { test_proc_new ("g-a"), test_proc_new ("g-b") };
  GroupStats stats = { 0 };
  Member members[8];
  Task9Group *group = task9_group_new ();
  GError *error = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (members); i++)
    spawn_member (group, procs[i % 2], &members[i],
                  (Member) { &stats, i, (i % 4) * 500, FALSE, 0 });
  g_assert_true (task9_group_wait (group, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_atomic_int_get (&stats.finished), ==, G_N_ELEMENTS (members));
  g_assert_cmpint (g_atomic_int_get (&stats.cancelled), ==, 0);

  task9_group_unref (group);
  for (guint i = 0; i < 2; i++)
    test_proc_finish (procs[i]);
}

/* Members keep their group alive after its creator dropped it. */
static gpointer
orphan_body (gpointer data, GError **error)
{
  GroupStats stats = { 0 };
  Member members[3];
  Task9Group *group = task9_group_new ();

  for (guint i = 0; i < G_N_ELEMENTS (members); i++)
    spawn_member (group, NULL, &members[i], (Member) { &stats, i, 200, FALSE, 0 });
  task9_group_unref (group);
  while (g_atomic_int_get (&stats.finished) < (gint) G_N_ELEMENTS (members))
    task9_yield ();
  return NULL;
}

TEST_IN_TASK (test_group_orphaned, orphan_body)

/* Once a member's join has returned, it no longer counts as running in its group.
 * Repeated, as a late count shows up only when the joiner wins a race. The members park
 * until cancelled, so that the join races the member's end. */
static void
test_group_n_running_after_join (void)
{
  Task9Proc *proc = test_proc_new ("count");
  Task9Group *group = task9_group_new ();
  guint n = test_scale (3000, 100);
  guint late = 0;
  GError *error = NULL;

  for (guint i = 0; i < n; i++)
    {
      Task9Task *task = task9_group_spawn_full (group, proc, "gated", 0, test_gate_task, NULL,
                                                NULL, &error);

      g_assert_no_error (error);
      task9_task_cancel (task);
      task9_task_join (task, -1, &error);
      g_assert_no_error (error);
      if (task9_group_get_n_running (group) != 0)
        late++;
      task9_task_unref (task);
    }
  g_assert_true (task9_group_wait (group, &error));
  g_assert_no_error (error);
  task9_group_unref (group);
  test_proc_finish (proc);
  if (late > 0)
    g_test_fail_printf ("task9_group_get_n_running() still counted a member after "
                        "task9_task_join() returned, in %u of %u joins", late, n);
}

static void
test_group_boxed (void)
{
  Task9Group *group = task9_group_new ();
  Task9Group *copy = g_boxed_copy (TASK9_TYPE_GROUP, group);

  g_assert_true (copy == group);
  g_boxed_free (TASK9_TYPE_GROUP, copy);
  task9_group_unref (group);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/group/all-succeed", test_group_all_succeed);
  g_test_add_func ("/group/empty", test_group_empty);
  g_test_add_func ("/group/one-fails", test_group_one_fails);
  g_test_add_func ("/group/waiter-cancelled", test_group_waiter_cancelled);
  g_test_add_func ("/group/spawn-into-failed", test_group_spawn_into_failed);
  g_test_add_func ("/group/cancel", test_group_cancel);
  g_test_add_func ("/group/several-procs", test_group_several_procs);
  g_test_add_func ("/group/all-succeed-several-procs", test_group_all_succeed_several_procs);
  g_test_add_func ("/group/orphaned", test_group_orphaned);
  g_test_add_func ("/group/n-running-after-join", test_group_n_running_after_join);
  g_test_add_func ("/group/boxed", test_group_boxed);

  return g_test_run ();
}
