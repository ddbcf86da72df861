/* test-p9-channel.c: channels and alt of thread(3): send/recv and their p, ul and nb
 * forms with the manual's return codes, nil values, zero-sized elements, alt with
 * CHANNOBLK, CHANNOP and nil channels, chanfree under a blocked thread, chanclose,
 * chanprint, chansetname, cancellation as interruption, and mixing with task9_ calls
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <stdlib.h>

#include "p9test.h"

typedef struct
{
  int  a;
  char b[13];
} Elem;

/* ---- blocking send and recv ---------------------------------------------------------- */

static void
echo (void *arg)
{
  Channel *c = arg;
  Elem e;

  while (recv (c, &e) == 1 && e.a != 0)
    {
      e.a++;
      CHECK_EQ (send (c, &e), 1);
    }
}

static void
test_send_recv (void)
{
  Channel *c = chancreate (sizeof (Elem), 0);
  Channel *b = chancreate (sizeof (Elem), 2);
  Elem e = { 1, "hello" }, out;

  /* An unbuffered ping-pong, with another proc. */
  proccreate (echo, c, 0);
  for (int i = 0; i < 10; i++)
    {
      e.a = 2 * i + 1;
      CHECK_EQ (send (c, &e), 1);
      memset (&out, 0, sizeof out);
      CHECK_EQ (recv (c, &out), 1);
      CHECK_EQ (out.a, 2 * i + 2);
      CHECK_EQ (strcmp (out.b, "hello"), 0);
    }
  e.a = 0;
  CHECK_EQ (send (c, &e), 1);

  /* Buffered: FIFO, and no partner needed until full. */
  e.a = 7;
  CHECK_EQ (send (b, &e), 1);
  e.a = 8;
  CHECK_EQ (send (b, &e), 1);
  CHECK_EQ (recv (b, &out), 1);
  CHECK_EQ (out.a, 7);
  CHECK_EQ (recv (b, &out), 1);
  CHECK_EQ (out.a, 8);

  /* nil: a send of zeros, a receive that discards. */
  CHECK_EQ (send (b, nil), 1);
  memset (&out, 0xff, sizeof out);
  CHECK_EQ (recv (b, &out), 1);
  CHECK_EQ (out.a, 0);
  CHECK_EQ (out.b[0], 0);
  CHECK_EQ (out.b[12], 0);
  CHECK_EQ (send (b, &e), 1);
  CHECK_EQ (recv (b, nil), 1);
  CHECK_EQ (task9_channel_get_length (b), 0);

  chanfree (c);
  chanfree (b);
}

/* ---- non-blocking forms --------------------------------------------------------------- */

static void
receive_one (void *arg)
{
  Elem e;

  CHECK_EQ (recv (arg, &e), 1);
  CHECK_EQ (e.a, 5);
}

static void
test_nonblocking (void)
{
  Channel *c = chancreate (sizeof (Elem), 0);
  Channel *b = chancreate (sizeof (Elem), 1);
  Channel *p = chancreate (sizeof (void *), 1);
  Channel *u = chancreate (sizeof (unsigned long), 1);
  Elem e = { 5, "x" };
  int id;

  /* Nothing there: 0 (the manual), not -1 (plan9port). */
  CHECK_EQ (nbsend (c, &e), 0);
  CHECK_EQ (nbrecv (c, &e), 0);
  CHECK_EQ (nbrecv (b, &e), 0);
  CHECK (nbrecvp (p) == nil);
  CHECK_EQ (nbrecvul (u), 0);

  /* A receiver that was just created has not run: it is not waiting yet. */
  id = threadcreate (receive_one, c, 0);
  CHECK_EQ (nbsend (c, &e), 0);
  p9_wait_blocked (id);
  CHECK_EQ (nbsend (c, &e), 1);
  p9_wait_gone (id);

  /* Buffered: room, then full. */
  CHECK_EQ (nbsend (b, &e), 1);
  CHECK_EQ (nbsend (b, &e), 0);
  CHECK_EQ (nbrecv (b, &e), 1);
  CHECK_EQ (e.a, 5);
  CHECK_EQ (nbrecv (b, &e), 0);

  CHECK_EQ (nbsendp (p, &e), 1);
  CHECK_EQ (nbsendp (p, &e), 0);
  CHECK (nbrecvp (p) == &e);
  CHECK_EQ (nbsendul (u, 42), 1);
  CHECK_EQ (nbsendul (u, 43), 0);
  CHECK_EQ (nbrecvul (u), 42);
  CHECK_EQ (nbrecvul (u), 0);

  chanfree (c);
  chanfree (b);
  chanfree (p);
  chanfree (u);
}

/* ---- pointers and unsigned longs ------------------------------------------------------ */

static void
pointer_echo (void *arg)
{
  Channel *c = arg;
  void *v = recvp (c);

  CHECK_EQ (sendp (c, v), 1);
  CHECK_EQ (sendul (c, 0), 1);   /* a pointer-sized zero */
}

static void
ulong_echo (void *arg)
{
  Channel *c = arg;

  CHECK_EQ (sendul (c, recvul (c) * 2), 1);
}

static void
test_p_ul (void)
{
  Channel *p = chancreate (sizeof (void *), 0);
  Channel *u = chancreate (sizeof (unsigned long), 0);
  int x;

  proccreate (pointer_echo, p, 0);
  CHECK_EQ (sendp (p, &x), 1);
  CHECK (recvp (p) == &x);
  CHECK (recvp (p) == nil);

  threadcreate (ulong_echo, u, 0);
  CHECK_EQ (sendul (u, 21), 1);
  CHECK_EQ (recvul (u), 42);

  chanfree (p);
  chanfree (u);
}

/* ---- chanprint and names ---------------------------------------------------------------- */

static void
test_print_name (void)
{
  Channel *c = chancreate (sizeof (char *), 1);
  char *s;

  CHECK_EQ (chanprint (c, "%s-%d", "msg", 9), 1);
  s = recvp (c);
  CHECK (s != nil && strcmp (s, "msg-9") == 0);
  free (s);

  chansetname (c, "chan %d", 3);
  CHECK_EQ (strcmp (task9_channel_get_name (c), "chan 3"), 0);
  chanfree (c);
}

/* ---- zero-sized elements ------------------------------------------------------------- */

static void
signal_twice (void *arg)
{
  int dummy = 7;

  CHECK_EQ (send (arg, nil), 1);
  CHECK_EQ (send (arg, &dummy), 1);
}

static void
test_zero_size (void)
{
  Channel *c = chancreate (0, 0);
  int canary = 12345;
  Alt a[] = { { c, &canary, CHANRCV }, { nil, nil, CHANEND } };

  proccreate (signal_twice, c, 0);
  CHECK_EQ (recv (c, nil), 1);
  /* Nothing is written to v for a zero-sized element. */
  CHECK_EQ (alt (a), 0);
  CHECK_EQ (canary, 12345);
  chanfree (c);
}

/* ---- alt ---------------------------------------------------------------------------------- */

typedef struct
{
  Channel *c;
  unsigned long v;
} SendLater;

static void
send_later (void *arg)
{
  SendLater *s = arg;

  CHECK_EQ (sendul (s->c, s->v), 1);
}

static void
recv_into (void *arg)
{
  CHECK_EQ (recvul (arg), 99);
}

static void
test_alt (void)
{
  Channel *c1 = chancreate (sizeof (unsigned long), 0);
  Channel *c2 = chancreate (sizeof (unsigned long), 0);
  Channel *b1 = chancreate (sizeof (unsigned long), 1);
  Channel *b2 = chancreate (sizeof (unsigned long), 1);
  unsigned long v1 = 0, v2 = 0, out = 99;
  int counts[2] = { 0, 0 };
  int rounds = p9_scale (400, 100);
  SendLater later = { c2, 77 };
  Alt a[] = {
    { c1, &v1, CHANRCV },
    { c2, &v2, CHANRCV },
    { nil, nil, CHANNOBLK },
  };

  /* Nothing ready: the CHANNOBLK entry's index (the manual), not -1 (plan9port). */
  CHECK_EQ (alt (a), 2);

  /* Blocking: woken by a sender on another proc. */
  a[2].op = CHANEND;
  proccreate (send_later, &later, 0);
  CHECK_EQ (alt (a), 1);
  CHECK_EQ (v2, 77);
  CHECK (a[1].err == nil);

  /* A send arm, to a receiver that comes later. */
  {
    Alt s[] = { { c1, &out, CHANSND }, { nil, nil, CHANEND } };

    threadcreate (recv_into, c1, 0);
    CHECK_EQ (alt (s), 0);
  }

  /* Ready entries: CHANNOBLK does not get in the way, CHANNOP and nil channels are
   * never chosen, and among the ready ones the choice is random. */
  {
    Alt r[] = {
      { b1, &v1, CHANRCV },
      { b2, &v2, CHANNOP },
      { nil, &v2, CHANRCV },
      { b2, &v2, CHANRCV },
      { nil, nil, CHANNOBLK },
    };

    CHECK_EQ (sendul (b2, 5), 1);
    CHECK_EQ (alt (r), 3);
    CHECK_EQ (v2, 5);

    r[0].op = CHANSND;   /* b1 has room: ready */
    r[3].op = CHANSND;
    for (int i = 0; i < rounds; i++)
      {
        int k = alt (r);

        CHECK (k == 0 || k == 3);
        counts[k == 3]++;
        CHECK_EQ (recv (k == 0 ? b1 : b2, nil), 1);
      }
    CHECK (counts[0] > 0 && counts[1] > 0);

    /* Only the CHANNOP entry (b2, now holding a value) would be ready. */
    r[0].op = CHANNOP;
    r[3].op = CHANNOP;
    CHECK_EQ (sendul (b2, 6), 1);
    CHECK_EQ (alt (r), 4);
    CHECK_EQ (recvul (b2), 6);
  }

  /* A nil value in a send entry sends zeros. */
  {
    Alt z[] = { { b1, nil, CHANSND }, { nil, nil, CHANEND } };

    CHECK_EQ (alt (z), 0);
    v1 = 1234;
    CHECK_EQ (recv (b1, &v1), 1);
    CHECK_EQ (v1, 0);
  }

  chanfree (c1);
  chanfree (c2);
  chanfree (b1);
  chanfree (b2);
}

/* ---- chanfree with a thread blocked on the channel ----------------------------------------- */

typedef struct
{
  Channel *doomed;
  Channel *other;
} FreeArg;

static void
alt_on_two (void *arg)
{
  FreeArg *f = arg;
  unsigned long v = 0;
  Alt a[] = { { f->doomed, &v, CHANRCV }, { f->other, &v, CHANRCV }, { nil, nil, CHANEND } };

  /* Fires on the other channel; withdrawing from the freed one must be safe (ASan and
   * valgrind would see a use after free). */
  CHECK_EQ (alt (a), 1);
  CHECK_EQ (v, 3);
}

static void
test_chanfree_blocked (void)
{
  FreeArg f = { chancreate (sizeof (unsigned long), 0), chancreate (sizeof (unsigned long), 0) };
  GWeakRef weak;
  Channel *probe;
  int id;

  g_weak_ref_init (&weak, f.doomed);
  id = proccreate (alt_on_two, &f, 0);
  p9_wait_blocked (id);
  chanfree (f.doomed);
  /* Still there for the blocked thread. */
  probe = g_weak_ref_get (&weak);
  CHECK (probe != nil);
  g_clear_object (&probe);
  CHECK_EQ (sendul (f.other, 3), 1);
  p9_wait_gone (id);
  /* And gone once it has unblocked. */
  probe = g_weak_ref_get (&weak);
  CHECK (probe == nil);
  g_clear_object (&probe);
  g_weak_ref_clear (&weak);
  chanfree (f.other);
}

/* ---- chanclose ---------------------------------------------------------------------------- */

static void
recv_until_closed (void *arg)
{
  unsigned long v;

  CHECK_EQ (recv (arg, &v), -1);
}

static void
test_close (void)
{
  Channel *b = chancreate (sizeof (unsigned long), 2);
  Channel *c = chancreate (sizeof (unsigned long), 0);
  unsigned long v = 1;
  Alt a[] = { { b, &v, CHANRCV }, { nil, nil, CHANEND } };
  int id;

  CHECK_EQ (sendul (b, 10), 1);
  CHECK_EQ (chanclose (b), 1);
  CHECK_EQ (chanclose (b), -1);
  CHECK_EQ (send (b, &v), -1);
  CHECK_EQ (nbsend (b, &v), -1);
  CHECK_EQ (recvul (b), 10);          /* what was buffered drains */
  CHECK_EQ (recv (b, &v), -1);
  CHECK_EQ (nbrecv (b, &v), -1);
  CHECK_EQ (alt (a), 0);              /* a closed entry is ready, and says so */
  CHECK (a[0].err != nil);

  /* A blocked receiver is woken with -1. */
  id = threadcreate (recv_until_closed, c, 0);
  p9_wait_blocked (id);
  chanclose (c);
  p9_wait_gone (id);

  chanfree (b);
  chanfree (c);
}

/* ---- cancellation is an interruption ------------------------------------------------------ */

static void
interrupted (void *arg)
{
  Channel **cs = arg;
  unsigned long v;
  Alt a[] = { { cs[0], &v, CHANRCV }, { nil, nil, CHANEND } };

  CHECK_EQ (recv (cs[0], &v), -1);
  CHECK_EQ (send (cs[0], &v), -1);
  CHECK_EQ (alt (a), -1);
  CHECK_EQ (sendul (cs[1], 1), -1);   /* still cancelled: every wait reports it */
}

static void
test_interrupted (void)
{
  Channel *cs[2] = { chancreate (sizeof (unsigned long), 0), chancreate (sizeof (unsigned long), 0) };
  Task9Task *task;
  int id;

  id = proccreate (interrupted, cs, 0);
  p9_wait_blocked (id);
  task = p9_find_task (id);
  CHECK (task != nil);
  task9_task_cancel (task);
  task9_task_unref (task);
  p9_wait_gone (id);
  chanfree (cs[0]);
  chanfree (cs[1]);
}

/* ---- mixing the two faces ---------------------------------------------------------------- */

static gpointer
core_side (gpointer data, GError **error)
{
  Task9Channel *c = data;
  gulong v = task9_channel_recv_ulong (c, error);

  task9_channel_send_ulong (c, v + 1, error);
  return NULL;
}

static void
test_mixed (void)
{
  Channel *c = chancreate (sizeof (unsigned long), 0);
  Task9Channel *t = task9_channel_new (sizeof (unsigned long), 0);
  Task9Task *task = task9_task_spawn ("core-side", core_side, c, NULL, NULL);
  Task9AltArm arm = { t, TASK9_ALT_RECV, NULL, FALSE };

  CHECK_EQ (sendul (c, 1), 1);
  CHECK_EQ (recvul (c), 2);
  task9_task_join (task, -1, NULL);
  task9_task_unref (task);

  /* And a Task9Channel through the Plan 9 calls. */
  CHECK_EQ (nbsendul (t, 3), 0);
  CHECK_EQ (task9_alt (&arm, 1, 0, NULL, NULL), -1);
  chanfree (c);
  chanfree (t);
}

void
threadmain (int argc, char *argv[])
{
  test_send_recv ();
  test_nonblocking ();
  test_p_ul ();
  test_print_name ();
  test_zero_size ();
  test_alt ();
  test_chanfree_blocked ();
  test_close ();
  test_interrupted ();
  test_mixed ();
  p9_finish ();
}
