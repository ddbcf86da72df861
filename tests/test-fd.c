/* test-fd.c: waiting for fd readiness
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Many tasks on one fd, one task on many fds through alt, watch channels closed or
 * dropped here and on other threads, timeouts and cancellations
 * that leave no registration behind, closing an fd under its waiters, bad fds, and the
 * async form on a proc's context and on a plain one. Links the library statically to
 * count registrations (task9_fd_debug_n_busy/_n_waiting).
 */

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <glib-unix.h>
#include <glib/gstdio.h>

#include "test-util.h"
#include "task9-fd-private.h"

static void
make_pipe (int fds[2])
{
  GError *error = NULL;

  g_assert_true (g_unix_open_pipe (fds, FD_CLOEXEC, &error));
  g_assert_no_error (error);
  g_assert_true (task9_fd_set_nonblocking (fds[0], &error));
  g_assert_true (task9_fd_set_nonblocking (fds[1], &error));
}

static void
write_byte (int fd)
{
  g_assert_cmpint (write (fd, "x", 1), ==, 1);
}

static void
close_pipe (int fds[2])
{
  if (fds[0] >= 0)
    close (fds[0]);
  if (fds[1] >= 0)
    close (fds[1]);
}

/* Waits (yielding) until the proc's table has no waiter or watch left. */
static void
assert_no_registration (void)
{
  while (task9_fd_debug_n_waiting () > 0)
    task9_yield ();
  g_assert_cmpuint (task9_fd_debug_n_busy (), ==, 0);
}

/* ---- many tasks on one fd -------------------------------------------------------------- */

typedef struct
{
  int          fd;
  GIOCondition got;
  GError      *error;
} FdWaiter;

static gpointer
fd_waiter_task (gpointer data, GError **error)
{
  FdWaiter *w = data;

  w->got = task9_fd_wait (w->fd, G_IO_IN, -1, NULL, &w->error);
  return NULL;
}

#define N_WAITERS 50

static gpointer
many_on_one_body (gpointer data, GError **error)
{
  FdWaiter waiters[N_WAITERS];
  Task9Task *tasks[N_WAITERS];
  int fds[2];

  make_pipe (fds);
  for (guint i = 0; i < N_WAITERS; i++)
    {
      waiters[i] = (FdWaiter) { fds[0], 0, NULL };
      tasks[i] = test_spawn ("waiter", fd_waiter_task, &waiters[i]);
    }
  for (guint i = 0; i < N_WAITERS; i++)
    test_wait_blocked (tasks[i], "fd");
  g_assert_cmpuint (task9_fd_debug_n_waiting (), ==, N_WAITERS);
  g_assert_cmpuint (task9_fd_debug_n_busy (), ==, 1);

  write_byte (fds[1]);
  for (guint i = 0; i < N_WAITERS; i++)
    {
      task9_task_join (tasks[i], -1, NULL);
      task9_task_unref (tasks[i]);
      g_assert_no_error (waiters[i].error);
      g_assert_cmpint (waiters[i].got, ==, G_IO_IN);
    }
  assert_no_registration ();
  close_pipe (fds);
  return NULL;
}

TEST_IN_TASK (test_fd_many_on_one, many_on_one_body)

/* ---- one task on many fds: alt over watch channels and after() ------------------------- */

#define N_PIPES 8

static gpointer
alt_many_body (gpointer data, GError **error)
{
  int pipes[N_PIPES][2];
  Task9AltArm arms[N_PIPES + 1];
  GIOCondition got[N_PIPES];
  GError *local = NULL;
  Task9Channel *timeout;
  gint fired;

  for (guint i = 0; i < N_PIPES; i++)
    make_pipe (pipes[i]);

  /* Pipe 5 becomes readable: its arm fires with G_IO_IN. */
  for (guint i = 0; i < N_PIPES; i++)
    {
      got[i] = 0;
      arms[i] = (Task9AltArm) { task9_fd_watch (pipes[i][0], G_IO_IN), TASK9_ALT_RECV, &got[i], FALSE };
      g_assert_cmpuint (task9_channel_get_elem_type (arms[i].channel), ==, G_TYPE_IO_CONDITION);
    }
  timeout = task9_channel_after (60 * G_TIME_SPAN_SECOND);
  arms[N_PIPES] = (Task9AltArm) { timeout, TASK9_ALT_RECV, NULL, FALSE };
  g_assert_cmpuint (task9_fd_debug_n_busy (), ==, N_PIPES);
  write_byte (pipes[5][1]);
  fired = task9_alt (arms, N_PIPES + 1, -1, NULL, &local);
  g_assert_no_error (local);
  g_assert_cmpint (fired, ==, 5);
  g_assert_cmpint (got[5], ==, G_IO_IN);
  for (guint i = 0; i <= N_PIPES; i++)
    g_object_unref (arms[i].channel);
  assert_no_registration ();

  /* Nothing readable: the after() arm fires; dropping the watches unregisters them. */
  for (guint i = 0; i < N_PIPES; i++)
    arms[i].channel = task9_fd_watch (pipes[i][0] == pipes[5][0] ? pipes[4][0] : pipes[i][0], G_IO_IN);
  arms[N_PIPES].channel = task9_channel_after (10 * G_TIME_SPAN_MILLISECOND);
  fired = task9_alt (arms, N_PIPES + 1, -1, NULL, &local);
  g_assert_no_error (local);
  g_assert_cmpint (fired, ==, N_PIPES);
  g_assert_cmpuint (task9_fd_debug_n_waiting (), ==, N_PIPES);
  for (guint i = 0; i <= N_PIPES; i++)
    g_object_unref (arms[i].channel);
  assert_no_registration ();

  /* A closed watch channel goes at once, and its fd becoming ready sends nothing. */
  timeout = task9_fd_watch (pipes[0][0], G_IO_IN);
  task9_channel_close (timeout);
  g_assert_cmpuint (task9_fd_debug_n_waiting (), ==, 0);
  write_byte (pipes[0][1]);
  assert_no_registration ();
  g_assert_cmpuint (task9_channel_get_length (timeout), ==, 0);
  g_object_unref (timeout);

  for (guint i = 0; i < N_PIPES; i++)
    close_pipe (pipes[i]);
  return NULL;
}

TEST_IN_TASK (test_fd_alt_many, alt_many_body)

/* ---- a watch dropped on another thread -------------------------------------------------- */

static gpointer
drop_task (gpointer data, GError **error)
{
  g_object_unref (data);
  return NULL;
}

static gpointer
watch_dropped_elsewhere_body (gpointer data, GError **error)
{
  Task9Proc *other = test_proc_new ("dropper");
  int fds[2];
  Task9Channel *channel;
  Task9Task *dropper;

  make_pipe (fds);
  channel = task9_fd_watch (fds[0], G_IO_IN);
  g_assert_cmpuint (task9_fd_debug_n_waiting (), ==, 1);
  dropper = test_spawn_on (other, "dropper", drop_task, channel);
  task9_task_join (dropper, -1, NULL);
  task9_task_unref (dropper);
  assert_no_registration ();
  /* The fd, ready now, fires into nothing. */
  write_byte (fds[1]);
  g_assert_cmpint (task9_fd_wait (fds[0], G_IO_IN, -1, NULL, NULL), ==, G_IO_IN);
  test_proc_finish (other);
  close_pipe (fds);
  return NULL;
}

TEST_IN_TASK (test_fd_watch_dropped_elsewhere, watch_dropped_elsewhere_body)

/* ---- a watch closed (not dropped), here and on another thread ---------------------------- */

static gpointer
close_task (gpointer data, GError **error)
{
  task9_channel_close (data);
  return NULL;
}

static gpointer
watch_closed_body (gpointer data, GError **error)
{
  Task9Proc *other = test_proc_new ("closer");
  int fds[2];
  Task9Channel *channel;
  Task9Task *closer;
  GIOCondition got = 0;
  GError *local = NULL;

  make_pipe (fds);

  /* On the watching proc's thread: the watch goes before the close returns. */
  channel = task9_fd_watch (fds[0], G_IO_IN);
  g_assert_cmpuint (task9_fd_debug_n_waiting (), ==, 1);
  g_assert_cmpuint (task9_fd_debug_n_busy (), ==, 1);
  task9_channel_close (channel);
  g_assert_cmpuint (task9_fd_debug_n_waiting (), ==, 0);
  g_assert_cmpuint (task9_fd_debug_n_busy (), ==, 0);
  /* Still referenced, it gets nothing when the fd becomes ready. */
  write_byte (fds[1]);
  g_assert_cmpint (task9_fd_wait (fds[0], G_IO_IN, -1, NULL, NULL), ==, G_IO_IN);
  g_assert_cmpuint (task9_channel_get_length (channel), ==, 0);
  g_assert_false (task9_channel_recv (channel, &got, &local));
  g_assert_error (local, TASK9_ERROR, TASK9_ERROR_CLOSED);
  g_clear_error (&local);
  g_object_unref (channel);
  g_assert_cmpint (read (fds[0], (char[1]) { 0 }, 1), ==, 1);

  /* Closed by a task of another proc while this one still holds the channel: this
   * proc takes the watch off (poked), without the fd ever becoming ready. */
  channel = task9_fd_watch (fds[0], G_IO_IN);
  g_assert_cmpuint (task9_fd_debug_n_waiting (), ==, 1);
  closer = test_spawn_on (other, "closer", close_task, channel);
  task9_task_join (closer, -1, NULL);
  task9_task_unref (closer);
  assert_no_registration ();
  write_byte (fds[1]);
  g_assert_cmpint (task9_fd_wait (fds[0], G_IO_IN, -1, NULL, NULL), ==, G_IO_IN);
  g_assert_cmpuint (task9_channel_get_length (channel), ==, 0);
  g_object_unref (channel);
  assert_no_registration ();

  test_proc_finish (other);
  close_pipe (fds);
  return NULL;
}

TEST_IN_TASK (test_fd_watch_closed, watch_closed_body)

/* ---- timeout and cancellation leave nothing behind ------------------------------------- */

static gpointer
cancel_later_task (gpointer data, GError **error)
{
  g_cancellable_cancel (data);
  return NULL;
}

static gpointer
timeout_cancel_body (gpointer data, GError **error)
{
  GCancellable *cancellable = g_cancellable_new ();
  GError *local = NULL;
  Task9Task *canceller;
  int fds[2];

  make_pipe (fds);

  g_assert_cmpint (task9_fd_wait (fds[0], G_IO_IN, 1000, NULL, &local), ==, 0);
  g_assert_error (local, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  g_clear_error (&local);
  assert_no_registration ();

  canceller = test_spawn ("canceller", cancel_later_task, cancellable);
  g_assert_cmpint (task9_fd_wait (fds[0], G_IO_IN, -1, cancellable, &local), ==, 0);
  g_assert_error (local, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&local);
  task9_task_join (canceller, -1, NULL);
  task9_task_unref (canceller);
  assert_no_registration ();

  /* Already cancelled: fails at once, registers nothing. */
  g_assert_cmpint (task9_fd_wait (fds[0], G_IO_IN, -1, cancellable, &local), ==, 0);
  g_assert_error (local, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&local);
  assert_no_registration ();

  /* A later wait still works, and so does one for writing (a pipe with room). */
  write_byte (fds[1]);
  g_assert_cmpint (task9_fd_wait (fds[0], G_IO_IN, -1, NULL, &local), ==, G_IO_IN);
  g_assert_cmpint (task9_fd_wait (fds[1], G_IO_OUT, -1, NULL, &local), ==, G_IO_OUT);
  g_assert_no_error (local);
  assert_no_registration ();

  /* The writer goes: the reader sees G_IO_HUP (with G_IO_IN for the byte left). */
  close (fds[1]);
  fds[1] = -1;
  g_assert_cmpint (task9_fd_wait (fds[0], G_IO_IN, -1, NULL, &local) & G_IO_HUP, ==, G_IO_HUP);
  g_assert_no_error (local);

  g_object_unref (cancellable);
  close_pipe (fds);
  return NULL;
}

TEST_IN_TASK (test_fd_timeout_cancel, timeout_cancel_body)

/* A cancelled task stops waiting too. */
static void
test_fd_task_cancel (void)
{
  Task9Proc *proc = test_proc_new ("fd");
  FdWaiter w = { -1, 0, NULL };
  Task9Task *task;
  int fds[2];

  make_pipe (fds);
  w.fd = fds[0];
  task = test_spawn_on (proc, "waiter", fd_waiter_task, &w);
  test_wait_blocked (task, "fd");
  task9_task_cancel (task);
  task9_task_join (task, -1, NULL);
  g_assert_error (w.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&w.error);
  task9_task_unref (task);
  test_proc_finish (proc);
  close_pipe (fds);
}

/* ---- closing under waiters ------------------------------------------------------------- */

static gpointer
close_body (gpointer data, GError **error)
{
  FdWaiter waiters[4];
  Task9Task *tasks[4];
  GError *local = NULL;
  Task9Channel *watch;
  GIOCondition got = 0;
  int fds[2];

  make_pipe (fds);
  watch = task9_fd_watch (fds[0], G_IO_IN);
  for (guint i = 0; i < 4; i++)
    {
      waiters[i] = (FdWaiter) { fds[0], 0, NULL };
      tasks[i] = test_spawn ("waiter", fd_waiter_task, &waiters[i]);
      test_wait_blocked (tasks[i], "fd");
    }
  g_assert_true (task9_fd_close (fds[0], &local));
  g_assert_no_error (local);
  for (guint i = 0; i < 4; i++)
    {
      task9_task_join (tasks[i], -1, NULL);
      task9_task_unref (tasks[i]);
      g_assert_error (waiters[i].error, G_IO_ERROR, G_IO_ERROR_CLOSED);
      g_clear_error (&waiters[i].error);
    }
  g_assert_true (task9_channel_recv (watch, &got, &local));
  g_assert_cmpint (got, ==, G_IO_NVAL);
  g_object_unref (watch);
  g_assert_cmpuint (task9_fd_debug_n_waiting (), ==, 0);
  g_assert_cmpuint (task9_fd_debug_n_busy (), ==, 0);

  /* The number, reused by a new pipe, works as usual. */
  fds[0] = -1;
  close (fds[1]);
  make_pipe (fds);
  write_byte (fds[1]);
  g_assert_cmpint (task9_fd_wait (fds[0], G_IO_IN, -1, NULL, &local), ==, G_IO_IN);
  g_assert_no_error (local);
  close_pipe (fds);
  return NULL;
}

TEST_IN_TASK (test_fd_close, close_body)

/* task9_fd_close() from another proc wakes the waiters on this one. */
static gpointer
close_fd_task (gpointer data, GError **error)
{
  g_assert_true (task9_fd_close (GPOINTER_TO_INT (data), NULL));
  return NULL;
}

static gpointer
close_cross_body (gpointer data, GError **error)
{
  Task9Proc *other = test_proc_new ("closer");
  FdWaiter w;
  Task9Task *waiter, *closer;
  int fds[2];

  make_pipe (fds);
  w = (FdWaiter) { fds[0], 0, NULL };
  waiter = test_spawn ("waiter", fd_waiter_task, &w);
  test_wait_blocked (waiter, "fd");
  closer = test_spawn_on (other, "closer", close_fd_task, GINT_TO_POINTER (fds[0]));
  task9_task_join (waiter, -1, NULL);
  g_assert_error (w.error, G_IO_ERROR, G_IO_ERROR_CLOSED);
  g_clear_error (&w.error);
  task9_task_join (closer, -1, NULL);
  task9_task_unref (waiter);
  task9_task_unref (closer);
  test_proc_finish (other);
  close (fds[1]);
  assert_no_registration ();
  return NULL;
}

TEST_IN_TASK (test_fd_close_cross_proc, close_cross_body)

/* ---- bad input ------------------------------------------------------------------------- */

static gpointer
bad_fd_body (gpointer data, GError **error)
{
  GError *local = NULL;
  GIOCondition got = 0;
  Task9Channel *watch;
  char *path = NULL;
  int fd, unused;

  g_assert_cmpint (task9_fd_wait (-1, G_IO_IN, -1, NULL, &local), ==, 0);
  g_assert_error (local, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_clear_error (&local);

  /* A number that is not open. */
  unused = open ("/dev/null", O_RDONLY | O_CLOEXEC);
  close (unused);
  g_assert_cmpint (task9_fd_wait (unused, G_IO_IN, -1, NULL, &local), ==, 0);
  g_assert_error (local, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_clear_error (&local);
  watch = task9_fd_watch (unused, G_IO_IN);
  g_assert_true (task9_channel_recv (watch, &got, NULL));
  g_assert_cmpint (got, ==, G_IO_NVAL);
  g_object_unref (watch);
  g_assert_false (task9_fd_close (-1, &local));
  g_assert_error (local, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_clear_error (&local);

  /* A regular file (epoll refuses it) is always ready. */
  fd = g_file_open_tmp ("test-fd-XXXXXX", &path, &local);
  g_assert_no_error (local);
  g_assert_cmpint (task9_fd_wait (fd, G_IO_IN | G_IO_OUT, -1, NULL, &local), ==, G_IO_IN | G_IO_OUT);
  g_assert_no_error (local);
  g_assert_cmpint (task9_fd_wait (fd, G_IO_PRI, -1, NULL, &local), ==, 0);
  g_assert_error (local, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);
  g_clear_error (&local);
  watch = task9_fd_watch (fd, G_IO_OUT);
  g_assert_true (task9_channel_recv (watch, &got, NULL));
  g_assert_cmpint (got, ==, G_IO_OUT);
  g_object_unref (watch);
  g_unlink (path);
  g_free (path);
  close (fd);
  assert_no_registration ();
  return NULL;
}

TEST_IN_TASK (test_fd_bad_fd, bad_fd_body)

static gpointer
fd_watch_off_proc (gpointer data)
{
  g_assert_null (task9_fd_watch (0, G_IO_IN));
  return NULL;
}

static void
test_fd_not_in_task (void)
{
  GError *error = NULL;
  int fds[2];

  make_pipe (fds);
  g_assert_cmpint (task9_fd_wait (fds[0], G_IO_IN, -1, NULL, &error), ==, 0);
  g_assert_error (error, TASK9_ERROR, TASK9_ERROR_NOT_IN_TASK);
  g_clear_error (&error);
  close_pipe (fds);

  if (g_test_undefined ())
    {
      test_expect_critical ("*condition*");
      g_assert_cmpint (task9_fd_wait (0, 0, -1, NULL, NULL), ==, 0);
      g_test_assert_expected_messages ();
      GThread *thread;

      /* A plain thread: no proc, and none to adopt (the test's first thread would
       * become the main proc's). */
      test_expect_critical ("*proc != NULL*");
      thread = g_thread_new ("plain", fd_watch_off_proc, NULL);
      g_thread_join (thread);
      g_test_assert_expected_messages ();
    }
}

/* ---- the async form -------------------------------------------------------------------- */

typedef struct
{
  int           fd;
  GCancellable *cancellable;
  GIOCondition  got;
  GError       *error;
  gint          done;
  guint         left;   /* registrations on the proc when the callback ran */
} AsyncWait;

static void
async_waited (GObject *source, GAsyncResult *result, gpointer data)
{
  AsyncWait *w = data;

  w->got = task9_fd_wait_finish (result, &w->error);
  w->left = task9_fd_debug_n_waiting ();   /* unsubscribed before the callback */
  g_atomic_int_set (&w->done, 1);
  g_main_context_wakeup (NULL);
}

static gboolean
async_start (gpointer data)
{
  AsyncWait *w = data;

  task9_fd_wait_async (w->fd, G_IO_IN, w->cancellable, async_waited, w);
  return G_SOURCE_REMOVE;
}

static void
wait_done (AsyncWait *w)
{
  while (!g_atomic_int_get (&w->done))
    g_thread_yield ();
}

/* On a proc's context the wait goes through the proc's epoll instance. */
static void
test_fd_async_proc (void)
{
  Task9Proc *proc = test_proc_new ("fd-async");
  AsyncWait w = { -1, NULL, 0, NULL, 0 };
  int fds[2];

  make_pipe (fds);
  w.fd = fds[0];
  write_byte (fds[1]);
  g_main_context_invoke (task9_proc_get_context (proc), async_start, &w);
  wait_done (&w);
  g_assert_no_error (w.error);
  g_assert_cmpint (w.got, ==, G_IO_IN);
  g_assert_cmpuint (w.left, ==, 0);

  /* Cancelled: nothing left registered, a later wait works. */
  g_assert_cmpint (read (fds[0], (char[1]) { 0 }, 1), ==, 1);
  w = (AsyncWait) { fds[0], g_cancellable_new (), 0, NULL, 0 };
  g_main_context_invoke (task9_proc_get_context (proc), async_start, &w);
  g_cancellable_cancel (w.cancellable);
  wait_done (&w);
  g_assert_error (w.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpuint (w.left, ==, 0);
  g_clear_error (&w.error);
  g_clear_object (&w.cancellable);
  w = (AsyncWait) { fds[0], NULL, 0, NULL, 0, 0 };
  write_byte (fds[1]);
  g_main_context_invoke (task9_proc_get_context (proc), async_start, &w);
  wait_done (&w);
  g_assert_no_error (w.error);
  g_assert_cmpint (w.got, ==, G_IO_IN);
  g_assert_cmpuint (w.left, ==, 0);

  w = (AsyncWait) { -1, NULL, 0, NULL, 0 };
  g_main_context_invoke (task9_proc_get_context (proc), async_start, &w);
  wait_done (&w);
  g_assert_error (w.error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_clear_error (&w.error);

  test_proc_finish (proc);
  close_pipe (fds);
}

/* On a context that is no proc's, a unix fd source on that context does it. */
static void
test_fd_async_plain_context (void)
{
  GMainContext *context = g_main_context_new ();
  AsyncWait w = { -1, NULL, 0, NULL, 0 };
  int fds[2];

  g_main_context_push_thread_default (context);
  make_pipe (fds);
  w.fd = fds[0];
  task9_fd_wait_async (fds[0], G_IO_IN, NULL, async_waited, &w);
  write_byte (fds[1]);
  test_iterate_until (context, &w.done);
  g_assert_no_error (w.error);
  g_assert_cmpint (w.got, ==, G_IO_IN);

  g_assert_cmpint (read (fds[0], (char[1]) { 0 }, 1), ==, 1);
  w = (AsyncWait) { fds[0], g_cancellable_new (), 0, NULL, 0 };
  task9_fd_wait_async (fds[0], G_IO_IN, w.cancellable, async_waited, &w);
  g_cancellable_cancel (w.cancellable);
  test_iterate_until (context, &w.done);
  g_assert_error (w.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&w.error);
  g_clear_object (&w.cancellable);

  g_main_context_pop_thread_default (context);
  g_main_context_unref (context);
  close_pipe (fds);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/fd/many-on-one", test_fd_many_on_one);
  g_test_add_func ("/fd/alt-many", test_fd_alt_many);
  g_test_add_func ("/fd/watch-dropped-elsewhere", test_fd_watch_dropped_elsewhere);
  g_test_add_func ("/fd/watch-closed", test_fd_watch_closed);
  g_test_add_func ("/fd/timeout-cancel", test_fd_timeout_cancel);
  g_test_add_func ("/fd/task-cancel", test_fd_task_cancel);
  g_test_add_func ("/fd/close", test_fd_close);
  g_test_add_func ("/fd/close-cross-proc", test_fd_close_cross_proc);
  g_test_add_func ("/fd/bad-fd", test_fd_bad_fd);
  g_test_add_func ("/fd/not-in-task", test_fd_not_in_task);
  g_test_add_func ("/fd/async-proc", test_fd_async_proc);
  g_test_add_func ("/fd/async-plain-context", test_fd_async_plain_context);
  return g_test_run ();
}
