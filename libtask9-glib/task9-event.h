/* task9-event.h: events
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

#define TASK9_TYPE_EVENT (task9_event_get_type ())

TASK9_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (Task9Event, task9_event, TASK9, EVENT, GObject)

TASK9_AVAILABLE_IN_ALL
Task9Event *task9_event_new         (void);

TASK9_AVAILABLE_IN_ALL
void        task9_event_set         (Task9Event          *event);
TASK9_AVAILABLE_IN_ALL
void        task9_event_clear       (Task9Event          *event);
TASK9_AVAILABLE_IN_ALL
gboolean    task9_event_is_set      (Task9Event          *event);

TASK9_AVAILABLE_IN_ALL
gboolean    task9_event_wait        (Task9Event          *event,
                                     GTimeSpan            timeout,
                                     GCancellable        *cancellable,
                                     GError             **error);
TASK9_AVAILABLE_IN_ALL
void        task9_event_wait_async  (Task9Event          *event,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data);
TASK9_AVAILABLE_IN_ALL
gboolean    task9_event_wait_finish (Task9Event          *event,
                                     GAsyncResult        *result,
                                     GError             **error);

TASK9_AVAILABLE_IN_ALL
void        task9_event_set_name (Task9Event *event,
                               const char *name);
TASK9_AVAILABLE_IN_ALL
const char *task9_event_get_name (Task9Event *event);

G_END_DECLS
