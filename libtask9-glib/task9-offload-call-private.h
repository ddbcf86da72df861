/* task9-offload-call-private.h: one function call handed to another thread (see
 * task9-offload-call.c)
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "task9-offload.h"
#include "task9-sync-private.h"

G_BEGIN_DECLS

typedef struct _Task9OffloadCall Task9OffloadCall;

typedef enum
{
  TASK9_OFFLOAD_CALL_QUEUED,    /* in its runner's queue */
  TASK9_OFFLOAD_CALL_RUNNING,   /* its function runs on a runner thread */
  TASK9_OFFLOAD_CALL_DONE,      /* finished, or dropped without running */
} Task9OffloadCallState;

/* What the runner (the worker pool, an IOProc) does when the caller gives up: take the
 * call out of its queue if it is still there, interrupt it if it runs. Called without
 * any lock held, with a reference to @call; the call's state may change meanwhile. */
typedef void (*Task9OffloadAbandon) (gpointer          runner,
                                     Task9OffloadCall *call);

struct _Task9OffloadCall
{
  gint                   ref_count;

  /* The caller's one waiter; also guards state, abandoned, result and error. */
  Task9SyncQueue         queue;
  Task9OffloadCallState  state;
  gboolean               abandoned;     /* the caller stopped waiting */
  gboolean               handed;        /* result and error belong to the caller now */
  gboolean               counts_external; /* an async caller waits: see task9_main_external_begin() */
  gpointer               result;        /* until it is handed or destroyed */
  GError                *error;

  Task9ThreadFunc        func;
  gpointer               data;
  GDestroyNotify         data_destroy;  /* NULL once called */
  GDestroyNotify         result_destroy;
  GCancellable          *cancellable;   /* the function's; cancelled when abandoned or
                                         * interrupted */
  gint                   interrupted;   /* atomic: task9_offload_call_interrupt() ran */

  gpointer               runner;        /* not a reference: the runner outlives its calls */
  Task9OffloadAbandon    abandon;
  Task9OffloadCall      *next;          /* the runner's queue, under the runner's lock */
};

Task9OffloadCall *task9_offload_call_new     (Task9ThreadFunc      func,
                                              gpointer             data,
                                              GDestroyNotify       data_destroy,
                                              GDestroyNotify       result_destroy,
                                              gpointer             runner,
                                              Task9OffloadAbandon  abandon);
Task9OffloadCall *task9_offload_call_ref     (Task9OffloadCall    *call);
void              task9_offload_call_unref   (Task9OffloadCall    *call);

/* The runner's side. */
void              task9_offload_call_run     (Task9OffloadCall    *call);
void              task9_offload_call_fail    (Task9OffloadCall    *call,
                                              GError              *error);
void              task9_offload_call_interrupt (Task9OffloadCall  *call);

/* The caller's side. */
gpointer          task9_offload_call_wait    (Task9OffloadCall    *call,
                                              Task9Task           *self,
                                              GTimeSpan            timeout,
                                              GCancellable        *cancellable,
                                              const char          *reason,
                                              GError             **error);
void              task9_offload_call_wait_async (Task9OffloadCall *call,
                                              gpointer             source_object,
                                              GCancellable        *cancellable,
                                              GAsyncReadyCallback  callback,
                                              gpointer             user_data,
                                              gpointer             source_tag);
gpointer          task9_offload_call_finish  (GAsyncResult        *result,
                                              gpointer             source_object,
                                              gpointer             source_tag,
                                              GError             **error);

G_END_DECLS
