/* test-event.c: Task9Event
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * set wakes every waiter in the order they came; a wait on a set event returns at once;
 * a timed-out or cancelled wait ends with its error and leaves nothing queued; waiters
 * on other procs and async callers on a GMainLoop are woken alike. The test thread is
 * no proc's: it blocks in joins and runs async callers on the default context.
 */

#include "test-util.h"

#define N_WAITERS 16

typedef struct
{
  Task9Event   *event;
  GTimeSpan     timeout;
  GCancellable *cancellable;
  guint         index;
  guint        *order;       /* plain: the waiters share one proc */
  guint        *n_woken;
} Waiter;

static gpointer
waiter_task (gpointer data, GError **error)
{
  Waiter *w = data;

  if (!task9_event_wait (w->event, w->timeout, w->cancellable, error))
    return NULL;
  if (w->order != NULL)
    w->order[(*w->n_woken)++] = w->index;
  return GUINT_TO_POINTER (1);
}

/* ---- basics ---------------------------------------------------------------------- */

static void
test_event_basic (void)
{
  g_autoptr(Task9Event) event = task9_event_new ();
  GError *error = NULL;

  g_assert_false (task9_event_is_set (event));
  /* Outside a task: not set means it cannot wait. */
  g_assert_false (task9_event_wait (event, -1, NULL, &error));
  g_assert_error (error, TASK9_ERROR, TASK9_ERROR_NOT_IN_TASK);
  g_clear_error (&error);
  g_assert_false (task9_event_wait (event, 0, NULL, &error));
  g_assert_error (error, TASK9_ERROR, TASK9_ERROR_WOULD_BLOCK);
  g_clear_error (&error);

  task9_event_set (event);
  task9_event_set (event);   /* twice: nothing more */
  g_assert_true (task9_event_is_set (event));
  g_assert_true (task9_event_wait (event, -1, NULL, &error));   /* at once, anywhere */
  g_assert_true (task9_event_wait (event, 0, NULL, &error));
  g_assert_no_error (error);

  task9_event_clear (event);
  g_assert_false (task9_event_is_set (event));
  g_assert_false (task9_event_wait (event, 0, NULL, &error));
  g_assert_error (error, TASK9_ERROR, TASK9_ERROR_WOULD_BLOCK);
  g_clear_error (&error);
}

/* A set wakes every waiter, oldest first; a clear right after the set takes nothing
 * from them. */
static gpointer
wakes_all_body (gpointer data, GError **error)
{
  g_autoptr(Task9Event) event = task9_event_new ();
  Waiter w[N_WAITERS];
  Task9Task *tasks[N_WAITERS];
  guint order[N_WAITERS], n_woken = 0;

  for (guint i = 0; i < N_WAITERS; i++)
    {
      w[i] = (Waiter) { event, -1, NULL, i, order, &n_woken };
      tasks[i] = test_spawn ("waiter", waiter_task, &w[i]);
      test_wait_blocked (tasks[i], "event");   /* queued in this order */
    }
  task9_event_set (event);
  task9_event_clear (event);
  for (guint i = 0; i < N_WAITERS; i++)
    g_assert_nonnull (test_join_ok (tasks[i]));
  g_assert_cmpuint (n_woken, ==, N_WAITERS);
  for (guint i = 0; i < N_WAITERS; i++)
    g_assert_cmpuint (order[i], ==, i);
  g_assert_false (task9_event_is_set (event));
  return NULL;
}
TEST_IN_TASK (test_event_wakes_all, wakes_all_body)

/* ---- timeout and cancellation ---------------------------------------------------- */

static gpointer
timeout_body (gpointer data, GError **error)
{
  g_autoptr(Task9Event) event = task9_event_new ();
  GError *local = NULL;
  gint64 start = g_get_monotonic_time ();
  Waiter w = { event, -1 };
  Task9Task *task;

  g_assert_false (task9_event_wait (event, 2000, NULL, &local));
  g_assert_error (local, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  g_clear_error (&local);
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 2000);

  /* The timed-out wait left nothing behind: a later waiter is the only one woken,
   * and the set is seen by it. */
  task = test_spawn ("waiter", waiter_task, &w);
  test_wait_blocked (task, "event");
  task9_event_set (event);
  g_assert_nonnull (test_join_ok (task));
  return NULL;
}
TEST_IN_TASK (test_event_timeout, timeout_body)

static gpointer
cancel_body (gpointer data, GError **error)
{
  g_autoptr(Task9Event) event = task9_event_new ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  GError *local = NULL;
  Waiter w = { event, -1, cancellable };
  Waiter plain = { event, -1 };
  Task9Task *task, *other;

  /* A GCancellable fired while waiting. */
  task = test_spawn ("waiter", waiter_task, &w);
  test_wait_blocked (task, "event");
  g_cancellable_cancel (cancellable);
  g_assert_cmpint (test_join_error_code (task, G_IO_ERROR), ==, G_IO_ERROR_CANCELLED);

  /* Already cancelled: fails at once, even when the event is set. */
  task9_event_set (event);
  g_assert_false (task9_event_wait (event, -1, cancellable, &local));
  g_assert_error (local, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&local);
  task9_event_clear (event);

  /* The task itself cancelled; a waiter behind it is still woken by the set. */
  task = test_spawn ("waiter", waiter_task, &plain);
  other = test_spawn ("other", waiter_task, &plain);
  test_wait_blocked (task, "event");
  test_wait_blocked (other, "event");
  task9_task_cancel (task);
  g_assert_cmpint (test_join_error_code (task, G_IO_ERROR), ==, G_IO_ERROR_CANCELLED);
  task9_event_set (event);
  g_assert_nonnull (test_join_ok (other));
  return NULL;
}
TEST_IN_TASK (test_event_cancel, cancel_body)

/* ---- across procs ---------------------------------------------------------------- */

#define N_PROCS 4

/* Rounds of: waiters on several procs block, another thread sets, all wake; cleared
 * for the next round. */
static void
test_event_cross_proc (void)
{
  Task9Proc *procs[N_PROCS];
  guint rounds = test_scale (50, 5);

  for (guint p = 0; p < N_PROCS; p++)
    procs[p] = test_proc_new ("event-proc");
  for (guint r = 0; r < rounds; r++)
    {
      g_autoptr(Task9Event) event = task9_event_new ();
      Waiter w = { event, test_join_bound () };
      Task9Task *tasks[N_PROCS * 4];

      for (guint i = 0; i < G_N_ELEMENTS (tasks); i++)
        tasks[i] = test_spawn_on (procs[i % N_PROCS], "waiter", waiter_task, &w);
      if (r % 2 == 0)   /* half the rounds: all queued first; the other half: racing */
        for (guint i = 0; i < G_N_ELEMENTS (tasks); i++)
          test_wait_blocked (tasks[i], "event");
      task9_event_set (event);
      for (guint i = 0; i < G_N_ELEMENTS (tasks); i++)
        g_assert_nonnull (test_join_ok (tasks[i]));
    }
  for (guint p = 0; p < N_PROCS; p++)
    test_proc_finish (procs[p]);
}

/* ---- the async face ---------------------------------------------------------------- */

typedef struct
{
  Task9Event *event;
  gboolean    returned;
  gboolean    early;
  gboolean    ok;
  GError     *error;
  gint        done;
  GMainLoop  *loop;
} AsyncWait;

static void
async_wait_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  AsyncWait *a = data;

  g_assert_true (source == G_OBJECT (a->event));
  g_assert_false (task9_in_task ());
  if (!a->returned)
    a->early = TRUE;
  a->ok = task9_event_wait_finish (a->event, result, &a->error);
  g_atomic_int_set (&a->done, 1);
  if (a->loop != NULL)
    g_main_loop_quit (a->loop);
}

static gpointer
setter_task (gpointer data, GError **error)
{
  task9_event_set (data);
  return NULL;
}

static void
test_event_async (void)
{
  g_autoptr(Task9Event) event = task9_event_new ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  Task9Proc *proc = test_proc_new ("setter");
  AsyncWait a = { event }, b = { event }, c = { event };

  /* Set by a task on another proc while a GMainLoop waits. */
  a.loop = g_main_loop_new (NULL, FALSE);
  task9_event_wait_async (event, NULL, async_wait_cb, &a);
  a.returned = TRUE;
  b.loop = NULL;
  task9_event_wait_async (event, cancellable, async_wait_cb, &b);
  b.returned = TRUE;
  g_cancellable_cancel (cancellable);   /* b gives up; a still waits */
  test_iterate_until (NULL, &b.done);
  g_assert_false (b.ok);
  g_assert_error (b.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_false (g_atomic_int_get (&a.done));
  task9_task_unref (test_spawn_on (proc, "setter", setter_task, event));
  g_main_loop_run (a.loop);
  g_assert_true (a.ok);
  g_assert_no_error (a.error);
  g_assert_false (a.early);

  /* Set already: still completes from the main loop, never inside the call. */
  task9_event_wait_async (event, NULL, async_wait_cb, &c);
  c.returned = TRUE;
  g_assert_false (g_atomic_int_get (&c.done));
  test_iterate_until (NULL, &c.done);
  g_assert_true (c.ok);
  g_assert_false (c.early);

  g_main_loop_unref (a.loop);
  g_clear_error (&b.error);
  test_proc_finish (proc);
}

/* ---- bad input ------------------------------------------------------------------- */

static void
test_event_bad_input (void)
{
  GObject *not_event = g_object_new (G_TYPE_OBJECT, NULL);

  if (g_test_subprocess ())
    {
      test_expect_critical ("*TASK9_IS_EVENT*");
      task9_event_set (NULL);
      test_expect_critical ("*TASK9_IS_EVENT*");
      task9_event_clear ((Task9Event *) not_event);
      test_expect_critical ("*TASK9_IS_EVENT*");
      g_assert_false (task9_event_is_set (NULL));
      test_expect_critical ("*TASK9_IS_EVENT*");
      g_assert_false (task9_event_wait ((Task9Event *) not_event, -1, NULL, NULL));
      test_expect_critical ("*TASK9_IS_EVENT*");
      task9_event_wait_async (NULL, NULL, NULL, NULL);
      g_test_assert_expected_messages ();
      g_object_unref (not_event);
      return;
    }
  g_object_unref (not_event);
  test_run_child ();
  g_test_trap_assert_passed ();
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/event/basic", test_event_basic);
  g_test_add_func ("/event/wakes-all", test_event_wakes_all);
  g_test_add_func ("/event/timeout", test_event_timeout);
  g_test_add_func ("/event/cancel", test_event_cancel);
  g_test_add_func ("/event/cross-proc", test_event_cross_proc);
  g_test_add_func ("/event/async", test_event_async);
  g_test_add_func ("/event/bad-input", test_event_bad_input);

  return g_test_run ();
}
