/* task9-offload.c: the worker pool, run_in_thread
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A task (or an async caller) that must make a blocking call or a long computation
 * hands the function to the process's worker pool and waits for its result through
 * a Task9OffloadCall (task9-offload-call.c); its proc runs its other tasks meanwhile.
 *
 * The pool is one FIFO of calls and at most max_threads worker threads, started when
 * a call finds no idle worker and exiting after WORKER_IDLE_EXIT of idleness. A worker
 * that runs out of work yields its CPU WORKER_YIELDS times, watching the queue, before
 * it sleeps on the condition variable: a caller that offloads back to back comes back
 * within microseconds, often on the worker's own CPU (the wake-up it just made pulls
 * the caller there), and then finds the worker awake. (Spinning instead was measured:
 * it kept the woken caller off that CPU and made offload_rtt_us 2 to 15 times worse.)
 *
 * Invariants:
 * - At most max_threads workers exist (n_threads), so at most max_threads functions
 *   run at once; a call that finds them all busy waits in the queue, in order.
 * - Every queued call is taken by a worker: a submission wakes a sleeping worker or
 *   starts one unless enough workers are yielding (n_yielding) or already signalled
 *   (n_wakeups), and a worker goes to sleep only after re-checking the queue under
 *   the lock.
 * - n_waiting counts the workers asleep on the condition that no submission has
 *   signalled yet; a signal moves one of them to n_wakeups until it wakes.
 * - The queue holds a reference to each call; the worker that pops it runs it
 *   (or, if its caller abandoned it meanwhile, drops it without running).
 */

#include "task9-config.h"

#include "task9-error.h"
#include "task9-offload-call-private.h"
#include "task9-scheduler-private.h"

#define WORKER_IDLE_EXIT  (15 * G_TIME_SPAN_SECOND)
#define WORKER_YIELDS     8

typedef struct
{
  GMutex            lock;
  GCond             cond;
  Task9OffloadCall *head;
  Task9OffloadCall *tail;
  guint             n_queued;
  gint              n_queued_hint;  /* n_queued, for yielding workers (atomic) */
  guint             n_yielding;
  guint             n_threads;
  guint             n_waiting;
  guint             n_wakeups;
  guint             max_threads;  /* 0: not set yet (the default) */
} Pool;

static Pool pool;

static guint
default_max_threads (void)
{
  return MAX (4, 2 * g_get_num_processors ());
}

/* Under the lock. */
static guint
pool_max (void)
{
  if (pool.max_threads == 0)
    pool.max_threads = default_max_threads ();
  return pool.max_threads;
}

/* Under the lock. */
static Task9OffloadCall *
pool_pop (void)
{
  Task9OffloadCall *call = pool.head;

  if (call != NULL)
    {
      pool.head = call->next;
      if (pool.head == NULL)
        pool.tail = NULL;
      call->next = NULL;
      pool.n_queued--;
      g_atomic_int_set (&pool.n_queued_hint, pool.n_queued);
    }
  return call;
}

static gpointer
worker_main (gpointer data)
{
  g_mutex_lock (&pool.lock);
  for (;;)
    {
      Task9OffloadCall *call;

      if (pool.n_threads > pool_max ())
        break;   /* the pool was made smaller */

      call = pool_pop ();
      if (call != NULL)
        {
          g_mutex_unlock (&pool.lock);
          task9_offload_call_run (call);
          task9_offload_call_unref (call);
          g_mutex_lock (&pool.lock);
          continue;
        }

      /* Yield a few times first: a caller that offloads back to back comes back
       * within microseconds, often on this very CPU (the wake-up we just made). */
      pool.n_yielding++;
      g_mutex_unlock (&pool.lock);
      for (guint i = 0; i < WORKER_YIELDS && g_atomic_int_get (&pool.n_queued_hint) == 0; i++)
        g_thread_yield ();
      g_mutex_lock (&pool.lock);
      pool.n_yielding--;
      if (pool.head != NULL)
        continue;

      pool.n_waiting++;
      if (!g_cond_wait_until (&pool.cond, &pool.lock,
                              g_get_monotonic_time () + WORKER_IDLE_EXIT))
        {
          /* Timed out; a signal may have come meanwhile, then it counts as one. */
          if (pool.n_wakeups > 0)
            pool.n_wakeups--;
          else
            pool.n_waiting--;
          if (pool.head == NULL)
            break;
          continue;
        }
      if (pool.n_wakeups > 0)
        pool.n_wakeups--;
      else
        pool.n_waiting--;   /* a spurious wake-up */
    }
  pool.n_threads--;
  g_mutex_unlock (&pool.lock);
  return NULL;
}

/* Queues @call (taking the caller's reference) and makes sure a worker will take it.
 * Returns FALSE with @error set if no worker exists and none can be started; the call
 * is then not queued. */
static gboolean
pool_submit (Task9OffloadCall  *call,
             GError           **error)
{
  g_mutex_lock (&pool.lock);
  if (pool.tail != NULL)
    pool.tail->next = call;
  else
    pool.head = call;
  pool.tail = call;
  pool.n_queued++;
  g_atomic_int_set (&pool.n_queued_hint, pool.n_queued);

  if (pool.n_queued > pool.n_wakeups + pool.n_yielding)
    {
      if (pool.n_waiting > 0)
        {
          pool.n_waiting--;
          pool.n_wakeups++;
          g_cond_signal (&pool.cond);
        }
      else if (pool.n_threads < pool_max ())
        {
          GError *local_error = NULL;
          GThread *thread = g_thread_try_new ("task9-worker", worker_main, NULL, &local_error);

          if (thread != NULL)
            {
              pool.n_threads++;
              g_thread_unref (thread);
            }
          else if (pool.n_threads == 0)
            {
              /* Nobody would ever run it: take it back. */
              Task9OffloadCall **link = &pool.head;

              while (*link != call)
                link = &(*link)->next;
              *link = NULL;
              pool.tail = NULL;
              for (Task9OffloadCall *c = pool.head; c != NULL; c = c->next)
                pool.tail = c;
              pool.n_queued--;
              g_atomic_int_set (&pool.n_queued_hint, pool.n_queued);
              g_mutex_unlock (&pool.lock);
              g_set_error (error, TASK9_ERROR, TASK9_ERROR_NO_RESOURCES,
                           "No worker thread could be started: %s", local_error->message);
              g_error_free (local_error);
              return FALSE;
            }
          else
            g_error_free (local_error);   /* the workers there are will take it */
        }
    }
  g_mutex_unlock (&pool.lock);
  return TRUE;
}

/* A new call, queued; or NULL with @error (and the call ended) if it cannot be. */
static Task9OffloadCall *
offload (Task9ThreadFunc   func,
         gpointer          data,
         GDestroyNotify    data_destroy,
         GDestroyNotify    result_destroy,
         GError          **error)
{
  Task9OffloadCall *call = task9_offload_call_new (func, data, data_destroy, result_destroy,
                                                   NULL, NULL);

  if (!pool_submit (task9_offload_call_ref (call), error))
    {
      task9_offload_call_fail (call, NULL);   /* frees the data, ends the external wait */
      task9_offload_call_unref (call);        /* the queue's */
      task9_offload_call_unref (call);
      return NULL;
    }
  return call;
}

/**
 * task9_run_in_thread: (skip)
 * @func: the function to run
 * @data: (nullable): its data
 * @data_destroy: (nullable): frees @data once @func has returned, or at once if
 *   @func is not run
 * @result_destroy: (nullable): frees a result the caller no longer waits for
 * @timeout: how long to wait in microseconds; negative: no limit
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for an error
 *
 * Runs @func on a thread of the worker pool and waits for its result. Only the
 * calling task waits: its proc runs its other tasks meanwhile. Use it for a blocking
 * call that has no asynchronous form, or for a long computation that would hold up
 * the proc.
 *
 * The pool runs at most [func@Task9.get_max_worker_threads] functions at once; a call
 * that finds them all busy waits in a FIFO queue for a free worker.
 *
 * If the wait ends first (@timeout, @cancellable, or the task is cancelled), the
 * caller gets %G_IO_ERROR_TIMED_OUT or %G_IO_ERROR_CANCELLED at once. A call still
 * queued is then never run; a running one is told through the #GCancellable @func
 * receives, and its result (and error) are freed with @result_destroy when it returns.
 * The caller must therefore not share @data with @func beyond what @data_destroy frees.
 *
 * The waiting task counts as waiting for something outside the procs:
 * [func@Task9.main] does not take it for a deadlock. A zero @timeout fails with
 * %TASK9_ERROR_WOULD_BLOCK without running @func; outside a task, with
 * %TASK9_ERROR_NOT_IN_TASK (use [func@Task9.run_in_thread_async] there).
 *
 * Returns: (nullable) (transfer full): what @func returned, or %NULL with @error set
 *   (@func's own error, or the wait's)
 *
 * Since: 0.1
 */
gpointer
task9_run_in_thread (Task9ThreadFunc   func,
                     gpointer          data,
                     GDestroyNotify    data_destroy,
                     GDestroyNotify    result_destroy,
                     GTimeSpan         timeout,
                     GCancellable     *cancellable,
                     GError          **error)
{
  Task9Task *self = task9_scheduler_current_task ();
  Task9OffloadCall *call;
  gpointer result;

  g_return_val_if_fail (func != NULL, NULL);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if ((cancellable != NULL && g_cancellable_set_error_if_cancelled (cancellable, error)) ||
      !task9_sync_may_block (self, timeout, "task9_run_in_thread()", error))
    {
      if (data_destroy != NULL)
        data_destroy (data);
      return NULL;
    }

  call = offload (func, data, data_destroy, result_destroy, error);
  if (call == NULL)
    return NULL;
  result = task9_offload_call_wait (call, self, timeout, cancellable, "run-in-thread", error);
  task9_offload_call_unref (call);
  return result;
}

/**
 * task9_run_in_thread_async: (skip)
 * @func: the function to run
 * @data: (nullable): its data
 * @data_destroy: (nullable): frees @data once @func has returned, or at once if
 *   @func is not run
 * @result_destroy: (nullable): frees a result nobody takes
 * @cancellable: (nullable): a #GCancellable
 * @callback: called on the thread-default main context of the caller when the
 *   result is there or the call was cancelled
 * @user_data: data for @callback
 *
 * Runs @func on a thread of the worker pool, like [func@Task9.run_in_thread], for code
 * that cannot block: a main-loop callback or a coroutine of a binding. Get the result
 * with [func@Task9.run_in_thread_finish] in @callback.
 *
 * Cancelling @cancellable completes the call with %G_IO_ERROR_CANCELLED: @func is not
 * run if it has not started, is told through its own #GCancellable if it has, and its
 * late result is freed with @result_destroy. While a call is in flight,
 * [func@Task9.main] counts it as something that can still wake a task.
 *
 * Not introspectable: @func runs on a worker thread, where a JavaScript function
 * cannot run and a Python one should not (PyGObject's override offers Python threads).
 *
 * Since: 0.1
 */
void
task9_run_in_thread_async (Task9ThreadFunc      func,
                           gpointer             data,
                           GDestroyNotify       data_destroy,
                           GDestroyNotify       result_destroy,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  Task9OffloadCall *call;
  GError *error = NULL;

  g_return_if_fail (func != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  call = task9_offload_call_new (func, data, data_destroy, result_destroy, NULL, NULL);
  if (cancellable != NULL && g_cancellable_is_cancelled (cancellable))
    task9_offload_call_fail (call, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                                        "Operation was cancelled"));
  else if (!pool_submit (task9_offload_call_ref (call), &error))
    {
      task9_offload_call_unref (call);   /* the queue's */
      task9_offload_call_fail (call, error);
    }
  task9_offload_call_wait_async (call, NULL, cancellable, callback, user_data,
                                 task9_run_in_thread_async);
  task9_offload_call_unref (call);
}

/**
 * task9_run_in_thread_finish: (skip)
 * @result: the #GAsyncResult given to the callback
 * @error: return location for an error
 *
 * Finishes [func@Task9.run_in_thread_async].
 *
 * Returns: (nullable) (transfer full): what the function returned, or %NULL with
 *   @error set
 *
 * Since: 0.1
 */
gpointer
task9_run_in_thread_finish (GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (G_IS_ASYNC_RESULT (result), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return task9_offload_call_finish (result, NULL, task9_run_in_thread_async, error);
}

/**
 * task9_set_max_worker_threads:
 * @max_threads: the largest number of worker threads, at least 1
 *
 * Sets how many functions the worker pool of [func@Task9.run_in_thread] runs at once
 * at most. The default is twice the number of processors, and at least 4. Calls that
 * find every worker busy wait in a queue; the pool never starts more threads than
 * this. Lowering the bound lets the functions running finish; their workers then exit.
 *
 * Since: 0.1
 */
void
task9_set_max_worker_threads (guint max_threads)
{
  guint takers;

  g_return_if_fail (max_threads >= 1);

  g_mutex_lock (&pool.lock);
  pool.max_threads = max_threads;
  /* Wake the sleepers: surplus ones exit, and queued calls may now get a new worker. */
  pool.n_wakeups += pool.n_waiting;
  pool.n_waiting = 0;
  g_cond_broadcast (&pool.cond);
  takers = pool.n_wakeups + pool.n_yielding;
  while (pool.n_queued > takers && pool.n_threads < max_threads)
    {
      GThread *thread = g_thread_try_new ("task9-worker", worker_main, NULL, NULL);

      if (thread == NULL)
        break;
      pool.n_threads++;
      takers++;
      g_thread_unref (thread);
    }
  g_mutex_unlock (&pool.lock);
}

/**
 * task9_get_max_worker_threads:
 *
 * Gets the bound set by [func@Task9.set_max_worker_threads].
 *
 * Returns: the largest number of worker threads the pool starts
 *
 * Since: 0.1
 */
guint
task9_get_max_worker_threads (void)
{
  guint max;

  g_mutex_lock (&pool.lock);
  max = pool_max ();
  g_mutex_unlock (&pool.lock);
  return max;
}
