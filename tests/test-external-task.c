/* test-external-task.c: external tasks (a binding's coroutine as a task), and the main
 * proc coming into being by itself
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The adoption tests run each in a child process of their own, where no main proc exists
 * yet: the first call of each kind of entry point that needs the current proc (timer
 * channels, idle, fd watches, external tasks) must make the test thread the main proc's,
 * with no task9_proc_get_main() first; other async calls need no proc and adopt none.
 *
 * The external task tests play the binding: they make the task, set its wait reason,
 * pass its cancellable to _async calls, and return it, while C tasks on other procs join
 * and cancel it.
 */

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test-util.h"

/* ---- the main proc comes into being by itself ---- */

static void
assert_adopted (void)
{
  g_assert_nonnull (task9_proc_get_current ());
  g_assert_true (task9_proc_get_current () == task9_proc_get_main ());
  g_assert_true (task9_proc_is_main (task9_proc_get_current ()));
}

static void
adopt_after (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(Task9Channel) after = NULL;
      g_autoptr(Task9Channel) ticker = NULL;
      g_auto(GValue) value = G_VALUE_INIT;
      gint done = 0;

      g_assert_null (task9_proc_get_current ());
      after = task9_channel_after (1000);
      g_assert_nonnull (after);
      assert_adopted ();
      ticker = task9_channel_new_ticker (1000);
      g_assert_nonnull (ticker);
      /* The tick comes: the proc's timer heap runs on this thread's loop. */
      while (!task9_channel_try_recv_value (after, &value, NULL))
        g_main_context_iteration (NULL, TRUE);
      g_assert_cmpint (g_value_get_int64 (&value), >, 0);
      task9_channel_close (ticker);
      (void) done;
      return;
    }
  test_run_child ();
  g_test_trap_assert_passed ();
  g_test_trap_assert_stderr ("");
}

static void
on_done_flag (GObject *source, GAsyncResult *result, gpointer data)
{
  GError *error = NULL;

  g_assert_true (task9_wait_idle_finish (result, &error));
  g_assert_no_error (error);
  g_atomic_int_set ((gint *) data, 1);
}

static void
adopt_idle (void)
{
  if (g_test_subprocess ())
    {
      gint done = 0;

      task9_wait_idle_async (NULL, on_done_flag, &done);
      assert_adopted ();
      test_iterate_until (NULL, &done);
      return;
    }
  test_run_child ();
  g_test_trap_assert_passed ();
  g_test_trap_assert_stderr ("");
}

static void
adopt_idle_channel (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(Task9Channel) idle = task9_idle_channel_new ();

      g_assert_nonnull (idle);
      assert_adopted ();
      task9_channel_close (idle);
      return;
    }
  test_run_child ();
  g_test_trap_assert_passed ();
  g_test_trap_assert_stderr ("");
}

static void
on_fd_ready (GObject *source, GAsyncResult *result, gpointer data)
{
  GError *error = NULL;

  g_assert_cmpuint (task9_fd_wait_finish (result, &error) & G_IO_IN, ==, G_IO_IN);
  g_assert_no_error (error);
  g_atomic_int_set ((gint *) data, 1);
}

static void
adopt_fd (void)
{
  if (g_test_subprocess ())
    {
      int fds[2];
      gint done = 0;
      g_autoptr(Task9Channel) watch = NULL;

      g_assert_cmpint (pipe (fds), ==, 0);
      watch = task9_fd_watch (fds[0], G_IO_IN);
      g_assert_nonnull (watch);
      assert_adopted ();
      task9_channel_close (watch);
      /* Now on the main proc's epoll instance. */
      task9_fd_wait_async (fds[0], G_IO_IN, NULL, on_fd_ready, &done);
      g_assert_cmpint (write (fds[1], "x", 1), ==, 1);
      test_iterate_until (NULL, &done);
      close (fds[0]);
      close (fds[1]);
      return;
    }
  test_run_child ();
  g_test_trap_assert_passed ();
  g_test_trap_assert_stderr ("");
}

static void
on_recv (GObject *source, GAsyncResult *result, gpointer data)
{
  g_auto(GValue) value = G_VALUE_INIT;
  GError *error = NULL;

  g_assert_true (task9_channel_recv_value_finish (TASK9_CHANNEL (source), result, &value, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_value_get_int (&value), ==, 7);
  g_atomic_int_set ((gint *) data, 1);
}

static void
adopt_async (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(Task9Channel) channel = task9_channel_new_typed (G_TYPE_INT, 1);
      g_auto(GValue) value = G_VALUE_INIT;
      gint done = 0;

      /* An async call needs no proc and makes none: this thread may still block in
       * a join afterwards. */
      task9_channel_recv_value_async (channel, NULL, on_recv, &done);
      g_assert_null (task9_proc_get_current ());
      g_value_init (&value, G_TYPE_INT);
      g_value_set_int (&value, 7);
      g_assert_true (task9_channel_try_send_value (channel, &value, NULL));
      test_iterate_until (NULL, &done);
      return;
    }
  test_run_child ();
  g_test_trap_assert_passed ();
  g_test_trap_assert_stderr ("");
}

static void
adopt_external (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(Task9Task) task = task9_task_new_external ("first");

      g_assert_nonnull (task);
      assert_adopted ();
      g_assert_true (task9_task_get_proc (task) == task9_proc_get_main ());
      task9_task_return_value (task, NULL);
      return;
    }
  test_run_child ();
  g_test_trap_assert_passed ();
  g_test_trap_assert_stderr ("");
}

typedef struct
{
  Task9Task *task;
  GError    *error;
  gpointer   result;
  gint       done;
} JoinAsync;

static void
on_join_async (GObject *source, GAsyncResult *result, gpointer data)
{
  JoinAsync *j = data;

  j->result = task9_task_join_finish (j->task, result, &j->error);
  g_atomic_int_set (&j->done, 1);
}

/* The test thread is the main proc's (the first external task made it so), so it joins
 * by iterating the default context; drops the reference. */
static gpointer
join_iter (Task9Task *task)
{
  JoinAsync j = { task, NULL, NULL, 0 };

  task9_task_join_async (task, NULL, on_join_async, &j);
  test_iterate_until (NULL, &j.done);
  g_assert_no_error (j.error);
  task9_task_unref (task);
  return j.result;
}

/* The test thread is a proc's and cannot block in task9_proc_join(): stop the proc and
 * let its thread end by itself. */
static void
proc_done (Task9Proc *proc)
{
  task9_proc_stop (proc);
  task9_proc_unref (proc);
}

/* ---- external tasks ---- */

static void
external_in_the_table (void)
{
  g_autoptr(Task9Task) task = task9_task_new_external ("py-printer");
  g_autofree char *table = NULL;
  g_autoptr(GPtrArray) all = NULL;
  gboolean listed = FALSE;

  g_assert_nonnull (task);
  g_assert_true (task9_task_is_external (task));
  g_assert_cmpuint (task9_task_get_id (task), >, 0);
  g_assert_cmpstr (task9_task_get_name (task), ==, "py-printer");
  g_assert_cmpint (task9_task_get_state (task), ==, TASK9_TASK_STATE_RUNNING);
  g_assert_null (task9_task_get_wait_reason (task));
  g_assert_true (G_IS_CANCELLABLE (task9_task_get_cancellable (task)));
  g_assert_cmpuint (task9_task_get_stack_size (task), ==, 0);

  task9_task_set_wait_reason (task, "recv");
  g_assert_cmpint (task9_task_get_state (task), ==, TASK9_TASK_STATE_BLOCKED);
  g_assert_cmpstr (task9_task_get_wait_reason (task), ==, "recv");
  table = task9_format_task_table ();
  g_assert_nonnull (strstr (table, "py-printer"));
  g_assert_nonnull (g_regex_match_simple ("blocked +recv +py-printer", table, 0, 0) ? table : NULL);
  all = task9_task_list_all ();
  for (guint i = 0; i < all->len; i++)
    listed |= all->pdata[i] == task;
  g_assert_true (listed);

  task9_task_set_wait_reason (task, NULL);
  g_assert_cmpint (task9_task_get_state (task), ==, TASK9_TASK_STATE_RUNNING);
  task9_task_return_value (task, NULL);
  g_assert_true (task9_task_is_finished (task));
  g_assert_cmpint (task9_task_get_state (task), ==, TASK9_TASK_STATE_FINISHED);
  g_clear_pointer (&table, g_free);
  table = task9_format_task_table ();
  g_assert_null (strstr (table, "py-printer"));
  g_assert_null (task9_task_dup_result_value (task));
}

static void
stackful_has_no_cancellable (void)
{
  Task9Proc *proc = test_proc_new ("p");
  Task9Task *task = test_spawn_on (proc, "t", test_return_data_task, NULL);

  g_assert_false (task9_task_is_external (task));
  g_assert_null (task9_task_get_cancellable (task));
  join_iter (task);
  proc_done (proc);
}

/* A C task on another proc joins the external task. */
static gpointer
joiner_task (gpointer data, GError **error)
{
  const GValue *value = task9_task_join (data, -1, error);

  return value != NULL ? GINT_TO_POINTER (g_value_get_int (value)) : NULL;
}

static void
external_joined_by_c (void)
{
  Task9Proc *proc = test_proc_new ("joiners");
  g_autoptr(Task9Task) ext = task9_task_new_external ("ext");
  Task9Task *joiner = test_spawn_on (proc, "joiner", joiner_task, ext);
  g_auto(GValue) value = G_VALUE_INIT;
  GValue *copy;

  test_wait_blocked (joiner, "join");
  g_value_init (&value, G_TYPE_INT);
  g_value_set_int (&value, 42);
  task9_task_return_value (ext, &value);
  g_assert_cmpint (GPOINTER_TO_INT (join_iter (joiner)), ==, 42);

  copy = task9_task_dup_result_value (ext);
  g_assert_cmpint (g_value_get_int (copy), ==, 42);
  g_value_unset (copy);
  g_free (copy);

  /* And joined after it ended. */
  joiner = test_spawn_on (proc, "late joiner", joiner_task, ext);
  g_assert_cmpint (GPOINTER_TO_INT (join_iter (joiner)), ==, 42);
  proc_done (proc);
}

static void
external_join_async_error (void)
{
  g_autoptr(Task9Task) ext = task9_task_new_external ("failing");
  JoinAsync j = { ext, NULL, NULL, 0 };
  g_autoptr(GError) failure = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "nope");

  task9_task_join_async (ext, NULL, on_join_async, &j);
  task9_task_return_error (ext, failure);
  test_iterate_until (NULL, &j.done);
  g_assert_error (j.error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_assert_cmpstr (j.error->message, ==, "nope");
  g_clear_error (&j.error);

  /* return_new_error, with a pointer-returning one beside it. */
  {
    g_autoptr(Task9Task) b = task9_task_new_external ("b");
    g_autoptr(Task9Task) c = task9_task_new_external ("c");
    GError *error = NULL;

    task9_task_return_new_error (b, TASK9_ERROR, TASK9_ERROR_FAILED, "ValueError: x");
    task9_task_return_pointer (c, g_strdup ("ptr"), g_free);
    j = (JoinAsync) { b, NULL, NULL, 0 };
    task9_task_join_async (b, NULL, on_join_async, &j);
    test_iterate_until (NULL, &j.done);
    g_assert_error (j.error, TASK9_ERROR, TASK9_ERROR_FAILED);
    g_clear_error (&j.error);
    j = (JoinAsync) { c, NULL, NULL, 0 };
    task9_task_join_async (c, NULL, on_join_async, &j);
    test_iterate_until (NULL, &j.done);
    g_assert_no_error (j.error);
    g_assert_cmpstr (j.result, ==, "ptr");
    (void) error;
  }
}

static void
on_recv_cancelled (GObject *source, GAsyncResult *result, gpointer data)
{
  g_auto(GValue) value = G_VALUE_INIT;
  GError *error = NULL;

  g_assert_false (task9_channel_recv_value_finish (TASK9_CHANNEL (source), result, &value, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_atomic_int_inc ((gint *) data);
}

static gpointer
canceller_task (gpointer data, GError **error)
{
  task9_task_cancel (data);
  return NULL;
}

static void
external_cancelled_by_c (void)
{
  Task9Proc *proc = test_proc_new ("canceller");
  g_autoptr(Task9Task) ext = task9_task_new_external ("victim");
  g_autoptr(Task9Channel) channel = task9_channel_new_typed (G_TYPE_INT, 1);
  GCancellable *cancellable = task9_task_get_cancellable (ext);
  gint done = 0;

  task9_task_set_wait_reason (ext, "recv");
  task9_channel_recv_value_async (channel, cancellable, on_recv_cancelled, &done);
  join_iter (test_spawn_on (proc, "canceller", canceller_task, ext));
  test_iterate_until (NULL, &done);
  g_assert_true (task9_task_is_cancelled (ext));
  g_assert_true (g_cancellable_is_cancelled (cancellable));

  /* Every later wait fails at once, and took nothing. */
  {
    g_auto(GValue) value = G_VALUE_INIT;

    g_value_init (&value, G_TYPE_INT);
    g_value_set_int (&value, 1);
    g_assert_true (task9_channel_try_send_value (channel, &value, NULL));
    task9_channel_recv_value_async (channel, cancellable, on_recv_cancelled, &done);
    while (g_atomic_int_get (&done) < 2)
      g_main_context_iteration (NULL, TRUE);
    g_assert_cmpuint (task9_channel_get_length (channel), ==, 1);
  }

  /* The coroutine ends with CANCELLED; a joiner sees it. */
  {
    GError *error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, "cancelled");
    JoinAsync j = { ext, NULL, NULL, 0 };

    task9_task_return_error (ext, error);
    g_error_free (error);
    task9_task_join_async (ext, NULL, on_join_async, &j);
    test_iterate_until (NULL, &j.done);
    g_assert_error (j.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
    g_clear_error (&j.error);
  }
  task9_task_cancel (ext);   /* a finished one: nothing */
  proc_done (proc);
}

static void
external_returned_twice (void)
{
  g_autoptr(Task9Task) ext = task9_task_new_external ("twice");

  task9_task_return_value (ext, NULL);
  test_expect_critical ("*already returned*");
  task9_task_return_new_error (ext, TASK9_ERROR, TASK9_ERROR_FAILED, "late");
  g_test_assert_expected_messages ();
  test_expect_critical ("*task != NULL*");
  task9_task_set_wait_reason (NULL, "x");
  g_test_assert_expected_messages ();
}

/* The deadlock detector of task9_main(): the main task joins an external task that a
 * plain thread (invisible to the detector) returns. Not a deadlock. */
static gint main_blocked;

static gpointer
returner_thread (gpointer data)
{
  Task9Task *ext = data;

  while (!g_atomic_int_get (&main_blocked))
    g_thread_yield ();
  g_usleep (50 * 1000);   /* leave the detector time to misjudge, if it would */
  task9_task_return_pointer (ext, GINT_TO_POINTER (5), NULL);
  return NULL;
}

static int
detector_main (int argc, char **argv)
{
  g_autoptr(Task9Task) ext = task9_task_new_external ("coroutine");
  GThread *thread;
  GError *error = NULL;
  gpointer result;

  task9_task_set_wait_reason (ext, "recv");
  thread = g_thread_new ("returner", returner_thread, ext);
  g_atomic_int_set (&main_blocked, 1);
  result = task9_task_join (ext, -1, &error);
  g_thread_join (thread);
  g_assert_no_error (error);
  return GPOINTER_TO_INT (result);
}

static void
external_alive_for_detector (void)
{
  if (g_test_subprocess ())
    {
      char *argv[] = { (char *) "test", NULL };

      exit (task9_main (1, argv, detector_main) == 5 ? 0 : 1);
    }
  test_run_child ();
  g_test_trap_assert_passed ();
  g_test_trap_assert_stderr_unmatched ("*asleep*");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/adopt/after-and-ticker", adopt_after);
  g_test_add_func ("/adopt/wait-idle-async", adopt_idle);
  g_test_add_func ("/adopt/idle-channel", adopt_idle_channel);
  g_test_add_func ("/adopt/fd", adopt_fd);
  g_test_add_func ("/adopt/async-op-needs-none", adopt_async);
  g_test_add_func ("/adopt/external-task", adopt_external);
  g_test_add_func ("/external/in-the-table", external_in_the_table);
  g_test_add_func ("/external/stackful-has-no-cancellable", stackful_has_no_cancellable);
  g_test_add_func ("/external/joined-by-c", external_joined_by_c);
  g_test_add_func ("/external/join-async-error", external_join_async_error);
  g_test_add_func ("/external/cancelled-by-c", external_cancelled_by_c);
  g_test_add_func ("/external/returned-twice", external_returned_twice);
  g_test_add_func ("/external/alive-for-deadlock-detector", external_alive_for_detector);

  return g_test_run ();
}
