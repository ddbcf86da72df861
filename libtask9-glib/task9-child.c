/* task9-child.c: child processes' exits as channels
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * GLib's rules for child processes: one child watch per pid (the watch reaps the child,
 * so a second watcher would find nothing), and never waitpid (-1, ...) (it would steal
 * other watchers' children). So the library keeps one record per pid it was asked
 * about, holding the pid's one GLib child watch, attached to the service context (see
 * task9-service.c), and the channels waiting for it. When the child exits, its wait
 * status is offered to every waiting channel; if none was there to take it (every
 * waiter timed out, was cancelled, or dropped its channel), the record keeps the status
 * until somebody asks for that pid again. A channel closed or dropped with the status
 * still unreceived in it gives it back to a record: a wait that ends early never loses
 * the exit.
 *
 * Invariants:
 * - Under children_lock: the table, every record, every watcher's `record`. Offers are
 *   made under it, so a watcher is unlinked exactly when it was offered the status or
 *   its channel was done. Lock order: children_lock, then a channel's spinlock.
 * - A record has its GSource exactly until the child exited (GLib destroys a child
 *   watch once it fired); a record leaves the table when its status was delivered to
 *   at least one channel. A record is created only for a pid that waitid(WNOWAIT) says
 *   is a child of ours, so a watch never waits for a pid that can never exit for us.
 *   A kept status whose pid names a live child of ours again (the kernel reused it)
 *   is stale and is dropped: the pid means the new child.
 * - A Watcher holds no reference on its channel; it is freed by the channel's on_done
 *   hook (task9_channel_set_on_done()), run once when the channel is closed or
 *   finalized, which first unlinks it, or takes back the status the channel was
 *   offered but nobody received, into a record of its pid (unless the table has one:
 *   a newer child with that pid, or the status kept already).
 */

#include "task9-config.h"

#include <errno.h>
#include <sys/types.h>
#include <sys/wait.h>

#include "task9-channel-private.h"
#include "task9-child.h"
#include "task9-child-private.h"
#include "task9-condition-private.h"
#include "task9-service-private.h"

typedef struct
{
  GPid       pid;
  GSource   *source;      /* the pid's one child watch, until the child exited */
  gboolean   exited;
  gint       status;      /* once exited: the wait status nobody took yet */
  GPtrArray *watchers;    /* Watcher *, unowned */
} ChildRecord;

typedef struct
{
  Task9Channel *channel;  /* not a reference: see the invariants */
  GPid          pid;
  ChildRecord  *record;   /* while waiting */
} Watcher;

static GMutex      children_lock;
static GHashTable *children;   /* GINT_TO_POINTER (pid) -> ChildRecord * */

static void
child_record_free (gpointer data)
{
  ChildRecord *record = data;

  g_assert (record->source == NULL && record->watchers->len == 0);
  g_ptr_array_unref (record->watchers);
  g_free (record);
}

static ChildRecord *
record_new_locked (GPid pid)
{
  ChildRecord *record = g_new0 (ChildRecord, 1);

  record->pid = pid;
  record->watchers = g_ptr_array_new ();
  g_hash_table_insert (children, GINT_TO_POINTER (pid), record);
  return record;
}

/* The channel's on_done hook: its interest in the pid ends. */
static void
watcher_done (gpointer data)
{
  Watcher *watcher = data;
  gint status;

  g_mutex_lock (&children_lock);
  if (watcher->record != NULL)
    g_ptr_array_remove_fast (watcher->record->watchers, watcher);
  else if (!g_hash_table_contains (children, GINT_TO_POINTER (watcher->pid)))
    {
      Task9ChannelStatus got;

      /* Offered the status, or never linked (a failed watch): an unreceived status
       * goes back to the library. */
      task9_channel_lock (watcher->channel);
      got = task9_channel_recv_locked (watcher->channel, &status);
      task9_channel_unlock (watcher->channel);
      if (got == TASK9_CHANNEL_DONE)
        {
          ChildRecord *record = record_new_locked (watcher->pid);

          record->exited = TRUE;
          record->status = status;
        }
    }
  g_mutex_unlock (&children_lock);
  g_free (watcher);
}

/* With the record's status: hands it to @channel and forgets the record. */
static void
record_deliver_locked (ChildRecord  *record,
                       Task9Channel *channel)
{
  task9_channel_offer (channel, &record->status);
  g_hash_table_remove (children, GINT_TO_POINTER (record->pid));
}

/* On the service thread, once: the child exited (and GLib reaped it). */
static void
child_exited (GPid     pid,
              gint     status,
              gpointer user_data)
{
  ChildRecord *record;
  gboolean delivered = FALSE;

  g_mutex_lock (&children_lock);
  record = g_hash_table_lookup (children, GINT_TO_POINTER (pid));
  g_assert (record != NULL && record->source == g_main_current_source ());
  g_clear_pointer (&record->source, g_source_unref);
  record->exited = TRUE;
  record->status = status;
  for (guint i = 0; i < record->watchers->len; i++)
    {
      Watcher *watcher = g_ptr_array_index (record->watchers, i);

      if (task9_channel_offer (watcher->channel, &status) == TASK9_CHANNEL_DONE)
        delivered = TRUE;
      watcher->record = NULL;
    }
  g_ptr_array_set_size (record->watchers, 0);
  if (delivered)
    g_hash_table_remove (children, GINT_TO_POINTER (pid));
  g_mutex_unlock (&children_lock);
}

/* Is @pid a child of ours that nobody has reaped? Asks without reaping it. */
static gboolean
is_our_child (GPid pid)
{
  siginfo_t info;
  int r;

  do
    r = waitid (P_PID, pid, &info, WEXITED | WNOHANG | WNOWAIT);
  while (r < 0 && errno == EINTR);
  return r == 0 || errno != ECHILD;
}

/* The channel of a new watcher of @pid, or NULL with @error. */
static Task9Channel *
child_watch (GPid     pid,
             GError **error)
{
  Task9Channel *channel;
  Watcher *watcher;
  ChildRecord *record;
  char name[32];

  if (pid <= 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "Cannot wait for process %d: not a process id", (int) pid);
      return NULL;
    }

  channel = task9_channel_new_typed (G_TYPE_INT, 1);
  task9_channel_set_external (channel);
  g_snprintf (name, sizeof name, "child %d", (int) pid);
  task9_channel_set_name (channel, name);
  watcher = g_new0 (Watcher, 1);
  watcher->channel = channel;
  watcher->pid = pid;
  task9_channel_set_on_done (channel, watcher_done, watcher);

  g_mutex_lock (&children_lock);
  if (children == NULL)
    children = g_hash_table_new_full (NULL, NULL, NULL, child_record_free);
  record = g_hash_table_lookup (children, GINT_TO_POINTER (pid));
  if (record != NULL && record->exited && is_our_child (pid))
    {
      /* The kept status is of a child long gone: its pid now names a new child. */
      g_hash_table_remove (children, GINT_TO_POINTER (pid));
      record = NULL;
    }
  if (record == NULL)
    {
      if (!is_our_child (pid))
        {
          g_mutex_unlock (&children_lock);
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       "Cannot wait for process %d: not a child of this process, or its "
                       "exit was already collected", (int) pid);
          g_object_unref (channel);
          return NULL;
        }
      record = record_new_locked (pid);
      record->source = g_child_watch_source_new (pid);
      g_source_set_callback (record->source, G_SOURCE_FUNC (child_exited), NULL, NULL);
      g_source_set_static_name (record->source, "task9 child watch");
      g_source_attach (record->source, task9_service_get_context ());
    }
  if (record->exited)
    record_deliver_locked (record, channel);
  else
    {
      watcher->record = record;
      g_ptr_array_add (record->watchers, watcher);
    }
  g_mutex_unlock (&children_lock);
  return channel;
}

/**
 * task9_child_watch:
 * @pid: a child process of this process, not yet reaped
 * @error: return location for a #GError
 *
 * Watches for the exit of the child process @pid: its wait status (what waitpid()
 * reports; decode it with g_spawn_check_wait_status() or `WIFEXITED()` and
 * `WEXITSTATUS()`) is sent once on the returned channel, like [func@Task9.Channel.after]
 * sends its tick once. The channel has one buffer slot, so the status waits for a late
 * receiver; receive it in a task (alone or as an arm of [func@Task9.alt], for example
 * with a deadline), or with [method@Task9.Channel.recv_value_async].
 *
 * The child must have been started so that nobody else reaps it: with
 * g_spawn_async() and %G_SPAWN_DO_NOT_REAP_CHILD, or fork(). GLib's rules apply: the
 * library keeps one child watch per pid (every channel asking for @pid shares it), so
 * do not also watch @pid with g_child_watch_add(), and do not use this for the pid of a
 * #GSubprocess (use [func@Task9.subprocess_wait_channel]). The library never calls
 * `waitpid (-1, ...)`.
 *
 * The watch does not depend on the channel: closing or dropping the channel ends
 * only this channel's interest, at once. The child is still reaped when it exits
 * (no zombie is left behind), the GLib source then goes away, and if no channel took
 * the status, the library keeps it (a few bytes) for the next [func@Task9.child_watch]
 * or [func@Task9.child_wait] of @pid (unless the system reuses @pid for a new child of
 * ours first: the pid then means that child). That includes a status that reached a
 * channel which was then closed or dropped before anybody received it: it goes back to
 * the library rather than being lost. A status that was received is forgotten: asking
 * for the same pid again is then an error.
 *
 * Returns: (transfer full): a typed channel of #G_TYPE_INT that receives the wait
 *   status once, or %NULL with %G_IO_ERROR_INVALID_ARGUMENT when @pid is not a
 *   process id, or not a child of this process that is still to be collected
 *
 * Since: 0.1
 */
Task9Channel *
task9_child_watch (GPid     pid,
                   GError **error)
{
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return child_watch (pid, error);
}

/**
 * task9_child_wait: (skip)
 * @pid: a child process of this process, as for [func@Task9.child_watch]
 * @timeout: the longest wait in microseconds, -1 for no limit
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Suspends the calling task until the child process @pid exits, and returns its wait
 * status. A wait that times out or is cancelled consumes nothing: the child stays
 * watched (and is reaped when it exits), and a later wait for @pid gets the status.
 *
 * |[<!-- language="C" -->
 * GPid pid;
 * char *argv[] = { "sh", "-c", "exit 3", NULL };
 *
 * g_spawn_async (NULL, argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD,
 *                NULL, NULL, &pid, &error);
 * gint status = task9_child_wait (pid, 5 * G_TIME_SPAN_SECOND, NULL, &error);
 * if (status >= 0 && WIFEXITED (status))
 *   g_print ("exit code %d\n", WEXITSTATUS (status));
 * g_spawn_close_pid (pid);
 * ]|
 *
 * Returns: the wait status (0 or more); -1 with %G_IO_ERROR_TIMED_OUT,
 *   %G_IO_ERROR_CANCELLED, %G_IO_ERROR_INVALID_ARGUMENT (see
 *   [func@Task9.child_watch]) or %TASK9_ERROR_NOT_IN_TASK outside a task
 *
 * Since: 0.1
 */
gint
task9_child_wait (GPid           pid,
                  GTimeSpan      timeout,
                  GCancellable  *cancellable,
                  GError       **error)
{
  Task9Channel *channel;
  GValue status = G_VALUE_INIT;

  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), -1);
  g_return_val_if_fail (error == NULL || *error == NULL, -1);

  /* Before the watch: outside a task, nothing is watched. */
  if (!task9_condition_check_in_task (error))
    return -1;
  channel = child_watch (pid, error);
  if (channel == NULL || !task9_condition_wait (channel, &status, timeout, cancellable, error))
    return -1;
  return g_value_get_int (&status);
}

/**
 * task9_child_wait_async:
 * @pid: a child process of this process, as for [func@Task9.child_watch]
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called on the caller's thread-default main context once
 *   the child exited, or the wait failed
 * @user_data: (closure): data for @callback
 *
 * Waits for the exit of the child process @pid without blocking the caller, like
 * [func@Task9.child_wait]; finish with [func@Task9.child_wait_finish]. A cancelled
 * wait consumes nothing: a later wait for @pid gets the status.
 *
 * Since: 0.1
 */
void
task9_child_wait_async (GPid                 pid,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  Task9Channel *channel;
  GError *error = NULL;

  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  channel = child_watch (pid, &error);
  if (channel == NULL)
    g_task_report_error (NULL, callback, user_data, task9_child_wait_async, error);
  else
    task9_condition_wait_async (channel, task9_child_wait_async, cancellable, callback,
                                user_data);
}

/**
 * task9_child_wait_finish:
 * @result: the result given to the callback
 * @error: return location for a #GError
 *
 * Finishes [func@Task9.child_wait_async].
 *
 * Returns: the wait status (0 or more); -1 with %G_IO_ERROR_CANCELLED or
 *   %G_IO_ERROR_INVALID_ARGUMENT
 *
 * Since: 0.1
 */
gint
task9_child_wait_finish (GAsyncResult  *result,
                         GError       **error)
{
  GValue status = G_VALUE_INIT;

  if (!task9_condition_wait_finish (result, task9_child_wait_async, &status, error))
    return -1;
  return g_value_get_int (&status);
}

/* ---- for the tests --------------------------------------------------------------- */

/* Pids the library watches or keeps an uncollected status for. */
guint
task9_child_get_n_records (void)
{
  guint n;

  g_mutex_lock (&children_lock);
  n = children != NULL ? g_hash_table_size (children) : 0;
  g_mutex_unlock (&children_lock);
  return n;
}

/* Channels waiting for @pid. */
guint
task9_child_get_n_watchers (GPid pid)
{
  ChildRecord *record;
  guint n = 0;

  g_mutex_lock (&children_lock);
  record = children != NULL ? g_hash_table_lookup (children, GINT_TO_POINTER (pid)) : NULL;
  if (record != NULL)
    n = record->watchers->len;
  g_mutex_unlock (&children_lock);
  return n;
}

/* Has @pid exited, with its status kept for the next collector? */
gboolean
task9_child_has_exited (GPid pid)
{
  ChildRecord *record;
  gboolean exited;

  g_mutex_lock (&children_lock);
  record = children != NULL ? g_hash_table_lookup (children, GINT_TO_POINTER (pid)) : NULL;
  exited = record != NULL && record->exited;
  g_mutex_unlock (&children_lock);
  return exited;
}
