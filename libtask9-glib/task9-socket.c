/* task9-socket.c: task sockets, blocking-style I/O on non-blocking fds and GSockets
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * libtask's fdread/fdwrite/netaccept/netdial and curio's socket, on the proc's fd
 * readiness (task9-fd.c). Each call tries the system call first and waits only when it
 * reports EAGAIN, so data that is already there costs no wait at all; the wait is a
 * task9_fd_wait_until() with the call's one deadline, so a timeout bounds the whole
 * call, however many waits it takes.
 *
 * Invariants:
 * - The fds are non-blocking (the calls that make fds make them so; others are the
 *   caller's, see task9_fd_set_nonblocking()); a call never blocks its proc's thread.
 * - A call that fails reports the first error and has no effect beyond what it says it
 *   did (task9_fd_write_all() reports the bytes written before the error).
 * - A call that needs no wait works outside a task too; one that would wait fails there
 *   with TASK9_ERROR_NOT_IN_TASK.
 */

#define _GNU_SOURCE 1   /* accept4 */
#include "task9-config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <glib-unix.h>

#include "task9-fd-private.h"
#include "task9-scheduler-private.h"
#include "task9-socket.h"
#include "task9-waiter-private.h"

static void
set_errno_error (GError     **error,
                 int          errsv,
                 const char  *what)
{
  g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv), "%s: %s", what, g_strerror (errsv));
}

static gboolean
check_args (int            fd,
            GCancellable  *cancellable,
            GError       **error)
{
  if (fd < 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "Invalid file descriptor %d", fd);
      return FALSE;
    }
  return !g_cancellable_set_error_if_cancelled (cancellable, error);
}

/**
 * task9_fd_set_nonblocking:
 * @fd: a file descriptor
 * @error: return location for a #GError
 *
 * Makes @fd non-blocking (sets `O_NONBLOCK`), as the task socket calls need: a blocking
 * fd would block the whole proc. The fds that [func@Task9.fd_listen],
 * [func@Task9.fd_accept] and [func@Task9.fd_connect] return already are. It also tells
 * every proc that @fd may be a new fd with the number of one closed with close(2), so
 * the next wait on it checks its registration: call it on every fd you make yourself
 * before using it with [func@Task9.fd_read] or [func@Task9.fd_write_all].
 *
 * Returns: %TRUE on success
 *
 * Since: 0.1
 */
gboolean
task9_fd_set_nonblocking (int      fd,
                          GError **error)
{
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!check_args (fd, NULL, error))
    return FALSE;
  task9_fd_revalidate (fd, TRUE);
  return g_unix_set_fd_nonblocking (fd, TRUE, error);
}

/**
 * task9_fd_read: (skip)
 * @fd: a non-blocking file descriptor
 * @buffer: (array length=count) (element-type guint8) (out caller-allocates): where
 *   the bytes go
 * @count: the size of @buffer
 * @timeout: microseconds to wait at most; negative for no limit
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Reads up to @count bytes from @fd, suspending the calling task until some are there
 * (libtask's fdread). Bytes already there are returned at once, without a wait. On a
 * TCP socket a read that returns fewer bytes than @count is taken as having emptied
 * it (epoll(7)), so the next call waits for new data at once.
 *
 * The fd stays registered with the proc's epoll instance between calls: close it with
 * [func@Task9.fd_close], not close(2), or a later fd that gets the same number may be
 * taken for this one (a wait on it never wakes) until it is announced: fds made by
 * [func@Task9.fd_accept], [func@Task9.fd_connect] and [func@Task9.fd_listen] are, and so
 * is an fd passed to [func@Task9.fd_set_nonblocking]. See "Closing an fd that tasks
 * wait on" in the I/O guide.
 *
 * Returns: the number of bytes read, 0 at end of file; -1 with an error: the one
 *   read(2) reported, or those of [func@Task9.fd_wait]
 *
 * Since: 0.1
 */
gssize
task9_fd_read (int            fd,
               void          *buffer,
               gsize          count,
               GTimeSpan      timeout,
               GCancellable  *cancellable,
               GError       **error)
{
  Task9FdReadHints hints;
  gint64 deadline;

  g_return_val_if_fail (buffer != NULL || count == 0, -1);
  g_return_val_if_fail (error == NULL || *error == NULL, -1);

  if (!check_args (fd, cancellable, error))
    return -1;
  deadline = task9_deadline_from_timeout (timeout);
  hints = task9_fd_read_hints (fd);
  /* Its last read emptied it and nothing came since: read would say EAGAIN. */
  if (count > 0 && (hints & TASK9_FD_READ_DRAINED) &&
      task9_fd_wait_again_until (fd, G_IO_IN, deadline, cancellable, error) == 0)
    return -1;
  for (;;)
    {
      /* recv() on a known TCP socket: read(2) through the VFS cost 5% of echo_rps_1k. */
      gssize n = (hints & TASK9_FD_READ_TCP) ? recv (fd, buffer, count, 0) : read (fd, buffer, count);
      int errsv;

      if (n > 0 && (gsize) n < count)
        task9_fd_note_short_read (fd);
      if (n >= 0)
        return n;
      errsv = errno;
      if (errsv == EINTR)
        continue;
      if (errsv == ENOTSOCK && (hints & TASK9_FD_READ_TCP))
        {
          hints &= ~TASK9_FD_READ_TCP;   /* its number was reused behind our back */
          continue;
        }
      if (errsv != EAGAIN && errsv != EWOULDBLOCK)
        {
          set_errno_error (error, errsv, "Cannot read");
          return -1;
        }
      if (task9_fd_wait_again_until (fd, G_IO_IN, deadline, cancellable, error) == 0)
        return -1;
    }
}

/**
 * task9_fd_write_all: (skip)
 * @fd: a non-blocking file descriptor
 * @buffer: (array length=count) (element-type guint8): the bytes to write
 * @count: how many
 * @bytes_written: (out) (optional): where to store how many were written, also on error
 * @timeout: microseconds the whole call may wait at most; negative for no limit
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Writes all @count bytes to @fd, suspending the calling task whenever it is full
 * (libtask's fdwrite): partial writes are continued until everything is written. Close
 * @fd with [func@Task9.fd_close], as for [func@Task9.fd_read]. On a
 * socket it uses send() with `MSG_NOSIGNAL`, so a peer that went away is an error
 * (%G_IO_ERROR_BROKEN_PIPE or %G_IO_ERROR_CONNECTION_CLOSED), not a SIGPIPE; on a pipe
 * whose reader is gone, write(2) raises SIGPIPE as usual.
 *
 * Returns: %TRUE once all is written; %FALSE with an error, @bytes_written telling how
 *   much was written before it
 *
 * Since: 0.1
 */
gboolean
task9_fd_write_all (int            fd,
                    const void    *buffer,
                    gsize          count,
                    gsize         *bytes_written,
                    GTimeSpan      timeout,
                    GCancellable  *cancellable,
                    GError       **error)
{
  const guint8 *p = buffer;
  gboolean is_socket = TRUE;
  gsize done = 0;
  gint64 deadline;

  g_return_val_if_fail (buffer != NULL || count == 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (bytes_written != NULL)
    *bytes_written = 0;
  if (!check_args (fd, cancellable, error))
    return FALSE;
  deadline = task9_deadline_from_timeout (timeout);
  while (done < count)
    {
      gssize n;
      int errsv;

      if (is_socket)
        {
          n = send (fd, p + done, count - done, MSG_NOSIGNAL);
          if (n < 0 && errno == ENOTSOCK)
            {
              is_socket = FALSE;
              continue;
            }
        }
      else
        n = write (fd, p + done, count - done);

      if (n >= 0)
        {
          done += n;
          continue;
        }
      errsv = errno;
      if (errsv == EINTR)
        continue;
      if (errsv != EAGAIN && errsv != EWOULDBLOCK)
        {
          set_errno_error (error, errsv, "Cannot write");
          break;
        }
      if (task9_fd_wait_again_until (fd, G_IO_OUT, deadline, cancellable, error) == 0)
        break;
    }
  if (bytes_written != NULL)
    *bytes_written = done;
  return done == count;
}

static int
socket_for (GSocketAddress          *address,
            struct sockaddr_storage *native,
            socklen_t               *native_len,
            GError                 **error)
{
  int fd;
  gssize len = g_socket_address_get_native_size (address);

  if (len < 0 || !g_socket_address_to_native (address, native, sizeof *native, error))
    {
      if (error != NULL && *error == NULL)
        g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "Unsupported address");
      return -1;
    }
  *native_len = len;
#ifdef SOCK_NONBLOCK
  fd = socket (native->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
#else
  fd = socket (native->ss_family, SOCK_STREAM, 0);
  if (fd >= 0 && (!g_unix_set_fd_nonblocking (fd, TRUE, NULL) || fcntl (fd, F_SETFD, FD_CLOEXEC) < 0))
    {
      close (fd);
      fd = -1;
    }
#endif
  if (fd < 0)
    set_errno_error (error, errno, "Cannot create socket");
  else
    task9_fd_obtained (fd);
  return fd;
}

/**
 * task9_fd_listen:
 * @address: the local address, e.g. from g_inet_socket_address_new_from_string()
 *   (port 0 picks a free one: getsockname() tells which)
 * @backlog: the listen(2) backlog
 * @error: return location for a #GError
 *
 * Makes a non-blocking, close-on-exec TCP (or Unix stream) socket bound to @address
 * with `SO_REUSEADDR`, listening: the other end of [func@Task9.fd_accept]. Needs no task.
 *
 * Returns: the socket's fd, or -1 with an error
 *
 * Since: 0.1
 */
int
task9_fd_listen (GSocketAddress  *address,
                 int              backlog,
                 GError         **error)
{
  struct sockaddr_storage native;
  socklen_t len;
  int fd, one = 1;

  g_return_val_if_fail (G_IS_SOCKET_ADDRESS (address), -1);
  g_return_val_if_fail (error == NULL || *error == NULL, -1);

  fd = socket_for (address, &native, &len, error);
  if (fd < 0)
    return -1;
  if (native.ss_family != AF_UNIX)
    setsockopt (fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind (fd, (struct sockaddr *) &native, len) < 0 || listen (fd, backlog) < 0)
    {
      set_errno_error (error, errno, "Cannot listen");
      close (fd);
      return -1;
    }
  return fd;
}

/**
 * task9_fd_accept: (skip)
 * @listen_fd: a listening, non-blocking socket
 * @timeout: microseconds to wait at most; negative for no limit
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Accepts a connection, suspending the calling task until one comes (libtask's
 * netaccept).
 *
 * Returns: the connection's fd, non-blocking and close-on-exec; -1 with an error
 *
 * Since: 0.1
 */
int
task9_fd_accept (int            listen_fd,
                 GTimeSpan      timeout,
                 GCancellable  *cancellable,
                 GError       **error)
{
  gint64 deadline;

  g_return_val_if_fail (error == NULL || *error == NULL, -1);

  if (!check_args (listen_fd, cancellable, error))
    return -1;
  deadline = task9_deadline_from_timeout (timeout);
  for (;;)
    {
      int fd, errsv;

#ifdef SOCK_NONBLOCK
      fd = accept4 (listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
#else
      fd = accept (listen_fd, NULL, NULL);
      if (fd >= 0)
        {
          g_unix_set_fd_nonblocking (fd, TRUE, NULL);
          fcntl (fd, F_SETFD, FD_CLOEXEC);
        }
#endif
      if (fd >= 0)
        {
          task9_fd_obtained (fd);
          return fd;
        }
      errsv = errno;
      if (errsv == EINTR || errsv == ECONNABORTED)
        continue;
      if (errsv != EAGAIN && errsv != EWOULDBLOCK)
        {
          set_errno_error (error, errsv, "Cannot accept");
          return -1;
        }
      if (task9_fd_wait_again_until (listen_fd, G_IO_IN, deadline, cancellable, error) == 0)
        return -1;
    }
}

/**
 * task9_fd_connect: (skip)
 * @address: where to connect, e.g. from g_inet_socket_address_new_from_string()
 * @timeout: microseconds to wait at most; negative for no limit
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Makes a non-blocking stream socket for @address's family and connects it, suspending
 * the calling task until the connection is made or refused (libtask's netdial, with a
 * #GSocketAddress: resolve names first, e.g. with a #GResolver through the GIO bridge).
 *
 * Returns: the connected socket's fd, non-blocking and close-on-exec; -1 with an error
 *   (%G_IO_ERROR_CONNECTION_REFUSED, %G_IO_ERROR_TIMED_OUT, ...)
 *
 * Since: 0.1
 */
int
task9_fd_connect (GSocketAddress  *address,
                  GTimeSpan        timeout,
                  GCancellable    *cancellable,
                  GError         **error)
{
  struct sockaddr_storage native;
  socklen_t len;
  int fd, errsv;
  socklen_t errlen = sizeof errsv;

  g_return_val_if_fail (G_IS_SOCKET_ADDRESS (address), -1);
  g_return_val_if_fail (error == NULL || *error == NULL, -1);

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return -1;
  fd = socket_for (address, &native, &len, error);
  if (fd < 0)
    return -1;
  if (connect (fd, (struct sockaddr *) &native, len) == 0)
    return fd;
  errsv = errno;
  if (errsv != EINPROGRESS && errsv != EINTR)
    {
      set_errno_error (error, errsv, "Cannot connect");
      close (fd);
      return -1;
    }
  if (task9_fd_wait_again_until (fd, G_IO_OUT, task9_deadline_from_timeout (timeout),
                                 cancellable, error) == 0)
    {
      close (fd);
      return -1;
    }
  if (getsockopt (fd, SOL_SOCKET, SO_ERROR, &errsv, &errlen) < 0)
    errsv = errno;
  if (errsv != 0)
    {
      set_errno_error (error, errsv, "Cannot connect");
      close (fd);
      return -1;
    }
  return fd;
}

/* ---- the same over GSocket ---------------------------------------------------------- */

static GQuark
socket_proc_quark (void)
{
  static gsize quark;

  if (g_once_init_enter (&quark))
    g_once_init_leave (&quark, g_quark_from_static_string ("task9-socket-proc"));
  return (GQuark) quark;
}

/* After a GSocket call said G_IO_ERROR_WOULD_BLOCK (in *@local): waits for @condition. */
static gboolean
socket_wait (GSocket       *socket,
             GError       **local,
             GIOCondition   condition,
             gint64         deadline,
             GCancellable  *cancellable,
             GError       **error)
{
  int fd;

  if (!g_error_matches (*local, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK) &&
      !g_error_matches (*local, G_IO_ERROR, G_IO_ERROR_PENDING))
    {
      g_propagate_error (error, *local);
      *local = NULL;
      return FALSE;
    }
  g_clear_error (local);
  fd = g_socket_get_fd (socket);
  /* A GSocket closes its fd when it is closed or finalized, behind our back: the first
   * time a proc waits on this one, its number may be a stale one of that proc's. */
  if (g_object_get_qdata (G_OBJECT (socket), socket_proc_quark ()) != task9_current_proc)
    {
      task9_fd_revalidate (fd, FALSE);
      g_object_set_qdata (G_OBJECT (socket), socket_proc_quark (), task9_current_proc);
    }
  return task9_fd_wait_again_until (fd, condition, deadline, cancellable, error) != 0;
}

/**
 * task9_socket_receive: (skip)
 * @socket: a #GSocket
 * @buffer: (array length=size) (element-type guint8) (out caller-allocates): where the
 *   bytes go
 * @size: the size of @buffer
 * @timeout: microseconds to wait at most; negative for no limit
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * [func@Task9.fd_read] for a #GSocket: receives up to @size bytes, suspending the calling
 * task (not the proc) until some are there. Uses g_socket_receive_with_blocking() in
 * non-blocking mode and waits on the socket's fd through the proc's epoll instance; the
 * socket's own blocking flag and timeout are not used.
 *
 * Returns: the number of bytes received, 0 at end of stream; -1 with an error
 *
 * Since: 0.1
 */
gssize
task9_socket_receive (GSocket       *socket,
                      gchar         *buffer,
                      gsize          size,
                      GTimeSpan      timeout,
                      GCancellable  *cancellable,
                      GError       **error)
{
  gint64 deadline = task9_deadline_from_timeout (timeout);

  g_return_val_if_fail (G_IS_SOCKET (socket), -1);
  g_return_val_if_fail (error == NULL || *error == NULL, -1);

  for (;;)
    {
      GError *local = NULL;
      gssize n = g_socket_receive_with_blocking (socket, buffer, size, FALSE, cancellable, &local);

      if (n >= 0)
        return n;
      if (!socket_wait (socket, &local, G_IO_IN, deadline, cancellable, error))
        return -1;
    }
}

/**
 * task9_socket_send_all: (skip)
 * @socket: a #GSocket
 * @buffer: (array length=size) (element-type guint8): the bytes to send
 * @size: how many
 * @bytes_sent: (out) (optional): where to store how many were sent, also on error
 * @timeout: microseconds the whole call may wait at most; negative for no limit
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * [func@Task9.fd_write_all] for a #GSocket: sends all @size bytes, suspending the
 * calling task while the socket is full.
 *
 * Returns: %TRUE once all is sent; %FALSE with an error
 *
 * Since: 0.1
 */
gboolean
task9_socket_send_all (GSocket       *socket,
                       const gchar   *buffer,
                       gsize          size,
                       gsize         *bytes_sent,
                       GTimeSpan      timeout,
                       GCancellable  *cancellable,
                       GError       **error)
{
  gint64 deadline = task9_deadline_from_timeout (timeout);
  gsize done = 0;

  g_return_val_if_fail (G_IS_SOCKET (socket), FALSE);
  g_return_val_if_fail (buffer != NULL || size == 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  while (done < size)
    {
      GError *local = NULL;
      gssize n = g_socket_send_with_blocking (socket, buffer + done, size - done, FALSE,
                                              cancellable, &local);

      if (n >= 0)
        done += n;
      else if (!socket_wait (socket, &local, G_IO_OUT, deadline, cancellable, error))
        break;
    }
  if (bytes_sent != NULL)
    *bytes_sent = done;
  return done == size;
}

/**
 * task9_socket_accept: (skip)
 * @socket: a listening #GSocket; it is made non-blocking
 * @timeout: microseconds to wait at most; negative for no limit
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * [func@Task9.fd_accept] for a #GSocket: accepts a connection, suspending the calling
 * task until one comes. Sets @socket non-blocking (g_socket_set_blocking()).
 *
 * Returns: (transfer full): the connection, or %NULL with an error
 *
 * Since: 0.1
 */
GSocket *
task9_socket_accept (GSocket       *socket,
                     GTimeSpan      timeout,
                     GCancellable  *cancellable,
                     GError       **error)
{
  gint64 deadline = task9_deadline_from_timeout (timeout);

  g_return_val_if_fail (G_IS_SOCKET (socket), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  g_socket_set_blocking (socket, FALSE);
  for (;;)
    {
      GError *local = NULL;
      GSocket *connection = g_socket_accept (socket, cancellable, &local);

      if (connection != NULL)
        {
          task9_fd_obtained (g_socket_get_fd (connection));
          g_object_set_qdata (G_OBJECT (connection), socket_proc_quark (), task9_current_proc);
          return connection;
        }
      if (!socket_wait (socket, &local, G_IO_IN, deadline, cancellable, error))
        return NULL;
    }
}

/**
 * task9_socket_connect: (skip)
 * @socket: a #GSocket; it is made non-blocking
 * @address: where to connect
 * @timeout: microseconds to wait at most; negative for no limit
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * [func@Task9.fd_connect] for a #GSocket: connects it, suspending the calling task
 * until the connection is made or refused. Sets @socket non-blocking.
 *
 * Returns: %TRUE once connected; %FALSE with an error
 *
 * Since: 0.1
 */
gboolean
task9_socket_connect (GSocket         *socket,
                      GSocketAddress  *address,
                      GTimeSpan        timeout,
                      GCancellable    *cancellable,
                      GError         **error)
{
  GError *local = NULL;

  g_return_val_if_fail (G_IS_SOCKET (socket), FALSE);
  g_return_val_if_fail (G_IS_SOCKET_ADDRESS (address), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  g_socket_set_blocking (socket, FALSE);
  if (g_socket_connect (socket, address, cancellable, &local))
    return TRUE;
  if (!socket_wait (socket, &local, G_IO_OUT, task9_deadline_from_timeout (timeout),
                    cancellable, error))
    return FALSE;
  return g_socket_check_connect_result (socket, error);
}
