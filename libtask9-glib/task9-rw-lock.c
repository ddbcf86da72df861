/* task9-rw-lock.c: Task9RWLock, a readers-writer lock with writer preference
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * One Task9SyncQueue (task9-sync.c) of readers and writers, in arrival order, and
 * Plan 9's rule (libc's lock.c): a reader gets in at once only when no writer holds
 * the lock and nobody waits; otherwise it queues, so a queued writer holds back every
 * reader that comes after it (writer preference, no writer starvation). Whoever
 * changes the state grants from the head of the queue: a writer when the lock is
 * free, or every reader up to the next writer while no writer holds it.
 *
 * Grants are grant-then-fire: a woken waiter holds what it asked for, a timed-out or
 * cancelled one holds nothing. A waiter that gives up may have held back waiters
 * behind it (a writer at the head with readers after it, while readers hold the lock):
 * after every wait that ends without a grant, the queue is granted again.
 *
 * The write side has one holder, recorded like Task9Lock's (a task, or outside tasks
 * for async and outside-task acquisitions), checked on release, and given up with a
 * warning by a task that ends holding it. Read holds are shared and not attributed:
 * releasing a read hold fails only when no reader holds the lock.
 *
 * Invariants (under queue.lock):
 * - writing and readers > 0 exclude each other.
 * - The head of the queue, if still waiting, cannot be granted with the present state
 *   (every state change and every withdrawal re-grants).
 */

#include "task9-config.h"

#include "task9-error.h"
#include "task9-rw-lock.h"
#include "task9-scheduler-private.h"
#include "task9-sync-private.h"

enum { READER = 0, WRITER = 1 };   /* a waiter's kind */

/**
 * Task9RWLock:
 *
 * A readers-writer lock: any number of readers at once, or one writer. Plan 9's
 * RWLock on the same waiters as channels, for tasks on any proc and for main-loop code.
 *
 * Waiters are served in order of arrival, with writer preference: a reader that asks
 * while a writer waits queues behind that writer, so writers cannot starve; a writer
 * that releases the lock hands it to the next writer in line, or to every reader
 * queued before it. Each side has a blocking form for tasks (with a timeout and a
 * #GCancellable), a try form and an async pair. A cancelled or timed-out wait owns
 * nothing, and readers it held back are let in.
 *
 * The write side is held by the task that acquired it, or outside tasks (async and
 * outside-task acquisitions), and only its holder may release it. Read holds are not
 * attributed to a holder: a reader release fails with %TASK9_ERROR_NOT_OWNER only when
 * no reader holds the lock. A task that ends holding the write side releases it, with
 * a warning; a task that ends holding a read hold keeps it held (readers are not
 * tracked per task), so release read holds before returning.
 *
 * Since: 0.1
 */
struct _Task9RWLock
{
  GObject         parent_instance;

  Task9SyncQueue  queue;      /* its spinlock guards the fields below */
  guint           readers;
  gboolean        writing;
  Task9Task      *writer;     /* the writing task; NULL when none or outside tasks */
  gboolean        outside;    /* sticky: held outside tasks once; waits are external */
  Task9Hold       hold;       /* in the writing task's holds */
};

G_DEFINE_FINAL_TYPE (Task9RWLock, task9_rw_lock, G_TYPE_OBJECT)

static void abandon_hold (Task9Hold *hold, Task9Task *task);

static void
task9_rw_lock_finalize (GObject *object)
{
  Task9RWLock *lock = TASK9_RW_LOCK (object);

  g_warn_if_fail (lock->writer == NULL);
  g_warn_if_fail (!task9_sync_has_waiters (&lock->queue));

  G_OBJECT_CLASS (task9_rw_lock_parent_class)->finalize (object);
}

static void
task9_rw_lock_class_init (Task9RWLockClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = task9_rw_lock_finalize;
}

static void
task9_rw_lock_init (Task9RWLock *lock)
{
  task9_sync_queue_init (&lock->queue);
  lock->hold.abandon = abandon_hold;
}

/**
 * task9_rw_lock_new:
 *
 * Creates a readers-writer lock, free.
 *
 * Returns: (transfer full): a new #Task9RWLock
 *
 * Since: 0.1
 */
Task9RWLock *
task9_rw_lock_new (void)
{
  return g_object_new (TASK9_TYPE_RW_LOCK, NULL);
}

/* ---- state ----------------------------------------------------------------------------- */

static void
note_writer (Task9RWLock *lock,
             Task9Task   *self)
{
  if (self == NULL)
    return;
  g_object_ref (lock);
  task9_task_push_hold (self, &lock->hold);
}

static void
forget_writer (Task9RWLock *lock,
               Task9Task   *self)
{
  if (self == NULL)
    return;
  task9_task_unlink_hold (self, &lock->hold);
  g_object_unref (lock);
}

/* With the spinlock held: grants what the state allows, from the head of the queue. */
static void
grant_locked (Task9RWLock     *lock,
              Task9SyncGrants *grants)
{
  Task9Waiter *waiter;

  if (lock->writing)
    return;
  if (lock->readers == 0)
    {
      waiter = task9_sync_grant_first (&lock->queue, TASK9_SYNC_ANY_KIND, grants);
      if (waiter == NULL)
        return;
      if (waiter->is_send == WRITER)
        {
          lock->writing = TRUE;
          lock->writer = task9_sync_waiter_task (waiter);
          if (lock->writer == NULL)
            lock->outside = TRUE;
          return;
        }
      lock->readers++;
    }
  while (task9_sync_grant_first (&lock->queue, READER, grants) != NULL)
    lock->readers++;
}

/* With the spinlock held: takes the lock at once for a @writer or a reader if the state
 * and the queue allow. */
static gboolean
take_if_free_locked (Task9RWLock *lock,
                     gboolean     writer,
                     Task9Task   *self)
{
  if (lock->writing || (writer && lock->readers > 0) || task9_sync_prune (&lock->queue))
    return FALSE;
  if (writer)
    {
      lock->writing = TRUE;
      lock->writer = self;
    }
  else
    lock->readers++;
  if (self == NULL)
    lock->outside = TRUE;
  return TRUE;
}

static void
abandon_hold (Task9Hold *hold,
              Task9Task *task)
{
  Task9RWLock *lock = (Task9RWLock *) ((guint8 *) hold - G_STRUCT_OFFSET (Task9RWLock, hold));
  Task9SyncGrants grants = TASK9_SYNC_GRANTS_INIT;

  g_warning ("Task “%s” (%" G_GUINT64_FORMAT ") ended holding RW lock %p for writing; "
             "it is released for the next waiters",
             task9_task_get_name (task) != NULL ? task9_task_get_name (task) : "",
             task9_task_get_id (task), (gpointer) lock);
  task9_sync_lock (&lock->queue);
  g_assert (lock->writing && lock->writer == task);
  lock->writing = FALSE;
  lock->writer = NULL;
  grant_locked (lock, &grants);
  task9_sync_unlock_and_fire (&lock->queue, &grants);
  forget_writer (lock, task);
}

/* ---- acquiring --------------------------------------------------------------------- */

static gboolean
acquire (Task9RWLock   *lock,
         gboolean       writer,
         GTimeSpan      timeout,
         GCancellable  *cancellable,
         GError       **error)
{
  Task9Task *self = task9_scheduler_current_task ();
  Task9SyncGrants grants = TASK9_SYNC_GRANTS_INIT;
  Task9WakeReason why;
  gint64 deadline;

  if (cancellable != NULL && g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;
  deadline = task9_deadline_from_timeout (timeout);

  task9_sync_lock (&lock->queue);
  if (take_if_free_locked (lock, writer, self))
    {
      task9_sync_unlock (&lock->queue);
      if (writer)
        note_writer (lock, self);
      return TRUE;
    }
  if (self != NULL && lock->writing && lock->writer == self)
    {
      task9_sync_unlock (&lock->queue);
      g_set_error (error, TASK9_ERROR, TASK9_ERROR_DEADLOCK,
                   "The task holds the RW lock for writing already");
      return FALSE;
    }
  if (!task9_sync_may_block (self, timeout,
                             writer ? "Acquiring an RW lock for writing"
                                    : "Acquiring an RW lock for reading", error))
    {
      task9_sync_unlock (&lock->queue);
      return FALSE;
    }
  why = task9_sync_park (&lock->queue, self, NULL, writer ? WRITER : READER, deadline,
                         cancellable, lock->outside, writer ? "wlock" : "rlock");
  if (why == TASK9_WAKE_READY)
    {
      if (writer)
        note_writer (lock, self);
      return TRUE;
    }

  /* Withdrawn: whoever we held back may go now. */
  task9_sync_lock (&lock->queue);
  grant_locked (lock, &grants);
  task9_sync_unlock_and_fire (&lock->queue, &grants);
  return task9_wait_check_reason (why, error);
}

static gboolean
try_acquire (Task9RWLock *lock,
             gboolean     writer)
{
  Task9Task *self = task9_scheduler_current_task ();
  gboolean taken;

  task9_sync_lock (&lock->queue);
  taken = take_if_free_locked (lock, writer, self);
  task9_sync_unlock (&lock->queue);
  if (taken && writer)
    note_writer (lock, self);
  return taken;
}

static void
settle_acquire (Task9AsyncOp *op)
{
  Task9RWLock *lock = TASK9_RW_LOCK (op->source_object);
  Task9SyncGrants grants = TASK9_SYNC_GRANTS_INIT;

  task9_async_op_withdraw (op);   /* takes the queue's spinlock */
  if (op->reason != TASK9_WAKE_READY)
    {
      /* Whoever it held back may go now. */
      task9_sync_lock (&lock->queue);
      grant_locked (lock, &grants);
      task9_sync_unlock_and_fire (&lock->queue, &grants);
    }
  task9_wait_check_reason (op->reason, &op->error);
}

static void
acquire_async (Task9RWLock         *lock,
               gboolean             writer,
               GCancellable        *cancellable,
               GAsyncReadyCallback  callback,
               gpointer             user_data,
               gpointer             tag)
{
  Task9AsyncOp *op = task9_async_op_new (lock, 1, cancellable, callback, user_data, tag,
                                         settle_acquire);

  if (cancellable != NULL && g_cancellable_is_cancelled (cancellable))
    {
      task9_async_op_complete_now (op, TASK9_WAKE_CANCELLED);
      return;
    }
  task9_sync_lock (&lock->queue);
  if (take_if_free_locked (lock, writer, NULL))
    {
      task9_sync_unlock (&lock->queue);
      task9_async_op_complete_now (op, TASK9_WAKE_READY);
      return;
    }
  task9_sync_wait_async (&lock->queue, op, NULL, writer ? WRITER : READER);
}

/* ---- releasing ------------------------------------------------------------------------ */

static gboolean
release (Task9RWLock  *lock,
         gboolean      writer,
         GError      **error)
{
  Task9Task *self = task9_scheduler_current_task ();
  Task9SyncGrants grants = TASK9_SYNC_GRANTS_INIT;

  task9_sync_lock (&lock->queue);
  if (writer ? !lock->writing || lock->writer != self : lock->readers == 0)
    {
      gboolean writing = lock->writing;

      task9_sync_unlock (&lock->queue);
      g_set_error_literal (error, TASK9_ERROR, TASK9_ERROR_NOT_OWNER,
                           !writer ? "The RW lock is not held for reading" :
                           !writing ? "The RW lock is not held for writing" :
                                      "The RW lock is held for writing by somebody else");
      return FALSE;
    }
  if (writer)
    {
      lock->writing = FALSE;
      lock->writer = NULL;
    }
  else
    lock->readers--;
  grant_locked (lock, &grants);
  task9_sync_unlock_and_fire (&lock->queue, &grants);
  if (writer)
    forget_writer (lock, self);
  return TRUE;
}

/* ---- the public calls ------------------------------------------------------------------- */

/**
 * task9_rw_lock_reader_acquire: (skip)
 * @lock: a #Task9RWLock
 * @timeout: how long to wait, in microseconds: negative for no limit, 0 not to wait
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Takes a read hold on @lock, suspending the calling task while a writer holds the
 * lock or anybody waits for it. Outside a task this succeeds only if no wait is needed
 * (%TASK9_ERROR_NOT_IN_TASK otherwise).
 *
 * Returns: %TRUE if the caller holds a read hold; %FALSE with @error set:
 *   %G_IO_ERROR_TIMED_OUT, %G_IO_ERROR_CANCELLED, %TASK9_ERROR_WOULD_BLOCK,
 *   %TASK9_ERROR_NOT_IN_TASK, or %TASK9_ERROR_DEADLOCK if the task holds the write side
 *
 * Since: 0.1
 */
gboolean
task9_rw_lock_reader_acquire (Task9RWLock   *lock,
                              GTimeSpan      timeout,
                              GCancellable  *cancellable,
                              GError       **error)
{
  g_return_val_if_fail (TASK9_IS_RW_LOCK (lock), FALSE);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);
  return acquire (lock, FALSE, timeout, cancellable, error);
}

/**
 * task9_rw_lock_reader_try_acquire:
 * @lock: a #Task9RWLock
 *
 * Takes a read hold only if that needs no wait: no writer holds the lock and nobody
 * waits for it.
 *
 * Returns: %TRUE if the caller now holds a read hold
 *
 * Since: 0.1
 */
gboolean
task9_rw_lock_reader_try_acquire (Task9RWLock *lock)
{
  g_return_val_if_fail (TASK9_IS_RW_LOCK (lock), FALSE);
  return try_acquire (lock, FALSE);
}

/**
 * task9_rw_lock_reader_acquire_async:
 * @lock: a #Task9RWLock
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called on the caller's thread-default main context once
 *   the caller holds a read hold (or the wait was cancelled)
 * @user_data: (closure): data for @callback
 *
 * The async form of [method@Task9.RWLock.reader_acquire], for main-loop code.
 *
 * Since: 0.1
 */
void
task9_rw_lock_reader_acquire_async (Task9RWLock         *lock,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  g_return_if_fail (TASK9_IS_RW_LOCK (lock));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));
  acquire_async (lock, FALSE, cancellable, callback, user_data,
                 task9_rw_lock_reader_acquire_async);
}

/**
 * task9_rw_lock_reader_acquire_finish:
 * @lock: a #Task9RWLock
 * @result: the result given to the callback
 * @error: return location for a #GError
 *
 * Finishes [method@Task9.RWLock.reader_acquire_async].
 *
 * Returns: %TRUE if the caller holds a read hold; %FALSE with %G_IO_ERROR_CANCELLED
 *
 * Since: 0.1
 */
gboolean
task9_rw_lock_reader_acquire_finish (Task9RWLock   *lock,
                                     GAsyncResult  *result,
                                     GError       **error)
{
  g_return_val_if_fail (TASK9_IS_RW_LOCK (lock), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);
  return task9_async_op_check (result, lock, task9_rw_lock_reader_acquire_async,
                               error) != NULL;
}

/**
 * task9_rw_lock_reader_release:
 * @lock: a #Task9RWLock held for reading
 * @error: return location for a #GError
 *
 * Gives up a read hold; the last reader out hands the lock to a waiting writer.
 *
 * Returns: %TRUE if released; %FALSE with %TASK9_ERROR_NOT_OWNER if no reader holds
 *   @lock
 *
 * Since: 0.1
 */
gboolean
task9_rw_lock_reader_release (Task9RWLock  *lock,
                              GError      **error)
{
  g_return_val_if_fail (TASK9_IS_RW_LOCK (lock), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);
  return release (lock, FALSE, error);
}

/**
 * task9_rw_lock_writer_acquire: (skip)
 * @lock: a #Task9RWLock
 * @timeout: how long to wait, in microseconds: negative for no limit, 0 not to wait
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Takes @lock for writing, suspending the calling task while anybody else holds it or
 * waits ahead. While it waits, readers that come after it queue behind it. Outside a
 * task this succeeds only if the lock is free (%TASK9_ERROR_NOT_IN_TASK otherwise).
 *
 * Returns: %TRUE if the caller holds the write side; %FALSE with @error set:
 *   %G_IO_ERROR_TIMED_OUT, %G_IO_ERROR_CANCELLED, %TASK9_ERROR_WOULD_BLOCK,
 *   %TASK9_ERROR_NOT_IN_TASK, or %TASK9_ERROR_DEADLOCK if the task holds it already
 *
 * Since: 0.1
 */
gboolean
task9_rw_lock_writer_acquire (Task9RWLock   *lock,
                              GTimeSpan      timeout,
                              GCancellable  *cancellable,
                              GError       **error)
{
  g_return_val_if_fail (TASK9_IS_RW_LOCK (lock), FALSE);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);
  return acquire (lock, TRUE, timeout, cancellable, error);
}

/**
 * task9_rw_lock_writer_try_acquire:
 * @lock: a #Task9RWLock
 *
 * Takes @lock for writing only if it is free and nobody waits.
 *
 * Returns: %TRUE if the caller now holds the write side
 *
 * Since: 0.1
 */
gboolean
task9_rw_lock_writer_try_acquire (Task9RWLock *lock)
{
  g_return_val_if_fail (TASK9_IS_RW_LOCK (lock), FALSE);
  return try_acquire (lock, TRUE);
}

/**
 * task9_rw_lock_writer_acquire_async:
 * @lock: a #Task9RWLock
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called on the caller's thread-default main context once
 *   the caller holds the write side (or the wait was cancelled)
 * @user_data: (closure): data for @callback
 *
 * The async form of [method@Task9.RWLock.writer_acquire], for main-loop code. The write
 * side is then held outside tasks: release it from main-loop code.
 *
 * Since: 0.1
 */
void
task9_rw_lock_writer_acquire_async (Task9RWLock         *lock,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  g_return_if_fail (TASK9_IS_RW_LOCK (lock));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));
  acquire_async (lock, TRUE, cancellable, callback, user_data,
                 task9_rw_lock_writer_acquire_async);
}

/**
 * task9_rw_lock_writer_acquire_finish:
 * @lock: a #Task9RWLock
 * @result: the result given to the callback
 * @error: return location for a #GError
 *
 * Finishes [method@Task9.RWLock.writer_acquire_async].
 *
 * Returns: %TRUE if the caller holds the write side; %FALSE with
 *   %G_IO_ERROR_CANCELLED
 *
 * Since: 0.1
 */
gboolean
task9_rw_lock_writer_acquire_finish (Task9RWLock   *lock,
                                     GAsyncResult  *result,
                                     GError       **error)
{
  g_return_val_if_fail (TASK9_IS_RW_LOCK (lock), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);
  return task9_async_op_check (result, lock, task9_rw_lock_writer_acquire_async,
                               error) != NULL;
}

/**
 * task9_rw_lock_writer_release:
 * @lock: a #Task9RWLock the caller holds for writing
 * @error: return location for a #GError
 *
 * Releases the write side, handing the lock to the next writer in line or to every
 * reader queued before it.
 *
 * Returns: %TRUE if released; %FALSE with %TASK9_ERROR_NOT_OWNER if the caller does not
 *   hold the write side
 *
 * Since: 0.1
 */
gboolean
task9_rw_lock_writer_release (Task9RWLock  *lock,
                              GError      **error)
{
  g_return_val_if_fail (TASK9_IS_RW_LOCK (lock), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);
  return release (lock, TRUE, error);
}

/**
 * task9_rw_lock_get_n_readers:
 * @lock: a #Task9RWLock
 *
 * How many read holds @lock has now (may be out of date when the caller looks).
 *
 * Returns: the number of readers
 *
 * Since: 0.1
 */
guint
task9_rw_lock_get_n_readers (Task9RWLock *lock)
{
  guint n;

  g_return_val_if_fail (TASK9_IS_RW_LOCK (lock), 0);
  task9_sync_lock (&lock->queue);
  n = lock->readers;
  task9_sync_unlock (&lock->queue);
  return n;
}

/**
 * task9_rw_lock_is_write_locked:
 * @lock: a #Task9RWLock
 *
 * Whether a writer holds @lock now (may be out of date when the caller looks).
 *
 * Returns: %TRUE if held for writing
 *
 * Since: 0.1
 */
gboolean
task9_rw_lock_is_write_locked (Task9RWLock *lock)
{
  gboolean writing;

  g_return_val_if_fail (TASK9_IS_RW_LOCK (lock), FALSE);
  task9_sync_lock (&lock->queue);
  writing = lock->writing;
  task9_sync_unlock (&lock->queue);
  return writing;
}

/**
 * task9_rw_lock_has_waiters:
 * @lock: a #Task9RWLock
 *
 * Whether anybody waits for @lock, for monitoring and tests (may be out of date when
 * the caller looks).
 *
 * Returns: %TRUE if a waiter is queued
 *
 * Since: 0.1
 */
gboolean
task9_rw_lock_has_waiters (Task9RWLock *lock)
{
  gboolean waiting;

  g_return_val_if_fail (TASK9_IS_RW_LOCK (lock), FALSE);
  task9_sync_lock (&lock->queue);
  waiting = task9_sync_prune (&lock->queue);
  task9_sync_unlock (&lock->queue);
  return waiting;
}

/**
 * task9_rw_lock_set_name:
 * @lock: a read-write lock
 * @name: (nullable): a name for debugging
 *
 * Names @lock for the task table: a task waiting on it shows the name as what it
 * waits on ([method@Task9.TaskInfo.get_wait_object]). The name is interned: use a
 * small set of names. Set it before the read-write lock is shared.
 *
 * Since: 0.1
 */
void
task9_rw_lock_set_name (Task9RWLock *lock,
                        const char *name)
{
  g_return_if_fail (TASK9_IS_RW_LOCK (lock));

  lock->queue.name = name != NULL ? g_intern_string (name) : NULL;
}

/**
 * task9_rw_lock_get_name:
 * @lock: a read-write lock
 *
 * Returns the name set with [method@Task9.RWLock.set_name].
 *
 * Returns: (nullable): the name, or %NULL
 *
 * Since: 0.1
 */
const char *
task9_rw_lock_get_name (Task9RWLock *lock)
{
  g_return_val_if_fail (TASK9_IS_RW_LOCK (lock), NULL);

  return lock->queue.name;
}
