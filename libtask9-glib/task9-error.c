/* task9-error.c: the library's error domain
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "task9-config.h"

#include "task9-error.h"

G_DEFINE_QUARK (task9-error-quark, task9_error)
