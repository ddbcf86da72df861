/* task9-emission-private.h: making emissions (see task9-emission.c)
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "task9-channel-private.h"
#include "task9-emission.h"

G_BEGIN_DECLS

Task9Emission *task9_emission_new   (GObject       *instance,
                                     guint          signal_id,
                                     GQuark         detail,
                                     guint          n_values,
                                     const GValue  *values);
void           task9_emission_offer (Task9Channel  *channel,
                                     Task9Emission *emission);

G_END_DECLS
