/* test-socket.c: task sockets on loopback and pipes
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * 200 concurrent connections in one proc (half over fds, half over GSockets), with
 * message sizes from a fixed seed (TEST_SOCKET_SEED overrides it): every byte comes
 * back, in order, once. Partial writes into a full pipe complete. Timeouts, refused
 * connections and bad fds fail cleanly.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <glib-unix.h>
#include <sys/socket.h>

#include "test-util.h"

static guint32
test_seed (void)
{
  const char *env = g_getenv ("TEST_SOCKET_SEED");

  return env != NULL ? (guint32) strtoul (env, NULL, 0) : 20260101;
}

static guint16
local_port (int fd)
{
  struct sockaddr_storage native;
  socklen_t len = sizeof native;
  GSocketAddress *address;
  guint16 port;

  g_assert_cmpint (getsockname (fd, (struct sockaddr *) &native, &len), ==, 0);
  address = g_socket_address_new_from_native (&native, len);
  port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (address));
  g_object_unref (address);
  return port;
}

/* ---- an echo server and its clients -------------------------------------------------- */

typedef struct
{
  int           listen_fd;
  GCancellable *stop;
  guint         n_served;
  guint64       bytes_echoed;
} Server;

typedef struct
{
  Server *server;
  int     fd;
} Conn;

static gpointer
echo_conn_task (gpointer data, GError **error)
{
  Conn *conn = data;
  char buf[8192];
  gssize n;

  while ((n = task9_fd_read (conn->fd, buf, sizeof buf, -1, conn->server->stop, error)) > 0)
    {
      if (!task9_fd_write_all (conn->fd, buf, n, NULL, -1, NULL, error))
        break;
      conn->server->bytes_echoed += n;
    }
  g_assert_true (task9_fd_close (conn->fd, NULL));
  conn->server->n_served++;
  g_free (conn);
  return NULL;
}

static gpointer
accept_task (gpointer data, GError **error)
{
  Server *server = data;
  GError *local = NULL;
  int fd;

  while ((fd = task9_fd_accept (server->listen_fd, -1, server->stop, &local)) >= 0)
    {
      Conn *conn = g_new (Conn, 1);

      conn->server = server;
      conn->fd = fd;
      task9_task_unref (test_spawn ("conn", echo_conn_task, conn));
    }
  g_assert_error (local, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_error_free (local);
  return NULL;
}

typedef struct
{
  guint16  port;
  gboolean use_gsocket;
  guint32  seed;
  guint    n_messages;
  guint64  bytes;
  gint    *n_done;
} Client;

static void
fill (guint8 *buf, gsize size, guint32 seed)
{
  for (gsize i = 0; i < size; i++)
    buf[i] = (guint8) (seed + i * 7);
}

static gpointer
client_task (gpointer data, GError **error)
{
  Client *c = data;
  GRand *rand = g_rand_new_with_seed (c->seed);
  GInetAddress *loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  GSocketAddress *address = g_inet_socket_address_new (loopback, c->port);
  GSocket *socket = NULL;
  guint8 *out = g_malloc (16384), *in = g_malloc (16384);
  int fd = -1;

  if (c->use_gsocket)
    {
      socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, error);
      g_assert_no_error (*error);
      g_assert_true (task9_socket_connect (socket, address, -1, NULL, error));
    }
  else
    {
      fd = task9_fd_connect (address, -1, NULL, error);
      g_assert_cmpint (fd, >=, 0);
    }
  g_assert_no_error (*error);

  for (guint m = 0; m < c->n_messages; m++)
    {
      gsize size = g_rand_int_range (rand, 1, 16385);
      gsize got = 0;

      fill (out, size, c->seed + m);
      if (c->use_gsocket)
        g_assert_true (task9_socket_send_all (socket, (gchar *) out, size, NULL, -1, NULL, error));
      else
        g_assert_true (task9_fd_write_all (fd, out, size, NULL, -1, NULL, error));
      while (got < size)
        {
          gssize n = c->use_gsocket
                     ? task9_socket_receive (socket, (gchar *) in + got, size - got, -1, NULL, error)
                     : task9_fd_read (fd, in + got, size - got, -1, NULL, error);

          g_assert_no_error (*error);
          g_assert_cmpint (n, >, 0);
          got += n;
        }
      g_assert_cmpmem (in, size, out, size);
      c->bytes += size;
    }

  if (socket != NULL)
    {
      g_socket_close (socket, NULL);
      g_object_unref (socket);
    }
  else
    task9_fd_close (fd, NULL);
  (*c->n_done)++;
  g_free (in);
  g_free (out);
  g_object_unref (address);
  g_object_unref (loopback);
  g_rand_free (rand);
  return NULL;
}

static gpointer
loopback_body (gpointer data, GError **error)
{
  guint n_clients = test_scale (200, 40);
  guint32 seed = test_seed ();
  GInetAddress *loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  GSocketAddress *address = g_inet_socket_address_new (loopback, 0);
  Server server = { -1, g_cancellable_new (), 0, 0 };
  Client *clients = g_new0 (Client, n_clients);
  Task9Task **tasks = g_new (Task9Task *, n_clients);
  Task9Task *acceptor;
  guint64 sent = 0;
  gint n_done = 0;

  g_test_message ("seed %u (TEST_SOCKET_SEED)", seed);
  server.listen_fd = task9_fd_listen (address, 1024, error);
  g_assert_no_error (*error);
  acceptor = test_spawn ("acceptor", accept_task, &server);

  for (guint i = 0; i < n_clients; i++)
    {
      clients[i] = (Client) { local_port (server.listen_fd), i % 2 == 1, seed + i * 1000, 5, 0, &n_done };
      tasks[i] = test_spawn ("client", client_task, &clients[i]);
    }
  for (guint i = 0; i < n_clients; i++)
    {
      task9_task_join (tasks[i], -1, error);
      g_assert_no_error (*error);
      task9_task_unref (tasks[i]);
      sent += clients[i].bytes;
    }
  g_assert_cmpint (n_done, ==, n_clients);

  /* Every connection ends (its client closed it); nothing was lost or duplicated. */
  while (server.n_served < n_clients)
    task9_yield ();
  g_assert_cmpuint (server.bytes_echoed, ==, sent);

  g_cancellable_cancel (server.stop);
  task9_task_join (acceptor, -1, error);
  g_assert_no_error (*error);
  task9_task_unref (acceptor);
  task9_fd_close (server.listen_fd, NULL);

  g_free (tasks);
  g_free (clients);
  g_object_unref (server.stop);
  g_object_unref (address);
  g_object_unref (loopback);
  return NULL;
}

TEST_IN_TASK (test_socket_loopback, loopback_body)

/* ---- GSocket accept, fd connect ------------------------------------------------------ */

static gpointer
gsocket_accept_body (gpointer data, GError **error)
{
  GInetAddress *loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  GSocketAddress *any = g_inet_socket_address_new (loopback, 0);
  GSocket *listener, *conn;
  GSocketAddress *bound;
  GError *local = NULL;
  char buf[6] = { 0 };
  int fd;

  listener = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &local);
  g_assert_no_error (local);
  g_assert_true (g_socket_bind (listener, any, TRUE, &local));
  g_assert_true (g_socket_listen (listener, &local));
  bound = g_socket_get_local_address (listener, &local);

  /* Nobody connects: the accept times out. */
  g_assert_null (task9_socket_accept (listener, 1000, NULL, &local));
  g_assert_error (local, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  g_clear_error (&local);

  fd = task9_fd_connect (bound, -1, NULL, &local);
  g_assert_no_error (local);
  conn = task9_socket_accept (listener, -1, NULL, &local);
  g_assert_no_error (local);
  g_assert_true (task9_fd_write_all (fd, "hello", 5, NULL, -1, NULL, &local));
  g_assert_cmpint (task9_socket_receive (conn, buf, 5, -1, NULL, &local), ==, 5);
  g_assert_cmpstr (buf, ==, "hello");

  /* A read that waits in vain times out; the peer's close reads as end of file. */
  g_assert_cmpint (task9_fd_read (fd, buf, 5, 1000, NULL, &local), ==, -1);
  g_assert_error (local, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  g_clear_error (&local);
  g_socket_close (conn, NULL);
  g_assert_cmpint (task9_fd_read (fd, buf, 5, -1, NULL, &local), ==, 0);
  g_assert_no_error (local);

  task9_fd_close (fd, NULL);
  g_object_unref (conn);
  g_socket_close (listener, NULL);

  /* Nobody listens there now. */
  g_assert_cmpint (task9_fd_connect (bound, -1, NULL, &local), ==, -1);
  g_assert_error (local, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
  g_clear_error (&local);

  g_object_unref (listener);
  g_object_unref (bound);
  g_object_unref (any);
  g_object_unref (loopback);
  return NULL;
}

TEST_IN_TASK (test_socket_gsocket_accept, gsocket_accept_body)

/* ---- partial writes into a full pipe ----------------------------------------------------- */

#define BIG (1024 * 1024 + 17)

typedef struct
{
  int     fd;
  guint8 *data;
} PipeEnd;

static gpointer
pipe_writer_task (gpointer data, GError **error)
{
  PipeEnd *end = data;
  gsize written = 0;

  g_assert_true (task9_fd_write_all (end->fd, end->data, BIG, &written, -1, NULL, error));
  g_assert_cmpuint (written, ==, BIG);
  task9_fd_close (end->fd, NULL);
  return NULL;
}

static gpointer
partial_write_body (gpointer data, GError **error)
{
  guint8 *out = g_malloc (BIG), *in = g_malloc (BIG + 1);   /* + 1: the read that sees EOF */
  PipeEnd writer;
  Task9Task *task;
  gsize got = 0;
  gssize n;
  int fds[2];

  g_assert_true (g_unix_open_pipe (fds, FD_CLOEXEC, error));
  g_assert_true (task9_fd_set_nonblocking (fds[0], error));
  g_assert_true (task9_fd_set_nonblocking (fds[1], error));
  fill (out, BIG, 3);
  writer = (PipeEnd) { fds[1], out };
  task = test_spawn ("writer", pipe_writer_task, &writer);
  /* Small reads, so the writer finds the pipe full again and again. */
  while ((n = task9_fd_read (fds[0], in + got, MIN (1000, BIG - got + 1), -1, NULL, error)) > 0)
    got += n;
  g_assert_no_error (*error);
  g_assert_cmpuint (got, ==, BIG);
  g_assert_cmpmem (in, BIG, out, BIG);
  task9_task_join (task, -1, error);
  g_assert_no_error (*error);
  task9_task_unref (task);
  close (fds[0]);
  g_free (in);
  g_free (out);
  return NULL;
}

TEST_IN_TASK (test_socket_partial_write, partial_write_body)

static void
test_socket_bad_input (void)
{
  GError *error = NULL;
  char buf[4];

  g_assert_cmpint (task9_fd_read (-1, buf, 4, -1, NULL, &error), ==, -1);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (task9_fd_write_all (-1, buf, 4, NULL, -1, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_cmpint (task9_fd_accept (-1, -1, NULL, &error), ==, -1);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (task9_fd_set_nonblocking (-1, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  /* Outside a task: fine while no wait is needed, an error when one would be. */
  {
    int fds[2];

    g_assert_true (g_unix_open_pipe (fds, FD_CLOEXEC, &error));
    g_assert_true (task9_fd_set_nonblocking (fds[0], &error));
    g_assert_true (task9_fd_write_all (fds[1], "ab", 2, NULL, -1, NULL, &error));
    g_assert_cmpint (task9_fd_read (fds[0], buf, 4, -1, NULL, &error), ==, 2);
    g_assert_cmpint (task9_fd_read (fds[0], buf, 4, -1, NULL, &error), ==, -1);
    g_assert_error (error, TASK9_ERROR, TASK9_ERROR_NOT_IN_TASK);
    g_clear_error (&error);
    close (fds[0]);
    close (fds[1]);
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/socket/loopback", test_socket_loopback);
  g_test_add_func ("/socket/gsocket-accept", test_socket_gsocket_accept);
  g_test_add_func ("/socket/partial-write", test_socket_partial_write);
  g_test_add_func ("/socket/bad-input", test_socket_bad_input);
  return g_test_run ();
}
