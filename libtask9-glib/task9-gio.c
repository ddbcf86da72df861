/* task9-gio.c: the GIO bridge, any _async call awaited from a task
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A task starts a GIO _async call with task9_async_call_callback as its callback and
 * then waits for that callback like for anything else: the callback stores the
 * GAsyncResult and ends the wait through the waiter mechanism (a wait list's waiter,
 * claimed and fired by task9_wait_list_wake_all()), and, if somebody asked for it,
 * sends the result on a typed channel, so the completion can also be an arm of an alt.
 * The callback never runs task code: GIO invokes it from a GSource dispatch on the
 * context that was thread-default when the call started (the proc's own, for a task),
 * and a callback that user code invokes from another thread only takes a mutex and
 * queues a wake-up on the task's proc.
 *
 * A call has two parts. The Task9AsyncCall is its owner's handle; the CallCore is what
 * the GIO call's callback reaches, and the pending callback holds a reference of its
 * own on it (taken by task9_async_call_begin()). So the callback is always safe to run,
 * whatever its owner did meanwhile, and an owner that drops a call still in flight
 * cancels the GIO call, whose callback later only releases the core.
 *
 * A wait that ends early (timeout, cancellation) cancels the GIO call's GCancellable
 * and goes on waiting, shielded from further cancellation, until the callback has run:
 * GIO always calls back, and once it has, nothing of the call is left running.
 *
 * Invariants:
 * - core->done goes from FALSE to TRUE once, with core->result, under core->lock; the
 *   task waiting (if any) is woken under that lock.
 * - The result is sent on the channel exactly once: by the callback if the channel
 *   existed when it set done, otherwise by task9_async_call_get_channel() when it
 *   creates the channel after that.
 * - From task9_async_call_begin() until its callback has run, a call counts as an
 *   external wait for the deadlock detector (task9_main_external_begin()/_end()):
 *   whoever waits for it, by task9_async_call_wait() or on its channel, is not
 *   deadlocked.
 * - core->lock is never held while a GCancellable is cancelled (its handlers may be
 *   user code that calls back at once).
 */

#include "task9-config.h"

#include "task9-error.h"
#include "task9-gio.h"
#include "task9-main-private.h"
#include "task9-scheduler-private.h"

#define CORE_MAGIC 0x9c0a11edu

/* What the GIO call's callback reaches. */
typedef struct
{
  guint32        magic;         /* CORE_MAGIC while alive: the callback's argument check */
  gint           ref_count;     /* atomic: the call's, and the pending callback's */
  GCancellable  *cancellable;   /* handed to the GIO call */
  GMutex         lock;          /* protects the fields below */
  gboolean       done;          /* the callback ran */
  GAsyncResult  *result;        /* what it got (NULL only if it was given none) */
  Task9WaitList  waiters;       /* a task in task9_async_call_wait() */
  Task9Channel  *channel;       /* (nullable): task9_async_call_get_channel()'s */
} CallCore;

/**
 * Task9AsyncCall:
 *
 * The GIO bridge: one GIO `_async` call (any of them: files, sockets, subprocesses,
 * D-Bus, TLS, libsoup) awaited by a task in blocking style, with the task's
 * cancellation and a timeout reaching the call as its #GCancellable.
 *
 * ```c
 * g_autoptr(Task9AsyncCall) call = task9_async_call_new (cancellable);
 * GAsyncResult *result;
 *
 * g_file_load_contents_async (file, task9_async_call_get_cancellable (call),
 *                             task9_async_call_callback, task9_async_call_begin (call));
 * result = task9_async_call_wait (call, 5 * G_TIME_SPAN_SECOND, &error);
 * if (result != NULL &&
 *     g_file_load_contents_finish (file, result, &contents, &length, NULL, &error))
 *   ...
 * ```
 *
 * [method@Task9.AsyncCall.get_cancellable] is the cancellable to hand to the call;
 * [func@Task9.AsyncCall.callback], with [method@Task9.AsyncCall.begin] as its
 * user data, is its callback; [method@Task9.AsyncCall.wait] suspends the task until
 * that callback has run and returns the #GAsyncResult, which the caller gives to the
 * call's `_finish` function. The callback only stores the result and wakes the task;
 * it never runs task code and is safe from any thread.
 *
 * A wait that times out, or whose task or cancellable is cancelled, cancels the call's
 * cancellable and still waits, unaffected by further cancellation, until GIO has called
 * back, so nothing is left running; it then fails with %G_IO_ERROR_TIMED_OUT or
 * %G_IO_ERROR_CANCELLED. If the call succeeded all the same (it completed before it saw
 * the cancellation), the result is returned instead, so that an effect that took place
 * (a file written, a connection accepted) is not lost: the bridge can tell this for
 * results that are #GTask objects, as nearly all of GIO's are.
 *
 * [method@Task9.AsyncCall.get_channel] delivers the result on a typed channel instead,
 * so that the completion can be one arm of [func@Task9.alt] among other channels.
 *
 * The blocking functions are for C (and Vala) tasks only and are not introspectable:
 * code running on a main loop, and language bindings, use GIO's own asynchronous API.
 * The guide page [GIO](gio.html) has a whole example.
 *
 * Since: 0.1
 */
struct _Task9AsyncCall
{
  GObject       parent_instance;

  CallCore     *core;
  GCancellable *caller_cancellable;   /* (nullable): chained to core->cancellable */
  gulong        caller_handler;
  gint          begun;                /* atomic: task9_async_call_begin() was called */
  gint          waited;               /* atomic: task9_async_call_wait() was */
};

G_DEFINE_FINAL_TYPE (Task9AsyncCall, task9_async_call, G_TYPE_OBJECT)

/* ---- the core -------------------------------------------------------------------- */

static CallCore *
core_new (void)
{
  CallCore *core = g_new0 (CallCore, 1);

  core->magic = CORE_MAGIC;
  core->ref_count = 1;
  core->cancellable = g_cancellable_new ();
  g_mutex_init (&core->lock);
  task9_wait_list_init (&core->waiters);
  return core;
}

static CallCore *
core_ref (CallCore *core)
{
  g_atomic_int_inc (&core->ref_count);
  return core;
}

/* May be the callback's, on whatever thread it ran. */
static void
core_unref (CallCore *core)
{
  if (!g_atomic_int_dec_and_test (&core->ref_count))
    return;
  core->magic = 0;
  g_clear_object (&core->result);
  g_clear_object (&core->channel);
  g_object_unref (core->cancellable);
  task9_wait_list_clear (&core->waiters);
  g_mutex_clear (&core->lock);
  g_free (core);
}

/* Sends @result once on @channel, then closes it: later receivers learn there is no
 * more. Without a result (a misused callback) it only closes. */
static void
deliver (Task9Channel *channel,
         GAsyncResult *result)
{
  if (result != NULL)
    {
      GValue value = G_VALUE_INIT;

      g_value_init (&value, G_TYPE_ASYNC_RESULT);
      g_value_set_object (&value, result);
      /* One slot and one send: this fails only if the caller sent or closed first. */
      task9_channel_try_send_value (channel, &value, NULL);
      g_value_unset (&value);
    }
  task9_channel_close (channel);
}

/* ---- the object ------------------------------------------------------------------ */

static void
task9_async_call_finalize (GObject *object)
{
  Task9AsyncCall *call = TASK9_ASYNC_CALL (object);
  CallCore *core = call->core;
  gboolean abandoned;

  if (call->caller_handler != 0)
    g_cancellable_disconnect (call->caller_cancellable, call->caller_handler);
  g_clear_object (&call->caller_cancellable);

  /* Dropped while the GIO call is in flight: nobody wants its result any more. */
  g_mutex_lock (&core->lock);
  abandoned = call->begun && !core->done;
  g_mutex_unlock (&core->lock);
  if (abandoned)
    g_cancellable_cancel (core->cancellable);
  core_unref (core);

  G_OBJECT_CLASS (task9_async_call_parent_class)->finalize (object);
}

static void
task9_async_call_class_init (Task9AsyncCallClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = task9_async_call_finalize;
}

static void
task9_async_call_init (Task9AsyncCall *call)
{
  call->core = core_new ();
}

static void
chain_cancel (GCancellable *caller,
              gpointer      data)
{
  g_cancellable_cancel (G_CANCELLABLE (data));
}

/**
 * task9_async_call_new: (skip)
 * @cancellable: (nullable): a #GCancellable of the caller's, which cancels the call too
 *
 * Creates the bridge for one GIO `_async` call. The call gets a #GCancellable of its
 * own ([method@Task9.AsyncCall.get_cancellable]), which @cancellable cancels when it is
 * cancelled, as do a timeout or a cancellation of the waiting task. Created in a task
 * that is already cancelled, the call's cancellable is cancelled from the start, so
 * the GIO call fails at once.
 *
 * Returns: (transfer full): the call
 *
 * Since: 0.1
 */
Task9AsyncCall *
task9_async_call_new (GCancellable *cancellable)
{
  Task9Task *self = task9_scheduler_current_task ();
  Task9AsyncCall *call;
  GCancellable *own;

  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), NULL);

  call = g_object_new (TASK9_TYPE_ASYNC_CALL, NULL);
  own = call->core->cancellable;
  if (cancellable != NULL)
    {
      call->caller_cancellable = g_object_ref (cancellable);
      /* Runs chain_cancel() at once if @cancellable already is cancelled. */
      call->caller_handler = g_cancellable_connect (cancellable, G_CALLBACK (chain_cancel),
                                                    g_object_ref (own), g_object_unref);
    }
  if (self != NULL && !self->shielded && task9_task_is_cancelled (self))
    g_cancellable_cancel (own);
  return call;
}

/**
 * task9_async_call_get_cancellable: (skip)
 * @call: a call
 *
 * Returns the #GCancellable to pass to the GIO `_async` function. The bridge cancels it
 * when a wait times out or is cancelled, when the caller's cancellable given to
 * [ctor@Task9.AsyncCall.new] is cancelled, and when @call is dropped while the GIO call
 * is still in flight.
 *
 * Returns: (transfer none): the call's cancellable, owned by @call
 *
 * Since: 0.1
 */
GCancellable *
task9_async_call_get_cancellable (Task9AsyncCall *call)
{
  g_return_val_if_fail (TASK9_IS_ASYNC_CALL (call), NULL);

  return call->core->cancellable;
}

/**
 * task9_async_call_begin: (skip)
 * @call: a call that was not begun yet
 *
 * Returns the user data to pass, together with [func@Task9.AsyncCall.callback],
 * to the GIO `_async` function that starts the call: write it as that argument, so
 * that it is called exactly when the GIO call is started. From then on the pending
 * callback holds a reference of its own, so it is safe whatever happens to @call
 * meanwhile, and [method@Task9.AsyncCall.wait] has something to wait for. Each call is
 * begun once.
 *
 * A call that was begun counts, until its callback has run, as something that can wake
 * a task: [func@Task9.main] does not report a deadlock while one is in flight.
 *
 * Returns: (transfer full): the user data for [func@Task9.AsyncCall.callback],
 *   or %NULL (with a critical warning) if @call was begun before
 *
 * Since: 0.1
 */
gpointer
task9_async_call_begin (Task9AsyncCall *call)
{
  g_return_val_if_fail (TASK9_IS_ASYNC_CALL (call), NULL);

  if (__atomic_exchange_n (&call->begun, TRUE, __ATOMIC_SEQ_CST))
    {
      g_critical ("task9_async_call_begin(): this Task9AsyncCall was begun before; "
                  "make a new one for each GIO call");
      return NULL;
    }
  task9_main_external_begin ();
  return core_ref (call->core);
}

/**
 * task9_async_call_callback: (skip)
 * @source_object: (nullable): the GIO call's source object
 * @result: the GIO call's result
 * @user_data: what [method@Task9.AsyncCall.begin] returned
 *
 * The #GAsyncReadyCallback to pass to the GIO `_async` function, with the user data
 * from [method@Task9.AsyncCall.begin]. It keeps a reference on @result, wakes the task
 * waiting in [method@Task9.AsyncCall.wait] (or makes it return at once when it comes
 * later), and sends @result on the call's channel if there is one
 * ([method@Task9.AsyncCall.get_channel]). It runs no task code.
 *
 * GIO invokes it on the main context that was thread-default when the call started:
 * for a call started in a task, its proc's context. It is also safe to invoke from any
 * other thread, and before the task waits.
 *
 * Since: 0.1
 */
void
task9_async_call_callback (GObject      *source_object,
                           GAsyncResult *result,
                           gpointer      user_data)
{
  CallCore *core = user_data;
  Task9Channel *channel;

  g_return_if_fail (core != NULL);
  g_return_if_fail (core->magic == CORE_MAGIC);

  if (!G_IS_ASYNC_RESULT (result))
    {
      /* Completed all the same, so that the waiting task does not hang. */
      g_critical ("task9_async_call_callback(): no GAsyncResult");
      result = NULL;
    }

  g_mutex_lock (&core->lock);
  if (core->done)
    {
      g_mutex_unlock (&core->lock);
      g_critical ("task9_async_call_callback(): called twice for one call");
      return;   /* the reference was the first invocation's */
    }
  core->done = TRUE;
  core->result = result != NULL ? g_object_ref (result) : NULL;
  task9_wait_list_wake_all (&core->waiters);
  channel = core->channel != NULL ? g_object_ref (core->channel) : NULL;
  g_mutex_unlock (&core->lock);

  if (channel != NULL)
    {
      deliver (channel, result);
      g_object_unref (channel);
    }

  /* After the wake-ups: a task woken is runnable before the call stops counting. */
  task9_main_external_end ();
  core_unref (core);
}

/* With core->lock held: parks @self until the callback has run, @deadline (monotonic,
 * -1 for none) passes, or the task or @cancellable is cancelled. Returns why it woke. */
static Task9WakeReason
park_until_done (CallCore     *core,
                 Task9Task    *self,
                 gint64        deadline,
                 GCancellable *cancellable)
{
  while (!core->done)
    {
      /* For the deadlock detector: what wakes us is outside the procs. */
      Task9WakeReason why = task9_wait_list_park (&core->waiters, &core->lock, self, deadline,
                                                  cancellable, TRUE, "gio");

      if (why != TASK9_WAKE_READY)
        return why;
    }
  return TASK9_WAKE_READY;
}

/* Did the GIO call succeed, as its _finish function will tell? Known for GTasks. */
static gboolean
result_succeeded (GAsyncResult *result)
{
  return G_IS_TASK (result) && !g_task_had_error (G_TASK (result));
}

/**
 * task9_async_call_wait: (skip)
 * @call: a call that was begun ([method@Task9.AsyncCall.begin])
 * @timeout: the longest wait in microseconds, -1 for no limit
 * @error: return location for a #GError
 *
 * Suspends the calling task until the GIO call's callback has run, and returns its
 * result for the call's `_finish` function. Returns at once if the callback already
 * ran (also when the result was already received from the channel).
 *
 * When @timeout passes first, or the task, the caller's cancellable or the call's own
 * cancellable is cancelled, it cancels the call's cancellable and goes on waiting,
 * shielded from further cancellation, until the callback has run, as GIO always calls
 * back; nothing of the call is left running when it returns. It then fails with
 * %G_IO_ERROR_TIMED_OUT or %G_IO_ERROR_CANCELLED, unless the GIO call succeeded all the
 * same: a result that is a #GTask without an error (the call completed before it saw
 * the cancellation) is returned, so that the caller finishes it and keeps what it did.
 * A timeout of 0 thus cancels a call that has not completed yet.
 *
 * Each call is waited for once. Outside a task this fails with
 * %TASK9_ERROR_NOT_IN_TASK: code running on a main loop simply uses the GIO call's own
 * callback.
 *
 * Returns: (transfer none) (nullable): the result, owned by @call, or %NULL with
 *   @error set
 *
 * Since: 0.1
 */
GAsyncResult *
task9_async_call_wait (Task9AsyncCall  *call,
                       GTimeSpan        timeout,
                       GError         **error)
{
  Task9Task *self = task9_scheduler_current_task ();
  Task9WakeReason why = TASK9_WAKE_READY;
  GAsyncResult *result;
  CallCore *core;

  g_return_val_if_fail (TASK9_IS_ASYNC_CALL (call), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (self == NULL)
    {
      g_set_error_literal (error, TASK9_ERROR, TASK9_ERROR_NOT_IN_TASK,
                           "task9_async_call_wait() can only be called from a task; "
                           "main-loop code uses the GIO call's own callback");
      return NULL;
    }
  if (!g_atomic_int_get (&call->begun))
    {
      g_critical ("task9_async_call_wait(): no GIO call was begun with "
                  "task9_async_call_begin(); it would wait for ever");
      return NULL;
    }
  if (__atomic_exchange_n (&call->waited, TRUE, __ATOMIC_SEQ_CST))
    {
      g_critical ("task9_async_call_wait(): this call was waited for before");
      return NULL;
    }

  core = call->core;
  g_mutex_lock (&core->lock);
  if (!core->done)
    {
      if (g_cancellable_is_cancelled (core->cancellable))
        why = TASK9_WAKE_CANCELLED;
      else
        why = park_until_done (core, self, task9_deadline_from_timeout (timeout),
                               core->cancellable);
      if (why != TASK9_WAKE_READY)
        {
          gboolean shielded = self->shielded;

          g_mutex_unlock (&core->lock);
          g_cancellable_cancel (core->cancellable);
          g_mutex_lock (&core->lock);

          /* GIO calls back in the end; a cancellation meanwhile only wakes us early. */
          self->shielded = TRUE;
          while (park_until_done (core, self, -1, NULL) != TASK9_WAKE_READY)
            ;
          self->shielded = shielded;
        }
    }
  result = core->result;
  g_mutex_unlock (&core->lock);

  if (why != TASK9_WAKE_READY && (result == NULL || !result_succeeded (result)))
    {
      task9_wait_check_reason (why, error);
      return NULL;
    }
  if (result == NULL)
    {
      g_set_error_literal (error, TASK9_ERROR, TASK9_ERROR_FAILED,
                           "The GIO call's callback was given no result");
      return NULL;
    }
  return result;
}

/**
 * task9_async_call_get_channel: (skip)
 * @call: a call
 *
 * Returns a channel on which the call's #GAsyncResult is delivered once its callback
 * has run, so that the completion can be one arm of [func@Task9.alt] (or a
 * [class@Task9.Alt]) among other channels. It is a typed channel
 * ([ctor@Task9.Channel.new_typed]) of %G_TYPE_ASYNC_RESULT with one buffer slot; a
 * receiver gets a #GValue holding a reference on the result. After the result, the
 * channel is closed, so a later receive reports %TASK9_ERROR_CLOSED rather than block.
 * Callers only receive from it.
 *
 * Waiting on the channel involves no cancellation of the GIO call: when another arm
 * wins, cancel the call ([method@Task9.AsyncCall.cancel]) if its result is no longer
 * wanted, and wait for it with [method@Task9.AsyncCall.wait] if it must not outlive the
 * caller. A call dropped while in flight is cancelled too.
 *
 * Returns: (transfer none): the channel, owned by @call
 *
 * Since: 0.1
 */
Task9Channel *
task9_async_call_get_channel (Task9AsyncCall *call)
{
  CallCore *core;
  Task9Channel *channel;

  g_return_val_if_fail (TASK9_IS_ASYNC_CALL (call), NULL);

  core = call->core;
  g_mutex_lock (&core->lock);
  if (core->channel == NULL)
    {
      core->channel = task9_channel_new_typed (G_TYPE_ASYNC_RESULT, 1);
      task9_channel_set_name (core->channel, "async-call");
      if (core->done)
        deliver (core->channel, core->result);   /* the callback came before */
    }
  channel = core->channel;
  g_mutex_unlock (&core->lock);
  return channel;
}

/**
 * task9_async_call_cancel: (skip)
 * @call: a call
 *
 * Cancels the GIO call: cancels its cancellable
 * ([method@Task9.AsyncCall.get_cancellable]). Its callback still runs, usually with
 * %G_IO_ERROR_CANCELLED for the `_finish` function. Safe from any thread.
 *
 * Since: 0.1
 */
void
task9_async_call_cancel (Task9AsyncCall *call)
{
  g_return_if_fail (TASK9_IS_ASYNC_CALL (call));

  g_cancellable_cancel (call->core->cancellable);
}
