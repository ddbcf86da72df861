/* task9-sysprof.c: sysprof marks for task lifetimes and waits
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * See task9-sysprof-private.h. Invariants:
 * - Nothing here runs unless task9_sysprof_active, which is written once, before the
 *   first task is spawned (task9_debug_init_from_env(), when the first proc is made).
 * - Marks are sent from the thread where the event ended (the task's proc); the
 *   collector is per thread and thread-safe.
 * - No mark is longer than a capture frame may be: sysprof-capture (3.46) stores a
 *   frame's length in 16 bits and does not check it, so a longer message would wrap it
 *   and corrupt the rest of the thread's ring. Every name in a message is cut to
 *   TASK9_SYSPROF_MAX_FIELD bytes, at a UTF-8 character boundary.
 */

#include "task9-config.h"

#include <string.h>
#include <sysprof-capture.h>

#include "task9-sysprof-private.h"
#include "task9-task-private.h"

gboolean task9_sysprof_active;

/* How many bytes of @str go into a message: all of it up to TASK9_SYSPROF_MAX_FIELD, or
 * that much less the tail of a cut UTF-8 character. */
static int
field_length (const char *str)
{
  gsize length = strlen (str);

  if (length <= TASK9_SYSPROF_MAX_FIELD)
    return (int) length;
  length = TASK9_SYSPROF_MAX_FIELD;
  while (length > 0 && ((guchar) str[length] & 0xC0) == 0x80)
    length--;
  return (int) length;
}

void
task9_sysprof_init (void)
{
  task9_sysprof_active = sysprof_collector_is_active ();
}

gint64
task9_sysprof_now (void)
{
  return SYSPROF_CAPTURE_CURRENT_TIME;
}

void
task9_sysprof_task_ended (Task9Task *task)
{
  gint64 start = task->spawn_time;
  const char *name = task->name != NULL ? task->name : "-";
  const char *location = task->spawn_location != NULL ? task->spawn_location : "-";

  if (start == 0)
    return;
  sysprof_collector_mark_printf (start, SYSPROF_CAPTURE_CURRENT_TIME - start, "task9", "task",
                                 "task %" G_GUINT64_FORMAT " %.*s (%.*s)", task->id,
                                 field_length (name), name, field_length (location), location);
}

void
task9_sysprof_wait_ended (Task9Task  *task,
                          gint64      start,
                          const char *reason,
                          const char *object)
{
  const char *name = task->name != NULL ? task->name : "-";

  if (object == NULL)
    object = "-";
  sysprof_collector_mark_printf (start, SYSPROF_CAPTURE_CURRENT_TIME - start, "task9",
                                 reason != NULL ? reason : "wait",
                                 "task %" G_GUINT64_FORMAT " %.*s on %.*s", task->id,
                                 field_length (name), name, field_length (object), object);
}
