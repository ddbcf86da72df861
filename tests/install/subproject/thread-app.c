/* thread-app.c: a libthread program of a project that has libtask9-glib as a subproject. */

#include <task9/thread.h>
#include <stdio.h>

static void
pong (void *arg)
{
  sendul (arg, 42);
}

void
threadmain (int argc, char *argv[])
{
  Channel *c = chancreate (sizeof (unsigned long), 0);

  threadcreate (pong, c, 0);
  printf ("received %lu\n", recvul (c));
  threadexitsall (NULL);
}
