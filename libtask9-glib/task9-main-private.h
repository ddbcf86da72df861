/* task9-main-private.h: what the scheduler and procs tell task9_main()
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "task9-proc-private.h"

G_BEGIN_DECLS

gboolean task9_main_detecting (void);
gboolean task9_main_has_foreign_source (Task9Proc *proc);
void task9_main_set_idle      (Task9Proc *proc,
                               gboolean   idle,
                               gint       pokes,
                               gint       wakeup_fd);
void task9_main_proc_drained  (Task9Proc *proc);
void task9_main_external_begin (void);
void task9_main_external_end   (void);

G_END_DECLS
