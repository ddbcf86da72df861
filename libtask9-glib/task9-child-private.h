/* task9-child-private.h: what the tests see of the child watches (see task9-child.c)
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

guint    task9_child_get_n_records  (void);
guint    task9_child_get_n_watchers (GPid pid);
gboolean task9_child_has_exited     (GPid pid);

G_END_DECLS
