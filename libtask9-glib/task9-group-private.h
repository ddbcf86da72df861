/* task9-group-private.h: how tasks report to their group
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "task9-group.h"

G_BEGIN_DECLS

void task9_group_admit           (Task9Group *group,
                                  Task9Task  *task);
void task9_group_member_finished (Task9Group *group,
                                  Task9Task  *task,
                                  GError     *error);

G_END_DECLS
