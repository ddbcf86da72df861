/* test-alt.c: alt: mixed arms, repeated channels, NOP and closed arms, non-blocking use,
 * timeouts, cancellation, losing arms that consume nothing, fairness, many arms, and the
 * Task9Alt object
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * An alt performs exactly one of its arms. The rule most worth a stress test is that a
 * losing arm never consumes a message (libdex's first(receive, receive) loses them): two
 * partners on other procs complete two arms at nearly the same time, and afterwards one
 * of the messages was taken by the alt and the other is still there for a plain receive.
 * "No effect" after a timeout or a cancellation is checked the same way: no stale waiter
 * is left to take an element or deliver one.
 */

#include <math.h>
#include <string.h>

#include "test-util.h"

#define LONG_WAIT (10 * G_TIME_SPAN_SECOND)   /* a bound on waits that must end much sooner */

static Task9AltArm
arm_recv (Task9Channel *channel, gint64 *value)
{
  return (Task9AltArm) { channel, TASK9_ALT_RECV, value, FALSE };
}

static Task9AltArm
arm_send (Task9Channel *channel, gint64 *value)
{
  return (Task9AltArm) { channel, TASK9_ALT_SEND, value, FALSE };
}

static Task9AltArm
arm_nop (void)
{
  return (Task9AltArm) { NULL, TASK9_ALT_NOP, NULL, FALSE };
}

/* ---- non-blocking, outside any task ------------------------------------------------- */

static void
test_alt_nonblocking (void)
{
  Task9Channel *a = test_chan_new (1), *b = test_chan_new (1);
  GError *error = NULL;
  gint64 va = -1, vb = -1, one = 1, five = 5;
  Task9AltArm arms[2];
  gint fired;

  g_assert_null (task9_proc_get_current ());

  /* Nothing ready: would block, and nothing changed. */
  arms[0] = arm_recv (a, &va);
  arms[1] = arm_recv (b, &vb);
  g_assert_cmpint (task9_alt (arms, 2, 0, NULL, &error), ==, -1);
  g_assert_error (error, TASK9_ERROR, TASK9_ERROR_WOULD_BLOCK);
  g_clear_error (&error);
  g_assert_cmpint (va, ==, -1);
  g_assert_cmpint (vb, ==, -1);

  /* Blocking outside a task is refused. */
  g_assert_cmpint (task9_alt (arms, 2, -1, NULL, &error), ==, -1);
  g_assert_error (error, TASK9_ERROR, TASK9_ERROR_NOT_IN_TASK);
  g_clear_error (&error);

  /* Only B is ready. */
  g_assert_true (task9_channel_try_send (b, &five, &error));
  arms[1].closed = TRUE;   /* stale from an earlier use: cleared when the arm fires */
  fired = task9_alt (arms, 2, 0, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (fired, ==, 1);
  g_assert_cmpint (vb, ==, 5);
  g_assert_cmpint (va, ==, -1);
  g_assert_false (arms[1].closed);
  g_assert_cmpuint (task9_channel_get_length (b), ==, 0);

  /* A send arm with room next to a receive arm with nothing. */
  arms[0] = arm_send (a, &one);
  arms[1] = arm_recv (b, &vb);
  fired = task9_alt (arms, 2, 0, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (fired, ==, 0);
  g_assert_cmpuint (task9_channel_get_length (a), ==, 1);
  /* Now A is full and B empty. */
  g_assert_cmpint (task9_alt (arms, 2, 0, NULL, &error), ==, -1);
  g_assert_error (error, TASK9_ERROR, TASK9_ERROR_WOULD_BLOCK);
  g_clear_error (&error);
  g_assert_cmpuint (task9_channel_get_length (a), ==, 1);

  g_object_unref (a);
  g_object_unref (b);
}

/* ---- blocking with mixed arms ------------------------------------------------------- */

typedef struct
{
  Task9AltArm *arms;
  guint        n_arms;
  GTimeSpan    timeout;
  GCancellable *cancellable;
  gint         fired;
  GError      *error;
} AltJob;

static gpointer
alt_job_task (gpointer data, GError **error)
{
  AltJob *job = data;

  job->fired = task9_alt (job->arms, job->n_arms, job->timeout, job->cancellable, &job->error);
  return NULL;
}

/* An alt blocked on recv A, send B, a NOP and recv C; a partner on another proc takes
 * B's element, so arm 1 fires; A and C keep no waiter. Then a partner sends on C: arm 3
 * fires and B's send arm delivered nothing more. */
static void
test_alt_mixed_blocking (void)
{
  Task9Proc *p = test_proc_new ("alt"), *q = test_proc_new ("partner");
  Task9Channel *a = test_chan_new (0), *b = test_chan_new (0), *c = test_chan_new (0);
  gint64 va = -1, vb = 7, vc = -1;
  Task9AltArm arms[4] = { arm_recv (a, &va), arm_send (b, &vb), arm_nop (), arm_recv (c, &vc) };
  AltJob job = { arms, 4, -1, NULL, -2, NULL };
  TestPeer partner = { b, FALSE, -1, TRUE, LONG_WAIT };
  Task9Task *alt, *other;

  alt = test_spawn_on (p, "alt", alt_job_task, &job);
  partner.wait_for = alt;
  other = test_spawn_on (q, "receiver", test_peer_task, &partner);
  test_join_ok (other);
  test_join_ok (alt);
  g_assert_no_error (job.error);
  g_assert_cmpint (job.fired, ==, 1);
  g_assert_cmpint (partner.elem, ==, 7);
  g_assert_false (arms[1].closed);
  g_assert_cmpint (va, ==, -1);
  g_assert_cmpint (vc, ==, -1);
  test_assert_no_waiters (a);
  test_assert_no_waiters (b);
  test_assert_no_waiters (c);

  job.fired = -2;
  vb = 8;
  alt = test_spawn_on (p, "alt", alt_job_task, &job);
  partner = (TestPeer) { c, TRUE, 33, TRUE, LONG_WAIT, NULL, alt };
  other = test_spawn_on (q, "sender", test_peer_task, &partner);
  test_join_ok (other);
  test_join_ok (alt);
  g_assert_no_error (job.error);
  g_assert_cmpint (job.fired, ==, 3);
  g_assert_cmpint (vc, ==, 33);
  g_assert_cmpint (va, ==, -1);
  /* The losing send arm on B left nothing behind that a receiver could take. */
  test_assert_no_waiters (a);
  test_assert_no_waiters (b);
  test_assert_no_waiters (c);

  g_object_unref (a);
  g_object_unref (b);
  g_object_unref (c);
  test_proc_finish (p);
  test_proc_finish (q);
}

/* ---- the same channel in several arms ----------------------------------------------- */

typedef struct
{
  Task9Channel *channel;
  gint64        send_value;
  gint64        received;
  gint          fired;
  Task9Task    *wait_for;
} SendRecvAlt;

/* alt { send channel, recv channel } */
static gpointer
send_recv_alt_task (gpointer data, GError **error)
{
  SendRecvAlt *s = data;
  Task9AltArm arms[2] = { arm_send (s->channel, &s->send_value),
                          arm_recv (s->channel, &s->received) };

  if (s->wait_for != NULL)
    test_wait_blocked (s->wait_for, "alt");
  s->fired = task9_alt (arms, 2, LONG_WAIT, NULL, error);
  return NULL;
}

static gpointer
same_channel_body (gpointer data, GError **error)
{
  Task9Channel *buffered = test_chan_new (1), *unbuffered = test_chan_new (0);
  gint64 v0 = -1, v1 = -1, x = 4;
  Task9AltArm arms[2];
  gint fired;

  /* Two receive arms on one channel holding one element: one fires, once. */
  g_assert_true (task9_channel_try_send (buffered, &x, error));
  arms[0] = arm_recv (buffered, &v0);
  arms[1] = arm_recv (buffered, &v1);
  fired = task9_alt (arms, 2, 0, NULL, error);
  g_assert_cmpint (fired, >=, 0);
  g_assert_cmpint (fired == 0 ? v0 : v1, ==, 4);
  g_assert_cmpint (fired == 0 ? v1 : v0, ==, -1);
  g_assert_cmpuint (task9_channel_get_length (buffered), ==, 0);

  /* Send and receive arms on one buffered channel: empty, only the send can go ... */
  {
    gint64 out = 9, in = -1;

    arms[0] = arm_send (buffered, &out);
    arms[1] = arm_recv (buffered, &in);
    g_assert_cmpint (task9_alt (arms, 2, 0, NULL, error), ==, 0);
    g_assert_cmpuint (task9_channel_get_length (buffered), ==, 1);
    /* ... full, only the receive. */
    g_assert_cmpint (task9_alt (arms, 2, 0, NULL, error), ==, 1);
    g_assert_cmpint (in, ==, 9);
    g_assert_cmpuint (task9_channel_get_length (buffered), ==, 0);
  }

  /* Two blocked receive arms on one unbuffered channel: one send fires one of them, and
   * neither is left queued. */
  {
    AltJob job = { arms, 2, -1, NULL, -2, NULL };
    Task9Task *alt;

    v0 = v1 = -1;
    arms[0] = arm_recv (unbuffered, &v0);
    arms[1] = arm_recv (unbuffered, &v1);
    alt = test_spawn ("alt", alt_job_task, &job);
    test_wait_blocked (alt, "alt");
    x = 12;
    g_assert_true (task9_channel_send (unbuffered, &x, error));
    test_join_ok (alt);
    g_assert_no_error (job.error);
    g_assert_cmpint (job.fired, >=, 0);
    g_assert_cmpint (job.fired == 0 ? v0 : v1, ==, 12);
    g_assert_cmpint (job.fired == 0 ? v1 : v0, ==, -1);
    test_assert_no_waiters (unbuffered);
  }

  /* Two tasks each alt { send, recv } on one unbuffered channel: they meet, one sends
   * and the other receives, never the same task both. */
  for (guint round = 0; round < 20; round++)
    {
      SendRecvAlt x1 = { unbuffered, 100, -1, -2, NULL };
      SendRecvAlt x2 = { unbuffered, 200, -1, -2, NULL };
      Task9Task *t1 = test_spawn ("x1", send_recv_alt_task, &x1), *t2;

      x2.wait_for = t1;
      t2 = test_spawn ("x2", send_recv_alt_task, &x2);
      test_join_ok (t1);
      test_join_ok (t2);
      g_assert_cmpint (x1.fired, >=, 0);
      g_assert_cmpint (x2.fired, >=, 0);
      g_assert_cmpint (x1.fired, !=, x2.fired);
      if (x1.fired == 0)
        {
          g_assert_cmpint (x2.received, ==, 100);
          g_assert_cmpint (x1.received, ==, -1);
        }
      else
        {
          g_assert_cmpint (x1.received, ==, 200);
          g_assert_cmpint (x2.received, ==, -1);
        }
      test_assert_no_waiters (unbuffered);
    }

  g_object_unref (buffered);
  g_object_unref (unbuffered);
  return NULL;
}

TEST_IN_TASK (test_alt_same_channel, same_channel_body)

/* ---- alts that contend for locks ----------------------------------------------------- */

/* Receivers on two procs alt over the same two unbuffered channels in opposite orders,
 * one of them with a channel in two arms, while senders on both procs feed them: an
 * alt that finds a lock taken must back off and lock in address order, and a channel
 * named twice must stay locked until all its arms are queued. Every value must arrive
 * exactly once. */

typedef struct
{
  Task9Channel *a;
  Task9Channel *b;
  guint         n;              /* values per sender */
  gint         *seen;           /* per value, atomically */
} Contention;

typedef struct
{
  Contention   *c;
  Task9Channel *channel;
  gint64        first;          /* sends first, first + 2, ... */
  gboolean      reversed;       /* receiver: arms { b, a } instead of { a, b, a } */
} ContentionRole;

static gpointer
contention_sender (gpointer data, GError **error)
{
  ContentionRole *role = data;

  for (guint i = 0; i < role->c->n; i++)
    {
      gint64 value = role->first + 2 * (gint64) i;

      if (!task9_channel_send (role->channel, &value, error))
        return NULL;
    }
  return NULL;
}

static gpointer
contention_receiver (gpointer data, GError **error)
{
  ContentionRole *role = data;
  Contention *c = role->c;
  gint64 value = -1;
  Task9AltArm forward[3] = { arm_recv (c->a, &value), arm_recv (c->b, &value),
                             arm_recv (c->a, &value) };
  Task9AltArm backward[2] = { arm_recv (c->b, &value), arm_recv (c->a, &value) };
  Task9AltArm *arms = role->reversed ? backward : forward;
  guint n_arms = role->reversed ? 2 : 3;

  for (;;)
    {
      gint fired = task9_alt (arms, n_arms, -1, NULL, error);

      if (fired < 0)
        return NULL;
      if (arms[fired].closed)
        return NULL;
      g_assert_cmpint (value, >=, 0);
      g_assert_cmpint (value, <, 2 * (gint64) c->n);
      g_atomic_int_inc (&c->seen[value]);
    }
}

static void
test_alt_contention (void)
{
  Task9Proc *procs[2] = { test_proc_new ("contention-1"), test_proc_new ("contention-2") };
  Contention c = { test_chan_new (0), test_chan_new (0), test_scale (20000, 2000), NULL };
  ContentionRole senders[2] = { { &c, c.a, 0, FALSE }, { &c, c.b, 1, FALSE } };
  ContentionRole receivers[2] = { { &c, NULL, 0, FALSE }, { &c, NULL, 0, TRUE } };
  Task9Task *tasks[4];
  GError *error = NULL;

  c.seen = g_new0 (gint, 2 * c.n);
  for (guint i = 0; i < 2; i++)
    {
      tasks[i] = test_spawn_on (procs[i], "receiver", contention_receiver, &receivers[i]);
      tasks[2 + i] = test_spawn_on (procs[1 - i], "sender", contention_sender, &senders[i]);
    }
  for (guint i = 2; i < 4; i++)
    {
      task9_task_join (tasks[i], -1, &error);
      g_assert_no_error (error);
    }
  task9_channel_close (c.a);
  task9_channel_close (c.b);
  for (guint i = 0; i < 2; i++)
    {
      task9_task_join (tasks[i], -1, &error);
      g_assert_no_error (error);
    }

  for (guint v = 0; v < 2 * c.n; v++)
    if (c.seen[v] != 1)
      g_error ("value %u received %d times", v, c.seen[v]);

  for (guint i = 0; i < 4; i++)
    task9_task_unref (tasks[i]);
  for (guint i = 0; i < 2; i++)
    test_proc_finish (procs[i]);
  g_object_unref (c.a);
  g_object_unref (c.b);
  g_free (c.seen);
}

/* ---- NOP arms ----------------------------------------------------------------------- */

static gpointer
nop_body (gpointer data, GError **error)
{
  Task9Channel *channel = test_chan_new (1);
  Task9AltArm arms[3] = { arm_nop (), arm_nop (), arm_nop () };
  GCancellable *cancellable = g_cancellable_new ();
  GError *local = NULL;
  gint64 value = -1, x = 3, start;

  /* Only NOP arms: never fires. */
  g_assert_cmpint (task9_alt (arms, 3, 0, NULL, &local), ==, -1);
  g_assert_error (local, TASK9_ERROR, TASK9_ERROR_WOULD_BLOCK);
  g_clear_error (&local);
  start = g_get_monotonic_time ();
  g_assert_cmpint (task9_alt (arms, 3, 10 * G_TIME_SPAN_MILLISECOND, NULL, &local), ==, -1);
  g_assert_error (local, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  g_clear_error (&local);
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 10 * G_TIME_SPAN_MILLISECOND);
  g_cancellable_cancel (cancellable);
  g_assert_cmpint (task9_alt (arms, 3, -1, cancellable, &local), ==, -1);
  g_assert_error (local, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&local);

  /* A NOP arm (even one naming a channel) is skipped; the real arm fires. */
  g_assert_true (task9_channel_try_send (channel, &x, error));
  arms[0] = (Task9AltArm) { channel, TASK9_ALT_NOP, NULL, FALSE };
  arms[1] = arm_recv (channel, &value);
  for (guint i = 0; i < 20; i++)
    {
      g_assert_cmpint (task9_alt (arms, 3, 0, NULL, error), ==, 1);
      g_assert_cmpint (value, ==, 3);
      g_assert_true (task9_channel_try_send (channel, &x, error));
    }

  g_object_unref (cancellable);
  g_object_unref (channel);
  return NULL;
}

TEST_IN_TASK (test_alt_nop, nop_body)

/* ---- closed arms -------------------------------------------------------------------- */

static gpointer
closed_body (gpointer data, GError **error)
{
  Task9Channel *open = test_chan_new (0), *closed = test_chan_new (2);
  gint64 v = -1, w = -1, x = 5;
  Task9AltArm arms[2];

  /* Closed with an element: the receive arm gets it, not "closed". */
  g_assert_true (task9_channel_try_send (closed, &x, error));
  task9_channel_close (closed);
  arms[0] = arm_recv (open, &v);
  arms[1] = arm_recv (closed, &w);
  g_assert_cmpint (task9_alt (arms, 2, 0, NULL, error), ==, 1);
  g_assert_false (arms[1].closed);
  g_assert_cmpint (w, ==, 5);

  /* Closed and drained: ready, with closed set and the destination untouched. */
  w = -1;
  g_assert_cmpint (task9_alt (arms, 2, -1, NULL, error), ==, 1);
  g_assert_true (arms[1].closed);
  g_assert_cmpint (w, ==, -1);

  /* A send arm on a closed channel fires with closed set and sends nothing. */
  arms[0] = arm_recv (open, &v);
  arms[1] = arm_send (closed, &x);
  g_assert_cmpint (task9_alt (arms, 2, -1, NULL, error), ==, 1);
  g_assert_true (arms[1].closed);
  g_assert_cmpuint (task9_channel_get_length (closed), ==, 0);
  test_assert_no_waiters (open);

  g_object_unref (open);
  g_object_unref (closed);
  return NULL;
}

TEST_IN_TASK (test_alt_closed, closed_body)

/* A blocked alt is woken by the close of one of its channels: that arm fires with
 * closed set, the others are withdrawn. For a send arm, nothing was delivered. */
static gpointer
closed_wakes_body (gpointer data, GError **error)
{
  for (guint send = 0; send < 2; send++)
    {
      Task9Channel *a = test_chan_new (0), *b = test_chan_new (0);
      gint64 va = -1, vb = 6;
      Task9AltArm arms[2] = { arm_recv (a, &va),
                              send ? arm_send (b, &vb) : arm_recv (b, &vb) };
      AltJob job = { arms, 2, -1, NULL, -2, NULL };
      Task9Task *alt = test_spawn ("alt", alt_job_task, &job);

      test_wait_blocked (alt, "alt");
      task9_channel_close (b);
      test_join_ok (alt);
      g_assert_no_error (job.error);
      g_assert_cmpint (job.fired, ==, 1);
      g_assert_true (arms[1].closed);
      g_assert_false (arms[0].closed);
      g_assert_cmpint (va, ==, -1);
      g_assert_cmpint (vb, ==, 6);
      test_assert_no_waiters (a);
      g_object_unref (a);
      g_object_unref (b);
    }
  return NULL;
}

TEST_IN_TASK (test_alt_closed_wakes, closed_wakes_body)

/* ---- timeout and cancellation: no effect on any channel ------------------------------ */

static gpointer
timeout_body (gpointer data, GError **error)
{
  Task9Channel *a = test_chan_new (0), *b = test_chan_new (0), *full = test_chan_new (1);
  gint64 va = -1, vb = 2, vf = 3, x = 1;
  Task9AltArm arms[3] = { arm_recv (a, &va), arm_send (b, &vb), arm_send (full, &vf) };
  GError *local = NULL;
  gint64 start, elapsed;
  const GTimeSpan timeout = 30 * G_TIME_SPAN_MILLISECOND;

  g_assert_true (task9_channel_try_send (full, &x, error));
  start = g_get_monotonic_time ();
  g_assert_cmpint (task9_alt (arms, 3, timeout, NULL, &local), ==, -1);
  elapsed = g_get_monotonic_time () - start;
  g_assert_error (local, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  g_clear_error (&local);
  g_assert_cmpint (elapsed, >=, timeout);
  g_assert_cmpint (elapsed, <, timeout + test_late_slack ());

  g_assert_cmpint (va, ==, -1);
  test_assert_no_waiters (a);
  test_assert_no_waiters (b);
  g_assert_cmpuint (task9_channel_get_length (full), ==, 1);
  g_assert_true (task9_channel_try_recv (full, &x, error));
  g_assert_cmpint (x, ==, 1);

  g_object_unref (a);
  g_object_unref (b);
  g_object_unref (full);
  return NULL;
}

TEST_IN_TASK (test_alt_timeout, timeout_body)

static gpointer
cancel_before_body (gpointer data, GError **error)
{
  Task9Channel *ready = test_chan_new (1);
  GCancellable *cancellable = g_cancellable_new ();
  gint64 v = -1, x = 4;
  Task9AltArm arms[1] = { arm_recv (ready, &v) };
  GError *local = NULL;

  g_assert_true (task9_channel_try_send (ready, &x, error));
  g_cancellable_cancel (cancellable);
  g_assert_cmpint (task9_alt (arms, 1, -1, cancellable, &local), ==, -1);
  g_assert_error (local, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&local);
  g_assert_cmpint (task9_alt (arms, 1, 0, cancellable, &local), ==, -1);
  g_assert_error (local, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&local);
  g_assert_cmpint (v, ==, -1);
  g_assert_cmpuint (task9_channel_get_length (ready), ==, 1);

  g_object_unref (cancellable);
  g_object_unref (ready);
  return NULL;
}

TEST_IN_TASK (test_alt_cancel_before, cancel_before_body)

/* Blocked on receive and send arms, cancelled from the test thread (a GCancellable,
 * then task9_task_cancel()): fails with G_IO_ERROR_CANCELLED, no waiter left behind. */
static void
test_alt_cancel_during (void)
{
  Task9Proc *proc = test_proc_new ("alt");

  for (guint how = 0; how < 2; how++)
    for (guint round = 0; round < test_scale (10, 2); round++)
      {
        Task9Channel *a = test_chan_new (0), *b = test_chan_new (0);
        gint64 va = -1, vb = 2;
        Task9AltArm arms[2] = { arm_recv (a, &va), arm_send (b, &vb) };
        AltJob job = { arms, 2, -1, how == 0 ? g_cancellable_new () : NULL, -2, NULL };
        Task9Task *alt = test_spawn_on (proc, "alt", alt_job_task, &job);

        test_wait_blocked (alt, "alt");
        if (how == 0)
          g_cancellable_cancel (job.cancellable);
        else
          task9_task_cancel (alt);
        test_join_ok (alt);
        g_assert_cmpint (job.fired, ==, -1);
        g_assert_error (job.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
        g_clear_error (&job.error);
        g_assert_cmpint (va, ==, -1);
        test_assert_no_waiters (a);
        test_assert_no_waiters (b);
        g_clear_object (&job.cancellable);
        g_object_unref (a);
        g_object_unref (b);
      }
  test_proc_finish (proc);
}

/* ---- a losing arm never consumes a message (stress) ----------------------------------- */

/* One alter on one proc, two partners on two others. Round r: the alter alts over its
 * two arms; both partners complete an operation on "their" channel at nearly the same
 * moment. Exactly one arm fires; the alter then does the other operation plainly, which
 * must meet the other partner: had the losing arm consumed (or delivered) a message, the
 * plain operation would time out, or a partner would see the wrong value.
 *
 * Three ways to start a round's partners:
 *  - odd rounds: the alter wakes both (a "go" channel each) just before it alts: a
 *    natural race with its blocking;
 *  - every third odd round, it also waits until both are blocked, so both arms are
 *    ready at once and the alt chooses;
 *  - even rounds: a "hog" task on the alter's proc waits until the alter is blocked in
 *    the alt, wakes both partners, and then keeps the proc's thread busy until both
 *    partners' operations have either completed or blocked. The alter cannot withdraw
 *    its losing arm meanwhile, so the second partner always finds it still queued, and
 *    only the claim keeps it from taking (or delivering) a message there. */
typedef enum
{
  LOSING_RECV_RECV,   /* alt { recv A, recv B } against two senders */
  LOSING_SEND_SEND,   /* alt { send A, send B } against two receivers */
  LOSING_RECV_SEND,   /* alt { recv A, send B } against a sender and a receiver */
} LosingKind;

typedef struct
{
  LosingKind    kind;
  Task9Channel *channels[2];
  Task9Channel *go[2];
  guint         rounds;
  GTimeSpan     wait;           /* the bound on the plain operations */
  Task9Task    *alter;
  Task9Task    *partners[2];
  gint          alter_round;    /* the round the alter is in */
  gint          op_round[2];    /* the round whose operation partner i is in */
  gint          op_done[2];     /* 1 + the last round whose operation partner i finished */
  guint         fired[2];       /* how often each arm won */
  guint         failures;
} Losing;

static gboolean
arm_is_send (LosingKind kind, guint i)
{
  return kind == LOSING_SEND_SEND || (kind == LOSING_RECV_SEND && i == 1);
}

static void
losing_go (Losing *l, gint r)
{
  for (guint i = 0; i < 2; i++)
    {
      gint64 go = r;

      g_assert_true (task9_channel_try_send (l->go[i], &go, NULL));
    }
}

static gpointer
losing_alter (gpointer data, GError **error)
{
  Losing *l = data;
  GError *local = NULL;

  for (gint r = 0; r < (gint) l->rounds; r++)
    {
      gint64 values[2] = { -1, -1 };
      Task9AltArm arms[2];
      gint fired;
      guint other;

      for (guint i = 0; i < 2; i++)
        {
          if (arm_is_send (l->kind, i))
            values[i] = ((gint64) r << 2) | i;
          arms[i] = arm_is_send (l->kind, i) ? arm_send (l->channels[i], &values[i])
                                             : arm_recv (l->channels[i], &values[i]);
        }
      g_atomic_int_set (&l->alter_round, r);
      if (r % 2 == 1)
        {
          losing_go (l, r);
          if (r % 3 == 0)
            for (guint i = 0; i < 2; i++)
              {
                while (g_atomic_int_get (&l->op_round[i]) != r)
                  task9_yield ();
                test_wait_blocked (l->partners[i], NULL);
              }
        }

      fired = task9_alt (arms, 2, LONG_WAIT, NULL, &local);
      if (fired < 0)
        {
          g_test_message ("round %d: alt failed: %s", r, local->message);
          g_clear_error (&local);
          l->failures++;
          break;
        }
      l->fired[fired]++;
      if (!arm_is_send (l->kind, fired) && values[fired] != (((gint64) r << 2) | fired))
        l->failures++;

      /* The other operation, plainly: the other partner must still be there. */
      other = 1 - fired;
      if (arm_is_send (l->kind, other))
        {
          gint64 late = ((gint64) r << 2) | 2 | other;

          if (!task9_channel_send_full (l->channels[other], &late, l->wait, NULL, &local))
            {
              g_test_message ("round %d: the losing send arm's partner is gone (it took the "
                              "losing arm's element): %s", r, local->message);
              g_clear_error (&local);
              l->failures++;
              break;
            }
        }
      else
        {
          gint64 late = -1;

          if (!task9_channel_recv_full (l->channels[other], &late, l->wait, NULL, &local))
            {
              g_test_message ("round %d: the losing receive arm's message is gone: %s", r,
                              local->message);
              g_clear_error (&local);
              l->failures++;
              break;
            }
          if (late != (((gint64) r << 2) | other))
            l->failures++;
        }
    }
  g_atomic_int_set (&l->alter_round, G_MAXINT);
  for (guint i = 0; i < 2; i++)
    task9_channel_close (l->go[i]);
  return NULL;
}

/* Partner @i has finished round @r's operation, or is blocked in it. */
static gboolean
partner_settled (Losing *l, guint i, gint r)
{
  return g_atomic_int_get (&l->op_done[i]) == r + 1 ||
         (g_atomic_int_get (&l->op_round[i]) == r &&
          task9_task_get_state (l->partners[i]) == TASK9_TASK_STATE_BLOCKED);
}

static gpointer
losing_hog (gpointer data, GError **error)
{
  Losing *l = data;

  for (gint r = 0; r < (gint) l->rounds; r += 2)
    {
      const char *reason;

      /* Until the alter is blocked in round r's alt. */
      for (;;)
        {
          gint round = g_atomic_int_get (&l->alter_round);

          if (round > r)
            return NULL;   /* the alter gave up */
          reason = task9_task_get_wait_reason (l->alter);
          if (round == r && task9_task_get_state (l->alter) == TASK9_TASK_STATE_BLOCKED &&
              reason != NULL && g_str_equal (reason, "alt"))
            break;
          task9_yield ();
        }
      losing_go (l, r);
      /* Keep the alter's proc busy (no yield) until both partners acted. */
      while (!partner_settled (l, 0, r) || !partner_settled (l, 1, r))
        g_thread_yield ();
    }
  return NULL;
}

typedef struct
{
  Losing *l;
  guint   index;
} LosingPartner;

static gpointer
losing_partner (gpointer data, GError **error)
{
  LosingPartner *p = data;
  Losing *l = p->l;
  guint i = p->index;
  GError *local = NULL;
  gint64 go;

  while (task9_channel_recv_full (l->go[i], &go, LONG_WAIT, NULL, &local))
    {
      gint r = (gint) go;

      g_atomic_int_set (&l->op_round[i], r);
      if (arm_is_send (l->kind, i))
        {
          gint64 got = -1;

          /* Our partner is the alter's send arm (or its plain send afterwards). */
          if (!task9_channel_recv_full (l->channels[i], &got, LONG_WAIT, NULL, &local))
            break;
          if ((got >> 2) != r || (got & 1) != (gint64) i)
            {
              g_test_message ("partner %u round %d got %" G_GINT64_FORMAT, i, r, got);
              l->failures++;
            }
        }
      else
        {
          gint64 value = ((gint64) r << 2) | i;

          if (!task9_channel_send_full (l->channels[i], &value, LONG_WAIT, NULL, &local))
            break;
        }
      g_atomic_int_set (&l->op_done[i], r + 1);
    }
  if (!g_error_matches (local, TASK9_ERROR, TASK9_ERROR_CLOSED))
    {
      g_test_message ("partner %u: %s", i, local->message);
      l->failures++;
    }
  g_clear_error (&local);
  return NULL;
}

static void
losing_arm_stress (LosingKind kind)
{
  Task9Proc *procs[3];
  Losing l = { kind, { test_chan_new (0), test_chan_new (0) },
               { test_chan_new (1), test_chan_new (1) }, test_scale (700, 60),
               test_is_slow_runtime () ? 20 * G_TIME_SPAN_SECOND : 2 * G_TIME_SPAN_SECOND,
               NULL, { NULL, NULL }, -1, { -1, -1 }, { 0, 0 }, { 0, 0 }, 0 };
  LosingPartner partners[2] = { { &l, 0 }, { &l, 1 } };
  Task9Task *hog;

  for (guint i = 0; i < 3; i++)
    procs[i] = test_proc_new ("losing");
  for (guint i = 0; i < 2; i++)
    l.partners[i] = test_spawn_on (procs[1 + i], "partner", losing_partner, &partners[i]);
  l.alter = test_spawn_on (procs[0], "alter", losing_alter, &l);
  hog = test_spawn_on (procs[0], "hog", losing_hog, &l);
  test_join_ok (l.alter);
  test_join_ok (hog);
  for (guint i = 0; i < 2; i++)
    test_join_ok (l.partners[i]);

  g_test_message ("arm 0 won %u times, arm 1 %u times", l.fired[0], l.fired[1]);
  g_assert_cmpuint (l.failures, ==, 0);
  g_assert_cmpuint (l.fired[0] + l.fired[1], ==, l.rounds);
  for (guint i = 0; i < 2; i++)
    {
      test_assert_no_waiters (l.channels[i]);
      g_object_unref (l.channels[i]);
      g_object_unref (l.go[i]);
    }
  for (guint i = 0; i < 3; i++)
    test_proc_finish (procs[i]);
}

static void
test_alt_losing_recv_recv (void)
{
  losing_arm_stress (LOSING_RECV_RECV);
}

static void
test_alt_losing_send_send (void)
{
  losing_arm_stress (LOSING_SEND_SEND);
}

static void
test_alt_losing_recv_send (void)
{
  losing_arm_stress (LOSING_RECV_SEND);
}

/* ---- fairness ------------------------------------------------------------------------ */

/* k always-ready arms (receives on buffered channels refilled after each alt, or sends
 * to channels drained after each alt), n alts: each arm's share is near 1/k. Checked
 * with a chi-square bound far in the tail and a ±25% bound per arm. */
static void
fairness (guint k, gboolean sends)
{
  const guint n = 20000;
  Task9Channel **channels = g_new (Task9Channel *, k);
  Task9AltArm *arms = g_new (Task9AltArm, k);
  gint64 *values = g_new (gint64, k);
  guint *counts = g_new0 (guint, k);
  GError *error = NULL;
  gdouble chi2 = 0, expected = (gdouble) n / k;

  for (guint i = 0; i < k; i++)
    {
      channels[i] = test_chan_new (1);
      values[i] = i;
      if (!sends)
        g_assert_true (task9_channel_try_send (channels[i], &values[i], &error));
      arms[i] = sends ? arm_send (channels[i], &values[i]) : arm_recv (channels[i], &values[i]);
    }
  for (guint j = 0; j < n; j++)
    {
      gint fired = task9_alt (arms, k, 0, NULL, &error);
      gint64 x = fired;

      g_assert_no_error (error);
      g_assert_cmpint (fired, >=, 0);
      g_assert_cmpint (fired, <, k);
      counts[fired]++;
      g_assert_cmpint (values[fired], ==, fired);
      if (sends)
        g_assert_true (task9_channel_try_recv (channels[fired], &x, &error));
      else
        g_assert_true (task9_channel_try_send (channels[fired], &x, &error));
      g_assert_cmpint (x, ==, fired);
    }
  for (guint i = 0; i < k; i++)
    {
      chi2 += (counts[i] - expected) * (counts[i] - expected) / expected;
      g_test_message ("k=%u arm %u: %u", k, i, counts[i]);
      g_assert_cmpfloat (fabs (counts[i] - expected), <, 0.25 * expected);
    }
  /* Chi-square with k-1 degrees of freedom: the mean is k-1, the 1e-9 tail is below
   * 10 * (k + 5) for these k. */
  g_test_message ("k=%u chi2=%.2f", k, chi2);
  g_assert_cmpfloat (chi2, <, 10.0 * (k + 5));

  for (guint i = 0; i < k; i++)
    g_object_unref (channels[i]);
  g_free (channels);
  g_free (arms);
  g_free (values);
  g_free (counts);
}

static void
test_alt_fairness_2 (void)
{
  fairness (2, FALSE);
}

static void
test_alt_fairness_8 (void)
{
  fairness (8, FALSE);
  fairness (8, TRUE);
}

/* Eight arms of which three are ready: the choice is uniform among those three, and
 * the others never fire. */
static void
test_alt_fairness_some_ready (void)
{
  const guint n = 12000, k = 8;
  const gboolean ready[8] = { TRUE, FALSE, FALSE, TRUE, FALSE, TRUE, FALSE, FALSE };
  Task9Channel *channels[8];
  Task9AltArm arms[8];
  gint64 values[8];
  guint counts[8] = { 0 };
  GError *error = NULL;

  for (guint i = 0; i < k; i++)
    {
      channels[i] = test_chan_new (1);
      values[i] = i;
      if (ready[i])
        g_assert_true (task9_channel_try_send (channels[i], &values[i], &error));
      arms[i] = arm_recv (channels[i], &values[i]);
    }
  for (guint j = 0; j < n; j++)
    {
      gint fired = task9_alt (arms, k, 0, NULL, &error);

      g_assert_no_error (error);
      g_assert_cmpint (fired, >=, 0);
      g_assert_true (ready[fired]);
      counts[fired]++;
      g_assert_true (task9_channel_try_send (channels[fired], &values[fired], &error));
    }
  for (guint i = 0; i < k; i++)
    {
      g_test_message ("arm %u: %u", i, counts[i]);
      if (ready[i])
        g_assert_cmpfloat (fabs (counts[i] - n / 3.0), <, 0.25 * n / 3.0);
      else
        g_assert_cmpuint (counts[i], ==, 0);
      g_object_unref (channels[i]);
    }
}

/* ---- FIFO: a blocked alt queues behind earlier partners and ahead of later ones ------- */

static gpointer
alt_fifo_body (gpointer data, GError **error)
{
  Task9Channel *channel = test_chan_new (0), *never = test_chan_new (0);
  TestPeer first = { channel, FALSE, -1 }, last = { channel, FALSE, -1 };
  gint64 v_alt = -1, v_never = -1;
  Task9AltArm arms[2] = { arm_recv (never, &v_never), arm_recv (channel, &v_alt) };
  AltJob job = { arms, 2, -1, NULL, -2, NULL };
  Task9Task *t_first, *t_alt, *t_last;

  t_first = test_spawn ("first", test_peer_task, &first);
  test_wait_blocked (t_first, "recv");
  t_alt = test_spawn ("alt", alt_job_task, &job);
  test_wait_blocked (t_alt, "alt");
  t_last = test_spawn ("last", test_peer_task, &last);
  test_wait_blocked (t_last, "recv");

  for (gint64 x = 1; x <= 3; x++)
    g_assert_true (task9_channel_send (channel, &x, error));
  test_join_ok (t_first);
  test_join_ok (t_alt);
  test_join_ok (t_last);
  g_assert_cmpint (first.elem, ==, 1);
  g_assert_cmpint (job.fired, ==, 1);
  g_assert_cmpint (v_alt, ==, 2);
  g_assert_cmpint (last.elem, ==, 3);
  test_assert_no_waiters (never);

  g_object_unref (channel);
  g_object_unref (never);
  return NULL;
}

TEST_IN_TASK (test_alt_fifo, alt_fifo_body)

/* ---- more arms than fit on the stack --------------------------------------------------- */

/* More than 64: past the ready mask and the arm-order locking, into the general paths. */
#define MANY_ARMS 100

static gpointer
many_arms_body (gpointer data, GError **error)
{
  Task9Channel *channels[MANY_ARMS];
  gint64 values[MANY_ARMS];
  Task9AltArm arms[MANY_ARMS];
  AltJob job = { arms, MANY_ARMS, -1, NULL, -2, NULL };
  GError *local = NULL;
  Task9Task *alt;
  gint64 x;

  for (guint i = 0; i < MANY_ARMS; i++)
    {
      channels[i] = test_chan_new (i % 2);   /* even: unbuffered, odd: one slot */
      values[i] = -1;
      arms[i] = (i % 5 == 4) ? arm_nop () : arm_recv (channels[i], &values[i]);
    }

  /* Non-blocking: only arm 27 is ready. */
  x = 27;
  g_assert_true (task9_channel_try_send (channels[27], &x, error));
  g_assert_cmpint (task9_alt (arms, MANY_ARMS, 0, NULL, error), ==, 27);
  g_assert_cmpint (values[27], ==, 27);
  values[27] = -1;
  g_assert_cmpint (task9_alt (arms, MANY_ARMS, 0, NULL, &local), ==, -1);
  g_assert_error (local, TASK9_ERROR, TASK9_ERROR_WOULD_BLOCK);
  g_clear_error (&local);

  /* Several ready on both sides of arm 64: each alt fires one of them, each fires. */
  {
    static const guint ready[] = { 3, 41, 63, 65, 97 };
    guint fired_count[MANY_ARMS] = { 0, };

    for (guint round = 0; round < 200; round++)
      {
        gint fired;

        for (guint j = 0; j < G_N_ELEMENTS (ready); j++)
          if (task9_channel_get_length (channels[ready[j]]) == 0)
            {
              x = ready[j];
              g_assert_true (task9_channel_try_send (channels[ready[j]], &x, error));
            }
        fired = task9_alt (arms, MANY_ARMS, 0, NULL, error);
        g_assert_cmpint (fired, >=, 0);
        g_assert_cmpint (values[fired], ==, fired);
        values[fired] = -1;
        fired_count[fired]++;
      }
    for (guint j = 0; j < G_N_ELEMENTS (ready); j++)
      g_assert_cmpuint (fired_count[ready[j]], >, 0);
    /* Drain what is left: four of the five still hold a value. */
    for (guint j = 0; j + 1 < G_N_ELEMENTS (ready); j++)
      g_assert_cmpint (task9_alt (arms, MANY_ARMS, 0, NULL, error), >=, 0);
    g_assert_cmpint (task9_alt (arms, MANY_ARMS, 0, NULL, &local), ==, -1);
    g_assert_error (local, TASK9_ERROR, TASK9_ERROR_WOULD_BLOCK);
    g_clear_error (&local);
    for (guint i = 0; i < MANY_ARMS; i++)
      values[i] = -1;
  }

  /* Blocking: a send on channel 36 fires arm 36; every other arm is withdrawn. */
  alt = test_spawn ("alt", alt_job_task, &job);
  test_wait_blocked (alt, "alt");
  x = 360;
  g_assert_true (task9_channel_send (channels[36], &x, error));
  test_join_ok (alt);
  g_assert_no_error (job.error);
  g_assert_cmpint (job.fired, ==, 36);
  g_assert_cmpint (values[36], ==, 360);
  for (guint i = 0; i < MANY_ARMS; i++)
    {
      if (i != 36)
        g_assert_cmpint (values[i], ==, -1);
      if (i % 2 == 0)
        test_assert_no_waiters (channels[i]);
      else
        g_assert_cmpuint (task9_channel_get_length (channels[i]), ==, 0);
    }

  /* Timed out with all arms queued: all withdrawn. */
  g_assert_cmpint (task9_alt (arms, MANY_ARMS, 5 * G_TIME_SPAN_MILLISECOND, NULL, &local), ==, -1);
  g_assert_error (local, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  g_clear_error (&local);
  for (guint i = 0; i < MANY_ARMS; i += 2)
    test_assert_no_waiters (channels[i]);

  /* All the arms on one channel (locked once). */
  for (guint i = 0; i < MANY_ARMS; i++)
    arms[i] = arm_recv (channels[1], &values[i]);
  x = 1;
  g_assert_true (task9_channel_try_send (channels[1], &x, error));
  g_assert_cmpint (task9_alt (arms, MANY_ARMS, -1, NULL, error), >=, 0);
  g_assert_cmpuint (task9_channel_get_length (channels[1]), ==, 0);

  for (guint i = 0; i < MANY_ARMS; i++)
    g_object_unref (channels[i]);
  return NULL;
}

TEST_IN_TASK (test_alt_many_arms, many_arms_body)

/* ---- typed channels in a raw alt ------------------------------------------------------ */

static gint obj_finalized;

static void
obj_weak_notify (gpointer data, GObject *where)
{
  g_atomic_int_inc (&obj_finalized);
}

static void
test_alt_typed_discard (void)
{
  Task9Channel *channel = task9_channel_new_typed (G_TYPE_OBJECT, 2);
  GObject *obj = g_object_new (G_TYPE_OBJECT, NULL);
  GValue value = G_VALUE_INIT, got = G_VALUE_INIT;
  Task9AltArm arms[1] = { { channel, TASK9_ALT_RECV, NULL, FALSE } };
  GError *error = NULL;

  g_object_weak_ref (obj, obj_weak_notify, NULL);
  g_value_init (&value, G_TYPE_OBJECT);
  g_value_take_object (&value, obj);
  g_assert_true (task9_channel_try_send_value (channel, &value, &error));
  g_assert_true (task9_channel_try_send_value (channel, &value, &error));
  g_value_unset (&value);
  g_assert_cmpint (g_atomic_int_get (&obj_finalized), ==, 0);

  /* A receive arm into a GValue owns what it got. */
  arms[0].value = &got;
  g_assert_cmpint (task9_alt (arms, 1, 0, NULL, &error), ==, 0);
  g_assert_true (g_value_get_object (&got) == obj);
  /* A receive arm with no destination frees the element it took. */
  arms[0].value = NULL;
  g_assert_cmpint (task9_alt (arms, 1, 0, NULL, &error), ==, 0);
  g_assert_no_error (error);
  g_assert_cmpuint (task9_channel_get_length (channel), ==, 0);
  g_assert_cmpint (g_atomic_int_get (&obj_finalized), ==, 0);
  g_value_unset (&got);
  g_assert_cmpint (g_atomic_int_get (&obj_finalized), ==, 1);
  g_object_unref (channel);
}

/* ---- bad input ----------------------------------------------------------------------- */

static void
test_alt_bad_input (void)
{
  Task9Channel *channel = test_chan_new (1);
  Task9AltArm arms[2] = { arm_recv (channel, NULL), arm_send (channel, NULL) };
  GError *error = NULL;

  test_expect_critical ("*arms != NULL*");
  g_assert_cmpint (task9_alt (NULL, 1, 0, NULL, &error), ==, -1);
  g_test_assert_expected_messages ();
  test_expect_critical ("*n_arms > 0*");
  g_assert_cmpint (task9_alt (arms, 0, 0, NULL, &error), ==, -1);
  g_test_assert_expected_messages ();
  test_expect_critical ("*value != NULL*");
  g_assert_cmpint (task9_alt (arms, 2, 0, NULL, &error), ==, -1);
  g_test_assert_expected_messages ();
  arms[1] = (Task9AltArm) { NULL, TASK9_ALT_RECV, NULL, FALSE };
  test_expect_critical ("*CHANNEL*");
  g_assert_cmpint (task9_alt (arms, 2, 0, NULL, &error), ==, -1);
  g_test_assert_expected_messages ();
  {
    /* Some other object where a channel should be. */
    GCancellable *not_a_channel = g_cancellable_new ();

    arms[1] = (Task9AltArm) { (Task9Channel *) not_a_channel, TASK9_ALT_RECV, NULL, FALSE };
    test_expect_critical ("*CHANNEL*");
    g_assert_cmpint (task9_alt (arms, 2, 0, NULL, &error), ==, -1);
    g_test_assert_expected_messages ();
    test_expect_critical ("*CHANNEL*");
    g_assert_false (task9_channel_try_send ((Task9Channel *) not_a_channel, &(int) { 1 }, &error));
    g_test_assert_expected_messages ();
    g_object_unref (not_a_channel);
  }
  g_assert_no_error (error);
  g_object_unref (channel);
}

/* ---- Task9Alt, the object form ------------------------------------------------------ */

typedef struct
{
  Task9Alt *alt;
  gint      fired;
  GError   *error;
} SelectJob;

static gpointer
select_task (gpointer data, GError **error)
{
  SelectJob *job = data;

  job->fired = task9_alt_select (job->alt, -1, NULL, &job->error);
  return NULL;
}

static gpointer
alt_object_body (gpointer data, GError **error)
{
  Task9Channel *a = task9_channel_new_typed (G_TYPE_INT, 0);
  Task9Channel *b = task9_channel_new_typed (G_TYPE_INT, 1);
  Task9Alt *alt = task9_alt_new ();
  GValue v = G_VALUE_INIT, got = G_VALUE_INIT;
  SelectJob job = { alt, -2, NULL };
  GError *local = NULL;
  Task9Task *task;

  g_assert_cmpuint (task9_alt_get_n_arms (alt), ==, 0);
  g_assert_cmpuint (task9_alt_add_recv (alt, a), ==, 0);
  g_assert_cmpuint (task9_alt_add_send (alt, b, test_int_value (&v, 77)), ==, 1);
  g_value_unset (&v);
  g_assert_cmpuint (task9_alt_get_n_arms (alt), ==, 2);

  /* B has room: the send arm fires, with a copy of its value. */
  g_assert_cmpint (task9_alt_select (alt, 0, NULL, error), ==, 1);
  g_assert_false (task9_alt_get_closed (alt, 1));
  g_assert_false (task9_alt_take_value (alt, 1, &got));
  g_assert_true (task9_channel_try_recv_value (b, &got, error));
  g_assert_cmpint (g_value_get_int (&got), ==, 77);
  g_value_unset (&got);

  /* Fill B: now nothing is ready, a blocked select is met by a sender on A. */
  g_assert_true (task9_channel_try_send_value (b, test_int_value (&v, 1), error));
  g_value_unset (&v);
  g_assert_cmpint (task9_alt_select (alt, 0, NULL, &local), ==, -1);
  g_assert_error (local, TASK9_ERROR, TASK9_ERROR_WOULD_BLOCK);
  g_clear_error (&local);
  task = test_spawn ("select", select_task, &job);
  test_wait_blocked (task, "alt");
  g_assert_true (task9_channel_send_value (a, test_int_value (&v, 5), error));
  g_value_unset (&v);
  test_join_ok (task);
  g_assert_no_error (job.error);
  g_assert_cmpint (job.fired, ==, 0);
  g_assert_true (task9_alt_take_value (alt, 0, &got));
  g_assert_cmpint (g_value_get_int (&got), ==, 5);
  g_value_unset (&got);
  g_assert_false (task9_alt_take_value (alt, 0, &got));   /* taken */
  /* The send arm lost: B still holds only its one element. */
  g_assert_cmpuint (task9_channel_get_length (b), ==, 1);

  /* A closed: the receive arm fires closed, with no value. */
  task9_channel_close (a);
  g_assert_cmpint (task9_alt_select (alt, -1, NULL, error), ==, 0);
  g_assert_true (task9_alt_get_closed (alt, 0));
  g_assert_false (task9_alt_take_value (alt, 0, &got));

  g_object_unref (alt);
  g_object_unref (a);
  g_object_unref (b);
  return NULL;
}

TEST_IN_TASK (test_alt_object, alt_object_body)

/* get_closed() speaks of the last select: an arm that fired closed in an earlier select,
 * but not in the last one, is not reported closed. */
static void
test_alt_object_closed_is_per_select (void)
{
  Task9Channel *a = task9_channel_new_typed (G_TYPE_INT, 1);
  Task9Channel *b = task9_channel_new_typed (G_TYPE_INT, 1);
  Task9Alt *alt = task9_alt_new ();
  gboolean arm0_fired = FALSE, checked = FALSE;
  GValue v = G_VALUE_INIT;
  GError *error = NULL;

  task9_alt_add_recv (alt, a);
  task9_alt_add_recv (alt, b);
  task9_channel_close (a);
  /* Both arms always ready (a closed, b refilled): select until arm 1 fires after arm 0
   * did. */
  for (guint i = 0; i < 1000 && !checked; i++)
    {
      gint fired;

      g_assert_true (task9_channel_try_send_value (b, test_int_value (&v, 3), &error) ||
                     task9_channel_get_length (b) == 1);
      g_clear_error (&error);
      g_value_unset (&v);
      fired = task9_alt_select (alt, 0, NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpint (fired, >=, 0);
      if (fired == 0)
        {
          g_assert_true (task9_alt_get_closed (alt, 0));
          arm0_fired = TRUE;
        }
      else
        {
          g_assert_false (task9_alt_get_closed (alt, 1));
          g_assert_true (task9_alt_take_value (alt, 1, &v));
          g_assert_cmpint (g_value_get_int (&v), ==, 3);
          g_value_unset (&v);
          if (arm0_fired)
            {
              checked = TRUE;
              if (task9_alt_get_closed (alt, 0))
                g_test_fail_printf ("task9_alt_get_closed() reports arm 0 closed after a "
                                    "select in which arm 1 fired");
            }
        }
    }
  g_assert_true (checked);
  g_object_unref (alt);
  g_object_unref (a);
  g_object_unref (b);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/alt/nonblocking", test_alt_nonblocking);
  g_test_add_func ("/alt/mixed-blocking", test_alt_mixed_blocking);
  g_test_add_func ("/alt/same-channel", test_alt_same_channel);
  g_test_add_func ("/alt/contention", test_alt_contention);
  g_test_add_func ("/alt/nop", test_alt_nop);
  g_test_add_func ("/alt/closed/ready", test_alt_closed);
  g_test_add_func ("/alt/closed/wakes", test_alt_closed_wakes);
  g_test_add_func ("/alt/timeout", test_alt_timeout);
  g_test_add_func ("/alt/cancel/before", test_alt_cancel_before);
  g_test_add_func ("/alt/cancel/during", test_alt_cancel_during);
  g_test_add_func ("/alt/losing-arm/recv-recv", test_alt_losing_recv_recv);
  g_test_add_func ("/alt/losing-arm/send-send", test_alt_losing_send_send);
  g_test_add_func ("/alt/losing-arm/recv-send", test_alt_losing_recv_send);
  g_test_add_func ("/alt/fairness/2", test_alt_fairness_2);
  g_test_add_func ("/alt/fairness/8", test_alt_fairness_8);
  g_test_add_func ("/alt/fairness/some-ready", test_alt_fairness_some_ready);
  g_test_add_func ("/alt/fifo", test_alt_fifo);
  g_test_add_func ("/alt/many-arms", test_alt_many_arms);
  g_test_add_func ("/alt/typed-discard", test_alt_typed_discard);
  g_test_add_func ("/alt/bad-input", test_alt_bad_input);
  g_test_add_func ("/alt/object/select", test_alt_object);
  g_test_add_func ("/alt/object/closed-is-per-select", test_alt_object_closed_is_per_select);

  return g_test_run ();
}
