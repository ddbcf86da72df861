/* test-signal.c: Unix signals as channels
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A signal is routed once and delivered to every subscriber, whatever proc it runs on;
 * a full subscription counts its drops exactly; a wait that times out or is cancelled
 * leaves no subscription (nor GLib source) behind; signals the library cannot route are
 * a clear error. Signals are sent with kill (getpid ()). The kernel and GLib merge a
 * signal sent while the same one is pending, so every test that counts sends the next
 * one only after the library's route has dispatched the previous one (a private
 * counter), and no test sleeps: each waits for a state.
 *
 * Every test ends with no subscription: the signals it used are back at their default
 * action, so a stray delivery would end the test program (loudly).
 */

#include <signal.h>
#include <sys/types.h>
#include <unistd.h>

#include "test-util.h"
#include "task9-signal-private.h"

static void
send_signal (int signum)
{
  g_assert_cmpint (kill (getpid (), signum), ==, 0);
}

/* Sends @signum and waits (yielding in a task, else yielding the thread) until the
 * library's route has dispatched it. */
static void
send_signal_and_wait (int signum)
{
  guint64 before = task9_signal_get_n_deliveries (signum);

  send_signal (signum);
  while (task9_signal_get_n_deliveries (signum) == before)
    {
      if (task9_in_task ())
        task9_yield ();
      else
        g_thread_yield ();
    }
}

static void
assert_unsubscribed (int signum)
{
  g_assert_cmpuint (task9_signal_get_n_subscribers (signum), ==, 0);
  g_assert_false (task9_signal_is_routed (signum));
}

/* ---- delivery to every subscriber ------------------------------------------------- */

typedef struct
{
  int           signum;
  Task9Channel *channel;   /* subscribed by the task */
  gint          got;
} Subscriber;

static gpointer
subscriber_task (gpointer data, GError **error)
{
  Subscriber *s = data;

  g_assert_true (task9_channel_recv_full (s->channel, &s->got, test_join_bound (), NULL, error));
  return NULL;
}

/* Two tasks on two procs, one SIGUSR1: both get it; ending both subscriptions stops
 * the route. */
static void
test_signal_every_subscriber (void)
{
  Task9Proc *procs[2] = { test_proc_new ("a"), test_proc_new ("b") };
  Subscriber subs[2];
  Task9Task *tasks[2];
  GError *error = NULL;

  for (guint i = 0; i < 2; i++)
    {
      subs[i].signum = SIGUSR1;
      subs[i].got = 0;
      subs[i].channel = task9_signal_subscribe (SIGUSR1, 1, &error);
      g_assert_no_error (error);
      g_assert_true (task9_channel_get_elem_type (subs[i].channel) == G_TYPE_INT);
      tasks[i] = test_spawn_on (procs[i], "subscriber", subscriber_task, &subs[i]);
    }
  g_assert_cmpuint (task9_signal_get_n_subscribers (SIGUSR1), ==, 2);
  test_wait_blocked (tasks[0], "recv");
  test_wait_blocked (tasks[1], "recv");

  send_signal (SIGUSR1);
  for (guint i = 0; i < 2; i++)
    {
      test_join_ok (tasks[i]);
      g_assert_cmpint (subs[i].got, ==, SIGUSR1);
      g_assert_cmpuint (task9_channel_get_dropped (subs[i].channel), ==, 0);
      g_object_unref (subs[i].channel);
      test_proc_finish (procs[i]);
    }
  assert_unsubscribed (SIGUSR1);
}

/* ---- drops ------------------------------------------------------------------------ */

static gpointer
drops_body (gpointer data, GError **error)
{
  const guint n = 6;
  Task9Channel *channel = task9_signal_subscribe (SIGUSR2, 1, error);
  gint got = 0;

  g_assert_nonnull (channel);
  for (guint i = 0; i < n; i++)
    {
      send_signal_and_wait (SIGUSR2);
      /* The first fills the one slot; each later one is dropped, and counted. */
      g_assert_cmpuint (task9_channel_get_length (channel), ==, 1);
      g_assert_cmpuint (task9_channel_get_dropped (channel), ==, i);
    }
  g_assert_true (task9_channel_try_recv (channel, &got, error));
  g_assert_cmpint (got, ==, SIGUSR2);
  g_assert_cmpuint (task9_channel_get_dropped (channel), ==, n - 1);

  /* With room again, the next one is delivered. */
  send_signal_and_wait (SIGUSR2);
  g_assert_true (task9_channel_try_recv (channel, &got, error));
  g_assert_cmpuint (task9_channel_get_dropped (channel), ==, n - 1);

  g_object_unref (channel);
  assert_unsubscribed (SIGUSR2);
  return NULL;
}

TEST_IN_TASK (test_signal_drops, drops_body)

/* A bigger buffer holds that many deliveries before it drops. */
static gpointer
buffered_body (gpointer data, GError **error)
{
  Task9Channel *channel = task9_signal_subscribe (SIGUSR2, 3, error);
  gint got = 0;

  for (guint i = 0; i < 5; i++)
    send_signal_and_wait (SIGUSR2);
  g_assert_cmpuint (task9_channel_get_length (channel), ==, 3);
  g_assert_cmpuint (task9_channel_get_dropped (channel), ==, 2);
  for (guint i = 0; i < 3; i++)
    {
      g_assert_true (task9_channel_try_recv (channel, &got, error));
      g_assert_cmpint (got, ==, SIGUSR2);
    }
  g_object_unref (channel);
  assert_unsubscribed (SIGUSR2);
  return NULL;
}

TEST_IN_TASK (test_signal_buffered, buffered_body)

/* ---- bad input -------------------------------------------------------------------- */

static void
test_signal_unsupported (void)
{
  const int bad[] = { SIGKILL, SIGSEGV, SIGSTOP, SIGCHLD, SIGPIPE, 0, -1, 999 };
  const int good[] = { SIGHUP, SIGINT, SIGTERM, SIGUSR1, SIGUSR2, SIGWINCH };

  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    g_assert_true (task9_signal_is_supported (good[i]));
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      GError *error = NULL;

      g_assert_false (task9_signal_is_supported (bad[i]));
      g_assert_null (task9_signal_subscribe (bad[i], 1, &error));
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
      g_clear_error (&error);
      g_assert_cmpuint (task9_signal_get_n_subscribers (bad[i]), ==, 0);
    }
}

static gpointer
wait_unsupported_body (gpointer data, GError **error)
{
  GError *local = NULL;

  g_assert_false (task9_signal_wait (SIGKILL, -1, NULL, &local));
  g_assert_error (local, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_clear_error (&local);
  return NULL;
}

TEST_IN_TASK (test_signal_wait_unsupported, wait_unsupported_body)

static void
test_signal_wait_not_in_task (void)
{
  GError *error = NULL;

  g_assert_false (task9_signal_wait (SIGUSR1, 0, NULL, &error));
  g_assert_error (error, TASK9_ERROR, TASK9_ERROR_NOT_IN_TASK);
  g_clear_error (&error);
  assert_unsubscribed (SIGUSR1);
}

/* ---- task9_signal_wait ------------------------------------------------------------ */

static gpointer
wait_timeout_body (gpointer data, GError **error)
{
  GError *local = NULL;

  g_assert_false (task9_signal_wait (SIGHUP, 10 * G_TIME_SPAN_MILLISECOND, NULL, &local));
  g_assert_error (local, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  g_clear_error (&local);
  assert_unsubscribed (SIGHUP);
  return NULL;
}

TEST_IN_TASK (test_signal_wait_timeout, wait_timeout_body)

static gpointer
waiter_task (gpointer data, GError **error)
{
  task9_signal_wait (GPOINTER_TO_INT (data), -1, NULL, error);
  return NULL;
}

static gpointer
cancellable_waiter_task (gpointer data, GError **error)
{
  task9_signal_wait (SIGHUP, -1, data, error);
  return NULL;
}

/* Cancelled by a GCancellable, or by cancelling the task: no subscription left. */
static gpointer
wait_cancel_body (gpointer data, GError **error)
{
  GCancellable *cancellable = g_cancellable_new ();
  Task9Task *task = test_spawn ("waiter", cancellable_waiter_task, cancellable);

  test_wait_blocked (task, "recv");
  g_assert_cmpuint (task9_signal_get_n_subscribers (SIGHUP), ==, 1);
  g_cancellable_cancel (cancellable);
  g_assert_cmpint (test_join_error_code (task, G_IO_ERROR), ==, G_IO_ERROR_CANCELLED);
  assert_unsubscribed (SIGHUP);
  g_object_unref (cancellable);

  task = test_spawn ("waiter", waiter_task, GINT_TO_POINTER (SIGHUP));
  test_wait_blocked (task, "recv");
  task9_task_cancel (task);
  g_assert_cmpint (test_join_error_code (task, G_IO_ERROR), ==, G_IO_ERROR_CANCELLED);
  assert_unsubscribed (SIGHUP);
  return NULL;
}

TEST_IN_TASK (test_signal_wait_cancel, wait_cancel_body)

static void
test_signal_wait_delivered (void)
{
  Task9Proc *proc = test_proc_new ("waiter");
  Task9Task *task = test_spawn_on (proc, "waiter", waiter_task, GINT_TO_POINTER (SIGUSR1));

  test_wait_blocked (task, "recv");
  send_signal (SIGUSR1);
  test_join_ok (task);
  assert_unsubscribed (SIGUSR1);
  test_proc_finish (proc);
}

/* ---- the async pair --------------------------------------------------------------- */

typedef struct
{
  gint      done;
  gboolean  ok;
  GError   *error;
} AsyncWait;

static void
async_waited (GObject *source, GAsyncResult *result, gpointer user_data)
{
  AsyncWait *wait = user_data;

  g_assert_null (source);
  /* The wait's subscription has ended by the time its callback runs. */
  g_assert_cmpuint (task9_signal_get_n_subscribers (SIGUSR1), ==, 0);
  g_assert_cmpuint (task9_signal_get_n_subscribers (SIGTERM), ==, 0);
  wait->ok = task9_signal_wait_finish (result, &wait->error);
  g_atomic_int_set (&wait->done, 1);
}

/* From the test thread's main context: the subscription is made by the _async call, so
 * a signal sent right after it is not missed. */
static void
test_signal_wait_async (void)
{
  AsyncWait wait = { 0, };

  task9_signal_wait_async (SIGUSR1, NULL, async_waited, &wait);
  g_assert_cmpuint (task9_signal_get_n_subscribers (SIGUSR1), ==, 1);
  send_signal (SIGUSR1);
  test_iterate_until (NULL, &wait.done);
  g_assert_no_error (wait.error);
  g_assert_true (wait.ok);
  assert_unsubscribed (SIGUSR1);
}

static void
test_signal_wait_async_cancel (void)
{
  AsyncWait wait = { 0, };
  GCancellable *cancellable = g_cancellable_new ();

  task9_signal_wait_async (SIGTERM, cancellable, async_waited, &wait);
  g_assert_cmpuint (task9_signal_get_n_subscribers (SIGTERM), ==, 1);
  g_cancellable_cancel (cancellable);
  test_iterate_until (NULL, &wait.done);
  g_assert_error (wait.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_false (wait.ok);
  g_clear_error (&wait.error);
  assert_unsubscribed (SIGTERM);

  /* A bad signal fails through the callback, never inside the call. */
  wait.done = 0;
  task9_signal_wait_async (SIGSEGV, NULL, async_waited, &wait);
  g_assert_false (g_atomic_int_get (&wait.done));
  test_iterate_until (NULL, &wait.done);
  g_assert_error (wait.error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_clear_error (&wait.error);
  g_object_unref (cancellable);
}

/* ---- in an alt -------------------------------------------------------------------- */

static gpointer
alt_task (gpointer data, GError **error)
{
  Task9Channel *other = task9_channel_new_typed (G_TYPE_INT, 0);
  Task9Channel *winch = task9_signal_subscribe (SIGWINCH, 1, error);
  gint from_other = 0, from_signal = 0;
  Task9AltArm arms[] = {
    { other, TASK9_ALT_RECV, &from_other, FALSE },
    { winch, TASK9_ALT_RECV, &from_signal, FALSE },
  };
  gint *fired = data;

  *fired = task9_alt (arms, G_N_ELEMENTS (arms), test_join_bound (), NULL, error);
  g_assert_cmpint (from_signal, ==, SIGWINCH);
  g_assert_cmpint (from_other, ==, 0);
  g_object_unref (other);
  g_object_unref (winch);
  return NULL;
}

/* A signal arrives while the task waits in an alt with another channel. */
static void
test_signal_in_alt (void)
{
  Task9Proc *proc = test_proc_new ("alt");
  gint fired = -1;
  Task9Task *task = test_spawn_on (proc, "alt", alt_task, &fired);

  test_wait_blocked (task, "alt");
  send_signal (SIGWINCH);
  test_join_ok (task);
  g_assert_cmpint (fired, ==, 1);
  assert_unsubscribed (SIGWINCH);
  test_proc_finish (proc);
}

/* ---- closing ---------------------------------------------------------------------- */

/* A closed subscription gets nothing more, and is forgotten; the others still get it. */
static gpointer
closed_body (gpointer data, GError **error)
{
  Task9Channel *closed = task9_signal_subscribe (SIGUSR2, 1, error);
  Task9Channel *open = task9_signal_subscribe (SIGUSR2, 1, error);
  gint got = 0;

  task9_channel_close (closed);
  g_assert_cmpuint (task9_signal_get_n_subscribers (SIGUSR2), ==, 1);
  send_signal_and_wait (SIGUSR2);
  g_assert_true (task9_channel_try_recv (open, &got, error));
  g_assert_cmpint (got, ==, SIGUSR2);
  g_assert_cmpuint (task9_channel_get_length (closed), ==, 0);
  g_assert_cmpuint (task9_channel_get_dropped (closed), ==, 0);

  task9_channel_close (open);
  assert_unsubscribed (SIGUSR2);
  g_object_unref (open);
  g_object_unref (closed);
  return NULL;
}

TEST_IN_TASK (test_signal_closed, closed_body)

/* Closing (not dropping) a subscription's channel ends it at once: the last close
 * destroys the route's source before anything else happens (is_routed() looks without
 * changing anything), and what the channel had buffered can still be received. */
static gpointer
close_unroutes_body (gpointer data, GError **error)
{
  Task9Channel *a = task9_signal_subscribe (SIGUSR2, 1, error);
  Task9Channel *b = task9_signal_subscribe (SIGUSR2, 1, error);
  gint got = 0;

  g_assert_true (task9_signal_is_routed (SIGUSR2));
  send_signal_and_wait (SIGUSR2);

  task9_channel_close (a);
  g_assert_true (task9_signal_is_routed (SIGUSR2));
  g_assert_cmpuint (task9_signal_get_n_subscribers (SIGUSR2), ==, 1);

  task9_channel_close (b);
  g_assert_false (task9_signal_is_routed (SIGUSR2));
  g_assert_cmpuint (task9_signal_get_n_subscribers (SIGUSR2), ==, 0);

  /* Both still hold the delivery they got before the close. */
  g_assert_true (task9_channel_try_recv (a, &got, error));
  g_assert_cmpint (got, ==, SIGUSR2);
  got = 0;
  g_assert_true (task9_channel_try_recv (b, &got, error));
  g_assert_cmpint (got, ==, SIGUSR2);

  /* Dropping a closed channel does not unsubscribe twice. */
  g_object_unref (a);
  g_object_unref (b);
  assert_unsubscribed (SIGUSR2);
  return NULL;
}

TEST_IN_TASK (test_signal_close_unroutes, close_unroutes_body)

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/signal/every-subscriber", test_signal_every_subscriber);
  g_test_add_func ("/signal/drops", test_signal_drops);
  g_test_add_func ("/signal/buffered", test_signal_buffered);
  g_test_add_func ("/signal/unsupported", test_signal_unsupported);
  g_test_add_func ("/signal/wait-unsupported", test_signal_wait_unsupported);
  g_test_add_func ("/signal/wait-not-in-task", test_signal_wait_not_in_task);
  g_test_add_func ("/signal/wait-timeout", test_signal_wait_timeout);
  g_test_add_func ("/signal/wait-cancel", test_signal_wait_cancel);
  g_test_add_func ("/signal/wait-delivered", test_signal_wait_delivered);
  g_test_add_func ("/signal/wait-async", test_signal_wait_async);
  g_test_add_func ("/signal/wait-async-cancel", test_signal_wait_async_cancel);
  g_test_add_func ("/signal/in-alt", test_signal_in_alt);
  g_test_add_func ("/signal/closed", test_signal_closed);
  g_test_add_func ("/signal/close-unroutes", test_signal_close_unroutes);

  return g_test_run ();
}
