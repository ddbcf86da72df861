/* task9-monitor.c: the monitor, a Unix-domain socket that answers ps, where, cancel
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * curio's monitor for a task9 program: `task9-monitor PID` (tools/task9-monitor.c) or
 * any line-oriented client connects to the process's socket and sends one command a
 * line; every reply ends with a line that is `ok` or starts with `error:`.
 *
 *   ps          the task table (task9-dump.c's, with every column)
 *   where ID    the call stack of suspended task ID (task9-backtrace.c)
 *   cancel ID   task9_task_cancel() on task ID
 *   help        the commands
 *   quit        closes the connection
 *
 * Where: $XDG_RUNTIME_DIR/task9-UID/PID.sock, or the same under the temporary directory
 * when XDG_RUNTIME_DIR is unset. The directory is made 0700 and must be ours and
 * private (an existing one that is not is refused: /tmp is shared); the socket is made
 * 0600. On top of the file modes, each connection's peer credentials (SO_PEERCRED) are
 * checked: the process's owner (effective uid) is served, and so is root, who can read
 * and write the process's memory anyway (ptrace), so refusing it would protect nothing;
 * anybody else gets one error line and is disconnected.
 *
 * Opt in: TASK9_MONITOR=1 in the environment (read when the first proc is made), or
 * task9_monitor_start(). Off, nothing of this runs and nothing is created.
 *
 * Invariants:
 * - Everything the monitor owns (the listening socket, the connections, their buffers
 *   and sources) is touched only by the service thread (task9-service.c), never by a
 *   proc: a proc that is wedged, even the main one, can still be inspected. Start and
 *   stop, called from any thread, hand a request to that thread and wait for it
 *   (request_lock/request_cond); the socket's path is published under path_lock for
 *   task9_monitor_dup_path().
 * - What a command reads it reads as any other thread may: the task table snapshot
 *   takes each proc's task-list spinlock only to reference tasks, cancel is thread-safe,
 *   and backtraces read task stacks with process_vm_readv().
 * - A connection never blocks the service thread: sockets are non-blocking, output
 *   waits in a buffer for G_IO_OUT. Bad input never harms the program: a line longer
 *   than MAX_LINE, a NUL byte or an unknown command gets an error line (the rest of an
 *   over-long line is skipped); a peer that stops reading while more than MAX_OUTPUT
 *   bytes wait, or disconnects, is dropped.
 */

#define _GNU_SOURCE
#include "task9-config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <glib-unix.h>
#include <gio/gio.h>

#include "task9-debug.h"
#include "task9-debug-private.h"
#include "task9-error.h"
#include "task9-service-private.h"
#include "task9-sysprof-private.h"
#include "task9-task-table.h"

#define MAX_LINE   1024
#define MAX_OUTPUT (64 * 1024 * 1024)

typedef struct
{
  int       fd;
  GSource  *in_source;
  GSource  *out_source;   /* while output waits for room */
  GString  *in;
  GString  *out;
  gboolean  skipping;     /* inside an over-long line, until its newline */
} Conn;

/* Owned by the service thread. */
static int      listen_fd = -1;
static GSource *listen_source;
static GList   *conns;
static char    *socket_path;

/* Published for other threads. */
static GMutex   path_lock;
static char    *published_path;

static void conn_free (Conn *conn);
static void conn_flush (Conn *conn);

/* ---- where ---------------------------------------------------------------------- */

static char *
monitor_dir (GError **error)
{
  const char *base = g_getenv ("XDG_RUNTIME_DIR");

  if (base == NULL || !g_path_is_absolute (base))
    base = g_get_tmp_dir ();
  return g_strdup_printf ("%s/task9-%u", base, (guint) geteuid ());
}

/**
 * task9_monitor_path_for_pid:
 * @pid: a process id
 * @error: return location for a #GError
 *
 * Returns where the monitor of process @pid listens when it was started with this
 * process's environment (`$XDG_RUNTIME_DIR/task9-UID/PID.sock`, or the same under the
 * temporary directory). The `task9-monitor` client uses it; nothing is checked or made.
 *
 * Returns: (transfer full) (nullable) (type filename): the path, or %NULL with @error
 *   set when it would not fit in a socket address
 *
 * Since: 0.1
 */
char *
task9_monitor_path_for_pid (GPid     pid,
                            GError **error)
{
  struct sockaddr_un addr;
  g_autofree char *dir = monitor_dir (error);
  char *path = g_strdup_printf ("%s/%d.sock", dir, (int) pid);

  if (strlen (path) >= sizeof addr.sun_path)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FILENAME_TOO_LONG,
                   "The monitor's socket path is too long: %s", path);
      g_free (path);
      return NULL;
    }
  return path;
}

/* Makes (or checks) the private directory. */
static gboolean
ensure_private_dir (const char  *dir,
                    GError     **error)
{
  struct stat st;

  if (mkdir (dir, 0700) != 0 && errno != EEXIST)
    {
      int errsv = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
                   "Cannot make the monitor's directory %s: %s", dir, g_strerror (errsv));
      return FALSE;
    }
  if (lstat (dir, &st) != 0 || !S_ISDIR (st.st_mode) || st.st_uid != geteuid () ||
      (st.st_mode & 077) != 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                   "The monitor's directory %s is not a private (0700) directory of ours", dir);
      return FALSE;
    }
  return TRUE;
}

/* ---- commands ------------------------------------------------------------------- */

static const char help_text[] =
  "commands (one a line; each reply ends with \"ok\" or \"error: ...\"):\n"
  "  ps          every task: id, proc, state, wait reason, what it waits on, time\n"
  "              blocked, deadline remaining, switches, spawn location, name\n"
  "  where ID    the call stack of suspended task ID\n"
  "  cancel ID   cancel task ID (its blocking calls fail with G_IO_ERROR_CANCELLED)\n"
  "  help        this text\n"
  "  quit        close the connection\n";

static gboolean
parse_id (const char *arg,
          guint64    *id,
          GString    *reply)
{
  if (arg == NULL || !g_ascii_string_to_unsigned (arg, 10, 1, G_MAXUINT64, id, NULL))
    {
      g_string_append (reply, "error: expected a task id (a positive number)\n");
      return FALSE;
    }
  return TRUE;
}

/* Runs one command line; FALSE to close the connection. */
static gboolean
run_command (const char *line,
             GString    *reply)
{
  g_auto(GStrv) words = g_strsplit_set (line, " \t", -1);
  const char *words_[3] = { NULL, NULL, NULL };
  guint n = 0;

  for (guint i = 0; words[i] != NULL; i++)
    if (words[i][0] != '\0')
      {
        if (n == 3)
          {
            g_string_append (reply, "error: too many words (try help)\n");
            return TRUE;
          }
        words_[n++] = words[i];
      }
  if (n == 0)
    {
      g_string_append (reply, "error: empty command (try help)\n");
      return TRUE;
    }

  if (strcmp (words_[0], "help") == 0 && n == 1)
    {
      g_string_append (reply, help_text);
      g_string_append (reply, "ok\n");
    }
  else if (strcmp (words_[0], "ps") == 0 && n == 1)
    {
      g_autoptr(GPtrArray) infos = task9_snapshot_task_table ();

      task9_dump_append_table (reply, infos);
      g_string_append (reply, "ok\n");
    }
  else if (strcmp (words_[0], "where") == 0 && n == 2)
    {
      guint64 id;
      g_autoptr(Task9Task) task = NULL;
      g_autoptr(GError) error = NULL;
      g_autofree char *frames = NULL;

      if (!parse_id (words_[1], &id, reply))
        return TRUE;
      task = task9_task_lookup (id);
      if (task == NULL)
        g_string_append_printf (reply, "error: no task %" G_GUINT64_FORMAT "\n", id);
      else if ((frames = task9_task_format_backtrace (task, &error)) == NULL)
        g_string_append_printf (reply, "error: %s\n", error->message);
      else
        g_string_append_printf (reply, "%sok\n", frames);
    }
  else if (strcmp (words_[0], "cancel") == 0 && n == 2)
    {
      guint64 id;
      g_autoptr(Task9Task) task = NULL;

      if (!parse_id (words_[1], &id, reply))
        return TRUE;
      task = task9_task_lookup (id);
      if (task == NULL)
        g_string_append_printf (reply, "error: no task %" G_GUINT64_FORMAT "\n", id);
      else
        {
          task9_task_cancel (task);
          g_string_append (reply, "ok\n");
        }
    }
  else if (strcmp (words_[0], "quit") == 0 && n == 1)
    {
      g_string_append (reply, "ok\n");
      return FALSE;
    }
  else
    g_string_append (reply, "error: unknown command or wrong arguments (try help)\n");
  return TRUE;
}

/* ---- connections ---------------------------------------------------------------- */

static void
conn_close (Conn *conn)
{
  conns = g_list_remove (conns, conn);
  conn_free (conn);
}

static gboolean
conn_writable (gint          fd,
               GIOCondition  condition,
               gpointer      data)
{
  Conn *conn = data;

  g_clear_pointer (&conn->out_source, g_source_destroy);   /* conn_flush re-arms it */
  conn_flush (conn);
  return G_SOURCE_REMOVE;
}

/* Writes what it can; a peer that went away or stopped reading is dropped. */
static void
conn_flush (Conn *conn)
{
  while (conn->out->len > 0)
    {
      ssize_t n = send (conn->fd, conn->out->str, conn->out->len, MSG_NOSIGNAL | MSG_DONTWAIT);

      if (n > 0)
        g_string_erase (conn->out, 0, n);
      else if (n < 0 && errno == EINTR)
        continue;
      else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
        {
          if (conn->out->len > MAX_OUTPUT)
            {
              conn_close (conn);
              return;
            }
          if (conn->out_source == NULL)
            {
              conn->out_source = g_unix_fd_source_new (conn->fd, G_IO_OUT);
              g_source_set_callback (conn->out_source, G_SOURCE_FUNC (conn_writable), conn, NULL);
              g_source_attach (conn->out_source, task9_service_get_context ());
              g_source_unref (conn->out_source);   /* the context holds it until destroyed */
            }
          return;
        }
      else
        {
          conn_close (conn);
          return;
        }
    }
}

/* Runs the complete lines of conn->in; FALSE once the connection should close. */
static gboolean
conn_process_input (Conn *conn)
{
  gboolean keep = TRUE;
  char *newline;

  while (keep && (newline = memchr (conn->in->str, '\n', conn->in->len)) != NULL)
    {
      gsize len = newline - conn->in->str;

      if (conn->skipping)
        conn->skipping = FALSE;   /* the end of an over-long line, already answered */
      else
        {
          g_autofree char *line = g_strndup (conn->in->str, len);
          gsize line_len = len;

          if (line_len > 0 && line[line_len - 1] == '\r')
            line[--line_len] = '\0';
          if (memchr (conn->in->str, '\0', line_len) != NULL)
            g_string_append (conn->out, "error: NUL byte in command\n");
          else
            keep = run_command (line, conn->out);
        }
      g_string_erase (conn->in, 0, len + 1);
    }
  if (keep && conn->in->len > MAX_LINE)
    {
      if (!conn->skipping)
        g_string_append (conn->out, "error: line too long\n");
      conn->skipping = TRUE;
      g_string_truncate (conn->in, 0);
    }
  return keep;
}

static gboolean
conn_readable (gint          fd,
               GIOCondition  condition,
               gpointer      data)
{
  Conn *conn = data;
  char buf[4096];
  ssize_t n;

  n = recv (fd, buf, sizeof buf, MSG_DONTWAIT);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
    return G_SOURCE_CONTINUE;
  if (n <= 0)
    {
      conn->in_source = NULL;   /* returning REMOVE destroys it */
      conn_close (conn);
      return G_SOURCE_REMOVE;
    }
  g_string_append_len (conn->in, buf, n);
  if (!conn_process_input (conn))
    {
      /* quit: say ok, then close (best effort: the reply is short). */
      conn_flush (conn);
      if (g_list_find (conns, conn) != NULL)
        {
          conn->in_source = NULL;
          conn_close (conn);
        }
      return G_SOURCE_REMOVE;
    }
  conn_flush (conn);
  return G_SOURCE_CONTINUE;
}

static void
conn_free (Conn *conn)
{
  if (conn->in_source != NULL)
    g_source_destroy (conn->in_source);
  if (conn->out_source != NULL)
    g_source_destroy (conn->out_source);
  close (conn->fd);
  g_string_free (conn->in, TRUE);
  g_string_free (conn->out, TRUE);
  g_free (conn);
}

static gboolean
peer_allowed (int      fd,
              GString *why)
{
  struct ucred cred;
  socklen_t len = sizeof cred;

  if (getsockopt (fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0 || len != sizeof cred)
    {
      g_string_append (why, "error: cannot check the peer's credentials\n");
      return FALSE;
    }
  if (cred.uid == geteuid () || cred.uid == 0)
    return TRUE;
  g_string_append_printf (why, "error: permission denied: uid %u does not own process %d\n",
                          (guint) cred.uid, (int) getpid ());
  return FALSE;
}

static gboolean
listen_readable (gint          fd,
                 GIOCondition  condition,
                 gpointer      data)
{
  for (;;)
    {
      int client = accept4 (fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
      g_autoptr(GString) why = g_string_new (NULL);
      Conn *conn;

      if (client < 0)
        break;   /* EAGAIN, or a peer that left at once: try again at the next event */
      if (!peer_allowed (client, why))
        {
          if (send (client, why->str, why->len, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
            {
              /* it is refused either way */
            }
          close (client);
          continue;
        }
      conn = g_new0 (Conn, 1);
      conn->fd = client;
      conn->in = g_string_new (NULL);
      conn->out = g_string_new (NULL);
      conn->in_source = g_unix_fd_source_new (client, G_IO_IN | G_IO_HUP | G_IO_ERR);
      g_source_set_callback (conn->in_source, G_SOURCE_FUNC (conn_readable), conn, NULL);
      g_source_attach (conn->in_source, task9_service_get_context ());
      g_source_unref (conn->in_source);
      conns = g_list_prepend (conns, conn);
    }
  return G_SOURCE_CONTINUE;
}

/* ---- start and stop, on the service thread ---------------------------------------- */

static void
unlink_at_exit (void)
{
  g_mutex_lock (&path_lock);
  if (published_path != NULL)
    unlink (published_path);
  g_mutex_unlock (&path_lock);
}

static gboolean
do_start (GError **error)
{
  static gboolean atexit_done;
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  int fd;

  if (listen_fd >= 0)
    return TRUE;

  dir = monitor_dir (error);
  if (!ensure_private_dir (dir, error))
    return FALSE;
  path = task9_monitor_path_for_pid (getpid (), error);
  if (path == NULL)
    return FALSE;
  g_strlcpy (addr.sun_path, path, sizeof addr.sun_path);

  fd = socket (AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0)
    goto failed;
  unlink (path);   /* a dead process's with our pid */
  if (bind (fd, (struct sockaddr *) &addr, sizeof addr) != 0 ||
      chmod (path, 0600) != 0 ||
      listen (fd, 16) != 0)
    goto failed;

  listen_fd = fd;
  socket_path = g_steal_pointer (&path);
  listen_source = g_unix_fd_source_new (fd, G_IO_IN);
  g_source_set_callback (listen_source, G_SOURCE_FUNC (listen_readable), NULL, NULL);
  g_source_set_name (listen_source, "task9 monitor");
  g_source_attach (listen_source, task9_service_get_context ());

  g_mutex_lock (&path_lock);
  g_free (published_path);
  published_path = g_strdup (socket_path);
  g_mutex_unlock (&path_lock);
  if (!atexit_done)
    {
      atexit (unlink_at_exit);
      atexit_done = TRUE;
    }
  return TRUE;

failed:
  {
    int errsv = errno;

    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
                 "Cannot listen on %s: %s", path, g_strerror (errsv));
    if (fd >= 0)
      close (fd);
    unlink (path);
    return FALSE;
  }
}

static void
do_stop (void)
{
  if (listen_fd < 0)
    return;
  while (conns != NULL)
    conn_close (conns->data);
  g_source_destroy (listen_source);
  g_clear_pointer (&listen_source, g_source_unref);
  close (listen_fd);
  listen_fd = -1;
  unlink (socket_path);
  g_clear_pointer (&socket_path, g_free);
  g_mutex_lock (&path_lock);
  g_clear_pointer (&published_path, g_free);
  g_mutex_unlock (&path_lock);
}

typedef struct
{
  gboolean  start;
  gboolean  done;
  gboolean  ok;
  GError   *error;
} Request;

static GMutex request_lock;
static GCond  request_cond;

static gboolean
run_request (gpointer data)
{
  Request *request = data;
  gboolean ok = TRUE;
  GError *error = NULL;

  if (request->start)
    ok = do_start (&error);
  else
    do_stop ();

  g_mutex_lock (&request_lock);
  request->ok = ok;
  request->error = error;
  request->done = TRUE;
  g_cond_broadcast (&request_cond);
  g_mutex_unlock (&request_lock);
  return G_SOURCE_REMOVE;
}

static gboolean
request (gboolean   start,
         GError   **error)
{
  GMainContext *context = task9_service_get_context ();
  Request req = { start, FALSE, FALSE, NULL };

  if (g_main_context_is_owner (context))
    run_request (&req);
  else
    {
      GSource *source = g_idle_source_new ();

      g_source_set_priority (source, G_PRIORITY_DEFAULT);
      g_source_set_callback (source, run_request, &req, NULL);
      g_source_attach (source, context);
      g_source_unref (source);
      g_mutex_lock (&request_lock);
      while (!req.done)
        g_cond_wait (&request_cond, &request_lock);
      g_mutex_unlock (&request_lock);
    }
  if (req.error != NULL)
    g_propagate_error (error, req.error);
  return req.ok;
}

/**
 * task9_monitor_start:
 * @error: return location for a #GError
 *
 * Starts the monitor: a Unix-domain socket, `$XDG_RUNTIME_DIR/task9-UID/PID.sock` (the
 * temporary directory when `XDG_RUNTIME_DIR` is unset), in a private 0700 directory,
 * mode 0600, served by the library's service thread (so it answers even when every
 * proc is wedged), accepting only the process's owner and root (peer credentials are
 * checked). It answers `ps` (the task table), `where ID` (a suspended task's call
 * stack), `cancel ID` and `help`, one command a line; every reply ends with a line `ok`
 * or `error: ...`. The `task9-monitor PID` client talks to it. Setting
 * `TASK9_MONITOR=1` in the environment starts it when the first proc is made.
 * Starting it twice does nothing more. The socket is removed by
 * [func@Task9.monitor_stop] and when the process exits normally.
 *
 * Returns: %TRUE once it listens, or %FALSE with @error set (the directory is not
 *   private, the path is too long, the socket cannot be made)
 *
 * Since: 0.1
 */
gboolean
task9_monitor_start (GError **error)
{
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return request (TRUE, error);
}

/**
 * task9_monitor_stop:
 *
 * Stops the monitor, if it runs: closes its connections and removes its socket.
 *
 * Since: 0.1
 */
void
task9_monitor_stop (void)
{
  request (FALSE, NULL);
}

/**
 * task9_monitor_dup_path:
 *
 * Returns where the monitor listens.
 *
 * Returns: (transfer full) (nullable) (type filename): the socket's path, or %NULL
 *   when the monitor is not running
 *
 * Since: 0.1
 */
char *
task9_monitor_dup_path (void)
{
  char *path;

  g_mutex_lock (&path_lock);
  path = g_strdup (published_path);
  g_mutex_unlock (&path_lock);
  return path;
}

/* ---- the environment ------------------------------------------------------------- */

static gboolean
env_enabled (const char *name)
{
  const char *value = g_getenv (name);

  return value != NULL && value[0] != '\0' && strcmp (value, "0") != 0;
}

void
task9_debug_init_from_env (void)
{
  static gsize done;

  if (!g_once_init_enter (&done))
    return;
  task9_sysprof_init ();
  if (env_enabled ("TASK9_DUMP_ON_SIGQUIT"))
    {
      g_autoptr(GError) error = NULL;

      if (!task9_set_dump_on_sigquit (TRUE, &error))
        g_warning ("TASK9_DUMP_ON_SIGQUIT: %s", error->message);
    }
  if (env_enabled ("TASK9_MONITOR"))
    {
      g_autoptr(GError) error = NULL;

      if (!task9_monitor_start (&error))
        g_warning ("TASK9_MONITOR: %s", error->message);
    }
  g_once_init_leave (&done, 1);
}
