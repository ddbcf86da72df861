/* c-echo-task.c: a stackful C task for the binding tests, loaded with ctypes
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Bindings cannot spawn a stackful task (its body must be C), so the Python test loads
 * this module and calls task9_test_spawn_c_echo() to put a real C task at the other
 * end of a channel a tasklet uses: it receives ints on @in with the blocking typed
 * calls and sends each times ten on @out, until @in is closed; then it closes @out.
 */

#include <task9.h>

typedef struct
{
  Task9Channel *in;
  Task9Channel *out;
} Echo;

static void
echo_free (gpointer data)
{
  Echo *echo = data;

  g_object_unref (echo->in);
  g_object_unref (echo->out);
  g_free (echo);
}

static gpointer
echo_body (gpointer data, GError **error)
{
  Echo *echo = data;
  g_autoptr(GError) local = NULL;
  GValue v = G_VALUE_INIT;

  while (task9_channel_recv_value (echo->in, &v, &local))
    {
      g_value_set_int (&v, g_value_get_int (&v) * 10);
      if (!task9_channel_send_value (echo->out, &v, error))
        {
          g_value_unset (&v);
          return NULL;
        }
      g_value_unset (&v);
    }
  task9_channel_close (echo->out);
  return g_error_matches (local, TASK9_ERROR, TASK9_ERROR_CLOSED) ? GINT_TO_POINTER (1) : NULL;
}

/* Spawns the echo task on the calling thread's proc (the main proc in the test) and
 * returns its id, or 0. */
G_MODULE_EXPORT guint64 task9_test_spawn_c_echo (Task9Channel *in, Task9Channel *out);

G_MODULE_EXPORT guint64
task9_test_spawn_c_echo (Task9Channel *in,
                         Task9Channel *out)
{
  Echo *echo = g_new0 (Echo, 1);
  g_autoptr(Task9Task) task = NULL;

  echo->in = g_object_ref (in);
  echo->out = g_object_ref (out);
  task = task9_task_spawn ("c-echo", echo_body, echo, echo_free, NULL);
  return task != NULL ? task9_task_get_id (task) : 0;
}
