/* test-fd-edge.c: edge-triggered fd waits, reused fd numbers, short reads, cancel hooks
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The proc's epoll registrations persist between waits (task9-fd.c), so these check
 * what could make a persistent registration lie: fd numbers closed with close(2) and
 * reused (by accept, by pipe() + task9_fd_set_nonblocking(), by a new GSocket, by a
 * plain task9_fd_wait()) or announced while a task waits on it, a short TCP read that stops at urgent data, and a partial
 * read followed by a level wait. And that a cancellable kept hooked on an fd between
 * waits cancels every wait parked with it, from any thread, and is let go.
 * Each wait that must block is seen blocked (test_wait_blocked) before it is released;
 * the timeouts only turn a lost wake-up into a failure instead of a hang.
 */

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <glib-unix.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "test-util.h"

#define LONG (10 * G_TIME_SPAN_SECOND)   /* only ever reached by a lost wake-up */

/* A connected TCP pair on loopback: *client is a plain blocking socket, *server came
 * from task9_fd_accept(). */
static void
tcp_pair (int  listen_fd,
          int *client,
          int *server)
{
  struct sockaddr_in addr;
  socklen_t len = sizeof addr;
  GError *error = NULL;

  g_assert_cmpint (getsockname (listen_fd, (struct sockaddr *) &addr, &len), ==, 0);
  *client = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  g_assert_cmpint (*client, >=, 0);
  g_assert_cmpint (connect (*client, (struct sockaddr *) &addr, len), ==, 0);
  *server = task9_fd_accept (listen_fd, LONG, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (*server, >=, 0);
}

static int
tcp_listen (void)
{
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new_from_string ("127.0.0.1", 0);
  GError *error = NULL;
  int fd = task9_fd_listen (address, 16, &error);

  g_assert_no_error (error);
  return fd;
}

typedef struct
{
  int           fd;
  GCancellable *cancellable;
  gsize         size;
  gssize        got;
  char          buf[64];
  GError       *error;
} Reader;

static gpointer
reader_task (gpointer data, GError **error)
{
  Reader *r = data;

  r->got = task9_fd_read (r->fd, r->buf, r->size, LONG, r->cancellable, &r->error);
  return NULL;
}

/* Starts a task9_fd_read() of @fd in a task, sees it blocked, writes @msg to @peer and
 * checks that the reader gets exactly it. */
static void
read_after_block (int         fd,
                  int         peer,
                  const char *msg)
{
  Reader r = { fd, NULL, sizeof r.buf, 0, { 0 }, NULL };
  Task9Task *task = test_spawn ("reader", reader_task, &r);

  test_wait_blocked (task, "fd");
  g_assert_cmpint (write (peer, msg, strlen (msg)), ==, (gssize) strlen (msg));
  task9_task_join (task, -1, NULL);
  task9_task_unref (task);
  g_assert_no_error (r.error);
  g_assert_cmpint (r.got, ==, strlen (msg));
  g_assert_cmpmem (r.buf, r.got, msg, strlen (msg));
}

/* ---- reused numbers ---------------------------------------------------------------- */

static gpointer
accept_reuse_body (gpointer data, GError **error)
{
  int listen_fd = tcp_listen ();
  int c1, a, c2, b;
  struct sockaddr_in addr;
  socklen_t len = sizeof addr;

  tcp_pair (listen_fd, &c1, &a);
  /* Twice, so that a is registered for all it ever will be, and marked emptied. */
  read_after_block (a, c1, "one");
  read_after_block (a, c1, "one again");

  /* The second client's socket first, so that accept gets a's number back. */
  g_assert_cmpint (getsockname (listen_fd, (struct sockaddr *) &addr, &len), ==, 0);
  c2 = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  g_assert_cmpint (connect (c2, (struct sockaddr *) &addr, len), ==, 0);
  close (a);   /* behind the library's back: the kernel drops the epoll entry */
  b = task9_fd_accept (listen_fd, LONG, NULL, error);
  close (c1);
  g_assert_no_error (*error);
  g_assert_cmpint (b, ==, a);

  read_after_block (b, c2, "two");
  read_after_block (b, c2, "three");
  g_assert_true (task9_fd_close (b, NULL));
  close (c2);
  task9_fd_close (listen_fd, NULL);
  return NULL;
}

TEST_IN_TASK (test_fd_edge_accept_reuse, accept_reuse_body)

static gpointer
pipe_reuse_body (gpointer data, GError **error)
{
  int p[2], q[2], r[2];
  GIOCondition ready;

  g_assert_true (g_unix_open_pipe (p, FD_CLOEXEC, error));
  g_assert_true (task9_fd_set_nonblocking (p[0], error));
  read_after_block (p[0], p[1], "one");
  close (p[0]);
  close (p[1]);

  /* Same numbers, a new file: task9_fd_set_nonblocking() tells the library. */
  g_assert_true (g_unix_open_pipe (q, FD_CLOEXEC, error));
  g_assert_cmpint (q[0], ==, p[0]);
  g_assert_true (task9_fd_set_nonblocking (q[0], error));
  read_after_block (q[0], q[1], "two");
  close (q[0]);
  close (q[1]);

  /* Again, made non-blocking without the library: a level wait (task9_fd_wait())
   * validates the registration itself; task9_fd_read() works from then on. */
  g_assert_true (g_unix_open_pipe (r, FD_CLOEXEC, error));
  g_assert_cmpint (r[0], ==, p[0]);
  g_assert_cmpint (fcntl (r[0], F_SETFL, fcntl (r[0], F_GETFL) | O_NONBLOCK), ==, 0);
  g_assert_cmpint (write (r[1], "x", 1), ==, 1);
  ready = task9_fd_wait (r[0], G_IO_IN, LONG, NULL, error);   /* level: at once */
  g_assert_no_error (*error);
  g_assert_cmpint (ready & G_IO_IN, ==, G_IO_IN);
  g_assert_cmpint (read (r[0], &ready, 1), ==, 1);
  read_after_block (r[0], r[1], "three");
  g_assert_true (task9_fd_close (r[0], NULL));
  close (r[1]);
  return NULL;
}

TEST_IN_TASK (test_fd_edge_pipe_reuse, pipe_reuse_body)

/* task9_fd_set_nonblocking() on an fd a task is waiting on (no reuse at all): the
 * waiter still wakes. */
static gpointer
revalidate_busy_body (gpointer data, GError **error)
{
  int p[2];

  g_assert_true (g_unix_open_pipe (p, FD_CLOEXEC, error));
  g_assert_true (task9_fd_set_nonblocking (p[0], error));
  read_after_block (p[0], p[1], "one");
  {
    Reader r = { p[0], NULL, sizeof r.buf, 0, { 0 }, NULL };
    Task9Task *task = test_spawn ("reader", reader_task, &r);

    test_wait_blocked (task, "fd");
    g_assert_true (task9_fd_set_nonblocking (p[0], error));
    g_assert_cmpint (write (p[1], "two", 3), ==, 3);
    task9_task_join (task, -1, NULL);
    task9_task_unref (task);
    g_assert_no_error (r.error);
    g_assert_cmpint (r.got, ==, 3);
  }
  read_after_block (p[0], p[1], "three");
  g_assert_true (task9_fd_close (p[0], NULL));
  close (p[1]);
  return NULL;
}

TEST_IN_TASK (test_fd_edge_revalidate_busy, revalidate_busy_body)

typedef struct
{
  GSocket *socket;
  gssize   got;
  char     buf[16];
  GError  *error;
} SocketReader;

static gpointer
socket_reader_task (gpointer data, GError **error)
{
  SocketReader *r = data;

  r->got = task9_socket_receive (r->socket, r->buf, sizeof r->buf, LONG, NULL, &r->error);
  return NULL;
}

static void
socket_read_after_block (GSocket    *socket,
                         int         peer,
                         const char *msg)
{
  SocketReader r = { socket, 0, { 0 }, NULL };
  Task9Task *task = test_spawn ("socket-reader", socket_reader_task, &r);

  test_wait_blocked (task, "fd");
  g_assert_cmpint (write (peer, msg, strlen (msg)), ==, (gssize) strlen (msg));
  task9_task_join (task, -1, NULL);
  task9_task_unref (task);
  g_assert_no_error (r.error);
  g_assert_cmpmem (r.buf, r.got, msg, strlen (msg));
}

static gpointer
gsocket_reuse_body (gpointer data, GError **error)
{
  int sv[2], sw[2];
  GSocket *socket;

  g_assert_cmpint (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), ==, 0);
  socket = g_socket_new_from_fd (sv[0], error);
  g_assert_no_error (*error);
  socket_read_after_block (socket, sv[1], "one");
  g_object_unref (socket);   /* closes sv[0]: behind the library's back */
  close (sv[1]);

  g_assert_cmpint (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sw), ==, 0);
  g_assert_cmpint (sw[0], ==, sv[0]);
  socket = g_socket_new_from_fd (sw[0], error);
  g_assert_no_error (*error);
  socket_read_after_block (socket, sw[1], "two");
  g_object_unref (socket);
  close (sw[1]);
  return NULL;
}

TEST_IN_TASK (test_fd_edge_gsocket_reuse, gsocket_reuse_body)

/* ---- short reads --------------------------------------------------------------------- */

static gpointer
short_read_body (gpointer data, GError **error)
{
  int listen_fd = tcp_listen ();
  int client, fd;
  char buf[64];
  GIOCondition ready;

  tcp_pair (listen_fd, &client, &fd);
  /* Twice blocked, so the socket is registered for its short reads to count. */
  read_after_block (fd, client, "one");
  read_after_block (fd, client, "two");

  /* Full reads leave the rest: each next read gets it without a wait. */
  g_assert_cmpint (write (client, "0123456789", 10), ==, 10);
  g_assert_cmpint (task9_fd_read (fd, buf, 4, LONG, NULL, error), ==, 4);
  g_assert_cmpmem (buf, 4, "0123", 4);
  /* A level wait after a partial read: the rest is there, it returns at once. */
  ready = task9_fd_wait (fd, G_IO_IN, LONG, NULL, error);
  g_assert_no_error (*error);
  g_assert_cmpint (ready & G_IO_IN, ==, G_IO_IN);
  g_assert_cmpint (task9_fd_read (fd, buf, 4, LONG, NULL, error), ==, 4);
  g_assert_cmpint (task9_fd_read (fd, buf, sizeof buf, LONG, NULL, error), ==, 2);
  g_assert_cmpmem (buf, 2, "89", 2);

  /* That short read emptied it: the next read waits, and wakes for new data. */
  read_after_block (fd, client, "three");

  /* Data that came between a short read and the next read is not missed. */
  g_assert_cmpint (write (client, "four", 4), ==, 4);
  g_assert_cmpint (task9_fd_read (fd, buf, sizeof buf, LONG, NULL, error), ==, 4);
  g_assert_cmpint (write (client, "five", 4), ==, 4);
  g_assert_cmpint (task9_fd_read (fd, buf, sizeof buf, LONG, NULL, error), ==, 4);
  g_assert_cmpmem (buf, 4, "five", 4);
  g_assert_no_error (*error);

  /* A TCP socket is read with recv(); if its number now holds a pipe put there behind
   * the library's back, the read still reads it. */
  {
    int p[2];

    g_assert_cmpint (write (client, "six", 3), ==, 3);
    g_assert_cmpint (task9_fd_wait (fd, G_IO_IN, LONG, NULL, error) & G_IO_IN, ==, G_IO_IN);
    g_assert_cmpint (pipe (p), ==, 0);
    g_assert_cmpint (dup2 (p[0], fd), ==, fd);
    close (p[0]);
    g_assert_cmpint (write (p[1], "pipe", 4), ==, 4);
    g_assert_cmpint (task9_fd_read (fd, buf, sizeof buf, LONG, NULL, error), ==, 4);
    g_assert_no_error (*error);
    g_assert_cmpmem (buf, 4, "pipe", 4);
    close (p[1]);
  }

  g_assert_true (task9_fd_close (fd, NULL));
  close (client);
  task9_fd_close (listen_fd, NULL);
  return NULL;
}

TEST_IN_TASK (test_fd_edge_short_read, short_read_body)

/* Reads the in-band bytes "abcd" sent around an urgent byte: a read stops short at the
 * urgent mark with "cd" behind it, which must not pass for an emptied socket. */
static void
read_around_urgent (int      fd,
                    int      client,
                    gboolean look_first,
                    GError **error)
{
  char buf[64];
  gsize got = 0;

  g_assert_cmpint (send (client, "ab", 2, 0), ==, 2);
  g_assert_cmpint (send (client, "X", 1, MSG_OOB), ==, 1);
  g_assert_cmpint (send (client, "cd", 2, 0), ==, 2);
  if (look_first)   /* the event (with EPOLLPRI) is read before the data */
    g_assert_cmpint (task9_fd_wait (fd, G_IO_IN, LONG, NULL, error) & G_IO_IN, ==, G_IO_IN);
  while (got < 4)
    {
      gssize n = task9_fd_read (fd, buf + got, sizeof buf - got, LONG, NULL, error);

      g_assert_no_error (*error);
      g_assert_cmpint (n, >, 0);
      got += n;
    }
  g_assert_cmpmem (buf, got, "abcd", 4);
}

static gpointer
urgent_body (gpointer data, GError **error)
{
  int listen_fd = tcp_listen ();

  for (int look_first = 0; look_first < 2; look_first++)
    {
      int client, fd;

      tcp_pair (listen_fd, &client, &fd);
      read_after_block (fd, client, "one");
      read_after_block (fd, client, "two");
      read_after_block (fd, client, "three");   /* short reads count now */
      read_around_urgent (fd, client, look_first, error);
      read_after_block (fd, client, "four");
      g_assert_true (task9_fd_close (fd, NULL));
      close (client);
    }
  task9_fd_close (listen_fd, NULL);
  return NULL;
}

TEST_IN_TASK (test_fd_edge_urgent, urgent_body)

/* ---- cancellation hooks ---------------------------------------------------------------- */

static gpointer
cancel_thread (gpointer data)
{
  g_cancellable_cancel (data);
  return NULL;
}

/* Starts a read of @fd with @cancellable, sees it blocked, cancels from @thread or
 * here, and checks the read failed with G_IO_ERROR_CANCELLED. */
static void
read_cancelled (int           fd,
                GCancellable *cancellable,
                gboolean      from_thread)
{
  Reader r = { fd, cancellable, sizeof r.buf, 0, { 0 }, NULL };
  Task9Task *task = test_spawn ("reader", reader_task, &r);

  test_wait_blocked (task, "fd");
  if (from_thread)
    g_thread_join (g_thread_new ("cancel", cancel_thread, cancellable));
  else
    g_cancellable_cancel (cancellable);
  task9_task_join (task, -1, NULL);
  task9_task_unref (task);
  g_assert_cmpint (r.got, ==, -1);
  g_assert_error (r.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&r.error);
  g_cancellable_reset (cancellable);
}

static gpointer
cancel_hook_body (gpointer data, GError **error)
{
  int listen_fd = tcp_listen ();
  GCancellable *c = g_cancellable_new (), *d = g_cancellable_new ();
  Reader r1, r2;
  Task9Task *t1, *t2;
  int client, fd;
  char buf[16];

  tcp_pair (listen_fd, &client, &fd);

  /* The same cancellable wait after wait: here, then from another thread. */
  read_cancelled (fd, c, FALSE);
  read_cancelled (fd, c, TRUE);
  read_cancelled (fd, c, FALSE);

  /* A cancelled wait consumed nothing: the data goes to the next read. */
  g_assert_cmpint (write (client, "x", 1), ==, 1);
  g_assert_cmpint (task9_fd_read (fd, buf, sizeof buf, LONG, c, error), ==, 1);

  /* Two tasks parked on one fd with the same cancellable: both are cancelled. */
  r1 = (Reader) { fd, c, sizeof r1.buf, 0, { 0 }, NULL };
  r2 = (Reader) { fd, c, sizeof r2.buf, 0, { 0 }, NULL };
  t1 = test_spawn ("reader-1", reader_task, &r1);
  t2 = test_spawn ("reader-2", reader_task, &r2);
  test_wait_blocked (t1, "fd");
  test_wait_blocked (t2, "fd");
  g_thread_join (g_thread_new ("cancel", cancel_thread, c));
  task9_task_join (t1, -1, NULL);
  task9_task_join (t2, -1, NULL);
  g_assert_error (r1.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_error (r2.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&r1.error);
  g_clear_error (&r2.error);
  task9_task_unref (t1);
  task9_task_unref (t2);

  /* Another cancellable on the same fd is cancelled alone. */
  g_cancellable_reset (c);
  read_cancelled (fd, d, TRUE);
  {
    Reader r = { fd, c, sizeof r.buf, 0, { 0 }, NULL };
    Task9Task *task = test_spawn ("reader", reader_task, &r);

    test_wait_blocked (task, "fd");
    g_cancellable_cancel (d);
    g_assert_cmpint (write (client, "yz", 2), ==, 2);
    task9_task_join (task, -1, NULL);
    task9_task_unref (task);
    g_assert_no_error (r.error);
    g_assert_cmpint (r.got, ==, 2);
  }

  g_assert_true (task9_fd_close (fd, NULL));
  g_object_unref (c);
  g_object_unref (d);
  close (client);
  task9_fd_close (listen_fd, NULL);
  return NULL;
}

TEST_IN_TASK (test_fd_edge_cancel_hook, cancel_hook_body)

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/fd-edge/accept-reuse", test_fd_edge_accept_reuse);
  g_test_add_func ("/fd-edge/pipe-reuse", test_fd_edge_pipe_reuse);
  g_test_add_func ("/fd-edge/revalidate-busy", test_fd_edge_revalidate_busy);
  g_test_add_func ("/fd-edge/gsocket-reuse", test_fd_edge_gsocket_reuse);
  g_test_add_func ("/fd-edge/short-read", test_fd_edge_short_read);
  g_test_add_func ("/fd-edge/urgent", test_fd_edge_urgent);
  g_test_add_func ("/fd-edge/cancel-hook", test_fd_edge_cancel_hook);
  return g_test_run ();
}
