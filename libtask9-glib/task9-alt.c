/* task9-alt.c: waiting on several channel operations at once
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * An alt first looks at its arms without any lock. If some look ready it draws one
 * uniformly (Go's policy, Plan 9's method: one random number, none when a single arm is
 * ready) and performs it under that channel's lock alone. Otherwise it locks all its
 * channels: in arm order with trylock, which never waits while holding a lock, or, if
 * a lock is taken, in address order; either way two alts cannot deadlock. With all
 * locked it looks again, and if none can proceed the task queues one waiter per arm,
 * all sharing the task's claim, and parks. The first partner (or close) to win the
 * claim completes its arm and records which it was; every other arm lost the claim,
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

#include <string.h>

#include "task9-alt.h"
#include "task9-alt-private.h"
#include "task9-async-private.h"
#include "task9-channel-private.h"
#include "task9-error.h"
#include "task9-scheduler-private.h"

#define TASK9_ALT_STACK_ARMS 16

static __thread guint32 alt_rng __attribute__ ((tls_model ("initial-exec")));

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
lock_order (const Task9AltArm *arms, guint n_arms, Task9Channel **locks)
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

#define ARM_BIT(i) (G_GUINT64_CONSTANT (1) << (i))

/* Could this arm proceed now? A queued partner may turn out to be stale, so "yes" is
 * a strong hint, not a promise; performing the arm tells for sure. Without the channel's
 * lock the answer is racy too (hence the relaxed atomic loads). */
static inline gboolean
arm_looks_ready (const Task9AltArm *arm)
{
  Task9Channel *channel = arm->channel;

  if (arm->op == TASK9_ALT_SEND)
    return __atomic_load_n (&channel->closed, __ATOMIC_RELAXED) ||
           __atomic_load_n (&channel->receivers.head, __ATOMIC_RELAXED) != NULL ||
           __atomic_load_n (&channel->count, __ATOMIC_RELAXED) < channel->capacity ||
           channel->unbounded;   /* a queue's: grows when full */
  if (arm->op == TASK9_ALT_RECV)
    return __atomic_load_n (&channel->count, __ATOMIC_RELAXED) > 0 ||
           __atomic_load_n (&channel->senders.head, __ATOMIC_RELAXED) != NULL ||
           __atomic_load_n (&channel->closed, __ATOMIC_RELAXED);
  return FALSE;
}

/* The arms that looked ready in one pass: how many, the last, and (for the first 64) a
 * mask, so that drawing one needs no second pass. */
typedef struct
{
  guint   n;
  guint   last;
  guint64 mask;
} ReadyArms;

static inline void
ready_arms_add (ReadyArms *ready, guint i)
{
  ready->n++;
  ready->last = i;
  if (i < 64)
    ready->mask |= ARM_BIT (i);
}

/* Draws one of several ready arms uniformly (Plan 9's way: one random number); -1 when
 * the racy look changed under us. */
static gint
ready_arms_draw (const ReadyArms *ready, const Task9AltArm *arms, guint n_arms)
{
  guint pick = alt_random (ready->n);

  if (n_arms <= 64)
    {
      guint64 mask = ready->mask;

      for (; pick > 0; pick--)
        mask &= mask - 1;
      return __builtin_ctzll (mask);
    }
  for (guint i = 0; i < n_arms; i++)
    if (arm_looks_ready (&arms[i]) && pick-- == 0)
      return i;
  return -1;
}

/* One arm of @ready, drawn uniformly (no draw when one is ready); -1 when none is. */
static inline gint
ready_arms_pick (const ReadyArms *ready, const Task9AltArm *arms, guint n_arms)
{
  if (G_LIKELY (ready->n <= 1))
    return ready->n == 1 ? (gint) ready->last : -1;
  return ready_arms_draw (ready, arms, n_arms);
}

/* How an alt holds its channels. Arm order when every lock was free at once: @held has
 * the arms that took their channel's lock (a later arm on the same channel is not in
 * it). Otherwise address order, waiting for each lock: @sorted has the channels. */
typedef struct
{
  guint64        held;
  gboolean       one_arm_per_channel;   /* arm order, and @held is every non-NOP arm */
  Task9Channel **sorted;
  guint          n_sorted;
} AltLocks;

/* Does an arm before @i, in @held, hold @i's channel? */
static gboolean
channel_held_before (const Task9AltArm *arms, guint i, guint64 held)
{
  for (guint j = 0; j < i; j++)
    if ((held & ARM_BIT (j)) && arms[j].channel == arms[i].channel)
      return TRUE;
  return FALSE;
}

/* Locks in arm order without ever waiting while holding a lock, so it cannot deadlock
 * with another alt, and looks at each arm once it holds its channel; on contention it
 * lets everything go and returns FALSE. */
static gboolean
try_lock_in_arm_order (const Task9AltArm *arms, guint n_arms, AltLocks *locks, ReadyArms *ready)
{
  guint64 held = 0;
  gboolean one_arm_per_channel = TRUE;

  for (guint i = 0; i < n_arms; i++)
    {
      if (arms[i].op == TASK9_ALT_NOP)
        continue;
      if (task9_channel_trylock (arms[i].channel))
        held |= ARM_BIT (i);
      else if (channel_held_before (arms, i, held))
        one_arm_per_channel = FALSE;
      else
        {
          for (; held != 0; held &= held - 1)
            task9_channel_unlock (arms[__builtin_ctzll (held)].channel);
          return FALSE;
        }
      if (arm_looks_ready (&arms[i]))
        ready_arms_add (ready, i);
    }
  locks->held = held;
  locks->one_arm_per_channel = one_arm_per_channel;
  return TRUE;
}

/* Locks the channels of @arms (@buffer has room for n_arms channels) and notes which
 * arms look ready now. */
static void
lock_arms (const Task9AltArm *arms, guint n_arms, Task9Channel **buffer, AltLocks *locks,
           ReadyArms *ready)
{
  *ready = (ReadyArms) { 0, 0, 0 };
  locks->sorted = NULL;
  if (n_arms <= 64 && try_lock_in_arm_order (arms, n_arms, locks, ready))
    return;

  *ready = (ReadyArms) { 0, 0, 0 };
  locks->held = 0;
  locks->one_arm_per_channel = FALSE;
  locks->sorted = buffer;
  locks->n_sorted = lock_order (arms, n_arms, buffer);
  for (guint i = 0; i < locks->n_sorted; i++)
    task9_channel_lock (buffer[i]);
  for (guint i = 0; i < n_arms; i++)
    if (arm_looks_ready (&arms[i]))
      ready_arms_add (ready, i);
}

static void
unlock_arms (const Task9AltArm *arms, const AltLocks *locks)
{
  if (locks->sorted != NULL)
    {
      for (guint i = locks->n_sorted; i > 0; i--)
        task9_channel_unlock (locks->sorted[i - 1]);
      return;
    }
  for (guint64 held = locks->held; held != 0; held &= held - 1)
    task9_channel_unlock (arms[__builtin_ctzll (held)].channel);
}

/* With the arm's channel locked: performs it, recording a close in arm->closed. */
static gboolean
perform_arm_locked (Task9AltArm *arm)
{
  Task9ChannelStatus status;

  status = arm->op == TASK9_ALT_SEND ? task9_channel_send_locked (arm->channel, arm->value)
                                     : task9_channel_recv_locked (arm->channel, arm->value);
  arm->closed = status == TASK9_CHANNEL_CLOSED;
  return status != TASK9_CHANNEL_WOULD_BLOCK;
}

/* With every channel locked: performs one arm of @ready (which it consumes), or
 * returns -1. */
static gint
perform_ready_arm_locked (Task9AltArm *arms, guint n_arms, ReadyArms *ready)
{
  for (;;)
    {
      gint i = ready_arms_pick (ready, arms, n_arms);

      if (i < 0 || perform_arm_locked (&arms[i]))
        return i;
      /* its partners were all stale (now dropped): look again */
      *ready = (ReadyArms) { 0, 0, 0 };
      for (guint j = 0; j < n_arms; j++)
        if (arm_looks_ready (&arms[j]))
          ready_arms_add (ready, j);
    }
}

/* Without holding any lock: performs the arm drawn from @ready under its own channel's
 * lock alone. Returns -1 when none looked ready or the one drawn was not (the caller
 * then does the full, locked alt). */
static gint
perform_ready_arm (Task9AltArm *arms, guint n_arms, const ReadyArms *ready)
{
  gint i = ready_arms_pick (ready, arms, n_arms);
  gboolean done;

  if (i < 0)
    return -1;
  task9_channel_lock (arms[i].channel);
  done = perform_arm_locked (&arms[i]);
  task9_channel_unlock (arms[i].channel);
  return done ? i : -1;
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
 * Blocking needs a task: outside one, an alt succeeds only if an arm can proceed at
 * once (and fails with %TASK9_ERROR_NOT_IN_TASK otherwise, unless @timeout is 0).
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
  Task9Channel *buffer_stack[TASK9_ALT_STACK_ARMS];
  Task9Waiter waiters_stack[TASK9_ALT_STACK_ARMS] __attribute__ ((aligned (64)));
  Task9Channel **buffer = buffer_stack;
  Task9Waiter *waiters = waiters_stack;
  Task9Task *self;
  ReadyArms ready = { 0, 0, 0 };
  guint n_live = 0;
  AltLocks locks;
  Task9WaitSet set;
  Task9WakeReason why;
  gint result = -1;

  g_return_val_if_fail (arms != NULL, -1);
  g_return_val_if_fail (n_arms > 0 && n_arms <= G_MAXINT / 2, -1);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), -1);
  g_return_val_if_fail (error == NULL || *error == NULL, -1);
  /* Checks the arms and looks at them in the same pass: it is most of a ready alt. */
  for (guint i = 0; i < n_arms; i++)
    {
      g_return_val_if_fail (arms[i].op <= TASK9_ALT_NOP, -1);
      if (arms[i].op == TASK9_ALT_NOP)
        continue;
      g_return_val_if_fail (TASK9_CHANNEL_CHECK (arms[i].channel), -1);
      g_return_val_if_fail (arms[i].op != TASK9_ALT_SEND || arms[i].value != NULL, -1);
      n_live++;
      if (arm_looks_ready (&arms[i]))
        ready_arms_add (&ready, i);
    }

  if (cancellable != NULL && g_cancellable_set_error_if_cancelled (cancellable, error))
    return -1;

  /* Fast path: when an arm looks ready at a glance, lock only its channel. */
  result = perform_ready_arm (arms, n_arms, &ready);
  if (result >= 0)
    return result;

  self = task9_scheduler_current_task ();
  if (n_live == 0)
    {
      /* Only NOP arms: nothing can ever fire. */
      if (self == NULL && timeout != 0)
        g_set_error_literal (error, TASK9_ERROR, TASK9_ERROR_NOT_IN_TASK,
                             "A blocking alt can only be made from a task");
      else if (timeout == 0)
        g_set_error_literal (error, TASK9_ERROR, TASK9_ERROR_WOULD_BLOCK, "Operation would block");
      else
        {
          /* Wait for the deadline or a cancellation, as a blocked alt would. */
          why = task9_wait_park (self, task9_wait_begin (self), task9_deadline_from_timeout (timeout),
                                 cancellable, "alt");
          task9_wait_check_reason (why == TASK9_WAKE_READY ? TASK9_WAKE_TIMED_OUT : why, error);
        }
      return -1;
    }

  if (n_arms > TASK9_ALT_STACK_ARMS)
    {
      buffer = g_new (Task9Channel *, n_arms);
      waiters = g_new (Task9Waiter, n_arms);
    }

  lock_arms (arms, n_arms, buffer, &locks, &ready);
  result = perform_ready_arm_locked (arms, n_arms, &ready);
  if (result >= 0 || timeout == 0 || self == NULL)
    {
      unlock_arms (arms, &locks);
      if (result >= 0)
        ;
      else if (timeout == 0)
        g_set_error_literal (error, TASK9_ERROR, TASK9_ERROR_WOULD_BLOCK, "Operation would block");
      else
        g_set_error_literal (error, TASK9_ERROR, TASK9_ERROR_NOT_IN_TASK,
                             "A blocking alt can only be made from a task");
      goto out;
    }

  {
    guint64 token = task9_wait_begin (self);
    gboolean external = FALSE;   /* an arm fed from outside the procs: not a deadlock */

    set.task = self;
    set.async = NULL;
    set.fired_arm = -1;
    set.fired_closed = FALSE;
    for (guint i = 0; i < n_arms; i++)
      {
        Task9Waiter *w = &waiters[i];

        w->queue = NULL;
        w->linked = FALSE;
        if (arms[i].op == TASK9_ALT_NOP)
          continue;
        w->claim = &self->park_word;
        w->token = token;
        w->set = &set;
        w->value = arms[i].value;
        w->arm = i;
        w->is_send = arms[i].op == TASK9_ALT_SEND;
        external |= arms[i].channel->external;
        task9_channel_enqueue (arms[i].channel, w);
        /* A partner may fire this arm from here on: the park will not wait then. */
        if (locks.one_arm_per_channel)
          task9_channel_unlock (arms[i].channel);
      }
    if (!locks.one_arm_per_channel)
      unlock_arms (arms, &locks);

    /* The task table names the first named arm's channel; park() clears it. */
    for (guint i = 0; i < n_arms && self->wait_name == NULL; i++)
      if (arms[i].op != TASK9_ALT_NOP)
        self->wait_name = arms[i].channel->name;
    why = (G_UNLIKELY (external) ? task9_wait_park_external : task9_wait_park)
            (self, token, task9_deadline_from_timeout (timeout), cancellable, "alt");

    /* Withdraw the arms that did not fire (the one that fired is out already). */
    for (guint i = 0; i < n_arms; i++)
      task9_waiter_withdraw (&waiters[i]);

    if (why == TASK9_WAKE_READY)
      {
        arms[set.fired_arm].closed = set.fired_closed;
        result = set.fired_arm;
      }
    else
      task9_wait_check_reason (why, error);
  }

out:
  if (buffer != buffer_stack)
    {
      g_free (buffer);
      g_free (waiters);
    }
  return result;
}

/* For an async caller (@op has one waiter per arm): performs an arm that can proceed
 * now and returns its index, or queues @op's waiters on every arm and returns -1. Once
 * queued, a partner may complete the op on another thread at any time: the caller must
 * hold its own reference across this call (see task9_async_op_wait()). */
gint
task9_alt_begin_async (Task9AltArm  *arms,
                       guint         n_arms,
                       Task9AsyncOp *op)
{
  Task9Channel **buffer = g_new (Task9Channel *, n_arms);
  AltLocks locks;
  ReadyArms ready;
  gint fired;

  lock_arms (arms, n_arms, buffer, &locks, &ready);
  fired = perform_ready_arm_locked (arms, n_arms, &ready);
  if (fired < 0)
    for (guint i = 0; i < n_arms; i++)
      {
        op->waiters[i].value = arms[i].value;
        op->waiters[i].is_send = arms[i].op == TASK9_ALT_SEND;
        task9_channel_enqueue (arms[i].channel, &op->waiters[i]);
      }
  unlock_arms (arms, &locks);
  g_free (buffer);
  return fired;
}
