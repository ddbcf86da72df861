/* task9-queue.c: queues of work items
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A queue is Python's queue.Queue and curio's Queue for tasks and async callers: put and
 * get, bounded or unbounded, closeable, with task_done() and join(). It is a typed
 * channel (task9-channel.c) plus a count of unfinished items:
 *
 * - The items travel through a typed channel: a bounded queue's is a buffered channel
 *   of its capacity, an unbounded queue's a channel marked unbounded, whose buffer
 *   grows when a send finds it full. Blocking, timeouts, cancellation, FIFO order of
 *   items and of waiters, closing and the async forms are therefore the channel's, and
 *   task9_queue_get_channel() lets an alt take a queue's get as one of its arms.
 * - The unfinished count and the joiners' wait queue (task9-sync.c) are the queue's own.
 *
 * Invariants:
 * - unfinished counts the puts that started and have not failed, minus the task_done()
 *   calls. A put raises it before its item can reach a getter (so a task_done() for
 *   that item always finds it raised) and lowers it again if the put fails; so while a
 *   put waits for room in a full bounded queue its item counts as unfinished already.
 * - unfinished changes only under the channel's lock, never below 0 (a task_done() too
 *   many fails with TASK9_ERROR_OVERFLOW and changes nothing); everyone else reads it
 *   with an atomic load. A put raises it inside the very critical section in which its
 *   send starts (task9_channel_op_counted()), so the raise costs no atomic
 *   read-modify-write of its own: the lock the send takes anyway orders it.
 * - Whoever brings unfinished to 0 then takes the joiners' lock and grants every
 *   joiner; a joiner looks at the count under that lock before it queues. So a joiner
 *   that saw a non-zero count is queued before the granter looks, and no join misses
 *   the count reaching 0.
 * - The argument checks of every call compare the instance's class with the queue
 *   class (TASK9_QUEUE_CHECK): a final type is its class, so this is TASK9_IS_QUEUE() without
 *   the call to task9_queue_get_type() and the type lookups of a put and a get. The
 *   class pointer opens every GTypeInstance, so any object a confused caller passes can
 *   be looked at, and GLib clears it when the instance is freed.
 * - Nothing here copies the channel algorithm: items move only through the channel.
 */

#include "task9-config.h"

#include "task9-async-private.h"
#include "task9-channel-private.h"
#include "task9-error.h"
#include "task9-queue.h"
#include "task9-scheduler-private.h"
#include "task9-sync-private.h"

struct _Task9Queue
{
  GObject         parent_instance;

  Task9Channel   *channel;
  GType           elem_type;
  guint           capacity;      /* 0: unbounded */
  guint64         unfinished;    /* written under channel's lock: see the invariants */
  Task9SyncQueue  joiners;
};

/**
 * Task9Queue:
 *
 * A queue of work items, as Python's `queue.Queue` and curio's `Queue`: producers
 * [method@Task9.Queue.put] items, consumers [method@Task9.Queue.get] them in the same
 * order, from tasks on any procs or from main-loop code through the async forms. Items
 * are #GValues of the element type given at creation (Python can use
 * `GObject.TYPE_PYOBJECT`); the queue owns what it holds.
 *
 * A queue made with capacity 0 is unbounded: put never waits. A bounded queue makes
 * put wait while it holds capacity items.
 *
 * Each item got can be marked done with [method@Task9.Queue.task_done];
 * [method@Task9.Queue.join] waits until every item put was marked done. An item counts
 * as unfinished from the start of its put (also while that put waits for room) until
 * its task_done(); a put that fails counts nothing.
 *
 * Closing a queue works as closing a channel: puts fail with %TASK9_ERROR_CLOSED, gets
 * still get what is in the queue and then fail with %TASK9_ERROR_CLOSED, and every
 * waiting put and get is woken with that answer. Closing does not end a join: consumers
 * drain the queue and mark the items done, and the join returns once they did.
 *
 * A get that times out or is cancelled leaves the item in the queue; a put that times
 * out or is cancelled puts nothing.
 *
 * Since: 0.1
 */
G_DEFINE_FINAL_TYPE (Task9Queue, task9_queue, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ELEM_TYPE,
  PROP_CAPACITY,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* The queue class, once there is one: see TASK9_QUEUE_CHECK. */
static gpointer queue_class;

#define TASK9_QUEUE_CHECK(queue) \
  ((queue) != NULL && \
   ((GTypeInstance *) (queue))->g_class == __atomic_load_n (&queue_class, __ATOMIC_RELAXED))

static void
task9_queue_finalize (GObject *object)
{
  Task9Queue *queue = TASK9_QUEUE (object);

  if (G_UNLIKELY (task9_sync_has_waiters (&queue->joiners)))
    g_error ("Task9Queue finalized while a task or an async call joins it: "
             "its caller must hold a reference");
  g_clear_object (&queue->channel);

  G_OBJECT_CLASS (task9_queue_parent_class)->finalize (object);
}

static void
task9_queue_constructed (GObject *object)
{
  Task9Queue *queue = TASK9_QUEUE (object);

  G_OBJECT_CLASS (task9_queue_parent_class)->constructed (object);

  if (!G_TYPE_IS_VALUE_TYPE (queue->elem_type))
    {
      g_critical ("Task9Queue: the element type %s cannot be held in a GValue",
                  g_type_name (queue->elem_type));
      queue->elem_type = G_TYPE_POINTER;
    }
  queue->channel = task9_channel_new_typed (queue->elem_type, queue->capacity);
  if (queue->capacity == 0)
    task9_channel_set_unbounded (queue->channel);
}

static void
task9_queue_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  Task9Queue *queue = TASK9_QUEUE (object);

  switch (prop_id)
    {
    case PROP_ELEM_TYPE:
      g_value_set_gtype (value, queue->elem_type);
      break;
    case PROP_CAPACITY:
      g_value_set_uint (value, queue->capacity);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
task9_queue_set_property (GObject      *object,
                          guint         prop_id,
                          const GValue *value,
                          GParamSpec   *pspec)
{
  Task9Queue *queue = TASK9_QUEUE (object);

  switch (prop_id)
    {
    case PROP_ELEM_TYPE:
      queue->elem_type = g_value_get_gtype (value);
      break;
    case PROP_CAPACITY:
      queue->capacity = g_value_get_uint (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
task9_queue_class_init (Task9QueueClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = task9_queue_finalize;
  object_class->constructed = task9_queue_constructed;
  object_class->get_property = task9_queue_get_property;
  object_class->set_property = task9_queue_set_property;

  /**
   * Task9Queue:elem-type:
   *
   * The type of the items.
   *
   * Since: 0.1
   */
  properties[PROP_ELEM_TYPE] =
    g_param_spec_gtype ("elem-type", NULL, NULL, G_TYPE_NONE,
                        G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * Task9Queue:capacity:
   *
   * How many items the queue holds before a put waits; 0 (the default) for an
   * unbounded queue.
   *
   * Since: 0.1
   */
  properties[PROP_CAPACITY] =
    g_param_spec_uint ("capacity", NULL, NULL, 0, G_MAXINT / 2, 0,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
  __atomic_store_n (&queue_class, klass, __ATOMIC_RELEASE);
}

static void
task9_queue_init (Task9Queue *queue)
{
  task9_sync_queue_init (&queue->joiners);
}

/**
 * task9_queue_new:
 * @elem_type: the type of the items
 * @capacity: how many items it holds before a put waits; 0 for no limit
 *
 * Creates a queue of items of @elem_type: bounded by @capacity, or unbounded if
 * @capacity is 0.
 *
 * Returns: (transfer full): the queue
 *
 * Since: 0.1
 */
Task9Queue *
task9_queue_new (GType elem_type,
                 guint capacity)
{
  g_return_val_if_fail (G_TYPE_IS_VALUE_TYPE (elem_type), NULL);
  g_return_val_if_fail (capacity <= G_MAXINT / 2, NULL);

  return g_object_new (TASK9_TYPE_QUEUE, "elem-type", elem_type, "capacity", capacity, NULL);
}

/* ---- the unfinished count ---------------------------------------------------------- */

/* Raises the count by one, for a put that does not raise it in its send (an async
 * one). A blocking or try put raises it in task9_channel_value_op(). */
static void
unfinished_add (Task9Queue *queue)
{
  task9_channel_lock (queue->channel);
  __atomic_store_n (&queue->unfinished, queue->unfinished + 1, __ATOMIC_RELAXED);
  task9_channel_unlock (queue->channel);
}

/* Lowers the count by one (a task_done(), or a put that failed); FALSE if it is 0. */
static gboolean
unfinished_remove (Task9Queue *queue)
{
  Task9SyncGrants grants = TASK9_SYNC_GRANTS_INIT;
  guint64 count;

  task9_channel_lock (queue->channel);
  count = queue->unfinished;
  if (count > 0)
    __atomic_store_n (&queue->unfinished, count - 1, __ATOMIC_RELEASE);
  task9_channel_unlock (queue->channel);
  if (count == 0)
    return FALSE;
  if (count == 1)
    {
      /* Ours brought it to 0: every joiner queued so far is done waiting. */
      task9_sync_lock (&queue->joiners);
      while (task9_sync_grant_first (&queue->joiners, TASK9_SYNC_ANY_KIND, &grants) != NULL)
        ;
      task9_sync_unlock_and_fire (&queue->joiners, &grants);
    }
  return TRUE;
}

/* ---- put and get -------------------------------------------------------------------- */

/* A value of exactly the element type is a valid GValue (the element type is a value
 * type): only other values pay for G_IS_VALUE() and g_type_is_a(). */
#define CHECK_PUT(queue, value, error, val) \
  G_STMT_START { \
    g_return_val_if_fail (TASK9_QUEUE_CHECK (queue), val); \
    if (G_UNLIKELY ((value) == NULL || G_VALUE_TYPE (value) != (queue)->elem_type)) \
      { \
        g_return_val_if_fail (G_IS_VALUE (value), val); \
        g_return_val_if_fail (g_type_is_a (G_VALUE_TYPE (value), (queue)->elem_type), val); \
      } \
    g_return_val_if_fail ((error) == NULL || *(error) == NULL, val); \
  } G_STMT_END

#define CHECK_GET(queue, value, error, val) \
  G_STMT_START { \
    g_return_val_if_fail (TASK9_QUEUE_CHECK (queue), val); \
    g_return_val_if_fail ((value) != NULL, val); \
    g_return_val_if_fail ((error) == NULL || *(error) == NULL, val); \
  } G_STMT_END

static gboolean
put (Task9Queue    *queue,
     const GValue  *value,
     GTimeSpan      timeout,
     GCancellable  *cancellable,
     GError       **error)
{
  if (task9_channel_value_op (queue->channel, TRUE, (GValue *) value, timeout, cancellable,
                              &queue->unfinished, error))
    return TRUE;
  unfinished_remove (queue);
  return FALSE;
}

/**
 * task9_queue_put: (skip)
 * @queue: a queue
 * @value: the item, a value of the queue's element type; a copy is put
 * @timeout: the longest wait in microseconds, -1 for no limit, 0 not to wait
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Puts a copy of @value at the tail of @queue, blocking the calling task while a
 * bounded queue is full. An unbounded queue never blocks. Outside a task, only a put
 * that can complete at once succeeds; otherwise it fails with %TASK9_ERROR_NOT_IN_TASK
 * (use [method@Task9.Queue.put_async]).
 *
 * Returns: %TRUE once put; %FALSE with %TASK9_ERROR_CLOSED, %G_IO_ERROR_TIMED_OUT,
 *   %G_IO_ERROR_CANCELLED or %TASK9_ERROR_WOULD_BLOCK (a zero @timeout), and then
 *   nothing was put
 *
 * Since: 0.1
 */
gboolean
task9_queue_put (Task9Queue    *queue,
                 const GValue  *value,
                 GTimeSpan      timeout,
                 GCancellable  *cancellable,
                 GError       **error)
{
  CHECK_PUT (queue, value, error, FALSE);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), FALSE);

  return put (queue, value, timeout, cancellable, error);
}

/**
 * task9_queue_try_put:
 * @queue: a queue
 * @value: the item, a value of the queue's element type; a copy is put
 * @error: return location for a #GError
 *
 * Puts a copy of @value only if that can be done at once (always, in an unbounded
 * queue that is not closed). Works anywhere, in a task or not.
 *
 * Returns: %TRUE if put; %FALSE with %TASK9_ERROR_WOULD_BLOCK or %TASK9_ERROR_CLOSED
 *
 * Since: 0.1
 */
gboolean
task9_queue_try_put (Task9Queue    *queue,
                     const GValue  *value,
                     GError       **error)
{
  CHECK_PUT (queue, value, error, FALSE);

  return put (queue, value, 0, NULL, error);
}

/**
 * task9_queue_get: (skip)
 * @queue: a queue
 * @value: (out caller-allocates): where the item goes; an initialized value is unset
 *   first
 * @timeout: the longest wait in microseconds, -1 for no limit, 0 not to wait
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Takes the item at the head of @queue, blocking the calling task while it is empty.
 * Waiting getters are served in the order they came. Outside a task, only a get that
 * can complete at once succeeds; otherwise it fails with %TASK9_ERROR_NOT_IN_TASK (use
 * [method@Task9.Queue.get_async]).
 *
 * Returns: %TRUE with the item in @value, which the caller owns; %FALSE with
 *   %TASK9_ERROR_CLOSED (closed and empty), %G_IO_ERROR_TIMED_OUT,
 *   %G_IO_ERROR_CANCELLED or %TASK9_ERROR_WOULD_BLOCK (a zero @timeout), and then no
 *   item was taken and @value holds the element type's default
 *
 * Since: 0.1
 */
gboolean
task9_queue_get (Task9Queue    *queue,
                 GValue        *value,
                 GTimeSpan      timeout,
                 GCancellable  *cancellable,
                 GError       **error)
{
  CHECK_GET (queue, value, error, FALSE);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), FALSE);

  return task9_channel_value_op (queue->channel, FALSE, value, timeout, cancellable, NULL,
                                 error);
}

/**
 * task9_queue_try_get:
 * @queue: a queue
 * @value: (out caller-allocates): where the item goes; an initialized value is unset
 *   first
 * @error: return location for a #GError
 *
 * Takes the item at the head of @queue only if there is one. Works anywhere.
 *
 * Returns: %TRUE with the item in @value; %FALSE with %TASK9_ERROR_WOULD_BLOCK, or
 *   %TASK9_ERROR_CLOSED once the queue is closed and empty, and @value holding the
 *   element type's default
 *
 * Since: 0.1
 */
gboolean
task9_queue_try_get (Task9Queue    *queue,
                     GValue        *value,
                     GError       **error)
{
  CHECK_GET (queue, value, error, FALSE);

  return task9_channel_value_op (queue->channel, FALSE, value, 0, NULL, NULL, error);
}

static void
settle_put (Task9AsyncOp *op)
{
  Task9Queue *queue = TASK9_QUEUE (op->source_object);

  task9_channel_settle (op, queue->channel);
  if (op->error != NULL)
    unfinished_remove (queue);
}

static void
settle_get (Task9AsyncOp *op)
{
  task9_channel_settle (op, TASK9_QUEUE (op->source_object)->channel);
}

/**
 * task9_queue_put_async:
 * @queue: a queue
 * @value: the item, a value of the queue's element type; it is copied before this call
 *   returns
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called on the caller's thread-default main context when done
 * @user_data: (closure): data for @callback
 *
 * Puts a copy of @value without blocking the caller: the async form of
 * [method@Task9.Queue.put], for code running on a main loop. Finish with
 * [method@Task9.Queue.put_finish].
 *
 * Since: 0.1
 */
void
task9_queue_put_async (Task9Queue          *queue,
                       const GValue        *value,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  g_return_if_fail (TASK9_QUEUE_CHECK (queue));
  g_return_if_fail (G_IS_VALUE (value));
  g_return_if_fail (g_type_is_a (G_VALUE_TYPE (value), queue->elem_type));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  unfinished_add (queue);
  task9_channel_value_op_async (queue->channel, queue, TRUE, value, cancellable, callback,
                                user_data, task9_queue_put_async, settle_put);
}

/**
 * task9_queue_put_finish:
 * @queue: a queue
 * @result: the result given to the callback
 * @error: return location for a #GError
 *
 * Finishes [method@Task9.Queue.put_async].
 *
 * Returns: %TRUE once put; %FALSE with %TASK9_ERROR_CLOSED or %G_IO_ERROR_CANCELLED,
 *   and then nothing was put
 *
 * Since: 0.1
 */
gboolean
task9_queue_put_finish (Task9Queue    *queue,
                        GAsyncResult  *result,
                        GError       **error)
{
  g_return_val_if_fail (TASK9_QUEUE_CHECK (queue), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return task9_async_op_check (result, queue, task9_queue_put_async, error) != NULL;
}

/**
 * task9_queue_get_async:
 * @queue: a queue
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called on the caller's thread-default main context when done
 * @user_data: (closure): data for @callback
 *
 * Takes the item at the head of @queue without blocking the caller: the async form of
 * [method@Task9.Queue.get]. Finish with [method@Task9.Queue.get_finish].
 *
 * Since: 0.1
 */
void
task9_queue_get_async (Task9Queue          *queue,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  g_return_if_fail (TASK9_QUEUE_CHECK (queue));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task9_channel_value_op_async (queue->channel, queue, FALSE, NULL, cancellable, callback,
                                user_data, task9_queue_get_async, settle_get);
}

/**
 * task9_queue_get_finish:
 * @queue: a queue
 * @result: the result given to the callback
 * @value: (out caller-allocates): where the item goes; an initialized value is unset
 *   first
 * @error: return location for a #GError
 *
 * Finishes [method@Task9.Queue.get_async].
 *
 * Returns: %TRUE with the item in @value; %FALSE with %TASK9_ERROR_CLOSED or
 *   %G_IO_ERROR_CANCELLED, no item taken, and @value holding the element type's default
 *
 * Since: 0.1
 */
gboolean
task9_queue_get_finish (Task9Queue    *queue,
                        GAsyncResult  *result,
                        GValue        *value,
                        GError       **error)
{
  g_return_val_if_fail (TASK9_QUEUE_CHECK (queue), FALSE);
  g_return_val_if_fail (value != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (task9_async_op_check (result, queue, task9_queue_get_async, error) == NULL)
    {
      task9_value_reset (value, queue->elem_type);
      return FALSE;
    }
  task9_channel_take_value (queue->channel, TASK9_ASYNC_OP (result), value);
  return TRUE;
}

/* ---- task_done and join ------------------------------------------------------------- */

/**
 * task9_queue_task_done:
 * @queue: a queue
 * @error: return location for a #GError
 *
 * Marks one item got from @queue as processed, for [method@Task9.Queue.join]. Safe
 * from any thread.
 *
 * Called more times than items were put, it fails with %TASK9_ERROR_OVERFLOW and
 * changes nothing (Python raises ValueError there).
 *
 * Returns: %TRUE; %FALSE with %TASK9_ERROR_OVERFLOW when no item is unfinished
 *
 * Since: 0.1
 */
gboolean
task9_queue_task_done (Task9Queue  *queue,
                       GError     **error)
{
  g_return_val_if_fail (TASK9_QUEUE_CHECK (queue), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (unfinished_remove (queue))
    return TRUE;
  g_set_error_literal (error, TASK9_ERROR, TASK9_ERROR_OVERFLOW,
                       "task_done() called more times than items were put");
  return FALSE;
}

/**
 * task9_queue_join: (skip)
 * @queue: a queue
 * @timeout: the longest wait in microseconds, -1 for no limit, 0 not to wait
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Waits until every item put into @queue was marked done with
 * [method@Task9.Queue.task_done], blocking the calling task; returns at once if none
 * is unfinished. Outside a task, only that case succeeds; otherwise the call fails with
 * %TASK9_ERROR_NOT_IN_TASK (use [method@Task9.Queue.join_async]).
 *
 * Returns: %TRUE once no item is unfinished; %FALSE with %G_IO_ERROR_TIMED_OUT,
 *   %G_IO_ERROR_CANCELLED, %TASK9_ERROR_WOULD_BLOCK (a zero @timeout) or
 *   %TASK9_ERROR_NOT_IN_TASK
 *
 * Since: 0.1
 */
gboolean
task9_queue_join (Task9Queue    *queue,
                  GTimeSpan      timeout,
                  GCancellable  *cancellable,
                  GError       **error)
{
  Task9Task *self;

  g_return_val_if_fail (TASK9_QUEUE_CHECK (queue), FALSE);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (cancellable != NULL && g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;

  self = task9_scheduler_current_task ();
  task9_sync_lock (&queue->joiners);
  if (__atomic_load_n (&queue->unfinished, __ATOMIC_ACQUIRE) == 0)
    {
      task9_sync_unlock (&queue->joiners);
      return TRUE;
    }
  if (!task9_sync_may_block (self, timeout, "Joining a queue", error))
    {
      task9_sync_unlock (&queue->joiners);
      return FALSE;
    }
  return task9_wait_check_reason (task9_sync_park (&queue->joiners, self, NULL, 0,
                                                   task9_deadline_from_timeout (timeout),
                                                   cancellable, FALSE, "queue-join"),
                                  error);
}

/**
 * task9_queue_join_async:
 * @queue: a queue
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called on the caller's thread-default main context once no
 *   item is unfinished
 * @user_data: (closure): data for @callback
 *
 * Waits until every item put was marked done, without blocking the caller: the async
 * form of [method@Task9.Queue.join]. Finish with [method@Task9.Queue.join_finish].
 *
 * Since: 0.1
 */
void
task9_queue_join_async (Task9Queue          *queue,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  Task9AsyncOp *op;

  g_return_if_fail (TASK9_QUEUE_CHECK (queue));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  op = task9_async_op_new (queue, 1, cancellable, callback, user_data,
                           task9_queue_join_async, task9_sync_settle);
  if (g_cancellable_is_cancelled (cancellable))
    {
      task9_async_op_complete_now (op, TASK9_WAKE_CANCELLED);
      return;
    }
  task9_sync_lock (&queue->joiners);
  if (__atomic_load_n (&queue->unfinished, __ATOMIC_ACQUIRE) == 0)
    {
      task9_sync_unlock (&queue->joiners);
      task9_async_op_complete_now (op, TASK9_WAKE_READY);
      return;
    }
  task9_sync_wait_async (&queue->joiners, op, NULL, 0);
}

/**
 * task9_queue_join_finish:
 * @queue: a queue
 * @result: the result given to the callback
 * @error: return location for a #GError
 *
 * Finishes [method@Task9.Queue.join_async].
 *
 * Returns: %TRUE once no item was unfinished; %FALSE with %G_IO_ERROR_CANCELLED
 *
 * Since: 0.1
 */
gboolean
task9_queue_join_finish (Task9Queue    *queue,
                         GAsyncResult  *result,
                         GError       **error)
{
  g_return_val_if_fail (TASK9_QUEUE_CHECK (queue), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return task9_async_op_check (result, queue, task9_queue_join_async, error) != NULL;
}

/* ---- the rest ------------------------------------------------------------------------ */

/**
 * task9_queue_close:
 * @queue: a queue
 *
 * Closes @queue: later puts fail with %TASK9_ERROR_CLOSED; gets still take what is in
 * the queue, then fail with %TASK9_ERROR_CLOSED. Every waiting put and get (task or
 * async caller) is woken with %TASK9_ERROR_CLOSED; a waiting put's item is not put.
 * Joins go on waiting for the items in the queue to be marked done. Closing twice does
 * nothing. Safe from any thread.
 *
 * Since: 0.1
 */
void
task9_queue_close (Task9Queue *queue)
{
  g_return_if_fail (TASK9_QUEUE_CHECK (queue));

  task9_channel_close (queue->channel);
}

/**
 * task9_queue_is_closed:
 * @queue: a queue
 *
 * Tells whether [method@Task9.Queue.close] was called; items may still be in it.
 *
 * Returns: %TRUE once closed
 *
 * Since: 0.1
 */
gboolean
task9_queue_is_closed (Task9Queue *queue)
{
  g_return_val_if_fail (TASK9_QUEUE_CHECK (queue), FALSE);

  return task9_channel_is_closed (queue->channel);
}

/**
 * task9_queue_get_size:
 * @queue: a queue
 *
 * Returns how many items are in @queue now (not counting the items of puts still
 * waiting for room). From another proc the answer may be out of date at once.
 *
 * Returns: the number of items
 *
 * Since: 0.1
 */
guint
task9_queue_get_size (Task9Queue *queue)
{
  g_return_val_if_fail (TASK9_QUEUE_CHECK (queue), 0);

  return task9_channel_get_length (queue->channel);
}

/**
 * task9_queue_get_capacity:
 * @queue: a queue
 *
 * Returns how many items @queue holds before a put waits.
 *
 * Returns: the capacity; 0 for an unbounded queue
 *
 * Since: 0.1
 */
guint
task9_queue_get_capacity (Task9Queue *queue)
{
  g_return_val_if_fail (TASK9_QUEUE_CHECK (queue), 0);

  return queue->capacity;
}

/**
 * task9_queue_get_unfinished:
 * @queue: a queue
 *
 * Returns how many items put (or being put) were not yet marked done with
 * [method@Task9.Queue.task_done].
 *
 * Returns: the number of unfinished items
 *
 * Since: 0.1
 */
guint64
task9_queue_get_unfinished (Task9Queue *queue)
{
  g_return_val_if_fail (TASK9_QUEUE_CHECK (queue), 0);

  return __atomic_load_n (&queue->unfinished, __ATOMIC_ACQUIRE);
}

/**
 * task9_queue_get_elem_type:
 * @queue: a queue
 *
 * Returns the type of @queue's items.
 *
 * Returns: the element type
 *
 * Since: 0.1
 */
GType
task9_queue_get_elem_type (Task9Queue *queue)
{
  g_return_val_if_fail (TASK9_QUEUE_CHECK (queue), G_TYPE_INVALID);

  return queue->elem_type;
}

/**
 * task9_queue_get_channel:
 * @queue: a queue
 *
 * Returns the typed channel the items of @queue travel through, so that a get can be
 * one arm of an alt ([func@Task9.alt], [class@Task9.Alt]): a receive on this channel
 * is a get (and is marked done with [method@Task9.Queue.task_done] like one), and the
 * channel is closed when the queue is.
 *
 * Put items through the queue, not by sending on this channel: a send bypasses the
 * unfinished count, so task_done() and join() would lose count. Do not close it
 * directly either; close the queue. The channel of an unbounded queue grows as needed:
 * its [property@Task9.Channel:capacity] is only its current size.
 *
 * Returns: (transfer none): the channel, alive as long as @queue
 *
 * Since: 0.1
 */
Task9Channel *
task9_queue_get_channel (Task9Queue *queue)
{
  g_return_val_if_fail (TASK9_QUEUE_CHECK (queue), NULL);

  return queue->channel;
}

/**
 * task9_queue_set_name:
 * @queue: a queue
 * @name: (nullable): a name for debugging
 *
 * Names @queue for the task table: a task waiting on it shows the name as what it
 * waits on ([method@Task9.TaskInfo.get_wait_object]). The name is interned: use a
 * small set of names. Set it before the queue is shared.
 *
 * Since: 0.1
 */
void
task9_queue_set_name (Task9Queue *queue,
                      const char *name)
{
  g_return_if_fail (TASK9_IS_QUEUE (queue));

  queue->joiners.name = name != NULL ? g_intern_string (name) : NULL;
  task9_channel_set_name (queue->channel, name);
}

/**
 * task9_queue_get_name:
 * @queue: a queue
 *
 * Returns the name set with [method@Task9.Queue.set_name].
 *
 * Returns: (nullable): the name, or %NULL
 *
 * Since: 0.1
 */
const char *
task9_queue_get_name (Task9Queue *queue)
{
  g_return_val_if_fail (TASK9_IS_QUEUE (queue), NULL);

  return queue->joiners.name;
}
