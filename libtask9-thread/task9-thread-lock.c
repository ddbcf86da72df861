/* task9-thread-lock.c: QLock, RWLock and Rendez of lock(2), for threads on any proc
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Each lock is a small state word plus a FIFO of waiters, guarded by a bit lock
 * (g_bit_lock on the `_bit` field; zero-filled memory is an unlocked, empty lock, as
 * Plan 9 programs expect). A waiter lives on the waiting thread's stack. Release hands
 * the lock directly to the first waiter (no barging), which is what makes the order
 * FIFO across procs: the state is updated for the waiter before it is woken, and it
 * returns owning the lock.
 *
 * A task waits by receiving a token on its own one-slot wake channel; the waker sends
 * it with try_send, which never blocks, from any proc (or any thread). A plain thread
 * (code that is not a task: a GLib callback, a thread of one's own) waits on a GCond.
 *
 * Plan 9's algorithm for RWLock (libc's lock.c): one queue of readers and writers. A
 * reader gets in at once only when there is no writer and nobody queued; a releasing
 * writer admits the next writer, or every reader up to the next queued writer; the last
 * reader out admits the writer at the head.
 *
 * Rendez: rsleep queues the waiter on the Rendez and releases r->l; rwakeup moves the
 * first sleeper onto r->l's queue (the waker holds r->l), so the sleeper wakes when the
 * lock is handed to it, owning it, with no second wake-up. If r->l happens to be free
 * the sleeper is granted it at once.
 *
 * Invariants:
 * - Lock order: a Rendez's bit, then its QLock's bit. Nothing blocks or allocates under a
 *   bit lock except the g_object_ref/unref of a wake channel after it is released.
 * - A queued waiter stays on its thread's stack until its token arrives; every dequeue
 *   that does not wake (rsleep's early return) is made by the waiter itself, under the
 *   bit lock, after checking it is still queued there.
 * - QLock: _locked is set while anybody owns it; the queue is empty when it is 0.
 *   RWLock: _writer and _readers > 0 exclude each other; the queue is empty when both
 *   are 0.
 */

#include "task9-thread-private.h"

struct _Task9ThreadWaiter
{
  _Task9ThreadWaiter *next;
  _Task9ThreadWaiter *prev;
  gboolean            writer;     /* RWLock: wants to write */
  gboolean            on_rendez;  /* queued on a Rendez (not yet on its QLock) */
  Task9ThreadData    *data;       /* the waiting task's record; NULL for a plain thread */
  Task9Channel       *wake;       /* data->wake */
  GMutex              mutex;      /* plain threads */
  GCond               cond;
  gboolean            woken;
};

#define BIT_LOCK(field)   g_bit_lock (&(field), 0)
#define BIT_UNLOCK(field) g_bit_unlock (&(field), 0)

/* ---- waiters ------------------------------------------------------------------------ */

static void
waiter_init (_Task9ThreadWaiter *w,
             gboolean            writer)
{
  w->next = w->prev = NULL;
  w->writer = writer;
  w->on_rendez = FALSE;
  w->woken = FALSE;
  w->data = task9_thread_data_get ();
  if (w->data != NULL)
    {
      if (w->data->wake == NULL)
        w->data->wake = task9_channel_new (1, 1);
      w->wake = w->data->wake;
    }
  else
    {
      w->wake = NULL;
      g_mutex_init (&w->mutex);
      g_cond_init (&w->cond);
    }
}

static void
waiter_clear (_Task9ThreadWaiter *w)
{
  if (w->data == NULL)
    {
      g_mutex_clear (&w->mutex);
      g_cond_clear (&w->cond);
    }
}

static void
waiter_wait (_Task9ThreadWaiter *w)
{
  if (w->data != NULL)
    {
      task9_thread_wait_token (w->data);
      return;
    }
  g_mutex_lock (&w->mutex);
  while (!w->woken)
    g_cond_wait (&w->cond, &w->mutex);
  g_mutex_unlock (&w->mutex);
}

/* After this, @w may be gone: touch nothing of it. */
static void
waiter_wake (_Task9ThreadWaiter *w)
{
  if (w->wake != NULL)
    {
      /* Our own reference: once the token is in, the waiter may end and free its
       * channel while try_send is still leaving it. */
      Task9Channel *wake = g_object_ref (w->wake);
      const char token = 1;

      if (!task9_channel_try_send (wake, &token, NULL))
        g_critical ("task9-thread: a lock waiter had a wake-up pending already");
      g_object_unref (wake);
      return;
    }
  g_mutex_lock (&w->mutex);
  w->woken = TRUE;
  g_cond_signal (&w->cond);
  g_mutex_unlock (&w->mutex);
}

static void
enqueue (_Task9ThreadWaiter **head,
         _Task9ThreadWaiter **tail,
         _Task9ThreadWaiter  *w)
{
  w->next = NULL;
  w->prev = *tail;
  if (*tail != NULL)
    (*tail)->next = w;
  else
    *head = w;
  *tail = w;
}

static void
unlink_waiter (_Task9ThreadWaiter **head,
               _Task9ThreadWaiter **tail,
               _Task9ThreadWaiter  *w)
{
  if (w->prev != NULL)
    w->prev->next = w->next;
  else
    *head = w->next;
  if (w->next != NULL)
    w->next->prev = w->prev;
  else
    *tail = w->prev;
  w->next = w->prev = NULL;
}

static _Task9ThreadWaiter *
dequeue (_Task9ThreadWaiter **head,
         _Task9ThreadWaiter **tail)
{
  _Task9ThreadWaiter *w = *head;

  if (w != NULL)
    unlink_waiter (head, tail, w);
  return w;
}

/* ---- QLock ------------------------------------------------------------------------------ */

void
qlock (QLock *l)
{
  _Task9ThreadWaiter w;

  g_return_if_fail (l != NULL);

  BIT_LOCK (l->_bit);
  if (!l->_locked)
    {
      l->_locked = 1;
      BIT_UNLOCK (l->_bit);
      return;
    }
  BIT_UNLOCK (l->_bit);

  /* Contended: get the waiter ready outside the bit lock, then look again. */
  waiter_init (&w, FALSE);
  BIT_LOCK (l->_bit);
  if (!l->_locked)
    {
      l->_locked = 1;
      BIT_UNLOCK (l->_bit);
      waiter_clear (&w);
      return;
    }
  enqueue (&l->_head, &l->_tail, &w);
  BIT_UNLOCK (l->_bit);

  waiter_wait (&w);   /* qunlock handed us the lock */
  waiter_clear (&w);
}

void
qunlock (QLock *l)
{
  _Task9ThreadWaiter *w;

  g_return_if_fail (l != NULL);

  BIT_LOCK (l->_bit);
  if (!l->_locked)
    {
      BIT_UNLOCK (l->_bit);
      g_critical ("qunlock: the lock is not held");
      return;
    }
  w = dequeue (&l->_head, &l->_tail);
  if (w == NULL)
    l->_locked = 0;
  BIT_UNLOCK (l->_bit);

  if (w != NULL)
    waiter_wake (w);
}

int
canqlock (QLock *l)
{
  int taken;

  g_return_val_if_fail (l != NULL, 0);

  BIT_LOCK (l->_bit);
  taken = !l->_locked;
  l->_locked = 1;
  BIT_UNLOCK (l->_bit);
  return taken;
}

/* ---- RWLock ------------------------------------------------------------------------------ */

static gboolean
can_read_locked (RWLock *l)
{
  return !l->_writer && l->_head == NULL;
}

static gboolean
can_write_locked (RWLock *l)
{
  return !l->_writer && l->_readers == 0;
}

static void
rw_acquire (RWLock   *l,
            gboolean  writer)
{
  _Task9ThreadWaiter w;

  BIT_LOCK (l->_bit);
  if (writer ? can_write_locked (l) : can_read_locked (l))
    goto take;
  BIT_UNLOCK (l->_bit);

  waiter_init (&w, writer);
  BIT_LOCK (l->_bit);
  if (writer ? can_write_locked (l) : can_read_locked (l))
    {
      waiter_clear (&w);
      goto take;
    }
  enqueue (&l->_head, &l->_tail, &w);
  BIT_UNLOCK (l->_bit);

  waiter_wait (&w);   /* the releaser counted us in */
  waiter_clear (&w);
  return;

take:
  if (writer)
    l->_writer = 1;
  else
    l->_readers++;
  BIT_UNLOCK (l->_bit);
}

void
rlock (RWLock *l)
{
  g_return_if_fail (l != NULL);
  rw_acquire (l, FALSE);
}

void
wlock (RWLock *l)
{
  g_return_if_fail (l != NULL);
  rw_acquire (l, TRUE);
}

int
canrlock (RWLock *l)
{
  int taken;

  g_return_val_if_fail (l != NULL, 0);

  BIT_LOCK (l->_bit);
  taken = can_read_locked (l);
  if (taken)
    l->_readers++;
  BIT_UNLOCK (l->_bit);
  return taken;
}

int
canwlock (RWLock *l)
{
  int taken;

  g_return_val_if_fail (l != NULL, 0);

  BIT_LOCK (l->_bit);
  taken = can_write_locked (l);
  if (taken)
    l->_writer = 1;
  BIT_UNLOCK (l->_bit);
  return taken;
}

void
runlock (RWLock *l)
{
  _Task9ThreadWaiter *w = NULL;

  g_return_if_fail (l != NULL);

  BIT_LOCK (l->_bit);
  if (l->_readers <= 0)
    {
      BIT_UNLOCK (l->_bit);
      g_critical ("runlock: the lock is not held for reading");
      return;
    }
  if (--l->_readers == 0 && l->_head != NULL)
    {
      /* Readers that came after a queued writer queued behind it: the head is a writer. */
      w = dequeue (&l->_head, &l->_tail);
      g_assert (w->writer);
      l->_writer = 1;
    }
  BIT_UNLOCK (l->_bit);

  if (w != NULL)
    waiter_wake (w);
}

void
wunlock (RWLock *l)
{
  _Task9ThreadWaiter *wake = NULL, **last = &wake;

  g_return_if_fail (l != NULL);

  BIT_LOCK (l->_bit);
  if (!l->_writer)
    {
      BIT_UNLOCK (l->_bit);
      g_critical ("wunlock: the lock is not held for writing");
      return;
    }
  if (l->_head != NULL && l->_head->writer)
    {
      /* The next writer; _writer stays set for it. */
      wake = dequeue (&l->_head, &l->_tail);
    }
  else
    {
      /* Every reader up to the next writer. */
      while (l->_head != NULL && !l->_head->writer)
        {
          _Task9ThreadWaiter *w = dequeue (&l->_head, &l->_tail);

          l->_readers++;
          *last = w;
          last = &w->next;
        }
      l->_writer = 0;
    }
  BIT_UNLOCK (l->_bit);

  while (wake != NULL)
    {
      _Task9ThreadWaiter *next = wake->next;   /* read before the waiter may go */

      waiter_wake (wake);
      wake = next;
    }
}

/* ---- Rendez -------------------------------------------------------------------------------- */

/* The task was cancelled while asleep: leave early, unless a waker already moved us to
 * the lock's queue, where the lock will be handed to us. Either way we return holding
 * r->l. */
static void
rsleep_cancelled (Rendez             *r,
                  _Task9ThreadWaiter *w)
{
  gboolean still_asleep;

  BIT_LOCK (r->_bit);
  still_asleep = w->on_rendez;
  if (still_asleep)
    {
      unlink_waiter (&r->_head, &r->_tail, w);
      w->on_rendez = FALSE;
    }
  BIT_UNLOCK (r->_bit);

  if (still_asleep)
    qlock (r->l);
  else
    task9_thread_wait_token (w->data);
}

void
rsleep (Rendez *r)
{
  _Task9ThreadWaiter w;

  g_return_if_fail (r != NULL);
  g_return_if_fail (r->l != NULL);

  waiter_init (&w, FALSE);
  BIT_LOCK (r->_bit);
  enqueue (&r->_head, &r->_tail, &w);
  w.on_rendez = TRUE;
  BIT_UNLOCK (r->_bit);

  qunlock (r->l);

  if (w.data != NULL)
    {
      char token;

      if (!task9_channel_recv (w.wake, &token, NULL))
        rsleep_cancelled (r, &w);
    }
  else
    waiter_wait (&w);
  waiter_clear (&w);
}

static int
rwakeup_n (Rendez   *r,
           gboolean  all)
{
  _Task9ThreadWaiter *grant = NULL, **last = &grant;
  QLock *l = r->l;
  int n = 0;

  g_return_val_if_fail (l != NULL, 0);

  BIT_LOCK (r->_bit);
  while (r->_head != NULL)
    {
      _Task9ThreadWaiter *w = dequeue (&r->_head, &r->_tail);

      w->on_rendez = FALSE;
      BIT_LOCK (l->_bit);
      if (l->_locked)
        enqueue (&l->_head, &l->_tail, w);   /* woken when the lock is handed on */
      else
        {
          /* The waker does not hold r->l, against the rules: grant it at once. */
          l->_locked = 1;
          *last = w;
          last = &w->next;
        }
      BIT_UNLOCK (l->_bit);
      n++;
      if (!all)
        break;
    }
  BIT_UNLOCK (r->_bit);

  /* At most one can have been granted the lock; the others wait for it on its queue. */
  if (grant != NULL)
    waiter_wake (grant);
  return n;
}

int
rwakeup (Rendez *r)
{
  g_return_val_if_fail (r != NULL, 0);
  return rwakeup_n (r, FALSE);
}

int
rwakeupall (Rendez *r)
{
  g_return_val_if_fail (r != NULL, 0);
  return rwakeup_n (r, TRUE);
}
