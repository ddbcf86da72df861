/* consumer-thread.c: a Plan 9 libthread program built against an installed
 * libtask9-thread (tests/install/), with `cc consumer-thread.c $(pkg-config --cflags
 * --libs task9-thread-1)`: threadmain, proccreate, a buffered channel. */

#include <task9/thread.h>
#include <stdio.h>

static void
squares (void *arg)
{
  Channel *c = arg;

  for (unsigned long i = 1; i <= 4; i++)
    sendul (c, i * i);
  sendul (c, 0);
}

void
threadmain (int argc, char *argv[])
{
  Channel *c = chancreate (sizeof (unsigned long), 2);
  unsigned long v, sum = 0;

  proccreate (squares, c, 0);
  while ((v = recvul (c)) != 0)
    sum += v;
  printf ("sum of squares: %lu\n", sum);
  threadexitsall (sum == 30 ? NULL : "wrong sum");
}
