/* echo-client.c: the load client of the echo benchmarks (echo_rps_1k, echo_rps_10k)
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Usage: task9-echo-client HOST PORT CONNECTIONS SECONDS [SIZE]
 *
 * Plain C and epoll, no library of ours, so that it loads every server the same way:
 * opens CONNECTIONS persistent connections, then runs a closed loop on each (send a
 * SIZE-byte message, 64 by default; wait for all of it to come back; send the next)
 * for SECONDS, and prints
 *
 *     messages_per_s <rate>
 *     errors <count>
 *
 * A message counts once its whole echo has arrived; an echo that differs from what was
 * sent, a connection that fails or closes, is an error. Raises its own RLIMIT_NOFILE.
 */

#define _GNU_SOURCE 1
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

typedef struct
{
  int    fd;
  size_t got;        /* bytes of the current echo received */
  unsigned seq;      /* the current message's number */
} Conn;

static size_t size = 64;
static unsigned long errors;

static double
now_s (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
message (unsigned seq, char *buf)
{
  for (size_t i = 0; i < size; i++)
    buf[i] = (char) ('a' + (seq + i) % 26);
}

static int
send_message (Conn *c)
{
  char buf[65536];

  message (c->seq, buf);
  c->got = 0;
  /* A fresh connection has room for far more than one small message. */
  return send (c->fd, buf, size, MSG_NOSIGNAL) == (ssize_t) size ? 0 : -1;
}

int
main (int argc, char **argv)
{
  struct addrinfo hints = { 0 }, *ai;
  struct rlimit rl;
  struct epoll_event *events;
  Conn *conns;
  int epfd, n_conns;
  double seconds, start, end;
  unsigned long done = 0;

  if (argc < 5)
    {
      fprintf (stderr, "usage: %s HOST PORT CONNECTIONS SECONDS [SIZE]\n", argv[0]);
      return 2;
    }
  n_conns = atoi (argv[3]);
  seconds = atof (argv[4]);
  if (argc > 5)
    size = strtoul (argv[5], NULL, 10);
  if (n_conns <= 0 || seconds <= 0 || size == 0 || size > 65536)
    return 2;

  if (getrlimit (RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max)
    {
      rl.rlim_cur = rl.rlim_max;
      setrlimit (RLIMIT_NOFILE, &rl);
    }

  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  if (getaddrinfo (argv[1], argv[2], &hints, &ai) != 0)
    {
      fprintf (stderr, "echo-client: cannot resolve %s\n", argv[1]);
      return 1;
    }

  epfd = epoll_create1 (EPOLL_CLOEXEC);
  conns = calloc (n_conns, sizeof (Conn));
  events = calloc (1024, sizeof (struct epoll_event));
  for (int i = 0; i < n_conns; i++)
    {
      struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &conns[i] };
      int one = 1;

      /* Blocking connects: the backlog may be shorter than CONNECTIONS, and the
       * server accepts while we go on. */
      conns[i].fd = socket (ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
      if (conns[i].fd < 0 || connect (conns[i].fd, ai->ai_addr, ai->ai_addrlen) < 0)
        {
          fprintf (stderr, "echo-client: connection %d: %s\n", i, strerror (errno));
          return 1;
        }
      setsockopt (conns[i].fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      epoll_ctl (epfd, EPOLL_CTL_ADD, conns[i].fd, &ev);
    }

  start = now_s ();
  end = start + seconds;
  for (int i = 0; i < n_conns; i++)
    if (send_message (&conns[i]) < 0)
      errors++;

  while (now_s () < end)
    {
      int n = epoll_wait (epfd, events, 1024, 100);

      for (int e = 0; e < n; e++)
        {
          Conn *c = events[e].data.ptr;
          char buf[65536], want[65536];
          ssize_t r = recv (c->fd, buf, size - c->got, MSG_DONTWAIT);

          if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            continue;
          if (r <= 0)
            {
              errors++;
              epoll_ctl (epfd, EPOLL_CTL_DEL, c->fd, NULL);
              continue;
            }
          message (c->seq, want);
          if (memcmp (buf, want + c->got, r) != 0)
            errors++;
          c->got += r;
          if (c->got == size)
            {
              done++;
              c->seq++;
              if (send_message (c) < 0)
                errors++;
            }
        }
    }

  printf ("messages_per_s %.1f\nerrors %lu\n", done / (now_s () - start), errors);
  fflush (stdout);
  for (int i = 0; i < n_conns; i++)
    close (conns[i].fd);
  freeaddrinfo (ai);
  return errors == 0 ? 0 : 1;
}
