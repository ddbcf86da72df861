/* task9-condition-private.h: one wait on a wait condition's fresh channel
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "task9-channel-private.h"

G_BEGIN_DECLS

gboolean task9_condition_check_in_task (GError            **error);
gboolean task9_condition_wait        (Task9Channel         *channel,
                                      GValue               *value,
                                      GTimeSpan             timeout,
                                      GCancellable         *cancellable,
                                      GError              **error);
void     task9_condition_wait_async  (Task9Channel         *channel,
                                      gpointer              source_tag,
                                      GCancellable         *cancellable,
                                      GAsyncReadyCallback   callback,
                                      gpointer              user_data);
gboolean task9_condition_wait_finish (GAsyncResult         *result,
                                      gpointer              source_tag,
                                      GValue               *value,
                                      GError              **error);

G_END_DECLS
