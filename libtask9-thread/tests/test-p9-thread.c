/* test-p9-thread.c: threads and procs of thread(3): threadcreate, proccreate, threadid,
 * names, threaddata, procdata, yield's count, stack sizes, threadexits, a proc ending
 * with its last thread
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "p9test.h"

/* The manual's way to size threadmain's stack. */
int mainstacksize = 1024 * 1024;

/* ---- ids --------------------------------------------------------------------------- */

static void
report_id (void *arg)
{
  sendul (arg, (unsigned long) threadid ());
}

static void
test_ids (void)
{
  Channel *c = chancreate (sizeof (unsigned long), 2);
  int a = threadcreate (report_id, c, 0);
  int b = threadcreate (report_id, c, 0);
  int p = proccreate (report_id, c, 0);
  unsigned long got[3];

  CHECK (threadid () > 0);
  CHECK (a > 0 && b > 0 && p > 0);
  CHECK (a != b && a != p && b != p && a != threadid ());
  for (int i = 0; i < 3; i++)
    got[i] = recvul (c);
  /* Each thread's threadid() is what its creator was given. */
  for (int i = 0; i < 3; i++)
    CHECK ((int) got[i] == a || (int) got[i] == b || (int) got[i] == p);
  CHECK (got[0] != got[1] && got[1] != got[2] && got[0] != got[2]);
  chanfree (c);
}

/* ---- yield's count ---------------------------------------------------------------- */

static int ran;

static void
just_run (void *arg)
{
  ran++;
}

static void
test_yield (void)
{
  /* Nobody else is ready on this proc. */
  CHECK_EQ (yield (), 0);

  ran = 0;
  threadcreate (just_run, nil, 0);
  threadcreate (just_run, nil, 0);
  threadcreate (just_run, nil, 0);
  CHECK_EQ (ran, 0);             /* created threads wait for the creator to yield */
  CHECK_EQ (yield (), 3);        /* the three ran before we continued */
  CHECK_EQ (ran, 3);
  CHECK_EQ (yield (), 0);
}

/* ---- names ------------------------------------------------------------------------ */

static void
named (void *arg)
{
  Channel *c = arg;

  CHECK_EQ (strcmp (threadgetname (), ""), 0);
  threadsetname ("worker-%d", 7);
  CHECK_EQ (strcmp (threadgetname (), "worker-7"), 0);
  CHECK_EQ (strcmp (task9_task_get_name (task9_task_self ()), "worker-7"), 0);
  sendp (c, nil);
}

static void
test_names (void)
{
  Channel *c = chancreate (sizeof (void *), 0);

  threadsetname ("main %s", "thread");
  CHECK_EQ (strcmp (threadgetname (), "main thread"), 0);
  threadcreate (named, c, 0);
  recvp (c);
  CHECK_EQ (strcmp (threadgetname (), "main thread"), 0);
  chanfree (c);
}

/* ---- threaddata and procdata --------------------------------------------------------- */

typedef struct
{
  Channel *done;
  Channel *go;
  int      tag;
} DataArg;

static void
data_thread (void *arg)
{
  DataArg *d = arg;
  void **slot = threaddata ();

  CHECK (slot != nil);
  CHECK (*slot == nil);
  *slot = &d->tag;
  /* The other thread sets its own slot meanwhile. */
  recvp (d->go);
  CHECK (threaddata () == slot);
  CHECK (*threaddata () == &d->tag);
  sendp (d->done, threaddata ());
}

static gpointer
foreign_task (gpointer data, GError **error)
{
  /* A task made with the core API has a slot too. */
  void **slot = threaddata ();

  CHECK (slot != nil && *slot == nil);
  *slot = data;
  task9_yield ();
  CHECK (*threaddata () == data);
  threadexits (nil);
  CHECK (!"threadexits() returned");
  return NULL;
}

static void
proc_data_thread (void *arg)
{
  Channel *c = arg;
  void **slot = procdata ();

  /* A new proc's slot is its own, and shared by its threads. */
  CHECK (*slot == nil);
  *slot = c;
  sendp (c, slot);
}

static void
test_data (void)
{
  DataArg a = { chancreate (sizeof (void *), 2), chancreate (sizeof (void *), 2), 1 };
  DataArg b = { a.done, a.go, 2 };
  void *sa, *sb;
  Task9Task *task;
  GError *error = NULL;
  void **mine = procdata ();
  Channel *pc = chancreate (sizeof (void *), 0);
  void **theirs;

  threadcreate (data_thread, &a, 0);
  threadcreate (data_thread, &b, 0);
  yield ();
  sendp (a.go, nil);
  sendp (a.go, nil);
  sa = recvp (a.done);
  sb = recvp (a.done);
  CHECK (sa != nil && sb != nil && sa != sb);
  CHECK (threaddata () != sa && threaddata () != sb);

  task = task9_task_spawn ("foreign", foreign_task, &a, NULL, &error);
  CHECK (task != NULL);
  task9_task_join (task, -1, &error);
  CHECK (error == NULL);
  task9_task_unref (task);

  *mine = &a;
  CHECK (procdata () == mine);
  proccreate (proc_data_thread, pc, 0);
  theirs = recvp (pc);
  CHECK (theirs != mine);
  CHECK (*mine == &a);
  chanfree (pc);
  chanfree (a.done);
  chanfree (a.go);
}

/* ---- stack sizes -------------------------------------------------------------------- */

static void
report_stack (void *arg)
{
  sendul (arg, task9_task_get_stack_size (task9_task_self ()));
}

static gpointer
report_stack_task (gpointer data, GError **error)
{
  report_stack (data);
  return NULL;
}

static void
test_stacks (void)
{
  Channel *c = chancreate (sizeof (unsigned long), 0);
  GError *error = NULL;
  Task9Task *task;

  /* threadmain got mainstacksize. */
  CHECK (task9_task_get_stack_size (task9_task_self ()) >= 1024 * 1024);

  threadcreate (report_stack, c, 512 * 1024);
  CHECK (recvul (c) >= 512 * 1024);
  proccreate (report_stack, c, 2 * 1024 * 1024);
  CHECK (recvul (c) >= 2 * 1024 * 1024);
  /* Plan 9 sizes are raised to what glibc and GLib need. */
  threadcreate (report_stack, c, 1024);
  CHECK (recvul (c) >= TASK9_DEFAULT_STACK_SIZE);

  /* mainstacksize was for threadmain only: the proc's default is back. */
  task = task9_task_spawn (NULL, report_stack_task, c, NULL, &error);
  CHECK_EQ (recvul (c), TASK9_DEFAULT_STACK_SIZE);
  task9_task_unref (task);
  chanfree (c);
}

/* ---- procs ------------------------------------------------------------------------ */

typedef struct
{
  Channel   *c;
  GThread   *os_thread;
  Task9Proc *proc;
} Where;

static void
where_am_i (void *arg)
{
  Where *w = arg;

  w->os_thread = g_thread_self ();
  /* A reference: a proccreate() proc goes away with its last thread. */
  w->proc = task9_proc_ref (task9_proc_get_current ());
  sendp (w->c, nil);
}

static void
test_proc_thread (void)
{
  Where here = { chancreate (sizeof (void *), 0), NULL, NULL };
  Where there = here;

  threadcreate (where_am_i, &here, 0);
  recvp (here.c);
  proccreate (where_am_i, &there, 0);
  recvp (there.c);

  CHECK (here.os_thread == g_thread_self ());
  CHECK (here.proc == task9_proc_get_current ());
  CHECK (task9_proc_is_main (here.proc));
  CHECK (there.os_thread != g_thread_self ());
  CHECK (there.proc != here.proc);
  CHECK (!task9_proc_is_main (there.proc));
  task9_proc_unref (here.proc);
  task9_proc_unref (there.proc);
  chanfree (here.c);
}

typedef struct
{
  Channel *to_main;    /* pointers */
  Channel *to_second;  /* ulongs */
  Channel *result;     /* ulongs */
} LastArg;

static void
second_thread (void *arg)
{
  LastArg *l = arg;
  unsigned long v;

  /* The first thread of the proc has exited by now; the proc must still run us. */
  CHECK_EQ (recv (l->to_second, &v), 1);
  sendul (l->result, v + 1);
}

static int after_exits;

static void
first_thread (void *arg)
{
  LastArg *l = arg;

  threadcreate (second_thread, l, 0);
  sendp (l->to_main, task9_proc_ref (task9_proc_get_current ()));
  threadexits (nil);
  after_exits = 1;
}

static void
test_proc_ends_with_last_thread (void)
{
  LastArg l = {
    chancreate (sizeof (void *), 0),
    chancreate (sizeof (unsigned long), 0),
    chancreate (sizeof (unsigned long), 1),
  };
  GError *error = NULL;
  Task9Proc *proc;
  int first;

  first = proccreate (first_thread, &l, 0);
  proc = recvp (l.to_main);
  p9_wait_gone (first);
  CHECK_EQ (after_exits, 0);

  CHECK_EQ (task9_proc_get_n_tasks (proc), 1);
  sendul (l.to_second, 41);
  CHECK_EQ (recvul (l.result), 42);

  /* Its last thread has ended: so does the proc. Without that, this join would never
   * return (and task9_main() would report a deadlock). */
  CHECK (task9_proc_join (proc, &error));
  CHECK (error == NULL);
  task9_proc_unref (proc);

  chanfree (l.to_main);
  chanfree (l.to_second);
  chanfree (l.result);
}

/* ---- many threads on many procs ------------------------------------------------------ */

typedef struct
{
  Channel *in;
  Channel *out;
} Ring;

static void
ring_member (void *arg)
{
  Ring *r = arg;
  unsigned long v;

  while ((v = recvul (r->in)) != 0)
    sendul (r->out, v + 1);
  sendul (r->out, 0);
}

static void
test_ring (void)
{
  enum { N = 16 };
  Channel *c[N + 1];
  Ring r[N];
  int rounds = p9_scale (200, 20);
  unsigned long v = 1;

  for (int i = 0; i <= N; i++)
    c[i] = chancreate (sizeof (unsigned long), 0);
  for (int i = 0; i < N; i++)
    {
      r[i].in = c[i];
      r[i].out = c[i + 1];
      /* Every other member on a proc of its own. */
      if (i % 2)
        proccreate (ring_member, &r[i], 0);
      else
        threadcreate (ring_member, &r[i], 0);
    }
  for (int k = 0; k < rounds; k++)
    {
      sendul (c[0], v);
      v = recvul (c[N]);
    }
  CHECK_EQ (v, 1 + (unsigned long) rounds * N);
  sendul (c[0], 0);
  CHECK_EQ (recvul (c[N]), 0);
  for (int i = 0; i <= N; i++)
    chanfree (c[i]);
}

void
threadmain (int argc, char *argv[])
{
  test_yield ();
  test_ids ();
  test_names ();
  test_data ();
  test_stacks ();
  test_proc_thread ();
  test_proc_ends_with_last_thread ();
  test_ring ();
  p9_finish ();
}
