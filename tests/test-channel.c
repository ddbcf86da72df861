/* test-channel.c: channels: rendezvous, ring buffer, errors, timeouts, cancellation,
 * close, typed elements, conveniences, cross-proc traffic and FIFO among waiters
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Each rule of DESIGN.md's "Channels" and "Cancellation" sections has a test here that
 * fails without it. Nothing sleeps to wait for an event: tasks wait on joins and
 * channels, or yield until a partner is blocked (test_wait_blocked()); times are checked
 * only as bounds with generous slack. Leaks and double frees of typed elements are found
 * by the valgrind and ASan runs of this suite.
 */

#include <string.h>

#include "test-util.h"

static gboolean
error_is (GError *error, GQuark domain, gint code)
{
  return error != NULL && error->domain == domain && error->code == code;
}

/* ---- a GObject and a boxed type that count what happens to them ------------------ */

typedef struct
{
  GObject parent_instance;
  gint    id;
} TestObj;

typedef struct
{
  GObjectClass parent_class;
} TestObjClass;

static gint test_obj_finalized;

GType test_obj_get_type (void);
G_DEFINE_TYPE (TestObj, test_obj, G_TYPE_OBJECT)

static void
test_obj_finalize (GObject *object)
{
  g_atomic_int_inc (&test_obj_finalized);
  G_OBJECT_CLASS (test_obj_parent_class)->finalize (object);
}

static void
test_obj_class_init (TestObjClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = test_obj_finalize;
}

static void
test_obj_init (TestObj *obj)
{
}

static TestObj *
test_obj_new (gint id)
{
  TestObj *obj = g_object_new (test_obj_get_type (), NULL);

  obj->id = id;
  return obj;
}

typedef struct
{
  gint id;
} TestBox;

static gint test_box_copies;
static gint test_box_frees;

static TestBox *
test_box_copy (TestBox *box)
{
  TestBox *copy = g_new (TestBox, 1);

  g_atomic_int_inc (&test_box_copies);
  *copy = *box;
  return copy;
}

static void
test_box_free (TestBox *box)
{
  g_atomic_int_inc (&test_box_frees);
  g_free (box);
}

GType test_box_get_type (void);
G_DEFINE_BOXED_TYPE (TestBox, test_box, test_box_copy, test_box_free)

/* ---- unbuffered: a rendezvous ----------------------------------------------------- */

typedef struct
{
  Task9Channel *channel;
  GString      *log;
} Rendezvous;

static gpointer
rendezvous_receiver (gpointer data, GError **error)
{
  Rendezvous *r = data;
  gint64 value = 0;

  g_string_append_c (r->log, 'r');
  /* The sender is blocked: yielding lets nobody else run, and its send has not
   * returned. */
  for (guint i = 0; i < 3; i++)
    {
      g_string_append_c (r->log, 'y');
      task9_yield ();
    }
  if (!task9_channel_recv (r->channel, &value, error))
    return NULL;
  g_string_append_printf (r->log, "R%d", (gint) value);
  return NULL;
}

static gpointer
rendezvous_body (gpointer data, GError **error)
{
  Rendezvous r = { test_chan_new (0), g_string_new (NULL) };
  Task9Task *receiver;
  gint64 value = 7;

  receiver = test_spawn ("receiver", rendezvous_receiver, &r);
  g_string_append_c (r.log, 's');
  g_assert_true (task9_channel_send (r.channel, &value, error));
  g_string_append_c (r.log, 'S');
  test_join_ok (receiver);

  /* A send that returned before the receiver took the value would log "sS" first. */
  g_assert_cmpstr (r.log->str, ==, "sryyyR7S");
  g_assert_cmpuint (task9_channel_get_length (r.channel), ==, 0);

  g_string_free (r.log, TRUE);
  g_object_unref (r.channel);
  return NULL;
}

TEST_IN_TASK (test_channel_rendezvous, rendezvous_body)

/* The same across procs: the sender's send returns only after the receiver, on another
 * proc, started its receive, which it does only once the sender is blocked in send. */
typedef struct
{
  Task9Channel *channel;
  Task9Task    *sender;
  gint          receiving;
  gint          sent;
  gint64        got;
} CrossRendezvous;

static gpointer
cross_sender (gpointer data, GError **error)
{
  CrossRendezvous *r = data;
  gint64 value = 42;

  if (!task9_channel_send (r->channel, &value, error))
    return NULL;
  /* The receiver set 'receiving' before its recv, which is what released us. */
  g_assert_cmpint (g_atomic_int_get (&r->receiving), ==, 1);
  g_atomic_int_set (&r->sent, 1);
  return NULL;
}

static gpointer
cross_receiver (gpointer data, GError **error)
{
  CrossRendezvous *r = data;

  test_wait_blocked (r->sender, "send");
  g_assert_cmpint (g_atomic_int_get (&r->sent), ==, 0);
  g_atomic_int_set (&r->receiving, 1);
  if (!task9_channel_recv (r->channel, &r->got, error))
    return NULL;
  return NULL;
}

static void
test_channel_rendezvous_cross_proc (void)
{
  Task9Proc *a = test_proc_new ("a");
  Task9Proc *b = test_proc_new ("b");

  for (guint round = 0; round < test_scale (50, 5); round++)
    {
      CrossRendezvous r = { test_chan_new (0), NULL, 0, 0, 0 };
      Task9Task *receiver;

      r.sender = test_spawn_on (a, "sender", cross_sender, &r);
      receiver = test_spawn_on (b, "receiver", cross_receiver, &r);
      test_join_ok (receiver);
      test_join_ok (r.sender);
      g_assert_cmpint (r.got, ==, 42);
      g_assert_cmpint (r.sent, ==, 1);
      g_object_unref (r.channel);
    }
  test_proc_finish (a);
  test_proc_finish (b);
}

/* Outside a task and with nobody waiting, an unbuffered channel cannot complete
 * anything at once. */
static void
test_channel_unbuffered_would_block (void)
{
  Task9Channel *channel = test_chan_new (0);
  GError *error = NULL;
  gint64 value = 1;

  test_assert_no_waiters (channel);
  /* A blocking call outside a task says so instead of blocking. */
  g_assert_false (task9_channel_send (channel, &value, &error));
  g_assert_error (error, TASK9_ERROR, TASK9_ERROR_NOT_IN_TASK);
  g_clear_error (&error);
  g_assert_false (task9_channel_recv (channel, &value, &error));
  g_assert_error (error, TASK9_ERROR, TASK9_ERROR_NOT_IN_TASK);
  g_clear_error (&error);
  g_assert_cmpuint (task9_channel_get_length (channel), ==, 0);
  g_assert_cmpuint (task9_channel_get_capacity (channel), ==, 0);
  g_object_unref (channel);
}

/* ---- buffered: a FIFO ring buffer ------------------------------------------------- */

static void
test_channel_buffered_ring (void)
{
  Task9Channel *channel = test_chan_new (4);
  GError *error = NULL;
  gint64 value;
  GRand *rand = g_rand_new_with_seed (4);
  GQueue model = G_QUEUE_INIT;
  gint64 next = 0;

  g_assert_cmpuint (task9_channel_get_capacity (channel), ==, 4);
  g_assert_cmpuint (task9_channel_get_elem_size (channel), ==, sizeof (gint64));
  g_assert_cmpuint (task9_channel_get_elem_type (channel), ==, G_TYPE_INVALID);

  /* Blocking calls that can complete at once work outside a task. */
  for (value = 1; value <= 3; value++)
    g_assert_true (task9_channel_send (channel, &value, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (task9_channel_get_length (channel), ==, 3);
  g_assert_true (task9_channel_recv (channel, &value, &error));
  g_assert_cmpint (value, ==, 1);
  g_assert_true (task9_channel_try_recv (channel, &value, &error));
  g_assert_cmpint (value, ==, 2);
  g_assert_no_error (error);
  /* Head at 2, one element: the next three wrap around the end of the ring. */
  for (value = 4; value <= 6; value++)
    g_assert_true (task9_channel_try_send (channel, &value, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (task9_channel_get_length (channel), ==, 4);
  value = 99;
  g_assert_false (task9_channel_try_send (channel, &value, &error));
  g_assert_error (error, TASK9_ERROR, TASK9_ERROR_WOULD_BLOCK);
  g_clear_error (&error);
  g_assert_false (task9_channel_send (channel, &value, &error));
  g_assert_error (error, TASK9_ERROR, TASK9_ERROR_NOT_IN_TASK);
  g_clear_error (&error);
  for (gint64 expect = 3; expect <= 6; expect++)
    {
      g_assert_true (task9_channel_recv (channel, &value, &error));
      g_assert_cmpint (value, ==, expect);
    }
  g_assert_no_error (error);
  g_assert_cmpuint (task9_channel_get_length (channel), ==, 0);
  g_assert_false (task9_channel_try_recv (channel, &value, &error));
  g_assert_error (error, TASK9_ERROR, TASK9_ERROR_WOULD_BLOCK);
  g_clear_error (&error);

  /* Random pushes and pops against a model queue: order, length, wrap-around. */
  for (guint i = 0; i < 20000; i++)
    {
      if (g_rand_boolean (rand))
        {
          gboolean ok = task9_channel_try_send (channel, &next, &error);

          g_assert_cmpint (ok, ==, model.length < 4);
          if (ok)
            g_queue_push_tail (&model, GSIZE_TO_POINTER ((gsize) next));
          else
            {
              g_assert_error (error, TASK9_ERROR, TASK9_ERROR_WOULD_BLOCK);
              g_clear_error (&error);
            }
          next++;
        }
      else
        {
          gboolean ok = task9_channel_try_recv (channel, &value, &error);

          g_assert_cmpint (ok, ==, model.length > 0);
          if (ok)
            g_assert_cmpint (value, ==, (gint64) GPOINTER_TO_SIZE (g_queue_pop_head (&model)));
          else
            {
              g_assert_error (error, TASK9_ERROR, TASK9_ERROR_WOULD_BLOCK);
              g_clear_error (&error);
            }
        }
      g_assert_cmpuint (task9_channel_get_length (channel), ==, model.length);
    }
  g_queue_clear (&model);
  g_rand_free (rand);
  g_object_unref (channel);
}

/* A full buffer with blocked senders: the receiver takes the oldest element and the
 * first blocked sender's goes to the tail, so the order stays that of the sends. */
typedef struct
{
  Task9Channel *channel;
  guint         n;
} Feeder;

static gpointer
feeder_task (gpointer data, GError **error)
{
  Feeder *f = data;

  for (gint64 i = 0; i < f->n; i++)
    if (!task9_channel_send (f->channel, &i, error))
      return NULL;
  return NULL;
}

static gpointer
buffered_blocked_sender_body (gpointer data, GError **error)
{
  Feeder f = { test_chan_new (2), 50 };
  Task9Task *feeder = test_spawn ("feeder", feeder_task, &f);

  test_wait_blocked (feeder, "send");
  g_assert_cmpuint (task9_channel_get_length (f.channel), ==, 2);
  for (gint64 expect = 0; expect < f.n; expect++)
    {
      gint64 value = -1;

      g_assert_true (task9_channel_recv (f.channel, &value, error));
      g_assert_cmpint (value, ==, expect);
      if (expect % 7 == 0)
        task9_yield ();
    }
  test_join_ok (feeder);
  g_assert_cmpuint (task9_channel_get_length (f.channel), ==, 0);
  g_object_unref (f.channel);
  return NULL;
}

TEST_IN_TASK (test_channel_buffered_blocked_sender, buffered_blocked_sender_body)

/* ---- would-block versus closed -------------------------------------------------- */

static void
test_channel_would_block_vs_closed (void)
{
  Task9Channel *channel = test_chan_new (2);
  GError *error = NULL;
  gint64 value = 5;

  task9_channel_set_name (channel, "pipe");
  g_assert_false (task9_channel_try_recv (channel, &value, &error));
  g_assert_error (error, TASK9_ERROR, TASK9_ERROR_WOULD_BLOCK);
  g_clear_error (&error);
  g_assert_false (task9_channel_recv_full (channel, &value, 0, NULL, &error));
  g_assert_error (error, TASK9_ERROR, TASK9_ERROR_WOULD_BLOCK);
  g_clear_error (&error);

  value = 1;
  g_assert_true (task9_channel_try_send (channel, &value, &error));
  value = 2;
  g_assert_true (task9_channel_try_send (channel, &value, &error));
  g_assert_no_error (error);
  g_assert_false (task9_channel_try_send (channel, &value, &error));
  g_assert_error (error, TASK9_ERROR, TASK9_ERROR_WOULD_BLOCK);
  g_clear_error (&error);
  g_assert_false (task9_channel_send_full (channel, &value, 0, NULL, &error));
  g_assert_error (error, TASK9_ERROR, TASK9_ERROR_WOULD_BLOCK);
  g_clear_error (&error);

  g_assert_false (task9_channel_is_closed (channel));
  task9_channel_close (channel);
  g_assert_true (task9_channel_is_closed (channel));
  task9_channel_close (channel);   /* twice is harmless */
  g_assert_true (task9_channel_is_closed (channel));

  /* Sends fail, closed (not "would block", although the buffer is full). */
  g_assert_false (task9_channel_try_send (channel, &value, &error));
  g_assert_error (error, TASK9_ERROR, TASK9_ERROR_CLOSED);
  g_assert_nonnull (strstr (error->message, "pipe"));
  g_clear_error (&error);
  g_assert_false (task9_channel_send (channel, &value, &error));
  g_assert_error (error, TASK9_ERROR, TASK9_ERROR_CLOSED);
  g_clear_error (&error);
  g_assert_false (task9_channel_send_full (channel, &value, 10, NULL, &error));
  g_assert_error (error, TASK9_ERROR, TASK9_ERROR_CLOSED);
  g_clear_error (&error);
  g_assert_cmpuint (task9_channel_get_length (channel), ==, 2);

  /* Receives drain the buffer, in order, then report closed. */
  g_assert_true (task9_channel_try_recv (channel, &value, &error));
  g_assert_cmpint (value, ==, 1);
  g_assert_true (task9_channel_recv (channel, &value, &error));
  g_assert_cmpint (value, ==, 2);
  g_assert_no_error (error);
  g_assert_false (task9_channel_try_recv (channel, &value, &error));
  g_assert_error (error, TASK9_ERROR, TASK9_ERROR_CLOSED);
  g_clear_error (&error);
  /* A blocking receive outside a task reports closed, not "not in a task". */
  g_assert_false (task9_channel_recv (channel, &value, &error));
  g_assert_error (error, TASK9_ERROR, TASK9_ERROR_CLOSED);
  g_clear_error (&error);
  g_assert_false (task9_channel_recv_full (channel, &value, -1, NULL, &error));
  g_assert_error (error, TASK9_ERROR, TASK9_ERROR_CLOSED);
  g_clear_error (&error);
  g_object_unref (channel);

  /* Unbuffered: the same distinction. */
  channel = test_chan_new (0);
  g_assert_false (task9_channel_try_send (channel, &value, &error));
  g_assert_error (error, TASK9_ERROR, TASK9_ERROR_WOULD_BLOCK);
  g_clear_error (&error);
  task9_channel_close (channel);
  g_assert_false (task9_channel_try_send (channel, &value, &error));
  g_assert_error (error, TASK9_ERROR, TASK9_ERROR_CLOSED);
  g_clear_error (&error);
  g_assert_false (task9_channel_try_recv (channel, &value, &error));
  g_assert_error (error, TASK9_ERROR, TASK9_ERROR_CLOSED);
  g_clear_error (&error);
  g_object_unref (channel);
}

/* ---- timeouts ------------------------------------------------------------------- */

#define SHORT_TIMEOUT (30 * G_TIME_SPAN_MILLISECOND)

static void
assert_timed_out_in_bounds (gint64 start, GTimeSpan timeout)
{
  gint64 elapsed = g_get_monotonic_time () - start;

  g_assert_cmpint (elapsed, >=, timeout);
  g_assert_cmpint (elapsed, <, timeout + test_late_slack ());
}

static gpointer
timeout_body (gpointer data, GError **error)
{
  Task9Channel *unbuffered = test_chan_new (0);
  Task9Channel *full = test_chan_new (1);
  GError *local = NULL;
  gint64 value = 11, start;

  /* Receive from an empty channel: times out and leaves no receiver behind. */
  start = g_get_monotonic_time ();
  g_assert_false (task9_channel_recv_full (unbuffered, &value, SHORT_TIMEOUT, NULL, &local));
  g_assert_error (local, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  g_clear_error (&local);
  assert_timed_out_in_bounds (start, SHORT_TIMEOUT);
  g_assert_false (task9_channel_try_send (unbuffered, &value, &local));
  g_assert_error (local, TASK9_ERROR, TASK9_ERROR_WOULD_BLOCK);
  g_clear_error (&local);

  /* Send with no receiver: times out, delivers nothing. */
  start = g_get_monotonic_time ();
  g_assert_false (task9_channel_send_full (unbuffered, &value, SHORT_TIMEOUT, NULL, &local));
  g_assert_error (local, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  g_clear_error (&local);
  assert_timed_out_in_bounds (start, SHORT_TIMEOUT);
  g_assert_false (task9_channel_try_recv (unbuffered, &value, &local));
  g_assert_error (local, TASK9_ERROR, TASK9_ERROR_WOULD_BLOCK);
  g_clear_error (&local);

  /* A full buffer: the timed-out send left it as it was. */
  value = 1;
  g_assert_true (task9_channel_try_send (full, &value, error));
  value = 2;
  g_assert_false (task9_channel_send_full (full, &value, SHORT_TIMEOUT, NULL, &local));
  g_assert_error (local, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  g_clear_error (&local);
  g_assert_cmpuint (task9_channel_get_length (full), ==, 1);
  g_assert_true (task9_channel_try_recv (full, &value, error));
  g_assert_cmpint (value, ==, 1);
  g_assert_false (task9_channel_try_recv (full, &value, &local));
  g_assert_error (local, TASK9_ERROR, TASK9_ERROR_WOULD_BLOCK);
  g_clear_error (&local);

  /* An empty buffer: a timed-out receive, then what is sent later is still there. */
  g_assert_false (task9_channel_recv_full (full, &value, SHORT_TIMEOUT, NULL, &local));
  g_assert_error (local, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  g_clear_error (&local);
  value = 3;
  g_assert_true (task9_channel_try_send (full, &value, error));
  value = 0;
  g_assert_true (task9_channel_recv_full (full, &value, SHORT_TIMEOUT, NULL, error));
  g_assert_cmpint (value, ==, 3);

  /* Timeout 0 in a task: would block, at once. */
  g_assert_false (task9_channel_recv_full (unbuffered, &value, 0, NULL, &local));
  g_assert_error (local, TASK9_ERROR, TASK9_ERROR_WOULD_BLOCK);
  g_clear_error (&local);

  g_object_unref (unbuffered);
  g_object_unref (full);
  return NULL;
}

TEST_IN_TASK (test_channel_timeout, timeout_body)

/* Timeouts racing with partners on another proc: every send that reported success was
 * received exactly once and in order; no send that timed out was ever received. */
typedef struct
{
  Task9Channel *channel;
  guint         n;
  guint8       *sent_ok;     /* per value: the sender's send succeeded */
  guint8       *received;    /* per value: how many times it was received */
  guint         out_of_order;
  guint         timeouts[2];
} TimeoutRace;

#define RACE_DONE G_MAXINT64

static gpointer
race_sender (gpointer data, GError **error)
{
  TimeoutRace *r = data;
  GRand *rand = g_rand_new_with_seed (17);
  GError *local = NULL;
  gint64 done = RACE_DONE;

  for (gint64 i = 0; i < r->n; i++)
    {
      GTimeSpan timeout = g_rand_int_range (rand, 0, 200);

      if (task9_channel_send_full (r->channel, &i, timeout, NULL, &local))
        r->sent_ok[i] = 1;
      else
        {
          g_assert_true (error_is (local, G_IO_ERROR, G_IO_ERROR_TIMED_OUT) ||
                         error_is (local, TASK9_ERROR, TASK9_ERROR_WOULD_BLOCK));
          g_clear_error (&local);
          r->timeouts[0]++;
        }
    }
  g_rand_free (rand);
  return GINT_TO_POINTER (task9_channel_send (r->channel, &done, error));
}

static gpointer
race_receiver (gpointer data, GError **error)
{
  TimeoutRace *r = data;
  GRand *rand = g_rand_new_with_seed (71);
  GError *local = NULL;
  gint64 last = -1;

  for (;;)
    {
      GTimeSpan timeout = g_rand_int_range (rand, 0, 200);
      gint64 value = -1;

      if (task9_channel_recv_full (r->channel, &value, timeout, NULL, &local))
        {
          if (value == RACE_DONE)
            break;
          g_assert_cmpint (value, >=, 0);
          g_assert_cmpint (value, <, r->n);
          r->received[value]++;
          if (value <= last)
            r->out_of_order++;
          last = value;
        }
      else
        {
          g_assert_true (error_is (local, G_IO_ERROR, G_IO_ERROR_TIMED_OUT) ||
                         error_is (local, TASK9_ERROR, TASK9_ERROR_WOULD_BLOCK));
          g_clear_error (&local);
          r->timeouts[1]++;
        }
    }
  g_rand_free (rand);
  return NULL;
}

static void
timeout_race (guint capacity)
{
  Task9Proc *a = test_proc_new ("a");
  Task9Proc *b = test_proc_new ("b");
  TimeoutRace r = { test_chan_new (capacity), test_scale (5000, 300), NULL, NULL, 0, { 0, 0 } };
  Task9Task *sender, *receiver;
  guint n_ok = 0;

  r.sent_ok = g_new0 (guint8, r.n);
  r.received = g_new0 (guint8, r.n);
  sender = test_spawn_on (a, "sender", race_sender, &r);
  receiver = test_spawn_on (b, "receiver", race_receiver, &r);
  g_assert_true (test_join_ok (sender));
  test_join_ok (receiver);

  for (guint i = 0; i < r.n; i++)
    {
      g_assert_cmpuint (r.received[i], ==, r.sent_ok[i]);
      n_ok += r.sent_ok[i];
    }
  g_assert_cmpuint (r.out_of_order, ==, 0);
  g_assert_cmpuint (task9_channel_get_length (r.channel), ==, 0);
  g_test_message ("capacity %u: %u of %u sends succeeded; %u send and %u receive timeouts",
                  capacity, n_ok, r.n, r.timeouts[0], r.timeouts[1]);

  g_free (r.sent_ok);
  g_free (r.received);
  g_object_unref (r.channel);
  test_proc_finish (a);
  test_proc_finish (b);
}

static void
test_channel_timeout_race_unbuffered (void)
{
  timeout_race (0);
}

static void
test_channel_timeout_race_buffered (void)
{
  timeout_race (2);
}

/* ---- GCancellable --------------------------------------------------------------- */

static gpointer
cancelled_before_body (gpointer data, GError **error)
{
  Task9Channel *channel = test_chan_new (2);
  GCancellable *cancellable = g_cancellable_new ();
  GError *local = NULL;
  gint64 value = 1;

  g_assert_true (task9_channel_try_send (channel, &value, error));
  g_cancellable_cancel (cancellable);

  /* Either could complete at once; a cancelled cancellable fails them first. */
  value = 0;
  g_assert_false (task9_channel_recv_full (channel, &value, -1, cancellable, &local));
  g_assert_error (local, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&local);
  g_assert_cmpint (value, ==, 0);
  g_assert_cmpuint (task9_channel_get_length (channel), ==, 1);

  value = 2;
  g_assert_false (task9_channel_send_full (channel, &value, -1, cancellable, &local));
  g_assert_error (local, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&local);
  g_assert_cmpuint (task9_channel_get_length (channel), ==, 1);

  g_assert_true (task9_channel_recv (channel, &value, error));
  g_assert_cmpint (value, ==, 1);

  g_object_unref (cancellable);
  g_object_unref (channel);
  return NULL;
}

TEST_IN_TASK (test_channel_cancellable_before, cancelled_before_body)

/* A task (on @proc; NULL: this task's) blocked in a send or a receive without limit,
 * cancelled while it waits: with its cancellable, or with task9_task_cancel(). It fails
 * with G_IO_ERROR_CANCELLED, and nothing happened on the channel. */
static void
cancel_blocked_op (Task9Proc *proc, gboolean is_send, gboolean with_cancellable)
{
  TestPeer op = { test_chan_new (0), is_send, 5, TRUE, -1,
                  with_cancellable ? g_cancellable_new () : NULL };
  Task9Task *task = test_spawn_on (proc, "blocked", test_peer_task, &op);

  test_wait_blocked (task, is_send ? "send" : "recv");
  if (with_cancellable)
    g_cancellable_cancel (op.cancellable);
  else
    task9_task_cancel (task);
  g_assert_cmpint (test_join_error_code (task, G_IO_ERROR), ==, G_IO_ERROR_CANCELLED);

  /* No element, no waiter left behind, the destination untouched. */
  test_assert_no_waiters (op.channel);
  g_assert_cmpint (op.elem, ==, 5);
  g_clear_object (&op.cancellable);
  g_object_unref (op.channel);
}

static gpointer
cancel_same_proc_body (gpointer data, GError **error)
{
  for (guint is_send = 0; is_send < 2; is_send++)
    cancel_blocked_op (NULL, is_send, TRUE);
  return NULL;
}

TEST_IN_TASK (test_channel_cancellable_same_proc, cancel_same_proc_body)

/* Cancelled from the test thread, which is no proc's, while the task waits on another
 * proc; then the channel is used again as if nothing had happened. */
static void
test_channel_cancellable_other_thread (void)
{
  Task9Proc *proc = test_proc_new ("p");

  for (guint round = 0; round < test_scale (20, 3); round++)
    for (guint is_send = 0; is_send < 2; is_send++)
      {
        TestPeer op = { test_chan_new (1), is_send, 5, TRUE, -1, g_cancellable_new () };
        GError *error = NULL;
        gint64 value = 1;
        Task9Task *task;

        if (is_send)   /* fill the buffer so that the send blocks */
          g_assert_true (task9_channel_try_send (op.channel, &value, &error));
        task = test_spawn_on (proc, "blocked", test_peer_task, &op);
        test_wait_blocked (task, is_send ? "send" : "recv");
        g_cancellable_cancel (op.cancellable);
        g_assert_cmpint (test_join_error_code (task, G_IO_ERROR), ==, G_IO_ERROR_CANCELLED);

        if (is_send)
          {
            /* Only the element that was there: the cancelled send delivered nothing. */
            g_assert_cmpuint (task9_channel_get_length (op.channel), ==, 1);
            g_assert_true (task9_channel_try_recv (op.channel, &value, &error));
            g_assert_cmpint (value, ==, 1);
          }
        else
          {
            /* The cancelled receive took nothing: a later element stays for the next. */
            value = 8;
            g_assert_true (task9_channel_try_send (op.channel, &value, &error));
            value = 0;
            g_assert_true (task9_channel_try_recv (op.channel, &value, &error));
            g_assert_cmpint (value, ==, 8);
          }
        g_assert_no_error (error);
        g_object_unref (op.cancellable);
        g_object_unref (op.channel);
      }
  test_proc_finish (proc);
}

/* A cancellable that is not cancelled during the operation is let go of afterwards:
 * cancelling it later wakes nothing. */
static gpointer
cancellable_unused_body (gpointer data, GError **error)
{
  Task9Channel *channel = test_chan_new (1);
  GCancellable *cancellable = g_cancellable_new ();
  GError *local = NULL;
  gint64 value = 3;

  g_assert_true (task9_channel_send_full (channel, &value, -1, cancellable, error));
  g_assert_true (task9_channel_recv_full (channel, &value, -1, cancellable, error));
  g_cancellable_cancel (cancellable);
  /* This wait has no cancellable: it times out rather than being woken by it. */
  g_assert_false (task9_channel_recv_full (channel, &value, 5 * G_TIME_SPAN_MILLISECOND,
                                           NULL, &local));
  g_assert_error (local, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  g_clear_error (&local);
  g_object_unref (cancellable);
  g_object_unref (channel);
  return NULL;
}

TEST_IN_TASK (test_channel_cancellable_unused, cancellable_unused_body)

/* ---- task cancellation ------------------------------------------------------------ */

static void
test_channel_task_cancel (void)
{
  Task9Proc *proc = test_proc_new ("p");

  for (guint is_send = 0; is_send < 2; is_send++)
    cancel_blocked_op (proc, is_send, FALSE);

  /* A task cancelled before it runs fails its first blocking receive at once. */
  {
    TestPeer op = { test_chan_new (0), FALSE, 5, TRUE, -1 };
    Task9Task *task = test_spawn_on (proc, "cancelled", test_peer_task, &op);

    task9_task_cancel (task);
    g_assert_cmpint (test_join_error_code (task, G_IO_ERROR), ==, G_IO_ERROR_CANCELLED);
    g_object_unref (op.channel);
  }
  test_proc_finish (proc);
}

/* ---- close -------------------------------------------------------------------- */

#define CLOSE_PROCS 3
#define CLOSE_PER_PROC 2

/* Receivers blocked on one channel and senders blocked on a full one, on several procs:
 * closing wakes every one of them with TASK9_ERROR_CLOSED. */
static void
test_channel_close_wakes_all (void)
{
  Task9Proc *procs[CLOSE_PROCS];
  Task9Channel *rx_channel = test_chan_new (0);
  Task9Channel *tx_channel = test_chan_new (1);
  Task9Task *receivers[CLOSE_PROCS * CLOSE_PER_PROC];
  Task9Task *senders[CLOSE_PROCS * CLOSE_PER_PROC];
  TestPeer rx[CLOSE_PROCS * CLOSE_PER_PROC], tx[CLOSE_PROCS * CLOSE_PER_PROC];
  GError *error = NULL;
  gint64 value = 99;

  g_assert_true (task9_channel_try_send (tx_channel, &value, &error));
  for (guint p = 0; p < CLOSE_PROCS; p++)
    procs[p] = test_proc_new ("closer");
  for (guint i = 0; i < G_N_ELEMENTS (receivers); i++)
    {
      rx[i] = (TestPeer) { rx_channel, FALSE, -1 };
      tx[i] = (TestPeer) { tx_channel, TRUE, 1234 };
      receivers[i] = test_spawn_on (procs[i % CLOSE_PROCS], "receiver", test_peer_task, &rx[i]);
      senders[i] = test_spawn_on (procs[i % CLOSE_PROCS], "sender", test_peer_task, &tx[i]);
    }
  for (guint i = 0; i < G_N_ELEMENTS (receivers); i++)
    {
      test_wait_blocked (receivers[i], "recv");
      test_wait_blocked (senders[i], "send");
    }

  task9_channel_close (rx_channel);
  task9_channel_close (tx_channel);
  task9_channel_close (tx_channel);

  for (guint i = 0; i < G_N_ELEMENTS (receivers); i++)
    {
      g_assert_cmpint (test_join_error_code (receivers[i], TASK9_ERROR), ==, TASK9_ERROR_CLOSED);
      g_assert_cmpint (test_join_error_code (senders[i], TASK9_ERROR), ==, TASK9_ERROR_CLOSED);
    }

  /* The buffered element is still there; none of the blocked senders' got in. */
  g_assert_cmpuint (task9_channel_get_length (tx_channel), ==, 1);
  value = 0;
  g_assert_true (task9_channel_try_recv (tx_channel, &value, &error));
  g_assert_cmpint (value, ==, 99);
  g_assert_false (task9_channel_try_recv (tx_channel, &value, &error));
  g_assert_error (error, TASK9_ERROR, TASK9_ERROR_CLOSED);
  g_clear_error (&error);

  for (guint p = 0; p < CLOSE_PROCS; p++)
    test_proc_finish (procs[p]);
  g_object_unref (rx_channel);
  g_object_unref (tx_channel);
}

/* A task blocked in a receive on a buffered, empty channel is woken by close too; so is
 * one blocked with a timeout and a cancellable. */
static gpointer
close_from_task_body (gpointer data, GError **error)
{
  Task9Channel *channel = test_chan_new (3);
  TestPeer plain = { channel, FALSE, -1 };
  TestPeer full = { channel, FALSE, -1, TRUE, G_TIME_SPAN_HOUR, g_cancellable_new () };
  Task9Task *a = test_spawn ("a", test_peer_task, &plain);
  Task9Task *b = test_spawn ("b", test_peer_task, &full);

  test_wait_blocked (a, "recv");
  test_wait_blocked (b, "recv");
  task9_channel_close (channel);
  g_assert_cmpint (test_join_error_code (a, TASK9_ERROR), ==, TASK9_ERROR_CLOSED);
  g_assert_cmpint (test_join_error_code (b, TASK9_ERROR), ==, TASK9_ERROR_CLOSED);
  g_object_unref (full.cancellable);
  g_object_unref (channel);
  return NULL;
}

TEST_IN_TASK (test_channel_close_from_task, close_from_task_body)

/* ---- typed channels ---------------------------------------------------------------- */

/* What is left in a typed channel's buffer is freed with the channel, exactly once. */
static void
test_channel_typed_finalize (void)
{
  GError *error = NULL;
  GValue value = G_VALUE_INIT;
  Task9Channel *channel;
  gint finalized_before = g_atomic_int_get (&test_obj_finalized);
  gint copies_before = g_atomic_int_get (&test_box_copies);
  gint frees_before = g_atomic_int_get (&test_box_frees);
  gpointer weak = NULL;

  /* Objects: one received (its receiver owns it), three left, closed. */
  channel = task9_channel_new_typed (test_obj_get_type (), 4);
  g_value_init (&value, test_obj_get_type ());
  for (gint i = 0; i < 4; i++)
    {
      TestObj *obj = test_obj_new (i);

      if (i == 3)
        {
          weak = obj;
          g_object_add_weak_pointer (G_OBJECT (obj), &weak);
        }
      g_value_set_object (&value, obj);
      g_object_unref (obj);
      g_assert_true (task9_channel_try_send_value (channel, &value, &error));
      g_assert_no_error (error);
    }
  g_value_unset (&value);
  g_assert_true (task9_channel_try_recv_value (channel, &value, &error));
  g_assert_cmpint (((TestObj *) g_value_get_object (&value))->id, ==, 0);
  task9_channel_close (channel);
  g_assert_nonnull (weak);
  g_assert_cmpint (g_atomic_int_get (&test_obj_finalized) - finalized_before, ==, 0);
  g_object_unref (channel);
  g_assert_null (weak);
  g_assert_cmpint (g_atomic_int_get (&test_obj_finalized) - finalized_before, ==, 3);
  g_value_unset (&value);
  g_assert_cmpint (g_atomic_int_get (&test_obj_finalized) - finalized_before, ==, 4);

  /* Boxed values: each send copies once, each copy is freed once. */
  channel = task9_channel_new_typed (test_box_get_type (), 3);
  for (gint i = 0; i < 3; i++)
    {
      TestBox box = { i };

      g_value_init (&value, test_box_get_type ());
      g_value_set_boxed (&value, &box);   /* one copy into the value */
      g_assert_true (task9_channel_try_send_value (channel, &value, &error));
      g_value_unset (&value);
    }
  g_assert_no_error (error);
  g_assert_cmpint (test_box_copies - copies_before, ==, 6);
  g_assert_cmpint (test_box_frees - frees_before, ==, 3);
  g_object_unref (channel);   /* not even closed */
  g_assert_cmpint (test_box_frees - frees_before, ==, 6);

  /* Strings: valgrind and ASan see a leak or a double free. */
  channel = task9_channel_new_typed (G_TYPE_STRING, 3);
  g_value_init (&value, G_TYPE_STRING);
  for (gint i = 0; i < 3; i++)
    {
      g_value_take_string (&value, g_strdup_printf ("string %d", i));
      g_assert_true (task9_channel_try_send_value (channel, &value, &error));
    }
  g_value_unset (&value);
  g_assert_true (task9_channel_try_recv_value (channel, &value, &error));
  g_assert_cmpstr (g_value_get_string (&value), ==, "string 0");
  /* Receiving into an initialized value unsets (frees) what it held. */
  g_assert_true (task9_channel_try_recv_value (channel, &value, &error));
  g_assert_cmpstr (g_value_get_string (&value), ==, "string 1");
  g_assert_no_error (error);
  task9_channel_close (channel);
  g_assert_true (task9_channel_try_recv_value (channel, &value, &error));
  g_assert_cmpstr (g_value_get_string (&value), ==, "string 2");
  /* A failed receive frees what @value held and leaves the type's default: bindings
   * read it even on failure. */
  g_assert_false (task9_channel_try_recv_value (channel, &value, &error));
  g_assert_error (error, TASK9_ERROR, TASK9_ERROR_CLOSED);
  g_clear_error (&error);
  g_assert_true (G_VALUE_HOLDS_STRING (&value));
  g_assert_null (g_value_get_string (&value));
  g_object_unref (channel);
  g_value_unset (&value);
}

/* send_value copies (an object gets a reference); the receiver owns what it gets. */
static gpointer
typed_refs_body (gpointer data, GError **error)
{
  Task9Channel *channel = task9_channel_new_typed (G_TYPE_OBJECT, 1);
  TestObj *obj = test_obj_new (1);
  GValue value = G_VALUE_INIT, received = G_VALUE_INIT;
  GError *local = NULL;

  g_value_init (&value, test_obj_get_type ());   /* a subtype of the element type */
  g_value_set_object (&value, obj);
  g_assert_cmpuint (test_ref_count (obj), ==, 2);

  g_assert_true (task9_channel_send_value (channel, &value, error));
  g_assert_cmpuint (test_ref_count (obj), ==, 3);   /* the buffered copy holds one */

  /* Full: the try fails and its copy is dropped again. */
  g_assert_false (task9_channel_try_send_value (channel, &value, &local));
  g_assert_error (local, TASK9_ERROR, TASK9_ERROR_WOULD_BLOCK);
  g_clear_error (&local);
  g_assert_cmpuint (test_ref_count (obj), ==, 3);

  /* The receiver owns the buffered reference: no new one. */
  g_assert_true (task9_channel_recv_value (channel, &received, error));
  g_assert_true (G_VALUE_HOLDS (&received, G_TYPE_OBJECT));
  g_assert_true (g_value_get_object (&received) == (gpointer) obj);
  g_assert_cmpuint (test_ref_count (obj), ==, 3);
  g_value_unset (&received);
  g_assert_cmpuint (test_ref_count (obj), ==, 2);

  /* Unbuffered, to a blocked receiver: the same accounting. */
  {
    Task9Channel *unbuffered = task9_channel_new_typed (G_TYPE_OBJECT, 0);
    TestPeer r = { unbuffered, FALSE };
    Task9Task *receiver = test_spawn ("receiver", test_peer_task, &r);

    test_wait_blocked (receiver, "recv");
    g_assert_true (task9_channel_send_value (unbuffered, &value, error));
    test_join_ok (receiver);
    g_assert_true (g_value_get_object (&r.value) == (gpointer) obj);
    g_assert_cmpuint (test_ref_count (obj), ==, 3);
    g_value_unset (&r.value);
    g_assert_cmpuint (test_ref_count (obj), ==, 2);

    /* A send that fails (closed) drops its copy. */
    task9_channel_close (unbuffered);
    g_assert_false (task9_channel_send_value (unbuffered, &value, &local));
    g_assert_error (local, TASK9_ERROR, TASK9_ERROR_CLOSED);
    g_clear_error (&local);
    g_assert_cmpuint (test_ref_count (obj), ==, 2);
    g_object_unref (unbuffered);
  }

  /* A string is copied: the channel's copy is not the sender's string. */
  {
    Task9Channel *strings = task9_channel_new_typed (G_TYPE_STRING, 1);
    GValue s = G_VALUE_INIT, t = G_VALUE_INIT;

    g_value_init (&s, G_TYPE_STRING);
    g_value_set_string (&s, "hello");
    g_assert_true (task9_channel_send_value (strings, &s, error));
    g_assert_true (task9_channel_recv_value (strings, &t, error));
    g_assert_cmpstr (g_value_get_string (&t), ==, "hello");
    g_assert_true (g_value_get_string (&t) != g_value_get_string (&s));
    g_value_unset (&s);
    g_value_unset (&t);
    g_object_unref (strings);
  }

  g_value_unset (&value);
  g_assert_cmpuint (test_ref_count (obj), ==, 1);
  g_object_unref (obj);
  g_object_unref (channel);
  return NULL;
}

TEST_IN_TASK (test_channel_typed_refs, typed_refs_body)

static void
test_channel_typed_wrong_type (void)
{
  Task9Channel *typed = task9_channel_new_typed (G_TYPE_STRING, 2);
  Task9Channel *raw = test_chan_new (2);
  GValue value = G_VALUE_INIT;
  GError *error = NULL;
  gint64 elem = 1;

  g_value_init (&value, G_TYPE_INT);
  g_value_set_int (&value, 3);

  test_expect_critical ("*g_type_is_a*");
  g_assert_false (task9_channel_try_send_value (typed, &value, &error));
  g_test_assert_expected_messages ();
  test_expect_critical ("*g_type_is_a*");
  g_assert_false (task9_channel_send_value (typed, &value, &error));
  g_test_assert_expected_messages ();
  g_assert_no_error (error);
  g_assert_cmpuint (task9_channel_get_length (typed), ==, 0);

  /* The value functions need a typed channel, the raw ones a raw channel. */
  test_expect_critical ("*elem_type != G_TYPE_INVALID*");
  g_assert_false (task9_channel_try_send_value (raw, &value, &error));
  g_test_assert_expected_messages ();
  test_expect_critical ("*elem_type != G_TYPE_INVALID*");
  g_assert_false (task9_channel_try_recv_value (raw, &value, &error));
  g_test_assert_expected_messages ();
  test_expect_critical ("*holds_values*");
  g_assert_false (task9_channel_try_send (typed, &elem, &error));
  g_test_assert_expected_messages ();
  test_expect_critical ("*holds_values*");
  g_assert_false (task9_channel_try_recv (typed, &elem, &error));
  g_test_assert_expected_messages ();
  g_assert_no_error (error);

  /* An uninitialized value is refused too. */
  {
    GValue empty = G_VALUE_INIT;

    test_expect_critical ("*G_IS_VALUE*");
    g_assert_false (task9_channel_try_send_value (typed, &empty, &error));
    g_test_assert_expected_messages ();
  }

  /* A channel of a non-value type cannot be made. */
  test_expect_critical ("*G_TYPE_IS_VALUE_TYPE*");
  g_assert_null (task9_channel_new_typed (G_TYPE_INTERFACE, 1));
  g_test_assert_expected_messages ();
  test_expect_critical ("*elem_size > 0*");
  g_assert_null (task9_channel_new (0, 1));
  g_test_assert_expected_messages ();

  g_value_unset (&value);
  g_object_unref (typed);
  g_object_unref (raw);
}

/* ---- conveniences and properties --------------------------------------------------- */

static gpointer
pointer_ulong_body (gpointer data, GError **error)
{
  Task9Channel *pointers = task9_channel_new (sizeof (gpointer), 2);
  Task9Channel *ulongs = task9_channel_new (sizeof (gulong), 2);
  Task9Channel *small = task9_channel_new (1, 2);
  GError *local = NULL;
  gint x;

  g_assert_true (task9_channel_send_pointer (pointers, &x, error));
  g_assert_true (task9_channel_send_pointer (pointers, NULL, error));
  g_assert_true (task9_channel_recv_pointer (pointers, error) == &x);
  g_assert_null (task9_channel_recv_pointer (pointers, &local));
  g_assert_no_error (local);
  task9_channel_close (pointers);
  g_assert_null (task9_channel_recv_pointer (pointers, &local));
  g_assert_error (local, TASK9_ERROR, TASK9_ERROR_CLOSED);
  g_clear_error (&local);
  g_assert_false (task9_channel_send_pointer (pointers, &x, &local));
  g_assert_error (local, TASK9_ERROR, TASK9_ERROR_CLOSED);
  g_clear_error (&local);

  g_assert_true (task9_channel_send_ulong (ulongs, G_MAXULONG, error));
  g_assert_true (task9_channel_send_ulong (ulongs, 17, error));
  g_assert_cmpuint (task9_channel_recv_ulong (ulongs, error), ==, G_MAXULONG);
  g_assert_cmpuint (task9_channel_recv_ulong (ulongs, error), ==, 17);
  /* Closed and drained: 0, with the error. */
  task9_channel_close (ulongs);
  g_assert_cmpuint (task9_channel_recv_ulong (ulongs, &local), ==, 0);
  g_assert_error (local, TASK9_ERROR, TASK9_ERROR_CLOSED);
  g_clear_error (&local);

  /* The wrong element size is a programming error. */
  test_expect_critical ("*elem_size == sizeof*");
  g_assert_false (task9_channel_send_pointer (small, &x, &local));
  g_test_assert_expected_messages ();
  test_expect_critical ("*elem_size == sizeof*");
  g_assert_cmpuint (task9_channel_recv_ulong (small, &local), ==, 0);
  g_test_assert_expected_messages ();
  g_assert_no_error (local);

  g_object_unref (pointers);
  g_object_unref (ulongs);
  g_object_unref (small);
  return NULL;
}

TEST_IN_TASK (test_channel_pointer_ulong, pointer_ulong_body)

/* A receive into NULL takes the element and throws it away. */
static gpointer
recv_null_body (gpointer data, GError **error)
{
  Task9Channel *buffered = test_chan_new (2);
  TestPeer s = { test_chan_new (0), TRUE, 5 };
  Task9Task *sender;
  gint64 value = 1;

  g_assert_true (task9_channel_send (buffered, &value, error));
  value = 2;
  g_assert_true (task9_channel_send (buffered, &value, error));
  g_assert_true (task9_channel_recv (buffered, NULL, error));
  g_assert_cmpuint (task9_channel_get_length (buffered), ==, 1);
  g_assert_true (task9_channel_try_recv (buffered, &value, error));
  g_assert_cmpint (value, ==, 2);
  value = 3;
  g_assert_true (task9_channel_send (buffered, &value, error));
  g_assert_true (task9_channel_try_recv (buffered, NULL, error));
  g_assert_cmpuint (task9_channel_get_length (buffered), ==, 0);

  /* Unbuffered, from a blocked sender: the sender is released. */
  sender = test_spawn ("sender", test_peer_task, &s);
  test_wait_blocked (sender, "send");
  g_assert_true (task9_channel_recv_full (s.channel, NULL, -1, NULL, error));
  test_join_ok (sender);

  g_object_unref (buffered);
  g_object_unref (s.channel);
  return NULL;
}

TEST_IN_TASK (test_channel_recv_null, recv_null_body)

static void
on_notify (GObject *object, GParamSpec *pspec, gpointer data)
{
  (*(guint *) data)++;
}

static void
test_channel_properties (void)
{
  Task9Channel *channel = task9_channel_new (12, 3);
  Task9Channel *typed = task9_channel_new_typed (G_TYPE_STRING, 0);
  guint64 elem_size = 0;
  guint capacity = 0, notified = 0;
  GType elem_type = 0;
  char *name = NULL;

  g_signal_connect (channel, "notify::name", G_CALLBACK (on_notify), &notified);
  g_object_get (channel, "elem-size", &elem_size, "capacity", &capacity, "name", &name,
                "elem-type", &elem_type, NULL);
  g_assert_cmpuint (elem_size, ==, 12);
  g_assert_cmpuint (capacity, ==, 3);
  g_assert_null (name);
  g_assert_cmpuint (elem_type, ==, G_TYPE_INVALID);
  g_assert_null (task9_channel_get_name (channel));

  g_object_set (channel, "name", "jobs", NULL);
  g_assert_cmpstr (task9_channel_get_name (channel), ==, "jobs");
  task9_channel_set_name (channel, "work");
  g_object_get (channel, "name", &name, NULL);
  g_assert_cmpstr (name, ==, "work");
  g_free (name);
  g_assert_cmpuint (notified, ==, 2);
  task9_channel_set_name (channel, NULL);
  g_assert_null (task9_channel_get_name (channel));

  g_object_get (typed, "elem-size", &elem_size, "capacity", &capacity, "elem-type", &elem_type,
                NULL);
  g_assert_cmpuint (elem_size, ==, sizeof (GValue));
  g_assert_cmpuint (task9_channel_get_elem_size (typed), ==, sizeof (GValue));
  g_assert_cmpuint (capacity, ==, 0);
  g_assert_cmpuint (elem_type, ==, G_TYPE_STRING);
  g_assert_cmpuint (task9_channel_get_elem_type (typed), ==, G_TYPE_STRING);

  g_object_unref (channel);
  g_object_unref (typed);
}

/* Made with g_object_new() and properties, as bindings make objects: without an
 * elem-type it is a channel of raw elements of the given size. */
static void
test_channel_properties_construct (void)
{
  Task9Channel *raw = g_object_new (TASK9_TYPE_CHANNEL, "elem-size", (guint64) 4,
                                    "capacity", 2, NULL);
  Task9Channel *typed = g_object_new (TASK9_TYPE_CHANNEL, "elem-type", G_TYPE_INT,
                                      "capacity", 1, NULL);
  GError *error = NULL;
  gint32 x = 7, y = 0;

  g_assert_cmpuint (task9_channel_get_capacity (raw), ==, 2);
  /* Reported without aborting, so that the rest of the suite runs. */
  if (task9_channel_get_elem_type (raw) != G_TYPE_INVALID ||
      task9_channel_get_elem_size (raw) != 4)
    g_test_fail_printf ("g_object_new (TASK9_TYPE_CHANNEL, \"elem-size\", 4, ...) without "
                        "\"elem-type\" made a typed channel of %s with elements of %"
                        G_GSIZE_FORMAT " bytes; expected a raw channel of 4-byte elements",
                        g_type_name (task9_channel_get_elem_type (raw)),
                        task9_channel_get_elem_size (raw));
  else
    {
      g_assert_true (task9_channel_try_send (raw, &x, &error));
      g_assert_true (task9_channel_try_recv (raw, &y, &error));
      g_assert_no_error (error);
      g_assert_cmpint (y, ==, 7);
    }

  g_assert_cmpuint (task9_channel_get_elem_type (typed), ==, G_TYPE_INT);
  /* A scalar type: its elements are kept raw, as gint. */
  g_assert_cmpuint (task9_channel_get_elem_size (typed), ==, sizeof (gint));

  g_object_unref (raw);
  g_object_unref (typed);
}

/* ---- typed channels of scalars: raw in C, GValues for bindings ------------------ */

typedef struct
{
  GType  type;
  gsize  size;
  void (*set) (GValue *value, gint n);
} ScalarCase;

static void set_boolean (GValue *v, gint n) { g_value_set_boolean (v, n & 1); }
static void set_int (GValue *v, gint n) { g_value_set_int (v, -n); }
static void set_uint (GValue *v, gint n) { g_value_set_uint (v, n); }
static void set_long (GValue *v, gint n) { g_value_set_long (v, -n * 100000L); }
static void set_ulong (GValue *v, gint n) { g_value_set_ulong (v, n * 100000UL); }
static void set_int64 (GValue *v, gint n) { g_value_set_int64 (v, -n * (G_GINT64_CONSTANT (1) << 40)); }
static void set_uint64 (GValue *v, gint n) { g_value_set_uint64 (v, (guint64) n << 40); }
static void set_float (GValue *v, gint n) { g_value_set_float (v, n + 0.5f); }
static void set_double (GValue *v, gint n) { g_value_set_double (v, n + 0.25); }
static void set_pointer (GValue *v, gint n) { g_value_set_pointer (v, GINT_TO_POINTER (n * 8)); }
static void set_flags (GValue *v, gint n) { g_value_set_flags (v, n & (G_IO_IN | G_IO_OUT)); }
static void set_enum (GValue *v, gint n) { g_value_set_enum (v, n % 3); }

static gpointer
scalar_body (gpointer data, GError **error)
{
  const ScalarCase cases[] = {
    { G_TYPE_BOOLEAN, sizeof (gboolean), set_boolean },
    { G_TYPE_INT, sizeof (gint), set_int },
    { G_TYPE_UINT, sizeof (guint), set_uint },
    { G_TYPE_LONG, sizeof (glong), set_long },
    { G_TYPE_ULONG, sizeof (gulong), set_ulong },
    { G_TYPE_INT64, sizeof (gint64), set_int64 },
    { G_TYPE_UINT64, sizeof (guint64), set_uint64 },
    { G_TYPE_FLOAT, sizeof (gfloat), set_float },
    { G_TYPE_DOUBLE, sizeof (gdouble), set_double },
    { G_TYPE_POINTER, sizeof (gpointer), set_pointer },
    { G_TYPE_IO_CONDITION, sizeof (guint), set_flags },
    { TASK9_TYPE_TASK_STATE, sizeof (gint), set_enum },
  };

  for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      Task9Channel *channel = task9_channel_new_typed (cases[c].type, 4);
      GValue in = G_VALUE_INIT, out = G_VALUE_INIT;
      guint64 raw = 0;

      g_assert_cmpuint (task9_channel_get_elem_size (channel), ==, cases[c].size);
      g_value_init (&in, cases[c].type);
      cases[c].set (&in, 5);

      /* A value in, the raw scalar out, and the other way round. */
      g_assert_true (task9_channel_send_value (channel, &in, error));
      g_assert_true (task9_channel_recv (channel, &raw, error));
      if (cases[c].type == G_TYPE_INT64)
        g_assert_cmpint (*(gint64 *) &raw, ==, -5 * (G_GINT64_CONSTANT (1) << 40));
      g_assert_true (task9_channel_send (channel, &raw, error));
      g_assert_true (task9_channel_recv_value (channel, &out, error));
      g_assert_cmpuint (G_VALUE_TYPE (&out), ==, cases[c].type);
      {
        g_autofree char *sent = g_strdup_value_contents (&in);
        g_autofree char *got = g_strdup_value_contents (&out);

        g_assert_cmpstr (got, ==, sent);
      }
      g_value_unset (&out);
      g_value_unset (&in);
      g_object_unref (channel);
    }
  return NULL;
}

TEST_IN_TASK (test_channel_scalar, scalar_body)

/* ---- cross-proc: many senders and receivers on one channel ---------------------------- */

#define MANY_PROCS 4
#define MANY_SENDERS_PER_PROC 3
#define MANY_RECEIVERS_PER_PROC 3

typedef struct
{
  Task9Channel *channel;
  guint         id;
  guint         n;
  GArray       *got;     /* receivers: what they received, in order */
} ManyAgent;

static gpointer
many_sender (gpointer data, GError **error)
{
  ManyAgent *a = data;

  for (guint64 seq = 0; seq < a->n; seq++)
    {
      guint64 value = ((guint64) a->id << 32) | seq;

      if (!task9_channel_send (a->channel, &value, error))
        return NULL;
      if (seq % 64 == 0)
        task9_yield ();
    }
  return NULL;
}

static gpointer
many_receiver (gpointer data, GError **error)
{
  ManyAgent *a = data;
  GError *local = NULL;
  guint64 value;

  while (task9_channel_recv (a->channel, &value, &local))
    g_array_append_val (a->got, value);
  g_assert_error (local, TASK9_ERROR, TASK9_ERROR_CLOSED);
  g_clear_error (&local);
  return NULL;
}

static void
many_cross_proc (guint capacity)
{
  enum { N_SENDERS = MANY_PROCS * MANY_SENDERS_PER_PROC,
         N_RECEIVERS = MANY_PROCS * MANY_RECEIVERS_PER_PROC };
  Task9Proc *procs[MANY_PROCS];
  Task9Channel *channel = test_chan_new (capacity);
  ManyAgent senders[N_SENDERS], receivers[N_RECEIVERS];
  Task9Task *sender_tasks[N_SENDERS], *receiver_tasks[N_RECEIVERS];
  guint n = test_scale (3000, 100);
  guint8 *seen = g_new0 (guint8, (gsize) N_SENDERS * n);
  guint64 total = 0;

  for (guint p = 0; p < MANY_PROCS; p++)
    procs[p] = test_proc_new ("many");
  for (guint i = 0; i < N_RECEIVERS; i++)
    {
      receivers[i] = (ManyAgent) { channel, i, 0, g_array_new (FALSE, FALSE, sizeof (guint64)) };
      receiver_tasks[i] = test_spawn_on (procs[i % MANY_PROCS], "receiver", many_receiver,
                                         &receivers[i]);
    }
  for (guint i = 0; i < N_SENDERS; i++)
    {
      senders[i] = (ManyAgent) { channel, i, n, NULL };
      sender_tasks[i] = test_spawn_on (procs[(i + 1) % MANY_PROCS], "sender", many_sender,
                                       &senders[i]);
    }
  for (guint i = 0; i < N_SENDERS; i++)
    test_join_ok (sender_tasks[i]);
  task9_channel_close (channel);
  for (guint i = 0; i < N_RECEIVERS; i++)
    test_join_ok (receiver_tasks[i]);

  for (guint r = 0; r < N_RECEIVERS; r++)
    {
      gint64 last[N_SENDERS];
      GArray *got = receivers[r].got;

      for (guint s = 0; s < N_SENDERS; s++)
        last[s] = -1;
      for (guint i = 0; i < got->len; i++)
        {
          guint64 value = g_array_index (got, guint64, i);
          guint s = value >> 32;
          guint seq = value & 0xffffffff;

          g_assert_cmpuint (s, <, N_SENDERS);
          g_assert_cmpuint (seq, <, n);
          g_assert_cmpuint (seen[(gsize) s * n + seq], ==, 0);   /* exactly once */
          seen[(gsize) s * n + seq] = 1;
          /* One receiver sees each sender's values in the order they were sent. */
          g_assert_cmpint ((gint64) seq, >, last[s]);
          last[s] = seq;
        }
      total += got->len;
      g_array_unref (got);
    }
  g_assert_cmpuint (total, ==, (guint64) N_SENDERS * n);

  for (guint p = 0; p < MANY_PROCS; p++)
    test_proc_finish (procs[p]);
  g_free (seen);
  g_object_unref (channel);
}

static void
test_channel_many_unbuffered (void)
{
  many_cross_proc (0);
}

static void
test_channel_many_buffered (void)
{
  many_cross_proc (8);
}

/* ---- FIFO among blocked partners -------------------------------------------------- */

/* Three receivers block in a known order on one proc; values sent afterwards arrive in
 * that order. The same with a cancelled receiver in the middle, and for senders. */
static gpointer
fifo_same_proc_body (gpointer data, GError **error)
{
  Task9Channel *channel = test_chan_new (0);
  TestPeer agents[4];
  Task9Task *tasks[4];
  gint64 value;

  for (guint i = 0; i < 4; i++)
    {
      agents[i] = (TestPeer) { channel, FALSE, -1, TRUE, -1, g_cancellable_new () };
      tasks[i] = test_spawn ("receiver", test_peer_task, &agents[i]);
      test_wait_blocked (tasks[i], "recv");
    }
  g_cancellable_cancel (agents[1].cancellable);
  g_assert_cmpint (test_join_error_code (tasks[1], G_IO_ERROR), ==, G_IO_ERROR_CANCELLED);
  for (value = 10; value < 13; value++)
    g_assert_true (task9_channel_send (channel, &value, error));
  test_join_ok (tasks[0]);
  test_join_ok (tasks[2]);
  test_join_ok (tasks[3]);
  g_assert_cmpint (agents[0].elem, ==, 10);
  g_assert_cmpint (agents[1].elem, ==, -1);
  g_assert_cmpint (agents[2].elem, ==, 11);
  g_assert_cmpint (agents[3].elem, ==, 12);
  for (guint i = 0; i < 4; i++)
    g_object_unref (agents[i].cancellable);

  /* Senders: blocked in order on the unbuffered channel, then on a full buffered one. */
  for (guint capacity = 0; capacity < 2; capacity++)
    {
      Task9Channel *ch = test_chan_new (capacity);

      if (capacity > 0)
        {
          value = 100;
          g_assert_true (task9_channel_send (ch, &value, error));
        }
      for (guint i = 0; i < 4; i++)
        {
          agents[i] = (TestPeer) { ch, TRUE, 20 + i, TRUE, -1 };
          tasks[i] = test_spawn ("sender", test_peer_task, &agents[i]);
          test_wait_blocked (tasks[i], "send");
        }
      if (capacity > 0)
        {
          g_assert_true (task9_channel_recv (ch, &value, error));
          g_assert_cmpint (value, ==, 100);
        }
      for (guint i = 0; i < 4; i++)
        {
          g_assert_true (task9_channel_recv (ch, &value, error));
          g_assert_cmpint (value, ==, 20 + i);
        }
      for (guint i = 0; i < 4; i++)
        test_join_ok (tasks[i]);
      g_object_unref (ch);
    }

  g_object_unref (channel);
  return NULL;
}

TEST_IN_TASK (test_channel_fifo_same_proc, fifo_same_proc_body)

/* Receivers on three procs, each blocked before the next starts; the test thread (no
 * proc's) then hands out values with try_send, which meets the waiting receivers in
 * FIFO order. */
static void
test_channel_fifo_cross_proc (void)
{
  Task9Proc *procs[3];
  Task9Channel *channel = test_chan_new (0);
  TestPeer agents[3];
  Task9Task *tasks[3];
  GError *error = NULL;

  for (guint i = 0; i < 3; i++)
    procs[i] = test_proc_new ("fifo");
  for (guint round = 0; round < test_scale (20, 3); round++)
    {
      /* Rotate which proc blocks first. */
      for (guint i = 0; i < 3; i++)
        {
          agents[i] = (TestPeer) { channel, FALSE, -1, TRUE, -1 };
          tasks[i] = test_spawn_on (procs[(i + round) % 3], "receiver", test_peer_task,
                                    &agents[i]);
          test_wait_blocked (tasks[i], "recv");
        }
      for (gint64 value = 0; value < 3; value++)
        {
          g_assert_true (task9_channel_try_send (channel, &value, &error));
          g_assert_no_error (error);
        }
      for (guint i = 0; i < 3; i++)
        {
          test_join_ok (tasks[i]);
          g_assert_cmpint (agents[i].elem, ==, i);
        }
    }
  for (guint i = 0; i < 3; i++)
    test_proc_finish (procs[i]);
  g_object_unref (channel);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/channel/unbuffered/rendezvous", test_channel_rendezvous);
  g_test_add_func ("/channel/unbuffered/rendezvous-cross-proc", test_channel_rendezvous_cross_proc);
  g_test_add_func ("/channel/unbuffered/would-block", test_channel_unbuffered_would_block);
  g_test_add_func ("/channel/buffered/ring", test_channel_buffered_ring);
  g_test_add_func ("/channel/buffered/blocked-sender", test_channel_buffered_blocked_sender);
  g_test_add_func ("/channel/errors/would-block-vs-closed", test_channel_would_block_vs_closed);
  g_test_add_func ("/channel/timeout/basic", test_channel_timeout);
  g_test_add_func ("/channel/timeout/race-unbuffered", test_channel_timeout_race_unbuffered);
  g_test_add_func ("/channel/timeout/race-buffered", test_channel_timeout_race_buffered);
  g_test_add_func ("/channel/cancellable/before", test_channel_cancellable_before);
  g_test_add_func ("/channel/cancellable/same-proc", test_channel_cancellable_same_proc);
  g_test_add_func ("/channel/cancellable/other-thread", test_channel_cancellable_other_thread);
  g_test_add_func ("/channel/cancellable/unused", test_channel_cancellable_unused);
  g_test_add_func ("/channel/task-cancel", test_channel_task_cancel);
  g_test_add_func ("/channel/close/wakes-all", test_channel_close_wakes_all);
  g_test_add_func ("/channel/close/from-task", test_channel_close_from_task);
  g_test_add_func ("/channel/typed/scalar", test_channel_scalar);
  g_test_add_func ("/channel/typed/finalize", test_channel_typed_finalize);
  g_test_add_func ("/channel/typed/refs", test_channel_typed_refs);
  g_test_add_func ("/channel/typed/wrong-type", test_channel_typed_wrong_type);
  g_test_add_func ("/channel/pointer-ulong", test_channel_pointer_ulong);
  g_test_add_func ("/channel/recv-null", test_channel_recv_null);
  g_test_add_func ("/channel/properties/get-set", test_channel_properties);
  g_test_add_func ("/channel/properties/construct", test_channel_properties_construct);
  g_test_add_func ("/channel/cross-proc/unbuffered", test_channel_many_unbuffered);
  g_test_add_func ("/channel/cross-proc/buffered", test_channel_many_buffered);
  g_test_add_func ("/channel/fifo/same-proc", test_channel_fifo_same_proc);
  g_test_add_func ("/channel/fifo/cross-proc", test_channel_fifo_cross_proc);

  return g_test_run ();
}
