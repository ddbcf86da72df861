/* task9-sysprof-private.h: sysprof marks for task lifetimes and waits
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Built only with sysprof-capture-4 (meson option sysprof, auto). Under `sysprof-cli`
 * or Sysprof (which hand the process a collector through SYSPROF_CONTROL_FD), every
 * task's life from spawn to end is a mark in group "task9" named "task", and every park
 * of a stackful task a mark named by its wait reason ("recv", "sleep", ...), with the
 * task's id, name and what it waited on as the message. task9_sysprof_active is decided
 * once, when the first proc is made; when it is FALSE the hooks cost one predictable
 * branch on a global.
 */

#pragma once

#include "task9-config.h"

#include <glib.h>

#include "task9-types.h"

G_BEGIN_DECLS

#if HAVE_SYSPROF
/* The most bytes of a task's name, spawn location or wait object a mark carries. */
# define TASK9_SYSPROF_MAX_FIELD 1024

extern gboolean task9_sysprof_active;

gint64 task9_sysprof_now        (void);
void   task9_sysprof_init       (void);
void   task9_sysprof_task_ended (Task9Task  *task);
void   task9_sysprof_wait_ended (Task9Task  *task,
                                 gint64      start,
                                 const char *reason,
                                 const char *object);
# define TASK9_SYSPROF_ACTIVE() G_UNLIKELY (task9_sysprof_active)
#else
# define TASK9_SYSPROF_ACTIVE() FALSE
static inline gint64 task9_sysprof_now (void) { return 0; }
static inline void task9_sysprof_init (void) { }
static inline void task9_sysprof_task_ended (Task9Task *task) { }
static inline void task9_sysprof_wait_ended (Task9Task *task, gint64 start, const char *reason,
                                             const char *object) { }
#endif

G_END_DECLS
