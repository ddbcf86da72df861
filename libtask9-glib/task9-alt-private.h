/* task9-alt-private.h: what Task9Alt (task9-alt-object.c) needs of the alt algorithm
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "task9-alt.h"
#include "task9-async-private.h"

G_BEGIN_DECLS

/* @arms has no NOP arm. */
gint task9_alt_begin_async (Task9AltArm  *arms,
                            guint         n_arms,
                            Task9AsyncOp *op);

G_END_DECLS
