/* offload.c: doc/sync.md's "Offload" example: a computation on the worker pool while the
 * proc runs another task, and a blocking read(2) on an IOProc, with a deadline
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <errno.h>
#include <stdio.h>
#include <unistd.h>

#include <task9.h>

static guint64
fib (guint n)
{
  return n < 2 ? n : fib (n - 1) + fib (n - 2);
}

/* Runs on a worker thread: no task calls here. */
static gpointer
fib_in_thread (gpointer      data,
               GCancellable *cancellable,
               GError      **error)
{
  guint64 *result = g_new (guint64, 1);

  *result = fib (GPOINTER_TO_UINT (data));
  return result;
}

static gint done;
static guint ticks;

/* Another task of the same proc: it runs while the main task waits for fib(). */
static gpointer
ticker (gpointer data, GError **error)
{
  while (!g_atomic_int_get (&done))
    {
      ticks++;
      task9_yield ();
    }
  return NULL;
}

typedef struct
{
  int  fd;
  char buf[32];
} Read;

/* Runs on the IOProc's thread: a plain blocking read(2). */
static gpointer
blocking_read (gpointer      data,
               GCancellable *cancellable,
               GError      **error)
{
  Read *r = data;
  ssize_t n = read (r->fd, r->buf, sizeof r->buf - 1);

  if (n < 0)
    {
      int saved = errno;

      /* Interrupted (EINTR) because our caller gave up: say so. */
      if (!g_cancellable_set_error_if_cancelled (cancellable, error))
        g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "read: %s",
                     g_strerror (saved));
      return NULL;
    }
  r->buf[n] = '\0';
  return r->buf;   /* part of @data: nothing to free */
}

static int
main_func (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(Task9Task) other = task9_task_spawn ("ticker", ticker, NULL, NULL, NULL);
  g_autoptr(Task9IOProc) io = NULL;
  guint64 *fib30;
  Read quiet = { -1, "" }, r = { -1, "" };
  const char *line;
  int q[2], p[2];

  /* 1. A long computation on the worker pool; this proc runs "ticker" meanwhile. */
  fib30 = task9_run_in_thread (fib_in_thread, GUINT_TO_POINTER (30), NULL, g_free,
                               -1, NULL, &error);
  g_atomic_int_set (&done, 1);
  task9_task_join (other, -1, NULL);
  if (fib30 == NULL)
    return 1;
  /* How often depends on the machine (and is 0 if this thread got no CPU meanwhile). */
  printf ("fib(30) = %" G_GUINT64_FORMAT "; the other task ticked %u times meanwhile\n",
          *fib30, ticks);
  g_free (fib30);

  /* 2. Blocking reads on an IOProc: first on a pipe nobody writes to, with a deadline,
   *    which interrupts the read; then on another pipe, with data. (Not the same pipe:
   *    the interrupted read may still be running when its caller has given up, and it
   *    would take the data if some came in time.) */
  if (pipe (q) != 0 || pipe (p) != 0 || (io = task9_ioproc_new ("reader", &error)) == NULL)
    return 1;
  quiet.fd = q[0];
  r.fd = p[0];
  line = task9_ioproc_call (io, blocking_read, &quiet, NULL, NULL, 100 * G_TIME_SPAN_MILLISECOND,
                            NULL, &error);
  printf ("first read: %s\n", line != NULL ? line : error->message);
  if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    return 1;
  g_clear_error (&error);

  if (write (p[1], "hello", 5) != 5)
    return 1;
  line = task9_ioproc_call (io, blocking_read, &r, NULL, NULL, -1, NULL, &error);
  printf ("second read: %s\n", line != NULL ? line : error->message);
  task9_ioproc_close (io);
  close (q[0]);
  close (q[1]);
  close (p[0]);
  close (p[1]);
  return line != NULL && g_str_equal (line, "hello") ? 0 : 1;
}

int
main (int argc, char **argv)
{
  return task9_main (argc, argv, main_func);
}
