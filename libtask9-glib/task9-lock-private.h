/* task9-lock-private.h: what Task9Cond needs of Task9Lock (see task9-lock.c)
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "task9-lock.h"
#include "task9-sync-private.h"

G_BEGIN_DECLS

struct _Task9Lock
{
  GObject         parent_instance;

  Task9SyncQueue  queue;      /* its spinlock guards the fields below */
  gboolean        locked;
  Task9Task      *holder;     /* the holding task; NULL when free or held outside tasks */
  gboolean        outside;    /* sticky: once held outside tasks, waits count as external */
  Task9Hold       hold;       /* in the holding task's holds */
};

/* With lock->queue locked: whether @self (the current task, or NULL outside tasks)
 * holds @lock. */
static inline gboolean
task9_lock_held_by (Task9Lock *lock,
                    Task9Task *self)
{
  return lock->locked && lock->holder == self;
}

void     task9_lock_hand_on_locked (Task9Lock        *lock,
                                    Task9SyncGrants  *grants);
void     task9_lock_forget_hold    (Task9Lock        *lock,
                                    Task9Task        *self);
void     task9_lock_note_hold      (Task9Lock        *lock,
                                    Task9Task        *self);
void     task9_lock_reacquire      (Task9Lock        *lock,
                                    Task9Task        *self);

G_END_DECLS
