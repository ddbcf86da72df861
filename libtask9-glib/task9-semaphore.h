/* task9-semaphore.h: counting semaphores
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(TASK9_INSIDE) && !defined(TASK9_COMPILATION)
# error "Only <task9.h> can be included directly."
#endif

#include <gio/gio.h>

#include "task9-version-macros.h"

G_BEGIN_DECLS

#define TASK9_TYPE_SEMAPHORE (task9_semaphore_get_type ())

TASK9_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (Task9Semaphore, task9_semaphore, TASK9, SEMAPHORE, GObject)

TASK9_AVAILABLE_IN_ALL
Task9Semaphore *task9_semaphore_new            (guint                value);
TASK9_AVAILABLE_IN_ALL
Task9Semaphore *task9_semaphore_new_bounded    (guint                value,
                                                guint                bound);

TASK9_AVAILABLE_IN_ALL
gboolean        task9_semaphore_acquire        (Task9Semaphore      *semaphore,
                                                GTimeSpan            timeout,
                                                GCancellable        *cancellable,
                                                GError             **error);
TASK9_AVAILABLE_IN_ALL
gboolean        task9_semaphore_try_acquire    (Task9Semaphore      *semaphore);
TASK9_AVAILABLE_IN_ALL
void            task9_semaphore_acquire_async  (Task9Semaphore      *semaphore,
                                                GCancellable        *cancellable,
                                                GAsyncReadyCallback  callback,
                                                gpointer             user_data);
TASK9_AVAILABLE_IN_ALL
gboolean        task9_semaphore_acquire_finish (Task9Semaphore      *semaphore,
                                                GAsyncResult        *result,
                                                GError             **error);
TASK9_AVAILABLE_IN_ALL
gboolean        task9_semaphore_release        (Task9Semaphore      *semaphore,
                                                GError             **error);

TASK9_AVAILABLE_IN_ALL
guint           task9_semaphore_get_value      (Task9Semaphore      *semaphore);
TASK9_AVAILABLE_IN_ALL
guint           task9_semaphore_get_bound      (Task9Semaphore      *semaphore);

TASK9_AVAILABLE_IN_ALL
void        task9_semaphore_set_name (Task9Semaphore *semaphore,
                               const char *name);
TASK9_AVAILABLE_IN_ALL
const char *task9_semaphore_get_name (Task9Semaphore *semaphore);

G_END_DECLS
