/* test-timer-channel.c: task9_channel_after() and tickers
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * after() delivers the time once, never before its span, into a one-slot buffer where it
 * waits for a late receiver. A ticker delivers periodically on a fixed schedule (no
 * drift: a late tick does not push the later ones back), drops ticks nobody takes instead
 * of piling them up, and stops when closed. Both need a proc's thread. Times are checked
 * as lower bounds and as upper bounds with generous slack; the drift check compares a
 * ticker's schedule after many deliberately late ticks with its start.
 */

#include "test-util.h"

static gint64
recv_time (Task9Channel *channel, GError **error)
{
  gint64 t = -1;

  g_assert_true (task9_channel_recv (channel, &t, error));
  return t;
}

/* ---- after ----------------------------------------------------------------------------- */

static gpointer
after_once_body (gpointer data, GError **error)
{
  const GTimeSpan span = 20 * G_TIME_SPAN_MILLISECOND;
  gint64 start = g_get_monotonic_time ();
  Task9Channel *after = task9_channel_after (span);
  GError *local = NULL;
  gint64 t, now;

  g_assert_nonnull (after);
  g_assert_cmpuint (task9_channel_get_elem_size (after), ==, sizeof (gint64));
  g_assert_cmpuint (task9_channel_get_capacity (after), ==, 1);

  t = recv_time (after, error);
  now = g_get_monotonic_time ();
  /* Never before the span; the value is the time it fired. */
  g_assert_cmpint (t, >=, start + span);
  g_assert_cmpint (now, >=, t);
  g_assert_cmpint (now, <, start + span + test_late_slack ());

  /* Once: nothing more comes. */
  g_assert_false (task9_channel_recv_full (after, &t, 3 * span, NULL, &local));
  g_assert_error (local, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  g_clear_error (&local);
  g_assert_false (task9_channel_is_closed (after));

  g_object_unref (after);
  return NULL;
}

TEST_IN_TASK (test_after_once, after_once_body)

/* A tick nobody waited for stays in the buffer: after the later timer has fired, the
 * earlier one's tick is there at once. */
static gpointer
after_buffered_body (gpointer data, GError **error)
{
  gint64 start = g_get_monotonic_time ();
  Task9Channel *early = task9_channel_after (5 * G_TIME_SPAN_MILLISECOND);
  Task9Channel *late = task9_channel_after (40 * G_TIME_SPAN_MILLISECOND);
  GError *local = NULL;
  gint64 t_early = -1, t_late;

  t_late = recv_time (late, error);
  g_assert_cmpint (t_late, >=, start + 40 * G_TIME_SPAN_MILLISECOND);
  g_assert_cmpuint (task9_channel_get_length (early), ==, 1);
  g_assert_true (task9_channel_try_recv (early, &t_early, error));
  g_assert_cmpint (t_early, >=, start + 5 * G_TIME_SPAN_MILLISECOND);
  g_assert_cmpint (t_early, <, t_late);
  g_assert_false (task9_channel_try_recv (early, &t_early, &local));
  g_assert_error (local, TASK9_ERROR, TASK9_ERROR_WOULD_BLOCK);
  g_clear_error (&local);

  g_object_unref (early);
  g_object_unref (late);
  return NULL;
}

TEST_IN_TASK (test_after_buffered, after_buffered_body)

static gpointer
after_zero_body (gpointer data, GError **error)
{
  gint64 start = g_get_monotonic_time ();
  Task9Channel *zero = task9_channel_after (0);
  Task9Channel *negative = task9_channel_after (-G_TIME_SPAN_SECOND);

  g_assert_cmpint (recv_time (zero, error), >=, start);
  g_assert_cmpint (recv_time (negative, error), >=, start);
  g_assert_cmpint (g_get_monotonic_time () - start, <, test_late_slack ());
  g_object_unref (zero);
  g_object_unref (negative);
  return NULL;
}

TEST_IN_TASK (test_after_zero, after_zero_body)

/* As the timeout arm of an alt; a never-ready channel in the other arm. Many timers
 * at once fire in deadline order (the times they deliver say so). */
static gpointer
after_alt_body (gpointer data, GError **error)
{
  Task9Channel *never = test_chan_new (0);
  gint64 start = g_get_monotonic_time ();
  Task9Channel *timeout = task9_channel_after (15 * G_TIME_SPAN_MILLISECOND);
  gint64 v = -1, t = -1;
  Task9AltArm arms[2] = { { never, TASK9_ALT_RECV, &v, FALSE },
                          { timeout, TASK9_ALT_RECV, &t, FALSE } };
  Task9Channel *timers[8];
  Task9AltArm many[8];
  gint64 times[8];
  guint fired = 0;

  g_assert_cmpint (task9_alt (arms, 2, -1, NULL, error), ==, 1);
  g_assert_cmpint (t, >=, start + 15 * G_TIME_SPAN_MILLISECOND);
  g_assert_cmpint (v, ==, -1);

  /* Eight timers, shortest last, all received through one alt. */
  for (guint i = 0; i < 8; i++)
    {
      timers[i] = task9_channel_after ((8 - i) * 3 * G_TIME_SPAN_MILLISECOND);
      many[i] = (Task9AltArm) { timers[i], TASK9_ALT_RECV, &times[i], FALSE };
    }
  while (fired < 8)
    {
      gint i = task9_alt (many, 8, -1, NULL, error);

      g_assert_cmpint (i, >=, 0);
      many[i].op = TASK9_ALT_NOP;
      fired++;
    }
  for (guint i = 0; i < 8; i++)
    {
      if (i > 0)
        g_assert_cmpint (times[i], <=, times[i - 1]);
      g_object_unref (timers[i]);
    }

  g_object_unref (never);
  g_object_unref (timeout);
  return NULL;
}

TEST_IN_TASK (test_after_alt, after_alt_body)

/* Made by a callback on a proc's context (not a task), received by a task on another
 * proc. */
typedef struct
{
  Task9Channel *channel;
  gint64        made;
} MadeOnProc;

static void
make_after_cb (gpointer data)
{
  MadeOnProc *m = data;

  g_assert_false (task9_in_task ());
  m->made = g_get_monotonic_time ();
  m->channel = task9_channel_after (10 * G_TIME_SPAN_MILLISECOND);
}

static gpointer
recv_after_task (gpointer data, GError **error)
{
  MadeOnProc *m = data;
  gint64 t = recv_time (m->channel, error);

  g_assert_cmpint (t, >=, m->made + 10 * G_TIME_SPAN_MILLISECOND);
  return NULL;
}

static void
test_after_cross_proc (void)
{
  Task9Proc *maker = test_proc_new ("maker");
  Task9Proc *receiver = test_proc_new ("receiver");
  MadeOnProc m = { NULL, 0 };

  test_invoke_sync (task9_proc_get_context (maker), make_after_cb, &m);
  g_assert_nonnull (m.channel);
  test_join_ok (test_spawn_on (receiver, "receiver", recv_after_task, &m));
  g_object_unref (m.channel);
  test_proc_finish (maker);
  test_proc_finish (receiver);
}

/* Off a proc's thread there is no timer heap: a critical and NULL. */
static gpointer
off_proc_thread (gpointer data)
{
  g_assert_null (task9_proc_get_current ());
  g_assert_null (task9_channel_after (G_TIME_SPAN_MILLISECOND));
  g_assert_null (task9_channel_new_ticker (G_TIME_SPAN_MILLISECOND));
  return NULL;
}

static void
test_timer_off_proc (void)
{
  GThread *thread;

  /* The test's first thread is not refused: it becomes the main proc's (in a child,
   * so the rest of this program's tests keep a thread that is no proc's). */
  if (g_test_subprocess ())
    {
      g_autoptr(Task9Channel) after = task9_channel_after (G_TIME_SPAN_MILLISECOND);

      g_assert_nonnull (after);
      g_assert_true (task9_proc_get_current () == task9_proc_get_main ());
      return;
    }
  test_run_child ();
  g_test_trap_assert_passed ();

  /* A plain thread gets a critical and NULL (expected messages are process-wide). */
  g_assert_null (task9_proc_get_current ());
  test_expect_critical ("*proc != NULL*");
  test_expect_critical ("*proc != NULL*");
  thread = g_thread_new ("plain", off_proc_thread, NULL);
  g_thread_join (thread);
  g_test_assert_expected_messages ();
}

static gpointer
bad_period_body (gpointer data, GError **error)
{
  test_expect_critical ("*period > 0*");
  g_assert_null (task9_channel_new_ticker (0));
  g_test_assert_expected_messages ();
  test_expect_critical ("*period > 0*");
  g_assert_null (task9_channel_new_ticker (-5));
  g_test_assert_expected_messages ();
  return NULL;
}

TEST_IN_TASK (test_ticker_bad_period, bad_period_body)

/* ---- tickers ---------------------------------------------------------------------------- */

static gpointer
ticker_periodic_body (gpointer data, GError **error)
{
  const GTimeSpan period = test_is_slow_runtime () ? 30 * G_TIME_SPAN_MILLISECOND
                                                   : 10 * G_TIME_SPAN_MILLISECOND;
  gint64 start = g_get_monotonic_time ();
  Task9Channel *ticker = task9_channel_new_ticker (period);
  gint64 made = g_get_monotonic_time ();
  gint64 last = 0;

  g_assert_nonnull (ticker);
  g_assert_cmpuint (task9_channel_get_capacity (ticker), ==, 1);
  for (guint k = 1; k <= 10; k++)
    {
      gint64 t = recv_time (ticker, error);

      /* Tick k is due at (creation + k periods), and never early. */
      g_assert_cmpint (t, >=, start + k * period);
      g_assert_cmpint (t, >, last);
      last = t;
    }
  /* Ten ticks take about ten periods, not more (unless ticks were dropped because this
   * thread was descheduled for a whole period, which the slack allows). */
  g_assert_cmpint (last, <, made + 10 * period + test_late_slack ());
  task9_channel_close (ticker);
  g_object_unref (ticker);
  return NULL;
}

TEST_IN_TASK (test_ticker_periodic, ticker_periodic_body)

/* No drift: after every second tick the receiving task keeps its proc's thread busy (a
 * long computation, simulated by blocking the thread) until one period plus D after
 * that tick, so the next tick fires about D late. A ticker that schedules its next tick
 * at now + period carries each delay forward: over N ticks it loses about D * N / 2,
 * that is N * D / (2 * period) = 6 whole periods here. One that keeps deadline +=
 * period loses none: every period that passed is a tick received or a tick counted as
 * dropped (task9_channel_get_dropped() counts those whose time passed while the proc
 * was busy). That accounting is exact whatever the machine's load, unlike the ticks'
 * lateness, so it is what the test checks; lateness is only reported. */
static gpointer
ticker_no_drift_body (gpointer data, GError **error)
{
  const GTimeSpan period = 20 * G_TIME_SPAN_MILLISECOND;
  const GTimeSpan delay = 10 * G_TIME_SPAN_MILLISECOND;
  const guint n = 24;
  gint64 before = g_get_monotonic_time ();
  Task9Channel *ticker = task9_channel_new_ticker (period);
  gint64 after = g_get_monotonic_time ();
  gint64 t = before;
  guint64 dropped;

  for (guint j = 1; j <= n; j++)
    {
      gint64 previous = t;

      t = recv_time (ticker, error);
      /* The j-th tick received is for slot j or a later one: never early. */
      g_assert_cmpint (t, >=, before + (gint64) j * period);
      g_assert_cmpint (t, >, previous);

      if (j % 2 == 0)
        {
          gint64 until = t + period + delay;
          gint64 now = g_get_monotonic_time ();

          /* Blocks the proc's thread, as a long computation would; this waits for
           * nothing, it makes the next tick late. */
          if (until > now)
            g_usleep (until - now);
        }
    }
  dropped = task9_channel_get_dropped (ticker);
  g_test_message ("%u ticks received, %" G_GUINT64_FORMAT " dropped, the last %"
                  G_GINT64_FORMAT " us after its slot", n, dropped,
                  (t - after) % period);
  /* Every slot up to the last tick received was received or dropped. */
  g_assert_cmpint ((gint64) n + (gint64) dropped, >=, (t - after) / period);
  /* And no slot was counted twice. */
  g_assert_cmpint ((gint64) n + (gint64) dropped, <=, (t - before) / period + 1);

  task9_channel_close (ticker);
  g_object_unref (ticker);
  return NULL;
}

/* Every scheduled tick is received or counted as dropped: the ones that found the slot
 * full and the ones whose time passed while the proc was busy. */
static gpointer
ticker_dropped_body (gpointer data, GError **error)
{
  const GTimeSpan period = G_TIME_SPAN_MILLISECOND;
  gint64 before = g_get_monotonic_time ();
  Task9Channel *ticker = task9_channel_new_ticker (period);
  gint64 after = g_get_monotonic_time ();
  gint64 t1, t2, busy_until = after + 30 * period;
  GValue value = G_VALUE_INIT;
  guint64 dropped;

  g_assert_cmpuint (task9_channel_get_elem_type (ticker), ==, G_TYPE_INT64);
  g_assert_cmpuint (task9_channel_get_dropped (ticker), ==, 0);
  /* Busy without receiving: one tick waits in the slot, the rest are dropped. */
  task9_yield ();
  while (g_get_monotonic_time () < busy_until)
    task9_yield ();   /* the timers of this proc fire between yields */
  t1 = recv_time (ticker, error);
  g_assert_true (task9_channel_recv_value (ticker, &value, error));   /* typed: gint64 */
  t2 = g_value_get_int64 (&value);
  dropped = task9_channel_get_dropped (ticker);
  g_test_message ("t1 %" G_GINT64_FORMAT " t2 %" G_GINT64_FORMAT " dropped %" G_GUINT64_FORMAT,
                  t1 - after, t2 - after, dropped);
  /* t2 is the tick of the last slot at or before it; every slot up to it was received
   * (t1, t2) or dropped. */
  g_assert_cmpint ((gint64) dropped + 2, >=, (t2 - after) / period);
  g_assert_cmpint ((gint64) dropped + 2, <=, (t2 - before) / period);
  g_assert_cmpuint (dropped, >=, 20);

  task9_channel_close (ticker);
  g_object_unref (ticker);
  return NULL;
}

TEST_IN_TASK (test_ticker_dropped, ticker_dropped_body)

static void
test_ticker_no_drift (void)
{
  run_in_task_ok (ticker_no_drift_body, NULL);
}

/* A receiver that does not receive for ten periods finds one tick, not ten; and the
 * ticker is still on its schedule. */
static gpointer
ticker_slow_receiver_body (gpointer data, GError **error)
{
  const GTimeSpan period = test_is_slow_runtime () ? 20 * G_TIME_SPAN_MILLISECOND
                                                   : 5 * G_TIME_SPAN_MILLISECOND;
  gint64 start = g_get_monotonic_time ();
  Task9Channel *ticker = task9_channel_new_ticker (period);
  gint64 made = g_get_monotonic_time ();
  GError *local = NULL;
  gint64 t0, t1 = -1, t2;

  t0 = recv_time (ticker, error);
  g_assert_cmpint (t0, >=, start + period);

  /* Not receiving for ten periods is the point here (a slow consumer), not a wait for
   * something to happen. It ends half-way between two ticks (11 and 12), so that what
   * follows does not race with one. */
  g_assert_true (task9_sleep_until (made + 23 * period / 2, error));

  g_assert_cmpuint (task9_channel_get_length (ticker), ==, 1);
  g_assert_true (task9_channel_try_recv (ticker, &t1, error));
  g_assert_cmpint (t1, >, t0);
  /* No backlog: the other nine ticks were dropped, not queued. */
  g_assert_false (task9_channel_try_recv (ticker, &t2, &local));
  g_assert_error (local, TASK9_ERROR, TASK9_ERROR_WOULD_BLOCK);
  g_clear_error (&local);

  /* The next tick comes within a period (plus slack), and still on the schedule. */
  {
    gint64 asked = g_get_monotonic_time ();

    t2 = recv_time (ticker, error);
    g_assert_cmpint (t2, <, asked + period + test_late_slack ());
    g_assert_cmpint (t2, >=, start + 12 * period);
  }

  task9_channel_close (ticker);
  g_object_unref (ticker);
  return NULL;
}

TEST_IN_TASK (test_ticker_slow_receiver, ticker_slow_receiver_body)

/* Closing stops a ticker: the timer lets go of the channel at its next tick, so the
 * channel is finalized; a receiver blocked on it is woken with CLOSED. */
static gpointer
ticker_close_body (gpointer data, GError **error)
{
  const GTimeSpan period = 2 * G_TIME_SPAN_MILLISECOND;
  Task9Channel *ticker = task9_channel_new_ticker (period);
  Task9Channel *slow = task9_channel_new_ticker (G_TIME_SPAN_HOUR);
  TestPeer blocked = { slow, FALSE };
  gpointer weak = ticker;
  GError *local = NULL;
  Task9Task *receiver;
  gint64 t;

  recv_time (ticker, error);
  recv_time (ticker, error);
  task9_channel_close (ticker);
  /* What was buffered may still be received; then closed. */
  while (task9_channel_try_recv (ticker, &t, &local))
    ;
  g_assert_error (local, TASK9_ERROR, TASK9_ERROR_CLOSED);
  g_clear_error (&local);

  g_object_add_weak_pointer (G_OBJECT (ticker), &weak);
  g_object_unref (ticker);
  /* The timer still holds it until its next tick, which finds it closed. */
  while (weak != NULL)
    task9_yield ();

  /* A receiver blocked on a ticker that is closed. */
  receiver = test_spawn ("receiver", test_peer_task, &blocked);
  test_wait_blocked (receiver, "recv");
  task9_channel_close (slow);
  g_assert_cmpint (test_join_error_code (receiver, TASK9_ERROR), ==, TASK9_ERROR_CLOSED);
  /* This one's timer is an hour away: it lets go when its proc ends (valgrind and
   * LeakSanitizer see a leak otherwise). */
  g_object_unref (slow);
  return NULL;
}

TEST_IN_TASK (test_ticker_close, ticker_close_body)

/* Tickers and timers still pending when their proc ends are freed with it. */
static gpointer
abandon_timers_body (gpointer data, GError **error)
{
  Task9Channel *ticker = task9_channel_new_ticker (G_TIME_SPAN_MILLISECOND);
  Task9Channel *after = task9_channel_after (G_TIME_SPAN_HOUR);
  gpointer *weak = data;

  recv_time (ticker, error);
  weak[0] = ticker;
  weak[1] = after;
  g_object_add_weak_pointer (G_OBJECT (ticker), &weak[0]);
  g_object_add_weak_pointer (G_OBJECT (after), &weak[1]);
  g_object_unref (ticker);   /* not closed: it ticks on into its full buffer */
  g_object_unref (after);
  return NULL;
}

static void
test_timer_abandoned (void)
{
  gpointer weak[2] = { NULL, NULL };

  run_in_task_ok (abandon_timers_body, weak);
  /* run_in_task() stopped and joined the proc. */
  g_assert_null (weak[0]);
  g_assert_null (weak[1]);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/timer/after/once", test_after_once);
  g_test_add_func ("/timer/after/buffered", test_after_buffered);
  g_test_add_func ("/timer/after/zero", test_after_zero);
  g_test_add_func ("/timer/after/alt", test_after_alt);
  g_test_add_func ("/timer/after/cross-proc", test_after_cross_proc);
  g_test_add_func ("/timer/off-proc", test_timer_off_proc);
  g_test_add_func ("/timer/ticker/bad-period", test_ticker_bad_period);
  g_test_add_func ("/timer/ticker/periodic", test_ticker_periodic);
  g_test_add_func ("/timer/ticker/dropped", test_ticker_dropped);
  g_test_add_func ("/timer/ticker/no-drift", test_ticker_no_drift);
  g_test_add_func ("/timer/ticker/slow-receiver", test_ticker_slow_receiver);
  g_test_add_func ("/timer/ticker/close", test_ticker_close);
  g_test_add_func ("/timer/abandoned", test_timer_abandoned);

  return g_test_run ();
}
