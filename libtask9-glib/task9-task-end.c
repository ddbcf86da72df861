/* task9-task-end.c: a task's end as a channel (kiwi's WaitForTasklet)
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * An end channel is fed by a join: task9_task_join_async() queues its waiter on the
 * task's joiner list, like every other joiner, and its callback offers the task to the
 * channel. So a task's end is announced by one mechanism, whether the waiter is a
 * blocked join, an async join or an end channel. The join carries a GCancellable of
 * its own, cancelled when the channel is closed or dropped, which withdraws the waiter
 * from the joiner list.
 *
 * Invariants:
 * - The channel is not marked external: only the end of another task feeds it, so a
 *   task blocked on it while every task is blocked is deadlocked indeed.
 * - The join's callback holds only a GWeakRef on the channel; the watch is shared by
 *   the callback and the channel's on_done hook and freed by whichever runs last.
 */

#include "task9-config.h"

#include "task9-channel-private.h"
#include "task9-task.h"
#include "task9-task-end.h"

typedef struct
{
  gint          ref_count;
  GWeakRef      channel;
  GCancellable *cancellable;
  Task9Task    *task;
} EndWatch;

static void
end_watch_unref (EndWatch *watch)
{
  if (!g_atomic_int_dec_and_test (&watch->ref_count))
    return;
  g_weak_ref_clear (&watch->channel);
  g_object_unref (watch->cancellable);
  task9_task_unref (watch->task);
  g_free (watch);
}

static void
task_ended (GObject      *source,
            GAsyncResult *result,
            gpointer      data)
{
  EndWatch *watch = data;
  Task9Channel *channel;
  GError *error = NULL;

  /* The join's error is the task's own (its receiver reads it with a join), or the
   * watch's cancellation, which comes only once the channel is closed or gone. */
  task9_task_join_finish (watch->task, result, &error);
  g_clear_error (&error);

  channel = g_weak_ref_get (&watch->channel);
  if (channel != NULL)
    {
      GValue value = G_VALUE_INIT;

      g_value_init (&value, TASK9_TYPE_TASK);
      g_value_set_boxed (&value, watch->task);
      if (task9_channel_offer (channel, &value) != TASK9_CHANNEL_DONE)
        g_value_unset (&value);   /* closed meanwhile */
      g_object_unref (channel);
    }
  end_watch_unref (watch);
}

static void
end_watch_done (gpointer data)
{
  EndWatch *watch = data;

  g_cancellable_cancel (watch->cancellable);
  end_watch_unref (watch);
}

/**
 * task9_task_end_channel:
 * @task: the task to watch
 *
 * Returns a channel on which @task itself is sent once, when it has ended (a
 * %TASK9_TYPE_TASK channel with one buffer slot): kiwi's `WaitForTasklet` as a
 * channel, for an alt that waits for a task next to other things. The receiver reads
 * the task's result or error with [method@Task9.Task.join] and a timeout of 0, which
 * then returns at once. If @task has already ended, the channel delivers it at once.
 *
 * The end is delivered through the caller's thread-default main context, as for
 * [method@Task9.Task.join_async]: call this on a proc's thread (in a task, or in a
 * callback of a proc's main context). Closing the channel or dropping its last
 * reference stops watching.
 *
 * ```c
 * g_autoptr(Task9Channel) done = task9_task_end_channel (worker);
 * // ... in an alt with other arms; when its arm fires:
 * result = task9_task_join (worker, 0, &error);
 * ```
 *
 * Returns: (transfer full): the channel
 *
 * Since: 0.1
 */
Task9Channel *
task9_task_end_channel (Task9Task *task)
{
  Task9Channel *channel;
  EndWatch *watch;

  g_return_val_if_fail (task != NULL, NULL);

  channel = task9_channel_new_typed (TASK9_TYPE_TASK, 1);
  watch = g_new0 (EndWatch, 1);
  watch->ref_count = 2;   /* the join's callback's and the channel's hook's */
  g_weak_ref_init (&watch->channel, channel);
  watch->cancellable = g_cancellable_new ();
  watch->task = task9_task_ref (task);
  task9_channel_set_on_done (channel, end_watch_done, watch);
  task9_task_join_async (task, watch->cancellable, task_ended, watch);
  return channel;
}
