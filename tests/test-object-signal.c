/* test-object-signal.c: GObject signal emissions as channels
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "test-util.h"

/* ---- an emitter with the kinds of signals there are ------------------------------- */

#define TEST_TYPE_EMITTER (test_emitter_get_type ())
G_DECLARE_FINAL_TYPE (TestEmitter, test_emitter, TEST, EMITTER, GObject)

struct _TestEmitter
{
  GObject  parent_instance;
  char    *label;
  gint     size;
};

G_DEFINE_FINAL_TYPE (TestEmitter, test_emitter, G_TYPE_OBJECT)

enum { SIG_PING, SIG_HANDLED, SIG_COMPUTE, N_SIGNALS };
enum { PROP_0, PROP_LABEL, PROP_SIZE };

static guint signals[N_SIGNALS];

static void
test_emitter_finalize (GObject *object)
{
  g_free (TEST_EMITTER (object)->label);
  G_OBJECT_CLASS (test_emitter_parent_class)->finalize (object);
}

static void
test_emitter_set_property (GObject *object, guint id, const GValue *value, GParamSpec *pspec)
{
  TestEmitter *self = TEST_EMITTER (object);

  if (id == PROP_LABEL)
    {
      g_free (self->label);
      self->label = g_value_dup_string (value);
    }
  else
    self->size = g_value_get_int (value);
}

static void
test_emitter_get_property (GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
  TestEmitter *self = TEST_EMITTER (object);

  if (id == PROP_LABEL)
    g_value_set_string (value, self->label);
  else
    g_value_set_int (value, self->size);
}

static void
test_emitter_class_init (TestEmitterClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = test_emitter_finalize;
  object_class->set_property = test_emitter_set_property;
  object_class->get_property = test_emitter_get_property;
  g_object_class_install_property (object_class, PROP_LABEL,
    g_param_spec_string ("label", NULL, NULL, NULL, G_PARAM_READWRITE));
  g_object_class_install_property (object_class, PROP_SIZE,
    g_param_spec_int ("size", NULL, NULL, 0, 100, 0, G_PARAM_READWRITE));

  /* ping (int, string, object) */
  signals[SIG_PING] = g_signal_new ("ping", TEST_TYPE_EMITTER, G_SIGNAL_RUN_LAST, 0,
                                    NULL, NULL, NULL, G_TYPE_NONE, 3,
                                    G_TYPE_INT, G_TYPE_STRING, G_TYPE_OBJECT);
  /* gboolean handled (int): stops at the first handler that returns TRUE */
  signals[SIG_HANDLED] = g_signal_new ("handled", TEST_TYPE_EMITTER, G_SIGNAL_RUN_LAST, 0,
                                       g_signal_accumulator_true_handled, NULL, NULL,
                                       G_TYPE_BOOLEAN, 1, G_TYPE_INT);
  /* int compute (int): no accumulator, the last handler's value wins */
  signals[SIG_COMPUTE] = g_signal_new ("compute", TEST_TYPE_EMITTER, G_SIGNAL_RUN_LAST, 0,
                                       NULL, NULL, NULL, G_TYPE_INT, 1, G_TYPE_INT);
}

static void
test_emitter_init (TestEmitter *self)
{
}

static TestEmitter *
emitter_new (void)
{
  return g_object_new (TEST_TYPE_EMITTER, NULL);
}

static void
ping (TestEmitter *emitter, gint n, GObject *object)
{
  g_autofree char *text = g_strdup_printf ("ping %d", n);

  g_signal_emit (emitter, signals[SIG_PING], 0, n, text, object);
}

static Task9Channel *
connect_ok (gpointer instance, const char *signal, guint capacity)
{
  GError *error = NULL;
  Task9Channel *channel = task9_object_connect_channel (instance, signal, capacity, &error);

  g_assert_no_error (error);
  g_assert_nonnull (channel);
  return channel;
}

/* Receives one emission of @channel, which must be there (or come). */
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

/* Checks that @emission is ping (n, "ping n", object). */
static void
assert_ping (Task9Emission *emission, TestEmitter *emitter, gint n, GObject *object)
{
  g_autofree char *text = g_strdup_printf ("ping %d", n);

  g_assert_true (task9_emission_get_instance (emission) == G_OBJECT (emitter));
  g_assert_cmpstr (task9_emission_get_signal_name (emission), ==, "ping");
  g_assert_null (task9_emission_get_detail (emission));
  g_assert_cmpuint (task9_emission_get_n_values (emission), ==, 3);
  g_assert_cmpint (g_value_get_int (task9_emission_get_value (emission, 0)), ==, n);
  g_assert_cmpstr (g_value_get_string (task9_emission_get_value (emission, 1)), ==, text);
  g_assert_true (g_value_get_object (task9_emission_get_value (emission, 2)) == object);
}

static void
assert_recv_fails (Task9Channel *channel, GQuark domain, gint code)
{
  GValue value = G_VALUE_INIT;
  GError *error = NULL;

  g_assert_false (task9_channel_try_recv_value (channel, &value, &error));
  g_assert_error (error, domain, code);
  g_clear_error (&error);
  g_value_unset (&value);
}

/* ---- tests ---------------------------------------------------------------------- */

typedef struct
{
  TestEmitter *emitter;
  GObject     *arg;
  gint         first;
  gint         n;
} Pinger;

static gpointer
pinger_thread (gpointer data)
{
  Pinger *p = data;

  for (gint i = 0; i < p->n; i++)
    ping (p->emitter, p->first + i, p->arg);
  return NULL;
}

/* Emissions from the receiving task itself, then from a plain thread while the task is
 * blocked receiving: all arrive, in order, with their arguments. */
static gpointer
order_body (gpointer data, GError **error)
{
  g_autoptr(TestEmitter) emitter = emitter_new ();
  g_autoptr(GObject) arg = g_object_new (G_TYPE_OBJECT, NULL);
  guint n_thread = test_scale (500, 50);
  g_autoptr(Task9Channel) channel = connect_ok (emitter, "ping", n_thread + 5);
  Pinger pinger = { emitter, arg, 5, n_thread };
  GThread *thread;

  for (gint i = 0; i < 5; i++)
    ping (emitter, i, arg);
  g_assert_cmpuint (task9_channel_get_length (channel), ==, 5);

  thread = g_thread_new ("pinger", pinger_thread, &pinger);
  for (guint i = 0; i < 5 + n_thread; i++)
    {
      g_autoptr(Task9Emission) emission = recv_emission (channel);

      assert_ping (emission, emitter, i, arg);
    }
  g_thread_join (thread);
  g_assert_cmpuint (task9_channel_get_dropped (channel), ==, 0);
  return NULL;
}
TEST_IN_TASK (test_order, order_body)

typedef struct
{
  Pinger        pinger;
  Task9Channel *channel;
} ClosingPinger;

/* Pings, then closes the channel: the receiver drains and learns that was all. */
static gpointer
closing_pinger_thread (gpointer data)
{
  ClosingPinger *p = data;

  pinger_thread (&p->pinger);
  task9_channel_close (p->channel);
  return NULL;
}

/* A small buffer and a fast emitter thread: what arrives is in order, and what did not
 * was counted. */
static gpointer
drops_body (gpointer data, GError **error)
{
  g_autoptr(TestEmitter) emitter = emitter_new ();
  g_autoptr(Task9Channel) channel = connect_ok (emitter, "ping", 2);
  guint n = test_scale (5000, 300);
  ClosingPinger pinger = { { emitter, NULL, 5, n }, channel };
  GValue value = G_VALUE_INIT;
  GError *local = NULL;
  GThread *thread;
  guint received = 0;
  gint last = 4;

  /* No receiver: two fit, three are dropped. */
  for (gint i = 0; i < 5; i++)
    ping (emitter, i, NULL);
  g_assert_cmpuint (task9_channel_get_length (channel), ==, 2);
  g_assert_cmpuint (task9_channel_get_dropped (channel), ==, 3);
  for (gint i = 0; i < 2; i++)
    {
      g_autoptr(Task9Emission) emission = recv_emission (channel);

      assert_ping (emission, emitter, i, NULL);
    }

  /* A receiver racing the emitter. */
  thread = g_thread_new ("pinger", closing_pinger_thread, &pinger);
  while (task9_channel_recv_value (channel, &value, &local))
    {
      Task9Emission *emission = g_value_get_object (&value);
      gint got = g_value_get_int (task9_emission_get_value (emission, 0));

      g_assert_cmpint (got, >, last);
      last = got;
      received++;
      g_value_unset (&value);
    }
  g_assert_error (local, TASK9_ERROR, TASK9_ERROR_CLOSED);
  g_clear_error (&local);
  g_thread_join (thread);
  g_assert_cmpuint (received + task9_channel_get_dropped (channel), ==, n + 3);
  g_test_message ("%u of %u received, %" G_GUINT64_FORMAT " dropped", received, n,
                  task9_channel_get_dropped (channel) - 3);
  /* Closing disconnected the handler. */
  g_assert_false (g_signal_has_handler_pending (emitter, signals[SIG_PING], 0, FALSE));
  return NULL;
}
TEST_IN_TASK (test_drops, drops_body)

/* A detailed signal: only the named property's notifications arrive. */
static gpointer
detailed_body (gpointer data, GError **error)
{
  g_autoptr(TestEmitter) emitter = emitter_new ();
  g_autoptr(Task9Channel) channel = connect_ok (emitter, "notify::label", 4);
  g_autoptr(Task9Emission) emission = NULL;
  GParamSpec *pspec;

  g_object_set (emitter, "size", 3, NULL);
  g_object_set (emitter, "label", "hello", NULL);
  g_object_set (emitter, "size", 4, NULL);
  g_assert_cmpuint (task9_channel_get_length (channel), ==, 1);

  emission = recv_emission (channel);
  g_assert_cmpstr (task9_emission_get_signal_name (emission), ==, "notify");
  g_assert_cmpstr (task9_emission_get_detail (emission), ==, "label");
  g_assert_cmpuint (task9_emission_get_n_values (emission), ==, 1);
  pspec = g_value_get_param (task9_emission_get_value (emission, 0));
  g_assert_cmpstr (pspec->name, ==, "label");
  return NULL;
}
TEST_IN_TASK (test_detailed, detailed_body)

/* Names that do not fit the object are a GError; bad arguments a critical. */
static void
test_bad_input (void)
{
  g_autoptr(TestEmitter) emitter = emitter_new ();
  g_autoptr(GObject) plain = g_object_new (G_TYPE_OBJECT, NULL);
  GError *error = NULL;

  g_assert_null (task9_object_connect_channel (emitter, "no-such-signal", 1, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_null (task9_object_connect_channel (emitter, "ping::detail", 1, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_null (task9_object_connect_channel (plain, "ping", 1, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  if (g_test_undefined ())
    {
      gpointer not_an_object[4] = { NULL, };   /* no class: not a GTypeInstance */

      test_expect_critical ("*G_IS_OBJECT*");
      g_assert_null (task9_object_connect_channel (not_an_object, "ping", 1, NULL));
      g_test_assert_expected_messages ();
      test_expect_critical ("*G_IS_OBJECT*");
      g_assert_null (task9_object_connect_channel (NULL, "ping", 1, NULL));
      g_test_assert_expected_messages ();
      test_expect_critical ("*capacity*");
      g_assert_null (task9_object_connect_channel (emitter, "ping", 0, NULL));
      g_test_assert_expected_messages ();
    }

  /* Outside a task, the blocking wait says so (and leaves no handler behind). */
  g_assert_null (task9_object_wait_signal (emitter, "ping", -1, NULL, &error));
  g_assert_error (error, TASK9_ERROR, TASK9_ERROR_NOT_IN_TASK);
  g_clear_error (&error);
  g_assert_false (g_signal_has_handler_pending (emitter, signals[SIG_PING], 0, FALSE));
}

/* The object goes: the channel is closed once what was delivered (which keeps the
 * object alive) is drained. */
static gpointer
weak_ref_body (gpointer data, GError **error)
{
  TestEmitter *emitter = emitter_new ();
  g_autoptr(Task9Channel) channel = connect_ok (emitter, "ping", 4);
  gpointer watch = emitter;
  Task9Emission *first;
  Task9Emission *second;

  g_object_add_weak_pointer (G_OBJECT (emitter), &watch);
  ping (emitter, 0, NULL);
  ping (emitter, 1, NULL);
  g_object_unref (emitter);
  g_assert_nonnull (watch);   /* the two emissions hold it */
  g_assert_false (task9_channel_is_closed (channel));

  first = recv_emission (channel);
  second = recv_emission (channel);
  assert_ping (first, watch, 0, NULL);
  assert_ping (second, watch, 1, NULL);
  g_object_unref (first);
  g_assert_nonnull (watch);
  g_object_unref (second);
  g_assert_null (watch);
  g_assert_true (task9_channel_is_closed (channel));
  assert_recv_fails (channel, TASK9_ERROR, TASK9_ERROR_CLOSED);

  /* With nothing pending, at once; a blocked receiver is woken. */
  emitter = emitter_new ();
  {
    g_autoptr(Task9Channel) other = connect_ok (emitter, "ping", 1);

    g_object_unref (emitter);
    g_assert_true (task9_channel_is_closed (other));
  }
  return NULL;
}
TEST_IN_TASK (test_weak_ref, weak_ref_body)

typedef struct
{
  Task9Channel *channel;
  gint          blocked;
} Receiver;

static gpointer
closed_receiver_task (gpointer data, GError **error)
{
  Receiver *r = data;
  GValue value = G_VALUE_INIT;

  g_assert_false (task9_channel_recv_value (r->channel, &value, error));
  g_value_unset (&value);
  return NULL;
}

static gpointer
unref_thread (gpointer data)
{
  g_object_unref (data);
  return NULL;
}

/* A task blocked on the channel when the object is finalized on another thread is
 * woken with TASK9_ERROR_CLOSED. */
static gpointer
finalize_wakes_body (gpointer data, GError **error)
{
  TestEmitter *emitter = emitter_new ();
  Receiver r = { connect_ok (emitter, "ping", 1) };
  Task9Task *receiver = test_spawn ("receiver", closed_receiver_task, &r);
  GThread *thread;

  test_wait_blocked (receiver, "recv");
  thread = g_thread_new ("unref", unref_thread, emitter);
  g_assert_cmpint (test_join_error_code (receiver, TASK9_ERROR), ==, TASK9_ERROR_CLOSED);
  g_thread_join (thread);
  g_object_unref (r.channel);
  return NULL;
}
TEST_IN_TASK (test_finalize_wakes, finalize_wakes_body)

/* Closing the channel or dropping it disconnects the handler. */
static void
test_unsubscribe (void)
{
  g_autoptr(TestEmitter) emitter = emitter_new ();
  Task9Channel *channel;
  gpointer watch;

  channel = connect_ok (emitter, "ping", 1);
  g_assert_true (g_signal_has_handler_pending (emitter, signals[SIG_PING], 0, FALSE));
  task9_channel_close (channel);
  g_assert_false (g_signal_has_handler_pending (emitter, signals[SIG_PING], 0, FALSE));
  ping (emitter, 1, NULL);
  g_assert_cmpuint (task9_channel_get_length (channel), ==, 0);
  g_assert_cmpuint (task9_channel_get_dropped (channel), ==, 0);
  g_object_unref (channel);

  channel = connect_ok (emitter, "notify::label", 1);
  watch = channel;
  g_object_add_weak_pointer (G_OBJECT (channel), &watch);
  g_assert_true (g_signal_has_handler_pending (emitter, g_signal_lookup ("notify", G_TYPE_OBJECT),
                                               g_quark_from_string ("label"), FALSE));
  g_object_unref (channel);
  g_assert_null (watch);
  g_assert_false (g_signal_has_handler_pending (emitter, g_signal_lookup ("notify", G_TYPE_OBJECT),
                                                g_quark_from_string ("label"), FALSE));
  g_object_set (emitter, "label", "after", NULL);   /* nothing to deliver to, no crash */
}

static gboolean
handled_true (TestEmitter *emitter, gint n, gint *ran)
{
  (*ran)++;
  return TRUE;
}

static gint
compute_42 (TestEmitter *emitter, gint n, gpointer data)
{
  return 42;
}

/* What the emitter of a signal with a return value gets: the subscription counts as a
 * handler returning the default under an accumulator, and changes nothing without one. */
static void
test_return_value (void)
{
  g_autoptr(TestEmitter) emitter = emitter_new ();
  g_autoptr(Task9Channel) handled = connect_ok (emitter, "handled", 4);
  g_autoptr(Task9Channel) compute = connect_ok (emitter, "compute", 4);
  gboolean was_handled = TRUE;
  gint result = -1;
  gint ran = 0;

  /* Only the subscription: not handled, and 0. */
  g_signal_emit (emitter, signals[SIG_HANDLED], 0, 7, &was_handled);
  g_assert_false (was_handled);
  g_signal_emit (emitter, signals[SIG_COMPUTE], 0, 7, &result);
  g_assert_cmpint (result, ==, 0);

  /* A handler after the subscription still runs, and answers. */
  g_signal_connect (emitter, "handled", G_CALLBACK (handled_true), &ran);
  g_signal_emit (emitter, signals[SIG_HANDLED], 0, 8, &was_handled);
  g_assert_true (was_handled);
  g_assert_cmpint (ran, ==, 1);

  /* A handler before it keeps its answer. */
  g_signal_handlers_disconnect_by_data (emitter, NULL);
  {
    g_autoptr(TestEmitter) other = emitter_new ();
    g_autoptr(Task9Channel) sub = NULL;

    g_signal_connect (other, "compute", G_CALLBACK (compute_42), NULL);
    sub = connect_ok (other, "compute", 1);
    g_signal_emit (other, signals[SIG_COMPUTE], 0, 9, &result);
    g_assert_cmpint (result, ==, 42);
    g_assert_cmpuint (task9_channel_get_length (sub), ==, 1);
  }

  /* Every emission arrived, with its argument. */
  g_assert_cmpuint (task9_channel_get_length (handled), ==, 2);
  g_assert_cmpuint (task9_channel_get_length (compute), ==, 1);
}

/* The blocking wait: the emission, a timeout and a cancellation that leave no handler
 * behind. */
static gpointer
emit_later_task (gpointer data, GError **error)
{
  TestEmitter *emitter = data;

  task9_yield ();
  ping (emitter, 11, NULL);
  return NULL;
}

static gpointer
wait_signal_body (gpointer data, GError **error)
{
  g_autoptr(TestEmitter) emitter = emitter_new ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(Task9Emission) emission = NULL;
  GError *local = NULL;

  test_join_ok (test_spawn ("emitter", emit_later_task, emitter));
  /* That one is gone: a wait sees only emissions made while it waits. */
  task9_task_unref (test_spawn ("emitter", emit_later_task, emitter));
  emission = task9_object_wait_signal (emitter, "ping", -1, NULL, &local);
  g_assert_no_error (local);
  assert_ping (emission, emitter, 11, NULL);

  g_assert_null (task9_object_wait_signal (emitter, "ping", 1000, NULL, &local));
  g_assert_error (local, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  g_clear_error (&local);
  g_assert_null (task9_object_wait_signal (emitter, "ping", 0, NULL, &local));
  g_assert_error (local, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  g_clear_error (&local);
  g_cancellable_cancel (cancellable);
  g_assert_null (task9_object_wait_signal (emitter, "ping", -1, cancellable, &local));
  g_assert_error (local, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&local);
  g_assert_null (task9_object_wait_signal (emitter, "nope", -1, NULL, &local));
  g_assert_error (local, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_clear_error (&local);
  g_assert_false (g_signal_has_handler_pending (emitter, signals[SIG_PING], 0, FALSE));
  return NULL;
}
TEST_IN_TASK (test_wait_signal, wait_signal_body)

/* An alt of a signal channel and after(): the timeout first, then the signal. */
static gpointer
alt_body (gpointer data, GError **error)
{
  g_autoptr(TestEmitter) emitter = emitter_new ();
  g_autoptr(Task9Channel) pings = connect_ok (emitter, "ping", 4);
  GError *local = NULL;

  for (gint round = 0; round < 2; round++)
    {
      g_autoptr(Task9Channel) timeout = task9_channel_after (round == 0 ? 1000 : G_TIME_SPAN_HOUR);
      GValue emission = G_VALUE_INIT;
      gint64 when = 0;
      Task9AltArm arms[] = {
        { pings, TASK9_ALT_RECV, &emission },
        { timeout, TASK9_ALT_RECV, &when },
      };
      gint fired;

      if (round == 1)
        task9_task_unref (test_spawn ("emitter", emit_later_task, emitter));
      fired = task9_alt (arms, G_N_ELEMENTS (arms), -1, NULL, &local);
      g_assert_no_error (local);
      if (round == 0)
        {
          g_assert_cmpint (fired, ==, 1);
          g_assert_cmpint (when, >, 0);
        }
      else
        {
          g_assert_cmpint (fired, ==, 0);
          assert_ping (g_value_get_object (&emission), emitter, 11, NULL);
          g_value_unset (&emission);
        }
    }
  return NULL;
}
TEST_IN_TASK (test_alt, alt_body)

static void
test_store_result (GObject *source, GAsyncResult *result, gpointer data)
{
  *(GAsyncResult **) data = g_object_ref (result);
}

/* The async pair, from a main loop that is no proc's. */
static void
wait_signal_done (GObject *source, GAsyncResult *result, gpointer data)
{
  Task9Emission **out = data;
  GError *error = NULL;

  *out = task9_object_wait_signal_finish (result, &error);
  if (*out == NULL)
    {
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
      g_clear_error (&error);
      *out = GINT_TO_POINTER (1);
    }
}

static void
test_wait_signal_async (void)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(TestEmitter) emitter = emitter_new ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  Task9Emission *emission = NULL;

  g_main_context_push_thread_default (context);

  task9_object_wait_signal_async (emitter, "ping", NULL, wait_signal_done, &emission);
  g_main_context_iteration (context, FALSE);
  g_assert_null (emission);
  ping (emitter, 3, NULL);
  while (emission == NULL)
    g_main_context_iteration (context, TRUE);
  assert_ping (emission, emitter, 3, NULL);
  g_object_unref (emission);
  g_assert_false (g_signal_has_handler_pending (emitter, signals[SIG_PING], 0, FALSE));

  /* Cancelled: nothing received, nothing left connected. */
  emission = NULL;
  task9_object_wait_signal_async (emitter, "ping", cancellable, wait_signal_done, &emission);
  g_cancellable_cancel (cancellable);
  while (emission == NULL)
    g_main_context_iteration (context, TRUE);
  g_assert_true (emission == GINT_TO_POINTER (1));
  g_assert_false (g_signal_has_handler_pending (emitter, signals[SIG_PING], 0, FALSE));

  /* An unknown signal is reported to the callback. */
  {
    GAsyncResult *result = NULL;

    task9_object_wait_signal_async (emitter, "nope", NULL, test_store_result, &result);
    while (result == NULL)
      g_main_context_iteration (context, TRUE);
    {
      GError *error = NULL;

      g_assert_null (task9_object_wait_signal_finish (result, &error));
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
      g_clear_error (&error);
    }
    g_object_unref (result);
  }

  g_main_context_pop_thread_default (context);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/object-signal/order", test_order);
  g_test_add_func ("/object-signal/drops", test_drops);
  g_test_add_func ("/object-signal/detailed", test_detailed);
  g_test_add_func ("/object-signal/bad-input", test_bad_input);
  g_test_add_func ("/object-signal/weak-ref", test_weak_ref);
  g_test_add_func ("/object-signal/finalize-wakes", test_finalize_wakes);
  g_test_add_func ("/object-signal/unsubscribe", test_unsubscribe);
  g_test_add_func ("/object-signal/return-value", test_return_value);
  g_test_add_func ("/object-signal/wait", test_wait_signal);
  g_test_add_func ("/object-signal/alt", test_alt);
  g_test_add_func ("/object-signal/wait-async", test_wait_signal_async);

  return g_test_run ();
}
