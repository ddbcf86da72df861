/* task9-signal-private.h: what the tests see of the signal routes (see task9-signal.c)
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

guint   task9_signal_get_n_subscribers (int signum);
guint64 task9_signal_get_n_deliveries  (int signum);
gboolean task9_signal_is_routed        (int signum);

G_END_DECLS
