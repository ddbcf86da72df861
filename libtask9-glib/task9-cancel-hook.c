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
 * - Only the proc's thread touches a hook's list: it finds, makes and frees hooks,
 *   links and unlinks nodes, and walks the list to cancel. So a park takes no lock. The
 *   handler walks at once when it runs on the proc's thread; on any other it posts the
 *   hook to the proc's inbox (task9_scheduler_post_cancel_hook(), with a reference),
 *   whose drain walks it (task9_cancel_hooks_fire_posted()).
 * - A park links its node before it looks at g_cancellable_is_cancelled(): either the
 *   walk (later on the same thread) finds the node, or the cancellation came before the
 *   drain that took the post, hence before the link, and the look sees it. The claim
 *   decides between a cancellation and whatever else ends the wait.
 * - A posted hook is walked only if its cancellable is still cancelled then: a wait
 *   begun after a g_cancellable_reset() is not ended by a cancellation from before it.
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
  gint             ref_count;     /* atomic: the map's, the handler's, each post's */
  Task9Proc       *proc;          /* its hooks are freed before it is */
  GCancellable    *cancellable;   /* a reference */
  gulong           handler;
  Task9CancelHook *posted_next;   /* the proc's inbox, under its lock */

  /* The proc's thread only. */
  gboolean         dead;          /* out of the map, handler disconnected */
  guint            n_parked;
  Task9CancelPark *parked;
};

static void
hook_unref (Task9CancelHook *hook)
{
  if (!g_atomic_int_dec_and_test (&hook->ref_count))
    return;
  g_object_unref (hook->cancellable);
  g_free (hook);
}

/* The proc's thread: ends every wait parked on @hook. */
static void
hook_walk (Task9CancelHook *hook)
{
  for (Task9CancelPark *park = hook->parked; park != NULL; park = park->next)
    if (task9_wait_claim (park->task, park->token))
      task9_wait_wake (park->task, TASK9_WAKE_CANCELLED);   /* only queues it here */
}

/* Any thread: @cancellable was cancelled; so is every wait parked with it. */
static void
hook_cancelled (GCancellable *cancellable,
                gpointer      data)
{
  Task9CancelHook *hook = data;

  if (task9_current_proc == hook->proc)
    {
      hook_walk (hook);
      return;
    }
  g_atomic_int_inc (&hook->ref_count);   /* the post's */
  if (!task9_scheduler_post_cancel_hook (hook->proc, hook))
    hook_unref (hook);   /* the proc's thread has ended, and its waits */
}

/* Under the proc's inbox lock: puts @hook (a post's reference) on the inbox's @list. */
void
task9_cancel_hook_push_posted (Task9CancelHook **list,
                               Task9CancelHook  *hook)
{
  hook->posted_next = *list;
  *list = hook;
}

/* The proc's thread, with the inbox's @list taken: walks each posted hook whose
 * cancellable is still cancelled, and drops the posts' references. */
void
task9_cancel_hooks_fire_posted (Task9CancelHook *list)
{
  while (list != NULL)
    {
      Task9CancelHook *hook = list;

      list = hook->posted_next;
      if (!hook->dead && g_cancellable_is_cancelled (hook->cancellable))
        hook_walk (hook);
      hook_unref (hook);
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
  hook->dead = TRUE;
  for (Task9CancelPark *park = hook->parked; park != NULL; park = park->next)
    park->hook = NULL;   /* only at the proc's end: its waits will not unlink */
  hook->parked = NULL;
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
hooks_get (Task9Proc    *proc,
           GCancellable *cancellable)
{
  Task9CancelHooks *hooks = &proc->cancel_hooks;
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
      hook->proc = proc;
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
  Task9CancelHook *hook = hooks_get (self->proc, cancellable);

  park->hook = hook;
  park->task = self;
  park->token = token;
  park->prev = NULL;
  park->next = hook->parked;
  if (park->next != NULL)
    park->next->prev = park;
  hook->parked = park;
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
  if (park->prev != NULL)
    park->prev->next = park->next;
  else
    hook->parked = park->next;
  if (park->next != NULL)
    park->next->prev = park->prev;
  hook->n_parked--;
}

/* The proc's thread, at its end: frees every hook. */
void
task9_cancel_hooks_clear (Task9CancelHooks *hooks)
{
  hooks->last = NULL;
  g_clear_pointer (&hooks->by_cancellable, g_hash_table_unref);
}
