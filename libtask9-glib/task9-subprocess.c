/* task9-subprocess.c: a GSubprocess's exit and output, for tasks
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A GSubprocess already watches its pid (GLib's one child watch per pid), so its exit
 * is not a task9_child_watch(): task9_subprocess_wait_channel() asks the subprocess
 * itself (g_subprocess_wait_async(), made on the service context so that it completes
 * whether or not the caller's context is iterated) and offers the status to a channel.
 * Its pipes are GInputStreams; task9_input_stream_read() reads one in a task with a
 * timeout and a cancellable: a g_input_stream_read_async() awaited through the GIO
 * bridge (task9-gio.c), on the task's proc context.
 *
 * Invariants:
 * - The wait holds a reference on the subprocess and on the channel until the process
 *   exited; the status is offered once, from the service thread.
 * - A read returns only once GIO is done with the caller's buffer, and a read that
 *   succeeded is returned even if the wait timed out or was cancelled meanwhile (the
 *   data was consumed, so it must not be lost): both are what task9_async_call_wait()
 *   guarantees.
 */

#include "task9-config.h"

#include "task9-channel-private.h"
#include "task9-error.h"
#include "task9-gio.h"
#include "task9-service-private.h"
#include "task9-subprocess.h"
#include "task9-task.h"

/* ---- the exit -------------------------------------------------------------------- */

typedef struct
{
  GSubprocess  *subprocess;
  Task9Channel *channel;
} SubprocessWait;

static void
subprocess_waited (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  SubprocessWait *wait = user_data;

  /* Without a cancellable, the wait ends only with the process. */
  if (g_subprocess_wait_finish (wait->subprocess, result, NULL))
    {
      gint status = g_subprocess_get_status (wait->subprocess);

      task9_channel_offer (wait->channel, &status);
    }
  g_object_unref (wait->subprocess);
  g_object_unref (wait->channel);
  g_free (wait);
}

/* On the service thread. */
static gboolean
subprocess_wait_start (gpointer user_data)
{
  SubprocessWait *wait = user_data;

  g_subprocess_wait_async (wait->subprocess, NULL, subprocess_waited, wait);
  return G_SOURCE_REMOVE;
}

/**
 * task9_subprocess_wait_channel:
 * @subprocess: a #GSubprocess
 *
 * Returns a channel on which the wait status of @subprocess (what
 * g_subprocess_get_status() reports) is sent once, when the process has exited, like
 * [func@Task9.Channel.after] sends its tick once. It has one buffer slot, so the status
 * waits for a late receiver. Receive it in a task, alone or in [func@Task9.alt] with a
 * deadline (and g_subprocess_force_exit() when the deadline comes first), or with
 * [method@Task9.Channel.recv_value_async].
 *
 * This is the way to wait for a #GSubprocess: it watches its own pid, so
 * [func@Task9.child_watch] must not be used on it. Each call makes a new channel; the
 * library holds @subprocess and the channel until the process exits, so dropping the
 * channel early costs nothing but that.
 *
 * |[<!-- language="C" -->
 * g_autoptr(GSubprocess) proc = g_subprocess_new (G_SUBPROCESS_FLAGS_NONE, &error,
 *                                                 "make", NULL);
 * g_autoptr(Task9Channel) exited = task9_subprocess_wait_channel (proc);
 * g_autoptr(Task9Channel) deadline = task9_channel_after (60 * G_TIME_SPAN_SECOND);
 * gint status;
 * Task9AltArm arms[] = {
 *   { exited, TASK9_ALT_RECV, &status },
 *   { deadline, TASK9_ALT_RECV, NULL },
 * };
 *
 * if (task9_alt (arms, 2, -1, NULL, &error) == 1)
 *   {
 *     g_subprocess_force_exit (proc);
 *     task9_channel_recv (exited, &status, &error);
 *   }
 * ]|
 *
 * Returns: (transfer full): a typed channel of #G_TYPE_INT that receives the wait
 *   status once
 *
 * Since: 0.1
 */
Task9Channel *
task9_subprocess_wait_channel (GSubprocess *subprocess)
{
  Task9Channel *channel;
  SubprocessWait *wait;
  char name[48];

  g_return_val_if_fail (G_IS_SUBPROCESS (subprocess), NULL);

  channel = task9_channel_new_typed (G_TYPE_INT, 1);
  task9_channel_set_external (channel);
  g_snprintf (name, sizeof name, "subprocess %s",
              g_subprocess_get_identifier (subprocess) != NULL
                ? g_subprocess_get_identifier (subprocess) : "(exited)");
  task9_channel_set_name (channel, name);

  wait = g_new0 (SubprocessWait, 1);
  wait->subprocess = g_object_ref (subprocess);
  wait->channel = g_object_ref (channel);
  g_main_context_invoke (task9_service_get_context (), subprocess_wait_start, wait);
  return channel;
}

/* ---- reading --------------------------------------------------------------------- */

/**
 * task9_input_stream_read: (skip)
 * @stream: a #GInputStream
 * @buffer: (array length=count) (element-type guint8) (out caller-allocates): where the
 *   bytes go
 * @count: the most bytes to read
 * @timeout: the longest wait in microseconds, -1 for no limit
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Reads up to @count bytes from @stream, suspending the calling task (not its proc)
 * until some are there: the task's form of g_input_stream_read_async(). It returns
 * what is available, as read() does, so a reader of a #GSubprocess's standard output
 * gets each line as the child writes it.
 *
 * A read that times out or is cancelled (by @cancellable or by cancelling the task) is
 * cancelled in GIO and waited for before this returns, since GIO writes into @buffer;
 * if it had read data by then, that data is returned rather than lost. For pollable
 * streams (pipes, sockets, a #GSubprocess's pipes) that is immediate; a stream whose
 * reads run in a thread (files) may finish the read it had started first.
 *
 * Returns: the number of bytes read, 0 at the end of the stream; -1 with
 *   %G_IO_ERROR_TIMED_OUT, %G_IO_ERROR_CANCELLED, the stream's error, or
 *   %TASK9_ERROR_NOT_IN_TASK outside a task
 *
 * Since: 0.1
 */
gssize
task9_input_stream_read (GInputStream  *stream,
                         void          *buffer,
                         gsize          count,
                         GTimeSpan      timeout,
                         GCancellable  *cancellable,
                         GError       **error)
{
  g_autoptr(Task9AsyncCall) call = NULL;
  GAsyncResult *result;

  g_return_val_if_fail (G_IS_INPUT_STREAM (stream), -1);
  g_return_val_if_fail (buffer != NULL || count == 0, -1);
  g_return_val_if_fail (count <= G_MAXSSIZE, -1);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), -1);
  g_return_val_if_fail (error == NULL || *error == NULL, -1);

  if (!task9_in_task ())
    {
      g_set_error_literal (error, TASK9_ERROR, TASK9_ERROR_NOT_IN_TASK,
                           "task9_input_stream_read() can only be called from a task; "
                           "use g_input_stream_read_async()");
      return -1;
    }
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return -1;

  call = task9_async_call_new (cancellable);
  g_input_stream_read_async (stream, buffer, count, G_PRIORITY_DEFAULT,
                             task9_async_call_get_cancellable (call),
                             task9_async_call_callback, task9_async_call_begin (call));
  result = task9_async_call_wait (call, timeout, error);
  if (result == NULL)
    return -1;
  return g_input_stream_read_finish (stream, result, error);
}
