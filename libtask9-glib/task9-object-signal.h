/* task9-object-signal.h: GObject signal emissions as channels
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(TASK9_INSIDE) && !defined(TASK9_COMPILATION)
# error "Only <task9.h> can be included directly."
#endif

#include <gio/gio.h>

#include "task9-channel.h"
#include "task9-emission.h"
#include "task9-version-macros.h"

G_BEGIN_DECLS

TASK9_AVAILABLE_IN_ALL
Task9Channel  *task9_object_connect_channel    (gpointer              instance,
                                                const char           *detailed_signal,
                                                guint                 capacity,
                                                GError              **error);
TASK9_AVAILABLE_IN_ALL
Task9Emission *task9_object_wait_signal        (gpointer              instance,
                                                const char           *detailed_signal,
                                                GTimeSpan             timeout,
                                                GCancellable         *cancellable,
                                                GError              **error);
TASK9_AVAILABLE_IN_ALL
void           task9_object_wait_signal_async  (gpointer              instance,
                                                const char           *detailed_signal,
                                                GCancellable         *cancellable,
                                                GAsyncReadyCallback   callback,
                                                gpointer              user_data);
TASK9_AVAILABLE_IN_ALL
Task9Emission *task9_object_wait_signal_finish (GAsyncResult         *result,
                                                GError              **error);

G_END_DECLS
