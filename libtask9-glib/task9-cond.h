/* task9-cond.h: Task9Cond, a condition variable bound to a Task9Lock
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(TASK9_INSIDE) && !defined(TASK9_COMPILATION)
# error "Only <task9.h> can be included directly."
#endif

#include <gio/gio.h>

#include "task9-lock.h"
#include "task9-version-macros.h"

G_BEGIN_DECLS

#define TASK9_TYPE_COND (task9_cond_get_type ())

TASK9_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (Task9Cond, task9_cond, TASK9, COND, GObject)

TASK9_AVAILABLE_IN_ALL
Task9Cond *task9_cond_new         (Task9Lock            *lock);
TASK9_AVAILABLE_IN_ALL
Task9Lock *task9_cond_get_lock    (Task9Cond            *cond);
TASK9_AVAILABLE_IN_ALL
gboolean   task9_cond_wait        (Task9Cond            *cond,
                                   GTimeSpan             timeout,
                                   GCancellable         *cancellable,
                                   GError              **error);
TASK9_AVAILABLE_IN_ALL
void       task9_cond_wait_async  (Task9Cond            *cond,
                                   GCancellable         *cancellable,
                                   GAsyncReadyCallback   callback,
                                   gpointer              user_data);
TASK9_AVAILABLE_IN_ALL
gboolean   task9_cond_wait_finish (Task9Cond            *cond,
                                   GAsyncResult         *result,
                                   GError              **error);
TASK9_AVAILABLE_IN_ALL
gint       task9_cond_signal      (Task9Cond            *cond,
                                   GError              **error);
TASK9_AVAILABLE_IN_ALL
gint       task9_cond_broadcast   (Task9Cond            *cond,
                                   GError              **error);

TASK9_AVAILABLE_IN_ALL
void        task9_cond_set_name (Task9Cond *cond,
                               const char *name);
TASK9_AVAILABLE_IN_ALL
const char *task9_cond_get_name (Task9Cond *cond);

G_END_DECLS
