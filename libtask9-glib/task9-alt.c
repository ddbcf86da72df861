/* task9-alt.c: waiting on several channel operations at once
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * An alt locks all its channels (in address order, so two alts cannot deadlock), then
 * tries its arms in a random order: the first that can proceed does, which chooses
 * uniformly among the ready arms (Go's select). If none can, the task queues one waiter
 * per arm, all sharing the task's claim, and parks. The first partner (or close) to win
 * the claim completes its arm and records which it was; every other arm lost the claim,
 * so a partner that finds one drops it without effect, and the task withdraws the rest
 * when it wakes. A losing arm never consumes a message.
 *
 * Invariants:
 * - No allocation for up to TASK9_ALT_STACK_ARMS arms: the waiters live on the task's
 *   stack, the arms with the caller.
 * - A cancelled or timed-out alt transferred nothing: no arm fired, all withdrawn.
 * - A channel that appears in several arms is locked once.
 */

#include "task9-config.h"

#include "task9-alt.h"
#include "task9-channel-private.h"
#include "task9-error.h"
#include "task9-scheduler-private.h"

#define TASK9_ALT_STACK_ARMS 16

Task9WakeReason task9_channel_park (Task9Task    *self,
                                    guint64       token,
                                    gint64        deadline,
                                    GCancellable *cancellable,
                                    const char   *reason);

static __thread guint32 alt_rng;

static inline guint32
alt_random (guint32 bound)
{
  guint32 x = alt_rng;

  if (G_UNLIKELY (x == 0))
    x = (guint32) g_random_int () | 1;
  /* xorshift32: cheap, per thread, good enough to choose among arms */
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  alt_rng = x;
  return (guint32) (((guint64) x * bound) >> 32);
}

static int
compare_channels (gconstpointer a, gconstpointer b)
{
  guintptr x = (guintptr) *(Task9Channel * const *) a;
  guintptr y = (guintptr) *(Task9Channel * const *) b;

  return x < y ? -1 : x > y;
}

/* The distinct channels of @arms, sorted by address, into @locks; returns how many. */
static guint
lock_order (Task9AltArm *arms, guint n_arms, Task9Channel **locks)
{
  guint n = 0;

  for (guint i = 0; i < n_arms; i++)
    if (arms[i].op != TASK9_ALT_NOP)
      locks[n++] = arms[i].channel;

  /* Insertion sort: alts are small. */
  for (guint i = 1; i < n; i++)
    for (guint j = i; j > 0 && compare_channels (&locks[j - 1], &locks[j]) > 0; j--)
      {
        Task9Channel *t = locks[j];

        locks[j] = locks[j - 1];
        locks[j - 1] = t;
      }

  /* Drop duplicates. */
  {
    guint m = 0;

    for (guint i = 0; i < n; i++)
      if (m == 0 || locks[m - 1] != locks[i])
        locks[m++] = locks[i];
    return m;
  }
}

static void
lock_all (Task9Channel **locks, guint n)
{
  for (guint i = 0; i < n; i++)
    task9_channel_lock (locks[i]);
}

static void
unlock_all (Task9Channel **locks, guint n)
{
  for (guint i = n; i > 0; i--)
    task9_channel_unlock (locks[i - 1]);
}

/**
 * task9_alt: (skip)
 * @arms: (array length=n_arms): the operations
 * @n_arms: how many, at least 1
 * @timeout: the longest wait in microseconds, -1 for no limit, 0 not to wait at all
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Performs exactly one of the operations in @arms, waiting until one can proceed, like
 * libthread's `alt` and Go's `select`. When several can, one is chosen uniformly at
 * random. Arms whose channel is closed are ready: a receive from a closed, drained
 * channel and a send to a closed channel fire with their arm's `closed` set (and a
 * send then sent nothing). The same channel may appear in several arms.
 *
 * Blocking needs a task; with @timeout 0 an alt can be made anywhere.
 *
 * Returns: the index of the arm that fired, or -1 with @error set:
 *   %TASK9_ERROR_WOULD_BLOCK (@timeout 0), %G_IO_ERROR_TIMED_OUT, %G_IO_ERROR_CANCELLED,
 *   %TASK9_ERROR_NOT_IN_TASK; then no arm had any effect
 *
 * Since: 0.1
 */
gint
task9_alt (Task9AltArm   *arms,
           guint          n_arms,
           GTimeSpan      timeout,
           GCancellable  *cancellable,
           GError       **error)
{
  Task9Channel *locks_stack[TASK9_ALT_STACK_ARMS];
  Task9Waiter waiters_stack[TASK9_ALT_STACK_ARMS];
  guint order_stack[TASK9_ALT_STACK_ARMS];
  Task9Channel **locks = locks_stack;
  Task9Waiter *waiters = waiters_stack;
  guint *order = order_stack;
  Task9Task *self = task9_scheduler_current_task ();
  gint fired_arm = -1;
  gboolean fired_closed = FALSE;
  Task9WakeReason why;
  guint n_locks;
  gint result = -1;

  g_return_val_if_fail (arms != NULL, -1);
  g_return_val_if_fail (n_arms > 0 && n_arms <= G_MAXINT / 2, -1);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), -1);
  g_return_val_if_fail (error == NULL || *error == NULL, -1);
  for (guint i = 0; i < n_arms; i++)
    {
      g_return_val_if_fail (arms[i].op <= TASK9_ALT_NOP, -1);
      g_return_val_if_fail (arms[i].op == TASK9_ALT_NOP || TASK9_IS_CHANNEL (arms[i].channel), -1);
      g_return_val_if_fail (arms[i].op != TASK9_ALT_SEND || arms[i].value != NULL, -1);
    }

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return -1;
  if (self == NULL && timeout != 0)
    {
      g_set_error_literal (error, TASK9_ERROR, TASK9_ERROR_NOT_IN_TASK,
                           "A blocking alt can only be made from a task");
      return -1;
    }

  if (n_arms > TASK9_ALT_STACK_ARMS)
    {
      locks = g_new (Task9Channel *, n_arms);
      waiters = g_new (Task9Waiter, n_arms);
      order = g_new (guint, n_arms);
    }

  /* A random permutation: the first ready arm in it is a uniform choice. */
  for (guint i = 0; i < n_arms; i++)
    {
      guint j = alt_random (i + 1);

      order[i] = order[j];
      order[j] = i;
    }

  n_locks = lock_order (arms, n_arms, locks);
  if (n_locks == 0)
    {
      /* Only NOP arms: nothing can ever fire. */
      if (timeout == 0)
        g_set_error_literal (error, TASK9_ERROR, TASK9_ERROR_WOULD_BLOCK, "Operation would block");
      else
        {
          /* Wait for the deadline or a cancellation, as a blocked alt would. */
          why = task9_channel_park (self, task9_wait_begin (self), task9_deadline_from_timeout (timeout),
                                    cancellable, "alt");
          task9_wait_check_reason (why == TASK9_WAKE_READY ? TASK9_WAKE_TIMED_OUT : why, error);
        }
      goto out;
    }

  lock_all (locks, n_locks);
  for (guint k = 0; k < n_arms; k++)
    {
      Task9AltArm *arm = &arms[order[k]];
      Task9ChannelStatus status;

      if (arm->op == TASK9_ALT_NOP)
        continue;
      status = arm->op == TASK9_ALT_SEND ? task9_channel_send_locked (arm->channel, arm->value)
                                         : task9_channel_recv_locked (arm->channel, arm->value);
      if (status != TASK9_CHANNEL_WOULD_BLOCK)
        {
          unlock_all (locks, n_locks);
          arm->closed = status == TASK9_CHANNEL_CLOSED;
          result = order[k];
          goto out;
        }
    }

  if (timeout == 0)
    {
      unlock_all (locks, n_locks);
      g_set_error_literal (error, TASK9_ERROR, TASK9_ERROR_WOULD_BLOCK, "Operation would block");
      goto out;
    }

  {
    guint64 token = task9_wait_begin (self);

    for (guint i = 0; i < n_arms; i++)
      {
        Task9Waiter *w = &waiters[i];

        w->channel = NULL;
        w->linked = FALSE;
        if (arms[i].op == TASK9_ALT_NOP)
          continue;
        w->claim = &self->park_word;
        w->token = token;
        w->task = self;
        w->async = NULL;
        w->value = arms[i].value;
        w->arm = i;
        w->fired_arm = &fired_arm;
        w->fired_closed = &fired_closed;
        w->is_send = arms[i].op == TASK9_ALT_SEND;
        task9_channel_enqueue (arms[i].channel, w);
      }
    unlock_all (locks, n_locks);

    why = task9_channel_park (self, token, task9_deadline_from_timeout (timeout), cancellable, "alt");

    /* Withdraw the arms that did not fire. */
    lock_all (locks, n_locks);
    for (guint i = 0; i < n_arms; i++)
      if (waiters[i].linked)
        task9_channel_dequeue (waiters[i].channel, &waiters[i]);
    unlock_all (locks, n_locks);

    if (why == TASK9_WAKE_READY)
      {
        arms[fired_arm].closed = fired_closed;
        result = fired_arm;
      }
    else
      task9_wait_check_reason (why, error);
  }

out:
  if (locks != locks_stack)
    {
      g_free (locks);
      g_free (waiters);
      g_free (order);
    }
  return result;
}
