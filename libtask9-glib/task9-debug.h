/* task9-debug.h: seeing inside a running program (backtraces, dumps, the monitor)
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

TASK9_AVAILABLE_IN_ALL
char     *task9_task_format_backtrace     (Task9Task  *task,
                                           GError    **error);
TASK9_AVAILABLE_IN_ALL
char     *task9_format_task_dump          (gboolean    with_backtraces);
TASK9_AVAILABLE_IN_ALL
gboolean  task9_set_dump_on_sigquit       (gboolean    enable,
                                           GError    **error);

TASK9_AVAILABLE_IN_ALL
gboolean  task9_monitor_start             (GError    **error);
TASK9_AVAILABLE_IN_ALL
void      task9_monitor_stop              (void);
TASK9_AVAILABLE_IN_ALL
char     *task9_monitor_dup_path          (void);
TASK9_AVAILABLE_IN_ALL
char     *task9_monitor_path_for_pid      (GPid        pid,
                                           GError    **error);

G_END_DECLS
