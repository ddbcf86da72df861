/* task9-thread-ioproc.c: ioproc(3), slave procs for blocking calls
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * An Ioproc is a Task9Proc of its own. iocall() spawns a short task on it that runs the
 * call, blocking that proc's thread (nothing else runs there), and joins the task:
 * only the calling thread waits, its proc runs its other threads meanwhile. While the
 * call blocks, the Ioproc's thread is in the system call, not idle in poll(), so
 * task9_main()'s deadlock detector sees that something may still wake the caller.
 * An idle Ioproc has no task and keeps no program alive.
 *
 * Invariants:
 * - The call's arguments, including the va_list, stay on the caller's stack until the
 *   call task has finished: the caller waits for that even when it is cancelled.
 * - io->current is the call task in progress (a reference), for iointerrupt().
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
  Task9Proc *proc;
  GMutex     lock;
  Task9Task *current;
};

typedef struct
{
  long    (*op) (va_list *);
  va_list  *args;
  long      ret;
  int       err;
} IoCall;

Ioproc *
ioproc (void)
{
  GError *error = NULL;
  Ioproc *io = g_new0 (Ioproc, 1);

  io->proc = task9_proc_new ("ioproc", &error);
  if (io->proc == NULL)
    g_error ("ioproc: %s", error->message);
  g_mutex_init (&io->lock);
  return io;
}

void
closeioproc (Ioproc *io)
{
  if (io == NULL)
    return;

  g_mutex_lock (&io->lock);
  if (io->current != NULL)
    g_critical ("closeioproc: a call is still in progress");
  g_mutex_unlock (&io->lock);

  task9_proc_stop (io->proc);
  task9_thread_reap_proc (io->proc);   /* takes our reference */
  g_mutex_clear (&io->lock);
  g_free (io);
}

void
iointerrupt (Ioproc *io)
{
  g_return_if_fail (io != NULL);

  g_mutex_lock (&io->lock);
  if (io->current != NULL)
    task9_task_cancel (io->current);
  g_mutex_unlock (&io->lock);
}

static gpointer
call_task (gpointer  user_data,
           GError  **error)
{
  IoCall *call = user_data;

  errno = 0;
  call->ret = call->op (call->args);
  call->err = errno;
  return NULL;
}

static long
iocall_va (Ioproc  *io,
           long   (*op) (va_list *),
           va_list *args)
{
  IoCall call = { op, args, -1, 0 };
  GError *error = NULL;
  Task9Task *task;

  task = task9_task_spawn_full (io->proc, "iocall", 0, call_task, &call, NULL, &error);
  if (task == NULL)
    {
      g_warning ("iocall: %s", error->message);
      g_error_free (error);
      errno = EAGAIN;
      return -1;
    }

  g_mutex_lock (&io->lock);
  io->current = task;
  g_mutex_unlock (&io->lock);

  task9_thread_wait_finished (task);

  g_mutex_lock (&io->lock);
  io->current = NULL;
  g_mutex_unlock (&io->lock);
  task9_task_unref (task);

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
  GError *error = NULL;

  /* A task9 sleep on the Ioproc's proc: its thread sleeps in poll() with a timeout, and
   * iointerrupt() can end it by cancelling the call's task. */
  if (task9_sleep ((GTimeSpan) MAX (n, 0) * G_TIME_SPAN_MILLISECOND, &error))
    return 0;
  g_error_free (error);
  errno = EINTR;
  return -1;
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
