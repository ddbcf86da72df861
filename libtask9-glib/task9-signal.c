/* task9-signal.c: Unix signals as channels
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A Unix signal belongs to the process, so it is routed in one place: one route per
 * signal number, holding one g_unix_signal_source on the service context (see
 * task9-service.c) and the list of its subscribers. Each delivery is offered to every
 * subscriber's channel, whichever procs (or none) the subscribers run on. A subscriber
 * is a typed G_TYPE_INT channel; a full one counts the delivery as dropped
 * (task9_channel_offer()), so nothing is lost silently.
 *
 * Invariants:
 * - Under routes_lock: the routes and their subscriber lists. Offers are made under it
 *   too, so a subscriber is never offered to after it was unlinked. Lock order:
 *   routes_lock, then a channel's spinlock; nothing under either calls back into this
 *   file.
 * - A Subscriber is linked from task9_signal_subscribe() until its channel's on_done
 *   hook (task9_channel_set_on_done()), which runs once, when the channel is closed or
 *   finalized, unlinks and frees it. So a subscription ends at once when its channel is
 *   closed or dropped, and a Subscriber needs no reference on its channel: the hook runs
 *   before a finalized channel's buffer goes.
 * - A route has a source exactly while it has subscribers: the last unlink destroys
 *   the source, and GLib then restores the signal's default action (SIG_DFL).
 * - A source's callback acts only if it is still its route's source: a source
 *   destroyed from another thread while its dispatch waited for the lock does nothing.
 */

#include "task9-config.h"

#include <signal.h>

#include <glib-unix.h>

#include "task9-channel-private.h"
#include "task9-condition-private.h"
#include "task9-service-private.h"
#include "task9-signal.h"
#include "task9-signal-private.h"

/* What g_unix_signal_source_new() accepts in GLib 2.74. */
static const int supported_signals[] = { SIGHUP, SIGINT, SIGTERM, SIGUSR1, SIGUSR2, SIGWINCH };
static const char * const signal_names[] = {
  "SIGHUP", "SIGINT", "SIGTERM", "SIGUSR1", "SIGUSR2", "SIGWINCH",
};

typedef struct
{
  GSource   *source;          /* while subscribed to */
  GPtrArray *subscribers;     /* Subscriber *, unowned */
  guint64    n_deliveries;    /* times the source fired (for the tests) */
} Route;

typedef struct
{
  Task9Channel *channel;      /* not a reference: see the invariants */
  guint         route;
} Subscriber;

static GMutex routes_lock;
static Route  routes[G_N_ELEMENTS (supported_signals)];

static gint
route_index (int signum)
{
  for (guint i = 0; i < G_N_ELEMENTS (supported_signals); i++)
    if (supported_signals[i] == signum)
      return i;
  return -1;
}

static void
route_stop_locked (Route *route)
{
  g_source_destroy (route->source);
  g_clear_pointer (&route->source, g_source_unref);
}

/* The channel's on_done hook: the subscription ends. */
static void
subscriber_unsubscribe (gpointer data)
{
  Subscriber *sub = data;
  Route *route = &routes[sub->route];

  g_mutex_lock (&routes_lock);
  g_ptr_array_remove (route->subscribers, sub);
  if (route->subscribers->len == 0)
    route_stop_locked (route);
  g_mutex_unlock (&routes_lock);
  g_free (sub);
}

/* On the service thread: one delivery (GLib merges the ones that arrive while it is
 * pending), offered to every subscriber. */
static gboolean
route_dispatch (gpointer data)
{
  guint index = GPOINTER_TO_UINT (data);
  Route *route = &routes[index];
  int signum = supported_signals[index];

  g_mutex_lock (&routes_lock);
  if (route->source != NULL && route->source == g_main_current_source ())
    {
      /* A full channel counts the drop; a closed one refuses, and its hook is about
       * to unlink it. */
      for (guint i = 0; i < route->subscribers->len; i++)
        task9_channel_offer (((Subscriber *) g_ptr_array_index (route->subscribers, i))->channel,
                             &signum);
      route->n_deliveries++;
    }
  g_mutex_unlock (&routes_lock);
  return G_SOURCE_CONTINUE;
}

static void
subscriber_link_locked (Subscriber *sub)
{
  Route *route = &routes[sub->route];

  if (route->subscribers == NULL)
    route->subscribers = g_ptr_array_new ();
  g_ptr_array_add (route->subscribers, sub);
  if (route->source == NULL)
    {
      /* Creating the source installs GLib's handler: from here on, no delivery is lost. */
      route->source = g_unix_signal_source_new (supported_signals[sub->route]);
      g_source_set_callback (route->source, route_dispatch, GUINT_TO_POINTER (sub->route), NULL);
      g_source_set_priority (route->source, G_PRIORITY_HIGH);
      g_source_set_static_name (route->source, signal_names[sub->route]);
      g_source_attach (route->source, task9_service_get_context ());
    }
}

static void
set_unsupported_error (int      signum,
                       GError **error)
{
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
               "Signal %d cannot be subscribed to: only SIGHUP, SIGINT, SIGTERM, SIGUSR1, "
               "SIGUSR2 and SIGWINCH can", signum);
}

/**
 * task9_signal_is_supported:
 * @signum: a signal number
 *
 * Tells whether [func@Task9.signal_subscribe] accepts @signum: `SIGHUP`, `SIGINT`,
 * `SIGTERM`, `SIGUSR1`, `SIGUSR2` and `SIGWINCH`, the signals GLib's
 * g_unix_signal_source_new() can watch. The others either cannot be caught
 * (`SIGKILL`, `SIGSTOP`), mean the program is broken (`SIGSEGV`, `SIGBUS`, `SIGFPE`,
 * `SIGILL`), or belong to GLib and the C library (`SIGCHLD`, `SIGPIPE`, the real-time
 * signals).
 *
 * Returns: %TRUE if @signum can be subscribed to
 *
 * Since: 0.1
 */
gboolean
task9_signal_is_supported (int signum)
{
  return route_index (signum) >= 0;
}

/**
 * task9_signal_subscribe:
 * @signum: the signal: `SIGHUP`, `SIGINT`, `SIGTERM`, `SIGUSR1`, `SIGUSR2` or
 *   `SIGWINCH` (see [func@Task9.signal_is_supported])
 * @capacity: how many deliveries the channel buffers; at least 1 is wise (with 0, a
 *   delivery reaches the channel only if a receiver waits at that moment)
 * @error: return location for a #GError
 *
 * Subscribes to the Unix signal @signum. Every delivery of the signal sends @signum
 * (a #G_TYPE_INT channel: a #gint in C) on the returned channel, and on the channel of
 * every other subscriber, on whatever procs they run: the signal is routed once for
 * the whole process, by one GLib signal source on a thread of the library's own, so
 * deliveries arrive even when no main context is iterated. Receive from the channel in
 * a task (alone, or as an arm of [func@Task9.alt] with other channels and a deadline),
 * or with [method@Task9.Channel.recv_value_async] from main-loop code and bindings.
 *
 * The subscription is bounded: a delivery that finds the channel full (and no receiver
 * waiting) is dropped and counted by [method@Task9.Channel.get_dropped]. Signals are
 * not a counting mechanism: the kernel merges a signal sent while the same one is
 * still pending, and so does GLib while its source has not dispatched yet, so two
 * quick kill()s may be one delivery. A merged signal is not a drop.
 *
 * The subscription ends at once when the channel is closed
 * ([method@Task9.Channel.close]: nothing more is delivered, what is buffered can still
 * be received) or finalized (drop your reference). When the last
 * subscription of a signal ends, the library stops catching it, and GLib resets the
 * signal to its default action (`SIG_DFL`, whatever it was before: `SIGINT`,
 * `SIGTERM`, `SIGHUP`, `SIGUSR1` and `SIGUSR2` then end the process, `SIGWINCH` is
 * ignored). Keep a subscription for as long as the program must survive the signal.
 *
 * While subscribed, the signal's handler is GLib's: do not install another one with
 * sigaction() or signal(), and do not block it with sigprocmask() in every thread.
 *
 * |[<!-- language="C" -->
 * g_autoptr(Task9Channel) sigterm = task9_signal_subscribe (SIGTERM, 1, &error);
 * ...
 * Task9AltArm arms[] = {
 *   { work, TASK9_ALT_RECV, &item },
 *   { sigterm, TASK9_ALT_RECV, &signum },
 * };
 * if (task9_alt (arms, 2, -1, NULL, &error) == 1)
 *   shut_down ();
 * ]|
 *
 * Returns: (transfer full): a typed channel of #G_TYPE_INT that receives @signum at
 *   every delivery, or %NULL with %G_IO_ERROR_INVALID_ARGUMENT for a signal that
 *   cannot be subscribed to
 *
 * Since: 0.1
 */
Task9Channel *
task9_signal_subscribe (int       signum,
                        guint     capacity,
                        GError  **error)
{
  Task9Channel *channel;
  Subscriber *sub;
  gint index;

  g_return_val_if_fail (capacity <= G_MAXINT / 2, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  index = route_index (signum);
  if (index < 0)
    {
      set_unsupported_error (signum, error);
      return NULL;
    }

  channel = task9_channel_new_typed (G_TYPE_INT, capacity);
  task9_channel_set_external (channel);
  task9_channel_set_name (channel, signal_names[index]);

  sub = g_new0 (Subscriber, 1);
  sub->channel = channel;
  sub->route = index;
  task9_channel_set_on_done (channel, subscriber_unsubscribe, sub);

  g_mutex_lock (&routes_lock);
  subscriber_link_locked (sub);
  g_mutex_unlock (&routes_lock);
  return channel;
}

/**
 * task9_signal_wait: (skip)
 * @signum: the signal, as for [func@Task9.signal_subscribe]
 * @timeout: the longest wait in microseconds, -1 for no limit
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Suspends the calling task until the next delivery of @signum: a subscription with
 * one slot for the duration of the call. A wait that fails leaves no subscription
 * behind (and, if it was the signal's last, the signal's default action is back).
 * Other subscribers of the signal get the delivery too.
 *
 * Returns: %TRUE once the signal was delivered; %FALSE with %G_IO_ERROR_TIMED_OUT,
 *   %G_IO_ERROR_CANCELLED, %G_IO_ERROR_INVALID_ARGUMENT for a signal that cannot be
 *   subscribed to, or %TASK9_ERROR_NOT_IN_TASK outside a task
 *
 * Since: 0.1
 */
gboolean
task9_signal_wait (int            signum,
                   GTimeSpan      timeout,
                   GCancellable  *cancellable,
                   GError       **error)
{
  Task9Channel *channel;

  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!task9_condition_check_in_task (error))
    return FALSE;
  channel = task9_signal_subscribe (signum, 1, error);
  if (channel == NULL)
    return FALSE;
  return task9_condition_wait (channel, NULL, timeout, cancellable, error);
}

/**
 * task9_signal_wait_async:
 * @signum: the signal, as for [func@Task9.signal_subscribe]
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called on the caller's thread-default main context once
 *   the signal was delivered, or the wait failed
 * @user_data: (closure): data for @callback
 *
 * Waits for the next delivery of @signum without blocking the caller, like
 * [func@Task9.signal_wait]; finish with [func@Task9.signal_wait_finish]. The
 * subscription lasts from this call until the callback; a cancelled wait leaves none
 * behind.
 *
 * Since: 0.1
 */
void
task9_signal_wait_async (int                  signum,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  Task9Channel *channel;
  GError *error = NULL;

  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  channel = task9_signal_subscribe (signum, 1, &error);
  if (channel == NULL)
    g_task_report_error (NULL, callback, user_data, task9_signal_wait_async, error);
  else
    task9_condition_wait_async (channel, task9_signal_wait_async, cancellable, callback,
                                user_data);
}

/**
 * task9_signal_wait_finish:
 * @result: the result given to the callback
 * @error: return location for a #GError
 *
 * Finishes [func@Task9.signal_wait_async].
 *
 * Returns: %TRUE once the signal was delivered; %FALSE with %G_IO_ERROR_CANCELLED or
 *   %G_IO_ERROR_INVALID_ARGUMENT
 *
 * Since: 0.1
 */
gboolean
task9_signal_wait_finish (GAsyncResult  *result,
                          GError       **error)
{
  return task9_condition_wait_finish (result, task9_signal_wait_async, NULL, error);
}

/* ---- for the tests --------------------------------------------------------------- */

/* Subscriptions to @signum. */
guint
task9_signal_get_n_subscribers (int signum)
{
  gint index = route_index (signum);
  guint n;

  if (index < 0)
    return 0;
  g_mutex_lock (&routes_lock);
  n = routes[index].subscribers != NULL ? routes[index].subscribers->len : 0;
  g_mutex_unlock (&routes_lock);
  return n;
}

/* How many times the route of @signum has fired (merged signals count once). */
guint64
task9_signal_get_n_deliveries (int signum)
{
  gint index = route_index (signum);
  guint64 n;

  if (index < 0)
    return 0;
  g_mutex_lock (&routes_lock);
  n = routes[index].n_deliveries;
  g_mutex_unlock (&routes_lock);
  return n;
}

/* Does the library catch @signum now? */
gboolean
task9_signal_is_routed (int signum)
{
  gint index = route_index (signum);
  gboolean routed;

  if (index < 0)
    return FALSE;
  g_mutex_lock (&routes_lock);
  routed = routes[index].source != NULL;
  g_mutex_unlock (&routes_lock);
  return routed;
}
