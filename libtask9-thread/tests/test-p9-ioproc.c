/* test-p9-ioproc.c: ioproc(3): ioread from a pipe written later (the caller's proc keeps
 * running), iosleep, iointerrupt (also of a read blocked in the kernel), ioreadn, ioopen/iowrite/ioclose, errno, iocall,
 * iodial/iolisten/ioaccept, a cancelled caller, and the deadlock detector left alone
 * while a call blocks
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdlib.h>
#include <unistd.h>

#include "p9test.h"

typedef struct
{
  Ioproc  *io;
  int      fd;
  Channel *result;   /* longs, as unsigned long */
  char     buf[64];
} ReadArg;

static void
read_thread (void *arg)
{
  ReadArg *r = arg;
  long n = ioread (r->io, r->fd, r->buf, sizeof r->buf - 1);

  if (n >= 0)
    r->buf[n] = '\0';
  sendul (r->result, (unsigned long) n);
}

/* ---- ioread: the reader waits, its proc does not ------------------------------------------ */

static void
test_ioread_later (void)
{
  ReadArg r = { ioproc (), -1, chancreate (sizeof (unsigned long), 0), "" };
  int p[2];
  int id, spins = 0;

  CHECK_EQ (pipe (p), 0);
  r.fd = p[0];

  /* Same proc as us: if ioread blocked the proc, we would never run again. */
  id = threadcreate (read_thread, &r, 0);
  p9_wait_blocked (id);
  for (int i = 0; i < 10; i++, spins++)
    yield ();
  CHECK_EQ (spins, 10);
  CHECK_EQ (write (p[1], "hello", 5), 5);
  CHECK_EQ ((long) recvul (r.result), 5);
  CHECK_EQ (strcmp (r.buf, "hello"), 0);

  close (p[0]);
  close (p[1]);
  closeioproc (r.io);
  chanfree (r.result);
}

/* The whole program is parked (every task blocked) while the call blocks in read(2), and
 * the data comes from a thread that is not a task: that is not a deadlock. */
typedef struct
{
  int id;
  int fd;
} LateWriter;

static gpointer
late_writer (gpointer data)
{
  LateWriter *w = data;

  for (;;)
    {
      Task9Task *task = p9_find_task (w->id);
      gboolean blocked = task != NULL && task9_task_get_state (task) == TASK9_TASK_STATE_BLOCKED;

      if (task != NULL)
        task9_task_unref (task);
      if (blocked)
        break;
      sched_yield ();
    }
  if (write (w->fd, "late", 4) != 4)
    abort ();
  return NULL;
}

static void
test_not_a_deadlock (void)
{
  ReadArg r = { ioproc (), -1, chancreate (sizeof (unsigned long), 0), "" };
  LateWriter w;
  GThread *thread;
  int p[2];

  CHECK_EQ (pipe (p), 0);
  r.fd = p[0];
  w.id = proccreate (read_thread, &r, 0);
  w.fd = p[1];
  thread = g_thread_new ("late-writer", late_writer, &w);
  CHECK_EQ ((long) recvul (r.result), 4);
  CHECK_EQ (strcmp (r.buf, "late"), 0);
  g_thread_join (thread);

  close (p[0]);
  close (p[1]);
  closeioproc (r.io);
  chanfree (r.result);
}

/* ---- iosleep and iointerrupt -------------------------------------------------------------- */

typedef struct
{
  Ioproc  *io;
  long     ms;
  Channel *result;
  int      err;
  gint64   elapsed;
} SleepArg;

static void
sleep_thread (void *arg)
{
  SleepArg *s = arg;
  gint64 start = g_get_monotonic_time ();
  int r = iosleep (s->io, s->ms);

  s->err = errno;
  s->elapsed = g_get_monotonic_time () - start;
  sendul (s->result, (unsigned long) (long) r);
}

static void
test_iosleep (void)
{
  SleepArg s = { ioproc (), 50, chancreate (sizeof (unsigned long), 1), 0, 0 };
  unsigned long r;
  int spins = 0;

  threadcreate (sleep_thread, &s, 0);
  /* While it sleeps, this proc runs us. */
  while (nbrecv (s.result, &r) == 0)
    {
      spins++;
      yield ();
    }
  CHECK_EQ ((long) r, 0);
  CHECK (s.elapsed >= 50 * G_TIME_SPAN_MILLISECOND);
  CHECK (spins > 1);
  closeioproc (s.io);
  chanfree (s.result);
}

static void
test_iointerrupt (void)
{
  /* A sleep far longer than the test's timeout: only iointerrupt ends it. */
  SleepArg s = { ioproc (), 1000L * 1000 * 1000, chancreate (sizeof (unsigned long), 0), 0, 0 };
  int id;

  id = proccreate (sleep_thread, &s, 0);
  p9_wait_blocked (id);
  iointerrupt (s.io);
  CHECK_EQ ((long) recvul (s.result), -1);
  CHECK_EQ (s.err, EINTR);

  /* The Ioproc works on after an interrupted call. */
  s.ms = 1;
  threadcreate (sleep_thread, &s, 0);
  CHECK_EQ ((long) recvul (s.result), 0);
  iointerrupt (s.io);   /* nothing in progress: a no-op */
  closeioproc (s.io);
  chanfree (s.result);
}

/* A read(2) blocked on a quiet pipe is interrupted too (the manual's iointerrupt). */
static void
test_iointerrupt_read (void)
{
  ReadArg r = { ioproc (), -1, chancreate (sizeof (unsigned long), 0), "" };
  int p[2];
  int id;

  CHECK_EQ (pipe (p), 0);
  r.fd = p[0];
  id = proccreate (read_thread, &r, 0);
  p9_wait_blocked (id);
  iointerrupt (r.io);
  CHECK_EQ ((long) recvul (r.result), -1);

  close (p[0]);
  close (p[1]);
  closeioproc (r.io);
  chanfree (r.result);
}

/* ---- ioreadn, files, errno ---------------------------------------------------------------- */

typedef struct
{
  Ioproc  *io;
  int      fd;
  long     want;
  Channel *result;
  char     buf[32];
} ReadnArg;

static void
readn_thread (void *arg)
{
  ReadnArg *r = arg;

  sendul (r->result, (unsigned long) ioreadn (r->io, r->fd, r->buf, r->want));
}

static void
test_ioreadn (void)
{
  ReadnArg r = { ioproc (), -1, 9, chancreate (sizeof (unsigned long), 0), "" };
  int p[2];
  int id;

  CHECK_EQ (pipe (p), 0);
  r.fd = p[0];
  id = threadcreate (readn_thread, &r, 0);
  p9_wait_blocked (id);
  /* Three writes; the reader keeps reading until it has all nine bytes. */
  CHECK_EQ (write (p[1], "abc", 3), 3);
  yield ();
  CHECK_EQ (write (p[1], "def", 3), 3);
  yield ();
  CHECK_EQ (write (p[1], "ghi", 3), 3);
  CHECK_EQ ((long) recvul (r.result), 9);
  CHECK_EQ (memcmp (r.buf, "abcdefghi", 9), 0);

  /* End of file stops it short. */
  r.want = 8;
  CHECK_EQ (write (p[1], "xy", 2), 2);
  close (p[1]);
  threadcreate (readn_thread, &r, 0);
  CHECK_EQ ((long) recvul (r.result), 2);
  CHECK_EQ (memcmp (r.buf, "xy", 2), 0);
  threadcreate (readn_thread, &r, 0);
  CHECK_EQ ((long) recvul (r.result), 0);

  close (p[0]);
  closeioproc (r.io);
  chanfree (r.result);
}

static void
test_files (void)
{
  Ioproc *io = ioproc ();
  char *path = g_build_filename (g_get_tmp_dir (), "test-p9-ioproc-XXXXXX", NULL);
  int fd = g_mkstemp (path);
  char buf[16] = "";

  CHECK (fd >= 0);
  close (fd);

  fd = ioopen (io, path, O_WRONLY | O_TRUNC);
  CHECK (fd >= 0);
  CHECK_EQ (iowrite (io, fd, "plan 9", 6), 6);
  CHECK_EQ (ioclose (io, fd), 0);

  fd = ioopen (io, path, O_RDONLY);
  CHECK (fd >= 0);
  CHECK_EQ (ioread (io, fd, buf, sizeof buf), 6);
  CHECK_EQ (memcmp (buf, "plan 9", 6), 0);
  CHECK_EQ (ioread (io, fd, buf, sizeof buf), 0);
  CHECK_EQ (ioclose (io, fd), 0);

  /* Failures come back with the call's errno. */
  errno = 0;
  CHECK_EQ (ioread (io, -1, buf, sizeof buf), -1);
  CHECK_EQ (errno, EBADF);
  errno = 0;
  CHECK_EQ (ioclose (io, fd), -1);
  CHECK_EQ (errno, EBADF);
  unlink (path);
  errno = 0;
  CHECK_EQ (ioopen (io, path, O_RDONLY), -1);
  CHECK_EQ (errno, ENOENT);

  g_free (path);
  closeioproc (io);
}

/* ---- iocall -------------------------------------------------------------------------------- */

static long
sum_and_where (va_list *args)
{
  int a = va_arg (*args, int);
  long b = va_arg (*args, long);
  GThread **where = va_arg (*args, GThread **);

  *where = g_thread_self ();
  errno = EDOM;
  return a + b;
}

static void
test_iocall (void)
{
  Ioproc *io = ioproc ();
  GThread *where = NULL;

  errno = 0;
  CHECK_EQ (iocall (io, sum_and_where, 40, 2L, &where), 42);
  CHECK_EQ (errno, EDOM);
  CHECK (where != NULL && where != g_thread_self ());
  closeioproc (io);
}

/* ---- dial, listen, accept ----------------------------------------------------------------- */

typedef struct
{
  Ioproc  *io;
  char     dir[40];
  Channel *done;
} Server;

static void
server (void *arg)
{
  Server *s = arg;
  char newdir[40], buf[16];
  int ctl, data;
  long n;

  ctl = iolisten (s->io, s->dir, newdir);
  CHECK (ctl >= 0);
  CHECK (strncmp (newdir, "/dev/fd/", 8) == 0);
  data = ioaccept (s->io, ctl, newdir);
  CHECK (data >= 0 && data != ctl);
  close (ctl);
  n = ioread (s->io, data, buf, sizeof buf);
  CHECK_EQ (n, 4);
  CHECK_EQ (memcmp (buf, "ping", 4), 0);
  CHECK_EQ (iowrite (s->io, data, "pong", 4), 4);
  CHECK_EQ (ioclose (s->io, data), 0);
  sendul (s->done, 1);
}

static void
test_dial (void)
{
  Server s = { ioproc (), "", chancreate (sizeof (unsigned long), 0) };
  Ioproc *io = ioproc ();
  struct sockaddr_in sa;
  socklen_t len = sizeof sa;
  char addr[64], dir[40] = "", buf[16];
  int ls, fd, cfd = 0;

  ls = socket (AF_INET, SOCK_STREAM, 0);
  memset (&sa, 0, sizeof sa);
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  CHECK_EQ (bind (ls, (struct sockaddr *) &sa, sizeof sa), 0);
  CHECK_EQ (listen (ls, 4), 0);
  CHECK_EQ (getsockname (ls, (struct sockaddr *) &sa, &len), 0);
  snprintf (s.dir, sizeof s.dir, "/dev/fd/%d", ls);
  snprintf (addr, sizeof addr, "tcp!127.0.0.1!%d", ntohs (sa.sin_port));

  proccreate (server, &s, 0);
  fd = iodial (io, addr, nil, dir, &cfd);
  CHECK (fd >= 0);
  CHECK_EQ (cfd, -1);
  CHECK (strncmp (dir, "/dev/fd/", 8) == 0);
  CHECK_EQ (iowrite (io, fd, "ping", 4), 4);
  CHECK_EQ (ioreadn (io, fd, buf, 4), 4);
  CHECK_EQ (memcmp (buf, "pong", 4), 0);
  CHECK_EQ (ioclose (io, fd), 0);
  recvul (s.done);
  close (ls);

  /* Nobody listens there now. */
  errno = 0;
  CHECK_EQ (iodial (io, addr, nil, nil, nil), -1);
  CHECK_EQ (errno, ECONNREFUSED);
  errno = 0;
  CHECK_EQ (iodial (io, "no-bangs", nil, nil, nil), -1);
  CHECK_EQ (errno, EINVAL);
  errno = 0;
  CHECK_EQ (iolisten (io, "/not/a/fd", buf), -1);
  CHECK_EQ (errno, EINVAL);

  closeioproc (io);
  closeioproc (s.io);
  chanfree (s.done);
}

/* ---- a cancelled caller still waits for its call --------------------------------------------- */

static void
test_cancelled_caller (void)
{
  ReadArg r = { ioproc (), -1, chancreate (sizeof (unsigned long), 1), "" };
  Task9Task *task;
  int p[2];
  int id;

  CHECK_EQ (pipe (p), 0);
  r.fd = p[0];
  id = proccreate (read_thread, &r, 0);
  p9_wait_blocked (id);
  task = p9_find_task (id);
  task9_task_cancel (task);
  task9_task_unref (task);
  /* The read still owns r.buf: the caller cannot leave before it ends. */
  CHECK_EQ (write (p[1], "done", 4), 4);
  /* The thread was cancelled: its send fails at once, but the buffered channel has room. */
  p9_wait_gone (id);
  CHECK_EQ (nbrecv (r.result, nil), 1);
  CHECK_EQ (strcmp (r.buf, "done"), 0);

  close (p[0]);
  close (p[1]);
  closeioproc (r.io);
  chanfree (r.result);
}

void
threadmain (int argc, char *argv[])
{
  test_ioread_later ();
  test_not_a_deadlock ();
  test_iosleep ();
  test_iointerrupt ();
  test_iointerrupt_read ();
  test_ioreadn ();
  test_files ();
  test_iocall ();
  test_dial ();
  test_cancelled_caller ();
  p9_finish ();
}
