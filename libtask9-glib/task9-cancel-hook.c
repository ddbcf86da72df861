/* task9-cancel-hook.c: a proc's standing handlers on the GCancellables its tasks park with
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A task parked with a GCancellable is woken when it is cancelled, from whatever thread
 * cancels it. Connecting a handler per park (g_cancellable_connect(): a process-wide
 * mutex, a closure, a signal lookup) cost more than the wait itself, and a hook per fd
 * put a thousand cold hooks in a thousand-connection server's path. So each proc keeps
 * one hook per cancellable its tasks park with: a "cancelled" handler that stays
 * connected and the list of the proc's waits parked with that cancellable now. A park
 * links a node on its own stack, checks the cancellable, parks and unlinks; the handler
 * claims every wait on the list and wakes those it won.
 *
 * Invariants:
 * - Only the proc's thread finds, makes and frees hooks, and links and unlinks nodes.
 *   The handler (any thread) only walks a hook's list and claims; the hook's spinlock
 *   orders that walk against links and unlinks. It wakes the waits it won after
 *   dropping the lock: a claimed wait stays parked, its node linked, until woken.
 * - A park links its node before it looks at g_cancellable_is_cancelled(): a
 *   cancellation is seen by that look or finds the node (or both; the claim decides).
 * - A hook with waits linked (n_parked > 0) stays in its proc's map. Idle hooks are
 *   freed when the map has grown to sweep_at (then twice what is left, at least
 *   SWEEP_MIN), and every hook when the proc ends. A hook holds a reference on its
 *   cancellable until then.
 * - Freeing disconnects the handler and marks the hook dead under its lock. The
 *   handler's reference keeps the memory until GLib drops the closure, so a handler
 *   already running on another thread finds it dead and does nothing.
 */

#include "task9-config.h"

#include "task9-cancel-hook-private.h"
#include "task9-scheduler-private.h"

#define SWEEP_MIN 64

struct _Task9CancelHook
{
  gint             lock;          /* spinlock: parked, dead */
  gint             ref_count;     /* atomic: the proc's map's and the handler's */
  gboolean         dead;
  guint            n_parked;      /* the proc's thread only */
  Task9CancelPark *parked;
  GCancellable    *cancellable;   /* a reference */
  gulong           handler;
};

static void
hook_unref (Task9CancelHook *hook)
{
  if (!g_atomic_int_dec_and_test (&hook->ref_count))
    return;
  g_object_unref (hook->cancellable);
  g_free (hook);
}

/* Any thread: @cancellable was cancelled; so is every wait parked with it. */
static void
hook_cancelled (GCancellable *cancellable,
                gpointer      data)
{
  Task9CancelHook *hook = data;
  Task9CancelPark *won = NULL;

  task9_spin_lock (&hook->lock);
  if (!hook->dead)
    for (Task9CancelPark *park = hook->parked; park != NULL; park = park->next)
      if (task9_wait_claim (park->task, park->token))
        {
          park->claimed_next = won;
          won = park;
        }
  task9_spin_unlock (&hook->lock);

  while (won != NULL)
    {
      Task9CancelPark *park = won;

      won = park->claimed_next;   /* read first: once woken, the node may be gone */
      task9_wait_wake (park->task, TASK9_WAKE_CANCELLED);
    }
}

static void
hook_handler_gone (gpointer  data,
                   GClosure *closure)
{
  hook_unref (data);
}

/* The map's destroy function: the proc's thread. */
static void
hook_free (gpointer data)
{
  Task9CancelHook *hook = data;

  g_signal_handler_disconnect (hook->cancellable, hook->handler);
  task9_spin_lock (&hook->lock);
  hook->dead = TRUE;
  for (Task9CancelPark *park = hook->parked; park != NULL; park = park->next)
    park->hook = NULL;   /* only at the proc's end: its waits will not unlink */
  hook->parked = NULL;
  task9_spin_unlock (&hook->lock);
  hook_unref (hook);
}

static gboolean
hook_is_idle (gpointer key,
              gpointer value,
              gpointer data)
{
  Task9CancelHook *hook = value;

  return hook->n_parked == 0;
}

static Task9CancelHook *
hooks_get (Task9CancelHooks *hooks,
           GCancellable     *cancellable)
{
  Task9CancelHook *hook;

  if (G_LIKELY (hooks->last != NULL && hooks->last->cancellable == cancellable))
    return hooks->last;

  if (hooks->by_cancellable == NULL)
    {
      hooks->by_cancellable = g_hash_table_new_full (NULL, NULL, NULL, hook_free);
      hooks->sweep_at = SWEEP_MIN;
    }
  hook = g_hash_table_lookup (hooks->by_cancellable, cancellable);
  if (hook == NULL)
    {
      if (g_hash_table_size (hooks->by_cancellable) >= hooks->sweep_at)
        {
          hooks->last = NULL;
          g_hash_table_foreach_remove (hooks->by_cancellable, hook_is_idle, NULL);
          hooks->sweep_at = MAX (SWEEP_MIN, 2 * g_hash_table_size (hooks->by_cancellable));
        }
      hook = g_new0 (Task9CancelHook, 1);
      hook->ref_count = 2;   /* the map's and the handler's */
      hook->cancellable = g_object_ref (cancellable);
      /* Not g_cancellable_connect(): it would call the handler now if already
       * cancelled, under GCancellable's lock; the park looks itself. */
      hook->handler = g_signal_connect_data (cancellable, "cancelled", G_CALLBACK (hook_cancelled),
                                             hook, hook_handler_gone, 0);
      g_hash_table_insert (hooks->by_cancellable, cancellable, hook);
    }
  hooks->last = hook;
  return hook;
}

/* On @self's proc, before it parks its open wait @token: links @park (on the caller's
 * stack) so that cancelling @cancellable claims the wait; if it is cancelled already,
 * claims it now (the park then returns TASK9_WAKE_CANCELLED at once). */
void
task9_cancel_hook_link (Task9Task       *self,
                        guint64          token,
                        GCancellable    *cancellable,
                        Task9CancelPark *park)
{
  Task9CancelHook *hook = hooks_get (&self->proc->cancel_hooks, cancellable);

  park->hook = hook;
  park->task = self;
  park->token = token;
  park->prev = NULL;
  task9_spin_lock (&hook->lock);
  park->next = hook->parked;
  if (park->next != NULL)
    park->next->prev = park;
  hook->parked = park;
  task9_spin_unlock (&hook->lock);
  hook->n_parked++;

  if (g_cancellable_is_cancelled (cancellable) && task9_wait_claim (self, token))
    task9_wait_wake (self, TASK9_WAKE_CANCELLED);
}

/* After the park: takes @park off its hook. */
void
task9_cancel_hook_unlink (Task9CancelPark *park)
{
  Task9CancelHook *hook = park->hook;

  if (hook == NULL)
    return;
  task9_spin_lock (&hook->lock);
  if (park->prev != NULL)
    park->prev->next = park->next;
  else
    hook->parked = park->next;
  if (park->next != NULL)
    park->next->prev = park->prev;
  task9_spin_unlock (&hook->lock);
  hook->n_parked--;
}

/* The proc's thread, at its end: frees every hook. */
void
task9_cancel_hooks_clear (Task9CancelHooks *hooks)
{
  hooks->last = NULL;
  g_clear_pointer (&hooks->by_cancellable, g_hash_table_unref);
}
