/* task9-dump.c: the task dump, and printing it on SIGQUIT
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A dump is the task table (task9-task-table.c) with every column, followed by the call
 * stack of each suspended stackful task (task9-backtrace.c): what Go prints on SIGQUIT
 * and libthread's debugger scripts print. The monitor's `ps` prints the same table.
 *
 * SIGQUIT (Ctrl-\) prints the dump to stderr and lets the program run on, when it was
 * asked for: TASK9_DUMP_ON_SIGQUIT=1 in the environment, or
 * task9_set_dump_on_sigquit (TRUE). Otherwise the library never touches SIGQUIT.
 *
 * Invariants:
 * - Off, the signal's disposition is whatever the program (or its parent) set: nothing
 *   is installed. Turning it on saves the disposition it replaces; turning it off puts
 *   that one back.
 * - The handler only writes a byte to a pipe (async-signal-safe, errno preserved). The
 *   service thread (task9-service.c) reads the pipe and prints: a proc that is wedged, or
 *   every proc, cannot keep the dump from being printed.
 * - Enabling and disabling are serialised by dump_lock; the pipe and its source are made
 *   once and kept (a signal that arrives while disabling still finds a pipe).
 */

#include "task9-config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <glib-unix.h>
#include <gio/gio.h>

#include "task9-debug.h"
#include "task9-debug-private.h"
#include "task9-service-private.h"
#include "task9-task-private.h"
#include "task9-task-table.h"

static const char *
state_name (Task9TaskState state)
{
  static const char *const states[] = { "runnable", "running", "blocked", "finished" };

  return states[MIN ((guint) state, G_N_ELEMENTS (states) - 1)];
}

static void
format_span (char      *buf,
             gsize      size,
             GTimeSpan  span)
{
  if (span < 0)
    g_strlcpy (buf, "-", size);
  else if (span < 10 * G_TIME_SPAN_MILLISECOND)
    g_snprintf (buf, size, "%" G_GINT64_FORMAT "us", span);
  else if (span < 10 * G_TIME_SPAN_SECOND)
    g_snprintf (buf, size, "%" G_GINT64_FORMAT "ms", span / G_TIME_SPAN_MILLISECOND);
  else
    g_snprintf (buf, size, "%" G_GINT64_FORMAT "s", span / G_TIME_SPAN_SECOND);
}

void
task9_dump_append_table (GString   *out,
                         GPtrArray *infos)
{
  g_string_append_printf (out, "%6s  %-10s  %-8s  %-8s  %-14s  %7s  %8s  %8s  %-24s  %s\n",
                          "ID", "PROC", "STATE", "WAIT", "ON", "BLOCKED", "DEADLINE",
                          "SWITCHES", "SPAWNED AT", "NAME");
  for (guint i = 0; i < infos->len; i++)
    {
      Task9TaskInfo *info = infos->pdata[i];
      const char *reason = task9_task_info_get_wait_reason (info);
      const char *object = task9_task_info_get_wait_object (info);
      const char *location = task9_task_info_get_spawn_location (info);
      const char *name = task9_task_info_get_name (info);
      const char *proc = task9_task_info_get_proc_name (info);
      char blocked[32], deadline[32];

      format_span (blocked, sizeof blocked, task9_task_info_get_blocked_time (info));
      format_span (deadline, sizeof deadline, task9_task_info_get_deadline_remaining (info));
      g_string_append_printf (out, "%6" G_GUINT64_FORMAT "  %-10s  %-8s  %-8s  %-14s  %7s  %8s  %8"
                              G_GUINT64_FORMAT "  %-24s  %s%s%s\n",
                              task9_task_info_get_id (info),
                              proc != NULL ? proc : "-",
                              state_name (task9_task_info_get_state (info)),
                              reason != NULL ? reason : "-",
                              object != NULL ? object : "-",
                              blocked, deadline,
                              task9_task_info_get_switches (info),
                              location != NULL ? location : "-",
                              name != NULL ? name : "-",
                              task9_task_info_is_external (info) ? " (binding)" : "",
                              task9_task_info_is_cancelled (info) ? " (cancelled)" : "");
    }
}

/**
 * task9_format_task_dump:
 * @with_backtraces: also print each suspended task's call stack
 *
 * Formats every task of every proc: the task table with all its columns (id, proc,
 * state, wait reason, what it waits on, time blocked, deadline remaining, switches,
 * spawn location, name) and, if @with_backtraces, the call stack of each suspended
 * stackful task as [method@Task9.Task.format_backtrace] gives it. This is what SIGQUIT
 * prints when [func@Task9.set_dump_on_sigquit] is on. Safe from any thread.
 *
 * Returns: (transfer full): the dump
 *
 * Since: 0.1
 */
char *
task9_format_task_dump (gboolean with_backtraces)
{
  g_autoptr(GPtrArray) tasks = task9_task_list_all ();
  g_autoptr(GPtrArray) infos = g_ptr_array_new_with_free_func ((GDestroyNotify) task9_task_info_unref);
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < tasks->len; i++)
    g_ptr_array_add (infos, task9_task_get_info (tasks->pdata[i]));

  g_string_append_printf (out, "task9: %u tasks in process %d\n", tasks->len, (int) getpid ());
  task9_dump_append_table (out, infos);
  if (!with_backtraces)
    return g_string_free (out, FALSE);

  for (guint i = 0; i < tasks->len; i++)
    {
      Task9Task *task = tasks->pdata[i];
      Task9TaskInfo *info = infos->pdata[i];
      gpointer pcs[TASK9_BACKTRACE_MAX_FRAMES];
      guint n_pcs;
      Task9TaskState state = task9_task_info_get_state (info);
      const char *name = task9_task_info_get_name (info);

      if (task9_task_info_is_external (info) || state == TASK9_TASK_STATE_RUNNING)
        continue;
      if (!task9_backtrace_collect (task, pcs, &n_pcs, NULL))
        continue;
      g_string_append_printf (out, "\ntask %" G_GUINT64_FORMAT " %s [%s%s%s]:\n",
                              task9_task_info_get_id (info), name != NULL ? name : "-",
                              state_name (state),
                              task9_task_info_get_wait_reason (info) != NULL ? " " : "",
                              task9_task_info_get_wait_reason (info) != NULL
                                ? task9_task_info_get_wait_reason (info) : "");
      task9_backtrace_append (out, pcs, n_pcs);
    }
  return g_string_free (out, FALSE);
}

/* ---- SIGQUIT ----------------------------------------------------------------------- */

static GMutex dump_lock;
static gboolean dump_enabled;
static struct sigaction dump_saved_action;
static int dump_pipe[2] = { -1, -1 };

static void
dump_signal_handler (int signum)
{
  int saved_errno = errno;
  char byte = 'q';

  if (write (dump_pipe[1], &byte, 1) < 0)
    {
      /* the pipe is full: a dump is already coming */
    }
  errno = saved_errno;
}

static void
write_all (int         fd,
           const char *data,
           gsize       len)
{
  while (len > 0)
    {
      ssize_t n = write (fd, data, len);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return;
      data += n;
      len -= n;
    }
}

/* On the service thread. */
static gboolean
dump_pipe_readable (gint         fd,
                    GIOCondition condition,
                    gpointer     data)
{
  char buf[64];
  g_autofree char *dump = NULL;

  while (read (fd, buf, sizeof buf) > 0)
    ;
  dump = task9_format_task_dump (TRUE);
  write_all (STDERR_FILENO, dump, strlen (dump));
  return G_SOURCE_CONTINUE;
}

/**
 * task9_set_dump_on_sigquit:
 * @enable: whether SIGQUIT prints the task dump
 * @error: return location for a #GError
 *
 * Turns the SIGQUIT dump on or off. On, SIGQUIT (Ctrl-\ in a terminal, `kill -QUIT`)
 * prints [func@Task9.format_task_dump] with backtraces to stderr and the program runs
 * on (Go would exit; a running program is more use to whoever looks at the dump). The
 * dump is printed by the library's service thread, so it comes out even when every
 * proc is wedged. Off (the default), the library leaves SIGQUIT alone; turning it off
 * puts back the disposition it had replaced. Setting the environment variable
 * `TASK9_DUMP_ON_SIGQUIT=1` turns it on when the first proc is made.
 *
 * Returns: %TRUE, or %FALSE with @error set when the signal or the pipe could not be
 *   set up
 *
 * Since: 0.1
 */
gboolean
task9_set_dump_on_sigquit (gboolean   enable,
                           GError   **error)
{
  gboolean ok = TRUE;

  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  g_mutex_lock (&dump_lock);
  if (enable && !dump_enabled)
    {
      struct sigaction action = { 0, };

      if (dump_pipe[0] < 0)
        {
          GSource *source;

          if (!g_unix_open_pipe (dump_pipe, FD_CLOEXEC, error) ||
              !g_unix_set_fd_nonblocking (dump_pipe[0], TRUE, error) ||
              !g_unix_set_fd_nonblocking (dump_pipe[1], TRUE, error))
            {
              if (dump_pipe[0] >= 0)
                {
                  close (dump_pipe[0]);
                  close (dump_pipe[1]);
                }
              dump_pipe[0] = dump_pipe[1] = -1;
              ok = FALSE;
              goto out;
            }
          source = g_unix_fd_source_new (dump_pipe[0], G_IO_IN);
          g_source_set_callback (source, G_SOURCE_FUNC (dump_pipe_readable), NULL, NULL);
          g_source_set_name (source, "task9 SIGQUIT dump");
          g_source_attach (source, task9_service_get_context ());
          g_source_unref (source);
        }
      action.sa_handler = dump_signal_handler;
      action.sa_flags = SA_RESTART;
      sigemptyset (&action.sa_mask);
      if (sigaction (SIGQUIT, &action, &dump_saved_action) != 0)
        {
          int errsv = errno;

          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
                       "Cannot handle SIGQUIT: %s", g_strerror (errsv));
          ok = FALSE;
          goto out;
        }
      dump_enabled = TRUE;
    }
  else if (!enable && dump_enabled)
    {
      sigaction (SIGQUIT, &dump_saved_action, NULL);
      dump_enabled = FALSE;
    }
out:
  g_mutex_unlock (&dump_lock);
  return ok;
}
