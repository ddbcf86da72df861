/* test-cancel-hook.c: waits parked with a GCancellable (task9-cancel-hook.c)
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Each proc keeps one standing "cancelled" handler per cancellable its tasks park with.
 * These tests cancel many waits on several procs at once from a thread that is no
 * proc's, race cancellations against sends (a value is received exactly once or stays
 * with its sender; seed TASK9_TEST_SEED), and check when a proc lets a cancellable go:
 * never while a wait is parked with it, when its idle hooks are swept, at its end.
 */

#include "test-util.h"

#define N_PROCS         3
#define TASKS_PER_PROC  40

static gpointer
cancel_thread (gpointer data)
{
  g_cancellable_cancel (data);
  return NULL;
}

typedef struct
{
  Task9Channel *channel;
  GCancellable *cancellable;
  GTimeSpan     timeout;
  gint64        got;
  GError       *error;
} Receiver;

static gpointer
receiver_task (gpointer data, GError **error)
{
  Receiver *r = data;

  r->got = -1;
  task9_channel_recv_full (r->channel, &r->got, r->timeout, r->cancellable, &r->error);
  return NULL;
}

/* Tasks on three procs parked on channels with one cancellable: cancelling it from a
 * thread ends every wait; a second round, where half receive first, ends each wait
 * once, the right way. */
static void
test_cancel_hook_many_procs (void)
{
  GCancellable *cancellable = g_cancellable_new ();
  Task9Proc *procs[N_PROCS];
  Receiver receivers[N_PROCS * TASKS_PER_PROC];
  Task9Task *tasks[N_PROCS * TASKS_PER_PROC];

  for (guint p = 0; p < N_PROCS; p++)
    procs[p] = test_proc_new ("cancel-proc");
  for (guint i = 0; i < G_N_ELEMENTS (receivers); i++)
    receivers[i] = (Receiver) { task9_channel_new (sizeof (gint64), 1), cancellable, -1, 0, NULL };

  for (guint round = 0; round < 2; round++)
    {
      for (guint i = 0; i < G_N_ELEMENTS (tasks); i++)
        tasks[i] = test_spawn_on (procs[i % N_PROCS], "receiver", receiver_task, &receivers[i]);
      for (guint i = 0; i < G_N_ELEMENTS (tasks); i++)
        test_wait_blocked (tasks[i], "recv");
      /* Round 1: every other receiver gets a value first (the buffer hands it over). */
      if (round == 1)
        for (guint i = 0; i < G_N_ELEMENTS (tasks); i += 2)
          {
            gint64 v = 1000 + i;

            g_assert_true (task9_channel_try_send (receivers[i].channel, &v, NULL));
            task9_task_join (tasks[i], -1, NULL);
          }
      g_thread_join (g_thread_new ("cancel", cancel_thread, cancellable));
      for (guint i = 0; i < G_N_ELEMENTS (tasks); i++)
        {
          task9_task_join (tasks[i], -1, NULL);
          task9_task_unref (tasks[i]);
          if (round == 1 && i % 2 == 0)
            {
              g_assert_no_error (receivers[i].error);
              g_assert_cmpint (receivers[i].got, ==, 1000 + i);
            }
          else
            {
              g_assert_error (receivers[i].error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
              g_assert_cmpint (receivers[i].got, ==, -1);
              g_clear_error (&receivers[i].error);
            }
        }
      g_cancellable_reset (cancellable);
    }

  for (guint i = 0; i < G_N_ELEMENTS (receivers); i++)
    g_object_unref (receivers[i].channel);
  for (guint p = 0; p < N_PROCS; p++)
    test_proc_finish (procs[p]);
  g_object_unref (cancellable);
}

/* ---- cancellation racing a send ------------------------------------------------------- */

typedef struct
{
  Task9Channel *channel;
  gint64        value;
  gboolean      sent;
} Sender;

static gpointer
sender_task (gpointer data, GError **error)
{
  Sender *s = data;

  s->sent = task9_channel_send (s->channel, &s->value, error);
  return NULL;
}

/* A receiver parked with a cancellable, a sender on another proc and a canceller thread
 * start together: either the value was received (and the send is done) or the receive
 * was cancelled and the value is still there for the next receive. Never both, never
 * neither. */
static void
test_cancel_hook_race (void)
{
  const char *env = g_getenv ("TASK9_TEST_SEED");
  guint32 seed = env != NULL ? (guint32) g_ascii_strtoull (env, NULL, 0) : 0xca9ce1;
  GRand *rand = g_rand_new_with_seed (seed);
  Task9Proc *recv_proc = test_proc_new ("race-recv"), *send_proc = test_proc_new ("race-send");
  guint rounds = test_scale (2000, 100), received = 0, cancelled = 0;

  g_test_message ("seed %#x (TASK9_TEST_SEED)", seed);
  for (guint round = 0; round < rounds; round++)
    {
      GCancellable *cancellable = g_cancellable_new ();
      Receiver r = { task9_channel_new (sizeof (gint64), 0), cancellable, -1, 0, NULL };
      Sender s = { r.channel, round, FALSE };
      Task9Task *receiver = test_spawn_on (recv_proc, "receiver", receiver_task, &r);
      Task9Task *sender;
      GThread *canceller = NULL;
      guint order = g_rand_int_range (rand, 0, 3);

      /* The receiver parked first, or not yet; the cancel before or after a yield. */
      if (order == 0)
        test_wait_blocked (receiver, "recv");
      sender = test_spawn_on (send_proc, "sender", sender_task, &s);
      if (order == 1)
        g_thread_yield ();
      canceller = g_thread_new ("cancel", cancel_thread, cancellable);
      task9_task_join (receiver, -1, NULL);
      g_thread_join (canceller);

      if (r.error == NULL)
        {
          g_assert_cmpint (r.got, ==, round);
          task9_task_join (sender, -1, NULL);
          g_assert_true (s.sent);
          received++;
        }
      else
        {
          g_assert_error (r.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
          g_assert_cmpint (r.got, ==, -1);
          g_clear_error (&r.error);
          /* The value is still the sender's: the next receive gets it. */
          r.cancellable = NULL;
          task9_task_unref (receiver);
          receiver = test_spawn_on (recv_proc, "receiver-2", receiver_task, &r);
          task9_task_join (receiver, -1, NULL);
          g_assert_no_error (r.error);
          g_assert_cmpint (r.got, ==, round);
          task9_task_join (sender, -1, NULL);
          g_assert_true (s.sent);
          cancelled++;
        }
      task9_task_unref (receiver);
      task9_task_unref (sender);
      g_object_unref (r.channel);
      g_object_unref (cancellable);
    }
  g_test_message ("%u received, %u cancelled", received, cancelled);
  g_assert_cmpuint (cancelled, >, 0);
  test_proc_finish (recv_proc);
  test_proc_finish (send_proc);
  g_rand_free (rand);
}

/* ---- when a proc lets a cancellable go ------------------------------------------------ */

#define N_OTHERS 200

static gpointer
release_body (gpointer data, GError **error)
{
  GCancellable **first = data;
  GCancellable *held = g_cancellable_new ();
  Task9Channel *channel = task9_channel_new (sizeof (gint64), 0);
  Receiver parked = { channel, held, -1, 0, NULL };
  Task9Task *task;
  gint64 v;
  GError *local = NULL;

  /* A wait that times out with *first, then one that stays parked with held. */
  g_assert_false (task9_channel_recv_full (channel, &v, 1, *first, &local));
  g_assert_error (local, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  g_clear_error (&local);
  g_object_unref (*first);
  g_assert_nonnull (*first);   /* the proc's hook still holds it */
  task = test_spawn ("parked", receiver_task, &parked);
  test_wait_blocked (task, "recv");

  /* Waits with many other cancellables: idle hooks are swept, *first's among them. */
  for (guint i = 0; i < N_OTHERS; i++)
    {
      GCancellable *other = g_cancellable_new ();

      g_assert_false (task9_channel_recv_full (channel, &v, 1, other, &local));
      g_assert_error (local, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
      g_clear_error (&local);
      g_object_unref (other);
    }
  g_assert_null (*first);

  /* The hook with a wait parked on it survived the sweeps. */
  g_cancellable_cancel (held);
  task9_task_join (task, -1, NULL);
  task9_task_unref (task);
  g_assert_error (parked.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&parked.error);

  /* The last one used stays until the proc's end. */
  g_object_add_weak_pointer (G_OBJECT (held), (gpointer *) first);
  *first = held;
  g_object_unref (held);
  g_assert_nonnull (*first);
  g_object_unref (channel);
  return NULL;
}

static void
test_cancel_hook_release (void)
{
  GCancellable *first = g_cancellable_new ();

  g_object_add_weak_pointer (G_OBJECT (first), (gpointer *) &first);
  run_in_task_ok (release_body, &first);   /* ends the proc */
  g_assert_null (first);
}

/* A cancellable cancelled before the park: the wait fails at once, on every kind of
 * wait that takes one, and nothing is consumed. */
static gpointer
already_body (gpointer data, GError **error)
{
  GCancellable *cancellable = g_cancellable_new ();
  Task9Channel *channel = task9_channel_new (sizeof (gint64), 1);
  gint64 v = 7;
  GError *local = NULL;

  g_cancellable_cancel (cancellable);
  g_assert_false (task9_channel_recv_full (channel, &v, -1, cancellable, &local));
  g_assert_error (local, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&local);
  g_assert_true (task9_channel_try_send (channel, &v, NULL));
  g_assert_false (task9_channel_send_full (channel, &v, -1, cancellable, &local));
  g_assert_error (local, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&local);
  v = 0;
  g_assert_true (task9_channel_try_recv (channel, &v, NULL));
  g_assert_cmpint (v, ==, 7);
  g_object_unref (channel);
  g_object_unref (cancellable);
  return NULL;
}

TEST_IN_TASK (test_cancel_hook_already, already_body)

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/cancel-hook/many-procs", test_cancel_hook_many_procs);
  g_test_add_func ("/cancel-hook/race", test_cancel_hook_race);
  g_test_add_func ("/cancel-hook/release", test_cancel_hook_release);
  g_test_add_func ("/cancel-hook/already", test_cancel_hook_already);
  return g_test_run ();
}
