/* task9-thread-private.h: what the files of libtask9-thread share
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "task9/thread.h"

G_BEGIN_DECLS

/* The per-task record of the Plan 9 layer (task9-thread.c), attached to the task with
 * task9_task_set_data() and freed with the task record. Plan 9 threads get theirs from
 * their creator, attached when they first run; any other task that calls a function
 * needing one gets it on first use. */
typedef struct
{
  void          *udata;       /* threaddata() */
  void         (*fn) (void *);
  void          *arg;
  int            status;      /* 0, or 1 once threadexits() was given a message */
  guint          spawned : 1; /* made by threadcreate/proccreate: ends in the spawn's notify */
  guint          foreign : 1; /* a task the Plan 9 layer did not create */
  guint          attached : 1;/* on its task: the task record frees it */
} Task9ThreadData;

/* The calling task's record, made on first use; NULL outside a task. */
Task9ThreadData *task9_thread_data_get (void);

G_END_DECLS
