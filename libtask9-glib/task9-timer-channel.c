/* task9-timer-channel.c: channels that a proc's timer heap sends on
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * task9_channel_after() delivers the time once; task9_channel_new_ticker() delivers it
 * every period. Both are buffered with one slot, so a tick is never lost because nobody
 * was receiving yet; a ticker whose receiver is slow drops the ticks that find the slot
 * full instead of piling them up (as Go's does), counting every tick it drops (also those
 * whose time passed while the proc was busy), and keeps its schedule (deadline += period, never
 * now + period), so it does not drift. A fresh channel per after() means a stale tick
 * can never be mistaken for a new timeout.
 *
 * Invariants:
 * - The timer lives on the heap of the proc that created it and fires on its thread.
 * - The timer holds a reference on its channel; it goes when it has fired for the last
 *   time, when it finds its channel closed, or when its proc ends.
 */

#include "task9-config.h"

#include "task9-channel-private.h"
#include "task9-scheduler-private.h"

typedef struct
{
  Task9Timer    timer;        /* first: the heap hands us this pointer */
  Task9Channel *channel;
  GTimeSpan     period;       /* 0 for after() */
} TimerChannel;

static void
timer_channel_free (Task9Timer *timer)
{
  TimerChannel *tc = (TimerChannel *) timer;

  g_object_unref (tc->channel);
  g_free (tc);
}

static void
timer_channel_fire (Task9Timer *timer)
{
  TimerChannel *tc = (TimerChannel *) timer;
  gint64 now = g_get_monotonic_time ();
  gboolean closed;

  /* A full slot drops the tick, and counts it. */
  closed = task9_channel_offer (tc->channel, &now) == TASK9_CHANNEL_CLOSED;

  if (closed || tc->period == 0)
    {
      timer_channel_free (timer);
      return;
    }

  tc->timer.deadline += tc->period;
  if (tc->timer.deadline <= now)
    {
      /* The proc was busy past whole periods: those ticks are dropped too, and counted. */
      gint64 skipped = (now - tc->timer.deadline) / tc->period + 1;

      tc->timer.deadline += skipped * tc->period;
      __atomic_fetch_add (&tc->channel->dropped, (guint64) skipped, __ATOMIC_RELAXED);
    }
  if (!task9_timer_heap_add (&task9_current_proc->timers, &tc->timer))
    timer_channel_free (timer);
}

static Task9Channel *
timer_channel_new (Task9Proc *proc, GTimeSpan first, GTimeSpan period)
{
  TimerChannel *tc = g_new0 (TimerChannel, 1);
  Task9Channel *channel = task9_channel_new_typed (G_TYPE_INT64, 1);

  tc->channel = g_object_ref (channel);
  tc->period = period;
  tc->timer.index = TASK9_TIMER_UNARMED;
  tc->timer.deadline = task9_deadline_from_timeout (MAX (first, 0));
  tc->timer.func = timer_channel_fire;
  tc->timer.discard = timer_channel_free;
  if (tc->timer.deadline < 0 || !task9_timer_heap_add (&proc->timers, &tc->timer))
    timer_channel_free (&tc->timer);   /* never fires */
  return channel;
}

/**
 * task9_channel_after:
 * @span: microseconds from now
 *
 * Returns a channel on which the monotonic time (a #G_TYPE_INT64 channel: a #gint64
 * in C, in microseconds) is sent once, @span from now, like Go's `time.After`. It has one buffer slot, so the tick
 * waits for a receiver that comes late; use it as an arm of [func@Task9.alt] for a
 * timeout. Call it on a proc's thread (in a task, or in a callback of the proc's main
 * context): the proc's timer heap sends the tick. The thread that runs the default
 * main context (a GTK or binding program's first thread) becomes the main proc's on
 * its first call, so bindings need no set-up.
 *
 * Returns: (transfer full) (nullable): the channel, or %NULL off a proc's thread
 *
 * Since: 0.1
 */
Task9Channel *
task9_channel_after (GTimeSpan span)
{
  Task9Proc *proc = task9_proc_current_or_adopt ();

  g_return_val_if_fail (proc != NULL, NULL);

  return timer_channel_new (proc, span, 0);
}

/**
 * task9_channel_new_ticker:
 * @period: microseconds between ticks, at least 1
 *
 * Returns a channel on which the monotonic time (a #gint64) is sent every @period,
 * first @period from now, like Go's `time.Ticker`. The schedule does not drift; a tick
 * that finds the one-slot buffer still full is dropped, so a slow receiver finds at most
 * one waiting tick (the oldest one not taken) rather than a backlog; the gap between two
 * times it receives tells how many were dropped, and [method@Task9.Channel.get_dropped]
 * counts them. Close the channel to stop it. Call it
 * on a proc's thread.
 *
 * Returns: (transfer full) (nullable): the channel, or %NULL off a proc's thread
 *
 * Since: 0.1
 */
Task9Channel *
task9_channel_new_ticker (GTimeSpan period)
{
  Task9Proc *proc;

  g_return_val_if_fail (period > 0, NULL);
  proc = task9_proc_current_or_adopt ();
  g_return_val_if_fail (proc != NULL, NULL);

  return timer_channel_new (proc, period, period);
}
