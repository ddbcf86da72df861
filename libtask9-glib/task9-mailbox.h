/* task9-mailbox.h: every task's mailbox of named messages
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
gboolean task9_task_send_message     (Task9Task           *task,
                                      const char          *name,
                                      const GValue        *value,
                                      GError             **error);
TASK9_AVAILABLE_IN_ALL
guint    task9_task_get_n_messages   (Task9Task           *task);
TASK9_AVAILABLE_IN_ALL
gboolean task9_receive_message       (const char * const  *names,
                                      GTimeSpan            timeout,
                                      GCancellable        *cancellable,
                                      char               **name_out,
                                      GValue              *value_out,
                                      GError             **error);
TASK9_AVAILABLE_IN_ALL
guint    task9_discard_messages      (const char * const  *names);
TASK9_AVAILABLE_IN_ALL
void     task9_task_receive_message_async  (Task9Task           *task,
                                            const char * const  *names,
                                            GCancellable        *cancellable,
                                            GAsyncReadyCallback  callback,
                                            gpointer             user_data);
TASK9_AVAILABLE_IN_ALL
gboolean task9_task_receive_message_finish (Task9Task           *task,
                                            GAsyncResult        *result,
                                            char               **name_out,
                                            GValue             **value_out,
                                            GError             **error);

G_END_DECLS
