/* task9-alt.h: waiting on several channel operations at once
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(TASK9_INSIDE) && !defined(TASK9_COMPILATION)
# error "Only <task9.h> can be included directly."
#endif

#include <gio/gio.h>

#include "task9-channel.h"
#include "task9-types.h"
#include "task9-version-macros.h"

G_BEGIN_DECLS

/**
 * Task9AltOp:
 * @TASK9_ALT_SEND: send the element at the arm's value
 * @TASK9_ALT_RECV: receive into the arm's value (may be %NULL to discard)
 * @TASK9_ALT_NOP: an arm that never fires (libthread's CHANNOP), to switch one off
 *
 * What an arm of an alt does.
 *
 * Since: 0.1
 */
typedef enum /*< underscore_name=task9_alt_op >*/ {
  TASK9_ALT_SEND,
  TASK9_ALT_RECV,
  TASK9_ALT_NOP,
} Task9AltOp;

/**
 * Task9AltArm:
 * @channel: the channel
 * @op: what to do on it
 * @value: where the element to send is, or where the received one goes
 * @closed: set by [func@Task9.alt] when this arm fired because the channel is closed
 *
 * One operation of a [func@Task9.alt], like libthread's `Alt`. The array of arms lives
 * with the caller, so an alt allocates nothing.
 *
 * Since: 0.1
 */
typedef struct {
  Task9Channel *channel;
  Task9AltOp    op;
  gpointer      value;
  gboolean      closed;
} Task9AltArm;

TASK9_AVAILABLE_IN_ALL
gint task9_alt (Task9AltArm   *arms,
                guint          n_arms,
                GTimeSpan      timeout,
                GCancellable  *cancellable,
                GError       **error);

#define TASK9_TYPE_ALT (task9_alt_get_type ())

TASK9_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (Task9Alt, task9_alt, TASK9, ALT, GObject)

TASK9_AVAILABLE_IN_ALL
Task9Alt *task9_alt_new           (void);
TASK9_AVAILABLE_IN_ALL
guint     task9_alt_add_send      (Task9Alt             *alt,
                                   Task9Channel         *channel,
                                   const GValue         *value);
TASK9_AVAILABLE_IN_ALL
guint     task9_alt_add_recv      (Task9Alt             *alt,
                                   Task9Channel         *channel);
TASK9_AVAILABLE_IN_ALL
guint     task9_alt_get_n_arms    (Task9Alt             *alt);
TASK9_AVAILABLE_IN_ALL
gint      task9_alt_select        (Task9Alt             *alt,
                                   GTimeSpan             timeout,
                                   GCancellable         *cancellable,
                                   GError              **error);
TASK9_AVAILABLE_IN_ALL
void      task9_alt_select_async  (Task9Alt             *alt,
                                   GCancellable         *cancellable,
                                   GAsyncReadyCallback   callback,
                                   gpointer              user_data);
TASK9_AVAILABLE_IN_ALL
gint      task9_alt_select_finish (Task9Alt             *alt,
                                   GAsyncResult         *result,
                                   GError              **error);
TASK9_AVAILABLE_IN_ALL
gboolean  task9_alt_get_closed    (Task9Alt             *alt,
                                   guint                 arm);
TASK9_AVAILABLE_IN_ALL
gboolean  task9_alt_take_value    (Task9Alt             *alt,
                                   guint                 arm,
                                   GValue               *value);

G_END_DECLS
