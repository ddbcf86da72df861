/* task9-wait-private.h: the one mechanism behind every wait
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

#include "task9-types.h"

G_BEGIN_DECLS

typedef enum
{
  TASK9_WAKE_NONE,
  TASK9_WAKE_READY,       /* what was waited for happened */
  TASK9_WAKE_CANCELLED,
  TASK9_WAKE_TIMED_OUT,
} Task9WakeReason;

Task9WakeReason task9_wait_park           (Task9Task       *self,
                                           guint64          token,
                                           gint64           deadline,
                                           const char      *reason);
gboolean        task9_wait_check_reason   (Task9WakeReason  reason,
                                           GError         **error);
gint64          task9_deadline_from_timeout_slow (GTimeSpan timeout);

/* A wait list: tasks (and plain threads) waiting for one condition guarded by the
 * owner's mutex; whoever makes the condition true wakes them all. */
typedef struct _Task9WaitNode Task9WaitNode;

typedef struct _Task9AsyncOp Task9AsyncOp;

struct _Task9WaitNode
{
  Task9WaitNode *prev;
  Task9WaitNode *next;
  Task9Task     *task;          /* a parked task, or */
  guint64        token;
  Task9AsyncOp  *async;         /* an async caller */
};

typedef struct
{
  Task9WaitNode *head;
  guint          n_threads;   /* threads blocked on cond: broadcasting costs a syscall */
  GCond          cond;
} Task9WaitList;

typedef gboolean (*Task9WaitCondition) (gpointer data);

void     task9_wait_list_init     (Task9WaitList       *list);
void     task9_wait_list_clear    (Task9WaitList       *list);
gboolean task9_wait_list_wait     (Task9WaitList       *list,
                                   GMutex              *lock,
                                   Task9WaitCondition   condition,
                                   gpointer             data,
                                   gint64               deadline,
                                   const char          *reason,
                                   GError             **error);
void     task9_wait_list_wake_all (Task9WaitList       *list);
void     task9_wait_list_add      (Task9WaitList       *list,
                                   Task9WaitNode       *node);
void     task9_wait_list_remove   (Task9WaitList       *list,
                                   Task9WaitNode       *node);

/* A timeout in microseconds (negative: none) as a monotonic deadline (-1: none). Inline:
 * every blocking channel operation asks, and most have no timeout. */
static inline gint64
task9_deadline_from_timeout (GTimeSpan timeout)
{
  return timeout < 0 ? -1 : task9_deadline_from_timeout_slow (timeout);
}

G_END_DECLS
