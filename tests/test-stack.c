/* test-stack.c: task stacks: sizes, overflow reports, guard pages and their budget
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Overflows kill the process, so they run in child processes (g_test_trap_subprocess);
 * the parent checks that the child died and what it said. Linked with the internal
 * library to reach task9_stack_set_guard_budget() (unguarded stacks).
 */

#include <stdio.h>

#include "test-util.h"
#include "task9-stack-private.h"

#if TEST_UNDER_ASAN
# include <sanitizer/asan_interface.h>
#endif

static Task9Proc *
child_proc (void)
{
  return test_proc_new ("overflow-proc");
}

/* Recurses without bound (or to @limit frames), 1 KiB a frame; yields every @yield_every
 * frames (0: never) so the scheduler gets to look at the stack pointer. */
static TEST_NOINLINE guint64
runaway (guint depth, guint limit, guint yield_every)
{
  volatile guint8 frame[1024];
  guint64 sum = 0;

  for (guint i = 0; i < sizeof frame; i += 64)
    frame[i] = (guint8) (depth + i);
  if (yield_every != 0 && depth % yield_every == 0)
    task9_yield ();
  if (limit == 0 || depth < limit)
    sum = runaway (depth + 1, limit, yield_every);
  for (guint i = 0; i < sizeof frame; i += 64)
    sum += frame[i];
  return sum;
}

static gpointer
runaway_task (gpointer data, GError **error)
{
  runaway (0, 0, GPOINTER_TO_UINT (data));
  return NULL;
}

/* ---- guarded stacks -------------------------------------------------------------- */

/* In a child, a task named @name with a @stack_size stack (0: the default) recurses
 * without bound; the parent checks that the child died. */
static void
overflow_in_child (const char *name, gsize stack_size)
{
  if (g_test_subprocess ())
    {
      Task9Task *task = test_spawn_sized (child_proc (), name, stack_size, runaway_task, NULL);

      task9_task_join (task, -1, NULL);
      g_assert_not_reached ();
    }
  test_run_child ();
  g_test_trap_assert_failed ();
}

static void
test_stack_overflow_guarded (void)
{
  overflow_in_child ("runaway", 16 * 1024);
  g_test_trap_assert_stderr ("*stack overflow in task 'runaway'*");
  g_test_trap_assert_stderr ("*16384*");
}

/* The default stack size, overflowed. */
static void
test_stack_overflow_guarded_default_size (void)
{
  overflow_in_child ("deep-runaway", 0);
  g_test_trap_assert_stderr ("*stack overflow in task 'deep-runaway'*");
  g_test_trap_assert_stderr ("*262144*");
}

static void
test_stack_overflow_unnamed (void)
{
  overflow_in_child (NULL, 16 * 1024);
  g_test_trap_assert_stderr ("*stack overflow in task*");
}

/* ---- unguarded stacks -------------------------------------------------------------- */

/* Runs over the bottom of an unguarded 16 KiB stack, into the cushion's stack below. */
static gpointer
unguarded_runaway_task (gpointer data, GError **error)
{
#if TEST_UNDER_ASAN
  /* The cushion's parked frames left ASan redzones in the memory we overflow into, and
   * ASan would report our writes there before the library gets to: clear them. The range
   * starts a little inside our own (still unused) stack bottom, as we only know where our
   * stack ends to within a few hundred bytes. */
  guint8 here;
  guint8 *approx_lo = &here - 16 * 1024;

  ASAN_UNPOISON_MEMORY_REGION (approx_lo - 64 * 1024, 64 * 1024 + 4096);
#endif
  runaway (0, 0, 2);
  return NULL;
}

/* Guard pages cost mappings, so beyond a budget stacks have none; then the scheduler
 * checks the stack pointer at each switch. The overflowing task writes a few KiB below
 * its stack into the cushion's stack (carved just below it) and then yields. */
static void
test_stack_overflow_unguarded (void)
{
  if (g_test_subprocess ())
    {
      Task9Proc *proc;
      Task9Task *task;

      task9_stack_set_guard_budget (0);
      proc = child_proc ();
      test_spawn_sized (proc, "cushion", 256 * 1024, test_sleep_forever_task, NULL);
      task = test_spawn_sized (proc, "unguarded-runaway", 16 * 1024, unguarded_runaway_task,
                               NULL);
      task9_task_join (task, -1, NULL);
      g_assert_not_reached ();
    }
  test_run_child ();
  g_test_trap_assert_failed ();
  g_test_trap_assert_stderr ("*stack overflow in task 'unguarded-runaway'*");
  g_test_trap_assert_stderr ("*16384*");
}

/* Beyond the guard budget, tasks still run normally on unguarded stacks. */
typedef struct
{
  gint parked;
  gint done;
} MixState;

#define N_MIX 40

static gpointer
herald_task (gpointer data, GError **error)
{
  MixState *state = data;

  while (g_atomic_int_get (&state->parked) < N_MIX)
    task9_yield ();
  return NULL;
}

static gpointer
mix_task (gpointer data, GError **error)
{
  MixState *state = data;
  GError *local = NULL;

  runaway (0, 8, 4);   /* 8 KiB deep, with switches on the way */
  g_atomic_int_inc (&state->parked);
  if (!task9_sleep (G_MAXINT64, &local))
    g_clear_error (&local);
  runaway (0, 8, 4);
  g_atomic_int_inc (&state->done);
  return NULL;
}

static void
test_stack_guard_budget (void)
{
  if (g_test_subprocess ())
    {
      Task9Proc *proc;
      MixState state = { 0, 0 };
      Task9Task *tasks[N_MIX];

      task9_stack_set_guard_budget (10);   /* the first 10 stacks have guards */
      proc = child_proc ();
      for (guint i = 0; i < G_N_ELEMENTS (tasks); i++)
        tasks[i] = test_spawn_sized (proc, "mix", 64 * 1024, mix_task, &state);
      /* All of them parked at once, on guarded and unguarded stacks; then wake them. */
      test_join_ok (test_spawn_on (proc, "herald", herald_task, &state));
      for (guint i = 0; i < G_N_ELEMENTS (tasks); i++)
        task9_task_cancel (tasks[i]);
      for (guint i = 0; i < G_N_ELEMENTS (tasks); i++)
        test_join_ok (tasks[i]);
      g_assert_cmpint (state.done, ==, G_N_ELEMENTS (tasks));
      test_proc_finish (proc);
      return;
    }
  test_run_child ();
  g_test_trap_assert_passed ();
}

/* ---- sizes ------------------------------------------------------------------------- */

typedef struct
{
  gsize  size;
  gsize  used;
  guint  depth;
} UseState;

static gpointer
use_stack_task (gpointer data, GError **error)
{
  UseState *state = data;

  state->size = task9_task_get_stack_size (task9_task_self ());
  runaway (0, state->depth, 64);
  state->used = state->depth * 1024;
  return NULL;
}

/* A big stack can be used to its depth; a small one within its size. */
static void
test_stack_custom_sizes_used (void)
{
  Task9Proc *proc = test_proc_new ("sizes");
  /* 1 KiB frames (a bit more with ASan's redzones), well within the sizes. */
  UseState big = { 0, 0, 700 }, small = { 0, 0, 10 };
  Task9Task *a = test_spawn_sized (proc, "big", 1024 * 1024, use_stack_task, &big);
  Task9Task *b = test_spawn_sized (proc, "small", 16 * 1024, use_stack_task, &small);

  test_join_ok (a);
  test_join_ok (b);
  g_assert_cmpuint (big.size, ==, 1024 * 1024);
  g_assert_cmpuint (small.size, ==, 16 * 1024);

  /* The proc's default, set before spawning. */
  task9_proc_set_stack_size (proc, 2 * 1024 * 1024);
  big = (UseState) { 0, 0, 1500 };
  test_join_ok (test_spawn_on (proc, "proc-default", use_stack_task, &big));
  g_assert_cmpuint (big.size, ==, 2 * 1024 * 1024);

  test_proc_finish (proc);
}

/* Sizes too large for any mapping fail with an error; they never crash or abort. */
static void
check_huge_size (gsize size)
{
  Task9Proc *proc = test_proc_new ("huge");
  GError *error = NULL;
  Task9Task *task = task9_task_spawn_full (proc, "huge", size, test_return_data_task, NULL,
                                           NULL, &error);

  if (task != NULL)
    {
      /* If it was granted, it must be real: the task runs. */
      g_assert_no_error (error);
      test_join_ok (task);
    }
  else
    g_assert_error (error, TASK9_ERROR, TASK9_ERROR_NO_RESOURCES);
  g_clear_error (&error);
  test_proc_finish (proc);
}

static void
test_stack_huge_size (void)
{
  if (g_test_subprocess ())
    {
      check_huge_size ((gsize) 1 << 46);     /* 64 TiB: more than the address space allows */
      check_huge_size ((gsize) 1 << 59);     /* 64 times this overflows a gsize */
      check_huge_size (G_MAXSIZE / 2);       /* the largest size spawn_full accepts */
      printf ("huge sizes handled\n");
      return;
    }
  test_run_child ();
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout ("*huge sizes handled*");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/stack/overflow-guarded", test_stack_overflow_guarded);
  g_test_add_func ("/stack/overflow-guarded-default-size", test_stack_overflow_guarded_default_size);
  g_test_add_func ("/stack/overflow-unnamed", test_stack_overflow_unnamed);
  g_test_add_func ("/stack/overflow-unguarded", test_stack_overflow_unguarded);
  g_test_add_func ("/stack/guard-budget", test_stack_guard_budget);
  g_test_add_func ("/stack/custom-sizes-used", test_stack_custom_sizes_used);
  g_test_add_func ("/stack/huge-size", test_stack_huge_size);

  return g_test_run ();
}
