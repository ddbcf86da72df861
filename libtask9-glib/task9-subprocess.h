/* task9-subprocess.h: a GSubprocess's exit and output, for tasks
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

TASK9_AVAILABLE_IN_ALL
Task9Channel *task9_subprocess_wait_channel (GSubprocess   *subprocess);
TASK9_AVAILABLE_IN_ALL
gssize        task9_input_stream_read       (GInputStream  *stream,
                                             void          *buffer,
                                             gsize          count,
                                             GTimeSpan      timeout,
                                             GCancellable  *cancellable,
                                             GError       **error);

G_END_DECLS
