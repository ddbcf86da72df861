/* task9-ioproc.c: a thread of its own for blocking calls, one at a time
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A Task9IOProc is one OS thread that runs the functions its callers hand it, one at
 * a time, in the order they came (Plan 9's ioproc(3)). Calls and their hand-back are
 * Task9OffloadCalls (task9-offload-call.c), as for the worker pool; what an IOProc
 * adds is order, a thread the caller can name, and interruption: the thread blocked
 * in a system call is sent a signal (TASK9_IOPROC_SIGNAL, installed without
 * SA_RESTART and with a handler that does nothing), so read(2), accept(2), poll(2)...
 * return EINTR.
 *
 * A signal sent just before the function enters its system call would be lost, so an
 * interrupt is repeated (after 1 ms, then doubling up to 64 ms, from the library's
 * service thread) until the call returns. The IOProc thread keeps the signal blocked
 * between calls, so a late repeat never interrupts the next call: it is delivered, and
 * does nothing, when the next call unblocks it.
 *
 * Invariants:
 * - Calls run in FIFO order of their arrival, one at a time, on io->thread.
 * - io->current is the call running (a reference), under io->lock; the signal is sent
 *   only under io->lock and only while io->current is the call being interrupted.
 * - A queued call whose caller gives up is taken out of the queue and never runs; a
 *   running one is interrupted.
 * - Once closed, no call is queued: queued calls end with TASK9_ERROR_CLOSED, the
 *   running one is interrupted, and close returns once the thread has ended.
 */

#include "task9-config.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>

#include "task9-error.h"
#include "task9-ioproc.h"
#include "task9-offload-call-private.h"
#include "task9-scheduler-private.h"
#include "task9-service-private.h"

#define TASK9_IOPROC_SIGNAL   (SIGRTMIN + 6)
#define RESEND_FIRST_MS       1
#define RESEND_MAX_MS         64

struct _Task9IOProc
{
  GObject           parent_instance;

  char             *name;
  GMutex            lock;
  GCond             cond;         /* the thread waits for calls */
  Task9OffloadCall *head;         /* queued calls, each a reference */
  Task9OffloadCall *tail;
  Task9OffloadCall *current;      /* the running call, a reference */
  gboolean          closed;
  GThread          *thread;       /* until joined */
  pthread_t         pthread;      /* the thread's, set by it before any call runs */
};

G_DEFINE_FINAL_TYPE (Task9IOProc, task9_ioproc, G_TYPE_OBJECT)

/* ---- the signal -------------------------------------------------------------------- */

static void
interrupt_handler (int signo)
{
  /* Nothing: its only purpose is to make the blocked system call return EINTR. */
}

static void
install_handler (void)
{
  static gsize done;

  if (g_once_init_enter (&done))
    {
      struct sigaction sa, old;

      if (sigaction (TASK9_IOPROC_SIGNAL, NULL, &old) == 0 &&
          !(old.sa_flags & SA_SIGINFO) && old.sa_handler != SIG_DFL && old.sa_handler != SIG_IGN)
        g_warning ("Task9IOProc: signal %d already has a handler; interrupting calls relies "
                   "on it returning without SA_RESTART", TASK9_IOPROC_SIGNAL);
      else
        {
          memset (&sa, 0, sizeof sa);
          sa.sa_handler = interrupt_handler;
          sigemptyset (&sa.sa_mask);
          sa.sa_flags = 0;   /* no SA_RESTART: the interrupted call fails with EINTR */
          sigaction (TASK9_IOPROC_SIGNAL, &sa, NULL);
        }
      g_once_init_leave (&done, 1);
    }
}

static void
set_signal_blocked (gboolean blocked)
{
  sigset_t set;

  sigemptyset (&set);
  sigaddset (&set, TASK9_IOPROC_SIGNAL);
  pthread_sigmask (blocked ? SIG_BLOCK : SIG_UNBLOCK, &set, NULL);
}

/**
 * task9_ioproc_get_interrupt_signal:
 *
 * Gets the signal number [method@Task9.IOProc.interrupt] sends to an IOProc's thread:
 * `SIGRTMIN + 6` on Linux. The library installs a handler that does nothing, without
 * `SA_RESTART`, when the first IOProc is made, and sends the signal only to IOProc
 * threads (which block it between calls). A program must not use this signal for
 * itself, nor block it in a function it runs on an IOProc.
 *
 * Returns: the signal number
 *
 * Since: 0.1
 */
int
task9_ioproc_get_interrupt_signal (void)
{
  return TASK9_IOPROC_SIGNAL;
}

/* ---- interrupting ------------------------------------------------------------------ */

typedef struct
{
  Task9IOProc      *io;
  Task9OffloadCall *call;
  guint             interval;
} Resend;

static void
resend_free (gpointer data)
{
  Resend *resend = data;

  g_object_unref (resend->io);
  task9_offload_call_unref (resend->call);
  g_free (resend);
}

static void arm_resend (Task9IOProc *io, Task9OffloadCall *call, guint interval);

/* On the service thread: the interrupted call still runs? Signal it again. */
static gboolean
resend_fired (gpointer data)
{
  Resend *resend = data;
  Task9IOProc *io = resend->io;

  g_mutex_lock (&io->lock);
  if (io->current == resend->call)
    {
      pthread_kill (io->pthread, TASK9_IOPROC_SIGNAL);
      arm_resend (io, resend->call, MIN (resend->interval * 2, RESEND_MAX_MS));
    }
  g_mutex_unlock (&io->lock);
  return G_SOURCE_REMOVE;
}

/* Under io->lock. */
static void
arm_resend (Task9IOProc      *io,
            Task9OffloadCall *call,
            guint             interval)
{
  Resend *resend = g_new (Resend, 1);
  GSource *source = g_timeout_source_new (interval);

  resend->io = g_object_ref (io);
  resend->call = task9_offload_call_ref (call);
  resend->interval = interval;
  g_source_set_static_name (source, "Task9IOProc interrupt");
  g_source_set_callback (source, resend_fired, resend, resend_free);
  g_source_attach (source, task9_service_get_context ());
  g_source_unref (source);
}

/* Interrupts @call if it is the one running on @io. */
static void
interrupt_call (Task9IOProc      *io,
                Task9OffloadCall *call)
{
  task9_offload_call_interrupt (call);   /* its GCancellable: outside our lock */

  g_mutex_lock (&io->lock);
  if (io->current == call)
    {
      pthread_kill (io->pthread, TASK9_IOPROC_SIGNAL);
      arm_resend (io, call, RESEND_FIRST_MS);
    }
  g_mutex_unlock (&io->lock);
}

/**
 * task9_ioproc_interrupt:
 * @io: a #Task9IOProc
 *
 * Interrupts the call running on @io, if any: its #GCancellable is cancelled and the
 * thread, if blocked in a system call, is sent the signal of
 * [func@Task9.IOProc.get_interrupt_signal], so that the call (read(2), accept(2),
 * poll(2)...) fails with `EINTR`. The signal is repeated until the function returns,
 * so a function that retries on `EINTR` keeps being interrupted: it should check its
 * #GCancellable. The call's caller gets %G_IO_ERROR_CANCELLED, or the function's own
 * error if it reports one. If no call runs because the thread has not yet picked up
 * the first queued call, that call is the one in progress for its caller: it ends
 * with %G_IO_ERROR_CANCELLED without running. Other queued calls are not affected;
 * @io goes on with them. With nothing queued or running, this does nothing.
 *
 * Since: 0.1
 */
void
task9_ioproc_interrupt (Task9IOProc *io)
{
  Task9OffloadCall *call, *unstarted = NULL;

  g_return_if_fail (TASK9_IS_IOPROC (io));

  g_mutex_lock (&io->lock);
  call = io->current != NULL ? task9_offload_call_ref (io->current) : NULL;
  if (call == NULL && io->head != NULL)
    {
      /* Handed to the thread, which has not picked it up yet: it is the call in
       * progress as far as its caller can tell. It ends without running. */
      unstarted = io->head;
      io->head = unstarted->next;
      if (io->head == NULL)
        io->tail = NULL;
      unstarted->next = NULL;
    }
  g_mutex_unlock (&io->lock);

  if (call != NULL)
    {
      interrupt_call (io, call);
      task9_offload_call_unref (call);
    }
  else if (unstarted != NULL)
    {
      task9_offload_call_fail (unstarted, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                                               "The call was interrupted"));
      task9_offload_call_unref (unstarted);
    }
}

/* The caller of @call gave up: dequeue it, or interrupt it if it runs. */
static void
ioproc_abandon (gpointer          runner,
                Task9OffloadCall *call)
{
  Task9IOProc *io = runner;
  gboolean dequeued = FALSE, running;

  g_mutex_lock (&io->lock);
  running = io->current == call;
  for (Task9OffloadCall **link = &io->head, *prev = NULL; *link != NULL;
       prev = *link, link = &(*link)->next)
    if (*link == call)
      {
        *link = call->next;
        if (io->tail == call)
          io->tail = prev;
        call->next = NULL;
        dequeued = TRUE;
        break;
      }
  g_mutex_unlock (&io->lock);

  if (dequeued)
    {
      task9_offload_call_fail (call, NULL);   /* nothing runs; nobody waits */
      task9_offload_call_unref (call);        /* the queue's */
    }
  else if (running)
    interrupt_call (io, call);
}

/* ---- the thread ---------------------------------------------------------------------- */

static gpointer
ioproc_thread (gpointer data)
{
  Task9IOProc *io = data;

  set_signal_blocked (TRUE);
  g_mutex_lock (&io->lock);
  io->pthread = pthread_self ();   /* read only while a call runs, under the lock */
  for (;;)
    {
      Task9OffloadCall *call;

      while (io->head == NULL && !io->closed)
        g_cond_wait (&io->cond, &io->lock);
      call = io->head;
      if (call == NULL)
        break;   /* closed */
      io->head = call->next;
      if (io->head == NULL)
        io->tail = NULL;
      call->next = NULL;
      io->current = call;
      g_mutex_unlock (&io->lock);

      /* A repeat of an earlier interrupt is delivered here, before the call. */
      set_signal_blocked (FALSE);
      task9_offload_call_run (call);
      set_signal_blocked (TRUE);

      g_mutex_lock (&io->lock);
      io->current = NULL;
      g_mutex_unlock (&io->lock);
      task9_offload_call_unref (call);
      g_mutex_lock (&io->lock);
    }
  g_mutex_unlock (&io->lock);
  return NULL;
}

/* ---- the object ---------------------------------------------------------------------- */

static void
task9_ioproc_dispose (GObject *object)
{
  task9_ioproc_close (TASK9_IOPROC (object));

  G_OBJECT_CLASS (task9_ioproc_parent_class)->dispose (object);
}

static void
task9_ioproc_finalize (GObject *object)
{
  Task9IOProc *io = TASK9_IOPROC (object);

  g_free (io->name);
  g_mutex_clear (&io->lock);
  g_cond_clear (&io->cond);

  G_OBJECT_CLASS (task9_ioproc_parent_class)->finalize (object);
}

static void
task9_ioproc_class_init (Task9IOProcClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = task9_ioproc_dispose;
  object_class->finalize = task9_ioproc_finalize;
}

static void
task9_ioproc_init (Task9IOProc *io)
{
  g_mutex_init (&io->lock);
  g_cond_init (&io->cond);
}

/**
 * Task9IOProc:
 *
 * A thread of its own that runs blocking calls for tasks and async callers, one at a
 * time, in the order they were asked for: Plan 9's ioproc(3). A task that calls
 * [method@Task9.IOProc.call] waits; its proc runs its other tasks meanwhile.
 * [method@Task9.IOProc.interrupt] interrupts the call in progress, even one blocked
 * in a system call (see [func@Task9.IOProc.get_interrupt_signal]).
 *
 * Use one IOProc per activity whose calls must stay in order (a connection's reads);
 * for independent calls, [func@Task9.run_in_thread] uses a pool of threads instead.
 *
 * From bindings, an IOProc can be made, interrupted and closed; the calls take a C
 * function and are not introspectable (PyGObject's override runs Python callables on
 * Python threads instead).
 *
 * Since: 0.1
 */

/**
 * task9_ioproc_new:
 * @name: (nullable): a name for its thread (shown by debuggers), or %NULL for "ioproc"
 * @error: return location for an error
 *
 * Starts an IOProc: a thread that waits for calls.
 *
 * Returns: (transfer full): the new IOProc, or %NULL with %TASK9_ERROR_NO_RESOURCES if
 *   no thread could be started
 *
 * Since: 0.1
 */
Task9IOProc *
task9_ioproc_new (const char  *name,
                  GError     **error)
{
  Task9IOProc *io;
  GError *local_error = NULL;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  install_handler ();
  io = g_object_new (TASK9_TYPE_IOPROC, NULL);
  io->name = g_strdup (name != NULL ? name : "ioproc");

  g_mutex_lock (&io->lock);
  io->thread = g_thread_try_new (io->name, ioproc_thread, io, &local_error);
  if (io->thread == NULL)
    {
      io->closed = TRUE;
      g_mutex_unlock (&io->lock);
      g_set_error (error, TASK9_ERROR, TASK9_ERROR_NO_RESOURCES,
                   "Could not start an IOProc thread: %s", local_error->message);
      g_error_free (local_error);
      g_object_unref (io);
      return NULL;
    }
  g_mutex_unlock (&io->lock);
  return io;
}

/**
 * task9_ioproc_get_name:
 * @io: a #Task9IOProc
 *
 * Gets the name given to [ctor@Task9.IOProc.new].
 *
 * Returns: the name
 *
 * Since: 0.1
 */
const char *
task9_ioproc_get_name (Task9IOProc *io)
{
  g_return_val_if_fail (TASK9_IS_IOPROC (io), NULL);

  return io->name;
}

/**
 * task9_ioproc_is_closed:
 * @io: a #Task9IOProc
 *
 * Whether [method@Task9.IOProc.close] was called (or no thread could be started).
 *
 * Returns: %TRUE if @io takes no more calls
 *
 * Since: 0.1
 */
gboolean
task9_ioproc_is_closed (Task9IOProc *io)
{
  gboolean closed;

  g_return_val_if_fail (TASK9_IS_IOPROC (io), TRUE);

  g_mutex_lock (&io->lock);
  closed = io->closed;
  g_mutex_unlock (&io->lock);
  return closed;
}

/**
 * task9_ioproc_close:
 * @io: a #Task9IOProc
 *
 * Ends @io: calls still queued end with %TASK9_ERROR_CLOSED without running, the call
 * in progress is interrupted (as by [method@Task9.IOProc.interrupt]), and later calls
 * fail with %TASK9_ERROR_CLOSED. Returns once the thread has ended, that is once the
 * interrupted function has returned; called from that function itself, it returns at
 * once and the thread ends after it. Closing twice does nothing more. Disposing of
 * @io closes it.
 *
 * Since: 0.1
 */
void
task9_ioproc_close (Task9IOProc *io)
{
  Task9OffloadCall *queued, *current;
  GThread *thread;

  g_return_if_fail (TASK9_IS_IOPROC (io));

  g_mutex_lock (&io->lock);
  io->closed = TRUE;
  queued = io->head;
  io->head = io->tail = NULL;
  current = io->current != NULL ? task9_offload_call_ref (io->current) : NULL;
  thread = g_steal_pointer (&io->thread);
  g_cond_signal (&io->cond);
  g_mutex_unlock (&io->lock);

  while (queued != NULL)
    {
      Task9OffloadCall *call = queued;

      queued = call->next;
      call->next = NULL;
      task9_offload_call_fail (call, g_error_new (TASK9_ERROR, TASK9_ERROR_CLOSED,
                                                  "The IOProc %s was closed", io->name));
      task9_offload_call_unref (call);
    }
  if (current != NULL)
    {
      interrupt_call (io, current);
      task9_offload_call_unref (current);
    }
  if (thread != NULL)
    {
      if (thread == g_thread_self ())
        g_thread_unref (thread);
      else
        g_thread_join (thread);
    }
}

/* Queues a call on @io (taking @call's reference), or fails it if @io is closed. */
static void
ioproc_submit (Task9IOProc      *io,
               Task9OffloadCall *call)
{
  g_mutex_lock (&io->lock);
  if (io->closed)
    {
      g_mutex_unlock (&io->lock);
      task9_offload_call_fail (call, g_error_new (TASK9_ERROR, TASK9_ERROR_CLOSED,
                                                  "The IOProc %s is closed", io->name));
      task9_offload_call_unref (call);
      return;
    }
  if (io->tail != NULL)
    io->tail->next = call;
  else
    io->head = call;
  io->tail = call;
  g_cond_signal (&io->cond);
  g_mutex_unlock (&io->lock);
}

/**
 * task9_ioproc_call: (skip)
 * @io: a #Task9IOProc
 * @func: the function to run on @io's thread
 * @data: (nullable): its data
 * @data_destroy: (nullable): frees @data once @func has returned, or at once if
 *   @func is not run
 * @result_destroy: (nullable): frees a result the caller no longer waits for
 * @timeout: how long to wait in microseconds; negative: no limit
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for an error
 *
 * Runs @func on @io's thread, after the calls asked for before it, and waits for its
 * result. Only the calling task waits: its proc runs its other tasks meanwhile.
 *
 * If the wait ends first (@timeout, @cancellable, the task is cancelled), the caller
 * gets %G_IO_ERROR_TIMED_OUT or %G_IO_ERROR_CANCELLED at once: a call still queued is
 * taken out and never runs, a running one is interrupted (see
 * [method@Task9.IOProc.interrupt]) and its late result freed with @result_destroy.
 * An interrupted call's caller gets %G_IO_ERROR_CANCELLED unless @func reports an
 * error of its own. A closed @io fails with %TASK9_ERROR_CLOSED.
 *
 * The waiting task counts as waiting for something outside the procs:
 * [func@Task9.main] does not take it for a deadlock. Outside a task this fails with
 * %TASK9_ERROR_NOT_IN_TASK (use [method@Task9.IOProc.call_async] there); a zero
 * @timeout fails with %TASK9_ERROR_WOULD_BLOCK without running @func.
 *
 * Returns: (nullable) (transfer full): what @func returned, or %NULL with @error set
 *
 * Since: 0.1
 */
gpointer
task9_ioproc_call (Task9IOProc     *io,
                   Task9ThreadFunc  func,
                   gpointer         data,
                   GDestroyNotify   data_destroy,
                   GDestroyNotify   result_destroy,
                   GTimeSpan        timeout,
                   GCancellable    *cancellable,
                   GError         **error)
{
  Task9Task *self = task9_scheduler_current_task ();
  Task9OffloadCall *call;
  gpointer result;

  g_return_val_if_fail (TASK9_IS_IOPROC (io), NULL);
  g_return_val_if_fail (func != NULL, NULL);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if ((cancellable != NULL && g_cancellable_set_error_if_cancelled (cancellable, error)) ||
      !task9_sync_may_block (self, timeout, "task9_ioproc_call()", error))
    {
      if (data_destroy != NULL)
        data_destroy (data);
      return NULL;
    }

  g_object_ref (io);   /* for the abandon hook, whatever the caller's references do */
  call = task9_offload_call_new (func, data, data_destroy, result_destroy, io, ioproc_abandon);
  ioproc_submit (io, task9_offload_call_ref (call));
  result = task9_offload_call_wait (call, self, timeout, cancellable, "ioproc-call", error);
  task9_offload_call_unref (call);
  g_object_unref (io);
  return result;
}

/**
 * task9_ioproc_call_async: (skip)
 * @io: a #Task9IOProc
 * @func: the function to run on @io's thread
 * @data: (nullable): its data
 * @data_destroy: (nullable): frees @data once @func has returned, or at once if
 *   @func is not run
 * @result_destroy: (nullable): frees a result nobody takes
 * @cancellable: (nullable): a #GCancellable
 * @callback: called on the caller's thread-default main context when the call ended
 * @user_data: data for @callback
 *
 * Runs @func on @io's thread like [method@Task9.IOProc.call], for code that cannot
 * block. Cancelling @cancellable completes the call at once with
 * %G_IO_ERROR_CANCELLED, and takes it out of the queue or interrupts it. Get the
 * result with [method@Task9.IOProc.call_finish].
 *
 * Since: 0.1
 */
void
task9_ioproc_call_async (Task9IOProc         *io,
                         Task9ThreadFunc      func,
                         gpointer             data,
                         GDestroyNotify       data_destroy,
                         GDestroyNotify       result_destroy,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  Task9OffloadCall *call;

  g_return_if_fail (TASK9_IS_IOPROC (io));
  g_return_if_fail (func != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  call = task9_offload_call_new (func, data, data_destroy, result_destroy, io, ioproc_abandon);
  if (cancellable != NULL && g_cancellable_is_cancelled (cancellable))
    task9_offload_call_fail (call, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                                        "Operation was cancelled"));
  else
    ioproc_submit (io, task9_offload_call_ref (call));
  /* The op holds @io (its source object) until its callback: the abandon hook's. */
  task9_offload_call_wait_async (call, io, cancellable, callback, user_data,
                                 task9_ioproc_call_async);
  task9_offload_call_unref (call);
}

/**
 * task9_ioproc_call_finish: (skip)
 * @io: a #Task9IOProc
 * @result: the #GAsyncResult given to the callback
 * @error: return location for an error
 *
 * Finishes [method@Task9.IOProc.call_async].
 *
 * Returns: (nullable) (transfer full): what the function returned, or %NULL with
 *   @error set
 *
 * Since: 0.1
 */
gpointer
task9_ioproc_call_finish (Task9IOProc   *io,
                          GAsyncResult  *result,
                          GError       **error)
{
  g_return_val_if_fail (TASK9_IS_IOPROC (io), NULL);
  g_return_val_if_fail (G_IS_ASYNC_RESULT (result), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return task9_offload_call_finish (result, io, task9_ioproc_call_async, error);
}
