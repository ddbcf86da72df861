/* task9-cancel-hook-private.h: a proc's standing handlers on the GCancellables its tasks park with
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gio/gio.h>

#include "task9-types.h"

G_BEGIN_DECLS

typedef struct _Task9CancelHook Task9CancelHook;
typedef struct _Task9CancelPark Task9CancelPark;

/* One parked wait on a hook: lives on the parking task's stack. */
struct _Task9CancelPark
{
  Task9CancelPark *prev;
  Task9CancelPark *next;
  Task9CancelHook *hook;
  Task9Task       *task;
  guint64          token;
};

/* A proc's hooks (in Task9Proc; the proc's thread only). */
typedef struct
{
  GHashTable      *by_cancellable;   /* GCancellable * -> Task9CancelHook *, owning */
  Task9CancelHook *last;             /* the last one used: most parks use one cancellable */
  guint            sweep_at;         /* free idle hooks when the map grows to this */
} Task9CancelHooks;

void task9_cancel_hook_link   (Task9Task       *self,
                               guint64          token,
                               GCancellable    *cancellable,
                               Task9CancelPark *park);
void task9_cancel_hook_unlink (Task9CancelPark *park);
void task9_cancel_hooks_clear (Task9CancelHooks *hooks);

/* The proc's inbox of hooks cancelled from other threads (task9-scheduler.c). */
void task9_cancel_hook_push_posted  (Task9CancelHook **list,
                                     Task9CancelHook  *hook);
void task9_cancel_hooks_fire_posted (Task9CancelHook  *list);

G_END_DECLS
