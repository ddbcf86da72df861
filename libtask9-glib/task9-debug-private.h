/* task9-debug-private.h: internals shared by the backtrace, the dump and the monitor
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

#include "task9-types.h"

G_BEGIN_DECLS

#define TASK9_BACKTRACE_MAX_FRAMES 64

/* task9-backtrace.c: the return addresses of a suspended task, innermost first. */
gboolean task9_backtrace_collect (Task9Task  *task,
                                  gpointer   *pcs,
                                  guint      *n_pcs,
                                  GError    **error);
void     task9_backtrace_append  (GString    *out,
                                  gpointer   *pcs,
                                  guint       n_pcs);

/* task9-dump.c: the table the dump, the monitor's ps and the deadlock report print. */
void     task9_dump_append_table (GString    *out,
                                  GPtrArray  *infos);

/* task9-monitor.c: TASK9_MONITOR and TASK9_DUMP_ON_SIGQUIT, once per process, when
 * the first proc is made. */
void     task9_debug_init_from_env (void);

G_END_DECLS
