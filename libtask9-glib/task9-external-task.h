/* task9-external-task.h: tasks whose body is a binding's coroutine
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(TASK9_INSIDE) && !defined(TASK9_COMPILATION)
# error "Only <task9.h> can be included directly."
#endif

#include <gio/gio.h>

#include "task9-types.h"
#include "task9-version-macros.h"

G_BEGIN_DECLS

TASK9_AVAILABLE_IN_ALL
Task9Task      *task9_task_new_external        (const char     *name);
TASK9_AVAILABLE_IN_ALL
gboolean        task9_task_is_external         (Task9Task      *task);
TASK9_AVAILABLE_IN_ALL
GCancellable   *task9_task_get_cancellable     (Task9Task      *task);
TASK9_AVAILABLE_IN_ALL
void            task9_task_set_wait_reason     (Task9Task      *task,
                                                const char     *reason);
TASK9_AVAILABLE_IN_ALL
void            task9_task_return_value        (Task9Task      *task,
                                                const GValue   *value);
TASK9_AVAILABLE_IN_ALL
void            task9_task_return_pointer      (Task9Task      *task,
                                                gpointer        result,
                                                GDestroyNotify  result_destroy);
TASK9_AVAILABLE_IN_ALL
void            task9_task_return_error        (Task9Task      *task,
                                                const GError   *failure);
TASK9_AVAILABLE_IN_ALL
void            task9_task_return_new_error    (Task9Task      *task,
                                                GQuark          domain,
                                                int             code,
                                                const char     *message);
TASK9_AVAILABLE_IN_ALL
GValue         *task9_task_dup_result_value    (Task9Task      *task);

G_END_DECLS
