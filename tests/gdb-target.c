/* gdb-target.c: a program for test-gdb.py to stop in gdb with a task blocked
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * It spawns "gdb-receiver", blocked in receive_here() on the channel "gdb-chan", waits
 * for it to block, records its id in gdb_receiver_id and calls gdb_stop_here(), where
 * gdb stops it; then it ends the task and exits 0.
 */

#include <task9.h>

volatile guint64 gdb_receiver_id;

__attribute__ ((noinline)) void gdb_stop_here (void);
__attribute__ ((noinline)) gboolean receive_here (Task9Channel *channel, GError **error);

void
gdb_stop_here (void)
{
  __asm__ volatile ("" ::: "memory");
}

gboolean
receive_here (Task9Channel  *channel,
              GError       **error)
{
  int value;
  gboolean ok = task9_channel_recv (channel, &value, error);

  __asm__ volatile ("" ::: "memory");   /* not a tail call: keep this frame */
  return ok;
}

static gpointer
receiver (gpointer  data,
          GError  **error)
{
  receive_here (data, error);
  return NULL;
}

int
main (void)
{
  Task9Proc *proc = task9_proc_new ("gdb-proc", NULL);
  Task9Channel *channel = task9_channel_new (sizeof (int), 0);
  Task9Task *task;

  task9_channel_set_name (channel, "gdb-chan");
  task = task9_task_spawn_full (proc, "gdb-receiver", 0, receiver, channel, NULL, NULL);
  while (task9_task_get_state (task) != TASK9_TASK_STATE_BLOCKED)
    g_thread_yield ();
  gdb_receiver_id = task9_task_get_id (task);
  gdb_stop_here ();

  task9_task_cancel (task);
  task9_task_join (task, -1, NULL);
  task9_task_unref (task);
  task9_proc_stop (proc);
  task9_proc_join (proc, NULL);
  task9_proc_unref (proc);
  g_object_unref (channel);
  return 0;
}
