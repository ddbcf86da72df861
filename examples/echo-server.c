/* echo-server.c: a TCP echo server, one task per connection (doc/io.md)
 *
 * Usage: task9-echo-server PORT      (PORT 0: a free one)
 * Prints "listening on PORT"; a client that sends "shutdown" stops it cleanly.
 */

#include <task9.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

static GCancellable *stop;   /* cancelled by "shutdown": ends every task below */

static gpointer
serve (gpointer data, GError **error)
{
  int fd = GPOINTER_TO_INT (data);
  char buf[4096];
  gssize n;

  while ((n = task9_fd_read (fd, buf, sizeof buf, -1, stop, error)) > 0)
    {
      if (n >= 8 && memcmp (buf, "shutdown", 8) == 0)
        g_cancellable_cancel (stop);
      else if (!task9_fd_write_all (fd, buf, n, NULL, -1, stop, error))
        break;
    }
  task9_fd_close (fd, NULL);   /* wakes any other task waiting on it, then closes */
  return NULL;
}

static int
main_task (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketAddress) address = NULL;
  struct sockaddr_storage bound;
  socklen_t len = sizeof bound;
  int listener, fd;

  stop = g_cancellable_new ();
  address = g_inet_socket_address_new_from_string ("127.0.0.1", argc > 1 ? atoi (argv[1]) : 7777);
  listener = task9_fd_listen (address, 1024, &error);
  if (listener < 0)
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }
  getsockname (listener, (struct sockaddr *) &bound, &len);
  g_print ("listening on %u\n", g_ntohs (((struct sockaddr_in *) &bound)->sin_port));

  while ((fd = task9_fd_accept (listener, -1, stop, &error)) >= 0)
    {
      Task9Task *conn = task9_task_spawn ("conn", serve, GINT_TO_POINTER (fd), NULL, NULL);

      if (conn == NULL)
        task9_fd_close (fd, NULL);
      g_clear_pointer (&conn, task9_task_unref);   /* it runs on without our handle */
    }

  task9_fd_close (listener, NULL);
  return g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ? 0 : 1;
}

int
main (int argc, char **argv)
{
  return task9_main (argc, argv, main_task);   /* returns once every task is done */
}
