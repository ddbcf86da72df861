/* task9-service-private.h: the library's service thread (see task9-service.c)
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

GMainContext *task9_service_get_context (void);

G_END_DECLS
