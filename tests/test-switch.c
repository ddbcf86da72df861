/* test-switch.c: what a context switch must preserve
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Callee-saved registers (many live integer and floating-point locals across yields,
 * compared with the same computation without yields), the FP control state per task
 * (rounding modes), deep recursion on a task stack, and errno per task.
 */

#include <errno.h>
#include <fenv.h>
#include <math.h>

#include "test-util.h"

/* ---- callee-saved registers -------------------------------------------------------- */

typedef guint (*BetweenFunc) (void);

static TEST_NOINLINE guint
no_yield (void)
{
  __asm__ __volatile__ ("" ::: "memory");
  return 0;
}

/* Keeps a dozen integers and eight doubles live across every call of @between, so with
 * optimisation they sit in callee-saved registers (and spill slots) across the switch. */
static TEST_NOINLINE guint64
compute (guint64     seed,
         guint       rounds,
         BetweenFunc between)
{
  guint64 a = seed, b = seed * 3 + 1, c = seed ^ 0x9e3779b97f4a7c15ULL, d = seed << 7;
  guint64 e = ~seed, f = seed * seed, g = seed + 12345, h = seed >> 3;
  guint64 i1 = seed * 7, i2 = seed * 11, i3 = seed * 13, i4 = seed * 17;
  double x0 = (double) (seed & 0xff) + 0.5, x1 = 1.25, x2 = 2.5, x3 = 3.75;
  double x4 = (double) (seed % 97), x5 = 0.125, x6 = 7.0, x7 = 1.0 / 3.0;
  guint64 acc = 0;

  for (guint r = 0; r < rounds; r++)
    {
      a += b ^ r; b = (b << 1) | (b >> 63); c ^= a + d; d += e * 3;
      e -= f; f ^= g >> 2; g += h | 1; h ^= i1; i1 += i2; i2 ^= i3; i3 += i4; i4 ^= a;
      x0 = x0 * 1.0001 + x1; x1 = x1 * 0.999 + x2 * 0.001; x2 += x3 * 0.5; x3 = x3 * 0.75 + x4;
      x4 = fmod (x4 + x5, 1000.0); x5 = x5 * 1.5 + 0.25; x6 = x6 * 0.5 + x7; x7 += 0.001;

      between ();

      acc += a + b + c + d + e + f + g + h + i1 + i2 + i3 + i4;
      acc ^= (guint64) fmod (x0 + x1 + x2 + x3 + x4 + x5 + x6 + x7, 1e15);
      x0 = fmod (x0, 1e6); x2 = fmod (x2, 1e6); x5 = fmod (x5, 1e6);
    }
  return acc;
}

static guint
yield_between (void)
{
  return task9_yield ();
}

#define N_REG_TASKS 8

typedef struct
{
  guint64 seed;
  guint   rounds;
  guint64 result;
} RegsJob;

static gpointer
regs_task (gpointer data, GError **error)
{
  RegsJob *job = data;

  job->result = compute (job->seed, job->rounds, yield_between);
  return NULL;
}

static void
test_switch_callee_saved (void)
{
  RegsJob jobs[N_REG_TASKS];
  guint rounds = test_scale (2000, 200);

  for (guint i = 0; i < N_REG_TASKS; i++)
    {
      jobs[i].seed = 0x1234567ULL * (i + 1);
      /* Different lengths, so the interleaving changes as tasks drop out. */
      jobs[i].rounds = rounds + i * 37;
      jobs[i].result = 0;
    }
  test_run_task_array (regs_task, "regs", jobs);

  for (guint i = 0; i < N_REG_TASKS; i++)
    g_assert_cmphex (jobs[i].result, ==, compute (jobs[i].seed, jobs[i].rounds, no_yield));
}

/* Tasks on two procs at once, so the switch also holds up against another thread. */
static void
test_switch_callee_saved_two_procs (void)
{
  Task9Proc *procs[2] = { test_proc_new ("regs-a"), test_proc_new ("regs-b") };
  RegsJob jobs[N_REG_TASKS];
  Task9Task *tasks[N_REG_TASKS];
  guint rounds = test_scale (2000, 200);
  GError *error = NULL;

  for (guint i = 0; i < N_REG_TASKS; i++)
    {
      jobs[i].seed = 0xabcdefULL * (i + 3);
      jobs[i].rounds = rounds + i * 11;
      tasks[i] = test_spawn_on (procs[i % 2], "regs", regs_task, &jobs[i]);
    }
  for (guint i = 0; i < N_REG_TASKS; i++)
    {
      task9_task_join (tasks[i], -1, &error);
      g_assert_no_error (error);
      task9_task_unref (tasks[i]);
      g_assert_cmphex (jobs[i].result, ==, compute (jobs[i].seed, jobs[i].rounds, no_yield));
    }
  test_proc_finish (procs[0]);
  test_proc_finish (procs[1]);
}

/* ---- FP control state ---------------------------------------------------------------- */

typedef struct
{
  int  mode;
  guint rounds;
  gint  ok;            /* rounds that saw the right mode */
  gint  arith_ok;      /* rounds whose arithmetic rounded the right way */
} RoundJob;

/* 1/3 rounded up is larger than rounded down; to nearest it equals the down value. */
static TEST_NOINLINE double
one_third (void)
{
  volatile double one = 1.0, three = 3.0;

  return one / three;
}

static gpointer
round_task (gpointer data, GError **error)
{
  RoundJob *job = data;
  int saved = fegetround ();
  double up, down;

  g_assert_cmpint (saved, ==, FE_TONEAREST);   /* a new task starts with the default */

  fesetround (FE_DOWNWARD);
  down = one_third ();
  fesetround (FE_UPWARD);
  up = one_third ();
  /* Valgrind keeps the mode (fegetround) but computes SSE arithmetic to nearest. */
  if (!test_is_slow_runtime ())
    g_assert_true (up > down);

  fesetround (job->mode);
  for (guint i = 0; i < job->rounds; i++)
    {
      double v;

      task9_yield ();
      if (fegetround () == job->mode)
        job->ok++;
      v = one_third ();
      if ((job->mode == FE_UPWARD && v == up) || (job->mode == FE_DOWNWARD && v == down))
        job->arith_ok++;
    }
  fesetround (saved);
  return NULL;
}

static gpointer
fresh_task (gpointer data, GError **error)
{
  /* Spawned while the other tasks run with other modes: starts with the default. */
  g_assert_cmpint (fegetround (), ==, FE_TONEAREST);
  task9_yield ();
  g_assert_cmpint (fegetround (), ==, FE_TONEAREST);
  return NULL;
}

static gpointer
round_body (gpointer data, GError **error)
{
  RoundJob *jobs = data;
  Task9Task *a = test_spawn ("upward", round_task, &jobs[0]);
  Task9Task *b = test_spawn ("downward", round_task, &jobs[1]);
  Task9Task *c;

  g_assert_cmpint (fegetround (), ==, FE_TONEAREST);
  task9_yield ();
  task9_yield ();
  /* a and b now run with their own modes; this task must still have the default. */
  g_assert_cmpint (fegetround (), ==, FE_TONEAREST);
  c = test_spawn ("fresh", fresh_task, NULL);

  fesetround (FE_TOWARDZERO);
  for (guint i = 0; i < 50; i++)
    {
      task9_yield ();
      g_assert_cmpint (fegetround (), ==, FE_TOWARDZERO);
    }
  fesetround (FE_TONEAREST);

  g_assert_null (task9_task_join (a, -1, error));
  g_assert_null (task9_task_join (b, -1, error));
  g_assert_null (task9_task_join (c, -1, error));
  task9_task_unref (a);
  task9_task_unref (b);
  task9_task_unref (c);
  return NULL;
}

static void
test_switch_fp_rounding (void)
{
  guint rounds = test_scale (1000, 100);
  RoundJob jobs[2] = {
    { FE_UPWARD, rounds, 0, 0 },
    { FE_DOWNWARD, rounds + 7, 0, 0 },
  };

  run_in_task_ok (round_body, jobs);
  g_assert_cmpint (jobs[0].ok, ==, (gint) jobs[0].rounds);
  g_assert_cmpint (jobs[1].ok, ==, (gint) jobs[1].rounds);
  if (!test_is_slow_runtime ())
    {
      g_assert_cmpint (jobs[0].arith_ok, ==, (gint) jobs[0].rounds);
      g_assert_cmpint (jobs[1].arith_ok, ==, (gint) jobs[1].rounds);
    }
  /* The test thread never changed its mode. */
  g_assert_cmpint (fegetround (), ==, FE_TONEAREST);
}

/* ---- deep recursion --------------------------------------------------------------- */

#define FRAME_BYTES 1024

static TEST_NOINLINE guint64
recurse (guint depth, guint64 salt, guintptr *lowest)
{
  volatile guint8 frame[FRAME_BYTES];
  guint64 sum = 0;

  for (guint i = 0; i < FRAME_BYTES; i++)
    frame[i] = (guint8) (depth * 31 + i + salt);
  if ((guintptr) frame < *lowest)
    *lowest = (guintptr) frame;
  if (depth > 0)
    {
      sum = recurse (depth - 1, salt, lowest);
      if (depth % 16 == 0)
        task9_yield ();   /* switch away with a deep stack, and back */
    }
  for (guint i = 0; i < FRAME_BYTES; i++)
    sum += frame[i] * (i + 1);
  return sum;
}

static guint64
recurse_reference (guint depth, guint64 salt)
{
  guint64 sum = 0;

  for (guint d = 0; d <= depth; d++)
    for (guint i = 0; i < FRAME_BYTES; i++)
      sum += (guint64) (guint8) (d * 31 + i + salt) * (i + 1);
  return sum;
}

typedef struct
{
  guint64 salt;
  guint64 sum;
  gsize   used;
  gsize   stack_size;
} DeepJob;

static gpointer
deep_task (gpointer data, GError **error)
{
  DeepJob *job = data;
  guint8 top;
  guintptr lowest = (guintptr) &top;

  job->stack_size = task9_task_get_stack_size (task9_task_self ());
  job->sum = recurse (100, job->salt, &lowest);
  job->used = (guintptr) &top - lowest;
  return NULL;
}

static void
test_switch_deep_recursion (void)
{
  DeepJob jobs[2] = { { .salt = 1 }, { .salt = 2 } };

  test_run_task_array (deep_task, "deep", jobs);
  for (guint i = 0; i < 2; i++)
    {
      g_assert_cmpuint (jobs[i].stack_size, ==, TASK9_DEFAULT_STACK_SIZE);
      g_assert_cmpuint (jobs[i].sum, ==, recurse_reference (100, jobs[i].salt));
      /* 101 frames of at least 1 KiB each. */
      g_assert_cmpuint (jobs[i].used, >=, 100 * 1024);
      g_assert_cmpuint (jobs[i].used, <, TASK9_DEFAULT_STACK_SIZE);
    }
}

/* ---- errno -------------------------------------------------------------------------- */

/* DESIGN.md: "Tasks on one OS thread share its thread-local state (errno, ...) ... and a
 * task's errno is saved across switches." */
typedef struct
{
  int      value;
  guint    rounds;
  gboolean sleep;      /* switch by blocking in a sleep, not by yielding */
  guint    ok;
  int      seen;       /* the last wrong value seen */
} ErrnoJob;

/* Reports without aborting, so that both errno tests run and say what they saw. */
static void
check_errno_jobs (const ErrnoJob *jobs, guint n)
{
  for (guint i = 0; i < n; i++)
    if (jobs[i].ok != jobs[i].rounds)
      g_test_fail_printf ("task with errno %d kept it across only %u of %u switches "
                          "(saw %d after a switch)",
                          jobs[i].value, jobs[i].ok, jobs[i].rounds, jobs[i].seen);
}

static gpointer
errno_task (gpointer data, GError **error)
{
  ErrnoJob *job = data;

  for (guint i = 0; i < job->rounds; i++)
    {
      errno = job->value;
      if (!job->sleep)
        task9_yield ();
      else if (!task9_sleep (100, error))
        return NULL;
      if (errno == job->value)
        job->ok++;
      else
        job->seen = errno;
    }
  return NULL;
}

static void
test_switch_errno (void)
{
  ErrnoJob jobs[2] = { { EINTR, 100, FALSE }, { ENOENT, 100, FALSE } };

  test_run_task_array (errno_task, "errno", jobs);
  check_errno_jobs (jobs, 2);
}

/* errno across a real block (a sleep woken by the timer heap), not only a yield. */
static void
test_switch_errno_sleep (void)
{
  ErrnoJob jobs[2] = { { EAGAIN, 20, TRUE }, { EBADF, 20, TRUE } };

  test_run_task_array (errno_task, "errno", jobs);
  check_errno_jobs (jobs, 2);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/switch/callee-saved", test_switch_callee_saved);
  g_test_add_func ("/switch/callee-saved-two-procs", test_switch_callee_saved_two_procs);
  g_test_add_func ("/switch/fp-rounding", test_switch_fp_rounding);
  g_test_add_func ("/switch/deep-recursion", test_switch_deep_recursion);
  g_test_add_func ("/switch/errno", test_switch_errno);
  g_test_add_func ("/switch/errno-sleep", test_switch_errno_sleep);

  return g_test_run ();
}
