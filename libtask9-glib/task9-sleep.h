/* task9-sleep.h: suspending a task for a while
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

TASK9_AVAILABLE_IN_ALL
gboolean task9_sleep       (GTimeSpan   span,
                            GError    **error);
TASK9_AVAILABLE_IN_ALL
gboolean task9_sleep_until (gint64      deadline,
                            GError    **error);
TASK9_AVAILABLE_IN_ALL
void     task9_sleep_async  (GTimeSpan            span,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data);
TASK9_AVAILABLE_IN_ALL
gboolean task9_sleep_finish (GAsyncResult        *result,
                             GError             **error);

G_END_DECLS
