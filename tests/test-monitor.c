/* test-monitor.c: the task table snapshot, backtraces, the dump, the monitor
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The test thread is no proc's: it spawns tasks on a proc of the test's own, waits (by
 * polling their state, never by sleeping) until they are blocked, and inspects them as
 * a monitor would, from outside the proc.
 */

#include <errno.h>
#include <pwd.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "test-util.h"

static void
wait_blocked (Task9Task *task)
{
  while (task9_task_get_state (task) != TASK9_TASK_STATE_BLOCKED)
    g_thread_yield ();
}

static gpointer
recv_task (gpointer data,
           GError **error)
{
  Task9Channel *channel = data;
  int value;

  if (!task9_channel_recv_full (channel, &value, 3600 * G_TIME_SPAN_SECOND, NULL, error))
    return NULL;
  return GINT_TO_POINTER (value);
}

static TEST_NOINLINE gpointer
lock_task (gpointer data,
           GError **error)
{
  Task9Lock *lock = data;

  if (!task9_lock_acquire (lock, -1, NULL, error))
    return NULL;
  task9_lock_release (lock, NULL);
  return NULL;
}

static Task9TaskInfo *
find_info (GPtrArray *infos,
           guint64    id)
{
  for (guint i = 0; i < infos->len; i++)
    if (task9_task_info_get_id (infos->pdata[i]) == id)
      return infos->pdata[i];
  return NULL;
}

static void
snapshot (void)
{
  Task9Proc *proc = test_proc_new ("snap-proc");
  g_autoptr(Task9Channel) channel = task9_channel_new (sizeof (int), 0);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) infos = NULL;
  Task9TaskInfo *info;
  Task9Task *task;
  gint64 before = g_get_monotonic_time ();
  const char *location;

  task9_channel_set_name (channel, "numbers");
  /* Through the macro: records this file and line. */
  task = task9_task_spawn_full (proc, "receiver", 0, recv_task, channel, NULL, &error);
  g_assert_no_error (error);
  location = task9_task_get_spawn_location (task);
  g_assert_nonnull (location);
  g_assert_true (g_str_has_prefix (strrchr (location, '/') != NULL ? strrchr (location, '/') + 1 : location,
                                   "test-monitor.c:"));
  wait_blocked (task);

  infos = task9_snapshot_task_table ();
  info = find_info (infos, task9_task_get_id (task));
  g_assert_nonnull (info);
  g_assert_cmpstr (task9_task_info_get_name (info), ==, "receiver");
  g_assert_cmpstr (task9_task_info_get_proc_name (info), ==, "snap-proc");
  g_assert_cmpint (task9_task_info_get_state (info), ==, TASK9_TASK_STATE_BLOCKED);
  g_assert_cmpstr (task9_task_info_get_wait_reason (info), ==, "recv");
  g_assert_cmpstr (task9_task_info_get_wait_object (info), ==, "numbers");
  g_assert_cmpint (task9_task_info_get_blocked_time (info), >=, 0);
  g_assert_cmpint (task9_task_info_get_blocked_time (info), <=, g_get_monotonic_time () - before + 2 * G_TIME_SPAN_SECOND);
  g_assert_cmpint (task9_task_info_get_deadline_remaining (info), >, 3000 * G_TIME_SPAN_SECOND);
  g_assert_cmpint (task9_task_info_get_deadline_remaining (info), <=, 3600 * G_TIME_SPAN_SECOND);
  g_assert_cmpuint (task9_task_info_get_switches (info), ==, 1);
  g_assert_cmpstr (task9_task_info_get_spawn_location (info), ==, location);
  g_assert_false (task9_task_info_is_external (info));
  g_assert_false (task9_task_info_is_cancelled (info));

 /* Lookup by id, and nothing for an unknown one. */
  {
    g_autoptr(Task9Task) found = task9_task_lookup (task9_task_get_id (task));

    g_assert_true (found == task);
    g_assert_null (task9_task_lookup (0));
    g_assert_null (task9_task_lookup (G_MAXUINT64));
  }

  /* A named lock's waiter names it. */
  {
    g_autoptr(Task9Lock) lock = task9_lock_new ();
    g_autoptr(Task9Task) waiter = NULL;
    g_autoptr(Task9TaskInfo) one = NULL;

    task9_lock_set_name (lock, "big-lock");
    g_assert_cmpstr (task9_lock_get_name (lock), ==, "big-lock");
    g_assert_true (task9_lock_acquire (lock, -1, NULL, &error));
    waiter = task9_task_spawn_full (proc, "locker", 0, lock_task, lock, NULL, &error);
    wait_blocked (waiter);
    one = task9_task_get_info (waiter);
    g_assert_cmpstr (task9_task_info_get_wait_object (one), ==, "big-lock");
    task9_lock_release (lock, &error);
    g_assert_no_error (error);
    task9_task_join (waiter, -1, &error);
    g_assert_no_error (error);
  }

  {
    int value = 7;

    g_assert_true (task9_channel_try_send (channel, &value, &error));
    g_assert_cmpint (GPOINTER_TO_INT (task9_task_join (task, -1, &error)), ==, 7);
  }
  g_assert_no_error (error);
  task9_task_unref (task);
  test_proc_finish (proc);
}

/* A binding's task, as the overrides make them. Making one adopts the calling thread as
 * the main proc: in a child, so that the other tests' thread stays no proc's. */
static void
snapshot_external (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(GPtrArray) infos = NULL;
      Task9TaskInfo *info;
      Task9Task *external;

      external = task9_task_new_external ("py-task");
      task9_task_set_spawn_location (external, "script.py:12");
      task9_task_set_wait_reason (external, "sleep");

      infos = task9_snapshot_task_table ();
      info = find_info (infos, task9_task_get_id (external));
      g_assert_nonnull (info);
      g_assert_true (task9_task_info_is_external (info));
      g_assert_cmpstr (task9_task_info_get_wait_reason (info), ==, "sleep");
      g_assert_cmpstr (task9_task_info_get_spawn_location (info), ==, "script.py:12");
      g_assert_cmpint (task9_task_info_get_blocked_time (info), >=, 0);
      g_assert_cmpint (task9_task_info_get_deadline_remaining (info), ==, -1);

      /* A running external task, then one that resumed once. */
      task9_task_set_wait_reason (external, NULL);
      {
        g_autoptr(Task9TaskInfo) one = task9_task_get_info (external);

        g_assert_cmpint (task9_task_info_get_state (one), ==, TASK9_TASK_STATE_RUNNING);
        g_assert_null (task9_task_info_get_wait_reason (one));
        g_assert_cmpint (task9_task_info_get_blocked_time (one), ==, -1);
        g_assert_cmpuint (task9_task_info_get_switches (one), ==, 1);
      }
      task9_task_return_value (external, NULL);
      task9_task_unref (external);
      return;
    }
  test_run_child ();
  g_test_trap_assert_passed ();
}

static void
backtrace_and_dump (void)
{
  Task9Proc *proc = test_proc_new ("bt-proc");
  g_autoptr(Task9Channel) channel = task9_channel_new (sizeof (int), 0);
  g_autoptr(GError) error = NULL;
  g_autofree char *frames = NULL;
  g_autofree char *dump = NULL;
  Task9Task *task;

  task9_channel_set_name (channel, "dumped");
  task = task9_task_spawn_full (proc, "bt-receiver", 0, recv_task, channel, NULL, &error);
  g_assert_no_error (error);
  wait_blocked (task);

  frames = task9_task_format_backtrace (task, &error);
  g_assert_no_error (error);
  g_assert_nonnull (frames);
  g_test_message ("%s", frames);
  g_assert_nonnull (strstr (frames, "#0"));
  g_assert_nonnull (strstr (frames, "libtask9-glib"));
  /* With libunwind, or with the library's frame pointers, the walk goes through the
   * library's frames (the park, the channel operation) down to the task's entry, several
   * frames deep. A build with neither may stop at the innermost frame. */
  if (TASK9_TEST_HAVE_LIBUNWIND || TASK9_TEST_FRAME_POINTERS)
    g_assert_nonnull (strstr (frames, "#3 "));

  dump = task9_format_task_dump (TRUE);
  g_assert_nonnull (strstr (dump, "bt-receiver"));
  g_assert_nonnull (strstr (dump, "dumped"));
  g_assert_nonnull (g_regex_match_simple ("\ntask [0-9]+ bt-receiver \\[blocked recv\\]:\n  #0 ", dump, 0, 0)
                    ? dump : NULL);

  /* A running task (this one is not a task: the test thread) and a finished one. */
  task9_task_cancel (task);
  g_assert_null (task9_task_join (task, -1, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_assert_null (task9_task_format_backtrace (task, &error));
  g_assert_error (error, TASK9_ERROR, TASK9_ERROR_FAILED);
  g_clear_error (&error);
  task9_task_unref (task);
  test_proc_finish (proc);
}

/* SIGQUIT: off, the program's own disposition is untouched; on, a dump; off again,
 * the old disposition is back. The dump goes to stderr: checked in a child. */
static void
sigquit_dump (void)
{
  if (g_test_subprocess ())
    {
      Task9Proc *proc = test_proc_new ("quit-proc");
      g_autoptr(Task9Channel) channel = task9_channel_new (sizeof (int), 0);
      g_autoptr(GError) error = NULL;
      struct sigaction old, now;
      Task9Task *task;

      sigaction (SIGQUIT, NULL, &old);
      g_assert_true (old.sa_handler == SIG_DFL);
      task9_channel_set_name (channel, "quit-chan");
      task = task9_task_spawn_full (proc, "quit-receiver", 0, recv_task, channel, NULL, &error);
      wait_blocked (task);
      sigaction (SIGQUIT, NULL, &now);
      g_assert_true (now.sa_handler == SIG_DFL);   /* off: untouched */

      g_assert_true (task9_set_dump_on_sigquit (TRUE, &error));
      g_assert_no_error (error);

      /* Catch our own stderr until the dump is complete (its last stack frame of the
       * receiver, then a blank line or the end), then pass it on to the real stderr. */
      {
        int pipe_fds[2], saved_stderr = dup (STDERR_FILENO);
        GString *seen = g_string_new (NULL);
        char buf[4096];

        g_assert_cmpint (pipe (pipe_fds), ==, 0);
        dup2 (pipe_fds[1], STDERR_FILENO);
        raise (SIGQUIT);
        while (strstr (seen->str, "quit-receiver [blocked recv]:\n") == NULL ||
               !g_str_has_suffix (seen->str, "\n") ||
               g_regex_match_simple ("\\[blocked recv\\]:\n$", seen->str, 0, 0))
          {
            ssize_t n = read (pipe_fds[0], buf, sizeof buf);

            g_assert_cmpint (n, >, 0);
            g_string_append_len (seen, buf, n);
          }
        dup2 (saved_stderr, STDERR_FILENO);
        close (pipe_fds[0]);
        close (pipe_fds[1]);
        close (saved_stderr);
        g_assert_true (write (STDERR_FILENO, seen->str, seen->len) == (ssize_t) seen->len);
        g_string_free (seen, TRUE);
      }

      /* The program goes on: end the task, turn the dump off. */
      task9_task_cancel (task);
      task9_task_join (task, -1, NULL);
      task9_task_unref (task);
      g_assert_true (task9_set_dump_on_sigquit (FALSE, &error));
      sigaction (SIGQUIT, NULL, &now);
      g_assert_true (now.sa_handler == SIG_DFL);
      test_proc_finish (proc);
      return;
    }
  test_run_child ();
  g_test_trap_assert_passed ();
  g_test_trap_assert_stderr ("*task9: 1 tasks in process *quit-chan*quit-receiver*\ntask * quit-receiver [blocked recv]:\n  #0 *");
}

/* ---- the monitor ------------------------------------------------------------------ */

static int
monitor_connect (const char *path)
{
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  int fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

  g_assert_cmpint (fd, >=, 0);
  g_strlcpy (addr.sun_path, path, sizeof addr.sun_path);
  if (connect (fd, (struct sockaddr *) &addr, sizeof addr) != 0)
    {
      int errsv = errno;

      close (fd);
      errno = errsv;
      return -1;
    }
  return fd;
}

static void
send_all (int         fd,
          const char *data,
          gsize       len)
{
  while (len > 0)
    {
      ssize_t n = send (fd, data, len, MSG_NOSIGNAL);

      g_assert_cmpint (n, >, 0);
      data += n;
      len -= n;
    }
}

/* Reads one reply: up to and including its "ok" or "error: ..." line. */
static char *
read_reply (int fd)
{
  GString *reply = g_string_new (NULL);
  gsize line_start = 0;

  for (;;)
    {
      char c;
      ssize_t n = recv (fd, &c, 1, 0);

      if (n <= 0)
        break;
      g_string_append_c (reply, c);
      if (c == '\n')
        {
          const char *line = reply->str + line_start;

          if (strcmp (line, "ok\n") == 0 || g_str_has_prefix (line, "error:"))
            break;
          line_start = reply->len;
        }
    }
  return g_string_free (reply, FALSE);
}

static char *
command (int         fd,
         const char *line)
{
  send_all (fd, line, strlen (line));
  send_all (fd, "\n", 1);
  return read_reply (fd);
}

static void
monitor (void)
{
  Task9Proc *proc = test_proc_new ("mon-proc");
  g_autoptr(Task9Channel) channel = task9_channel_new (sizeof (int), 0);
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *id_line = NULL;
  struct stat st;
  Task9Task *task;
  int fd;

  task9_channel_set_name (channel, "mon-chan");
  task = task9_task_spawn_full (proc, "mon-receiver", 0, recv_task, channel, NULL, &error);
  g_assert_no_error (error);
  wait_blocked (task);

  g_assert_null (task9_monitor_dup_path ());
  g_assert_true (task9_monitor_start (&error));
  g_assert_no_error (error);
  g_assert_true (task9_monitor_start (&error));   /* twice: nothing more */
  path = task9_monitor_dup_path ();
  g_assert_nonnull (path);
  expected = task9_monitor_path_for_pid (getpid (), &error);
  g_assert_cmpstr (path, ==, expected);

  g_assert_cmpint (stat (path, &st), ==, 0);
  g_assert_true (S_ISSOCK (st.st_mode));
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  dir = g_path_get_dirname (path);
  g_assert_cmpint (stat (dir, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0700);
  g_assert_cmpint (st.st_uid, ==, geteuid ());

  fd = monitor_connect (path);
  g_assert_cmpint (fd, >=, 0);
  {
    g_autofree char *reply = command (fd, "help");

    g_assert_nonnull (strstr (reply, "where ID"));
    g_assert_true (g_str_has_suffix (reply, "ok\n"));
  }
  id_line = g_strdup_printf ("%" G_GUINT64_FORMAT, task9_task_get_id (task));
  {
    g_autofree char *reply = command (fd, "ps");
    g_autofree char *pattern = g_strdup_printf ("(^|\n) *%s +mon-proc +blocked +recv +mon-chan .*mon-receiver\n",
                                                id_line);

    g_test_message ("%s", reply);
    g_assert_nonnull (g_regex_match_simple (pattern, reply, 0, 0) ? reply : NULL);
    g_assert_true (g_str_has_suffix (reply, "ok\n"));
  }
  {
    g_autofree char *cmd = g_strdup_printf ("where %s", id_line);
    g_autofree char *reply = command (fd, cmd);

    g_assert_true (g_str_has_prefix (reply, "  #0 "));
    g_assert_true (g_str_has_suffix (reply, "ok\n"));
  }

  /* Bad input: each gets an error line, and the connection still works. */
  {
    static const char *const bad[] = { "blah", "where", "where x", "where -1", "cancel 0",
                                       "where 99999999999", "ps ps", "a b c d", "" };
    for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
      {
        g_autofree char *reply = command (fd, bad[i]);

        g_assert_true (g_str_has_prefix (reply, "error: "));
      }
  }
  {
    g_autofree char *huge = g_strnfill (200000, 'x');
    g_autofree char *reply = command (fd, huge);
    g_autofree char *after = NULL;

    g_assert_cmpstr (reply, ==, "error: line too long\n");
    after = command (fd, "help");
    g_assert_true (g_str_has_suffix (after, "ok\n"));
  }
  {
    g_autofree char *reply = NULL;

    send_all (fd, "he\0lp\n", 6);
    reply = read_reply (fd);
    g_assert_cmpstr (reply, ==, "error: NUL byte in command\n");
  }
  {
    static const guint8 garbage[] = { 0xff, 0xfe, 0x01, 0x80, '\r', '\n' };
    g_autofree char *reply = NULL;

    send_all (fd, (const char *) garbage, sizeof garbage);
    reply = read_reply (fd);
    g_assert_true (g_str_has_prefix (reply, "error: "));
  }

  /* Abrupt disconnects: mid-line, with a reply pending, before any byte. */
  for (guint i = 0; i < 20; i++)
    {
      int other = monitor_connect (path);

      g_assert_cmpint (other, >=, 0);
      if (i % 3 == 1)
        send_all (other, "wher", 4);
      else if (i % 3 == 2)
        send_all (other, "ps\nps\nps\n", 9);
      close (other);
    }

  /* cancel: the task's recv fails with the cancellation. */
  {
    g_autofree char *cmd = g_strdup_printf ("cancel %s", id_line);
    g_autofree char *reply = command (fd, cmd);

    g_assert_cmpstr (reply, ==, "ok\n");
    g_assert_null (task9_task_join (task, -1, &error));
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
    g_clear_error (&error);
  }
  {
    g_autofree char *reply = command (fd, "quit");

    g_assert_cmpstr (reply, ==, "ok\n");
  }
  close (fd);

  task9_monitor_stop ();
  g_assert_null (task9_monitor_dup_path ());
  g_assert_cmpint (g_access (path, F_OK), !=, 0);
  g_assert_cmpint (monitor_connect (path), ==, -1);

  task9_task_unref (task);
  test_proc_finish (proc);
}

/* TASK9_MONITOR=1 starts it with the first proc. */
static void
monitor_from_env (void)
{
  if (g_test_subprocess ())
    {
      g_autofree char *path = NULL;
      Task9Proc *proc;

      g_assert_null (task9_monitor_dup_path ());
      proc = test_proc_new ("env-proc");
      path = task9_monitor_dup_path ();
      g_assert_nonnull (path);
      test_proc_finish (proc);
      task9_monitor_stop ();
      return;
    }
  g_setenv ("TASK9_MONITOR", "1", TRUE);
  test_run_child ();
  g_unsetenv ("TASK9_MONITOR");
  g_test_trap_assert_passed ();
}

#define SECOND_USER "task9-montest"

/* Another user is refused: by the file modes, and (with the modes opened up, which only
 * root can do to our files here) by the peer credential check itself. */
static void
monitor_other_user (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_autofree char *dir = NULL;
  struct passwd *pw;
  int status;
  pid_t child;

  if (geteuid () != 0)
    {
      g_test_skip ("needs root to make a second user");
      return;
    }
  if (RUNNING_ON_VALGRIND)
    {
      /* memcheck takes the forked child's copy of the parent's heap for leaks */
      g_test_skip ("forks a child: not under valgrind");
      return;
    }
  if (getpwnam (SECOND_USER) == NULL)
    {
      const char *argv[] = { "useradd", "--system", "--no-create-home",
                             "--shell", "/usr/sbin/nologin", SECOND_USER, NULL };
      gint wait_status = 0;

      if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL,
                         NULL, NULL, NULL, NULL, &wait_status, &error) ||
          !g_spawn_check_wait_status (wait_status, NULL) || getpwnam (SECOND_USER) == NULL)
        {
          g_test_skip ("useradd failed: cannot make a second user");
          return;
        }
    }
  pw = getpwnam (SECOND_USER);
  g_assert_nonnull (pw);

  g_assert_true (task9_monitor_start (&error));
  g_assert_no_error (error);
  path = task9_monitor_dup_path ();
  dir = g_path_get_dirname (path);

  for (guint round = 0; round < 2; round++)
    {
      if (round == 1)
        {
          /* Open the modes: only the credential check is left. */
          g_assert_cmpint (chmod (dir, 0711), ==, 0);
          g_assert_cmpint (chmod (path, 0666), ==, 0);
        }
      child = fork ();
      g_assert_cmpint (child, >=, 0);
      if (child == 0)
        {
          char reply[256] = { 0 };
          int fd;
          ssize_t n;

          if (setgid (pw->pw_gid) != 0 || setuid (pw->pw_uid) != 0)
            _exit (10);
          fd = monitor_connect (path);
          if (round == 0)
            _exit (fd < 0 && errno == EACCES ? 0 : 11);
          if (fd < 0)
            _exit (12);
          if (send (fd, "ps\n", 3, MSG_NOSIGNAL) < 0)
            { /* the server may have closed already */ }
          n = recv (fd, reply, sizeof reply - 1, 0);
          if (n <= 0 || !g_str_has_prefix (reply, "error: permission denied"))
            _exit (13);
          /* and nothing more: the server closed */
          n = recv (fd, reply, sizeof reply - 1, 0);
          _exit (n == 0 || (n < 0 && errno == ECONNRESET) ? 0 : 14);
        }
      g_assert_cmpint (waitpid (child, &status, 0), ==, child);
      g_assert_true (WIFEXITED (status));
      g_assert_cmpint (WEXITSTATUS (status), ==, 0);
    }

  /* The owner is still served. */
  {
    int fd = monitor_connect (path);
    g_autofree char *reply = NULL;

    g_assert_cmpint (fd, >=, 0);
    reply = command (fd, "help");
    g_assert_true (g_str_has_suffix (reply, "ok\n"));
    close (fd);
  }
  g_assert_cmpint (chmod (dir, 0700), ==, 0);
  task9_monitor_stop ();
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/monitor/snapshot", snapshot);
  g_test_add_func ("/monitor/snapshot-external", snapshot_external);
  g_test_add_func ("/monitor/backtrace-and-dump", backtrace_and_dump);
  g_test_add_func ("/monitor/sigquit-dump", sigquit_dump);
  g_test_add_func ("/monitor/socket", monitor);
  g_test_add_func ("/monitor/from-env", monitor_from_env);
  g_test_add_func ("/monitor/other-user", monitor_other_user);
  return g_test_run ();
}
