/* test-echo-server.c: runs examples/echo-server.c against clients
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Usage: test-echo-server PATH-TO-task9-echo-server
 *
 * Starts the example on a free port, echoes through 50 concurrent connections, then
 * sends "shutdown" while one more connection is open and idle: the server must close
 * it and exit with status 0.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test-util.h"

static const char *server_path;

typedef struct
{
  guint16 port;
  guint   index;
} EchoClient;

static GSocketAddress *
server_address (guint16 port)
{
  return g_inet_socket_address_new_from_string ("127.0.0.1", port);
}

static gpointer
echo_client_task (gpointer data, GError **error)
{
  EchoClient *c = data;
  g_autoptr(GSocketAddress) address = server_address (c->port);
  int fd = task9_fd_connect (address, -1, NULL, error);

  g_assert_no_error (*error);
  for (guint m = 0; m < 20; m++)
    {
      char *msg = g_strdup_printf ("client %u message %u %*s", c->index, m, (int) (m * 97 % 3000), "");
      gsize len = strlen (msg), got = 0;
      char *back = g_malloc (len);

      g_assert_true (task9_fd_write_all (fd, msg, len, NULL, -1, NULL, error));
      while (got < len)
        {
          gssize n = task9_fd_read (fd, back + got, len - got, -1, NULL, error);

          g_assert_cmpint (n, >, 0);
          got += n;
        }
      g_assert_cmpmem (back, len, msg, len);
      g_free (back);
      g_free (msg);
    }
  task9_fd_close (fd, NULL);
  return NULL;
}

static gpointer
clients_body (gpointer data, GError **error)
{
  guint16 port = GPOINTER_TO_UINT (data);
  EchoClient clients[50];
  Task9Task *tasks[50];
  g_autoptr(GSocketAddress) address = server_address (port);
  int idle, last;
  char buf[4];

  for (guint i = 0; i < G_N_ELEMENTS (clients); i++)
    {
      clients[i] = (EchoClient) { port, i };
      tasks[i] = test_spawn ("client", echo_client_task, &clients[i]);
    }
  for (guint i = 0; i < G_N_ELEMENTS (clients); i++)
    {
      task9_task_join (tasks[i], -1, error);
      g_assert_no_error (*error);
      task9_task_unref (tasks[i]);
    }

  /* One connection stays open and idle across the shutdown: the server ends it. */
  idle = task9_fd_connect (address, -1, NULL, error);
  g_assert_no_error (*error);
  last = task9_fd_connect (address, -1, NULL, error);
  g_assert_no_error (*error);
  g_assert_true (task9_fd_write_all (last, "shutdown", 8, NULL, -1, NULL, error));
  g_assert_cmpint (task9_fd_read (idle, buf, sizeof buf, 30 * G_TIME_SPAN_SECOND, NULL, error), ==, 0);
  g_assert_no_error (*error);
  task9_fd_close (idle, NULL);
  task9_fd_close (last, NULL);
  return NULL;
}

static void
test_echo_server (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) server = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autofree char *line = NULL;
  guint port;

  server = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, server_path, "0", NULL);
  g_assert_no_error (error);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (server));
  line = g_data_input_stream_read_line (out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (line);
  g_assert_true (sscanf (line, "listening on %u", &port) == 1);

  run_in_task_ok (clients_body, GUINT_TO_POINTER (port));

  g_assert_true (g_subprocess_wait_check (server, NULL, &error));
  g_assert_no_error (error);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  server_path = argc > 1 ? argv[1] : g_getenv ("TASK9_ECHO_SERVER");
  if (server_path == NULL)
    {
      g_printerr ("usage: test-echo-server PATH-TO-task9-echo-server\n");
      return 1;
    }
  g_test_add_func ("/examples/echo-server", test_echo_server);
  return g_test_run ();
}
