/* task9-sync-private.h: the wait queue of a synchronisation object (see task9-sync.c)
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "task9-async-private.h"
#include "task9-spinlock-private.h"
#include "task9-task-private.h"
#include "task9-waiter-private.h"

G_BEGIN_DECLS

/* A lock, an event, a semaphore...: its state and its FIFO of waiters, both under one
 * spinlock. A waiter's @arg (Task9Waiter.value) and @kind (Task9Waiter.is_send) say
 * what it asks for (a reader or a writer, how many permits, where an item goes). */
typedef struct
{
  gint             lock;
  Task9WaiterQueue waiters;
  const char      *name;       /* interned debug name for the task table, or NULL */
} Task9SyncQueue;

/* Waiters granted under the lock, fired once it is released (a wake-up may write an
 * eventfd; nobody should spin on the lock meanwhile). Linked through Task9Waiter.next,
 * which nobody else reads once the waiter is dequeued and claimed. */
typedef struct
{
  Task9Waiter *head;
} Task9SyncGrants;

#define TASK9_SYNC_GRANTS_INIT { NULL }
#define TASK9_SYNC_ANY_KIND    (-1)

static inline void
task9_sync_queue_init (Task9SyncQueue *queue)
{
  queue->lock = 0;
  queue->name = NULL;
  task9_waiter_queue_init (&queue->waiters, &queue->lock);
}

static inline void
task9_sync_lock (Task9SyncQueue *queue)
{
  task9_spin_lock (&queue->lock);
}

static inline void
task9_sync_unlock (Task9SyncQueue *queue)
{
  task9_spin_unlock (&queue->lock);
}

static inline gboolean
task9_sync_has_waiters (Task9SyncQueue *queue)
{
  return queue->waiters.head != NULL;
}

Task9WakeReason task9_sync_park          (Task9SyncQueue   *queue,
                                          Task9Task        *self,
                                          gpointer          arg,
                                          guint8            kind,
                                          gint64            deadline,
                                          GCancellable     *cancellable,
                                          gboolean          external,
                                          const char       *reason);
void            task9_sync_wait_async    (Task9SyncQueue   *queue,
                                          Task9AsyncOp     *op,
                                          gpointer          arg,
                                          guint8            kind);
void            task9_sync_settle        (Task9AsyncOp     *op);
Task9Waiter    *task9_sync_grant_first   (Task9SyncQueue   *queue,
                                          gint              kind,
                                          Task9SyncGrants  *grants);
void            task9_sync_unlock_and_fire (Task9SyncQueue *queue,
                                          Task9SyncGrants  *grants);
gboolean        task9_sync_may_block     (Task9Task        *self,
                                          GTimeSpan         timeout,
                                          const char       *what,
                                          GError          **error);

gboolean        task9_sync_prune         (Task9SyncQueue   *queue);

/* Waiters that move from one queue to another: a condition's sleeper, which a signal
 * moves to the tail of its lock's queue (Plan 9's rwakeup), so that it wakes once, owning
 * the lock. Such a waiter's owner opens its wait with task9_sync_enqueue() and
 * task9_sync_park_queued() and withdraws with task9_sync_withdraw_movable(), never with
 * task9_waiter_withdraw() (which would take only one of the two locks). */
void            task9_sync_enqueue       (Task9SyncQueue   *queue,
                                          Task9Task        *self,
                                          Task9Waiter      *waiter,
                                          Task9WaitSet     *set,
                                          gpointer          arg,
                                          guint8            kind);
Task9WakeReason task9_sync_park_queued   (Task9Task        *self,
                                          Task9Waiter      *waiter,
                                          gint64            deadline,
                                          GCancellable     *cancellable,
                                          gboolean          external,
                                          const char       *reason);
Task9Waiter    *task9_sync_move_first    (Task9SyncQueue   *from,
                                          Task9SyncQueue   *to,
                                          guint8            moved_kind);
gboolean        task9_sync_withdraw_movable (Task9Waiter   *waiter,
                                          Task9SyncQueue   *from,
                                          Task9SyncQueue   *to,
                                          guint8            moved_kind);

/* Who owns what a granted waiter received: its task, or NULL for an async caller. */
static inline Task9Task *
task9_sync_waiter_task (Task9Waiter *waiter)
{
  return waiter->set->task;
}

G_END_DECLS
