/* task9-service.c: the library's service thread
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Some wait conditions belong to the whole process, not to a proc: a Unix signal is
 * routed once however many tasks subscribe to it, and a child process has exactly one
 * watch however many tasks wait for it (GLib's rule). Their GSources live on one
 * context of the library's own, iterated by one thread, so they fire even when no proc
 * runs and the application never iterates its main context (a program blocked in
 * task9_main() on a channel, a proc that is busy, a GTK app in a modal loop).
 *
 * Invariants:
 * - One thread, started on first use and never stopped; it does nothing but iterate
 *   its context, which is its thread-default context (so GIO calls made from it, such
 *   as g_subprocess_wait_async(), complete there).
 * - What runs there never blocks and never runs user code: it records an event and
 *   offers it to channels (task9_channel_offer()), whose waiters wake the tasks and
 *   async callers on their own procs and contexts.
 * - Sources are attached from any thread (g_source_attach() and g_source_destroy() are
 *   thread-safe); their owners keep their own records under their own locks.
 */

#include "task9-config.h"

#include "task9-service-private.h"

static gpointer
service_thread (gpointer data)
{
  GMainContext *context = data;

  g_main_context_push_thread_default (context);
  for (;;)
    g_main_context_iteration (context, TRUE);
  return NULL;
}

/* The service context, its thread started on the first call. */
GMainContext *
task9_service_get_context (void)
{
  static gsize context;

  if (g_once_init_enter (&context))
    {
      GMainContext *new_context = g_main_context_new ();

      /* Never unref'd: the thread iterates it for the life of the process. */
      g_thread_unref (g_thread_new ("task9-service", service_thread, new_context));
      g_once_init_leave (&context, (gsize) new_context);
    }
  return (GMainContext *) context;
}
