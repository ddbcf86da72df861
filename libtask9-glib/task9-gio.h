/* task9-gio.h: the GIO bridge, any _async call awaited from a task
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

#define TASK9_TYPE_ASYNC_CALL (task9_async_call_get_type ())

TASK9_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (Task9AsyncCall, task9_async_call, TASK9, ASYNC_CALL, GObject)

TASK9_AVAILABLE_IN_ALL
Task9AsyncCall *task9_async_call_new             (GCancellable    *cancellable);
TASK9_AVAILABLE_IN_ALL
GCancellable   *task9_async_call_get_cancellable (Task9AsyncCall  *call);
TASK9_AVAILABLE_IN_ALL
gpointer        task9_async_call_begin           (Task9AsyncCall  *call);
TASK9_AVAILABLE_IN_ALL
void            task9_async_call_callback        (GObject         *source_object,
                                                  GAsyncResult    *result,
                                                  gpointer         user_data);
TASK9_AVAILABLE_IN_ALL
GAsyncResult   *task9_async_call_wait            (Task9AsyncCall  *call,
                                                  GTimeSpan        timeout,
                                                  GError         **error);
TASK9_AVAILABLE_IN_ALL
Task9Channel   *task9_async_call_get_channel     (Task9AsyncCall  *call);
TASK9_AVAILABLE_IN_ALL
void            task9_async_call_cancel          (Task9AsyncCall  *call);

G_END_DECLS
