/* p9-sieve.c: the concurrent prime sieve, written as a plan9port libthread program
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Ported by replacing <u.h>, <libc.h> and <thread.h> with <task9/thread.h> (and the C
 * headers the program needs). Built by test-p9-cc with
 *
 *     cc p9-sieve.c $(pkg-config --cflags --libs task9-thread-1)
 *
 * and by meson like the other tests. It prints the primes below 100.
 */

#include <stdio.h>
#include <stdlib.h>
#include <task9/thread.h>
#include <sys/socket.h>   /* after thread.h: send and recv stay the channel calls */

int mainstacksize = 64 * 1024;

static QLock printlock;

/* Sends 2, 3, ... 99 and then 0, which ends the pipeline. */
static void
generate (void *arg)
{
  Channel *c = arg;

  threadsetname ("generate");
  for (unsigned long i = 2; i < 100; i++)
    sendul (c, i);
  sendul (c, 0);
}

typedef struct
{
  Channel       *in;
  Channel       *out;
  unsigned long  prime;
} Filter;

static void
filter (void *arg)
{
  Filter *f = arg;
  unsigned long i;

  threadsetname ("filter %lu", f->prime);
  while ((i = recvul (f->in)) != 0)
    if (i % f->prime != 0)
      sendul (f->out, i);
  sendul (f->out, 0);
  chanfree (f->in);
  free (f);
}

void
threadmain (int argc, char *argv[])
{
  Channel *c = chancreate (sizeof (unsigned long), 0);
  Channel *none = chancreate (sizeof (int), 0);
  unsigned long prime;
  int n = 0;
  Alt a[] = { { none, nil, CHANRCV }, { nil, nil, CHANNOBLK } };

  /* Nobody sends on none: alt with CHANNOBLK does not wait. */
  if (alt (a) != 1)
    threadexits ("alt");

  proccreate (generate, c, 8192);
  qlock (&printlock);
  printf ("primes:");
  while ((prime = recvul (c)) != 0)
    {
      Filter *f = malloc (sizeof *f);

      printf (" %lu", prime);
      n++;
      f->in = c;
      f->out = c = chancreate (sizeof (unsigned long), 0);
      f->prime = prime;
      threadcreate (filter, f, 8192);
    }
  printf ("\n");
  qunlock (&printlock);
  chanfree (c);
  chanfree (none);
  threadexits (n == 25 ? nil : "wrong count");
}
