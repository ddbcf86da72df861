/* test-async.c: the async face: _async/_finish channel operations from main-loop code
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The test thread owns the default main context and is adopted as the main proc. Async
 * callers run from a GMainLoop on it, or from a proc's own context (reached with
 * g_main_context_invoke()), and meet tasks on other procs, or each other. The rules:
 * the callback runs on the caller's thread-default context, on that thread, never on a
 * task's stack and never inside the _async call; a cancelled operation had no effect (a
 * cancelled receive left the element, a cancelled send delivered nothing); close wakes
 * async waiters with TASK9_ERROR_CLOSED.
 *
 * The test thread is a proc's, so it cannot block in a join outside a task: it waits by
 * iterating the default context until a flag is set (main_join() has a task on the main
 * proc do the join), or, where the default context must not be iterated yet, on a
 * TestFlag set by another thread.
 */

#include <string.h>

#include "test-util.h"

static GThread *main_thread;

/* Sets @flag from any thread and wakes the default context so that test_iterate_until()
 * sees it. */
static void
flag_raise (gint *flag)
{
  g_atomic_int_set (flag, 1);
  g_main_context_wakeup (NULL);
}

typedef struct
{
  Task9Task *task;
  gpointer   result;
  GError    *error;
  gint       done;
} MainJoin;

static gpointer
main_joiner (gpointer data, GError **error)
{
  MainJoin *j = data;

  j->result = task9_task_join (j->task, -1, &j->error);
  g_atomic_int_set (&j->done, 1);
  return NULL;
}

/* Joins @task (on any proc) from the main proc's thread, iterating the default context
 * meanwhile; drops the reference. */
static gpointer
main_join (Task9Task *task, GError **error)
{
  MainJoin j = { task, NULL, NULL, 0 };
  Task9Task *joiner = test_spawn_on (task9_proc_get_main (), "joiner", main_joiner, &j);

  test_iterate_until (NULL, &j.done);
  task9_task_unref (joiner);
  task9_task_unref (task);
  if (j.error != NULL)
    g_propagate_error (error, j.error);
  return j.result;
}

static gpointer
main_join_ok (Task9Task *task)
{
  GError *error = NULL;
  gpointer result = main_join (task, &error);

  g_assert_no_error (error);
  return result;
}

typedef struct
{
  Task9Proc *proc;
  gboolean   ok;
  GError    *error;
  gint       done;
} ProcJoin;

static gpointer
proc_joiner (gpointer data, GError **error)
{
  ProcJoin *j = data;

  j->ok = task9_proc_join (j->proc, &j->error);
  g_atomic_int_set (&j->done, 1);
  return NULL;
}

/* test_proc_finish() for the main proc's thread: the join is made by a task. */
static void
main_proc_finish (Task9Proc *proc)
{
  ProcJoin j = { proc, FALSE, NULL, 0 };
  Task9Task *joiner;

  task9_proc_stop (proc);
  joiner = test_spawn_on (task9_proc_get_main (), "proc-joiner", proc_joiner, &j);
  test_iterate_until (NULL, &j.done);
  g_assert_no_error (j.error);
  g_assert_true (j.ok);
  task9_task_unref (joiner);
  task9_proc_unref (proc);
}

/* What a completion saw. */
typedef struct
{
  Task9Channel *channel;
  gboolean      is_send;
  GMainLoop    *loop;          /* quit when done, if set */
  GMainContext *context;       /* the context the callback must run on */
  GThread      *thread;        /* the thread it must run on */
  gboolean      returned;      /* the _async call has returned */
  gint          done;
  gboolean      ok;
  GError       *error;
  GValue        value;         /* typed receives */
  gint64        elem;          /* raw receives and sends */
  gboolean      early;         /* the callback ran inside the _async call */
  gboolean      wrong_place;   /* ... or on the wrong context, thread, or a task */
} Op;

static void
op_init (Op *op, Task9Channel *channel)
{
  memset (op, 0, sizeof *op);
  op->channel = channel;
  op->context = g_main_context_default ();
  op->thread = main_thread;
}

static void
op_clear (Op *op)
{
  g_clear_error (&op->error);
  if (G_IS_VALUE (&op->value))
    g_value_unset (&op->value);
  g_clear_pointer (&op->loop, g_main_loop_unref);
}

static void
op_check_place (Op *op)
{
  if (!op->returned)
    op->early = TRUE;
  if (!g_main_context_is_owner (op->context) ||
      g_main_context_get_thread_default () != (op->context == g_main_context_default () ? NULL : op->context) ||
      g_thread_self () != op->thread ||
      task9_in_task ())
    op->wrong_place = TRUE;
}

static void
op_done (Op *op)
{
  if (op->loop != NULL)
    g_main_loop_quit (op->loop);
  flag_raise (&op->done);
}

/* The completion of any operation: @op->is_send and the channel's kind (typed or raw)
 * say which. */
static void
op_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  Op *op = data;
  gboolean typed = task9_channel_get_elem_type (op->channel) != G_TYPE_INVALID;

  op_check_place (op);
  g_assert_true (source == G_OBJECT (op->channel));
  if (typed && op->is_send)
    op->ok = task9_channel_send_value_finish (op->channel, result, &op->error);
  else if (typed)
    op->ok = task9_channel_recv_value_finish (op->channel, result, &op->value, &op->error);
  else if (op->is_send)
    op->ok = task9_channel_send_finish (op->channel, result, &op->error);
  else
    op->ok = task9_channel_recv_finish (op->channel, result, &op->error);
  op_done (op);
}

static void
start_recv (Op *op, GCancellable *cancellable)
{
  task9_channel_recv_async (op->channel, &op->elem, cancellable, op_cb, op);
  op->returned = TRUE;
}

static void
start_send (Op *op, gint64 elem, GCancellable *cancellable)
{
  op->is_send = TRUE;
  op->elem = elem;
  task9_channel_send_async (op->channel, &op->elem, cancellable, op_cb, op);
  op->elem = -999;   /* copied by the call: changing it now changes nothing */
  op->returned = TRUE;
}

static void
start_recv_value (Op *op, GCancellable *cancellable)
{
  task9_channel_recv_value_async (op->channel, cancellable, op_cb, op);
  op->returned = TRUE;
}

static void
start_send_value (Op *op, const GValue *value, GCancellable *cancellable)
{
  op->is_send = TRUE;
  task9_channel_send_value_async (op->channel, value, cancellable, op_cb, op);
  op->returned = TRUE;
}

static void
assert_op_good (Op *op)
{
  g_assert_true (g_atomic_int_get (&op->done));
  g_assert_false (op->early);
  g_assert_false (op->wrong_place);
}

/* ---- typed, from a GMainLoop on the main proc -------------------------------------------- */

/* A task on another proc sends; main-loop code receives with recv_value_async. Once with
 * the task already blocked in its send (the receive completes at once, still from the
 * loop), once with the async receive waiting first. */
static void
test_async_recv_value_main_loop (void)
{
  Task9Proc *proc = test_proc_new ("peer");

  for (guint sender_first = 0; sender_first < 2; sender_first++)
    {
      Task9Channel *channel = task9_channel_new_typed (G_TYPE_STRING, 0);
      TestPeer peer = { channel, TRUE };
      Task9Task *task = NULL;
      Op op;

      g_value_init (&peer.value, G_TYPE_STRING);
      g_value_set_string (&peer.value, sender_first ? "first" : "second");
      op_init (&op, channel);
      op.loop = g_main_loop_new (NULL, FALSE);

      if (sender_first)
        {
          task = test_spawn_on (proc, "sender", test_peer_task, &peer);
          test_wait_blocked (task, "send");
        }
      start_recv_value (&op, NULL);
      if (!sender_first)
        task = test_spawn_on (proc, "sender", test_peer_task, &peer);
      g_main_loop_run (op.loop);

      assert_op_good (&op);
      g_assert_no_error (op.error);
      g_assert_true (op.ok);
      g_assert_cmpstr (g_value_get_string (&op.value), ==, sender_first ? "first" : "second");
      main_join_ok (task);
      g_value_unset (&peer.value);
      op_clear (&op);
      g_object_unref (channel);
    }
  main_proc_finish (proc);
}

/* Main-loop code sends an object with send_value_async; a task receives it. The pending
 * send holds its own reference; the receiver ends up owning exactly one. */
static void
test_async_send_value_main_loop (void)
{
  Task9Proc *proc = test_proc_new ("peer");
  Task9Channel *channel = task9_channel_new_typed (G_TYPE_OBJECT, 0);
  GObject *obj = g_object_new (G_TYPE_OBJECT, NULL);
  GValue value = G_VALUE_INIT;
  TestPeer peer = { channel, FALSE };
  Task9Task *task;
  Op op;

  op_init (&op, channel);
  op.loop = g_main_loop_new (NULL, FALSE);
  g_value_init (&value, G_TYPE_OBJECT);
  g_value_set_object (&value, obj);
  g_assert_cmpuint (test_ref_count (obj), ==, 2);

  start_send_value (&op, &value, NULL);
  g_assert_cmpuint (test_ref_count (obj), ==, 3);   /* the pending copy */
  g_value_unset (&value);
  task = test_spawn_on (proc, "receiver", test_peer_task, &peer);
  g_main_loop_run (op.loop);
  assert_op_good (&op);
  g_assert_no_error (op.error);
  g_assert_true (op.ok);
  main_join_ok (task);

  g_assert_true (g_value_get_object (&peer.value) == obj);
  g_assert_cmpuint (test_ref_count (obj), ==, 2);   /* ours and the receiver's */
  g_value_unset (&peer.value);
  g_assert_cmpuint (test_ref_count (obj), ==, 1);

  g_object_unref (obj);
  op_clear (&op);
  g_object_unref (channel);
  main_proc_finish (proc);
}

/* ---- raw elements ---------------------------------------------------------------------- */

static void
test_async_raw (void)
{
  Task9Proc *proc = test_proc_new ("peer");
  Task9Channel *channel = test_chan_new (0);
  TestPeer peer = { channel, TRUE, 1234 };
  Task9Task *task;
  Op op;

  /* Async receive, task sends. */
  op_init (&op, channel);
  op.elem = -1;
  start_recv (&op, NULL);
  task = test_spawn_on (proc, "sender", test_peer_task, &peer);
  test_iterate_until (NULL, &op.done);
  assert_op_good (&op);
  g_assert_no_error (op.error);
  g_assert_true (op.ok);
  g_assert_cmpint (op.elem, ==, 1234);
  main_join_ok (task);
  op_clear (&op);

  /* Async send, task receives: the element was copied when the call was made. */
  op_init (&op, channel);
  peer = (TestPeer) { channel, FALSE, -1 };
  start_send (&op, 4321, NULL);
  task = test_spawn_on (proc, "receiver", test_peer_task, &peer);
  test_iterate_until (NULL, &op.done);
  assert_op_good (&op);
  g_assert_true (op.ok);
  main_join_ok (task);
  g_assert_cmpint (peer.elem, ==, 4321);
  op_clear (&op);

  /* Async receive into NULL discards. */
  {
    Task9Channel *buffered = test_chan_new (2);
    gint64 x = 5;

    g_assert_true (task9_channel_try_send (buffered, &x, NULL));
    op_init (&op, buffered);
    task9_channel_recv_async (buffered, NULL, NULL, op_cb, &op);
    op.returned = TRUE;
    test_iterate_until (NULL, &op.done);
    assert_op_good (&op);
    g_assert_true (op.ok);
    g_assert_cmpuint (task9_channel_get_length (buffered), ==, 0);
    op_clear (&op);
    g_object_unref (buffered);
  }

  test_assert_no_waiters (channel);
  g_object_unref (channel);
  main_proc_finish (proc);
}

/* ---- from a proc's context ----------------------------------------------------------------- */

/* An async receive and an async send started by a callback on a proc's context (not a
 * task) complete on that proc's thread, on its context, not in a task. */
typedef struct
{
  Op            recv;
  Op            send;
  GValue        value;
} ProcSide;

static gboolean
proc_side_start (gpointer data)
{
  ProcSide *side = data;

  g_assert_false (task9_in_task ());
  g_assert_true (task9_proc_get_current () != NULL);
  start_recv_value (&side->recv, NULL);
  start_send_value (&side->send, &side->value, NULL);
  return G_SOURCE_REMOVE;
}

static gpointer
thread_of_task (gpointer data, GError **error)
{
  return g_thread_self ();
}

static void
test_async_proc_context (void)
{
  Task9Proc *proc = test_proc_new ("async");
  Task9Proc *peer_proc = test_proc_new ("peer");
  Task9Channel *in = task9_channel_new_typed (G_TYPE_INT, 0);
  Task9Channel *out = task9_channel_new_typed (G_TYPE_INT, 0);
  GMainContext *context = task9_proc_get_context (proc);
  GThread *proc_thread = main_join_ok (test_spawn_on (proc, "where", thread_of_task, NULL));
  TestPeer sender = { in, TRUE }, receiver = { out, FALSE };
  ProcSide side;
  Task9Task *t1, *t2;

  memset (&side, 0, sizeof side);
  op_init (&side.recv, in);
  op_init (&side.send, out);
  side.recv.context = side.send.context = context;
  side.recv.thread = side.send.thread = proc_thread;
  g_value_init (&side.value, G_TYPE_INT);
  g_value_set_int (&side.value, 2);
  g_value_init (&sender.value, G_TYPE_INT);
  g_value_set_int (&sender.value, 1);

  g_main_context_invoke (context, proc_side_start, &side);
  t1 = test_spawn_on (peer_proc, "sender", test_peer_task, &sender);
  t2 = test_spawn_on (peer_proc, "receiver", test_peer_task, &receiver);
  main_join_ok (t1);
  main_join_ok (t2);
  test_iterate_until (NULL, &side.recv.done);
  test_iterate_until (NULL, &side.send.done);

  assert_op_good (&side.recv);
  assert_op_good (&side.send);
  g_assert_true (side.recv.ok);
  g_assert_true (side.send.ok);
  g_assert_cmpint (g_value_get_int (&side.recv.value), ==, 1);
  g_assert_cmpint (g_value_get_int (&receiver.value), ==, 2);

  g_value_unset (&side.value);
  g_value_unset (&sender.value);
  g_value_unset (&receiver.value);
  op_clear (&side.recv);
  op_clear (&side.send);
  g_object_unref (in);
  g_object_unref (out);
  main_proc_finish (proc);
  main_proc_finish (peer_proc);
}

/* ---- never inside the _async call ---------------------------------------------------------- */

/* Operations that complete at once (buffer room or element, a waiting task, a closed
 * channel, a cancelled cancellable) still call back only from the main loop. */
static void
test_async_never_synchronous (void)
{
  Task9Proc *proc = test_proc_new ("peer");
  Task9Channel *buffered = test_chan_new (1), *closed = test_chan_new (1);
  Task9Channel *unbuffered = test_chan_new (0);
  GCancellable *cancelled = g_cancellable_new ();
  TestPeer peer = { unbuffered, TRUE, 77 };
  Task9Task *task;
  Op ops[7];

  g_cancellable_cancel (cancelled);
  task9_channel_close (closed);
  for (guint i = 0; i < G_N_ELEMENTS (ops); i++)
    op_init (&ops[i], i < 2 ? buffered : i < 4 ? closed : i < 6 ? unbuffered : buffered);

  start_send (&ops[0], 8, NULL);         /* room */
  start_recv (&ops[1], NULL);            /* an element */
  start_send (&ops[2], 9, NULL);         /* closed */
  start_recv (&ops[3], NULL);            /* closed and drained */
  task = test_spawn_on (proc, "sender", test_peer_task, &peer);
  test_wait_blocked (task, "send");
  start_recv (&ops[4], NULL);            /* a task waiting */
  start_recv (&ops[5], cancelled);       /* cancelled */
  start_send (&ops[6], 10, cancelled);   /* cancelled */

  for (guint i = 0; i < G_N_ELEMENTS (ops); i++)
    {
      test_iterate_until (NULL, &ops[i].done);
      assert_op_good (&ops[i]);
    }
  g_assert_true (ops[0].ok);
  g_assert_true (ops[1].ok);
  g_assert_cmpint (ops[1].elem, ==, 8);
  g_assert_error (ops[2].error, TASK9_ERROR, TASK9_ERROR_CLOSED);
  g_assert_error (ops[3].error, TASK9_ERROR, TASK9_ERROR_CLOSED);
  g_assert_true (ops[4].ok);
  g_assert_cmpint (ops[4].elem, ==, 77);
  g_assert_error (ops[5].error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_error (ops[6].error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  main_join_ok (task);
  g_assert_cmpuint (task9_channel_get_length (buffered), ==, 0);

  for (guint i = 0; i < G_N_ELEMENTS (ops); i++)
    op_clear (&ops[i]);
  g_object_unref (cancelled);
  g_object_unref (buffered);
  g_object_unref (closed);
  g_object_unref (unbuffered);
  main_proc_finish (proc);
}

/* ---- cancellation ------------------------------------------------------------------------- */

/* Cancelled before the call: no effect, even where the operation could complete. */
static void
test_async_cancel_before (void)
{
  Task9Channel *full = test_chan_new (1), *empty = test_chan_new (1);
  Task9Channel *typed = task9_channel_new_typed (G_TYPE_OBJECT, 1);
  GCancellable *cancellable = g_cancellable_new ();
  GObject *obj = g_object_new (G_TYPE_OBJECT, NULL);
  GValue value = G_VALUE_INIT;
  gint64 x = 3;
  Op recv, send, send_value;

  g_assert_true (task9_channel_try_send (full, &x, NULL));
  g_cancellable_cancel (cancellable);
  op_init (&recv, full);
  op_init (&send, empty);
  op_init (&send_value, typed);
  g_value_init (&value, G_TYPE_OBJECT);
  g_value_set_object (&value, obj);

  recv.elem = -1;
  start_recv (&recv, cancellable);
  start_send (&send, 4, cancellable);
  start_send_value (&send_value, &value, cancellable);
  g_value_unset (&value);
  test_iterate_until (NULL, &recv.done);
  test_iterate_until (NULL, &send.done);
  test_iterate_until (NULL, &send_value.done);

  assert_op_good (&recv);
  assert_op_good (&send);
  assert_op_good (&send_value);
  g_assert_error (recv.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_error (send.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_error (send_value.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (recv.elem, ==, -1);
  g_assert_cmpuint (task9_channel_get_length (full), ==, 1);
  g_assert_cmpuint (task9_channel_get_length (empty), ==, 0);
  g_assert_cmpuint (task9_channel_get_length (typed), ==, 0);
  /* The cancelled send's copy is gone once its GTask is. */
  g_assert_cmpuint (test_ref_count (obj), ==, 1);

  op_clear (&recv);
  op_clear (&send);
  op_clear (&send_value);
  g_object_unref (obj);
  g_object_unref (cancellable);
  g_object_unref (full);
  g_object_unref (empty);
  g_object_unref (typed);
}

/* Cancelled while waiting, from the main loop or from another thread: CANCELLED, and
 * no waiter is left on the channel. */
static gpointer
cancel_thread (gpointer data)
{
  g_cancellable_cancel (data);
  return NULL;
}

static void
test_async_cancel_waiting (void)
{
  for (guint from_thread = 0; from_thread < 2; from_thread++)
    for (guint is_send = 0; is_send < 2; is_send++)
      {
        Task9Channel *channel = test_chan_new (0);
        GCancellable *cancellable = g_cancellable_new ();
        Op op;

        op_init (&op, channel);
        op.elem = -1;
        if (is_send)
          start_send (&op, 6, cancellable);
        else
          start_recv (&op, cancellable);
        /* Let it get queued and the loop go idle. */
        while (g_main_context_iteration (NULL, FALSE))
          ;
        g_assert_false (g_atomic_int_get (&op.done));

        if (from_thread)
          g_thread_join (g_thread_new ("canceller", cancel_thread, cancellable));
        else
          g_cancellable_cancel (cancellable);
        test_iterate_until (NULL, &op.done);
        assert_op_good (&op);
        g_assert_false (op.ok);
        g_assert_error (op.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
        g_assert_cmpint (op.elem, ==, is_send ? -999 : -1);
        test_assert_no_waiters (channel);

        op_clear (&op);
        g_object_unref (cancellable);
        g_object_unref (channel);
      }
}

/* One cancellable shared by several waiting operations (the library keeps one handler
 * per cancellable for all of them): one completes normally, then a cancel from the main
 * thread or another thread ends all the others, once each; operations started after the
 * cancel complete cancelled; the cancellable can be cancelled again after a reset. */
static void
test_async_cancel_shared (void)
{
  for (guint from_thread = 0; from_thread < 2; from_thread++)
    {
      Task9Channel *channel = test_chan_new (0);
      GCancellable *cancellable = g_cancellable_new ();
      Op recv[3], send, late, again;

      for (guint i = 0; i < G_N_ELEMENTS (recv); i++)
        {
          op_init (&recv[i], channel);
          recv[i].elem = -1;
          start_recv (&recv[i], cancellable);
        }
      while (g_main_context_iteration (NULL, FALSE))
        ;
      op_init (&send, channel);
      start_send (&send, 5, NULL);   /* meets the first receive */
      test_iterate_until (NULL, &send.done);
      test_iterate_until (NULL, &recv[0].done);
      g_assert_true (send.ok);
      g_assert_true (recv[0].ok);
      g_assert_cmpint (recv[0].elem, ==, 5);
      g_assert_false (g_atomic_int_get (&recv[1].done));

      if (from_thread)
        g_thread_join (g_thread_new ("canceller", cancel_thread, cancellable));
      else
        g_cancellable_cancel (cancellable);
      for (guint i = 1; i < G_N_ELEMENTS (recv); i++)
        {
          test_iterate_until (NULL, &recv[i].done);
          assert_op_good (&recv[i]);
          g_assert_false (recv[i].ok);
          g_assert_error (recv[i].error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
          g_assert_cmpint (recv[i].elem, ==, -1);
        }
      test_assert_no_waiters (channel);

      op_init (&late, channel);
      start_recv (&late, cancellable);
      test_iterate_until (NULL, &late.done);
      g_assert_error (late.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);

      g_cancellable_reset (cancellable);
      op_init (&again, channel);
      again.elem = -1;
      start_recv (&again, cancellable);
      while (g_main_context_iteration (NULL, FALSE))
        ;
      g_assert_false (g_atomic_int_get (&again.done));
      g_cancellable_cancel (cancellable);
      test_iterate_until (NULL, &again.done);
      g_assert_error (again.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
      test_assert_no_waiters (channel);

      for (guint i = 0; i < G_N_ELEMENTS (recv); i++)
        op_clear (&recv[i]);
      op_clear (&send);
      op_clear (&late);
      op_clear (&again);
      g_object_unref (cancellable);
      g_object_unref (channel);
    }
}

/* Cancelled after the operation happened but before its callback ran: the result must
 * tell the truth. Either it reports success (the element was taken or delivered), or it
 * reports CANCELLED and then the operation had no effect. Reporting CANCELLED for a
 * receive that took the element loses the element; for a send that delivered it, the
 * caller believes nothing was sent. */
static void
test_async_cancel_after_completion_at_once (void)
{
  Task9Channel *channel = test_chan_new (1);
  GCancellable *c1 = g_cancellable_new (), *c2 = g_cancellable_new ();
  gint64 x = 42;
  Op recv, send;

  /* A receive that completed at once (an element was there), cancelled before the
   * loop ran its completion. */
  g_assert_true (task9_channel_try_send (channel, &x, NULL));
  op_init (&recv, channel);
  recv.elem = -1;
  start_recv (&recv, c1);
  g_cancellable_cancel (c1);
  test_iterate_until (NULL, &recv.done);
  assert_op_good (&recv);
  if (recv.ok)
    {
      g_assert_cmpint (recv.elem, ==, 42);
      g_assert_cmpuint (task9_channel_get_length (channel), ==, 0);
    }
  else
    {
      g_assert_error (recv.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
      if (task9_channel_get_length (channel) != 1)
        g_test_fail_printf ("recv_async: took the element from the channel, then reported "
                            "G_IO_ERROR_CANCELLED (the cancellable fired after the "
                            "receive, before the callback): the element is lost");
    }
  /* Empty the channel for the send. */
  task9_channel_try_recv (channel, NULL, NULL);

  /* The same for a send into a buffer with room. */
  op_init (&send, channel);
  start_send (&send, 43, c2);
  g_cancellable_cancel (c2);
  test_iterate_until (NULL, &send.done);
  assert_op_good (&send);
  if (send.ok)
    g_assert_cmpuint (task9_channel_get_length (channel), ==, 1);
  else
    {
      g_assert_error (send.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
      if (task9_channel_get_length (channel) != 0)
        g_test_fail_printf ("send_async: delivered the element, then reported "
                            "G_IO_ERROR_CANCELLED (the cancellable fired after the send, "
                            "before the callback)");
    }
  op_clear (&recv);
  op_clear (&send);
  g_object_unref (c1);
  g_object_unref (c2);
  g_object_unref (channel);
}

/* Waiting, met by a task on another proc whose send returned success; cancelled before
 * the completion ran: a CANCELLED result would lose the task's element. */
static void
test_async_cancel_after_completion_waiting (void)
{
  Task9Proc *proc = test_proc_new ("peer");
  Task9Channel *channel = task9_channel_new_typed (G_TYPE_INT, 0);
  GCancellable *cancellable = g_cancellable_new ();
  TestPeer peer = { channel, TRUE };
  Task9Task *task;
  Op recv;

  g_value_init (&peer.value, G_TYPE_INT);
  g_value_set_int (&peer.value, 5);
  op_init (&recv, channel);
  start_recv_value (&recv, cancellable);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  task = test_spawn_on (proc, "sender", test_peer_task, &peer);
  /* Not iterating the default context: the completion cannot run yet. */
  while (!task9_task_is_finished (task))
    g_thread_yield ();
  g_cancellable_cancel (cancellable);
  test_iterate_until (NULL, &recv.done);
  main_join_ok (task);   /* the task's send succeeded */
  assert_op_good (&recv);
  if (!recv.ok)
    g_test_fail_printf ("recv_value_async: a task's send to it succeeded, but the receive "
                        "reported \"%s\": the element is lost",
                        recv.error != NULL ? recv.error->message : "failure");
  else
    g_assert_cmpint (g_value_get_int (&recv.value), ==, 5);
  g_value_unset (&peer.value);
  op_clear (&recv);
  g_object_unref (cancellable);
  g_object_unref (channel);
  main_proc_finish (proc);
}

/* ---- close ---------------------------------------------------------------------------- */

static void
test_async_close_wakes (void)
{
  Task9Channel *unbuffered = test_chan_new (0), *full = test_chan_new (1);
  Op receivers[3], senders[2];
  gint64 x = 11;

  g_assert_true (task9_channel_try_send (full, &x, NULL));
  for (guint i = 0; i < 3; i++)
    {
      op_init (&receivers[i], unbuffered);
      receivers[i].elem = -1;
      start_recv (&receivers[i], NULL);
    }
  for (guint i = 0; i < 2; i++)
    {
      op_init (&senders[i], full);
      start_send (&senders[i], 20 + i, NULL);
    }
  while (g_main_context_iteration (NULL, FALSE))
    ;
  for (guint i = 0; i < 3; i++)
    g_assert_false (g_atomic_int_get (&receivers[i].done));
  for (guint i = 0; i < 2; i++)
    g_assert_false (g_atomic_int_get (&senders[i].done));

  task9_channel_close (unbuffered);
  task9_channel_close (full);
  for (guint i = 0; i < 3; i++)
    {
      test_iterate_until (NULL, &receivers[i].done);
      assert_op_good (&receivers[i]);
      g_assert_error (receivers[i].error, TASK9_ERROR, TASK9_ERROR_CLOSED);
      g_assert_cmpint (receivers[i].elem, ==, -1);
      op_clear (&receivers[i]);
    }
  for (guint i = 0; i < 2; i++)
    {
      test_iterate_until (NULL, &senders[i].done);
      assert_op_good (&senders[i]);
      g_assert_error (senders[i].error, TASK9_ERROR, TASK9_ERROR_CLOSED);
      op_clear (&senders[i]);
    }
  /* The buffered element is still there, and only it. */
  x = 0;
  g_assert_true (task9_channel_try_recv (full, &x, NULL));
  g_assert_cmpint (x, ==, 11);
  g_assert_false (task9_channel_try_recv (full, &x, NULL));

  g_object_unref (unbuffered);
  g_object_unref (full);
}

/* ---- async to async ------------------------------------------------------------------------ */

static gboolean
start_recv_value_cb (gpointer data)
{
  start_recv_value (data, NULL);
  return G_SOURCE_REMOVE;
}

static void
test_async_to_async (void)
{
  /* Both ends on the main loop: raw, then typed, each order. */
  for (guint recv_first = 0; recv_first < 2; recv_first++)
    {
      Task9Channel *channel = test_chan_new (0);
      Op recv, send;

      op_init (&recv, channel);
      op_init (&send, channel);
      recv.elem = -1;
      if (recv_first)
        start_recv (&recv, NULL);
      start_send (&send, 99, NULL);
      if (!recv_first)
        start_recv (&recv, NULL);
      test_iterate_until (NULL, &recv.done);
      test_iterate_until (NULL, &send.done);
      assert_op_good (&recv);
      assert_op_good (&send);
      g_assert_true (recv.ok);
      g_assert_true (send.ok);
      g_assert_cmpint (recv.elem, ==, 99);
      test_assert_no_waiters (channel);
      op_clear (&recv);
      op_clear (&send);
      g_object_unref (channel);
    }

  /* The receiver on a proc's context, the sender on the main loop, a string. */
  {
    Task9Proc *proc = test_proc_new ("async");
    Task9Channel *channel = task9_channel_new_typed (G_TYPE_STRING, 0);
    GThread *proc_thread = main_join_ok (test_spawn_on (proc, "where", thread_of_task, NULL));
    GValue value = G_VALUE_INIT;
    Op recv, send;

    op_init (&recv, channel);
    recv.context = task9_proc_get_context (proc);
    recv.thread = proc_thread;
    op_init (&send, channel);
    g_value_init (&value, G_TYPE_STRING);
    g_value_set_string (&value, "across");
    g_main_context_invoke (recv.context, start_recv_value_cb, &recv);
    start_send_value (&send, &value, NULL);
    g_value_unset (&value);
    test_iterate_until (NULL, &send.done);
    test_iterate_until (NULL, &recv.done);
    assert_op_good (&recv);
    assert_op_good (&send);
    g_assert_true (send.ok);
    g_assert_true (recv.ok);
    g_assert_cmpstr (g_value_get_string (&recv.value), ==, "across");
    op_clear (&recv);
    op_clear (&send);
    g_object_unref (channel);
    main_proc_finish (proc);
  }
}

/* ---- many async receivers: FIFO and exactly once --------------------------------------------- */

typedef struct
{
  Task9Channel *channel;
  guint         first;
  guint         n;
} Feeder;

static gpointer
feeder_task (gpointer data, GError **error)
{
  Feeder *f = data;

  for (gint64 i = f->first; i < f->first + f->n; i++)
    if (!task9_channel_send (f->channel, &i, error))
      return NULL;
  return NULL;
}

static void
test_async_many (void)
{
  const guint n = test_scale (200, 40);
  Task9Proc *procs[2] = { test_proc_new ("feeder"), test_proc_new ("feeder") };
  Task9Channel *channel = test_chan_new (0);
  Op *ops = g_new (Op, 2 * n);
  guint8 *seen = g_new0 (guint8, 2 * n);
  Feeder feeders[2] = { { channel, 0, n }, { channel, n, n } };
  Task9Task *tasks[2];

  /* Queued in order before any sender runs: one sender then fills them in order. */
  for (guint i = 0; i < n; i++)
    {
      op_init (&ops[i], channel);
      start_recv (&ops[i], NULL);
    }
  tasks[0] = test_spawn_on (procs[0], "feeder", feeder_task, &feeders[0]);
  main_join_ok (tasks[0]);
  for (guint i = 0; i < n; i++)
    {
      test_iterate_until (NULL, &ops[i].done);
      assert_op_good (&ops[i]);
      g_assert_true (ops[i].ok);
      g_assert_cmpint (ops[i].elem, ==, i);
    }

  /* Then two senders on two procs against n more async receivers: every value exactly
   * once. */
  for (guint i = n; i < 2 * n; i++)
    {
      op_init (&ops[i], channel);
      start_recv (&ops[i], NULL);
    }
  feeders[0] = (Feeder) { channel, 2 * n, n / 2 };
  feeders[1] = (Feeder) { channel, 2 * n + n / 2, n - n / 2 };
  for (guint i = 0; i < 2; i++)
    tasks[i] = test_spawn_on (procs[i], "feeder", feeder_task, &feeders[i]);
  for (guint i = 0; i < 2; i++)
    main_join_ok (tasks[i]);
  for (guint i = n; i < 2 * n; i++)
    {
      gint64 v;

      test_iterate_until (NULL, &ops[i].done);
      assert_op_good (&ops[i]);
      g_assert_true (ops[i].ok);
      v = ops[i].elem - 2 * n;
      g_assert_cmpint (v, >=, 0);
      g_assert_cmpint (v, <, n);
      g_assert_cmpuint (seen[v], ==, 0);
      seen[v] = 1;
    }
  for (guint i = 0; i < 2 * n; i++)
    op_clear (&ops[i]);
  g_free (ops);
  g_free (seen);
  g_object_unref (channel);
  main_proc_finish (procs[0]);
  main_proc_finish (procs[1]);
}

/* ---- Task9Alt.select_async ------------------------------------------------------------------ */

typedef struct
{
  Task9Alt  *alt;
  gboolean   returned;
  gboolean   early;
  gboolean   wrong_place;
  gint       done;
  gint       fired;
  GError    *error;
} Select;

static void
select_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  Select *s = data;

  if (!s->returned)
    s->early = TRUE;
  if (!g_main_context_is_owner (g_main_context_default ()) || task9_in_task ())
    s->wrong_place = TRUE;
  s->fired = task9_alt_select_finish (s->alt, result, &s->error);
  flag_raise (&s->done);
}

static void
test_async_select (void)
{
  Task9Proc *proc = test_proc_new ("peer");
  Task9Channel *a = task9_channel_new_typed (G_TYPE_INT, 0);
  Task9Channel *b = task9_channel_new_typed (G_TYPE_INT, 0);
  Task9Alt *alt = task9_alt_new ();
  TestPeer peer = { b, TRUE };
  GValue got = G_VALUE_INIT;
  Select s = { alt, FALSE, FALSE, FALSE, 0, -2, NULL };
  Task9Task *task;

  task9_alt_add_recv (alt, a);
  task9_alt_add_recv (alt, b);

  /* Waiting; a task sends on B; arm 1 fires and A keeps no waiter. */
  task9_alt_select_async (alt, NULL, select_cb, &s);
  s.returned = TRUE;
  test_int_value (&peer.value, 31);
  task = test_spawn_on (proc, "sender", test_peer_task, &peer);
  test_iterate_until (NULL, &s.done);
  main_join_ok (task);
  g_assert_false (s.early);
  g_assert_false (s.wrong_place);
  g_assert_no_error (s.error);
  g_assert_cmpint (s.fired, ==, 1);
  g_assert_true (task9_alt_take_value (alt, 1, &got));
  g_assert_cmpint (g_value_get_int (&got), ==, 31);
  g_value_unset (&got);
  g_value_unset (&peer.value);
  g_assert_false (task9_channel_try_send_value (a, test_int_value (&got, 1), NULL));
  g_value_unset (&got);

  /* Cancelled while waiting: CANCELLED, no waiter left on either channel. */
  {
    GCancellable *cancellable = g_cancellable_new ();

    s = (Select) { alt, FALSE, FALSE, FALSE, 0, -2, NULL };
    task9_alt_select_async (alt, cancellable, select_cb, &s);
    s.returned = TRUE;
    while (g_main_context_iteration (NULL, FALSE))
      ;
    g_cancellable_cancel (cancellable);
    test_iterate_until (NULL, &s.done);
    g_assert_false (s.early);
    g_assert_cmpint (s.fired, ==, -1);
    g_assert_error (s.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
    g_clear_error (&s.error);
    g_assert_false (task9_channel_try_send_value (a, test_int_value (&got, 1), NULL));
    g_value_unset (&got);
    g_assert_false (task9_channel_try_send_value (b, test_int_value (&got, 1), NULL));
    g_value_unset (&got);
    g_object_unref (cancellable);
  }

  /* Fired at once (a task waits in send on A), then cancelled before the callback: the
   * result must say which arm fired, or the element must still be in A. */
  {
    GCancellable *cancellable = g_cancellable_new ();

    peer.channel = a;
    test_int_value (&peer.value, 32);
    task = test_spawn_on (proc, "sender", test_peer_task, &peer);
    test_wait_blocked (task, "send");
    s = (Select) { alt, FALSE, FALSE, FALSE, 0, -2, NULL };
    task9_alt_select_async (alt, cancellable, select_cb, &s);
    s.returned = TRUE;
    g_cancellable_cancel (cancellable);
    test_iterate_until (NULL, &s.done);
    if (s.fired == 0)
      {
        g_assert_true (task9_alt_take_value (alt, 0, &got));
        g_assert_cmpint (g_value_get_int (&got), ==, 32);
        g_value_unset (&got);
      }
    else
      {
        g_assert_error (s.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
        g_clear_error (&s.error);
        /* Then the sender must still be blocked with its element. */
        if (task9_channel_try_recv_value (a, &got, NULL))
          g_value_unset (&got);
        else
          g_test_fail_printf ("select_async: arm 0 took the sender's element, then reported "
                              "G_IO_ERROR_CANCELLED: the element is lost");
      }
    main_join_ok (task);
    g_value_unset (&peer.value);
    g_object_unref (cancellable);
  }

  g_object_unref (alt);
  g_object_unref (a);
  g_object_unref (b);
  main_proc_finish (proc);
}

/* ---- from a thread that does not own its context ------------------------------------- */

/* GIO lets any thread start an async call; the callback goes to that thread's
 * thread-default context, which for a plain thread is the global default one, iterated
 * here by the main thread. A task on another proc try_sends in a loop, so it meets each
 * receive as soon as it is queued, while the starting thread may still be inside the
 * _async call; half of the receives are also cancelled at once. Each completion is
 * exactly one of: an element received, or cancelled with nothing taken. On a raw
 * channel the receives are task9_channel_recv_async(); on a typed one,
 * Task9Alt.select_async() over that channel. */
typedef struct
{
  Task9Channel *channel;
  guint         n;
  gint          stop;
  guint64       sent;        /* by the sender task */
  guint64       received;    /* by the callbacks */
  guint64       cancelled;
  gint          pending;     /* the worker's current op has not completed */
  gint          worker_done;
  guint         wrong_place;
} Foreign;

typedef struct
{
  Foreign  *f;
  gint64    elem;
  Task9Alt *alt;             /* typed channels */
} ForeignOp;

static void
foreign_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  ForeignOp *op = data;
  Foreign *f = op->f;
  GError *error = NULL;
  gboolean ok;

  if (g_thread_self () != main_thread || task9_in_task ())
    f->wrong_place++;
  if (op->alt != NULL)
    {
      GValue got = G_VALUE_INIT;

      ok = task9_alt_select_finish (op->alt, result, &error) == 0;
      if (ok)
        {
          g_assert_true (task9_alt_take_value (op->alt, 0, &got));
          op->elem = g_value_get_int (&got);
          g_value_unset (&got);
        }
      g_object_unref (op->alt);
    }
  else
    ok = task9_channel_recv_finish (f->channel, result, &error);
  if (ok)
    {
      g_assert_cmpint (op->elem, ==, 7);
      f->received++;
    }
  else
    {
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
      g_assert_cmpint (op->elem, ==, -1);
      g_clear_error (&error);
      f->cancelled++;
    }
  g_free (op);
  g_atomic_int_set (&f->pending, 0);
}

static gpointer
foreign_worker (gpointer data)
{
  Foreign *f = data;

  g_assert_null (g_main_context_get_thread_default ());
  for (guint i = 0; i < f->n; i++)
    {
      ForeignOp *op = g_new0 (ForeignOp, 1);
      GCancellable *cancellable = g_cancellable_new ();

      op->f = f;
      op->elem = -1;
      g_atomic_int_set (&f->pending, 1);
      if (task9_channel_get_elem_type (f->channel) == G_TYPE_INVALID)
        task9_channel_recv_async (f->channel, &op->elem, cancellable, foreign_cb, op);
      else
        {
          op->alt = task9_alt_new ();
          task9_alt_add_recv (op->alt, f->channel);
          task9_alt_select_async (op->alt, cancellable, foreign_cb, op);
        }
      if (i % 2 == 1)
        g_cancellable_cancel (cancellable);
      g_object_unref (cancellable);
      while (g_atomic_int_get (&f->pending))
        g_thread_yield ();
    }
  flag_raise (&f->worker_done);
  return NULL;
}

static gpointer
foreign_sender (gpointer data, GError **error)
{
  Foreign *f = data;
  gboolean typed = task9_channel_get_elem_type (f->channel) != G_TYPE_INVALID;
  GValue value = G_VALUE_INIT;
  gint64 x = 7;

  if (typed)
    test_int_value (&value, 7);
  while (!g_atomic_int_get (&f->stop))
    {
      if (typed ? task9_channel_try_send_value (f->channel, &value, NULL)
                : task9_channel_try_send (f->channel, &x, NULL))
        f->sent++;
      else
        task9_yield ();
    }
  if (typed)
    g_value_unset (&value);
  return NULL;
}

/* Makes @n receives on @channel (unbuffered; the run drops it) from the worker thread. */
static void
foreign_run (Task9Channel *channel, guint n)
{
  Task9Proc *proc = test_proc_new ("sender");
  Foreign f = { channel, n, 0, 0, 0, 0, 0, 0, 0 };
  Task9Task *sender = test_spawn_on (proc, "sender", foreign_sender, &f);
  GThread *worker = g_thread_new ("worker", foreign_worker, &f);

  test_iterate_until (NULL, &f.worker_done);
  g_thread_join (worker);
  g_atomic_int_set (&f.stop, 1);
  main_join_ok (sender);

  g_test_message ("%" G_GUINT64_FORMAT " received, %" G_GUINT64_FORMAT " cancelled",
                  f.received, f.cancelled);
  g_assert_cmpuint (f.wrong_place, ==, 0);
  g_assert_cmpuint (f.received + f.cancelled, ==, f.n);
  g_assert_cmpuint (f.received, ==, f.sent);
  if (task9_channel_get_elem_type (channel) == G_TYPE_INVALID)
    test_assert_no_waiters (channel);
  g_object_unref (channel);
  main_proc_finish (proc);
}

static void
test_async_foreign_thread (void)
{
  foreign_run (test_chan_new (0), test_scale (8000, 100));
}

static void
test_async_foreign_thread_select (void)
{
  foreign_run (task9_channel_new_typed (G_TYPE_INT, 0), test_scale (4000, 100));
}

/* ---- bad input ----------------------------------------------------------------------------- */

typedef struct
{
  GAsyncResult *result;
  gint          done;
} KeptResult;

static void
keep_result (GObject *source, GAsyncResult *result, gpointer data)
{
  KeptResult *kept = data;

  kept->result = g_object_ref (result);
  g_atomic_int_set (&kept->done, 1);
}

/* The result of a send of 7 on @raw (which has room), not yet finished. */
static GAsyncResult *
test_int_send_result (Task9Channel *raw)
{
  KeptResult kept = { NULL, 0 };
  gint64 x = 7;

  task9_channel_send_async (raw, &x, NULL, keep_result, &kept);
  test_iterate_until (NULL, &kept.done);
  return kept.result;
}

static void
test_async_bad_input (void)
{
  Task9Channel *raw = test_chan_new (1), *typed = task9_channel_new_typed (G_TYPE_STRING, 1);
  GValue value = G_VALUE_INIT;
  gint64 x = 1;

  test_int_value (&value, 3);
  test_expect_critical ("*g_type_is_a*");
  task9_channel_send_value_async (typed, &value, NULL, NULL, NULL);
  g_test_assert_expected_messages ();
  test_expect_critical ("*elem_type != G_TYPE_INVALID*");
  task9_channel_send_value_async (raw, &value, NULL, NULL, NULL);
  g_test_assert_expected_messages ();
  test_expect_critical ("*holds_values*");
  task9_channel_send_async (typed, &x, NULL, NULL, NULL);
  g_test_assert_expected_messages ();
  test_expect_critical ("*elem != NULL*");
  task9_channel_send_async (raw, NULL, NULL, NULL, NULL);
  g_test_assert_expected_messages ();
  g_assert_cmpuint (task9_channel_get_length (raw), ==, 0);
  g_assert_cmpuint (task9_channel_get_length (typed), ==, 0);
  g_value_unset (&value);

  /* The finish functions refuse what is not theirs, before touching anything. */
  {
    GAsyncResult *result = test_int_send_result (raw);   /* a finished send on @raw */
    GError *error = NULL;

    test_expect_critical ("*CHANNEL_CHECK*");
    g_assert_false (task9_channel_recv_value_finish (NULL, result, &value, &error));
    g_test_assert_expected_messages ();
    test_expect_critical ("*elem_type != G_TYPE_INVALID*");
    g_assert_false (task9_channel_recv_value_finish (raw, result, &value, &error));
    g_test_assert_expected_messages ();
    test_expect_critical ("*value != NULL*");
    g_assert_false (task9_channel_recv_value_finish (typed, result, NULL, &error));
    g_test_assert_expected_messages ();
    test_expect_critical ("*source_tag*");
    g_assert_false (task9_channel_recv_finish (raw, result, &error));
    g_test_assert_expected_messages ();
    g_assert_no_error (error);
    g_assert_true (task9_channel_send_finish (raw, result, &error));
    g_assert_no_error (error);
    g_object_unref (result);
  }

  g_object_unref (raw);
  g_object_unref (typed);
}

/* ---- the op objects are reused only when nobody else can reach them ---------------------- */

/* What a completion kept of its result. */
typedef struct
{
  Task9Channel *channel;
  GAsyncResult *result;     /* a reference, when keep is set; else only the address */
  gboolean      keep;
  gboolean      weak;       /* add a weak reference to the result */
  gint          finalized;  /* the weak notify ran */
  gint          done;
  gboolean      ok;
  GError       *error;
  gint64        elem;
} Kept;

static void
kept_weak_notify (gpointer data, GObject *where_the_object_was)
{
  Kept *k = data;

  k->finalized = 1;
}

static void
kept_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  Kept *k = data;

  k->result = k->keep ? g_object_ref (result) : result;
  if (k->weak)
    g_object_weak_ref (G_OBJECT (result), kept_weak_notify, k);
  if (!k->keep)
    k->ok = task9_channel_recv_finish (k->channel, result, &k->error);
  k->done = 1;
}

static void
kept_recv (Kept *k, Task9Channel *channel)
{
  k->channel = channel;
  task9_channel_recv_async (channel, &k->elem, NULL, kept_cb, k);
  test_iterate_until (NULL, &k->done);
}

/* A result the callback keeps a reference to still holds its own outcome for a later
 * _finish, however many operations ran meanwhile; one it let go is reused (the pool). */
static void
test_async_reuse_kept_result (void)
{
  Task9Channel *channel = task9_channel_new (sizeof (gint64), 4);
  gint64 one = 1, two = 2;
  Kept first = { 0 }, second = { 0 }, third = { 0 }, fourth = { 0 };

  g_assert_true (task9_channel_try_send (channel, &one, NULL));
  g_assert_true (task9_channel_try_send (channel, &two, NULL));

  first.keep = TRUE;
  kept_recv (&first, channel);                 /* gets 1, not finished yet */
  kept_recv (&second, channel);                /* gets 2 */
  g_assert_true (second.ok);
  g_assert_cmpint (second.elem, ==, 2);
  g_assert_true (second.result != first.result);
  task9_channel_close (channel);
  kept_recv (&third, channel);                 /* closed */
  g_assert_false (third.ok);
  g_assert_error (third.error, TASK9_ERROR, TASK9_ERROR_CLOSED);
  g_assert_true (third.result != first.result);
  /* Nobody kept the second: the pool gave it to the third. */
  g_assert_true (third.result == second.result);

  /* The kept one: its own outcome, the element it received. */
  g_assert_true (task9_channel_recv_finish (channel, first.result, &first.error));
  g_assert_no_error (first.error);
  g_assert_cmpint (first.elem, ==, 1);
  g_object_unref (first.result);

  /* An op released with a weak reference on it is finalized, not kept. */
  fourth.weak = TRUE;
  kept_recv (&fourth, channel);
  g_assert_false (fourth.ok);
  g_assert_cmpint (fourth.finalized, ==, 1);

  g_clear_error (&third.error);
  g_clear_error (&fourth.error);
  g_object_unref (channel);
}

static void
flag_destroy_notify (gpointer data)
{
  g_atomic_int_set ((gint *) data, 1);
}

static gboolean
never_cb (gpointer data)
{
  g_assert_not_reached ();
  return G_SOURCE_REMOVE;
}

/* The ops a proc's thread keeps for reuse hold the proc and its context: they are
 * dropped when the proc ends, so a finished proc is freed with its context. */
static void
test_async_reuse_proc_ends (void)
{
  Task9Proc *proc = test_proc_new ("reuse");
  Task9Proc *peer_proc = test_proc_new ("peer");
  Task9Channel *in = task9_channel_new_typed (G_TYPE_INT, 0);
  Task9Channel *out = task9_channel_new_typed (G_TYPE_INT, 0);
  GMainContext *context = task9_proc_get_context (proc);
  GThread *proc_thread = main_join_ok (test_spawn_on (proc, "where", thread_of_task, NULL));
  TestPeer sender = { in, TRUE }, receiver = { out, FALSE };
  ProcSide side;
  GSource *marker;
  gint context_freed = 0;
  Task9Task *t1, *t2;

  memset (&side, 0, sizeof side);
  op_init (&side.recv, in);
  op_init (&side.send, out);
  side.recv.context = side.send.context = context;
  side.recv.thread = side.send.thread = proc_thread;
  g_value_init (&side.value, G_TYPE_INT);
  g_value_set_int (&side.value, 2);
  g_value_init (&sender.value, G_TYPE_INT);
  g_value_set_int (&sender.value, 1);

  /* Destroyed, and its notify run, when the context is finalized. */
  marker = g_timeout_source_new_seconds (3600);
  g_source_set_callback (marker, never_cb, &context_freed, flag_destroy_notify);
  g_source_attach (marker, context);
  g_source_unref (marker);

  g_main_context_invoke (context, proc_side_start, &side);
  t1 = test_spawn_on (peer_proc, "sender", test_peer_task, &sender);
  t2 = test_spawn_on (peer_proc, "receiver", test_peer_task, &receiver);
  main_join_ok (t1);
  main_join_ok (t2);
  test_iterate_until (NULL, &side.recv.done);
  test_iterate_until (NULL, &side.send.done);
  assert_op_good (&side.recv);
  assert_op_good (&side.send);
  g_assert_true (side.recv.ok && side.send.ok);

  g_value_unset (&side.value);
  g_value_unset (&sender.value);
  g_value_unset (&receiver.value);
  op_clear (&side.recv);
  op_clear (&side.send);
  g_object_unref (in);
  g_object_unref (out);
  main_proc_finish (proc);
  g_assert_cmpint (g_atomic_int_get (&context_freed), ==, 1);
  main_proc_finish (peer_proc);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  main_thread = g_thread_self ();
  {
    Task9Proc *main_proc = task9_proc_get_main ();   /* adopts this thread */

    g_assert_true (task9_proc_get_current () == main_proc);
  }

  g_test_add_func ("/async/recv-value/main-loop", test_async_recv_value_main_loop);
  g_test_add_func ("/async/send-value/main-loop", test_async_send_value_main_loop);
  g_test_add_func ("/async/raw", test_async_raw);
  g_test_add_func ("/async/proc-context", test_async_proc_context);
  g_test_add_func ("/async/never-synchronous", test_async_never_synchronous);
  g_test_add_func ("/async/cancel/before", test_async_cancel_before);
  g_test_add_func ("/async/cancel/waiting", test_async_cancel_waiting);
  g_test_add_func ("/async/cancel/shared", test_async_cancel_shared);
  g_test_add_func ("/async/cancel/after-completion/at-once",
                   test_async_cancel_after_completion_at_once);
  g_test_add_func ("/async/cancel/after-completion/waiting",
                   test_async_cancel_after_completion_waiting);
  g_test_add_func ("/async/close-wakes", test_async_close_wakes);
  g_test_add_func ("/async/async-to-async", test_async_to_async);
  g_test_add_func ("/async/many", test_async_many);
  g_test_add_func ("/async/select", test_async_select);
  g_test_add_func ("/async/foreign-thread", test_async_foreign_thread);
  g_test_add_func ("/async/foreign-thread-select", test_async_foreign_thread_select);
  g_test_add_func ("/async/bad-input", test_async_bad_input);
  g_test_add_func ("/async/reuse/kept-result", test_async_reuse_kept_result);
  g_test_add_func ("/async/reuse/proc-ends", test_async_reuse_proc_ends);

  return g_test_run ();
}
