/* accept.c: accept one connection with a deadline, while a ticker ticks
 *
 *   accept [PORT [TIMEOUT_MS [TICK_MS]]]      defaults: 0 (any free port), 10000, 2000
 *
 * A ticker task prints every TICK_MS; an accepting task waits for one connection and
 * sends it over a channel; main alts between that channel and after(TIMEOUT_MS). With
 * a client it writes "hello!" and closes; on timeout it shuts the listener down and
 * waits for the accepting task. Try it with `nc 127.0.0.1 PORT`.
 */

#include <stdlib.h>
#include <netinet/in.h>
#include <task9.h>

static gpointer
ticker (gpointer data, GError **error)
{
  g_autoptr(Task9Channel) ticks = task9_channel_new_ticker (GPOINTER_TO_INT (data) * G_TIME_SPAN_MILLISECOND);

  for (int n = 1; task9_channel_recv (ticks, NULL, error); n++)   /* until cancelled */
    g_print ("tick %d\n", n);
  return NULL;
}

static int listener;

static gpointer
acceptor (gpointer data, GError **error)
{
  Task9Channel *accepted = data;
  int fd = task9_fd_accept (listener, -1, NULL, error);   /* suspends this task only */

  if (fd >= 0 && !task9_channel_send (accepted, &fd, error))
    task9_fd_close (fd, NULL);
  return NULL;
}

static int
main_task (int argc, char **argv)
{
  int port = argc > 1 ? atoi (argv[1]) : 0;
  GTimeSpan timeout = (argc > 2 ? atoi (argv[2]) : 10000) * G_TIME_SPAN_MILLISECOND;
  int tick_ms = argc > 3 ? atoi (argv[3]) : 2000;
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new_from_string ("127.0.0.1", port);
  g_autoptr(Task9Channel) accepted = task9_channel_new (sizeof (int), 0);
  g_autoptr(Task9Channel) deadline = task9_channel_after (timeout);
  g_autoptr(Task9Task) tick = NULL, accept_task = NULL;
  struct sockaddr_in bound;
  socklen_t len = sizeof bound;
  int fd;

  if ((listener = task9_fd_listen (address, 16, &error)) < 0)
    {
      g_printerr ("accept: %s\n", error->message);
      return 1;
    }
  getsockname (listener, (struct sockaddr *) &bound, &len);
  g_print ("listening on %d\n", g_ntohs (bound.sin_port));

  tick = task9_task_spawn ("ticker", ticker, GINT_TO_POINTER (tick_ms), NULL, NULL);
  accept_task = task9_task_spawn ("acceptor", acceptor, accepted, NULL, NULL);

  Task9AltArm arms[] = {
    { accepted, TASK9_ALT_RECV, &fd },
    { deadline, TASK9_ALT_RECV, NULL },
  };
  if (task9_alt (arms, G_N_ELEMENTS (arms), -1, NULL, NULL) == 0)
    {
      task9_fd_write_all (fd, "hello!\n", 7, NULL, -1, NULL, NULL);
      task9_fd_close (fd, NULL);
      g_print ("a client came: said hello!\n");
    }
  else
    g_print ("no client in time: shutting the listener down\n");

  task9_fd_close (listener, NULL);   /* wakes the acceptor if it still waits */
  task9_task_join (accept_task, -1, NULL);
  g_print ("acceptor done\n");
  task9_task_cancel (tick);
  task9_task_join (tick, -1, NULL);
  return 0;
}

int
main (int argc, char **argv)
{
  return task9_main (argc, argv, main_task);
}
