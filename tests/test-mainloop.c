/* test-mainloop.c: the main proc on a plain GMainLoop, side by side with other sources
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The test thread owns the default main context and is adopted as the main proc: tasks
 * spawned on task9_proc_get_main() run from g_main_loop_run(), interleaved with timeouts,
 * idles and fd watches. A busy-yielding task must never starve them (libtask's bug): those
 * tests simply complete, or hang until meson's timeout.
 */

#include <glib-unix.h>
#include <string.h>
#include <unistd.h>

#include "test-util.h"

typedef struct
{
  GMainLoop *loop;
  GString   *log;
  gint       flag;
  guint      count;
  guint      limit;
  gint64     start;
  guint64    yields;
} LoopState;

static LoopState *
loop_state_new (void)
{
  LoopState *state = g_new0 (LoopState, 1);

  state->loop = g_main_loop_new (NULL, FALSE);
  state->log = g_string_new (NULL);
  state->start = g_get_monotonic_time ();
  return state;
}

static void
loop_state_free (LoopState *state)
{
  g_main_loop_unref (state->loop);
  g_string_free (state->log, TRUE);
  g_free (state);
}

static Task9Task *
spawn_main (const char *name, Task9TaskFunc func, gpointer data)
{
  return test_spawn_on (task9_proc_get_main (), name, func, data);
}

/* ---- interleaving with a timeout and an idle --------------------------------------- */

static gpointer
logging_task (gpointer data, GError **error)
{
  LoopState *state = data;

  g_assert_true (task9_proc_is_main (task9_proc_get_current ()));
  g_assert_true (task9_proc_get_current () == task9_proc_get_main ());
  for (guint i = 0; i < 10; i++)
    {
      g_string_append_c (state->log, 'T');
      if (!task9_sleep (3 * G_TIME_SPAN_MILLISECOND, error))
        return NULL;
    }
  g_string_append_c (state->log, 'Q');
  g_main_loop_quit (state->loop);
  return GINT_TO_POINTER (1);
}

static gboolean
log_timeout (gpointer data)
{
  LoopState *state = data;

  g_assert_false (task9_in_task ());
  g_string_append_c (state->log, 'S');
  return G_SOURCE_CONTINUE;
}

static gboolean
log_idle (gpointer data)
{
  LoopState *state = data;

  g_string_append_c (state->log, 'I');
  return G_SOURCE_REMOVE;
}

static void
test_mainloop_interleave (void)
{
  LoopState *state = loop_state_new ();
  Task9Task *task = spawn_main ("logger", logging_task, state);
  guint timeout_id = g_timeout_add (2, log_timeout, state);
  const char *log;
  const char *first_t, *last_t;
  gboolean s_between = FALSE;

  g_idle_add (log_idle, state);
  g_main_loop_run (state->loop);
  g_source_remove (timeout_id);

  /* The task ended in the same dispatch that quit the loop. */
  g_assert_true (task9_task_is_finished (task));
  task9_task_unref (task);

  log = state->log->str;
  g_test_message ("log: %s", log);
  {
    guint n_t = 0;

    for (const char *p = log; *p; p++)
      n_t += *p == 'T';
    g_assert_cmpuint (n_t, ==, 10);
  }
  first_t = strchr (log, 'T');
  last_t = strrchr (log, 'T');
  g_assert_nonnull (first_t);
  for (const char *p = first_t; p < last_t; p++)
    if (*p == 'S')
      s_between = TRUE;
  g_assert_true (s_between);
  g_assert_nonnull (strchr (log, 'I'));
  g_assert_nonnull (strchr (log, 'Q'));
  loop_state_free (state);
}

/* ---- a busy-yielding task does not starve other sources ------------------------------ */

static gpointer
busy_yield_task (gpointer data, GError **error)
{
  LoopState *state = data;
  guint64 yields = 0;

  while (!g_atomic_int_get (&state->flag))
    {
      task9_yield ();
      yields++;
    }
  state->yields += yields;
  g_main_loop_quit (state->loop);
  return NULL;
}

static gboolean
count_to_limit (gpointer data)
{
  LoopState *state = data;

  if (++state->count < state->limit)
    return G_SOURCE_CONTINUE;
  g_atomic_int_set (&state->flag, TRUE);
  return G_SOURCE_REMOVE;
}

static void
test_mainloop_busy_yield_vs_timeout (void)
{
  LoopState *state = loop_state_new ();
  Task9Task *task = spawn_main ("busy", busy_yield_task, state);
  gint64 elapsed;

  state->limit = 5;
  g_timeout_add (10, count_to_limit, state);
  g_main_loop_run (state->loop);
  elapsed = g_get_monotonic_time () - state->start;

  g_assert_cmpuint (state->count, ==, 5);
  g_assert_true (task9_task_is_finished (task));
  /* The task did run meanwhile: it was not starved either. */
  g_assert_cmpuint (state->yields, >, 0);
  /* Five 10 ms periods, with the task hogging the thread between them. */
  g_assert_cmpint (elapsed, >=, 50 * G_TIME_SPAN_MILLISECOND);
  g_assert_cmpint (elapsed, <, 50 * G_TIME_SPAN_MILLISECOND + 10 * test_late_slack ());
  task9_task_unref (task);
  loop_state_free (state);
}

static void
test_mainloop_busy_yield_vs_idle (void)
{
  LoopState *state = loop_state_new ();
  Task9Task *task = spawn_main ("busy", busy_yield_task, state);

  /* Idle sources have a lower priority than the scheduler: still they run. */
  state->limit = 20;
  g_idle_add (count_to_limit, state);
  g_main_loop_run (state->loop);

  g_assert_cmpuint (state->count, ==, 20);
  g_assert_true (task9_task_is_finished (task));
  task9_task_unref (task);
  loop_state_free (state);
}

static gboolean
low_priority_timeout (gpointer data)
{
  return count_to_limit (data);
}

static void
test_mainloop_busy_yield_vs_low_priority_timeout (void)
{
  LoopState *state = loop_state_new ();
  Task9Task *tasks[2] = {
    spawn_main ("busy-1", busy_yield_task, state),
    spawn_main ("busy-2", busy_yield_task, state),
  };

  state->limit = 3;
  g_timeout_add_full (G_PRIORITY_LOW, 5, low_priority_timeout, state, NULL);
  g_main_loop_run (state->loop);
  /* The first quit; let the second notice the flag and end too. */
  while (!task9_task_is_finished (tasks[0]) || !task9_task_is_finished (tasks[1]))
    g_main_context_iteration (NULL, TRUE);

  g_assert_cmpuint (state->count, ==, 3);
  task9_task_unref (tasks[0]);
  task9_task_unref (tasks[1]);
  loop_state_free (state);
}

typedef struct
{
  LoopState *state;
  int        fds[2];
  guint      reads;
} FdState;

static gboolean
fd_readable (gint fd, GIOCondition condition, gpointer data)
{
  FdState *fs = data;
  char c;

  g_assert_true (condition & G_IO_IN);
  g_assert_cmpint (read (fd, &c, 1), ==, 1);
  if (++fs->reads < 5)
    {
      g_assert_cmpint (write (fs->fds[1], "x", 1), ==, 1);
      return G_SOURCE_CONTINUE;
    }
  g_atomic_int_set (&fs->state->flag, TRUE);
  return G_SOURCE_REMOVE;
}

static void
test_mainloop_busy_yield_vs_fd (void)
{
  LoopState *state = loop_state_new ();
  FdState fs = { state, { -1, -1 }, 0 };
  GError *error = NULL;
  Task9Task *task;

  g_assert_true (g_unix_open_pipe (fs.fds, FD_CLOEXEC, &error));
  g_assert_no_error (error);
  task = spawn_main ("busy", busy_yield_task, state);
  g_unix_fd_add (fs.fds[0], G_IO_IN, fd_readable, &fs);
  g_assert_cmpint (write (fs.fds[1], "x", 1), ==, 1);
  g_main_loop_run (state->loop);

  g_assert_cmpuint (fs.reads, ==, 5);
  g_assert_true (task9_task_is_finished (task));
  task9_task_unref (task);
  close (fs.fds[0]);
  close (fs.fds[1]);
  loop_state_free (state);
}

/* ---- spawning from a callback, and waking from another proc ----------------------- */

static gpointer
quitting_task (gpointer data, GError **error)
{
  LoopState *state = data;

  g_string_append_c (state->log, 'T');
  g_main_loop_quit (state->loop);
  return NULL;
}

static gboolean
spawn_from_callback (gpointer data)
{
  LoopState *state = data;
  GError *error = NULL;
  /* Outside a task, on the main proc's thread: spawns on the main proc. */
  Task9Task *task = task9_task_spawn ("from-callback", quitting_task, state, NULL, &error);

  g_assert_no_error (error);
  g_assert_true (task9_task_get_proc (task) == task9_proc_get_main ());
  /* It does not run inside this callback. */
  g_string_append_c (state->log, 'C');
  task9_task_unref (task);
  return G_SOURCE_REMOVE;
}

static void
test_mainloop_spawn_from_callback (void)
{
  LoopState *state = loop_state_new ();

  g_timeout_add (1, spawn_from_callback, state);
  g_main_loop_run (state->loop);
  g_assert_cmpstr (state->log->str, ==, "CT");
  loop_state_free (state);
}

static gpointer
remote_task (gpointer data, GError **error)
{
  if (!task9_sleep (5 * G_TIME_SPAN_MILLISECOND, error))
    return NULL;
  return data;
}

static gpointer
cross_join_task (gpointer data, GError **error)
{
  LoopState *state = data;
  Task9Proc *other = test_proc_new ("other");
  int token;
  Task9Task *remote = test_spawn_on (other, "remote", remote_task, &token);
  gpointer result;

  /* The main loop sleeps in poll() meanwhile: the other proc's wake-up must reach it. */
  result = task9_task_join (remote, -1, error);
  g_assert_true (result == &token);
  task9_task_unref (remote);
  test_proc_finish (other);
  g_main_loop_quit (state->loop);
  return NULL;
}

static void
test_mainloop_woken_by_other_proc (void)
{
  LoopState *state = loop_state_new ();
  Task9Task *task = spawn_main ("cross", cross_join_task, state);

  g_main_loop_run (state->loop);
  g_assert_true (task9_task_is_finished (task));
  task9_task_unref (task);
  loop_state_free (state);
}

/* Driving the default context by hand instead of a GMainLoop. */
static gpointer
set_flag_task (gpointer data, GError **error)
{
  LoopState *state = data;

  task9_yield ();
  task9_sleep (G_TIME_SPAN_MILLISECOND, error);
  g_atomic_int_set (&state->flag, TRUE);
  return NULL;
}

static void
test_mainloop_iterate_by_hand (void)
{
  LoopState *state = loop_state_new ();
  Task9Task *tasks[5];

  for (guint i = 0; i < G_N_ELEMENTS (tasks); i++)
    tasks[i] = spawn_main ("flag", set_flag_task, state);
  test_iterate_until (NULL, &state->flag);
  for (guint i = 0; i < G_N_ELEMENTS (tasks); i++)
    {
      while (!task9_task_is_finished (tasks[i]))
        g_main_context_iteration (NULL, TRUE);
      task9_task_unref (tasks[i]);
    }
  g_assert_cmpuint (task9_proc_get_n_tasks (task9_proc_get_main ()), ==, 0);
  loop_state_free (state);
}

/* The main proc's thread, outside a task, may not block in a join. */
static void
test_mainloop_join_outside_task (void)
{
  LoopState *state = loop_state_new ();
  Task9Task *task = spawn_main ("flag", set_flag_task, state);
  GError *error = NULL;

  g_assert_true (task9_proc_get_current () == task9_proc_get_main ());
  g_assert_false (task9_in_task ());
  g_assert_null (task9_task_join (task, -1, &error));
  g_assert_error (error, TASK9_ERROR, TASK9_ERROR_NOT_IN_TASK);
  g_clear_error (&error);
  g_assert_null (task9_task_join (task, 10, &error));
  g_assert_error (error, TASK9_ERROR, TASK9_ERROR_NOT_IN_TASK);
  g_clear_error (&error);

  while (!task9_task_is_finished (task))
    g_main_context_iteration (NULL, TRUE);
  /* A finished task can be joined from anywhere, as nothing blocks: this is the only way
   * for code on the main proc outside a task (a GTK callback) to get its result. */
  task9_task_join (task, -1, &error);
  if (error != NULL)
    g_test_fail_printf ("joining a finished task on the main proc's thread outside a task "
                        "failed: %s", error->message);
  g_clear_error (&error);
  task9_task_unref (task);
  loop_state_free (state);
}

/* The main proc lives for ever: stopping it cancels its tasks but it goes on. */
static void
test_mainloop_stop_main_proc (void)
{
  Task9Proc *main_proc = task9_proc_get_main ();
  Task9Task *task = spawn_main ("victim", test_sleep_forever_task, NULL);
  Task9Task *after;
  LoopState *state = loop_state_new ();

  /* Let it park first. */
  while (task9_task_get_state (task) != TASK9_TASK_STATE_BLOCKED)
    g_main_context_iteration (NULL, TRUE);
  task9_proc_stop (main_proc);
  while (!task9_task_is_finished (task))
    g_main_context_iteration (NULL, TRUE);
  task9_task_unref (task);

  after = spawn_main ("after", set_flag_task, state);
  test_iterate_until (NULL, &state->flag);
  while (!task9_task_is_finished (after))
    g_main_context_iteration (NULL, TRUE);
  task9_task_unref (after);
  loop_state_free (state);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  /* Adopt this thread (the owner of the default context) as the main proc. */
  g_assert_true (task9_proc_get_current () == NULL);
  g_assert_true (task9_proc_is_main (task9_proc_get_main ()));
  g_assert_true (task9_proc_get_context (task9_proc_get_main ()) == g_main_context_default ());

  g_test_add_func ("/mainloop/interleave", test_mainloop_interleave);
  g_test_add_func ("/mainloop/busy-yield-vs-timeout", test_mainloop_busy_yield_vs_timeout);
  g_test_add_func ("/mainloop/busy-yield-vs-idle", test_mainloop_busy_yield_vs_idle);
  g_test_add_func ("/mainloop/busy-yield-vs-low-priority-timeout",
                   test_mainloop_busy_yield_vs_low_priority_timeout);
  g_test_add_func ("/mainloop/busy-yield-vs-fd", test_mainloop_busy_yield_vs_fd);
  g_test_add_func ("/mainloop/spawn-from-callback", test_mainloop_spawn_from_callback);
  g_test_add_func ("/mainloop/woken-by-other-proc", test_mainloop_woken_by_other_proc);
  g_test_add_func ("/mainloop/iterate-by-hand", test_mainloop_iterate_by_hand);
  g_test_add_func ("/mainloop/join-outside-task", test_mainloop_join_outside_task);
  g_test_add_func ("/mainloop/stop-main-proc", test_mainloop_stop_main_proc);

  return g_test_run ();
}
