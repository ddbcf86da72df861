/* sieve-thread.c: the prime sieve as a Plan 9 libthread program (<task9/thread.h>)
 *
 *   sieve-thread [N]          the first N primes (default 10)
 *
 * The program of the Plan 9 papers, ported by changing its includes. Build with
 *   cc sieve-thread.c $(pkg-config --cflags --libs task9-thread-1)
 */

#include <stdio.h>
#include <stdlib.h>
#include <task9/thread.h>

static void
generate (void *arg)
{
  Channel *c = arg;

  for (unsigned long i = 2;; i++)
    sendul (c, i);
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

  for (;;)
    if ((i = recvul (f->in)) % f->prime != 0)
      sendul (f->out, i);
}

void
threadmain (int argc, char *argv[])
{
  int n = argc > 1 ? atoi (argv[1]) : 10;
  Channel *c = chancreate (sizeof (unsigned long), 0);

  threadcreate (generate, c, 8192);
  for (int i = 0; i < n; i++)
    {
      Filter *f = malloc (sizeof *f);

      f->prime = recvul (c);
      printf ("%lu\n", f->prime);
      f->in = c;
      f->out = c = chancreate (sizeof (unsigned long), 0);
      threadcreate (filter, f, 8192);
    }
  fflush (stdout);
  threadexitsall (nil);   /* the filters never end: stop them all */
}
