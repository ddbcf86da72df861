/* task9-error.h: the library's error domain
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(TASK9_INSIDE) && !defined(TASK9_COMPILATION)
# error "Only <task9.h> can be included directly."
#endif

#include "task9-version-macros.h"

G_BEGIN_DECLS

/**
 * TASK9_ERROR:
 *
 * The error domain of libtask9-glib. Errors in this domain are from the
 * [enum@Task9.Error] enumeration.
 *
 * Cancellation and timeouts are reported in the `G_IO_ERROR` domain, as
 * `G_IO_ERROR_CANCELLED` and `G_IO_ERROR_TIMED_OUT`, like the rest of GIO.
 *
 * Since: 0.1
 */
#define TASK9_ERROR (task9_error_quark ())

/**
 * Task9Error:
 * @TASK9_ERROR_FAILED: a generic failure.
 * @TASK9_ERROR_NOT_IN_TASK: a function that may only be called from a task
 *   was called from ordinary code.
 * @TASK9_ERROR_NO_RESOURCES: a stack or another resource could not be
 *   allocated (out of memory or out of memory mappings).
 * @TASK9_ERROR_CLOSED: the channel is closed.
 * @TASK9_ERROR_WOULD_BLOCK: a non-blocking operation could not complete at once.
 * @TASK9_ERROR_PROC_STOPPED: the proc was stopped and accepts no new tasks.
 * @TASK9_ERROR_DEADLOCK: waiting would never end, as every task is blocked.
 * @TASK9_ERROR_NOT_OWNER: a lock was released by a caller that does not hold it.
 * @TASK9_ERROR_OVERFLOW: a bounded count (a bounded semaphore's) would pass its bound.
 *
 * Error codes in the `TASK9_ERROR` domain.
 *
 * Since: 0.1
 */
typedef enum /*< underscore_name=task9_error >*/ {
  TASK9_ERROR_FAILED,
  TASK9_ERROR_NOT_IN_TASK,
  TASK9_ERROR_NO_RESOURCES,
  TASK9_ERROR_CLOSED,
  TASK9_ERROR_WOULD_BLOCK,
  TASK9_ERROR_PROC_STOPPED,
  TASK9_ERROR_DEADLOCK,
  TASK9_ERROR_NOT_OWNER,
  TASK9_ERROR_OVERFLOW,
} Task9Error;

TASK9_AVAILABLE_IN_ALL
GQuark task9_error_quark (void);

G_END_DECLS
