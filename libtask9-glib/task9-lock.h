/* task9-lock.h: Task9Lock, a FIFO mutex for tasks and main-loop code
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

#define TASK9_TYPE_LOCK (task9_lock_get_type ())

TASK9_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (Task9Lock, task9_lock, TASK9, LOCK, GObject)

TASK9_AVAILABLE_IN_ALL
Task9Lock *task9_lock_new            (void);
TASK9_AVAILABLE_IN_ALL
gboolean   task9_lock_acquire        (Task9Lock            *lock,
                                      GTimeSpan             timeout,
                                      GCancellable         *cancellable,
                                      GError              **error);
TASK9_AVAILABLE_IN_ALL
gboolean   task9_lock_try_acquire    (Task9Lock            *lock);
TASK9_AVAILABLE_IN_ALL
void       task9_lock_acquire_async  (Task9Lock            *lock,
                                      GCancellable         *cancellable,
                                      GAsyncReadyCallback   callback,
                                      gpointer              user_data);
TASK9_AVAILABLE_IN_ALL
gboolean   task9_lock_acquire_finish (Task9Lock            *lock,
                                      GAsyncResult         *result,
                                      GError              **error);
TASK9_AVAILABLE_IN_ALL
gboolean   task9_lock_release        (Task9Lock            *lock,
                                      GError              **error);
TASK9_AVAILABLE_IN_ALL
gboolean   task9_lock_is_locked      (Task9Lock            *lock);
TASK9_AVAILABLE_IN_ALL
gboolean   task9_lock_has_waiters    (Task9Lock            *lock);

TASK9_AVAILABLE_IN_ALL
void        task9_lock_set_name (Task9Lock *lock,
                               const char *name);
TASK9_AVAILABLE_IN_ALL
const char *task9_lock_get_name (Task9Lock *lock);

G_END_DECLS
