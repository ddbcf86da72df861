/* test-million.c: a million parked tasks on default kernel settings
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * DESIGN.md: "The library must scale to a million parked tasks on default kernel settings
 * (vm.max_map_count 65530) and must never abort where it can return an error." One proc
 * spawns 1,000,000 tasks with the default stack size (256 KiB of address space each, a
 * page or two committed); each parks joining a gate task; then the gate opens and all of
 * them finish. Suite 'slow', and not built with sanitizers (see meson.build).
 *
 * Set TASK9_MILLION_N to run another count.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test-util.h"

typedef struct
{
  guint      n;
  Task9Task *gate;
  guint      parked;      /* all on one proc: no atomics needed */
  guint      finished;
  guint      join_errors;
  gint64     t_spawned;
  gint64     t_parked;
  gint64     t_finished;
  gint64     rss_kib;     /* at the peak, everybody parked */
  guint      n_maps;
} Million;

static gpointer
parker_task (gpointer data, GError **error)
{
  Million *m = data;
  GError *local = NULL;

  m->parked++;
  if (task9_task_join (m->gate, -1, &local) != m || local != NULL)
    m->join_errors++;
  g_clear_error (&local);
  m->finished++;
  return NULL;
}

static gint64
read_status_kib (const char *key)
{
  g_autofree char *contents = NULL;
  const char *line;

  if (!g_file_get_contents ("/proc/self/status", &contents, NULL, NULL))
    return -1;
  line = strstr (contents, key);
  if (line == NULL)
    return -1;
  return g_ascii_strtoll (line + strlen (key), NULL, 10);
}

static guint
count_maps (void)
{
  g_autofree char *contents = NULL;
  guint n = 0;

  if (!g_file_get_contents ("/proc/self/maps", &contents, NULL, NULL))
    return 0;
  for (const char *p = contents; *p; p++)
    n += *p == '\n';
  return n;
}

static gpointer
spawner_task (gpointer data, GError **error)
{
  Million *m = data;
  Task9Proc *proc = task9_proc_get_current ();
  gint64 start = g_get_monotonic_time ();

  m->gate = test_spawn ("gate", test_gate_task, m);
  for (guint i = 0; i < m->n; i++)
    {
      Task9Task *task = task9_task_spawn (NULL, parker_task, m, NULL, error);

      if (task == NULL)
        {
          g_prefix_error (error, "spawning task %u: ", i);
          return NULL;
        }
      task9_task_unref (task);
      /* Let them park as we go, so the main loop keeps turning. */
      if ((i & 4095) == 4095)
        task9_yield ();
    }
  m->t_spawned = g_get_monotonic_time () - start;

  while (m->parked < m->n)
    task9_yield ();
  m->t_parked = g_get_monotonic_time () - start;

  /* Everybody is parked at once now. */
  g_assert_cmpuint (task9_proc_get_n_tasks (proc), ==, m->n + 2);
  g_assert_cmpint (task9_task_get_state (m->gate), ==, TASK9_TASK_STATE_BLOCKED);
  m->rss_kib = read_status_kib ("VmRSS:");
  m->n_maps = count_maps ();

  task9_task_cancel (m->gate);
  while (m->finished < m->n)
    task9_yield ();
  m->t_finished = g_get_monotonic_time () - start;

  task9_task_join (m->gate, -1, error);
  task9_task_unref (m->gate);
  return NULL;
}

static void
test_million_parked (void)
{
  Million m = { 0 };
  const char *env = g_getenv ("TASK9_MILLION_N");
  Task9Proc *proc = test_proc_new ("million");
  Task9Task *spawner;
  GError *error = NULL;

  m.n = env != NULL ? (guint) g_ascii_strtoull (env, NULL, 10) : 1000000;
  {
    g_autofree char *max_maps = NULL;

    if (g_file_get_contents ("/proc/sys/vm/max_map_count", &max_maps, NULL, NULL))
      g_test_message ("vm.max_map_count = %s", g_strstrip (max_maps));
  }

  spawner = test_spawn_on (proc, "spawner", spawner_task, &m);
  task9_task_join (spawner, -1, &error);
  g_assert_no_error (error);
  task9_task_unref (spawner);

  g_test_message ("%u tasks: spawned in %.2f s, all parked at %.2f s, all finished at %.2f s; "
                  "RSS while parked %.0f MiB (%.1f KiB a task), %u mappings",
                  m.n, m.t_spawned / 1e6, m.t_parked / 1e6, m.t_finished / 1e6,
                  m.rss_kib / 1024.0, (double) m.rss_kib / m.n, m.n_maps);

  g_assert_cmpuint (m.parked, ==, m.n);
  g_assert_cmpuint (m.finished, ==, m.n);
  g_assert_cmpuint (m.join_errors, ==, 0);
  g_assert_cmpuint (task9_proc_get_n_tasks (proc), ==, 0);
  /* A page or two of stack and a task record each, not the whole 256 KiB. */
  g_assert_cmpint (m.rss_kib, <, (gint64) m.n * 16);
  g_assert_cmpuint (m.n_maps, <, 65530);

  test_proc_finish (proc);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/million/parked", test_million_parked);

  return g_test_run ();
}
