/* task9-group.h: task groups (structured concurrency)
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(TASK9_INSIDE) && !defined(TASK9_COMPILATION)
# error "Only <task9.h> can be included directly."
#endif

#include <glib-object.h>

#include "task9-types.h"
#include "task9-version-macros.h"

G_BEGIN_DECLS

#define TASK9_TYPE_GROUP (task9_group_get_type ())

TASK9_AVAILABLE_IN_ALL
GType       task9_group_get_type   (void) G_GNUC_CONST;
TASK9_AVAILABLE_IN_ALL
Task9Group *task9_group_new        (void);
TASK9_AVAILABLE_IN_ALL
Task9Group *task9_group_ref        (Task9Group     *group);
TASK9_AVAILABLE_IN_ALL
void        task9_group_unref      (Task9Group     *group);

TASK9_AVAILABLE_IN_ALL
Task9Task  *task9_group_spawn      (Task9Group     *group,
                                    const char     *name,
                                    Task9TaskFunc   func,
                                    gpointer        user_data,
                                    GDestroyNotify  user_data_destroy,
                                    GError        **error);
TASK9_AVAILABLE_IN_ALL
Task9Task  *task9_group_spawn_full (Task9Group     *group,
                                    Task9Proc      *proc,
                                    const char     *name,
                                    gsize           stack_size,
                                    Task9TaskFunc   func,
                                    gpointer        user_data,
                                    GDestroyNotify  user_data_destroy,
                                    GError        **error);
TASK9_AVAILABLE_IN_ALL
gboolean    task9_group_wait       (Task9Group     *group,
                                    GError        **error);
TASK9_AVAILABLE_IN_ALL
void        task9_group_cancel     (Task9Group     *group);
TASK9_AVAILABLE_IN_ALL
guint       task9_group_get_n_running (Task9Group  *group);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Task9Group, task9_group_unref)

G_END_DECLS
