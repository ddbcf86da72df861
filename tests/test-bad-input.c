/* test-bad-input.c: bad arguments and calls made outside a task
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Bad input gets a g_return_val_if_fail() critical or a GError, never a crash or a
 * silent wrong answer; blocking calls made outside a task fail with
 * TASK9_ERROR_NOT_IN_TASK. The test thread here is no proc's (nothing adopts it as the
 * main proc), except in the child processes that test exactly that.
 */

#include "test-util.h"

/* ---- criticals ------------------------------------------------------------------- */

static void
test_bad_input_null_func (void)
{
  Task9Proc *proc = test_proc_new ("bad");
  Task9Group *group = task9_group_new ();
  GError *error = NULL;

  test_expect_critical ("*func != NULL*");
  g_assert_null (task9_task_spawn ("x", NULL, NULL, NULL, &error));
  g_test_assert_expected_messages ();
  g_assert_no_error (error);

  test_expect_critical ("*func != NULL*");
  g_assert_null (task9_task_spawn_full (proc, "x", 0, NULL, NULL, NULL, &error));
  g_test_assert_expected_messages ();

  test_expect_critical ("*func != NULL*");
  g_assert_null (task9_group_spawn (group, "x", NULL, NULL, NULL, &error));
  g_test_assert_expected_messages ();

  test_expect_critical ("*func != NULL*");
  g_assert_null (task9_group_spawn_full (group, proc, "x", 0, NULL, NULL, NULL, &error));
  g_test_assert_expected_messages ();

  test_expect_critical ("*group != NULL*");
  g_assert_null (task9_group_spawn (NULL, "x", test_return_data_task, NULL, NULL, &error));
  g_test_assert_expected_messages ();
  g_assert_no_error (error);

  /* Nothing was spawned by any of them. */
  g_assert_cmpuint (task9_proc_get_n_tasks (proc), ==, 0);
  g_assert_cmpuint (task9_group_get_n_running (group), ==, 0);
  g_assert_null (task9_proc_get_current ());

  task9_group_unref (group);
  test_proc_finish (proc);
}

static void
test_bad_input_null_objects (void)
{
  GError *error = NULL;

  test_expect_critical ("*task != NULL*");
  g_assert_null (task9_task_join (NULL, -1, &error));
  g_test_assert_expected_messages ();
  g_assert_no_error (error);

  test_expect_critical ("*task != NULL*");
  task9_task_cancel (NULL);
  g_test_assert_expected_messages ();

  test_expect_critical ("*task != NULL*");
  g_assert_null (task9_task_ref (NULL));
  g_test_assert_expected_messages ();

  test_expect_critical ("*task != NULL*");
  task9_task_unref (NULL);
  g_test_assert_expected_messages ();

  test_expect_critical ("*task != NULL*");
  g_assert_cmpuint (task9_task_get_id (NULL), ==, 0);
  g_test_assert_expected_messages ();

  test_expect_critical ("*task != NULL*");
  g_assert_null (task9_task_get_name (NULL));
  g_test_assert_expected_messages ();

  test_expect_critical ("*task != NULL*");
  g_assert_false (task9_task_is_cancelled (NULL));
  g_test_assert_expected_messages ();

  test_expect_critical ("*task != NULL*");
  g_assert_false (task9_task_is_finished (NULL));
  g_test_assert_expected_messages ();

  test_expect_critical ("*task != NULL*");
  g_assert_cmpuint (task9_task_get_stack_size (NULL), ==, 0);
  g_test_assert_expected_messages ();

  test_expect_critical ("*proc != NULL*");
  g_assert_null (task9_proc_get_name (NULL));
  g_test_assert_expected_messages ();

  test_expect_critical ("*proc != NULL*");
  g_assert_false (task9_proc_join (NULL, &error));
  g_test_assert_expected_messages ();
  g_assert_no_error (error);

  test_expect_critical ("*proc != NULL*");
  task9_proc_stop (NULL);
  g_test_assert_expected_messages ();

  test_expect_critical ("*proc != NULL*");
  task9_proc_unref (NULL);
  g_test_assert_expected_messages ();

  test_expect_critical ("*group != NULL*");
  g_assert_false (task9_group_wait (NULL, &error));
  g_test_assert_expected_messages ();

  test_expect_critical ("*group != NULL*");
  task9_group_cancel (NULL);
  g_test_assert_expected_messages ();

  test_expect_critical ("*group != NULL*");
  task9_group_unref (NULL);
  g_test_assert_expected_messages ();
}

static void
test_bad_input_error_already_set (void)
{
  Task9Proc *proc = test_proc_new ("bad");
  GError *error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED, "already set");

  test_expect_critical ("*error == NULL || *error == NULL*");
  g_assert_null (task9_task_spawn_full (proc, "x", 0, test_return_data_task, NULL, NULL, &error));
  g_test_assert_expected_messages ();

  test_expect_critical ("*error == NULL || *error == NULL*");
  g_assert_false (task9_sleep (10, &error));
  g_test_assert_expected_messages ();

  test_expect_critical ("*error == NULL || *error == NULL*");
  g_assert_null (task9_proc_new ("x", &error));
  g_test_assert_expected_messages ();

  /* The error was left alone. */
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_FAILED);
  g_clear_error (&error);
  g_assert_cmpuint (task9_proc_get_n_tasks (proc), ==, 0);
  test_proc_finish (proc);
}

static void
test_bad_input_proc_settings (void)
{
  Task9Proc *proc = test_proc_new ("bad");

  test_expect_critical ("*budget > 0*");
  task9_proc_set_time_budget (proc, 0);
  g_test_assert_expected_messages ();
  g_assert_cmpint (task9_proc_get_time_budget (proc), ==, TASK9_DEFAULT_TIME_BUDGET);

  test_expect_critical ("*budget > 0*");
  task9_proc_set_time_budget (proc, -5);
  g_test_assert_expected_messages ();

  test_expect_critical ("*stack_size*");
  task9_proc_set_stack_size (proc, 0);
  g_test_assert_expected_messages ();
  g_assert_cmpuint (task9_proc_get_stack_size (proc), ==, TASK9_DEFAULT_STACK_SIZE);

  test_expect_critical ("*stack_size*");
  task9_proc_set_stack_size (proc, G_MAXSIZE);
  g_test_assert_expected_messages ();
  g_assert_cmpuint (task9_proc_get_stack_size (proc), ==, TASK9_DEFAULT_STACK_SIZE);

  test_expect_critical ("*stack_size*");
  g_assert_null (task9_task_spawn_full (proc, "x", G_MAXSIZE, test_return_data_task, NULL, NULL,
                                        NULL));
  g_test_assert_expected_messages ();

  test_proc_finish (proc);
}

static void
test_bad_input_main_null_func (void)
{
  test_expect_critical ("*main_func != NULL*");
  g_assert_cmpint (task9_main (0, NULL, NULL), !=, 0);
  g_test_assert_expected_messages ();
}

/* ---- calls outside a task --------------------------------------------------------------- */

static void
test_bad_input_outside_task (void)
{
  GError *error = NULL;

  g_assert_false (task9_in_task ());
  g_assert_null (task9_task_self ());

  g_assert_false (task9_sleep (10, &error));
  g_assert_error (error, TASK9_ERROR, TASK9_ERROR_NOT_IN_TASK);
  g_clear_error (&error);

  g_assert_false (task9_sleep (G_MAXINT64, &error));
  g_assert_error (error, TASK9_ERROR, TASK9_ERROR_NOT_IN_TASK);
  g_clear_error (&error);

  g_assert_false (task9_sleep (0, &error));
  g_assert_error (error, TASK9_ERROR, TASK9_ERROR_NOT_IN_TASK);
  g_clear_error (&error);

  g_assert_false (task9_sleep_until (g_get_monotonic_time () + 10, &error));
  g_assert_error (error, TASK9_ERROR, TASK9_ERROR_NOT_IN_TASK);
  g_clear_error (&error);

  /* A NULL error is fine too. */
  g_assert_false (task9_sleep (10, NULL));

  g_assert_cmpuint (task9_yield (), ==, 0);

  g_assert_false (task9_check_cancelled (&error));
  g_assert_error (error, TASK9_ERROR, TASK9_ERROR_NOT_IN_TASK);
  g_clear_error (&error);

  test_expect_critical ("*task9_exit*outside a task*");
  task9_exit (NULL);
  g_test_assert_expected_messages ();

  /* None of that made this thread a proc's. */
  g_assert_null (task9_proc_get_current ());
}

/* A proc's thread outside any task: blocking calls are refused, not deadlocked. */
typedef struct
{
  Task9Task *target;
  GError    *join_error;
  GError    *sleep_error;
  GError    *check_error;
  guint      yielded;
} OnProcState;

static void
on_proc_thread (gpointer data)
{
  OnProcState *state = data;

  g_assert_false (task9_in_task ());
  g_assert_nonnull (task9_proc_get_current ());
  task9_task_join (state->target, -1, &state->join_error);
  task9_sleep (10, &state->sleep_error);
  task9_check_cancelled (&state->check_error);
  state->yielded = task9_yield ();
}

static void
test_bad_input_proc_thread_outside_task (void)
{
  Task9Proc *proc = test_proc_new ("host");
  OnProcState state = { test_spawn_on (proc, "target", test_sleep_forever_task, NULL) };

  test_invoke_sync (task9_proc_get_context (proc), on_proc_thread, &state);

  g_assert_error (state.join_error, TASK9_ERROR, TASK9_ERROR_NOT_IN_TASK);
  g_assert_error (state.sleep_error, TASK9_ERROR, TASK9_ERROR_NOT_IN_TASK);
  g_assert_error (state.check_error, TASK9_ERROR, TASK9_ERROR_NOT_IN_TASK);
  g_assert_cmpuint (state.yielded, ==, 0);
  g_clear_error (&state.join_error);
  g_clear_error (&state.sleep_error);
  g_clear_error (&state.check_error);

  task9_task_cancel (state.target);
  test_join_cancelled (state.target);
  task9_task_unref (state.target);
  test_proc_finish (proc);
}

/* The main proc cannot be joined (it never ends); asking is a programmer error. */
static void
test_bad_input_join_main_proc (void)
{
  if (g_test_subprocess ())
    {
      Task9Proc *main_proc = task9_proc_get_main ();
      GError *error = NULL;

      test_expect_critical ("*is_main*");
      g_assert_false (task9_proc_join (main_proc, &error));
      g_test_assert_expected_messages ();
      g_assert_no_error (error);
      return;
    }
  test_run_child ();
  g_test_trap_assert_passed ();
}

/* task9_main() needs the default context: another thread owning it is refused. */
typedef struct
{
  GAsyncQueue *to_thread;
  GAsyncQueue *from_thread;
} OwnerQueues;

static gpointer
own_default_context (gpointer data)
{
  GMainContext *context = g_main_context_default ();
  OwnerQueues *queues = data;

  g_assert_true (g_main_context_acquire (context));
  g_async_queue_push (queues->from_thread, GINT_TO_POINTER (1));   /* acquired */
  g_async_queue_pop (queues->to_thread);                           /* until the test tried */
  g_main_context_release (context);
  return NULL;
}

static int
never_main (int argc, char **argv)
{
  g_assert_not_reached ();
  return 0;
}

static void
test_bad_input_main_context_taken (void)
{
  if (g_test_subprocess ())
    {
      OwnerQueues queues = { g_async_queue_new (), g_async_queue_new () };
      GThread *thread = g_thread_new ("owner", own_default_context, &queues);

      g_async_queue_pop (queues.from_thread);
      test_expect_critical ("*another thread owns the default main context*");
      g_assert_cmpint (task9_main (0, NULL, never_main), ==, 1);
      g_test_assert_expected_messages ();
      g_async_queue_push (queues.to_thread, GINT_TO_POINTER (2));
      g_thread_join (thread);
      g_async_queue_unref (queues.to_thread);
      g_async_queue_unref (queues.from_thread);
      return;
    }
  test_run_child ();
  g_test_trap_assert_passed ();
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/bad-input/null-func", test_bad_input_null_func);
  g_test_add_func ("/bad-input/null-objects", test_bad_input_null_objects);
  g_test_add_func ("/bad-input/error-already-set", test_bad_input_error_already_set);
  g_test_add_func ("/bad-input/proc-settings", test_bad_input_proc_settings);
  g_test_add_func ("/bad-input/main-null-func", test_bad_input_main_null_func);
  g_test_add_func ("/bad-input/outside-task", test_bad_input_outside_task);
  g_test_add_func ("/bad-input/proc-thread-outside-task", test_bad_input_proc_thread_outside_task);
  g_test_add_func ("/bad-input/join-main-proc", test_bad_input_join_main_proc);
  g_test_add_func ("/bad-input/main-context-taken", test_bad_input_main_context_taken);

  return g_test_run ();
}
