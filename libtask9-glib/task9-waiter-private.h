/* task9-waiter-private.h: the one mechanism behind every wait (see task9-waiter.c)
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gio/gio.h>

#include "task9-spinlock-private.h"
#include "task9-types.h"

G_BEGIN_DECLS

typedef enum
{
  TASK9_WAKE_NONE,
  TASK9_WAKE_READY,       /* what was waited for happened */
  TASK9_WAKE_CANCELLED,
  TASK9_WAKE_TIMED_OUT,
} Task9WakeReason;

typedef struct _Task9AsyncOp Task9AsyncOp;
typedef struct _Task9Waiter Task9Waiter;
typedef struct _Task9WaiterQueue Task9WaiterQueue;
typedef struct _Task9WaitSet Task9WaitSet;

/* The claim: the only compare-and-swap that decides who ends a wait. A claim word holds
 * token = (seq << 1) | 1 while wait number seq is open; the one party whose CAS still
 * finds the token it registered turns it into token & ~1 and owns the wake-up. */
static inline gboolean
task9_claim (guint64 *word,
             guint64  token)
{
  guint64 expected = token;

  return __atomic_compare_exchange_n (word, &expected, token & ~(guint64) 1, FALSE,
                                      __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
}

/* What the waiters of one blocked operation share (all the arms of an alt): whom to
 * wake and where the winner records its arm. A blocked task's set lives on its own
 * stack; an async caller's in its Task9AsyncOp. */
struct _Task9WaitSet
{
  Task9Task     *task;          /* a blocked task, or NULL for an async caller */
  Task9AsyncOp  *async;
  gint           fired_arm;     /* written by the winner ... */
  gboolean       fired_closed;  /* ... with whether the source was closed */
};

/* A FIFO of waiters. @lock is the spinlock its owner guards it with, or NULL for a
 * queue only its owner's thread touches (and whose owner holds its own lock). */
struct _Task9WaiterQueue
{
  Task9Waiter *head;
  Task9Waiter *tail;
  gint        *lock;
};

/* One arm's record, queued where its waker will find it. The claim is here, not in the
 * set: a waker reads it for every waiter it dequeues, and reaches the set only once it
 * has won. All the arms of one alt point at the same claim word, so exactly one of them
 * fires. One cache line. */
struct _Task9Waiter
{
  Task9Waiter      *prev;       /* the queue, under its lock */
  Task9Waiter      *next;
  Task9WaiterQueue *queue;      /* NULL: never queued */
  guint64          *claim;      /* task9_claim (claim, token) to own the wake-up */
  guint64           token;
  Task9WaitSet     *set;
  gpointer          value;      /* send: the element; recv: where it goes (or NULL) */
  gint              arm;        /* which arm of the alt this is */
  guint8            is_send;    /* (bytes: a waiter is one cache line) */
  guint8            linked;
};

G_STATIC_ASSERT (sizeof (Task9Waiter) <= 64);

static inline void
task9_waiter_queue_init (Task9WaiterQueue *queue,
                         gint             *lock)
{
  queue->head = queue->tail = NULL;
  queue->lock = lock;
}

/* Under the queue's lock. */
static inline void
task9_waiter_enqueue (Task9WaiterQueue *queue,
                      Task9Waiter      *waiter)
{
  waiter->queue = queue;
  waiter->next = NULL;
  waiter->prev = queue->tail;
  if (queue->tail != NULL)
    queue->tail->next = waiter;
  else
    queue->head = waiter;
  queue->tail = waiter;
  waiter->linked = TRUE;
}

/* Under the queue's lock. */
static inline void
task9_waiter_dequeue (Task9Waiter *waiter)
{
  Task9WaiterQueue *queue = waiter->queue;

  if (waiter->prev != NULL)
    waiter->prev->next = waiter->next;
  else
    queue->head = waiter->next;
  if (waiter->next != NULL)
    waiter->next->prev = waiter->prev;
  else
    queue->tail = waiter->prev;
  /* The last touch: once its owner sees this, nobody uses the waiter any more. */
  __atomic_store_n (&waiter->linked, FALSE, __ATOMIC_RELEASE);
}

/* Under the queue's lock: dequeues the first waiter whose claim we win, dropping the
 * stale ones (their alt fired elsewhere, or they were cancelled or timed out). */
static inline Task9Waiter *
task9_waiter_claim_first (Task9WaiterQueue *queue)
{
  Task9Waiter *waiter;

  while ((waiter = queue->head) != NULL)
    {
      /* Read before the dequeue: a stale waiter's owner may reuse it right after. */
      guint64 *claim = waiter->claim;
      guint64 token = waiter->token;

      task9_waiter_dequeue (waiter);
      if (task9_claim (claim, token))
        return waiter;   /* ours: its owner waits for our wake-up */
    }
  return NULL;
}

void task9_waiter_fire          (Task9Waiter *waiter,
                                 gboolean     closed);
void task9_waiter_withdraw_slow (Task9Waiter *waiter);

/* By its owner, once it no longer waits: takes @waiter out of its queue unless a waker
 * already did (then nobody touches it any more: see task9_waiter_dequeue()). */
static inline void
task9_waiter_withdraw (Task9Waiter *waiter)
{
  if (waiter->queue != NULL && __atomic_load_n (&waiter->linked, __ATOMIC_ACQUIRE))
    task9_waiter_withdraw_slow (waiter);
}

/* ---- parking a task ---- */

Task9WakeReason task9_wait_park           (Task9Task       *self,
                                           guint64          token,
                                           gint64           deadline,
                                           GCancellable    *cancellable,
                                           const char      *reason);
gboolean        task9_wait_check_reason   (Task9WakeReason  reason,
                                           GError         **error);
gint64          task9_deadline_from_timeout_slow (GTimeSpan timeout);

/* A timeout in microseconds (negative: none) as a monotonic deadline (-1: none). Inline:
 * every blocking channel operation asks, and most have no timeout. */
static inline gint64
task9_deadline_from_timeout (GTimeSpan timeout)
{
  return timeout < 0 ? -1 : task9_deadline_from_timeout_slow (timeout);
}

/* ---- wait lists: everybody waiting for one condition, woken all at once ---- */

/* Tasks, async callers and plain threads waiting for a condition that the owner's
 * GMutex guards (a task's end, a proc's end, a group draining). */
typedef struct
{
  Task9WaiterQueue waiters;
  guint            n_threads;   /* threads blocked on cond: broadcasting costs a syscall */
  GCond            cond;
} Task9WaitList;

typedef gboolean (*Task9WaitCondition) (gpointer data);

void     task9_wait_list_init     (Task9WaitList       *list);
void     task9_wait_list_clear    (Task9WaitList       *list);
gboolean task9_wait_list_wait     (Task9WaitList       *list,
                                   GMutex              *lock,
                                   Task9WaitCondition   condition,
                                   gpointer             data,
                                   gint64               deadline,
                                   const char          *reason,
                                   GError             **error);
void     task9_wait_list_wake_all (Task9WaitList       *list);
Task9WakeReason task9_wait_list_park (Task9WaitList   *list,
                                      GMutex          *lock,
                                      Task9Task       *self,
                                      gint64           deadline,
                                      GCancellable    *cancellable,
                                      gboolean         external,
                                      const char      *reason);

G_END_DECLS
