/* task9-idle.c: a proc with nothing else to do, as a channel
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * An idle channel delivers the monotonic time once, the next time its proc is idle:
 * no task is runnable and no source of a higher priority than
 * G_PRIORITY_DEFAULT_IDLE is ready on the proc's context (GTK's redraws, at
 * G_PRIORITY_HIGH_IDLE, come first). Each proc has at most one idle source, made on
 * first use, holding the channels waiting for the next idle moment; its dispatch
 * offers the time to all of them and forgets them. So a thousand tasks waiting for
 * idle cost one GSource, not a thousand.
 *
 * Invariants:
 * - The idle source and its list belong to the proc's thread: channels are added only
 *   there (task9_idle_channel_new() is called on a proc's thread) and the source
 *   dispatches only there, so the list needs no lock.
 * - The source is ready only while the list is not empty and the proc's run queue and
 *   inbox are empty, and a task is not running a nested loop.
 * - The list holds a reference on each channel until it has fired or the proc's thread
 *   ends (the GPrivate's destroy notify destroys the source and releases them).
 */

#include "task9-config.h"

#include "task9-condition-private.h"
#include "task9-error.h"
#include "task9-idle.h"
#include "task9-scheduler-private.h"

typedef struct
{
  GSource    source;
  Task9Proc *proc;
  GPtrArray *waiting;    /* Task9Channel *, strong */
} IdleSource;

static void idle_source_release (gpointer data);

static GPrivate idle_source_private = G_PRIVATE_INIT (idle_source_release);

static gboolean
proc_is_idle (Task9Proc *proc)
{
  return proc->current == NULL && proc->run_head == NULL &&
         !g_atomic_int_get (&proc->inbox_pending);
}

static gboolean
idle_prepare (GSource *source,
              gint    *timeout)
{
  IdleSource *idle = (IdleSource *) source;

  *timeout = -1;
  return idle->waiting->len > 0 && proc_is_idle (idle->proc);
}

static gboolean
idle_check (GSource *source)
{
  IdleSource *idle = (IdleSource *) source;

  return idle->waiting->len > 0 && proc_is_idle (idle->proc);
}

static gboolean
idle_dispatch (GSource     *source,
               GSourceFunc  callback,
               gpointer     user_data)
{
  IdleSource *idle = (IdleSource *) source;
  GPtrArray *fired = idle->waiting;
  gint64 now = g_get_monotonic_time ();

  idle->waiting = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < fired->len; i++)
    task9_channel_offer (fired->pdata[i], &now);   /* one slot each: never dropped */
  g_ptr_array_unref (fired);
  return G_SOURCE_CONTINUE;
}

static void
idle_finalize (GSource *source)
{
  g_ptr_array_unref (((IdleSource *) source)->waiting);
}

static GSourceFuncs idle_source_funcs = {
  idle_prepare, idle_check, idle_dispatch, idle_finalize, NULL, NULL,
};

/* When the proc's thread ends. */
static void
idle_source_release (gpointer data)
{
  GSource *source = data;

  g_source_destroy (source);
  g_source_unref (source);
}

static IdleSource *
idle_source_get (Task9Proc *proc)
{
  IdleSource *idle = g_private_get (&idle_source_private);

  if (idle == NULL)
    {
      GSource *source = g_source_new (&idle_source_funcs, sizeof (IdleSource));

      idle = (IdleSource *) source;
      idle->proc = proc;
      idle->waiting = g_ptr_array_new_with_free_func (g_object_unref);
      g_source_set_static_name (source, "Task9 idle");
      g_source_set_priority (source, G_PRIORITY_DEFAULT_IDLE);
      g_source_attach (source, proc->context);
      g_private_set (&idle_source_private, source);   /* the thread's reference */
    }
  return idle;
}

/**
 * task9_idle_channel_new:
 *
 * Returns a channel on which the monotonic time (a #G_TYPE_INT64 channel: a #gint64
 * in C, in microseconds) is sent once, the next time the calling proc is idle: no
 * task of the proc is runnable and no source of its main context with a priority
 * higher than %G_PRIORITY_DEFAULT_IDLE is ready. It has one buffer slot, so the time
 * waits for a receiver that comes late. A task that waits on it in an alt runs its
 * arm only after everything else of the proc has had its turn, like a
 * %G_PRIORITY_DEFAULT_IDLE idle callback.
 *
 * All the idle channels of one proc share one #GSource. Call it on a proc's thread
 * (in a task, or in a callback of the proc's main context).
 *
 * Returns: (transfer full) (nullable): the channel, or %NULL off a proc's thread
 *
 * Since: 0.1
 */
Task9Channel *
task9_idle_channel_new (void)
{
  Task9Proc *proc = task9_proc_current_or_adopt ();
  Task9Channel *channel;

  g_return_val_if_fail (proc != NULL, NULL);

  channel = task9_channel_new_typed (G_TYPE_INT64, 1);
  task9_channel_set_external (channel);
  g_ptr_array_add (idle_source_get (proc)->waiting, g_object_ref (channel));
  return channel;
}

/**
 * task9_wait_idle: (skip)
 * @timeout: the longest wait in microseconds, -1 for no limit
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Blocks the calling task until its proc is idle, as [func@Task9.idle_channel_new]
 * defines it: every other runnable task of the proc, and every ready source of a
 * higher priority than %G_PRIORITY_DEFAULT_IDLE, runs first.
 *
 * Returns: %TRUE once the proc was idle; %FALSE with %G_IO_ERROR_TIMED_OUT,
 *   %G_IO_ERROR_CANCELLED, or %TASK9_ERROR_NOT_IN_TASK outside a task
 *
 * Since: 0.1
 */
gboolean
task9_wait_idle (GTimeSpan      timeout,
                 GCancellable  *cancellable,
                 GError       **error)
{
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!task9_in_task ())
    {
      g_set_error_literal (error, TASK9_ERROR, TASK9_ERROR_NOT_IN_TASK,
                           "task9_wait_idle() can only be called from a task");
      return FALSE;
    }
  return task9_condition_wait (task9_idle_channel_new (), NULL, timeout, cancellable, error);
}

/**
 * task9_wait_idle_async:
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called on the caller's thread-default main context once
 *   the proc was idle
 * @user_data: (closure): data for @callback
 *
 * The async form of [func@Task9.wait_idle], for code running on a proc's main context.
 * The thread that runs the default context (a GTK application's, a binding's main loop)
 * becomes the main proc's on its first such call, see [func@Task9.Proc.get_main].
 * Elsewhere the callback gets %TASK9_ERROR_NOT_IN_TASK. Finish with
 * [func@Task9.wait_idle_finish].
 *
 * Since: 0.1
 */
void
task9_wait_idle_async (GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  GMainContext *context;
  Task9Proc *proc;
  gboolean on_proc;

  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  context = g_main_context_ref_thread_default ();
  proc = task9_current_proc;
  if (proc == NULL && context == g_main_context_default ())
    proc = task9_proc_current_or_adopt ();
  on_proc = proc != NULL && proc->context == context;
  g_main_context_unref (context);
  if (!on_proc)
    {
      g_task_report_new_error (NULL, callback, user_data, task9_wait_idle_async,
                               TASK9_ERROR, TASK9_ERROR_NOT_IN_TASK,
                               "task9_wait_idle_async() needs a proc's main context");
      return;
    }
  task9_condition_wait_async (task9_idle_channel_new (), task9_wait_idle_async, cancellable,
                              callback, user_data);
}

/**
 * task9_wait_idle_finish:
 * @result: the result given to the callback
 * @error: return location for a #GError
 *
 * Finishes [func@Task9.wait_idle_async].
 *
 * Returns: %TRUE once the proc was idle; %FALSE with %G_IO_ERROR_CANCELLED or
 *   %TASK9_ERROR_NOT_IN_TASK
 *
 * Since: 0.1
 */
gboolean
task9_wait_idle_finish (GAsyncResult  *result,
                        GError       **error)
{
  return task9_condition_wait_finish (result, task9_wait_idle_async, NULL, error);
}
