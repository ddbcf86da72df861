/* task9-offload.h: running a function on a worker thread
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

/**
 * Task9ThreadFunc:
 * @data: (closure): the data given with the function
 * @cancellable: (nullable): cancelled when the caller stops waiting (its
 *   #GCancellable, its task's cancellation or its timeout) or the call is interrupted;
 *   a long function may check it and stop early
 * @error: return location for an error
 *
 * A function run on another thread by [func@Task9.run_in_thread] or
 * [method@Task9.IOProc.call]. It must not call task-only functions: it runs on a plain
 * thread, not in a task.
 *
 * Returns: (nullable) (transfer full): the result, handed to the caller (or freed
 *   with the call's result destroy notify if the caller no longer waits)
 *
 * Since: 0.1
 */
typedef gpointer (*Task9ThreadFunc) (gpointer       data,
                                     GCancellable  *cancellable,
                                     GError       **error);

TASK9_AVAILABLE_IN_ALL
gpointer task9_run_in_thread          (Task9ThreadFunc       func,
                                       gpointer              data,
                                       GDestroyNotify        data_destroy,
                                       GDestroyNotify        result_destroy,
                                       GTimeSpan             timeout,
                                       GCancellable         *cancellable,
                                       GError              **error);
TASK9_AVAILABLE_IN_ALL
void     task9_run_in_thread_async    (Task9ThreadFunc       func,
                                       gpointer              data,
                                       GDestroyNotify        data_destroy,
                                       GDestroyNotify        result_destroy,
                                       GCancellable         *cancellable,
                                       GAsyncReadyCallback   callback,
                                       gpointer              user_data);
TASK9_AVAILABLE_IN_ALL
gpointer task9_run_in_thread_finish   (GAsyncResult         *result,
                                       GError              **error);
TASK9_AVAILABLE_IN_ALL
void     task9_set_max_worker_threads (guint                 max_threads);
TASK9_AVAILABLE_IN_ALL
guint    task9_get_max_worker_threads (void);

G_END_DECLS
