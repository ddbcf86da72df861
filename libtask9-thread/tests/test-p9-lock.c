/* test-p9-lock.c: QLock, RWLock and Rendez of lock(2): mutual exclusion and FIFO order
 * across procs, the can* forms, readers together and writers alone, Plan 9's queueing of
 * readers behind a waiting writer, rsleep/rwakeup/rwakeupall and their counts, and a
 * plain thread (not a task) as a contender
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "p9test.h"

enum { NPROCS = 4 };

/* ---- QLock: mutual exclusion -------------------------------------------------------------- */

static QLock counter_lock;
static int   counter;
static int   inside;

typedef struct
{
  Channel *done;
  int      iterations;
  void   (*func) (void *arg);   /* for run_workers() */
} Worker;

static void
spawn_two (void *arg)
{
  Worker *w = arg;

  threadcreate (w->func, arg, 0);
  w->func (arg);
}

/* Runs w->func in two threads on each of NPROCS procs, and waits until all have sent on
 * w->done. */
static void
run_workers (Worker *w)
{
  for (int i = 0; i < NPROCS; i++)
    proccreate (spawn_two, w, 0);
  for (int i = 0; i < 2 * NPROCS; i++)
    recvul (w->done);
}

static void
increment (void *arg)
{
  Worker *w = arg;

  for (int i = 0; i < w->iterations; i++)
    {
      int tmp;

      qlock (&counter_lock);
      CHECK_EQ (inside, 0);
      inside = 1;
      tmp = counter;
      yield ();                 /* the proc's other thread tries meanwhile */
      counter = tmp + 1;
      inside = 0;
      qunlock (&counter_lock);
      if (i % 7 == 0)
        yield ();
    }
  sendul (w->done, 1);
}

static void
test_qlock_exclusion (void)
{
  Worker w = { chancreate (sizeof (unsigned long), 0), p9_scale (500, 50), increment };

  counter = 0;
  run_workers (&w);
  CHECK_EQ (counter, 2 * NPROCS * w.iterations);

  /* canqlock */
  CHECK_EQ (canqlock (&counter_lock), 1);
  CHECK_EQ (canqlock (&counter_lock), 0);
  qunlock (&counter_lock);
  chanfree (w.done);
}

/* ---- QLock: FIFO across procs ------------------------------------------------------------ */

static QLock fifo_lock;
static int   order[NPROCS];
static int   n_order;

typedef struct
{
  int      index;
  Channel *done;
} Queued;

static void
take_in_turn (void *arg)
{
  Queued *q = arg;

  qlock (&fifo_lock);
  order[n_order++] = q->index;
  qunlock (&fifo_lock);
  sendul (q->done, 1);
}

static void
test_qlock_fifo (void)
{
  Channel *done = chancreate (sizeof (unsigned long), 0);
  Queued q[NPROCS];

  n_order = 0;
  qlock (&fifo_lock);
  for (int i = 0; i < NPROCS; i++)
    {
      q[i].index = i;
      q[i].done = done;
      /* Each waits on a proc of its own; the next comes once it is queued. */
      p9_wait_blocked (proccreate (take_in_turn, &q[i], 0));
    }
  CHECK_EQ (canqlock (&fifo_lock), 0);
  qunlock (&fifo_lock);
  for (int i = 0; i < NPROCS; i++)
    recvul (done);
  CHECK_EQ (n_order, NPROCS);
  for (int i = 0; i < NPROCS; i++)
    CHECK_EQ (order[i], i);
  chanfree (done);
}

/* ---- QLock: a plain thread as a contender ------------------------------------------------- */

static QLock plain_lock;
static int   plain_got;

static gpointer
plain_thread (gpointer data)
{
  /* Not a task: it blocks its OS thread on a condition variable. */
  qlock (&plain_lock);
  g_atomic_int_set (&plain_got, 1);
  qunlock (&plain_lock);
  return NULL;
}

static int
plain_lock_queued (void)
{
  /* A QLock is a Task9Lock, made by the first qlock(). */
  Task9Lock *lock = g_atomic_pointer_get (&plain_lock._lock);

  return lock != NULL && task9_lock_has_waiters (lock);
}

static gpointer
plain_holder (gpointer data)
{
  qlock (&plain_lock);
  g_atomic_int_set (&plain_got, 1);
  while (!plain_lock_queued ())
    sched_yield ();
  g_atomic_int_set (&plain_got, 2);
  qunlock (&plain_lock);
  return NULL;
}

static void
keep_busy (void *arg)
{
  while (g_atomic_int_get (&plain_got) != 3)
    p9_pause ();
}

static void
test_qlock_plain_thread (void)
{
  GThread *thread;

  qlock (&plain_lock);
  thread = g_thread_new ("plain", plain_thread, NULL);
  /* It queues behind us, and waits for as long as we hold the lock. */
  while (!plain_lock_queued ())
    p9_pause ();
  CHECK_EQ (g_atomic_int_get (&plain_got), 0);
  qunlock (&plain_lock);
  g_thread_join (thread);
  CHECK_EQ (plain_got, 1);

  /* And the other way round: a task waits for a plain thread's hold and is handed the
   * lock from that thread. task9_main()'s deadlock detector does not see wake-ups from
   * threads that are not procs, so a thread keeps this proc busy meanwhile. */
  g_atomic_int_set (&plain_got, 0);
  thread = g_thread_new ("plain", plain_holder, NULL);
  while (!g_atomic_int_get (&plain_got))
    p9_pause ();
  threadcreate (keep_busy, nil, 0);
  qlock (&plain_lock);
  CHECK_EQ (g_atomic_int_get (&plain_got), 2);
  g_atomic_int_set (&plain_got, 3);
  qunlock (&plain_lock);
  g_thread_join (thread);
}

/* ---- RWLock ---------------------------------------------------------------------------------- */

static RWLock rw;

typedef struct
{
  Channel *in;      /* ulongs: "I hold it" */
  Channel *go;      /* ulongs: release now */
  Channel *log;     /* ulongs: who got it, in order */
  unsigned long id;
} RWArg;

static void
reader (void *arg)
{
  RWArg *r = arg;

  rlock (&rw);
  sendul (r->log, r->id);
  sendul (r->in, r->id);
  recvul (r->go);
  runlock (&rw);
}

static void
writer (void *arg)
{
  RWArg *r = arg;

  wlock (&rw);
  sendul (r->log, r->id);
  sendul (r->in, r->id);
  recvul (r->go);
  wunlock (&rw);
}

static void
test_rwlock (void)
{
  RWArg args[NPROCS + 3];
  Channel *in = chancreate (sizeof (unsigned long), 0);
  Channel *go = chancreate (sizeof (unsigned long), 0);
  Channel *log = chancreate (sizeof (unsigned long), 16);
  int wid, rid;

  for (int i = 0; i < NPROCS + 3; i++)
    args[i] = (RWArg) { in, go, log, (unsigned long) i };

  /* Readers share it: all of them hold it at once. */
  for (int i = 0; i < NPROCS; i++)
    proccreate (reader, &args[i], 0);
  for (int i = 0; i < NPROCS; i++)
    recvul (in);
  CHECK_EQ (canwlock (&rw), 0);
  CHECK_EQ (canrlock (&rw), 1);
  runlock (&rw);

  /* A writer waits for them; a reader that comes after the writer queues behind it
   * (Plan 9's rule), so the writer cannot starve. */
  wid = proccreate (writer, &args[NPROCS], 0);
  p9_wait_blocked (wid);
  CHECK_EQ (canrlock (&rw), 0);
  rid = proccreate (reader, &args[NPROCS + 1], 0);
  p9_wait_blocked (rid);

  for (int i = 0; i < NPROCS; i++)
    sendul (go, 1);             /* the first readers leave */
  CHECK_EQ (recvul (in), NPROCS);          /* the writer, alone */
  CHECK_EQ (canrlock (&rw), 0);
  CHECK_EQ (canwlock (&rw), 0);
  sendul (go, 1);
  CHECK_EQ (recvul (in), NPROCS + 1);      /* then the late reader */
  sendul (go, 1);

  /* The order they got it in: the first readers, the writer, the late reader. */
  for (int i = 0; i < NPROCS; i++)
    {
      unsigned long who = recvul (log);

      CHECK (who < NPROCS);
    }
  CHECK_EQ (recvul (log), NPROCS);
  CHECK_EQ (recvul (log), NPROCS + 1);

  /* The late reader may still be on its way out. */
  while (!canwlock (&rw))
    p9_pause ();
  wunlock (&rw);
  CHECK_EQ (canrlock (&rw), 1);
  runlock (&rw);

  chanfree (in);
  chanfree (go);
  chanfree (log);
}

/* Writers are exclusive across procs: a counter under wlock, read under rlock. */
static RWLock rw_count;
static int    rw_value;

static void
rw_worker (void *arg)
{
  Worker *w = arg;

  for (int i = 0; i < w->iterations; i++)
    {
      int tmp;

      wlock (&rw_count);
      tmp = rw_value;
      yield ();
      rw_value = tmp + 1;
      wunlock (&rw_count);

      rlock (&rw_count);
      tmp = rw_value;
      yield ();
      CHECK_EQ (rw_value, tmp);   /* no writer while we read */
      runlock (&rw_count);
    }
  sendul (w->done, 1);
}

static void
test_rwlock_exclusion (void)
{
  Worker w = { chancreate (sizeof (unsigned long), 0), p9_scale (300, 30), rw_worker };

  rw_value = 0;
  run_workers (&w);
  CHECK_EQ (rw_value, 2 * NPROCS * w.iterations);
  chanfree (w.done);
}

/* ---- Rendez ---------------------------------------------------------------------------------- */

static QLock  rz_lock;
static Rendez rz = { &rz_lock };
static int    asleep;
static int    woken_order[NPROCS];
static int    n_woken;

typedef struct
{
  int      index;
  int      go;     /* the condition, under rz_lock */
  Channel *done;
} Sleeper;

static void
sleeper (void *arg)
{
  Sleeper *s = arg;

  qlock (&rz_lock);
  asleep++;
  while (!s->go)
    rsleep (&rz);
  /* rsleep returns holding the lock. */
  CHECK_EQ (canqlock (&rz_lock), 0);
  woken_order[n_woken++] = s->index;
  qunlock (&rz_lock);
  sendul (s->done, 1);
}

static void
test_rendez (void)
{
  Channel *done = chancreate (sizeof (unsigned long), 0);
  Sleeper s[NPROCS];

  n_woken = 0;
  asleep = 0;
  for (int i = 0; i < NPROCS; i++)
    {
      s[i] = (Sleeper) { i, 0, done };
      p9_wait_blocked (proccreate (sleeper, &s[i], 0));
    }
  qlock (&rz_lock);
  CHECK_EQ (asleep, NPROCS);
  for (int i = 0; i < NPROCS; i++)
    s[i].go = 1;
  /* One: the first to sleep. It needs the lock we hold, so it waits for it. */
  CHECK_EQ (rwakeup (&rz), 1);
  qunlock (&rz_lock);
  recvul (done);
  CHECK_EQ (n_woken, 1);
  CHECK_EQ (woken_order[0], 0);

  /* The rest, in the order they slept. */
  qlock (&rz_lock);
  CHECK_EQ (rwakeupall (&rz), NPROCS - 1);
  CHECK_EQ (rwakeup (&rz), 0);
  CHECK_EQ (rwakeupall (&rz), 0);
  qunlock (&rz_lock);
  for (int i = 1; i < NPROCS; i++)
    recvul (done);
  CHECK_EQ (n_woken, NPROCS);
  for (int i = 0; i < NPROCS; i++)
    CHECK_EQ (woken_order[i], i);
  chanfree (done);
}

/* A bounded buffer with two Rendez, producers and consumers on several procs. */
enum { SLOTS = 3 };

static QLock  buf_lock;
static Rendez not_full = { &buf_lock };
static Rendez not_empty = { &buf_lock };
static int    buf[SLOTS];
static int    buf_count, buf_head;

static void
produce (void *arg)
{
  Worker *w = arg;

  for (int i = 1; i <= w->iterations; i++)
    {
      qlock (&buf_lock);
      while (buf_count == SLOTS)
        rsleep (&not_full);
      buf[(buf_head + buf_count++) % SLOTS] = i;
      rwakeup (&not_empty);
      qunlock (&buf_lock);
    }
  sendul (w->done, 0);
}

static void
consume (void *arg)
{
  Worker *w = arg;
  unsigned long sum = 0;

  for (int i = 1; i <= w->iterations; i++)
    {
      qlock (&buf_lock);
      while (buf_count == 0)
        rsleep (&not_empty);
      sum += (unsigned long) buf[buf_head];
      buf_head = (buf_head + 1) % SLOTS;
      buf_count--;
      rwakeup (&not_full);
      qunlock (&buf_lock);
    }
  sendul (w->done, sum);
}

static void
test_bounded_buffer (void)
{
  Worker w = { chancreate (sizeof (unsigned long), 0), p9_scale (400, 40) };
  unsigned long total = 0;

  for (int i = 0; i < 2; i++)
    {
      proccreate (produce, &w, 0);
      proccreate (consume, &w, 0);
    }
  threadcreate (produce, &w, 0);
  threadcreate (consume, &w, 0);
  for (int i = 0; i < 6; i++)
    total += recvul (w.done);
  CHECK_EQ (total, 3UL * (unsigned long) w.iterations * (unsigned long) (w.iterations + 1) / 2);
  CHECK_EQ (buf_count, 0);
  chanfree (w.done);
}

void
threadmain (int argc, char *argv[])
{
  test_qlock_exclusion ();
  test_qlock_fifo ();
  test_qlock_plain_thread ();
  test_rwlock ();
  test_rwlock_exclusion ();
  test_rendez ();
  test_bounded_buffer ();
  p9_finish ();
}
