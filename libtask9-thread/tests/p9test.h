/* p9test.h: checks for the Plan 9-style test programs of libtask9-thread
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Each test is a program with threadmain, linked the way pkg-config says. Checks count
 * themselves (from any proc); p9_finish() prints "N passed, N failed" and ends threadmain
 * with a failing status if any check failed. A test whose threads are left blocked ends
 * with task9_main()'s deadlock report (status 2), which fails it too. Nothing here sleeps
 * to wait for something: waits are on channels, or polls that yield.
 */

#pragma once

#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <task9/thread.h>

#if defined(HAVE_VALGRIND_H) && HAVE_VALGRIND_H
# include <valgrind/valgrind.h>
#else
# define RUNNING_ON_VALGRIND 0
#endif

static int p9_passed, p9_failed;

#define CHECK(cond) \
  G_STMT_START { \
    if (cond) \
      g_atomic_int_inc (&p9_passed); \
    else \
      { \
        g_atomic_int_inc (&p9_failed); \
        fprintf (stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
      } \
  } G_STMT_END

#define CHECK_EQ(a, b) \
  G_STMT_START { \
    long long _a = (long long) (a), _b = (long long) (b); \
    if (_a == _b) \
      g_atomic_int_inc (&p9_passed); \
    else \
      { \
        g_atomic_int_inc (&p9_failed); \
        fprintf (stderr, "%s:%d: check failed: %s == %s (%lld != %lld)\n", \
                 __FILE__, __LINE__, #a, #b, _a, _b); \
      } \
  } G_STMT_END

static inline int
p9_scale (int normal, int under_valgrind)
{
  return RUNNING_ON_VALGRIND ? under_valgrind : normal;
}

/* Lets others run; when nobody of this proc is ready, lets other OS threads run. */
static inline void
p9_pause (void)
{
  if (threadyield () == 0)
    sched_yield ();
}

static inline Task9Task *
p9_find_task (int id)
{
  GPtrArray *all = task9_task_list_all ();
  Task9Task *found = NULL;

  for (guint i = 0; i < all->len; i++)
    if ((int) task9_task_get_id (all->pdata[i]) == id)
      found = task9_task_ref (all->pdata[i]);
  g_ptr_array_unref (all);
  return found;
}

/* Polls until thread @id is blocked (suspended in some wait). */
static inline void
p9_wait_blocked (int id)
{
  for (;;)
    {
      Task9Task *task = p9_find_task (id);
      gboolean blocked = task != NULL && task9_task_get_state (task) == TASK9_TASK_STATE_BLOCKED;

      if (task != NULL)
        task9_task_unref (task);
      if (blocked)
        return;
      p9_pause ();
    }
}

/* Polls until thread @id has ended. */
static inline void
p9_wait_gone (int id)
{
  for (;;)
    {
      Task9Task *task = p9_find_task (id);

      if (task == NULL)
        return;
      task9_task_unref (task);
      p9_pause ();
    }
}

static inline void
p9_finish (void)
{
  int failed = g_atomic_int_get (&p9_failed);

  printf ("%d passed, %d failed\n", g_atomic_int_get (&p9_passed), failed);
  fflush (stdout);
  threadexits (failed ? "fail" : nil);
}
