/* echo.c: a TCP echo server, one task per connection, clean shutdown on a signal
 *
 *   echo [PORT]        default 0: any free port
 *
 * Prints "listening on PORT". SIGINT (Ctrl-C) or SIGTERM stops it: the listener is
 * closed, the connections are cancelled and joined (a task group), and it exits 0.
 */

#include <signal.h>
#include <stdlib.h>
#include <netinet/in.h>
#include <task9.h>

static gpointer
serve (gpointer data, GError **error)
{
  int fd = GPOINTER_TO_INT (data);
  char buf[4096];
  gssize n;

  while ((n = task9_fd_read (fd, buf, sizeof buf, -1, NULL, error)) > 0)
    if (!task9_fd_write_all (fd, buf, n, NULL, -1, NULL, error))
      break;
  task9_fd_close (fd, NULL);
  return NULL;
}

static int listener;

static gpointer
acceptor (gpointer data, GError **error)
{
  Task9Group *connections = data;
  int fd;

  while ((fd = task9_fd_accept (listener, -1, NULL, error)) >= 0)
    {
      g_autoptr(Task9Task) conn = task9_group_spawn (connections, "conn", serve,
                                                     GINT_TO_POINTER (fd), NULL, NULL);
      if (conn == NULL)
        task9_fd_close (fd, NULL);
    }
  return NULL;
}

static int
main_task (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketAddress) address =
    g_inet_socket_address_new_from_string ("127.0.0.1", argc > 1 ? atoi (argv[1]) : 0);
  g_autoptr(Task9Channel) sigint = task9_signal_subscribe (SIGINT, 1, NULL);
  g_autoptr(Task9Channel) sigterm = task9_signal_subscribe (SIGTERM, 1, NULL);
  g_autoptr(Task9Group) connections = task9_group_new ();
  g_autoptr(Task9Task) accept_task = NULL;
  struct sockaddr_in bound;
  socklen_t len = sizeof bound;
  int signum = 0;

  if ((listener = task9_fd_listen (address, 128, &error)) < 0)
    {
      g_printerr ("echo: %s\n", error->message);
      return 1;
    }
  getsockname (listener, (struct sockaddr *) &bound, &len);
  g_print ("listening on %d\n", g_ntohs (bound.sin_port));

  accept_task = task9_task_spawn ("acceptor", acceptor, connections, NULL, NULL);

  Task9AltArm arms[] = {
    { sigint, TASK9_ALT_RECV, &signum },
    { sigterm, TASK9_ALT_RECV, &signum },
  };
  task9_alt (arms, G_N_ELEMENTS (arms), -1, NULL, NULL);
  g_print ("got %s: shutting down\n", signum == SIGINT ? "SIGINT" : "SIGTERM");

  task9_fd_close (listener, NULL);        /* the acceptor's accept fails: it returns */
  task9_task_join (accept_task, -1, NULL);
  task9_group_cancel (connections);       /* every connection's read fails: they return */
  task9_group_wait (connections, NULL);
  g_print ("all connections closed\n");
  return 0;
}

int
main (int argc, char **argv)
{
  return task9_main (argc, argv, main_task);
}
