/* task9-error.c: the library's error domain
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "task9-config.h"

#include "task9-error.h"

/**
 * task9_error_quark:
 *
 * Returns the quark of the [error@Task9.Error] domain; use `TASK9_ERROR`.
 *
 * Returns: the quark
 *
 * Since: 0.1
 */
G_DEFINE_QUARK (task9-error-quark, task9_error)
