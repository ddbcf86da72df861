/* test-mailbox.c: every task's mailbox of named messages
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The stress test draws its message names from a fixed seed, TASK9_TEST_SEED in the
 * environment overrides it.
 */

#include <string.h>

#include "test-util.h"

static void
send_int (Task9Task *task, const char *name, gint x)
{
  GValue value = G_VALUE_INIT;
  GError *error = NULL;

  g_assert_true (task9_task_send_message (task, name, test_int_value (&value, x), &error));
  g_assert_no_error (error);
  g_value_unset (&value);
}

/* Receives a message among @names (NULL: any) that must be there or come; checks its
 * name and int value. */
static void
expect (const char * const *names, const char *name, gint x)
{
  g_autofree char *got = NULL;
  GValue value = G_VALUE_INIT;
  GError *error = NULL;

  g_assert_true (task9_receive_message (names, -1, NULL, &got, &value, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (got, ==, name);
  g_assert_cmpint (g_value_get_int (&value), ==, x);
  g_value_unset (&value);
}

#define NAMES(...) ((const char * const []) { __VA_ARGS__, NULL })

/* Messages come out in the order they went in, values and all. */
static gpointer
order_body (gpointer data, GError **error)
{
  Task9Task *self = task9_task_self ();
  g_autofree char *name = NULL;
  GValue value = G_VALUE_INIT;

  for (gint i = 0; i < 5; i++)
    send_int (self, "n", i);
  g_assert_true (task9_task_send_message (self, "bare", NULL, error));
  g_assert_cmpuint (task9_task_get_n_messages (self), ==, 6);
  for (gint i = 0; i < 5; i++)
    expect (NULL, "n", i);

  /* Without a value: the out value is left unset (and an old one is unset first). */
  test_int_value (&value, 99);
  g_assert_true (task9_receive_message (NULL, 0, NULL, &name, &value, error));
  g_assert_cmpstr (name, ==, "bare");
  g_assert_false (G_IS_VALUE (&value));
  g_assert_cmpuint (task9_task_get_n_messages (self), ==, 0);

  /* Out arguments are optional. */
  send_int (self, "n", 7);
  g_assert_true (task9_receive_message (NULL, 0, NULL, NULL, NULL, error));
  return NULL;
}
TEST_IN_TASK (test_order, order_body)

/* A selective receive takes the oldest message it accepts and leaves the rest in order. */
static gpointer
selective_body (gpointer data, GError **error)
{
  Task9Task *self = task9_task_self ();

  send_int (self, "a", 1);
  send_int (self, "b", 1);
  send_int (self, "a", 2);
  send_int (self, "c", 1);
  send_int (self, "b", 2);
  expect (NAMES ("b"), "b", 1);
  expect (NAMES ("c", "x"), "c", 1);
  expect (NAMES ("b", "c"), "b", 2);
  expect (NULL, "a", 1);
  expect (NAMES ("a"), "a", 2);
  g_assert_cmpuint (task9_task_get_n_messages (self), ==, 0);
  return NULL;
}
TEST_IN_TASK (test_selective, selective_body)

static gpointer
discard_body (gpointer data, GError **error)
{
  Task9Task *self = task9_task_self ();

  g_assert_cmpuint (task9_discard_messages (NULL), ==, 0);
  send_int (self, "a", 1);
  send_int (self, "b", 1);
  send_int (self, "a", 2);
  send_int (self, "c", 1);
  g_assert_cmpuint (task9_discard_messages (NAMES ("a", "zzz")), ==, 2);
  g_assert_cmpuint (task9_task_get_n_messages (self), ==, 2);
  expect (NULL, "b", 1);
  expect (NULL, "c", 1);
  send_int (self, "a", 3);
  send_int (self, "b", 3);
  g_assert_cmpuint (task9_discard_messages (NULL), ==, 2);
  g_assert_cmpuint (task9_task_get_n_messages (self), ==, 0);
  return NULL;
}
TEST_IN_TASK (test_discard, discard_body)

/* Sending to a task that has ended fails; a message it never read goes with its record. */
static gpointer
ended_body (gpointer data, GError **error)
{
  Task9Task *task = test_spawn ("short", test_return_data_task, NULL);
  GValue value = G_VALUE_INIT;
  GError *local = NULL;

  send_int (task, "early", 1);   /* queued before it runs, never read */
  test_join_ok (task9_task_ref (task));
  g_assert_false (task9_task_send_message (task, "late", test_int_value (&value, 2), &local));
  g_assert_error (local, TASK9_ERROR, TASK9_ERROR_CLOSED);
  g_clear_error (&local);
  g_value_unset (&value);
  g_assert_cmpuint (task9_task_get_n_messages (task), ==, 1);
  task9_task_unref (task);
  return NULL;
}
TEST_IN_TASK (test_ended, ended_body)

typedef struct
{
  GCancellable *cancellable;
  GTimeSpan     timeout;
} Receive;

/* Waits for a "wanted" message, which never comes. */
static gpointer
receive_wanted_task (gpointer data, GError **error)
{
  Receive *r = data;

  g_assert_false (task9_receive_message (NAMES ("wanted"), r->timeout, r->cancellable,
                                         NULL, NULL, error));
  return NULL;
}

static void
assert_unchanged (Task9Task *task)
{
  g_assert_cmpuint (task9_task_get_n_messages (task), ==, 3);
}

/* A receive that times out or is cancelled takes nothing, and a message it does not
 * accept does not end it. */
static gpointer
no_effect_body (gpointer data, GError **error)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  Receive r = { NULL, -1 };
  Task9Task *receiver;

  /* Timed out, in the task itself: the queued messages are all still there, in order. */
  {
    Task9Task *self = task9_task_self ();
    GError *local = NULL;

    send_int (self, "x", 1);
    send_int (self, "y", 1);
    send_int (self, "x", 2);
    g_assert_false (task9_receive_message (NAMES ("wanted"), 1000, NULL, NULL, NULL, &local));
    g_assert_error (local, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
    g_clear_error (&local);
    g_assert_false (task9_receive_message (NAMES ("wanted"), 0, NULL, NULL, NULL, &local));
    g_assert_error (local, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
    g_clear_error (&local);
    assert_unchanged (self);
    g_cancellable_cancel (cancellable);
    g_assert_false (task9_receive_message (NULL, -1, cancellable, NULL, NULL, &local));
    g_assert_error (local, G_IO_ERROR, G_IO_ERROR_CANCELLED);
    g_clear_error (&local);
    assert_unchanged (self);
    expect (NULL, "x", 1);
    expect (NULL, "y", 1);
    expect (NULL, "x", 2);
    g_cancellable_reset (cancellable);
  }

  /* Blocked, then cancelled through its GCancellable, with unwanted messages arriving. */
  r.cancellable = cancellable;
  receiver = test_spawn ("receiver", receive_wanted_task, &r);
  test_wait_blocked (receiver, "message");
  send_int (receiver, "x", 1);
  send_int (receiver, "y", 1);
  send_int (receiver, "x", 2);
  test_wait_blocked (receiver, "message");
  g_cancellable_cancel (cancellable);
  g_assert_cmpint (test_join_error_code (task9_task_ref (receiver), G_IO_ERROR), ==,
                   G_IO_ERROR_CANCELLED);
  assert_unchanged (receiver);
  task9_task_unref (receiver);

  /* Blocked, then the task is cancelled. */
  r.cancellable = NULL;
  receiver = test_spawn ("receiver", receive_wanted_task, &r);
  test_wait_blocked (receiver, "message");
  send_int (receiver, "x", 1);
  send_int (receiver, "y", 1);
  send_int (receiver, "x", 2);
  task9_task_cancel (receiver);
  g_assert_cmpint (test_join_error_code (task9_task_ref (receiver), G_IO_ERROR), ==,
                   G_IO_ERROR_CANCELLED);
  assert_unchanged (receiver);
  task9_task_unref (receiver);
  return NULL;
}
TEST_IN_TASK (test_no_effect, no_effect_body)

static void
test_bad_input (void)
{
  GError *error = NULL;

  g_assert_false (task9_receive_message (NULL, 0, NULL, NULL, NULL, &error));
  g_assert_error (error, TASK9_ERROR, TASK9_ERROR_NOT_IN_TASK);
  g_clear_error (&error);
  g_assert_cmpuint (task9_discard_messages (NULL), ==, 0);

  if (g_test_undefined ())
    {
      const char *none[] = { NULL };

      test_expect_critical ("*task != NULL*");
      g_assert_false (task9_task_send_message (NULL, "x", NULL, NULL));
      g_test_assert_expected_messages ();
      test_expect_critical ("*names*");
      g_assert_false (task9_receive_message (none, 0, NULL, NULL, NULL, NULL));
      g_test_assert_expected_messages ();
      test_expect_critical ("*task != NULL*");
      g_assert_cmpuint (task9_task_get_n_messages (NULL), ==, 0);
      g_test_assert_expected_messages ();
    }
}

/* ---- cross-proc senders under stress ---------------------------------------------- */

#define N_PROCS          3
#define SENDERS_PER_PROC 3
#define N_SENDERS        (N_PROCS * SENDERS_PER_PROC + 1)   /* and a plain thread */

static guint32 stress_seed;

/* The name of sender @sender's message @seq: drawn from the seed, the same for the
 * senders and the receiver. */
static const char *
stress_name (guint sender, guint seq)
{
  static const char *const names[] = { "red", "green", "blue" };
  guint32 h = (stress_seed ^ (sender * 2654435761u)) + seq * 40503u;

  h ^= h >> 15;
  h *= 2246822519u;
  h ^= h >> 13;
  return names[h % G_N_ELEMENTS (names)];
}

typedef struct
{
  Task9Task *receiver;
  guint      sender;
  guint      n;
} Sender;

static void
send_all (Sender *s)
{
  for (guint seq = 0; seq < s->n; seq++)
    {
      GValue value = G_VALUE_INIT;

      g_value_init (&value, G_TYPE_UINT);
      g_value_set_uint (&value, s->sender << 20 | seq);
      g_assert_true (task9_task_send_message (s->receiver, stress_name (s->sender, seq), &value, NULL));
      g_value_unset (&value);
      if (seq % 7 == 0)
        task9_yield ();
    }
}

static gpointer
sender_task (gpointer data, GError **error)
{
  send_all (data);
  return NULL;
}

static gpointer
sender_thread (gpointer data)
{
  send_all (data);
  return NULL;
}

static gpointer
stress_body (gpointer data, GError **error)
{
  static const char *const names[] = { "red", "green", "blue" };
  guint n = test_scale (2000, 150);
  Task9Proc *procs[N_PROCS];
  Sender senders[N_SENDERS];
  Task9Task *tasks[N_SENDERS - 1];
  guint remaining[G_N_ELEMENTS (names)] = { 0, };
  guint next_seq[N_SENDERS][G_N_ELEMENTS (names)];
  guint total = N_SENDERS * n;
  GRand *rand = g_rand_new_with_seed (stress_seed);
  GThread *thread;

  memset (next_seq, 0, sizeof next_seq);
  for (guint s = 0; s < N_SENDERS; s++)
    for (guint seq = 0; seq < n; seq++)
      for (guint k = 0; k < G_N_ELEMENTS (names); k++)
        if (g_str_equal (stress_name (s, seq), names[k]))
          remaining[k]++;

  for (guint p = 0; p < N_PROCS; p++)
    procs[p] = test_proc_new ("senders");
  for (guint s = 0; s < N_SENDERS; s++)
    senders[s] = (Sender) { task9_task_self (), s, n };
  for (guint s = 0; s < N_SENDERS - 1; s++)
    tasks[s] = test_spawn_on (procs[s % N_PROCS], "sender", sender_task, &senders[s]);
  thread = g_thread_new ("sender", sender_thread, &senders[N_SENDERS - 1]);

  /* Receive everything, choosing at random among the names that still have messages
   * to come (and sometimes any): per sender and name, sequence numbers rise. */
  for (guint i = 0; i < total; i++)
    {
      g_autofree char *name = NULL;
      GValue value = G_VALUE_INIT;
      const char *accept[2] = { NULL, NULL };
      guint k, sender, seq;

      do
        k = g_rand_int_range (rand, 0, G_N_ELEMENTS (names) + 1);
      while (k < G_N_ELEMENTS (names) && remaining[k] == 0);
      if (k < G_N_ELEMENTS (names))
        accept[0] = names[k];

      g_assert_true (task9_receive_message (accept[0] != NULL ? accept : NULL,
                                            test_join_bound (), NULL, &name, &value, error));
      for (k = 0; !g_str_equal (names[k], name); k++)
        ;
      g_assert_cmpuint (remaining[k], >, 0);
      remaining[k]--;
      sender = g_value_get_uint (&value) >> 20;
      seq = g_value_get_uint (&value) & 0xfffff;
      g_assert_cmpuint (sender, <, N_SENDERS);
      g_assert_cmpstr (stress_name (sender, seq), ==, name);
      g_assert_cmpuint (seq, >=, next_seq[sender][k]);   /* in order, never twice */
      next_seq[sender][k] = seq + 1;
      g_value_unset (&value);
    }
  g_assert_cmpuint (task9_task_get_n_messages (task9_task_self ()), ==, 0);

  for (guint s = 0; s < N_SENDERS - 1; s++)
    test_join_ok (tasks[s]);
  g_thread_join (thread);
  for (guint p = 0; p < N_PROCS; p++)
    test_proc_finish (procs[p]);
  g_rand_free (rand);
  return NULL;
}
TEST_IN_TASK (test_stress, stress_body)

/* ---- the async pair, for external tasks --------------------------------------------------- */

typedef struct
{
  Task9Task *task;
  gint    done;
  gboolean ok;
  char   *name;
  GValue *value;
  GError *error;
} Received;

static void
received (GObject *source, GAsyncResult *result, gpointer data)
{
  Received *r = data;
  r->ok = task9_task_receive_message_finish (r->task, result, &r->name, &r->value, &r->error);
  g_atomic_int_set (&r->done, 1);
}

static void
receive_async (Task9Task          *task,
               const char * const *names,
               GCancellable       *cancellable,
               Received           *r)
{
  memset (r, 0, sizeof *r);
  r->task = task;
  task9_task_receive_message_async (task, names, cancellable, received, r);
}

static void
value_free (GValue *value)
{
  g_boxed_free (G_TYPE_VALUE, value);
}

static void
received_clear (Received *r)
{
  g_clear_pointer (&r->name, g_free);
  g_clear_pointer (&r->value, value_free);
  g_clear_error (&r->error);
}

static gpointer
send_b_func (gpointer data, GError **error)
{
  GValue v = G_VALUE_INIT;

  g_value_init (&v, G_TYPE_INT);
  g_value_set_int (&v, 7);
  g_assert_true (task9_task_send_message (data, "b", &v, error));
  return NULL;
}

/* An external task's binding receives selectively without blocking: queued messages
 * at once, later ones when they come (from a task on another proc), none taken by a
 * cancelled receive. */
static void
test_async_receive (void)
{
  g_autoptr (Task9Task) ext = task9_task_new_external ("receiver");
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  const char *only_b[] = { "b", NULL };
  const char *only_c[] = { "c", NULL };
  Task9Proc *proc = test_proc_new ("sender");
  Task9Task *sender;
  Received r;
  GError *error = NULL;

  /* Queued already: the oldest accepted one, the others stay in order. */
  g_assert_true (task9_task_send_message (ext, "a", NULL, &error));
  g_assert_true (task9_task_send_message (ext, "b", NULL, &error));
  receive_async (ext, only_b, NULL, &r);
  g_assert_false (g_atomic_int_get (&r.done));   /* never inside the call */
  test_iterate_until (NULL, &r.done);
  g_assert_true (r.ok);
  g_assert_cmpstr (r.name, ==, "b");
  g_assert_null (r.value);
  received_clear (&r);
  g_assert_cmpuint (task9_task_get_n_messages (ext), ==, 1);

  /* Waiting: an unaccepted message leaves it waiting; an accepted one from another
   * proc ends the wait. */
  receive_async (ext, only_b, NULL, &r);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_false (g_atomic_int_get (&r.done));
  sender = test_spawn_on (proc, "sender", send_b_func, ext);
  test_iterate_until (NULL, &r.done);
  g_assert_true (r.ok);
  g_assert_cmpstr (r.name, ==, "b");
  g_assert_cmpint (g_value_get_int (r.value), ==, 7);
  received_clear (&r);
  task9_task_unref (sender);   /* not joined: this thread is the main proc's now */

  /* Cancelled: nothing taken, then or later. */
  receive_async (ext, only_c, cancellable, &r);
  g_cancellable_cancel (cancellable);
  test_iterate_until (NULL, &r.done);
  g_assert_false (r.ok);
  g_assert_error (r.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  received_clear (&r);
  g_assert_true (task9_task_send_message (ext, "c", NULL, &error));
  g_assert_cmpuint (task9_task_get_n_messages (ext), ==, 2);   /* "a" and "c" */

  /* Any name: the oldest. */
  receive_async (ext, NULL, NULL, &r);
  test_iterate_until (NULL, &r.done);
  g_assert_cmpstr (r.name, ==, "a");
  received_clear (&r);

  task9_task_return_value (ext, NULL);
  /* The external task made this thread the main proc's, which cannot block in
   * task9_proc_join(): stop the other proc and let its thread end by itself. */
  task9_proc_stop (proc);
  task9_proc_unref (proc);
}

static void
test_async_receive_bad_input (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr (Task9Task) plain = test_spawn ("plain", test_return_data_task, NULL);

      task9_task_receive_message_async (plain, NULL, NULL, received, NULL);
      return;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stderr ("*task9_task_is_external*");
}

int
main (int argc, char **argv)
{
  const char *seed = g_getenv ("TASK9_TEST_SEED");

  g_test_init (&argc, &argv, NULL);
  stress_seed = seed != NULL ? (guint32) g_ascii_strtoull (seed, NULL, 0) : 0x6d61696c;
  g_test_message ("TASK9_TEST_SEED=%u", stress_seed);

  g_test_add_func ("/mailbox/order", test_order);
  g_test_add_func ("/mailbox/selective", test_selective);
  g_test_add_func ("/mailbox/discard", test_discard);
  g_test_add_func ("/mailbox/ended", test_ended);
  g_test_add_func ("/mailbox/no-effect", test_no_effect);
  g_test_add_func ("/mailbox/bad-input", test_bad_input);
  g_test_add_func ("/mailbox/stress", test_stress);
  g_test_add_func ("/mailbox/async-receive", test_async_receive);
  g_test_add_func ("/mailbox/async-receive-bad-input", test_async_receive_bad_input);

  return g_test_run ();
}
