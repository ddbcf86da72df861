/* task9-task-private.h: the task record
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "task9-task.h"
#include "task9-group.h"
#include "task9-stack-private.h"
#include "task9-switch-private.h"
#include "task9-timer-heap-private.h"
#include "task9-waiter-private.h"

G_BEGIN_DECLS

/* A lock a task holds (a Task9Lock, a Task9RWLock's write side), linked into the task's
 * list of holds from the acquisition to the release, so that a task that ends holding
 * it gives it up instead of leaving its waiters hanging: task_finish() calls @abandon
 * for each hold still on the list, which releases the lock with a warning and unlinks
 * the hold. The list is touched only by the task itself, on its proc. */
typedef struct _Task9Hold Task9Hold;
struct _Task9Hold
{
  Task9Hold *prev;
  Task9Hold *next;
  void     (*abandon) (Task9Hold *hold,
                       Task9Task *task);
};

struct _Task9Task
{
  /* Touched by every switch; owned by the proc's thread. */
  Task9Context    context;
  Task9Task      *run_next;          /* run queue or inbox link */
  Task9Task      *cancel_next;       /* the proc's inbox of cancellations */
  Task9Proc      *proc;
  Task9Stack     *stack;
  guint64         park_word;         /* atomic: (seq << 1) | waiting; see task9-waiter.c */
  guint64         park_token;
  Task9WakeReason wake_reason;
  Task9TaskState  state;
  const char     *wait_reason;
  const char     *wait_name;         /* interned debug name of what it waits on, or NULL */
  gint64          blocked_since;     /* the proc's dispatch time when it last parked */
  guint64         n_switches;        /* times it was switched to */
  const char     *spawn_location;    /* "file:line" (static or interned), or NULL */
  gint64          spawn_time;        /* sysprof clock at spawn, when marks are on; else 0 */
  Task9Timer      timer;             /* the current park's deadline */
  gboolean        started;           /* its context is built (at first run, on a warm stack) */

  Task9TaskFunc   func;
  gpointer        user_data;
  GDestroyNotify  user_data_destroy;

  gint            ref_count;
  gint            cancelled;         /* atomic, sticky */
  gboolean        shielded;          /* parks ignore cancellation (a group draining) */
  /* Atomic: the current park waits for an event no task can cause (a GIO call, an fd, a
   * child, a Unix or GObject signal), so the deadlock detector counts the task as alive.
   * Set by whoever parks the task for such an event, before the park, and cleared after
   * it: see task9_wait_park_external(). */
  gboolean        wait_external;
  guint64         id;
  char           *name;              /* under task9_task_name_lock */
  Task9Group     *group;
  GData          *data;              /* task9_task_set_data(); freed with the record */
  Task9Hold      *holds;             /* the locks it holds; see Task9Hold */
  Task9Task      *list_prev;         /* the proc's task list, under proc->lock */
  Task9Task      *list_next;

  void           *asan_fake_stack;
  void           *tsan_fiber;

  /* Written once when the task ends, before finished is set (release); joiners that
   * see finished read them without the lock. */
  gpointer        result;
  GError         *error;
  gint            finished;          /* atomic */
  gint            has_joiners;       /* atomic: finishing must take the lock and wake them */

  /* Kept initialised while a record sits in a proc's record cache. */
  GMutex          lock;              /* protects joiners */
  Task9WaitList   joiners;
};

static inline guint64 *
task9_task_park_word (Task9Task *task)
{
  return &task->park_word;
}

/* Opens wait number seq+1 of @self (the task itself, on its proc) and returns its token.
 * Published to other procs by the unlock that follows registering the waiter. */
static inline guint64
task9_wait_begin (Task9Task *self)
{
  guint64 *word = task9_task_park_word (self);
  guint64 token = ((*word >> 1) + 1) << 1 | 1;

  __atomic_store_n (word, token, __ATOMIC_RELEASE);
  return token;
}

/* Opens @self's next wait with @waiter as its one arm, waiting for an element at (or
 * sending one from) @value; @set lives on the task's stack beside it. Queue the waiter,
 * then park with its token. */
static inline void
task9_wait_begin_one (Task9Task    *self,
                      Task9Waiter  *waiter,
                      Task9WaitSet *set,
                      gpointer      value)
{
  *set = (Task9WaitSet) { self, NULL, -1, FALSE };
  *waiter = (Task9Waiter) { 0, };
  waiter->claim = task9_task_park_word (self);
  waiter->token = task9_wait_begin (self);
  waiter->set = set;
  waiter->value = value;
}

/* Wins the wake-up of @task's wait @token, or learns that somebody else did. */
static inline gboolean
task9_wait_claim (Task9Task *task,
                  guint64    token)
{
  return task9_claim (task9_task_park_word (task), token);
}

/* On @self's proc: marks the coming park as a wait for an event no task can cause (TRUE,
 * before the park) or ends that (FALSE, after it); see wait_external. */
static inline void
task9_task_set_wait_external (Task9Task *self,
                              gboolean   external)
{
  __atomic_store_n (&self->wait_external, external, __ATOMIC_RELAXED);
}

/* task9_wait_park() for a wait on something outside the procs: the deadlock detector
 * does not take it for one that nothing can end. */
static inline Task9WakeReason
task9_wait_park_external (Task9Task    *self,
                          guint64       token,
                          gint64        deadline,
                          GCancellable *cancellable,
                          const char   *reason)
{
  Task9WakeReason why;

  task9_task_set_wait_external (self, TRUE);
  why = task9_wait_park (self, token, deadline, cancellable, reason);
  task9_task_set_wait_external (self, FALSE);
  return why;
}

/* By @self, on its proc: @hold is now one of its holds. */
static inline void
task9_task_push_hold (Task9Task *self,
                      Task9Hold *hold)
{
  hold->prev = NULL;
  hold->next = self->holds;
  if (self->holds != NULL)
    self->holds->prev = hold;
  self->holds = hold;
}

/* By @self, on its proc: @hold, one of its holds, is released. */
static inline void
task9_task_unlink_hold (Task9Task *self,
                        Task9Hold *hold)
{
  if (hold->prev != NULL)
    hold->prev->next = hold->next;
  else
    self->holds = hold->next;
  if (hold->next != NULL)
    hold->next->prev = hold->prev;
  hold->prev = hold->next = NULL;
}

/* The location the next spawn on this thread records (task9_spawn_location_set_next(),
 * from the spawn macros of task9-task-table.h); taken, and cleared, by the spawn. */
extern __thread const char *task9_next_spawn_location __attribute__ ((tls_model ("initial-exec")));

Task9Task *task9_task_new_internal (Task9Proc       *proc,
                                    Task9Group      *group,
                                    const char      *name,
                                    gsize            stack_size,
                                    Task9TaskFunc    func,
                                    gpointer         user_data,
                                    GDestroyNotify   user_data_destroy,
                                    GError         **error);
void       task9_task_free_finished (Task9Task     *task);
guint64    task9_task_next_id       (void);
void       task9_task_prepare_first_run (Task9Proc *proc,
                                         Task9Task *task);

G_END_DECLS
