/* task9-monitor: talk to the monitor of a running task9 program
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 *   task9-monitor PID                 an interactive session (commands from stdin)
 *   task9-monitor PID COMMAND [ARG]   one command: ps, where ID, cancel ID, help
 *   task9-monitor -s PATH ...         a socket given by its path
 *
 * The program must have started its monitor (TASK9_MONITOR=1, or task9_monitor_start());
 * its socket is found where task9_monitor_path_for_pid() says, under this process's
 * XDG_RUNTIME_DIR or temporary directory. Exit status: 0 when every reply was "ok",
 * 1 when one was an error, 2 when the monitor could not be reached.
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <task9.h>

static FILE *from_monitor;
static int monitor_fd = -1;

/* Sends one command line and copies the reply to stdout; FALSE if it was an error. */
static gboolean
run (const char *command,
     gboolean   *lost)
{
  char line[4096];
  gboolean ok = FALSE;
  gsize len = strlen (command);

  *lost = TRUE;
  if (send (monitor_fd, command, len, MSG_NOSIGNAL) != (ssize_t) len ||
      send (monitor_fd, "\n", 1, MSG_NOSIGNAL) != 1)
    return FALSE;
  while (fgets (line, sizeof line, from_monitor) != NULL)
    {
      if (strcmp (line, "ok\n") == 0)
        {
          *lost = FALSE;
          return TRUE;
        }
      fputs (line, stdout);
      if (g_str_has_prefix (line, "error:"))
        {
          *lost = FALSE;
          return ok;
        }
    }
  fprintf (stderr, "task9-monitor: the monitor closed the connection\n");
  return FALSE;
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *path = NULL;
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  g_autoptr(GError) error = NULL;
  gboolean all_ok = TRUE, lost = FALSE;
  int first = 2;

  if (argc >= 3 && strcmp (argv[1], "-s") == 0)
    {
      path = g_strdup (argv[2]);
      first = 3;
    }
  else if (argc >= 2 && argv[1][0] != '-')
    {
      guint64 pid;

      if (!g_ascii_string_to_unsigned (argv[1], 10, 1, G_MAXINT, &pid, &error) ||
          (path = task9_monitor_path_for_pid ((GPid) pid, &error)) == NULL)
        {
          fprintf (stderr, "task9-monitor: %s\n", error->message);
          return 2;
        }
    }
  else
    {
      fprintf (stderr,
               "usage: task9-monitor PID [COMMAND [ARG]]\n"
               "       task9-monitor -s SOCKET [COMMAND [ARG]]\n"
               "Commands: ps, where ID, cancel ID, help. Without a command, reads commands\n"
               "from standard input. The program must run with TASK9_MONITOR=1 (or call\n"
               "task9_monitor_start()).\n");
      return 2;
    }

  if (strlen (path) >= sizeof addr.sun_path)
    {
      fprintf (stderr, "task9-monitor: socket path too long: %s\n", path);
      return 2;
    }
  g_strlcpy (addr.sun_path, path, sizeof addr.sun_path);
  monitor_fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (monitor_fd < 0 || connect (monitor_fd, (struct sockaddr *) &addr, sizeof addr) != 0)
    {
      fprintf (stderr, "task9-monitor: cannot reach the monitor at %s: %s\n"
               "(is the program running with TASK9_MONITOR=1?)\n", path, g_strerror (errno));
      return 2;
    }
  from_monitor = fdopen (dup (monitor_fd), "r");

  if (argc > first)
    {
      g_autofree char *command = g_strjoinv (" ", argv + first);

      all_ok = run (command, &lost);
    }
  else
    {
      char line[1024];

      while (!lost && fgets (line, sizeof line, stdin) != NULL)
        {
          line[strcspn (line, "\n")] = '\0';
          if (line[0] == '\0')
            continue;
          all_ok &= run (line, &lost);
          fflush (stdout);
          if (strcmp (line, "quit") == 0)
            break;
        }
    }
  fclose (from_monitor);
  close (monitor_fd);
  return lost ? 2 : all_ok ? 0 : 1;
}
