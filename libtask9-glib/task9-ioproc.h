/* task9-ioproc.h: a thread of its own for blocking calls, one at a time
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(TASK9_INSIDE) && !defined(TASK9_COMPILATION)
# error "Only <task9.h> can be included directly."
#endif

#include <gio/gio.h>

#include "task9-offload.h"
#include "task9-version-macros.h"

G_BEGIN_DECLS

#define TASK9_TYPE_IOPROC (task9_ioproc_get_type ())

TASK9_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (Task9IOProc, task9_ioproc, TASK9, IOPROC, GObject)

TASK9_AVAILABLE_IN_ALL
Task9IOProc *task9_ioproc_new          (const char           *name,
                                        GError              **error);
TASK9_AVAILABLE_IN_ALL
const char  *task9_ioproc_get_name     (Task9IOProc          *io);
TASK9_AVAILABLE_IN_ALL
gpointer     task9_ioproc_call         (Task9IOProc          *io,
                                        Task9ThreadFunc       func,
                                        gpointer              data,
                                        GDestroyNotify        data_destroy,
                                        GDestroyNotify        result_destroy,
                                        GTimeSpan             timeout,
                                        GCancellable         *cancellable,
                                        GError              **error);
TASK9_AVAILABLE_IN_ALL
void         task9_ioproc_call_async   (Task9IOProc          *io,
                                        Task9ThreadFunc       func,
                                        gpointer              data,
                                        GDestroyNotify        data_destroy,
                                        GDestroyNotify        result_destroy,
                                        GCancellable         *cancellable,
                                        GAsyncReadyCallback   callback,
                                        gpointer              user_data);
TASK9_AVAILABLE_IN_ALL
gpointer     task9_ioproc_call_finish  (Task9IOProc          *io,
                                        GAsyncResult         *result,
                                        GError              **error);
TASK9_AVAILABLE_IN_ALL
void         task9_ioproc_interrupt    (Task9IOProc          *io);
TASK9_AVAILABLE_IN_ALL
void         task9_ioproc_close        (Task9IOProc          *io);
TASK9_AVAILABLE_IN_ALL
gboolean     task9_ioproc_is_closed    (Task9IOProc          *io);
TASK9_AVAILABLE_IN_ALL
int          task9_ioproc_get_interrupt_signal (void);

G_END_DECLS
