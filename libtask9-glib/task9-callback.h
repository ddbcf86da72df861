/* task9-callback.h: calls of a callback as a channel
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
Task9Channel *task9_callback_channel_new (guint          capacity,
                                          GClosure     **closure_out);
TASK9_AVAILABLE_IN_ALL
void          task9_callback_async_ready (GObject       *source_object,
                                          GAsyncResult  *result,
                                          gpointer       user_data);

G_END_DECLS
