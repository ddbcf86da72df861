/* task9.h: the one header users of libtask9-glib include
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#define TASK9_INSIDE
# include "task9-version-macros.h"
# include "task9-types.h"
# include "task9-error.h"
# include "task9-enum-types.h"
# include "task9-proc.h"
# include "task9-task.h"
# include "task9-external-task.h"
# include "task9-group.h"
# include "task9-task-table.h"
# include "task9-debug.h"
# include "task9-channel.h"
# include "task9-alt.h"
# include "task9-sleep.h"
# include "task9-signal.h"
# include "task9-child.h"
# include "task9-subprocess.h"
# include "task9-fd.h"
# include "task9-socket.h"
# include "task9-gio.h"
# include "task9-main.h"
# include "task9-emission.h"
# include "task9-object-signal.h"
# include "task9-idle.h"
# include "task9-cancellable-channel.h"
# include "task9-task-end.h"
# include "task9-callback.h"
# include "task9-mailbox.h"
# include "task9-event.h"
# include "task9-semaphore.h"
# include "task9-queue.h"
# include "task9-offload.h"
# include "task9-ioproc.h"
# include "task9-lock.h"
# include "task9-rw-lock.h"
# include "task9-cond.h"
#undef TASK9_INSIDE
