/* task9-thread-lock.c: QLock, RWLock and Rendez of lock(2), on the core's locks
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A QLock is a Task9Lock, an RWLock a Task9RWLock, a Rendez a Task9Cond bound to its
 * QLock's Task9Lock: the FIFO hand-off, Plan 9's reader/writer queueing and rwakeup's
 * move of a sleeper to the lock's queue are the core's (task9-lock.c, task9-rw-lock.c,
 * task9-cond.c). What is left here is what lock(2) has and the core does not:
 *
 * - Zero-filled structs with no initialisation call: the core object is created on
 *   first use and published with one compare-and-swap, so racing first users agree on
 *   one (the loser drops its own).
 * - Calls that cannot fail. In a task, qlock/rlock/wlock wait with no limit; a task
 *   that is cancelled (every core wait then fails at once) polls with the try form,
 *   letting its proc's other tasks run, as it did before. Code that is not a task (a
 *   plain OS thread, a callback) blocks its OS thread: it makes the async acquisition
 *   on a private main context and iterates that context until it completes, so it
 *   holds the lock outside tasks, and releases it from outside tasks.
 * - Misuse is reported with g_critical (the calls return void or a count).
 *
 * Invariants:
 * - A struct's pointer goes from NULL to its object once and never changes again.
 */

#include "task9-thread-private.h"

/* ---- the core objects, made on first use ---------------------------------------------- */

static gpointer
first_use (gpointer  *slot,
           gpointer (*make) (gpointer),
           gpointer   arg)
{
  gpointer object = g_atomic_pointer_get (slot);

  if (G_LIKELY (object != NULL))
    return object;
  object = make (arg);
  if (!g_atomic_pointer_compare_and_exchange (slot, NULL, object))
    {
      g_object_unref (object);   /* another thread was first */
      object = g_atomic_pointer_get (slot);
    }
  return object;
}

static gpointer
make_lock (gpointer arg)
{
  return task9_lock_new ();
}

static gpointer
make_rw_lock (gpointer arg)
{
  return task9_rw_lock_new ();
}

static Task9Lock *
qlock_get (QLock *l)
{
  return first_use ((gpointer *) &l->_lock, make_lock, NULL);
}

static Task9RWLock *
rwlock_get (RWLock *l)
{
  return first_use ((gpointer *) &l->_lock, make_rw_lock, NULL);
}

static gpointer
make_cond (gpointer arg)
{
  return task9_cond_new (qlock_get (arg));
}

static Task9Cond *
rendez_get (Rendez *r)
{
  return first_use ((gpointer *) &r->_cond, make_cond, r->l);
}

/* ---- waiting outside tasks -------------------------------------------------------------- */

typedef void (*StartAsync) (gpointer             object,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data);

static void
async_done (GObject      *source,
            GAsyncResult *result,
            gpointer      data)
{
  *(GAsyncResult **) data = g_object_ref (result);
}

/* Outside a task: makes the async call @start on @object on a private context and
 * blocks the thread until it completes. Returns its result, for the _finish call. */
static GAsyncResult *
block_on (StartAsync start,
          gpointer   object)
{
  GMainContext *context = g_main_context_new ();
  GAsyncResult *result = NULL;

  g_main_context_push_thread_default (context);
  start (object, NULL, async_done, &result);
  while (result == NULL)
    g_main_context_iteration (context, TRUE);
  g_main_context_pop_thread_default (context);
  g_main_context_unref (context);
  return result;
}

static void
lock_start (gpointer o, GCancellable *c, GAsyncReadyCallback cb, gpointer d)
{
  task9_lock_acquire_async (o, c, cb, d);
}

static void
reader_start (gpointer o, GCancellable *c, GAsyncReadyCallback cb, gpointer d)
{
  task9_rw_lock_reader_acquire_async (o, c, cb, d);
}

static void
writer_start (gpointer o, GCancellable *c, GAsyncReadyCallback cb, gpointer d)
{
  task9_rw_lock_writer_acquire_async (o, c, cb, d);
}

static void
sleep_start (gpointer o, GCancellable *c, GAsyncReadyCallback cb, gpointer d)
{
  task9_cond_wait_async (o, c, cb, d);
}

/* A task that locks what it holds itself: Plan 9 waits for ever, and so does it here,
 * parked, so that threadmain's deadlock detector can report it, rather than spinning. */
static G_GNUC_NORETURN void
wait_forever (void)
{
  task9_set_cancel_shield (TRUE);
  for (;;)
    task9_sleep (G_MAXINT64, NULL);
}

/* ---- QLock ------------------------------------------------------------------------------ */

void
qlock (QLock *l)
{
  Task9Lock *lock;
  GError *error = NULL;
  GAsyncResult *result;
  gboolean was, taken;

  g_return_if_fail (l != NULL);

  lock = qlock_get (l);
  if (task9_lock_try_acquire (lock))
    return;
  if (!task9_in_task ())
    {
      result = block_on (lock_start, lock);
      task9_lock_acquire_finish (lock, result, NULL);   /* cannot fail: no cancellable */
      g_object_unref (result);
      return;
    }
  /* qlock cannot fail: a cancelled thread still waits, keeping its place in line. */
  was = task9_set_cancel_shield (TRUE);
  taken = task9_lock_acquire (lock, -1, NULL, &error);
  task9_set_cancel_shield (was);
  if (taken)
    return;
  g_critical ("qlock: %s; the thread waits for ever", error->message);
  g_error_free (error);
  wait_forever ();
}

void
qunlock (QLock *l)
{
  GError *error = NULL;

  g_return_if_fail (l != NULL);

  if (!task9_lock_release (qlock_get (l), &error))
    {
      g_critical ("qunlock: %s", error->message);
      g_error_free (error);
    }
}

int
canqlock (QLock *l)
{
  g_return_val_if_fail (l != NULL, 0);
  return task9_lock_try_acquire (qlock_get (l));
}

/* ---- RWLock ------------------------------------------------------------------------------ */

static void
rw_acquire (RWLock   *l,
            gboolean  writer)
{
  Task9RWLock *lock = rwlock_get (l);
  GError *error = NULL;
  GAsyncResult *result;
  gboolean was, taken;

  if (writer ? task9_rw_lock_writer_try_acquire (lock) : task9_rw_lock_reader_try_acquire (lock))
    return;
  if (!task9_in_task ())
    {
      if (writer)
        {
          result = block_on (writer_start, lock);
          task9_rw_lock_writer_acquire_finish (lock, result, NULL);
        }
      else
        {
          result = block_on (reader_start, lock);
          task9_rw_lock_reader_acquire_finish (lock, result, NULL);
        }
      g_object_unref (result);
      return;
    }
  /* rlock and wlock cannot fail: a cancelled thread still waits, keeping its place. */
  was = task9_set_cancel_shield (TRUE);
  taken = writer ? task9_rw_lock_writer_acquire (lock, -1, NULL, &error)
                 : task9_rw_lock_reader_acquire (lock, -1, NULL, &error);
  task9_set_cancel_shield (was);
  if (taken)
    return;
  g_critical ("%s: %s; the thread waits for ever", writer ? "wlock" : "rlock", error->message);
  g_error_free (error);
  wait_forever ();
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
  g_return_val_if_fail (l != NULL, 0);
  return task9_rw_lock_reader_try_acquire (rwlock_get (l));
}

int
canwlock (RWLock *l)
{
  g_return_val_if_fail (l != NULL, 0);
  return task9_rw_lock_writer_try_acquire (rwlock_get (l));
}

static void
rw_release (RWLock   *l,
            gboolean  writer)
{
  Task9RWLock *lock = rwlock_get (l);
  GError *error = NULL;

  if (!(writer ? task9_rw_lock_writer_release (lock, &error)
               : task9_rw_lock_reader_release (lock, &error)))
    {
      g_critical ("%s: %s", writer ? "wunlock" : "runlock", error->message);
      g_error_free (error);
    }
}

void
runlock (RWLock *l)
{
  g_return_if_fail (l != NULL);
  rw_release (l, FALSE);
}

void
wunlock (RWLock *l)
{
  g_return_if_fail (l != NULL);
  rw_release (l, TRUE);
}

/* ---- Rendez -------------------------------------------------------------------------------- */

void
rsleep (Rendez *r)
{
  Task9Cond *cond;
  GError *error = NULL;
  gboolean was;

  g_return_if_fail (r != NULL);
  g_return_if_fail (r->l != NULL);

  cond = rendez_get (r);
  if (!task9_in_task ())
    {
      GAsyncResult *result = block_on (sleep_start, cond);

      if (!task9_cond_wait_finish (cond, result, &error))
        {
          g_critical ("rsleep: %s", error->message);
          g_error_free (error);
        }
      g_object_unref (result);
      return;
    }
  /* Not interruptible: a cancelled task returning at once would make its caller's
   * re-check loop spin. */
  was = task9_set_cancel_shield (TRUE);
  if (!task9_cond_wait (cond, -1, NULL, &error))
    {
      g_critical ("rsleep: %s", error->message);
      g_error_free (error);
    }
  task9_set_cancel_shield (was);
}

static int
wake (Rendez   *r,
      gboolean  all)
{
  Task9Cond *cond = rendez_get (r);
  GError *error = NULL;
  int n;

  n = all ? task9_cond_broadcast (cond, &error) : task9_cond_signal (cond, &error);
  if (n < 0)
    {
      g_critical ("%s: %s", all ? "rwakeupall" : "rwakeup", error->message);
      g_error_free (error);
      return 0;
    }
  return n;
}

int
rwakeup (Rendez *r)
{
  g_return_val_if_fail (r != NULL, 0);
  g_return_val_if_fail (r->l != NULL, 0);
  return wake (r, FALSE);
}

int
rwakeupall (Rendez *r)
{
  g_return_val_if_fail (r != NULL, 0);
  g_return_val_if_fail (r->l != NULL, 0);
  return wake (r, TRUE);
}
