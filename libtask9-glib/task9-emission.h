/* task9-emission.h: one call's arguments, as a wait condition delivers them
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(TASK9_INSIDE) && !defined(TASK9_COMPILATION)
# error "Only <task9.h> can be included directly."
#endif

#include <glib-object.h>

#include "task9-version-macros.h"

G_BEGIN_DECLS

#define TASK9_TYPE_EMISSION (task9_emission_get_type ())

TASK9_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (Task9Emission, task9_emission, TASK9, EMISSION, GObject)

TASK9_AVAILABLE_IN_ALL
guint          task9_emission_get_n_values    (Task9Emission *self);
TASK9_AVAILABLE_IN_ALL
const GValue  *task9_emission_get_value       (Task9Emission *self,
                                               guint          index);
TASK9_AVAILABLE_IN_ALL
GObject       *task9_emission_get_instance    (Task9Emission *self);
TASK9_AVAILABLE_IN_ALL
const char    *task9_emission_get_signal_name (Task9Emission *self);
TASK9_AVAILABLE_IN_ALL
const char    *task9_emission_get_detail      (Task9Emission *self);

G_END_DECLS
