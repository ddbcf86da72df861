/* task9-cancellable-channel.h: a GCancellable's cancellation as a channel
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
#include "task9-version-macros.h"

G_BEGIN_DECLS

TASK9_AVAILABLE_IN_ALL
Task9Channel *task9_cancellable_channel_new     (GCancellable         *cancellable);
TASK9_AVAILABLE_IN_ALL
gboolean      task9_cancellable_wait            (GCancellable         *cancellable,
                                                 GTimeSpan             timeout,
                                                 GError              **error);
TASK9_AVAILABLE_IN_ALL
void          task9_cancellable_wait_async      (GCancellable         *cancellable,
                                                 GCancellable         *wait_cancellable,
                                                 GAsyncReadyCallback   callback,
                                                 gpointer              user_data);
TASK9_AVAILABLE_IN_ALL
gboolean      task9_cancellable_wait_finish     (GAsyncResult         *result,
                                                 GError              **error);

G_END_DECLS
