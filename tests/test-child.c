/* test-child.c: child processes' exits and GSubprocess helpers
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The wait status arrives once per pid, through one GLib child watch however many wait;
 * a wait that times out or is cancelled consumes nothing (the status is kept for the
 * next one); a pid that is not a child of ours is an error, never a hang. Children are
 * `sh -c ...`; the ones a test must control block in `read` on a pipe the test holds,
 * and exit when it closes the pipe: nothing sleeps to wait for anything (the one
 * `sleep` is the child's, in the output test).
 */

#include <signal.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test-util.h"
#include "task9-child-private.h"

/* Spawns `sh -c @script`, not reaped; with *@stdin_fd, a pipe to its standard input. */
static GPid
spawn_sh (const char *script,
          gint       *stdin_fd)
{
  char *argv[] = { "/bin/sh", "-c", (char *) script, NULL };
  GError *error = NULL;
  GPid pid = 0;

  g_assert_true (g_spawn_async_with_pipes (NULL, argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD,
                                           NULL, NULL, &pid, stdin_fd, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (pid, >, 0);
  return pid;
}

/* A child that exits with @code once the test closes *@stdin_fd. */
static GPid
spawn_held (gint code, gint *stdin_fd)
{
  g_autofree char *script = g_strdup_printf ("read x; exit %d", code);

  return spawn_sh (script, stdin_fd);
}

static void
assert_exit_code (gint status, gint code)
{
  GError *error = NULL;

  g_assert_cmpint (status, >=, 0);
  g_assert_true (WIFEXITED (status));
  g_assert_cmpint (WEXITSTATUS (status), ==, code);
  if (code == 0)
    g_assert_true (g_spawn_check_wait_status (status, &error));
  else
    {
      g_assert_false (g_spawn_check_wait_status (status, &error));
      g_assert_error (error, G_SPAWN_EXIT_ERROR, code);
      g_clear_error (&error);
    }
}

/* ---- task9_child_wait ------------------------------------------------------------- */

static gpointer
exit_code_body (gpointer data, GError **error)
{
  GPid pid = spawn_sh ("exit 3", NULL);
  gint status = task9_child_wait (pid, test_join_bound (), NULL, error);

  assert_exit_code (status, 3);
  g_assert_cmpuint (task9_child_get_n_records (), ==, 0);
  g_spawn_close_pid (pid);
  return NULL;
}

TEST_IN_TASK (test_child_exit_code, exit_code_body)

static gpointer
killed_body (gpointer data, GError **error)
{
  gint in = -1;
  GPid pid = spawn_held (0, &in);
  gint status;

  g_assert_cmpint (kill (pid, SIGKILL), ==, 0);
  status = task9_child_wait (pid, test_join_bound (), NULL, error);
  g_assert_true (WIFSIGNALED (status));
  g_assert_cmpint (WTERMSIG (status), ==, SIGKILL);
  g_assert_false (g_spawn_check_wait_status (status, NULL));
  close (in);
  return NULL;
}

TEST_IN_TASK (test_child_killed, killed_body)

/* A wait times out; the child exits with nobody waiting; the next wait gets it. */
static gpointer
timeout_then_wait_body (gpointer data, GError **error)
{
  GError *local = NULL;
  gint in = -1;
  GPid pid = spawn_held (5, &in);

  g_assert_cmpint (task9_child_wait (pid, 10 * G_TIME_SPAN_MILLISECOND, NULL, &local), ==, -1);
  g_assert_error (local, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  g_clear_error (&local);
  g_assert_cmpuint (task9_child_get_n_records (), ==, 1);
  g_assert_cmpuint (task9_child_get_n_watchers (pid), ==, 0);

  /* Nobody waits when it exits: the library reaps it and keeps the status. */
  close (in);
  while (!task9_child_has_exited (pid))
    task9_yield ();
  assert_exit_code (task9_child_wait (pid, 0, NULL, error), 5);
  g_assert_cmpuint (task9_child_get_n_records (), ==, 0);

  /* Collected: asking again is an error, not a hang. */
  g_assert_cmpint (task9_child_wait (pid, -1, NULL, &local), ==, -1);
  g_assert_error (local, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_clear_error (&local);
  return NULL;
}

TEST_IN_TASK (test_child_timeout_then_wait, timeout_then_wait_body)

typedef struct
{
  GPid          pid;
  GCancellable *cancellable;
  gint          status;
} ChildWait;

static gpointer
child_wait_task (gpointer data, GError **error)
{
  ChildWait *w = data;

  w->status = task9_child_wait (w->pid, -1, w->cancellable, error);
  return NULL;
}

/* Cancelled by a GCancellable, then by cancelling the task: the child stays watched,
 * and the third wait gets its status. */
static gpointer
cancel_body (gpointer data, GError **error)
{
  gint in = -1;
  ChildWait w = { spawn_held (7, &in), g_cancellable_new (), -2 };
  Task9Task *task = test_spawn ("waiter", child_wait_task, &w);

  test_wait_blocked (task, "recv");
  g_assert_cmpuint (task9_child_get_n_watchers (w.pid), ==, 1);
  g_cancellable_cancel (w.cancellable);
  g_assert_cmpint (test_join_error_code (task, G_IO_ERROR), ==, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (w.status, ==, -1);
  g_assert_cmpuint (task9_child_get_n_watchers (w.pid), ==, 0);
  g_clear_object (&w.cancellable);

  task = test_spawn ("waiter", child_wait_task, &w);
  test_wait_blocked (task, "recv");
  task9_task_cancel (task);
  g_assert_cmpint (test_join_error_code (task, G_IO_ERROR), ==, G_IO_ERROR_CANCELLED);
  g_assert_cmpuint (task9_child_get_n_watchers (w.pid), ==, 0);

  close (in);
  assert_exit_code (task9_child_wait (w.pid, test_join_bound (), NULL, error), 7);
  g_assert_cmpuint (task9_child_get_n_records (), ==, 0);
  return NULL;
}

TEST_IN_TASK (test_child_cancel, cancel_body)

/* Many children at once, each waited for by its own task, on two procs; the seed of
 * their exit codes can be set with TEST_CHILD_SEED. */
static void
test_child_many (void)
{
  const guint n = test_scale (40, 12);
  const char *seed_env = g_getenv ("TEST_CHILD_SEED");
  guint32 seed = seed_env != NULL ? (guint32) g_ascii_strtoull (seed_env, NULL, 10) : 9;
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
  Task9Proc *procs[2] = { test_proc_new ("a"), test_proc_new ("b") };
  ChildWait *waits = g_new0 (ChildWait, n);
  gint *codes = g_new (gint, n);
  Task9Task **tasks = g_new (Task9Task *, n);

  g_test_message ("seed %u", seed);
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *script = NULL;

      codes[i] = g_rand_int_range (rand, 0, 100);
      script = g_strdup_printf ("exit %d", codes[i]);
      waits[i].pid = spawn_sh (script, NULL);
      tasks[i] = test_spawn_on (procs[i % 2], "waiter", child_wait_task, &waits[i]);
    }
  for (guint i = 0; i < n; i++)
    {
      test_join_ok (tasks[i]);
      assert_exit_code (waits[i].status, codes[i]);
    }
  g_assert_cmpuint (task9_child_get_n_records (), ==, 0);
  test_proc_finish (procs[0]);
  test_proc_finish (procs[1]);
  g_free (tasks);
  g_free (codes);
  g_free (waits);
}

static gpointer
bad_pid_body (gpointer data, GError **error)
{
  const GPid bad[] = { 0, -1, getppid (), 1 };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      GError *local = NULL;

      g_assert_null (task9_child_watch (bad[i], &local));
      g_assert_error (local, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
      g_clear_error (&local);
      g_assert_cmpint (task9_child_wait (bad[i], -1, NULL, &local), ==, -1);
      g_assert_error (local, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
      g_clear_error (&local);
    }
  g_assert_cmpuint (task9_child_get_n_records (), ==, 0);
  return NULL;
}

TEST_IN_TASK (test_child_bad_pid, bad_pid_body)

static void
test_child_wait_not_in_task (void)
{
  GError *error = NULL;

  g_assert_cmpint (task9_child_wait (getpid (), 0, NULL, &error), ==, -1);
  g_assert_error (error, TASK9_ERROR, TASK9_ERROR_NOT_IN_TASK);
  g_clear_error (&error);
}

/* ---- task9_child_watch ------------------------------------------------------------ */

/* Two channels share the one watch; both get the status, in an alt with a deadline. */
static gpointer
watch_body (gpointer data, GError **error)
{
  gint in = -1;
  GPid pid = spawn_held (9, &in);
  Task9Channel *a = task9_child_watch (pid, error);
  Task9Channel *b = task9_child_watch (pid, error);
  Task9Channel *deadline = task9_channel_after (test_join_bound ());
  gint status = -1;
  Task9AltArm arms[] = {
    { a, TASK9_ALT_RECV, &status, FALSE },
    { deadline, TASK9_ALT_RECV, NULL, FALSE },
  };

  g_assert_true (task9_channel_get_elem_type (a) == G_TYPE_INT);
  g_assert_cmpuint (task9_child_get_n_records (), ==, 1);
  g_assert_cmpuint (task9_child_get_n_watchers (pid), ==, 2);
  close (in);
  g_assert_cmpint (task9_alt (arms, 2, -1, NULL, error), ==, 0);
  assert_exit_code (status, 9);
  status = -1;
  g_assert_true (task9_channel_recv (b, &status, error));
  assert_exit_code (status, 9);
  g_assert_cmpuint (task9_child_get_n_records (), ==, 0);
  g_object_unref (a);
  g_object_unref (b);
  g_object_unref (deadline);
  return NULL;
}

TEST_IN_TASK (test_child_watch, watch_body)

/* A channel dropped early: the child is still reaped, and its status kept. */
static gpointer
watch_dropped_body (gpointer data, GError **error)
{
  gint in = -1;
  GPid pid = spawn_held (11, &in);
  Task9Channel *channel = task9_child_watch (pid, error);
  gint status = -1;

  g_object_unref (channel);
  g_assert_cmpuint (task9_child_get_n_watchers (pid), ==, 0);
  close (in);
  while (!task9_child_has_exited (pid))
    task9_yield ();

  channel = task9_child_watch (pid, error);
  g_assert_cmpuint (task9_channel_get_length (channel), ==, 1);
  g_assert_true (task9_channel_try_recv (channel, &status, error));
  assert_exit_code (status, 11);
  g_assert_cmpuint (task9_child_get_n_records (), ==, 0);
  g_object_unref (channel);
  return NULL;
}

TEST_IN_TASK (test_child_watch_dropped, watch_dropped_body)

/* A status that reached a channel nobody received from goes back to the library when
 * the channel is closed, and when it is dropped: the next watch of the pid gets it. */
static gpointer
status_given_back_body (gpointer data, GError **error)
{
  gint in = -1;
  GPid pid = spawn_held (12, &in);
  Task9Channel *channel = task9_child_watch (pid, error);

  close (in);
  while (task9_channel_get_length (channel) == 0)
    task9_yield ();
  g_assert_cmpuint (task9_child_get_n_records (), ==, 0);   /* delivered */

  task9_channel_close (channel);   /* unreceived: back to the library */
  g_assert_true (task9_child_has_exited (pid));
  g_assert_cmpuint (task9_channel_get_length (channel), ==, 0);
  g_object_unref (channel);

  channel = task9_child_watch (pid, error);
  g_assert_cmpuint (task9_channel_get_length (channel), ==, 1);
  g_object_unref (channel);        /* dropped unreceived: back again */
  g_assert_true (task9_child_has_exited (pid));

  assert_exit_code (task9_child_wait (pid, 0, NULL, error), 12);
  g_assert_cmpuint (task9_child_get_n_records (), ==, 0);
  return NULL;
}

TEST_IN_TASK (test_child_status_given_back, status_given_back_body)

/* ---- the async pair --------------------------------------------------------------- */

typedef struct
{
  gint    done;
  gint    status;
  GError *error;
} AsyncWait;

static void
async_waited (GObject *source, GAsyncResult *result, gpointer user_data)
{
  AsyncWait *wait = user_data;

  wait->status = task9_child_wait_finish (result, &wait->error);
  g_atomic_int_set (&wait->done, 1);
}

static void
test_child_wait_async (void)
{
  AsyncWait wait = { 0, };
  GCancellable *cancellable = g_cancellable_new ();
  gint in = -1;
  GPid pid = spawn_held (13, &in);

  /* Cancelled: nothing consumed. */
  task9_child_wait_async (pid, cancellable, async_waited, &wait);
  g_cancellable_cancel (cancellable);
  test_iterate_until (NULL, &wait.done);
  g_assert_error (wait.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (wait.status, ==, -1);
  g_clear_error (&wait.error);
  g_assert_cmpuint (task9_child_get_n_watchers (pid), ==, 0);
  g_assert_cmpuint (task9_child_get_n_records (), ==, 1);   /* still watched */

  wait.done = 0;
  task9_child_wait_async (pid, NULL, async_waited, &wait);
  close (in);
  test_iterate_until (NULL, &wait.done);
  g_assert_no_error (wait.error);
  assert_exit_code (wait.status, 13);

  /* Bad input fails through the callback. */
  wait.done = 0;
  task9_child_wait_async (-1, NULL, async_waited, &wait);
  test_iterate_until (NULL, &wait.done);
  g_assert_error (wait.error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_clear_error (&wait.error);
  g_assert_cmpuint (task9_child_get_n_records (), ==, 0);
  g_object_unref (cancellable);
}

/* ---- GSubprocess -------------------------------------------------------------------- */

static GSubprocess *
subprocess_new (GSubprocessFlags flags, const char *script)
{
  GError *error = NULL;
  GSubprocess *proc = g_subprocess_new (flags, &error, "/bin/sh", "-c", script, NULL);

  g_assert_no_error (error);
  return proc;
}

/* Lines as they come, each read with the time left to a deadline; then the status. */
static gpointer
subprocess_output_body (gpointer data, GError **error)
{
  g_autoptr(GSubprocess) proc =
    subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, "echo one; sleep 0.05; echo two; exit 4");
  g_autoptr(Task9Channel) exited = task9_subprocess_wait_channel (proc);
  GInputStream *out = g_subprocess_get_stdout_pipe (proc);
  gint64 deadline = g_get_monotonic_time () + test_join_bound ();
  GString *all = g_string_new (NULL);
  guint n_reads = 0;
  char buf[64];
  gssize n;
  gint status = -1;

  while ((n = task9_input_stream_read (out, buf, sizeof buf,
                                       deadline - g_get_monotonic_time (), NULL, error)) > 0)
    {
      /* Normally "one\n" alone, 50 ms before "two\n"; a busy machine may merge them
       * (read_streams_body() checks the streaming without timing). */
      if (n_reads++ == 0)
        g_assert_true (n >= 4 && memcmp (buf, "one\n", 4) == 0);
      g_string_append_len (all, buf, n);
    }
  g_assert_cmpint (n, ==, 0);
  g_assert_cmpstr (all->str, ==, "one\ntwo\n");
  g_string_free (all, TRUE);

  g_assert_true (task9_channel_recv_full (exited, &status, deadline - g_get_monotonic_time (),
                                          NULL, error));
  assert_exit_code (status, 4);
  g_assert_cmpint (status, ==, g_subprocess_get_status (proc));
  return NULL;
}

TEST_IN_TASK (test_subprocess_output, subprocess_output_body)

/* Each read returns what the child has written so far: the child waits for the test
 * between its two lines. */
static gpointer
read_streams_body (gpointer data, GError **error)
{
  g_autoptr(GSubprocess) proc =
    subprocess_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE,
                    "echo one; read x; echo two; exit 4");
  g_autoptr(Task9Channel) exited = task9_subprocess_wait_channel (proc);
  GInputStream *out = g_subprocess_get_stdout_pipe (proc);
  char buf[64];
  gssize n;
  gint status = -1;

  n = task9_input_stream_read (out, buf, sizeof buf, test_join_bound (), NULL, error);
  g_assert_cmpmem (buf, n, "one\n", 4);
  g_assert_true (g_output_stream_close (g_subprocess_get_stdin_pipe (proc), NULL, error));
  n = task9_input_stream_read (out, buf, sizeof buf, test_join_bound (), NULL, error);
  g_assert_cmpmem (buf, n, "two\n", 4);
  g_assert_cmpint (task9_input_stream_read (out, buf, sizeof buf, test_join_bound (), NULL,
                                            error), ==, 0);
  g_assert_true (task9_channel_recv_full (exited, &status, test_join_bound (), NULL, error));
  assert_exit_code (status, 4);
  return NULL;
}

TEST_IN_TASK (test_subprocess_read_streams, read_streams_body)

/* The deadline wins the alt: kill the child, then its status arrives. */
static gpointer
subprocess_deadline_body (gpointer data, GError **error)
{
  g_autoptr(GSubprocess) proc = subprocess_new (G_SUBPROCESS_FLAGS_STDIN_PIPE, "read x");
  g_autoptr(Task9Channel) exited = task9_subprocess_wait_channel (proc);
  g_autoptr(Task9Channel) deadline = task9_channel_after (20 * G_TIME_SPAN_MILLISECOND);
  gint status = -1;
  Task9AltArm arms[] = {
    { exited, TASK9_ALT_RECV, &status, FALSE },
    { deadline, TASK9_ALT_RECV, NULL, FALSE },
  };

  g_assert_cmpint (task9_alt (arms, 2, test_join_bound (), NULL, error), ==, 1);
  g_subprocess_force_exit (proc);
  g_assert_true (task9_channel_recv_full (exited, &status, test_join_bound (), NULL, error));
  g_assert_true (WIFSIGNALED (status));
  g_assert_cmpint (WTERMSIG (status), ==, SIGKILL);
  return NULL;
}

TEST_IN_TASK (test_subprocess_deadline, subprocess_deadline_body)

/* A read that times out consumes nothing and leaves the stream usable. */
static gpointer
read_timeout_body (gpointer data, GError **error)
{
  g_autoptr(GSubprocess) proc =
    subprocess_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE,
                    "read x; echo got $x");
  GInputStream *out = g_subprocess_get_stdout_pipe (proc);
  GOutputStream *in = g_subprocess_get_stdin_pipe (proc);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  GError *local = NULL;
  char buf[64];
  gssize n;

  g_assert_cmpint (task9_input_stream_read (out, buf, sizeof buf, 10 * G_TIME_SPAN_MILLISECOND,
                                            NULL, &local), ==, -1);
  g_assert_error (local, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  g_clear_error (&local);

  g_cancellable_cancel (cancellable);
  g_assert_cmpint (task9_input_stream_read (out, buf, sizeof buf, -1, cancellable, &local), ==, -1);
  g_assert_error (local, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&local);

  g_assert_true (g_output_stream_write_all (in, "a\n", 2, NULL, NULL, error));
  n = task9_input_stream_read (out, buf, sizeof buf, test_join_bound (), NULL, error);
  g_assert_cmpmem (buf, n, "got a\n", 6);
  g_assert_true (g_output_stream_close (in, NULL, error));
  g_assert_cmpint (task9_input_stream_read (out, buf, sizeof buf, test_join_bound (), NULL,
                                            error), ==, 0);
  return NULL;
}

TEST_IN_TASK (test_subprocess_read_timeout, read_timeout_body)

static void
test_input_stream_read_not_in_task (void)
{
  g_autoptr(GInputStream) stream = g_memory_input_stream_new_from_data ("x", 1, NULL);
  GError *error = NULL;
  char c;

  g_assert_cmpint (task9_input_stream_read (stream, &c, 1, -1, NULL, &error), ==, -1);
  g_assert_error (error, TASK9_ERROR, TASK9_ERROR_NOT_IN_TASK);
  g_clear_error (&error);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/child/exit-code", test_child_exit_code);
  g_test_add_func ("/child/killed", test_child_killed);
  g_test_add_func ("/child/timeout-then-wait", test_child_timeout_then_wait);
  g_test_add_func ("/child/cancel", test_child_cancel);
  g_test_add_func ("/child/many", test_child_many);
  g_test_add_func ("/child/bad-pid", test_child_bad_pid);
  g_test_add_func ("/child/wait-not-in-task", test_child_wait_not_in_task);
  g_test_add_func ("/child/watch", test_child_watch);
  g_test_add_func ("/child/watch-dropped", test_child_watch_dropped);
  g_test_add_func ("/child/status-given-back", test_child_status_given_back);
  g_test_add_func ("/child/wait-async", test_child_wait_async);
  g_test_add_func ("/gsubprocess/output", test_subprocess_output);
  g_test_add_func ("/gsubprocess/read-streams", test_subprocess_read_streams);
  g_test_add_func ("/gsubprocess/deadline", test_subprocess_deadline);
  g_test_add_func ("/gsubprocess/read-timeout", test_subprocess_read_timeout);
  g_test_add_func ("/gsubprocess/read-not-in-task", test_input_stream_read_not_in_task);

  return g_test_run ();
}
