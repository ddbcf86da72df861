/* test-ioproc.c: Task9IOProc: results, FIFO order, the caller's proc runs meanwhile,
 * interrupting a read(2) blocked on a pipe, a caller's cancellation and timeout
 * (interrupting a running call, dequeuing a queued one), close with a call in flight
 * and calls queued, bad input
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <errno.h>
#include <signal.h>
#include <unistd.h>

#include "test-util.h"

/* ---- functions ------------------------------------------------------------------------- */

typedef struct
{
  GMutex  lock;
  guint   order[64];
  guint   n;
  gint    started;     /* atomic: calls that started */
  gint    freed;       /* atomic: results freed by result_destroy */
  gint    data_freed;  /* atomic */
} Log;

typedef struct
{
  Log     *log;
  guint    index;
  int      fd;         /* read from this pipe, if >= 0 */
  int      err;        /* the read's errno */
  GThread *where;
} Job;

static void
result_free (gpointer result)
{
  Log *log = result;

  g_atomic_int_inc (&log->freed);
}

static void
job_data_free (gpointer data)
{
  Job *job = data;

  g_atomic_int_inc (&job->log->data_freed);
}

/* Logs its index, reads one byte from job->fd if set; returns the log (as a token). */
static gpointer
job_func (gpointer      data,
          GCancellable *cancellable,
          GError      **error)
{
  Job *job = data;
  char byte;

  job->where = g_thread_self ();
  g_mutex_lock (&job->log->lock);
  job->log->order[job->log->n++] = job->index;
  g_mutex_unlock (&job->log->lock);
  g_atomic_int_inc (&job->log->started);
  if (job->fd >= 0 && read (job->fd, &byte, 1) < 0)
    job->err = errno;
  return job->log;
}

static Task9IOProc *
ioproc_new (void)
{
  GError *error = NULL;
  Task9IOProc *io = task9_ioproc_new ("test-io", &error);

  g_assert_no_error (error);
  g_assert_true (TASK9_IS_IOPROC (io));
  g_assert_cmpstr (task9_ioproc_get_name (io), ==, "test-io");
  return io;
}

/* ---- results, FIFO order ------------------------------------------------------------------ */

typedef struct
{
  Task9IOProc  *io;
  Job          *job;
  GTimeSpan     timeout;
  GCancellable *cancellable;
  GError       *error;
  gpointer      result;
  gint          returned;
} Caller;

static gpointer
caller_task (gpointer data, GError **error)
{
  Caller *c = data;

  c->result = task9_ioproc_call (c->io, job_func, c->job, job_data_free, result_free,
                                 c->timeout, c->cancellable, &c->error);
  g_atomic_int_set (&c->returned, 1);
  return NULL;
}

#define N_FIFO 16

static gpointer
fifo_body (gpointer data, GError **error)
{
  Task9IOProc *io = ioproc_new ();
  Log log = { 0, };
  Job jobs[N_FIFO];
  Caller callers[N_FIFO];
  Task9Task *tasks[N_FIFO];

  /* Spawned in order, each runs until it waits: their calls are asked for in order. */
  for (guint i = 0; i < N_FIFO; i++)
    {
      jobs[i] = (Job) { &log, i, -1, 0, NULL };
      callers[i] = (Caller) { io, &jobs[i], -1, NULL, NULL, NULL, 0 };
      tasks[i] = test_spawn ("caller", caller_task, &callers[i]);
    }
  for (guint i = 0; i < N_FIFO; i++)
    {
      task9_task_join (tasks[i], -1, NULL);
      task9_task_unref (tasks[i]);
      g_assert_no_error (callers[i].error);
      g_assert_true (callers[i].result == &log);
      g_assert_true (jobs[i].where != NULL && jobs[i].where != g_thread_self ());
      g_assert_true (jobs[i].where == jobs[0].where);   /* one thread */
    }
  g_assert_cmpuint (log.n, ==, N_FIFO);
  for (guint i = 0; i < N_FIFO; i++)
    g_assert_cmpuint (log.order[i], ==, i);
  g_assert_cmpint (log.data_freed, ==, N_FIFO);
  g_assert_cmpint (log.freed, ==, 0);
  g_object_unref (io);
  return NULL;
}

TEST_IN_TASK (test_fifo, fifo_body)

/* ---- interrupting a blocked read ----------------------------------------------------------- */

static gpointer
interrupt_body (gpointer data, GError **error)
{
  Task9IOProc *io = ioproc_new ();
  Log log = { 0, };
  Job job = { &log, 0, -1, 0, NULL }, next = { &log, 1, -1, 0, NULL };
  Caller c = { io, &job, -1, NULL, NULL, NULL, 0 };
  Task9Task *task;
  int p[2];

  g_assert_cmpint (pipe (p), ==, 0);
  job.fd = p[0];
  task = test_spawn ("reader", caller_task, &c);
  test_wait_blocked (task, "ioproc-call");
  test_yield_until (&log.started);
  /* The reader's proc (ours) runs: we do. The read blocks in the kernel: interrupt it. */
  task9_ioproc_interrupt (io);
  test_yield_until (&c.returned);
  g_assert_error (c.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&c.error);
  g_assert_cmpint (job.err, ==, EINTR);
  /* The result was freed, as nobody takes it. */
  g_assert_cmpint (g_atomic_int_get (&log.freed), ==, 1);

  /* The IOProc goes on; interrupting it idle does nothing. */
  task9_ioproc_interrupt (io);
  c = (Caller) { io, &next, -1, NULL, NULL, NULL, 0 };
  caller_task (&c, NULL);
  g_assert_no_error (c.error);
  g_assert_true (c.result == &log);

  task9_task_join (task, -1, NULL);
  task9_task_unref (task);
  close (p[0]);
  close (p[1]);
  g_object_unref (io);
  return NULL;
}

TEST_IN_TASK (test_interrupt, interrupt_body)

/* ---- the caller gives up: a running call is interrupted, a queued one never runs -------- */

static gpointer
give_up_body (gpointer data, GError **error)
{
  Task9IOProc *io = ioproc_new ();
  Log log = { 0, };
  Job first = { &log, 0, -1, 0, NULL }, second = { &log, 1, -1, 0, NULL };
  Caller c1 = { io, &first, -1, g_cancellable_new (), NULL, NULL, 0 };
  Caller c2 = { io, &second, -1, g_cancellable_new (), NULL, NULL, 0 };
  Task9Task *t1, *t2;
  int p[2];

  g_assert_cmpint (pipe (p), ==, 0);
  first.fd = p[0];
  second.fd = p[0];
  t1 = test_spawn ("first", caller_task, &c1);
  test_yield_until (&log.started);
  t2 = test_spawn ("second", caller_task, &c2);
  test_wait_blocked (t2, "ioproc-call");

  /* The queued call: out of the queue, never run, its data freed. */
  g_cancellable_cancel (c2.cancellable);
  test_yield_until (&c2.returned);
  g_assert_error (c2.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (g_atomic_int_get (&log.data_freed), ==, 1);

  /* The running call: its read is interrupted. */
  g_cancellable_cancel (c1.cancellable);
  test_yield_until (&c1.returned);
  g_assert_error (c1.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  while (g_atomic_int_get (&log.data_freed) < 2 || g_atomic_int_get (&log.freed) < 1)
    task9_yield ();
  g_assert_cmpint (first.err, ==, EINTR);
  g_assert_cmpuint (log.n, ==, 1);   /* the second never ran */

  /* A timeout interrupts the same way. */
  first.err = 0;
  g_clear_error (&c1.error);
  c1.cancellable = (g_object_unref (c1.cancellable), NULL);
  c1.timeout = 1000;
  c1.returned = 0;
  caller_task (&c1, NULL);
  g_assert_error (c1.error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  while (g_atomic_int_get (&log.data_freed) < 3)
    task9_yield ();
  g_assert_true (first.err == EINTR || log.n == 1);   /* interrupted, or never started */

  g_clear_error (&c1.error);
  g_clear_error (&c2.error);
  g_object_unref (c2.cancellable);
  task9_task_join (t1, -1, NULL);
  task9_task_join (t2, -1, NULL);
  task9_task_unref (t1);
  task9_task_unref (t2);
  close (p[0]);
  close (p[1]);
  g_object_unref (io);
  return NULL;
}

TEST_IN_TASK (test_give_up, give_up_body)

/* ---- close with a call in flight and calls queued ----------------------------------------- */

typedef struct
{
  GAsyncResult *result;
  gint          done;
} AsyncWait;

static void
async_done (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  AsyncWait *w = user_data;

  g_assert_true (TASK9_IS_IOPROC (source));
  w->result = g_object_ref (result);
  g_atomic_int_set (&w->done, 1);
}

static void
test_close (void)
{
  GMainContext *context = g_main_context_new ();
  Task9IOProc *io = ioproc_new ();
  Log log = { 0, };
  Job jobs[3] = { { &log, 0, -1, 0, NULL }, { &log, 1, -1, 0, NULL }, { &log, 2, -1, 0, NULL } };
  AsyncWait w[3] = { { NULL, 0 }, };
  GError *error = NULL;
  int p[2];

  g_main_context_push_thread_default (context);
  g_assert_cmpint (pipe (p), ==, 0);
  jobs[0].fd = p[0];
  for (guint i = 0; i < 3; i++)
    task9_ioproc_call_async (io, job_func, &jobs[i], job_data_free, result_free, NULL,
                             async_done, &w[i]);
  while (g_atomic_int_get (&log.started) < 1)
    g_thread_yield ();

  /* The first blocks in read(2); the others are queued. Close: all end. */
  g_assert_false (task9_ioproc_is_closed (io));
  task9_ioproc_close (io);
  g_assert_true (task9_ioproc_is_closed (io));
  g_assert_cmpint (jobs[0].err, ==, EINTR);   /* the thread was joined: the read ended */
  for (guint i = 0; i < 3; i++)
    test_iterate_until (context, &w[i].done);
  g_assert_null (task9_ioproc_call_finish (io, w[0].result, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  for (guint i = 1; i < 3; i++)
    {
      g_assert_null (task9_ioproc_call_finish (io, w[i].result, &error));
      g_assert_error (error, TASK9_ERROR, TASK9_ERROR_CLOSED);
      g_clear_error (&error);
    }
  g_assert_cmpuint (log.n, ==, 1);
  g_assert_cmpint (g_atomic_int_get (&log.data_freed), ==, 3);
  g_assert_cmpint (g_atomic_int_get (&log.freed), ==, 1);

  /* Closed: later calls fail, close again does nothing. */
  for (guint i = 0; i < 3; i++)
    g_clear_object (&w[i].result);
  w[0].done = 0;
  task9_ioproc_call_async (io, job_func, &jobs[1], job_data_free, result_free, NULL,
                           async_done, &w[0]);
  test_iterate_until (context, &w[0].done);
  g_assert_null (task9_ioproc_call_finish (io, w[0].result, &error));
  g_assert_error (error, TASK9_ERROR, TASK9_ERROR_CLOSED);
  g_clear_error (&error);
  g_clear_object (&w[0].result);
  task9_ioproc_close (io);

  close (p[0]);
  close (p[1]);
  g_object_unref (io);
  g_main_context_pop_thread_default (context);
  g_main_context_unref (context);
}

/* ---- the async pair: a result; cancelling a queued call ----------------------------------- */

static void
test_async (void)
{
  GMainContext *context = g_main_context_new ();
  Task9IOProc *io = ioproc_new ();
  GCancellable *cancellable = g_cancellable_new ();
  Log log = { 0, };
  Job jobs[2] = { { &log, 0, -1, 0, NULL }, { &log, 1, -1, 0, NULL } };
  AsyncWait w[2] = { { NULL, 0 }, };
  GError *error = NULL;
  int p[2];

  g_main_context_push_thread_default (context);
  g_assert_cmpint (pipe (p), ==, 0);
  jobs[0].fd = p[0];
  task9_ioproc_call_async (io, job_func, &jobs[0], NULL, NULL, NULL, async_done, &w[0]);
  task9_ioproc_call_async (io, job_func, &jobs[1], job_data_free, result_free, cancellable,
                           async_done, &w[1]);
  while (g_atomic_int_get (&log.started) < 1)
    g_thread_yield ();
  g_cancellable_cancel (cancellable);   /* the second is still queued */
  test_iterate_until (context, &w[1].done);
  g_assert_null (task9_ioproc_call_finish (io, w[1].result, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_assert_cmpint (g_atomic_int_get (&log.data_freed), ==, 1);

  g_assert_cmpint (write (p[1], "x", 1), ==, 1);
  test_iterate_until (context, &w[0].done);
  g_assert_true (task9_ioproc_call_finish (io, w[0].result, &error) == &log);
  g_assert_no_error (error);
  g_assert_cmpuint (log.n, ==, 1);

  g_clear_object (&w[0].result);
  g_clear_object (&w[1].result);
  g_object_unref (cancellable);
  g_object_unref (io);   /* disposing closes it and joins its thread */
  close (p[0]);
  close (p[1]);
  g_main_context_pop_thread_default (context);
  g_main_context_unref (context);
}

/* ---- bad input ------------------------------------------------------------------------------ */

static void
test_bad_input (void)
{
  Task9IOProc *io = ioproc_new ();
  Log log = { 0, };
  Job job = { &log, 0, -1, 0, NULL };
  GError *error = NULL;

  /* Outside a task the blocking form cannot wait; nothing runs. */
  g_assert_null (task9_ioproc_call (io, job_func, &job, job_data_free, NULL, -1, NULL, &error));
  g_assert_error (error, TASK9_ERROR, TASK9_ERROR_NOT_IN_TASK);
  g_clear_error (&error);
  g_assert_cmpint (log.data_freed, ==, 1);
  g_assert_cmpuint (log.n, ==, 0);

  test_expect_critical ("*func != NULL*");
  g_assert_null (task9_ioproc_call (io, NULL, NULL, NULL, NULL, -1, NULL, &error));
  g_test_assert_expected_messages ();
  test_expect_critical ("*TASK9_IS_IOPROC*");
  g_assert_null (task9_ioproc_call (NULL, job_func, NULL, NULL, NULL, -1, NULL, &error));
  g_test_assert_expected_messages ();
  test_expect_critical ("*TASK9_IS_IOPROC*");
  task9_ioproc_interrupt (NULL);
  g_test_assert_expected_messages ();
  test_expect_critical ("*TASK9_IS_IOPROC*");
  task9_ioproc_close (NULL);
  g_test_assert_expected_messages ();
  test_expect_critical ("*func != NULL*");
  task9_ioproc_call_async (io, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
  g_test_assert_expected_messages ();

  g_assert_cmpint (task9_ioproc_get_interrupt_signal (), ==, SIGRTMIN + 6);
  g_object_unref (io);
}

static gpointer
closed_body (gpointer data, GError **error)
{
  Task9IOProc *io = ioproc_new ();
  Log log = { 0, };
  Job job = { &log, 0, -1, 0, NULL };
  GError *local = NULL;

  task9_ioproc_close (io);
  g_assert_null (task9_ioproc_call (io, job_func, &job, job_data_free, NULL, -1, NULL, &local));
  g_assert_error (local, TASK9_ERROR, TASK9_ERROR_CLOSED);
  g_clear_error (&local);
  g_assert_null (task9_ioproc_call (io, job_func, &job, job_data_free, NULL, 0, NULL, &local));
  g_assert_error (local, TASK9_ERROR, TASK9_ERROR_WOULD_BLOCK);
  g_clear_error (&local);
  g_assert_cmpint (log.data_freed, ==, 2);
  g_assert_cmpuint (log.n, ==, 0);
  g_object_unref (io);
  return NULL;
}

TEST_IN_TASK (test_closed, closed_body)

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/ioproc/fifo", test_fifo);
  g_test_add_func ("/ioproc/interrupt", test_interrupt);
  g_test_add_func ("/ioproc/give-up", test_give_up);
  g_test_add_func ("/ioproc/close", test_close);
  g_test_add_func ("/ioproc/async", test_async);
  g_test_add_func ("/ioproc/bad-input", test_bad_input);
  g_test_add_func ("/ioproc/closed", test_closed);
  return g_test_run ();
}
