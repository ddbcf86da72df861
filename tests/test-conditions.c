/* test-conditions.c: idle, GCancellable, task end and callbacks as channels
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "test-util.h"

static void
assert_try_recv_fails (Task9Channel *channel, GQuark domain, gint code)
{
  GValue value = G_VALUE_INIT;
  GError *error = NULL;

  g_assert_false (task9_channel_try_recv_value (channel, &value, &error));
  g_assert_error (error, domain, code);
  g_clear_error (&error);
  g_value_unset (&value);
}

static void
store_result (GObject *source, GAsyncResult *result, gpointer data)
{
  *(GAsyncResult **) data = g_object_ref (result);
}

/* ---- idle ----------------------------------------------------------------------- */

typedef struct
{
  gint  rounds;
  gint *counter;
  gint *stop;      /* if set: yield until it is set instead */
} Yielder;

static gpointer
yielder_task (gpointer data, GError **error)
{
  Yielder *y = data;

  if (y->stop != NULL)
    while (!g_atomic_int_get (y->stop))
      task9_yield ();
  for (gint i = 0; i < y->rounds; i++)
    {
      g_atomic_int_inc (y->counter);
      task9_yield ();
    }
  return NULL;
}

/* The idle wait returns only once every other task of the proc has run to its end. */
static gpointer
idle_after_others_body (gpointer data, GError **error)
{
  gint counter = 0;
  Yielder y = { 50, &counter, NULL };
  Task9Task *tasks[3];

  for (guint i = 0; i < G_N_ELEMENTS (tasks); i++)
    tasks[i] = test_spawn ("yielder", yielder_task, &y);
  g_assert_true (task9_wait_idle (-1, NULL, error));
  g_assert_cmpint (counter, ==, 150);
  for (guint i = 0; i < G_N_ELEMENTS (tasks); i++)
    {
      g_assert_true (task9_task_is_finished (tasks[i]));
      test_join_ok (tasks[i]);
    }
  return NULL;
}
TEST_IN_TASK (test_idle_after_others, idle_after_others_body)

static gpointer
idle_waiter_task (gpointer data, GError **error)
{
  task9_wait_idle (-1, NULL, error);
  g_atomic_int_inc ((gint *) data);
  return NULL;
}

/* Many waiters: all woken by the one idle moment. */
static gpointer
idle_many_body (gpointer data, GError **error)
{
  guint n = test_scale (200, 20);
  Task9Task **tasks = g_new (Task9Task *, n);
  gint woken = 0;

  for (guint i = 0; i < n; i++)
    tasks[i] = test_spawn ("idler", idle_waiter_task, &woken);
  for (guint i = 0; i < n; i++)
    test_join_ok (tasks[i]);
  g_assert_cmpint (woken, ==, n);
  g_free (tasks);
  return NULL;
}
TEST_IN_TASK (test_idle_many, idle_many_body)

/* A busy proc is never idle: a timeout and a cancellation end the wait, and an alt
 * takes any other ready arm first. */
static gpointer
idle_busy_body (gpointer data, GError **error)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(Task9Channel) idle = task9_idle_channel_new ();
  g_autoptr(Task9Channel) work = task9_channel_new_typed (G_TYPE_INT, 1);
  gint counter = 0, stop = 0;
  Yielder y = { 0, &counter, &stop };
  Task9Task *busy = test_spawn ("busy", yielder_task, &y);
  GError *local = NULL;
  gint64 when = 0;
  gint item = 7, got = 0;
  Task9AltArm arms[] = {
    { idle, TASK9_ALT_RECV, &when },
    { work, TASK9_ALT_RECV, &got },
  };

  g_assert_false (task9_wait_idle (2000, NULL, &local));
  g_assert_error (local, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  g_clear_error (&local);
  g_cancellable_cancel (cancellable);
  g_assert_false (task9_wait_idle (-1, cancellable, &local));
  g_assert_error (local, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&local);

  g_assert_true (task9_channel_send (work, &item, NULL));
  g_assert_cmpint (task9_alt (arms, 2, -1, NULL, &local), ==, 1);
  g_assert_no_error (local);
  g_assert_cmpint (got, ==, 7);
  assert_try_recv_fails (idle, TASK9_ERROR, TASK9_ERROR_WOULD_BLOCK);

  g_atomic_int_set (&stop, 1);
  g_assert_cmpint (task9_alt (arms, 2, -1, NULL, &local), ==, 0);
  g_assert_no_error (local);
  g_assert_cmpint (when, >, 0);
  g_assert_true (task9_task_is_finished (busy));
  test_join_ok (busy);
  return NULL;
}
TEST_IN_TASK (test_idle_busy, idle_busy_body)

static void
idle_async_done (GObject *source, GAsyncResult *result, gpointer data)
{
  Task9Channel *done = data;
  GError *error = NULL;
  gboolean ok = task9_wait_idle_finish (result, &error);
  GValue value = G_VALUE_INIT;

  g_assert_no_error (error);
  g_value_init (&value, G_TYPE_BOOLEAN);
  g_value_set_boolean (&value, ok);
  g_assert_true (task9_channel_try_send_value (done, &value, NULL));
}

/* The async form, started by a task on its proc's context, completes once the proc
 * is idle (here: once the task blocks). */
static gpointer
idle_async_body (gpointer data, GError **error)
{
  g_autoptr(Task9Channel) done = task9_channel_new_typed (G_TYPE_BOOLEAN, 1);
  gboolean ok = FALSE;

  task9_wait_idle_async (NULL, idle_async_done, done);
  g_assert_true (task9_channel_recv (done, &ok, error));
  g_assert_true (ok);
  return NULL;
}
TEST_IN_TASK (test_idle_async, idle_async_body)

static gpointer
idle_channel_off_proc (gpointer data)
{
  g_assert_null (task9_idle_channel_new ());
  return NULL;
}

static void
test_idle_bad_input (void)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  GAsyncResult *result = NULL;
  GError *error = NULL;

  g_assert_false (task9_wait_idle (-1, NULL, &error));
  g_assert_error (error, TASK9_ERROR, TASK9_ERROR_NOT_IN_TASK);
  g_clear_error (&error);

  /* Not a proc's context. */
  g_main_context_push_thread_default (context);
  task9_wait_idle_async (NULL, store_result, &result);
  while (result == NULL)
    g_main_context_iteration (context, TRUE);
  g_assert_false (task9_wait_idle_finish (result, &error));
  g_assert_error (error, TASK9_ERROR, TASK9_ERROR_NOT_IN_TASK);
  g_clear_error (&error);
  g_object_unref (result);
  g_main_context_pop_thread_default (context);

  if (g_test_undefined ())
    {
      /* A plain thread: no proc, and none to adopt (the test's first thread would
       * become the main proc's). */
      GThread *thread;

      test_expect_critical ("*proc != NULL*");
      thread = g_thread_new ("plain", idle_channel_off_proc, NULL);
      g_thread_join (thread);
      g_test_assert_expected_messages ();
    }
}

/* ---- GCancellable ---------------------------------------------------------------- */

static gpointer
cancel_thread (gpointer data)
{
  g_cancellable_cancel (data);
  return NULL;
}

static guint
n_cancelled_handlers (GCancellable *cancellable)
{
  return g_signal_has_handler_pending (cancellable, g_signal_lookup ("cancelled", G_TYPE_CANCELLABLE),
                                       0, FALSE);
}

static gpointer
cancellable_channel_body (gpointer data, GError **error)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  Task9Channel *channel = task9_cancellable_channel_new (cancellable);
  gboolean yes = FALSE;
  GThread *thread;

  /* Cancelled from another thread while the task waits. */
  assert_try_recv_fails (channel, TASK9_ERROR, TASK9_ERROR_WOULD_BLOCK);
  g_assert_true (n_cancelled_handlers (cancellable));
  thread = g_thread_new ("cancel", cancel_thread, cancellable);
  g_assert_true (task9_channel_recv (channel, &yes, error));
  g_assert_true (yes);
  g_thread_join (thread);

  /* Reset and cancelled twice more: one delivered, one counted. */
  g_cancellable_reset (cancellable);
  g_cancellable_cancel (cancellable);
  g_cancellable_reset (cancellable);
  g_cancellable_cancel (cancellable);
  g_assert_cmpuint (task9_channel_get_length (channel), ==, 1);
  g_assert_cmpuint (task9_channel_get_dropped (channel), ==, 1);

  /* Closing disconnects. */
  task9_channel_close (channel);
  g_assert_false (n_cancelled_handlers (cancellable));
  g_object_unref (channel);

  /* Already cancelled: at once. */
  channel = task9_cancellable_channel_new (cancellable);
  g_assert_cmpuint (task9_channel_get_length (channel), ==, 1);
  g_object_unref (channel);

  /* Dropping the channel disconnects. */
  g_cancellable_reset (cancellable);
  channel = task9_cancellable_channel_new (cancellable);
  g_assert_true (n_cancelled_handlers (cancellable));
  g_object_unref (channel);
  g_assert_false (n_cancelled_handlers (cancellable));
  g_cancellable_cancel (cancellable);
  return NULL;
}
TEST_IN_TASK (test_cancellable_channel, cancellable_channel_body)

static gpointer
cancel_later_task (gpointer data, GError **error)
{
  task9_yield ();
  g_cancellable_cancel (data);
  return NULL;
}

static gpointer
wait_forever_task (gpointer data, GError **error)
{
  task9_cancellable_wait (data, -1, error);
  return NULL;
}

static gpointer
cancellable_wait_body (gpointer data, GError **error)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GCancellable) never = g_cancellable_new ();
  GError *local = NULL;
  Task9Task *waiter;

  g_assert_false (task9_cancellable_wait (cancellable, 1000, &local));
  g_assert_error (local, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  g_clear_error (&local);
  g_assert_false (n_cancelled_handlers (cancellable));

  task9_task_unref (test_spawn ("canceller", cancel_later_task, cancellable));
  g_assert_true (task9_cancellable_wait (cancellable, -1, error));
  g_assert_true (task9_cancellable_wait (cancellable, 0, error));   /* already */

  /* The waiting task's own cancellation. */
  waiter = test_spawn ("waiter", wait_forever_task, never);
  test_wait_blocked (waiter, "recv");
  task9_task_cancel (waiter);
  g_assert_cmpint (test_join_error_code (waiter, G_IO_ERROR), ==, G_IO_ERROR_CANCELLED);
  g_assert_false (n_cancelled_handlers (never));
  return NULL;
}
TEST_IN_TASK (test_cancellable_wait, cancellable_wait_body)

static void
test_cancellable_async (void)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GCancellable) stop = g_cancellable_new ();
  GAsyncResult *result = NULL;
  GError *error = NULL;

  g_main_context_push_thread_default (context);

  task9_cancellable_wait_async (cancellable, NULL, store_result, &result);
  g_main_context_iteration (context, FALSE);
  g_assert_null (result);
  g_cancellable_cancel (cancellable);
  while (result == NULL)
    g_main_context_iteration (context, TRUE);
  g_assert_true (task9_cancellable_wait_finish (result, &error));
  g_assert_no_error (error);
  g_clear_object (&result);

  /* The wait's own cancellable. */
  g_cancellable_reset (cancellable);
  task9_cancellable_wait_async (cancellable, stop, store_result, &result);
  g_cancellable_cancel (stop);
  while (result == NULL)
    g_main_context_iteration (context, TRUE);
  g_assert_false (task9_cancellable_wait_finish (result, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_clear_object (&result);
  g_assert_false (n_cancelled_handlers (cancellable));

  g_main_context_pop_thread_default (context);

  g_assert_false (task9_cancellable_wait (cancellable, -1, &error));
  g_assert_error (error, TASK9_ERROR, TASK9_ERROR_NOT_IN_TASK);
  g_clear_error (&error);
}

/* ---- task end -------------------------------------------------------------------- */

static gpointer
fail_task (gpointer data, GError **error)
{
  task9_yield ();
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "nothing here");
  return NULL;
}

static gpointer
return_later_task (gpointer data, GError **error)
{
  task9_yield ();
  return data;
}

static Task9Task *
recv_task (Task9Channel *channel)
{
  GValue value = G_VALUE_INIT;
  GError *error = NULL;
  Task9Task *task;

  g_assert_true (task9_channel_recv_value (channel, &value, &error));
  g_assert_no_error (error);
  task = g_value_dup_boxed (&value);
  g_value_unset (&value);
  return task;
}

static gpointer
task_end_body (gpointer data, GError **error)
{
  Task9Task *worker = test_spawn ("worker", return_later_task, GINT_TO_POINTER (5));
  Task9Task *failer = test_spawn ("failer", fail_task, NULL);
  g_autoptr(Task9Channel) worker_end = task9_task_end_channel (worker);
  g_autoptr(Task9Channel) failer_end = task9_task_end_channel (failer);
  Task9Task *ended;
  GError *local = NULL;

  ended = recv_task (worker_end);
  g_assert_true (ended == worker);
  g_assert_cmpint (GPOINTER_TO_INT (task9_task_join (ended, 0, error)), ==, 5);
  task9_task_unref (ended);
  assert_try_recv_fails (worker_end, TASK9_ERROR, TASK9_ERROR_WOULD_BLOCK);   /* once */

  ended = recv_task (failer_end);
  g_assert_null (task9_task_join (ended, 0, &local));
  g_assert_error (local, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_clear_error (&local);
  task9_task_unref (ended);

  /* Already ended: delivered all the same. */
  {
    g_autoptr(Task9Channel) late = task9_task_end_channel (worker);

    ended = recv_task (late);
    g_assert_true (ended == worker);
    task9_task_unref (ended);
  }
  task9_task_unref (worker);
  task9_task_unref (failer);
  return NULL;
}
TEST_IN_TASK (test_task_end, task_end_body)

/* In an alt with a timeout; a dropped end channel stops watching (its join is
 * withdrawn: valgrind sees no leak) and the task still ends as it would. */
static gpointer
task_end_alt_body (gpointer data, GError **error)
{
  Task9Task *sleeper = test_spawn ("sleeper", test_gate_task, GINT_TO_POINTER (9));
  g_autoptr(Task9Channel) end = task9_task_end_channel (sleeper);
  GValue ended = G_VALUE_INIT;
  GError *local = NULL;

  for (gint round = 0; round < 2; round++)
    {
      g_autoptr(Task9Channel) timeout = task9_channel_after (round == 0 ? 1000 : G_TIME_SPAN_HOUR);
      gint64 when = 0;
      Task9AltArm arms[] = {
        { end, TASK9_ALT_RECV, &ended },
        { timeout, TASK9_ALT_RECV, &when },
      };

      if (round == 1)
        task9_task_cancel (sleeper);
      g_assert_cmpint (task9_alt (arms, 2, -1, NULL, &local), ==, round == 0 ? 1 : 0);
      g_assert_no_error (local);
    }
  g_assert_true (g_value_get_boxed (&ended) == sleeper);
  g_value_unset (&ended);
  g_assert_cmpint (GPOINTER_TO_INT (test_join_ok (task9_task_ref (sleeper))), ==, 9);
  task9_task_unref (sleeper);

  sleeper = test_spawn ("sleeper", test_gate_task, NULL);
  g_object_unref (task9_task_end_channel (sleeper));
  {
    Task9Channel *closed = task9_task_end_channel (sleeper);

    task9_channel_close (closed);
    g_object_unref (closed);
  }
  task9_task_cancel (sleeper);
  test_join_ok (sleeper);
  return NULL;
}
TEST_IN_TASK (test_task_end_alt, task_end_alt_body)

/* ---- callbacks ------------------------------------------------------------------- */

static void
invoke (GClosure *closure, gint n, const char *text)
{
  GValue args[2] = { G_VALUE_INIT, G_VALUE_INIT };

  g_value_init (&args[0], G_TYPE_INT);
  g_value_set_int (&args[0], n);
  g_value_init (&args[1], G_TYPE_STRING);
  g_value_set_string (&args[1], text);
  g_closure_invoke (closure, NULL, 2, args, NULL);
  g_value_unset (&args[0]);
  g_value_unset (&args[1]);
}

typedef struct
{
  GClosure *closure;
  gint      first;
  gint      n;
} Caller;

static gpointer
caller_thread (gpointer data)
{
  Caller *c = data;

  for (gint i = 0; i < c->n; i++)
    invoke (c->closure, c->first + i, "thread");
  return NULL;
}

static Task9Emission *
recv_emission (Task9Channel *channel)
{
  GValue value = G_VALUE_INIT;
  GError *error = NULL;
  Task9Emission *emission;

  g_assert_true (task9_channel_recv_value (channel, &value, &error));
  g_assert_no_error (error);
  emission = g_value_dup_object (&value);
  g_value_unset (&value);
  return emission;
}

static gpointer
callback_body (gpointer data, GError **error)
{
  GClosure *closure = NULL;
  guint n = test_scale (200, 20);
  g_autoptr(Task9Channel) channel = task9_callback_channel_new (n + 3, &closure);
  Caller caller = { closure, 3, n };
  GValue ret = G_VALUE_INIT;
  GThread *thread;

  for (gint i = 0; i < 3; i++)
    invoke (closure, i, "task");
  thread = g_thread_new ("caller", caller_thread, &caller);
  for (guint i = 0; i < n + 3; i++)
    {
      g_autoptr(Task9Emission) emission = recv_emission (channel);

      g_assert_null (task9_emission_get_instance (emission));
      g_assert_null (task9_emission_get_signal_name (emission));
      g_assert_cmpuint (task9_emission_get_n_values (emission), ==, 2);
      g_assert_cmpint (g_value_get_int (task9_emission_get_value (emission, 0)), ==, i);
      g_assert_cmpstr (g_value_get_string (task9_emission_get_value (emission, 1)), ==,
                       i < 3 ? "task" : "thread");
    }
  g_thread_join (thread);

  /* A return value: the type's default. */
  g_value_init (&ret, G_TYPE_INT);
  g_value_set_int (&ret, 5);
  g_closure_invoke (closure, &ret, 0, NULL, NULL);
  g_assert_cmpint (g_value_get_int (&ret), ==, 0);
  g_value_unset (&ret);
  {
    g_autoptr(Task9Emission) emission = recv_emission (channel);

    g_assert_cmpuint (task9_emission_get_n_values (emission), ==, 0);
  }

  /* Full: counted. */
  for (guint i = 0; i < n + 5; i++)
    invoke (closure, i, "many");
  g_assert_cmpuint (task9_channel_get_dropped (channel), ==, 2);

  /* Invalidated: closed once drained. */
  g_closure_invalidate (closure);
  g_assert_true (task9_channel_is_closed (channel));
  g_assert_cmpuint (task9_channel_get_length (channel), ==, n + 3);
  g_closure_unref (closure);
  return NULL;
}
TEST_IN_TASK (test_callback, callback_body)

static void
test_callback_lifetimes (void)
{
  g_autoptr(GObject) object = g_object_new (G_TYPE_OBJECT, NULL);
  GClosure *closure = NULL;
  Task9Channel *channel = task9_callback_channel_new (2, &closure);
  gpointer watch = channel;

  /* Connected to a signal: the instance is the first value. */
  {
    GParamSpec *pspec = g_param_spec_ref_sink (g_param_spec_int ("x", NULL, NULL, 0, 1, 0, G_PARAM_READWRITE));
    g_autoptr(Task9Emission) emission = NULL;

    g_signal_connect_closure (object, "notify", closure, FALSE);
    g_closure_unref (closure);   /* the signal holds it */
    g_signal_emit_by_name (object, "notify::x", pspec);
    g_param_spec_unref (pspec);
    emission = recv_emission (channel);
    g_assert_cmpuint (task9_emission_get_n_values (emission), ==, 2);
    g_assert_true (g_value_get_object (task9_emission_get_value (emission, 0)) == object);
    g_assert_true (g_value_get_param (task9_emission_get_value (emission, 1)) == pspec);
  }
  /* Disconnected: the signal drops the last reference, the closure is finalized. */
  g_assert_cmpuint (g_signal_handlers_disconnect_matched (object, G_SIGNAL_MATCH_CLOSURE, 0, 0,
                                                          closure, NULL, NULL), ==, 1);
  g_assert_true (task9_channel_is_closed (channel));
  g_object_unref (channel);

  /* The channel goes first: calls do nothing. */
  channel = task9_callback_channel_new (2, &closure);
  watch = channel;
  g_object_add_weak_pointer (G_OBJECT (channel), &watch);
  g_object_unref (channel);
  g_assert_null (watch);
  invoke (closure, 1, "nobody");
  g_closure_unref (closure);

  if (g_test_undefined ())
    {
      test_expect_critical ("*capacity*");
      g_assert_null (task9_callback_channel_new (0, &closure));
      g_test_assert_expected_messages ();
    }
}

static gpointer
async_ready_body (gpointer data, GError **error)
{
  g_autoptr(Task9Channel) ready = task9_channel_new_typed (TASK9_TYPE_EMISSION, 1);
  g_autoptr(GObject) source = g_object_new (G_TYPE_OBJECT, NULL);
  g_autoptr(Task9Emission) emission = NULL;
  GTask *task = g_task_new (source, NULL, task9_callback_async_ready, g_object_ref (ready));
  GAsyncResult *result;

  g_task_return_int (task, 42);
  g_object_unref (task);
  emission = recv_emission (ready);
  g_assert_cmpuint (task9_emission_get_n_values (emission), ==, 2);
  g_assert_true (g_value_get_object (task9_emission_get_value (emission, 0)) == source);
  result = g_value_get_object (task9_emission_get_value (emission, 1));
  g_assert_cmpint (g_task_propagate_int (G_TASK (result), error), ==, 42);
  return NULL;
}
TEST_IN_TASK (test_async_ready, async_ready_body)

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/idle/after-others", test_idle_after_others);
  g_test_add_func ("/idle/many", test_idle_many);
  g_test_add_func ("/idle/busy", test_idle_busy);
  g_test_add_func ("/idle/async", test_idle_async);
  g_test_add_func ("/idle/bad-input", test_idle_bad_input);
  g_test_add_func ("/cancellable/channel", test_cancellable_channel);
  g_test_add_func ("/cancellable/wait", test_cancellable_wait);
  g_test_add_func ("/cancellable/async", test_cancellable_async);
  g_test_add_func ("/task-end/channel", test_task_end);
  g_test_add_func ("/task-end/alt", test_task_end_alt);
  g_test_add_func ("/callback/channel", test_callback);
  g_test_add_func ("/callback/lifetimes", test_callback_lifetimes);
  g_test_add_func ("/callback/async-ready", test_async_ready);

  return g_test_run ();
}
