/* task9-proc.h: procs, the OS threads that run tasks
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(TASK9_INSIDE) && !defined(TASK9_COMPILATION)
# error "Only <task9.h> can be included directly."
#endif

#include <glib-object.h>

#include "task9-types.h"
#include "task9-version-macros.h"

G_BEGIN_DECLS

/**
 * TASK9_DEFAULT_STACK_SIZE:
 *
 * The stack size of a task when neither the task nor its proc asks for
 * another: 256 KiB, enough for GTK and Pango code. Pages are committed only
 * when touched, so a task that stays shallow costs one page.
 *
 * Since: 0.1
 */
#define TASK9_DEFAULT_STACK_SIZE (256 * 1024)

/**
 * TASK9_DEFAULT_TIME_BUDGET:
 *
 * How long, in microseconds, one dispatch of a proc's scheduler may keep
 * running tasks before it returns to the main loop so that other sources
 * (input, drawing, timeouts) keep their latency.
 *
 * Since: 0.1
 */
#define TASK9_DEFAULT_TIME_BUDGET (G_TIME_SPAN_MILLISECOND)

/**
 * Task9ProcFlags:
 * @TASK9_PROC_FLAGS_NONE: the proc runs until [method@Task9.Proc.stop] is called and its
 *   tasks have ended
 * @TASK9_PROC_FLAGS_END_WITH_LAST_TASK: the proc also ends by itself once it has had a
 *   task and its last task has ended, like a proc made by libthread's `proccreate`
 *
 * How a proc made by [ctor@Task9.Proc.new_full] ends.
 *
 * Since: 0.1
 */
typedef enum /*< flags,underscore_name=task9_proc_flags >*/ {
  TASK9_PROC_FLAGS_NONE = 0,
  TASK9_PROC_FLAGS_END_WITH_LAST_TASK = 1 << 0,
} Task9ProcFlags;

#define TASK9_TYPE_PROC (task9_proc_get_type ())

TASK9_AVAILABLE_IN_ALL
GType         task9_proc_get_type         (void) G_GNUC_CONST;
TASK9_AVAILABLE_IN_ALL
Task9Proc    *task9_proc_ref              (Task9Proc  *proc);
TASK9_AVAILABLE_IN_ALL
void          task9_proc_unref            (Task9Proc  *proc);

TASK9_AVAILABLE_IN_ALL
Task9Proc    *task9_proc_new              (const char *name,
                                           GError    **error);
TASK9_AVAILABLE_IN_ALL
Task9Proc    *task9_proc_new_full         (const char     *name,
                                           Task9ProcFlags  flags,
                                           GError        **error);
TASK9_AVAILABLE_IN_ALL
Task9Proc    *task9_proc_get_main         (void);
TASK9_AVAILABLE_IN_ALL
Task9Proc    *task9_proc_get_current      (void);

TASK9_AVAILABLE_IN_ALL
const char   *task9_proc_get_name         (Task9Proc  *proc);
TASK9_AVAILABLE_IN_ALL
GMainContext *task9_proc_get_context      (Task9Proc  *proc);
TASK9_AVAILABLE_IN_ALL
guint         task9_proc_get_n_tasks      (Task9Proc  *proc);
TASK9_AVAILABLE_IN_ALL
gboolean      task9_proc_is_main          (Task9Proc  *proc);

TASK9_AVAILABLE_IN_ALL
GTimeSpan     task9_proc_get_time_budget  (Task9Proc  *proc);
TASK9_AVAILABLE_IN_ALL
void          task9_proc_set_time_budget  (Task9Proc  *proc,
                                           GTimeSpan   budget);
TASK9_AVAILABLE_IN_ALL
gsize         task9_proc_get_stack_size   (Task9Proc  *proc);
TASK9_AVAILABLE_IN_ALL
void          task9_proc_set_stack_size   (Task9Proc  *proc,
                                           gsize       stack_size);

TASK9_AVAILABLE_IN_ALL
void          task9_proc_stop             (Task9Proc  *proc);
TASK9_AVAILABLE_IN_ALL
gboolean      task9_proc_join             (Task9Proc  *proc,
                                           GError    **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Task9Proc, task9_proc_unref)

G_END_DECLS
