/* task9-queue.h: queues of work items
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

#define TASK9_TYPE_QUEUE (task9_queue_get_type ())

TASK9_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (Task9Queue, task9_queue, TASK9, QUEUE, GObject)

TASK9_AVAILABLE_IN_ALL
Task9Queue   *task9_queue_new            (GType                elem_type,
                                          guint                capacity);

TASK9_AVAILABLE_IN_ALL
gboolean      task9_queue_put            (Task9Queue          *queue,
                                          const GValue        *value,
                                          GTimeSpan            timeout,
                                          GCancellable        *cancellable,
                                          GError             **error);
TASK9_AVAILABLE_IN_ALL
gboolean      task9_queue_try_put        (Task9Queue          *queue,
                                          const GValue        *value,
                                          GError             **error);
TASK9_AVAILABLE_IN_ALL
void          task9_queue_put_async      (Task9Queue          *queue,
                                          const GValue        *value,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data);
TASK9_AVAILABLE_IN_ALL
gboolean      task9_queue_put_finish     (Task9Queue          *queue,
                                          GAsyncResult        *result,
                                          GError             **error);

TASK9_AVAILABLE_IN_ALL
gboolean      task9_queue_get            (Task9Queue          *queue,
                                          GValue              *value,
                                          GTimeSpan            timeout,
                                          GCancellable        *cancellable,
                                          GError             **error);
TASK9_AVAILABLE_IN_ALL
gboolean      task9_queue_try_get        (Task9Queue          *queue,
                                          GValue              *value,
                                          GError             **error);
TASK9_AVAILABLE_IN_ALL
void          task9_queue_get_async      (Task9Queue          *queue,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data);
TASK9_AVAILABLE_IN_ALL
gboolean      task9_queue_get_finish     (Task9Queue          *queue,
                                          GAsyncResult        *result,
                                          GValue              *value,
                                          GError             **error);

TASK9_AVAILABLE_IN_ALL
gboolean      task9_queue_task_done      (Task9Queue          *queue,
                                          GError             **error);
TASK9_AVAILABLE_IN_ALL
gboolean      task9_queue_join           (Task9Queue          *queue,
                                          GTimeSpan            timeout,
                                          GCancellable        *cancellable,
                                          GError             **error);
TASK9_AVAILABLE_IN_ALL
void          task9_queue_join_async     (Task9Queue          *queue,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data);
TASK9_AVAILABLE_IN_ALL
gboolean      task9_queue_join_finish    (Task9Queue          *queue,
                                          GAsyncResult        *result,
                                          GError             **error);

TASK9_AVAILABLE_IN_ALL
void          task9_queue_close          (Task9Queue          *queue);
TASK9_AVAILABLE_IN_ALL
gboolean      task9_queue_is_closed      (Task9Queue          *queue);
TASK9_AVAILABLE_IN_ALL
guint         task9_queue_get_size       (Task9Queue          *queue);
TASK9_AVAILABLE_IN_ALL
guint         task9_queue_get_capacity   (Task9Queue          *queue);
TASK9_AVAILABLE_IN_ALL
guint64       task9_queue_get_unfinished (Task9Queue          *queue);
TASK9_AVAILABLE_IN_ALL
GType         task9_queue_get_elem_type  (Task9Queue          *queue);
TASK9_AVAILABLE_IN_ALL
Task9Channel *task9_queue_get_channel    (Task9Queue          *queue);

TASK9_AVAILABLE_IN_ALL
void        task9_queue_set_name (Task9Queue *queue,
                               const char *name);
TASK9_AVAILABLE_IN_ALL
const char *task9_queue_get_name (Task9Queue *queue);

G_END_DECLS
