/* p9-exit.c: a Plan 9 program whose ending test-p9-exit checks, one way per argument
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 *   return       threadmain returns while a thread of another proc is still at work;
 *                that thread prints "after main" once threadmain's task has ended;
 *                status 0
 *   exits-fail   threadmain ends with threadexits("fail"): status 1
 *   last-wins    threadmain exits with "fail", then the main proc's last thread exits
 *                with nil: status 0 (the last thread of the main proc decides)
 *   last-fails   the other way round: status 1
 *   exitsall     a thread of another proc calls threadexitsall("boom") while threadmain
 *                is blocked for ever: status 1, at once
 *   exitsall-ok  the same with threadexitsall(nil): status 0
 *   deadlock     every thread blocked for ever: task9_main()'s deadlock report, status 2
 */

#include <stdio.h>
#include <string.h>
#include <task9/thread.h>

/* threadexitsall() does not unwind blocked threads: what they hold is not a leak. */
static int lsan_off;
int __lsan_is_turned_off (void);
int
__lsan_is_turned_off (void)
{
  return lsan_off;
}

static int main_id;

static void
after_main (void *arg)
{
  Task9Task *main_task = arg;

  /* Wait for threadmain's task to end; a library that exited the process at that point
   * would never get here. */
  task9_task_join (main_task, -1, NULL);
  task9_task_unref (main_task);
  printf ("after main\n");
  fflush (stdout);
}

static void
exits_with (void *arg)
{
  threadexits (arg);
}

static void
exit_all (void *arg)
{
  lsan_off = 1;
  threadexitsall (arg);
}

void
threadmain (int argc, char *argv[])
{
  const char *mode = argc > 1 ? argv[1] : "";
  Channel *never = chancreate (sizeof (int), 0);

  main_id = threadid ();
  if (strcmp (mode, "return") == 0)
    {
      proccreate (after_main, task9_task_ref (task9_task_self ()), 0);
      chanfree (never);
      return;
    }
  if (strcmp (mode, "exits-fail") == 0)
    {
      chanfree (never);
      threadexits ("fail");
    }
  if (strcmp (mode, "last-wins") == 0 || strcmp (mode, "last-fails") == 0)
    {
      int fails = strcmp (mode, "last-fails") == 0;

      /* Runs once threadmain has exited. */
      threadcreate (exits_with, fails ? "fail" : nil, 0);
      chanfree (never);
      threadexits (fails ? nil : "fail");
    }
  if (strcmp (mode, "exitsall") == 0 || strcmp (mode, "exitsall-ok") == 0)
    {
      proccreate (exit_all, strcmp (mode, "exitsall") == 0 ? "boom" : nil, 0);
      lsan_off = 1;
      recv (never, nil);
      printf ("not reached\n");
      return;
    }
  if (strcmp (mode, "deadlock") == 0)
    {
      lsan_off = 1;
      recv (never, nil);
      return;
    }
  fprintf (stderr, "p9-exit: unknown mode '%s'\n", mode);
  chanfree (never);
  threadexits ("usage");
}
