/* debugging.c: doc/debugging.md's program: a stuck task found and cancelled through the
 * monitor, as `task9-monitor PID` would do it from another terminal. */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <task9.h>

/* Waits for an order that never comes: the bug we are looking for. */
static gpointer
waiter (gpointer data, GError **error)
{
  Task9Channel *orders = data;
  int order;

  if (!task9_channel_recv (orders, &order, error))
    return NULL;
  return GINT_TO_POINTER (order);
}

/* Sends one command to the monitor at @path and prints the reply. */
static gboolean
ask (int fd, FILE *replies, const char *command)
{
  char line[512];

  printf ("> %s\n", command);
  if (send (fd, command, strlen (command), 0) < 0 || send (fd, "\n", 1, 0) < 0)
    return FALSE;
  while (fgets (line, sizeof line, replies) != NULL)
    {
      fputs (line, stdout);
      if (strcmp (line, "ok\n") == 0)
        return TRUE;
      if (strncmp (line, "error:", 6) == 0)
        return FALSE;
    }
  return FALSE;
}

int
main (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(Task9Proc) proc = task9_proc_new ("workers", &error);
  g_autoptr(Task9Channel) orders = task9_channel_new (sizeof (int), 0);
  g_autoptr(Task9Task) task = NULL;
  g_autofree char *path = NULL, *command = NULL;
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  FILE *replies;
  int fd;

  task9_channel_set_name (orders, "orders");
  task = task9_task_spawn_full (proc, "order-waiter", 0, waiter, orders, NULL, &error);
  while (task9_task_get_state (task) != TASK9_TASK_STATE_BLOCKED)
    g_thread_yield ();

  /* Or run the program with TASK9_MONITOR=1. */
  if (!task9_monitor_start (&error))
    {
      fprintf (stderr, "monitor: %s\n", error->message);
      return 1;
    }
  path = task9_monitor_dup_path ();
  g_strlcpy (addr.sun_path, path, sizeof addr.sun_path);
  fd = socket (AF_UNIX, SOCK_STREAM, 0);
  if (connect (fd, (struct sockaddr *) &addr, sizeof addr) != 0)
    return 1;
  replies = fdopen (dup (fd), "r");

  command = g_strdup_printf ("where %" G_GUINT64_FORMAT, task9_task_get_id (task));
  if (!ask (fd, replies, "ps") || !ask (fd, replies, command))
    return 1;
  g_free (command);
  command = g_strdup_printf ("cancel %" G_GUINT64_FORMAT, task9_task_get_id (task));
  if (!ask (fd, replies, command))
    return 1;

  /* The cancelled receive fails, and the task ends. */
  task9_task_join (task, -1, &error);
  printf ("order-waiter ended: %s\n", error != NULL ? error->message : "no error");
  fclose (replies);
  close (fd);
  task9_monitor_stop ();
  task9_proc_stop (proc);
  return g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ? 0 : 1;
}
