/* task9-channel.h: channels
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(TASK9_INSIDE) && !defined(TASK9_COMPILATION)
# error "Only <task9.h> can be included directly."
#endif

#include <gio/gio.h>

#include "task9-types.h"
#include "task9-version-macros.h"

G_BEGIN_DECLS

#define TASK9_TYPE_CHANNEL (task9_channel_get_type ())

TASK9_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (Task9Channel, task9_channel, TASK9, CHANNEL, GObject)

TASK9_AVAILABLE_IN_ALL
Task9Channel *task9_channel_new            (gsize          elem_size,
                                            guint          capacity);
TASK9_AVAILABLE_IN_ALL
Task9Channel *task9_channel_new_typed      (GType          elem_type,
                                            guint          capacity);

TASK9_AVAILABLE_IN_ALL
gsize         task9_channel_get_elem_size  (Task9Channel  *channel);
TASK9_AVAILABLE_IN_ALL
GType         task9_channel_get_elem_type  (Task9Channel  *channel);
TASK9_AVAILABLE_IN_ALL
guint         task9_channel_get_capacity   (Task9Channel  *channel);
TASK9_AVAILABLE_IN_ALL
guint         task9_channel_get_length     (Task9Channel  *channel);
TASK9_AVAILABLE_IN_ALL
const char   *task9_channel_get_name       (Task9Channel  *channel);
TASK9_AVAILABLE_IN_ALL
void          task9_channel_set_name       (Task9Channel  *channel,
                                            const char    *name);

TASK9_AVAILABLE_IN_ALL
void          task9_channel_close          (Task9Channel  *channel);
TASK9_AVAILABLE_IN_ALL
gboolean      task9_channel_is_closed      (Task9Channel  *channel);
TASK9_AVAILABLE_IN_ALL
guint64       task9_channel_get_dropped    (Task9Channel  *channel);

TASK9_AVAILABLE_IN_ALL
gboolean      task9_channel_send           (Task9Channel  *channel,
                                            gconstpointer  elem,
                                            GError       **error);
TASK9_AVAILABLE_IN_ALL
gboolean      task9_channel_recv           (Task9Channel  *channel,
                                            gpointer       elem,
                                            GError       **error);
TASK9_AVAILABLE_IN_ALL
gboolean      task9_channel_send_full      (Task9Channel  *channel,
                                            gconstpointer  elem,
                                            GTimeSpan      timeout,
                                            GCancellable  *cancellable,
                                            GError       **error);
TASK9_AVAILABLE_IN_ALL
gboolean      task9_channel_recv_full      (Task9Channel  *channel,
                                            gpointer       elem,
                                            GTimeSpan      timeout,
                                            GCancellable  *cancellable,
                                            GError       **error);
TASK9_AVAILABLE_IN_ALL
gboolean      task9_channel_try_send       (Task9Channel  *channel,
                                            gconstpointer  elem,
                                            GError       **error);
TASK9_AVAILABLE_IN_ALL
gboolean      task9_channel_try_recv       (Task9Channel  *channel,
                                            gpointer       elem,
                                            GError       **error);

TASK9_AVAILABLE_IN_ALL
gboolean      task9_channel_send_pointer   (Task9Channel  *channel,
                                            gpointer       pointer,
                                            GError       **error);
TASK9_AVAILABLE_IN_ALL
gpointer      task9_channel_recv_pointer   (Task9Channel  *channel,
                                            GError       **error);
TASK9_AVAILABLE_IN_ALL
gboolean      task9_channel_send_ulong     (Task9Channel  *channel,
                                            gulong         value,
                                            GError       **error);
TASK9_AVAILABLE_IN_ALL
gulong        task9_channel_recv_ulong     (Task9Channel  *channel,
                                            GError       **error);

TASK9_AVAILABLE_IN_ALL
gboolean      task9_channel_send_value     (Task9Channel  *channel,
                                            const GValue  *value,
                                            GError       **error);
TASK9_AVAILABLE_IN_ALL
gboolean      task9_channel_recv_value     (Task9Channel  *channel,
                                            GValue        *value,
                                            GError       **error);
TASK9_AVAILABLE_IN_ALL
gboolean      task9_channel_try_send_value (Task9Channel  *channel,
                                            const GValue  *value,
                                            GError       **error);
TASK9_AVAILABLE_IN_ALL
gboolean      task9_channel_try_recv_value (Task9Channel  *channel,
                                            GValue        *value,
                                            GError       **error);

TASK9_AVAILABLE_IN_ALL
void          task9_channel_send_value_async  (Task9Channel        *channel,
                                               const GValue        *value,
                                               GCancellable        *cancellable,
                                               GAsyncReadyCallback  callback,
                                               gpointer             user_data);
TASK9_AVAILABLE_IN_ALL
gboolean      task9_channel_send_value_finish (Task9Channel        *channel,
                                               GAsyncResult        *result,
                                               GError             **error);
TASK9_AVAILABLE_IN_ALL
void          task9_channel_recv_value_async  (Task9Channel        *channel,
                                               GCancellable        *cancellable,
                                               GAsyncReadyCallback  callback,
                                               gpointer             user_data);
TASK9_AVAILABLE_IN_ALL
gboolean      task9_channel_recv_value_finish (Task9Channel        *channel,
                                               GAsyncResult        *result,
                                               GValue              *value,
                                               GError             **error);
TASK9_AVAILABLE_IN_ALL
void          task9_channel_send_async        (Task9Channel        *channel,
                                               gconstpointer        elem,
                                               GCancellable        *cancellable,
                                               GAsyncReadyCallback  callback,
                                               gpointer             user_data);
TASK9_AVAILABLE_IN_ALL
gboolean      task9_channel_send_finish       (Task9Channel        *channel,
                                               GAsyncResult        *result,
                                               GError             **error);
TASK9_AVAILABLE_IN_ALL
void          task9_channel_recv_async        (Task9Channel        *channel,
                                               gpointer             elem,
                                               GCancellable        *cancellable,
                                               GAsyncReadyCallback  callback,
                                               gpointer             user_data);
TASK9_AVAILABLE_IN_ALL
gboolean      task9_channel_recv_finish       (Task9Channel        *channel,
                                               GAsyncResult        *result,
                                               GError             **error);

TASK9_AVAILABLE_IN_ALL
Task9Channel *task9_channel_after          (GTimeSpan      span);
TASK9_AVAILABLE_IN_ALL
Task9Channel *task9_channel_new_ticker     (GTimeSpan      period);

G_END_DECLS
