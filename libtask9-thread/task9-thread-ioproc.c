/* task9-thread-ioproc.c: ioproc(3), slave procs for blocking calls
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * An Ioproc is a Task9IOProc (the core's thread for blocking calls, task9-ioproc.c);
 * this file only adapts its calls to ioproc(3)'s: a va_list function whose return
 * value and errno come back to the caller. iointerrupt() is task9_ioproc_interrupt():
 * a call blocked in a system call fails with EINTR.
 *
 * The manual's iocall() cannot be left early: the call's arguments (and the buffers
 * they point to) live on the caller's stack. So a Plan 9 thread waits through the
 * async form, whose op has no GCancellable: cancelling the thread's task does not
 * abandon the call, and the thread waits on (yielding, as a cancelled task's waits
 * fail at once) until the call's callback ran on its proc.
 *
 * Invariants:
 * - The IoCall stays on the caller's stack until its callback has set finished, the
 *   callback's last touch of it.
 * - The core call has no result to free: its function returns the IoCall itself.
 */

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "task9-thread-private.h"

#define NETPATHLEN 40

struct Ioproc
{
  Task9IOProc *io;
};

typedef struct
{
  long         (*op) (va_list *);
  va_list       *args;
  long           ret;
  int            err;
  gboolean       ran;
  Task9Channel  *done;       /* in a task: the callback's token */
  gint           finished;   /* atomic: the callback has run */
} IoCall;

/* The running call's GCancellable, for op_sleep (on the IOProc's thread). */
static GPrivate call_cancellable;

Ioproc *
ioproc (void)
{
  GError *error = NULL;
  Ioproc *io = g_new0 (Ioproc, 1);

  io->io = task9_ioproc_new ("ioproc", &error);
  if (io->io == NULL)
    g_error ("ioproc: %s", error->message);
  return io;
}

void
closeioproc (Ioproc *io)
{
  if (io == NULL)
    return;

  task9_ioproc_close (io->io);
  g_object_unref (io->io);
  g_free (io);
}

void
iointerrupt (Ioproc *io)
{
  g_return_if_fail (io != NULL);

  task9_ioproc_interrupt (io->io);
}

static gpointer
call_func (gpointer       data,
           GCancellable  *cancellable,
           GError       **error)
{
  IoCall *call = data;

  g_private_set (&call_cancellable, cancellable);
  errno = 0;
  call->ret = call->op (call->args);
  call->err = errno;
  call->ran = TRUE;
  g_private_set (&call_cancellable, NULL);
  return call;
}

static void
call_done (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  IoCall *call = user_data;
  Task9Channel *done = call->done != NULL ? g_object_ref (call->done) : NULL;
  GError *error = NULL;
  int token = 1;

  task9_ioproc_call_finish (TASK9_IOPROC (source), result, &error);
  if (!call->ran)
    {
      /* Never ran: the Ioproc was closed meanwhile. */
      call->ret = -1;
      call->err = g_error_matches (error, TASK9_ERROR, TASK9_ERROR_CLOSED) ? EBADF : EINTR;
    }
  g_clear_error (&error);
  g_atomic_int_set (&call->finished, 1);   /* the last touch: the caller may leave */
  if (done != NULL)
    {
      task9_channel_try_send (done, &token, NULL);
      g_object_unref (done);
    }
}

static long
iocall_va (Ioproc  *io,
           long   (*op) (va_list *),
           va_list *args)
{
  IoCall call = { op, args, -1, 0, FALSE, NULL, 0 };

  if (task9_in_task ())
    {
      int token;

      /* The callback runs on our proc's context, which is thread-default here. */
      call.done = task9_channel_new (sizeof (int), 1);
      task9_ioproc_call_async (io->io, call_func, &call, NULL, NULL, NULL, call_done, &call);
      if (!task9_channel_recv (call.done, &token, NULL))
        while (!g_atomic_int_get (&call.finished))
          if (task9_yield () == 0)
            g_usleep (100);   /* cancelled: poll, letting the proc run the callback */
      g_object_unref (call.done);
    }
  else
    {
      GMainContext *context = g_main_context_new ();

      g_main_context_push_thread_default (context);
      task9_ioproc_call_async (io->io, call_func, &call, NULL, NULL, NULL, call_done, &call);
      while (!g_atomic_int_get (&call.finished))
        g_main_context_iteration (context, TRUE);
      g_main_context_pop_thread_default (context);
      g_main_context_unref (context);
    }

  errno = call.err;
  return call.ret;
}

long
iocall (Ioproc *io,
        long  (*op) (va_list *),
        ...)
{
  va_list args;
  long ret;

  g_return_val_if_fail (io != NULL, -1);
  g_return_val_if_fail (op != NULL, -1);

  va_start (args, op);
  ret = iocall_va (io, op, &args);
  va_end (args);
  return ret;
}

/* ---- the calls ------------------------------------------------------------------------- */

static long
op_read (va_list *args)
{
  int fd = va_arg (*args, int);
  void *a = va_arg (*args, void *);
  long n = va_arg (*args, long);

  return read (fd, a, (size_t) MAX (n, 0));
}

long
ioread (Ioproc *io, int fd, void *a, long n)
{
  return iocall (io, op_read, fd, a, n);
}

static long
op_readn (va_list *args)
{
  int fd = va_arg (*args, int);
  char *a = va_arg (*args, void *);
  long n = va_arg (*args, long);
  long t = 0;

  while (t < n)
    {
      ssize_t m = read (fd, a + t, (size_t) (n - t));

      if (m < 0 && errno == EINTR)
        continue;
      if (m <= 0)
        return t == 0 ? (long) m : t;
      t += m;
    }
  return t;
}

long
ioreadn (Ioproc *io, int fd, void *a, long n)
{
  return iocall (io, op_readn, fd, a, n);
}

static long
op_write (va_list *args)
{
  int fd = va_arg (*args, int);
  void *a = va_arg (*args, void *);
  long n = va_arg (*args, long);

  return write (fd, a, (size_t) MAX (n, 0));
}

long
iowrite (Ioproc *io, int fd, void *a, long n)
{
  return iocall (io, op_write, fd, a, n);
}

static long
op_open (va_list *args)
{
  char *file = va_arg (*args, char *);
  int omode = va_arg (*args, int);

  return open (file, omode, 0666);
}

int
ioopen (Ioproc *io, char *file, int omode)
{
  return (int) iocall (io, op_open, file, omode);
}

static long
op_close (va_list *args)
{
  int fd = va_arg (*args, int);

  return close (fd);
}

int
ioclose (Ioproc *io, int fd)
{
  return (int) iocall (io, op_close, fd);
}

static long
op_sleep (va_list *args)
{
  long n = va_arg (*args, long);
  GCancellable *cancellable = g_private_get (&call_cancellable);
  gint64 end = g_get_monotonic_time () + (gint64) MAX (n, 0) * G_TIME_SPAN_MILLISECOND;
  GPollFD pfd = { -1, G_IO_IN, 0 };
  gboolean have_fd = cancellable != NULL && g_cancellable_make_pollfd (cancellable, &pfd);
  long ret = 0;

  /* Poll on the call's GCancellable: iointerrupt() ends the sleep, by the signal
   * (EINTR) or, if the signal came just before poll(), by the cancellable's fd. */
  for (;;)
    {
      gint64 left = end - g_get_monotonic_time ();
      int r;

      if (left <= 0)
        break;
      r = g_poll (&pfd, have_fd ? 1 : 0, (gint) MIN ((left + 999) / 1000, G_MAXINT));
      if (r != 0 || (cancellable != NULL && g_cancellable_is_cancelled (cancellable)))
        {
          ret = -1;
          break;
        }
    }
  if (have_fd)
    g_cancellable_release_fd (cancellable);
  if (ret < 0)
    errno = EINTR;
  return ret;
}

int
iosleep (Ioproc *io, long n)
{
  return (int) iocall (io, op_sleep, n);
}

/* ---- dial, listen, accept ------------------------------------------------------------------ */

static void
put_dir (char *dir, int fd)
{
  if (dir != NULL)
    snprintf (dir, NETPATHLEN, "/dev/fd/%d", fd);
}

static int
get_dir_fd (const char *dir)
{
  char *end;
  long fd;

  if (dir == NULL || strncmp (dir, "/dev/fd/", 8) != 0)
    return -1;
  fd = strtol (dir + 8, &end, 10);
  if (end == dir + 8 || *end != '\0' || fd < 0 || fd > G_MAXINT)
    return -1;
  return (int) fd;
}

static int
dial_unix (const char *path)
{
  struct sockaddr_un sa;
  int fd, err;

  if (strlen (path) >= sizeof sa.sun_path)
    {
      errno = ENAMETOOLONG;
      return -1;
    }
  memset (&sa, 0, sizeof sa);
  sa.sun_family = AF_UNIX;
  strcpy (sa.sun_path, path);
  fd = socket (AF_UNIX, SOCK_STREAM, 0);
  if (fd < 0)
    return -1;
  if (connect (fd, (struct sockaddr *) &sa, sizeof sa) == 0)
    return fd;
  err = errno;
  close (fd);
  errno = err;
  return -1;
}

/* Plan 9 dial strings: [net!]host!service, net being tcp (or net), udp or unix. */
static int
dial_string (const char *addr)
{
  g_auto(GStrv) parts = g_strsplit (addr, "!", 3);
  const char *net, *host, *service;
  struct addrinfo hints, *res = NULL;
  int fd = -1, err = ECONNREFUSED, r;

  switch (g_strv_length (parts))
    {
    case 3:
      net = parts[0], host = parts[1], service = parts[2];
      break;
    case 2:
      if (strcmp (parts[0], "unix") == 0)
        return dial_unix (parts[1]);
      net = "tcp", host = parts[0], service = parts[1];
      break;
    default:
      errno = EINVAL;
      return -1;
    }

  if (strcmp (net, "unix") == 0)
    {
      g_autofree char *path = g_strconcat (host, "!", service, NULL);

      return dial_unix (path);
    }

  memset (&hints, 0, sizeof hints);
  hints.ai_family = AF_UNSPEC;
  if (strcmp (net, "tcp") == 0 || strcmp (net, "net") == 0)
    hints.ai_socktype = SOCK_STREAM;
  else if (strcmp (net, "udp") == 0)
    hints.ai_socktype = SOCK_DGRAM;
  else
    {
      errno = EPROTONOSUPPORT;
      return -1;
    }

  r = getaddrinfo (host, service, &hints, &res);
  if (r != 0)
    {
      errno = r == EAI_SYSTEM ? errno : EHOSTUNREACH;
      return -1;
    }
  for (struct addrinfo *ai = res; ai != NULL; ai = ai->ai_next)
    {
      fd = socket (ai->ai_family, ai->ai_socktype, ai->ai_protocol);
      if (fd < 0)
        {
          err = errno;
          continue;
        }
      if (connect (fd, ai->ai_addr, ai->ai_addrlen) == 0)
        break;
      err = errno;
      close (fd);
      fd = -1;
    }
  freeaddrinfo (res);
  if (fd < 0)
    errno = err;
  return fd;
}

static long
op_dial (va_list *args)
{
  char *addr = va_arg (*args, char *);
  char *dir = va_arg (*args, char *);
  int fd = dial_string (addr);

  if (fd >= 0)
    put_dir (dir, fd);
  return fd;
}

int
iodial (Ioproc *io, char *addr, char *local, char *dir, int *cdfp)
{
  g_return_val_if_fail (addr != NULL, -1);

  if (local != NULL)
    g_warning ("iodial: the local address is not supported and was ignored");
  if (cdfp != NULL)
    *cdfp = -1;
  return (int) iocall (io, op_dial, addr, dir);
}

static long
op_listen (va_list *args)
{
  char *dir = va_arg (*args, char *);
  char *newdir = va_arg (*args, char *);
  int fd = get_dir_fd (dir);

  if (fd < 0)
    {
      errno = EINVAL;
      return -1;
    }
  do
    fd = accept (fd, NULL, NULL);
  while (fd < 0 && errno == EINTR);
  if (fd >= 0)
    put_dir (newdir, fd);
  return fd;
}

int
iolisten (Ioproc *io, char *dir, char *newdir)
{
  return (int) iocall (io, op_listen, dir, newdir);
}

static long
op_accept (va_list *args)
{
  int ctl = va_arg (*args, int);
  char *dir = va_arg (*args, char *);
  int fd = get_dir_fd (dir);

  if (fd < 0)
    fd = ctl;
  return dup (fd);
}

int
ioaccept (Ioproc *io, int ctl, char *dir)
{
  return (int) iocall (io, op_accept, ctl, dir);
}
