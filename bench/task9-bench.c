/* task9-bench.c: libtask9-glib's benchmarks, to be run side by side with the peers
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Usage: task9-bench [-b NAME]... [-n N] [--list] [--same-process]
 *
 * Every figure is printed as one line
 *
 *     RESULT <name> <value> <unit>
 *
 * the format of the peer programs in ../shared/peers (gobench.go prints the
 * same definitions under "go." names; bench/run-peers.sh runs them).
 *
 * Rules that every benchmark here follows:
 *
 * - It runs in a task on the main proc, inside task9_main(). The tasks it
 *   spawns run on the main proc too, so the counters they share with the
 *   benchmark are plain integers: tasks on one proc never run at the same
 *   time and only switch in library calls.
 * - When more than one benchmark is selected, each one runs in a child
 *   process of its own (fork before the library is touched), as each peer
 *   figure comes from a process of its own: a benchmark never inherits
 *   another's stack pool, timer heap or freed memory, RSS deltas are not
 *   flattered by memory freed earlier, and a crash ends only that benchmark.
 *   --same-process runs them all in one task9_main() instead.
 * - Waiting for spawned tasks uses a counter that the tasks bump, plus
 *   task9_yield() (or task9_sleep() when the tasks wait for time): the
 *   cheapest wait the API offers, with the clock read only when one yield
 *   was not enough, so the waiting costs next to nothing in the figures.
 * - The clock is g_get_monotonic_time() (microseconds).
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gio/gio.h>

#include <task9.h>

/* How long a benchmark waits for its tasks before it declares the library
 * broken, so that a bug shows as an error rather than a hang. */
#define WAIT_TIMEOUT (60 * G_TIME_SPAN_SECOND)

typedef gboolean (*BenchFunc) (guint    n,
                               GError **error);

typedef struct
{
  const char *name;       /* for -b; the figure names below are accepted too */
  BenchFunc   func;
  guint       default_n;  /* what -n replaces */
  gboolean    slow;       /* run only when named, or with -b all-slow */
  const char *n_means;
  const char *figures;    /* space-separated headline figures */
} Bench;

/* Helpers {{{1 */

static void
result (const char *name,
        double      value,
        const char *unit)
{
  printf ("RESULT %s %.3f %s\n", name, value, unit);
  fflush (stdout);
}

static void
resultf (double      value,
         const char *unit,
         const char *format,
         ...) G_GNUC_PRINTF (3, 4);

static void
resultf (double      value,
         const char *unit,
         const char *format,
         ...)
{
  g_autofree char *name = NULL;
  va_list args;

  va_start (args, format);
  name = g_strdup_vprintf (format, args);
  va_end (args);
  result (name, value, unit);
}

/* VmRSS from /proc/self/status, in KiB; -1 where there is no such file. */
static gint64
rss_kib (void)
{
  g_autofree char *contents = NULL;
  const char *line;

  if (!g_file_get_contents ("/proc/self/status", &contents, NULL, NULL))
    return -1;
  line = strstr (contents, "\nVmRSS:");
  if (line == NULL)
    return -1;
  return g_ascii_strtoll (line + strlen ("\nVmRSS:"), NULL, 10);
}

/* User + system CPU time of the process, in microseconds. */
static gint64
cpu_time_us (void)
{
  struct rusage ru;

  if (getrusage (RUSAGE_SELF, &ru) != 0)
    return 0;
  return (gint64) (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * G_USEC_PER_SEC +
         ru.ru_utime.tv_usec + ru.ru_stime.tv_usec;
}

static int
compare_gint64 (const void *a,
                const void *b)
{
  gint64 x = *(const gint64 *) a;
  gint64 y = *(const gint64 *) b;

  return (x > y) - (x < y);
}

/* Sorts @values and returns the p-th percentile with gobench's rule
 * (sorted[len * p / 100]). */
static gint64
percentile (gint64 *values,
            gsize   n_values,
            guint   p)
{
  qsort (values, n_values, sizeof (gint64), compare_gint64);
  return values[n_values * p / 100];
}

static gint64
mean (const gint64 *values,
      gsize         n_values)
{
  gint64 sum = 0;

  for (gsize i = 0; i < n_values; i++)
    sum += values[i];
  return n_values > 0 ? sum / (gint64) n_values : 0;
}

static gint64
maximum (const gint64 *values,
         gsize         n_values)
{
  gint64 max = G_MININT64;

  for (gsize i = 0; i < n_values; i++)
    max = MAX (max, values[i]);
  return max;
}

/* Errors of tasks that nobody joins end up here, and fail the benchmark. */
static guint task_failures;
static char *first_task_failure;

static void
note_task_failure (const char   *what,
                   const GError *error)
{
  if (task_failures++ == 0)
    first_task_failure = g_strdup_printf ("%s: %s", what,
                                          error ? error->message : "failed");
}

static gboolean
check_task_failures (GError **error)
{
  if (task_failures == 0)
    return TRUE;
  g_set_error (error, TASK9_ERROR, TASK9_ERROR_FAILED,
               "%u task(s) failed; the first: %s",
               task_failures, first_task_failure);
  task_failures = 0;
  g_clear_pointer (&first_task_failure, g_free);
  return FALSE;
}

/* Joins @task, telling a task that failed from one that returned NULL. */
static gboolean
join_task (Task9Task  *task,
           GError    **error)
{
  GError *local_error = NULL;

  task9_task_join (task, -1, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }
  return TRUE;
}

/* Waits until *@counter reaches @target, which tasks of this proc bump.
 * With @poll == 0 it yields, which costs one switch round when the FIFO run
 * queue holds exactly the tasks being waited for; otherwise it sleeps @poll
 * between looks (for tasks that wait for time, where yielding would spin).
 * The clock is read only once the first look has failed. @n_waits, if not
 * %NULL, is increased by the number of yields or sleeps. */
static gboolean
wait_count (const guint  *counter,
            guint         target,
            GTimeSpan     poll,
            guint        *n_waits,
            GError      **error)
{
  gint64 deadline = 0;
  guint waits = 0;
  gboolean ok = TRUE;

  while (*counter < target)
    {
      if (poll == 0)
        task9_yield ();
      else if (!task9_sleep (poll, error))
        {
          ok = FALSE;
          break;
        }
      waits++;
      if (*counter >= target)
        break;

      if (deadline == 0)
        deadline = g_get_monotonic_time () + WAIT_TIMEOUT;
      else if (g_get_monotonic_time () > deadline)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                       "only %u of %u tasks got there in %d s",
                       *counter, target, (int) (WAIT_TIMEOUT / G_USEC_PER_SEC));
          ok = FALSE;
          break;
        }
    }
  if (n_waits != NULL)
    *n_waits += waits;
  return ok;
}

/* yield {{{1
 *
 * yield_ns: two tasks on one proc (the main task and one it spawns) yield
 * to each other N times each; wall time / 2N switches.
 * Peer: gobench yield (go.gosched_switch, GOMAXPROCS=1), no warm-up there
 * either. */

static gpointer
yield_partner_func (gpointer   user_data,
                    GError   **error)
{
  guint n = GPOINTER_TO_UINT (user_data);

  for (guint i = 0; i < n; i++)
    task9_yield ();
  return NULL;
}

static gboolean
bench_yield (guint    n,
             GError **error)
{
  g_autoptr(Task9Task) partner = NULL;
  gint64 t0, elapsed;

  /* The partner starts at the main task's first yield. */
  partner = task9_task_spawn ("yield-partner", yield_partner_func,
                              GUINT_TO_POINTER (n), NULL, error);
  if (partner == NULL)
    return FALSE;

  t0 = g_get_monotonic_time ();
  for (guint i = 0; i < n; i++)
    task9_yield ();
  elapsed = g_get_monotonic_time () - t0;

  if (!join_task (partner, error))
    return FALSE;

  result ("yield_ns", elapsed * 1000.0 / (2.0 * n), "ns/switch");
  return TRUE;
}

/* spawn {{{1
 *
 * spawn_ns: spawn N empty tasks in batches of 100 and wait for each batch
 * before the next; wall time / N. Round 1 (spawn_r1_ns) is the first use of
 * the library in the process, round 2 (spawn_ns) reuses what round 1 left
 * (stacks, task structs).
 * The wait is a counter bumped by each task plus one task9_yield() of the
 * spawner: with the FIFO run queue the spawner resumes only after all 100
 * tasks have run, returned and been torn down. That is cheaper than joining
 * each task and does no less work than Go's WaitGroup.
 * Peer: gobench spawnbatch (go.spawn_exit_batch100_r1 / _r2, GOMAXPROCS=1). */

#define SPAWN_BATCH 100

static guint spawn_done;

static gpointer
spawn_empty_func (gpointer   user_data,
                  GError   **error)
{
  spawn_done++;
  return NULL;
}

static gboolean
bench_spawn (guint    n,
             GError **error)
{
  for (guint round = 1; round <= 2; round++)
    {
      gint64 t0, elapsed;
      guint n_yields = 0;
      guint n_batches = 0;

      spawn_done = 0;
      t0 = g_get_monotonic_time ();
      for (guint j = 0; j < n; j += SPAWN_BATCH)
        {
          guint batch = MIN (SPAWN_BATCH, n - j);

          for (guint i = 0; i < batch; i++)
            {
              Task9Task *task;

              task = task9_task_spawn (NULL, spawn_empty_func, NULL, NULL, error);
              if (task == NULL)
                return FALSE;
              task9_task_unref (task);
            }
          if (!wait_count (&spawn_done, j + batch, 0, &n_yields, error))
            return FALSE;
          n_batches++;
        }
      elapsed = g_get_monotonic_time () - t0;

      if (n_yields != n_batches)
        g_printerr ("task9-bench: spawn: %u yields for %u batches "
                    "(one each expected)\n", n_yields, n_batches);
      result (round == 1 ? "spawn_r1_ns" : "spawn_ns",
              elapsed * 1000.0 / n, "ns/task");
    }
  return TRUE;
}

/* parked {{{1
 *
 * parked_bytes: VmRSS delta / N with N tasks parked. Each task blocks in
 * task9_task_join() on a "gate" task that sleeps until it is cancelled; the
 * RSS is read before the first spawn (gate already asleep) and once all N
 * have parked.
 * parked_create_ns: wall time / N from the first spawn until all N have run
 * and parked (spawn loop + one task9_yield(), verified by a counter; the
 * number of yields it took is printed as parked_create_yields).
 * parked_exit_ns (secondary): from cancelling the gate until all N have
 * woken and exited.
 * Peer: gobench parked (go.parked_rss_delta, go.parked_create; there each
 * goroutine blocks receiving on its own channel, GOMAXPROCS=1).
 *
 * parked_max: spawn up to N (1,000,000) such tasks, 10,000 at a time with a
 * yield after each chunk so that they park, stopping at the first spawn
 * error; prints how many parked. Slow: run only when named. The target is
 * 1,000,000 on default kernel settings (vm.max_map_count = 65530); libdill
 * fails at 32,750 and libdex aborts at about 32.7k. */

#define PARKED_MAX_CHUNK 10000

typedef struct
{
  Task9Task *gate;
  guint      gate_asleep;  /* 0 or 1, a counter for wait_count() */
  guint      spawned;
  guint      parked;
  guint      exited;
  guint      bad_wakes;  /* joins that returned while the gate still ran */
} Parking;

static Parking parking;

static gpointer
gate_func (gpointer   user_data,
           GError   **error)
{
  parking.gate_asleep = 1;
  /* A deadline at the end of time: only cancellation ends this sleep. */
  if (task9_sleep_until (G_MAXINT64, error))
    g_set_error_literal (error, TASK9_ERROR, TASK9_ERROR_FAILED,
                         "the gate woke up from a sleep until G_MAXINT64");
  return NULL;
}

static gpointer
parked_func (gpointer   user_data,
             GError   **error)
{
  g_autoptr(GError) local_error = NULL;

  parking.parked++;
  task9_task_join (parking.gate, -1, &local_error);
  if (!task9_task_is_finished (parking.gate))
    {
      if (parking.bad_wakes++ == 0)
        note_task_failure ("join on the gate returned early", local_error);
    }
  parking.exited++;
  return NULL;
}

static gboolean
parking_open (GError **error)
{
  memset (&parking, 0, sizeof parking);
  parking.gate = task9_task_spawn ("gate", gate_func, NULL, NULL, error);
  if (parking.gate == NULL)
    return FALSE;
  return wait_count (&parking.gate_asleep, 1, 0, NULL, error);
}

/* Spawns up to @n parked tasks; stops at the first spawn error, which is
 * returned in @spawn_error (the tasks spawned so far stay). */
static void
parking_spawn (guint    n,
               GError **spawn_error)
{
  for (guint i = 0; i < n; i++)
    {
      Task9Task *task;

      task = task9_task_spawn (NULL, parked_func, NULL, NULL, spawn_error);
      if (task == NULL)
        return;
      task9_task_unref (task);
      parking.spawned++;
    }
}

/* Cancels the gate and waits until every parked task has exited. */
static gboolean
parking_close (GError **error)
{
  g_autoptr(GError) gate_error = NULL;
  gboolean ok;

  task9_task_cancel (parking.gate);
  task9_task_join (parking.gate, -1, &gate_error);
  if (gate_error == NULL ||
      !g_error_matches (gate_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_printerr ("task9-bench: the cancelled gate ended with %s\n",
                gate_error ? gate_error->message : "success");
  ok = wait_count (&parking.exited, parking.spawned, 0, NULL, error);
  g_clear_pointer (&parking.gate, task9_task_unref);
  return ok;
}

static gboolean
bench_parked (guint    n,
              GError **error)
{
  g_autoptr(GError) spawn_error = NULL;
  gint64 r0, r1, t0, t_create, t_exit;
  guint n_yields = 0;

  if (!parking_open (error))
    return FALSE;

  r0 = rss_kib ();
  t0 = g_get_monotonic_time ();
  parking_spawn (n, &spawn_error);
  if (spawn_error != NULL)
    {
      g_propagate_prefixed_error (error, g_steal_pointer (&spawn_error),
                                  "spawning parked task %u: ", parking.spawned + 1);
      parking_close (NULL);
      return FALSE;
    }
  if (!wait_count (&parking.parked, n, 0, &n_yields, error))
    return FALSE;
  t_create = g_get_monotonic_time () - t0;
  r1 = rss_kib ();

  t0 = g_get_monotonic_time ();
  if (!parking_close (error))
    return FALSE;
  t_exit = g_get_monotonic_time () - t0;

  result ("parked_bytes", (r1 - r0) * 1024.0 / n, "B/task");
  result ("parked_create_ns", t_create * 1000.0 / n, "ns/task(spawn+run+park)");
  result ("parked_create_yields", n_yields, "yields");
  result ("parked_exit_ns", t_exit * 1000.0 / n, "ns/task(wake+exit)");
  return check_task_failures (error);
}

static gboolean
bench_parked_max (guint    n,
                  GError **error)
{
  g_autoptr(GError) spawn_error = NULL;
  gint64 r0, r1, t0, t_create;

  if (!parking_open (error))
    return FALSE;

  r0 = rss_kib ();
  t0 = g_get_monotonic_time ();
  while (parking.spawned < n && spawn_error == NULL)
    {
      parking_spawn (MIN (PARKED_MAX_CHUNK, n - parking.spawned), &spawn_error);
      if (!wait_count (&parking.parked, parking.spawned, 0, NULL, error))
        return FALSE;
    }
  t_create = g_get_monotonic_time () - t0;
  r1 = rss_kib ();

  if (spawn_error != NULL)
    g_printerr ("task9-bench: parked_max: spawn %u failed: %s\n",
                parking.spawned + 1, spawn_error->message);

  result ("parked_max", parking.parked, "tasks");
  if (parking.parked > 0)
    {
      result ("parked_max_bytes", (r1 - r0) * 1024.0 / parking.parked, "B/task");
      result ("parked_max_create_ns", t_create * 1000.0 / parking.parked,
              "ns/task(spawn+run+park)");
    }

  if (!parking_close (error))
    return FALSE;
  return check_task_failures (error);
}

/* sleep {{{1
 *
 * N tasks each sleep a uniform random 0-100 ms (fixed seed, whole
 * microseconds), all spawned at once; two rounds in one process with the
 * same spans (round 1 pays for fresh stacks, round 2 may reuse them).
 * sleep100k_rR_wall_ms: from the first spawn to the last task's wake-up.
 * sleep100k_rR_late_p99_ms: p99 over the N tasks of (wake time - the time
 * the task started - its span).
 * The headlines sleep100k_wall_ms and sleep100k_late_p99_ms are round 1's,
 * the conservative round. Secondary, per round as gobench prints them:
 * ideal (the longest span), spawnphase, cpu, cpu_per_sleep, late_mean,
 * late_max.
 * Peer: gobench sleep (go.sleep100k_r1_* / _r2_*, GOMAXPROCS=1); its wall
 * ends when the main goroutine has seen the last wake-up, one switch later
 * than ours. */

#define SLEEP_MAX_SPAN (100 * G_TIME_SPAN_MILLISECOND)

typedef struct
{
  GTimeSpan *spans;
  gint64    *late;
  gint64     last_wake;
  guint      done;
} Sleepers;

static Sleepers sleepers;

static gpointer
sleeper_func (gpointer   user_data,
              GError   **error)
{
  guint i = GPOINTER_TO_UINT (user_data);
  GError *local_error = NULL;
  gint64 start, now;

  start = g_get_monotonic_time ();
  if (!task9_sleep (sleepers.spans[i], &local_error))
    {
      note_task_failure ("task9_sleep", local_error);
      g_propagate_error (error, local_error);
      sleepers.done++;
      return NULL;
    }
  now = g_get_monotonic_time ();
  sleepers.late[i] = now - start - sleepers.spans[i];
  sleepers.last_wake = MAX (sleepers.last_wake, now);
  sleepers.done++;
  return NULL;
}

static gboolean
bench_sleep (guint    n,
             GError **error)
{
  g_autoptr(GRand) rng = g_rand_new_with_seed (1);
  g_autofree GTimeSpan *spans = g_new (GTimeSpan, n);
  g_autofree gint64 *late = g_new0 (gint64, n);
  GTimeSpan max_span = 0;
  gint64 wall[2] = { 0, }, p99[2] = { 0, };

  for (guint i = 0; i < n; i++)
    {
      spans[i] = g_rand_int_range (rng, 0, SLEEP_MAX_SPAN + 1);
      max_span = MAX (max_span, spans[i]);
    }
  sleepers.spans = spans;
  sleepers.late = late;

  for (guint round = 1; round <= 2; round++)
    {
      gint64 c0, t0, spawned, cpu;

      sleepers.done = 0;
      sleepers.last_wake = 0;
      c0 = cpu_time_us ();
      t0 = g_get_monotonic_time ();
      for (guint i = 0; i < n; i++)
        {
          Task9Task *task;

          task = task9_task_spawn (NULL, sleeper_func, GUINT_TO_POINTER (i),
                                   NULL, error);
          if (task == NULL)
            return FALSE;
          task9_task_unref (task);
        }
      spawned = g_get_monotonic_time () - t0;
      if (!wait_count (&sleepers.done, n, G_TIME_SPAN_MILLISECOND, NULL, error))
        return FALSE;
      cpu = cpu_time_us () - c0;
      if (!check_task_failures (error))
        return FALSE;

      wall[round - 1] = sleepers.last_wake - t0;
      resultf (wall[round - 1] / 1000.0, "ms", "sleep100k_r%u_wall_ms", round);
      resultf (max_span / 1000.0, "ms", "sleep100k_r%u_ideal_ms", round);
      resultf (spawned / 1000.0, "ms", "sleep100k_r%u_spawnphase_ms", round);
      resultf (cpu / 1000.0, "ms", "sleep100k_r%u_cpu_ms", round);
      resultf (cpu * 1000.0 / n, "ns/sleep", "sleep100k_r%u_cpu_per_sleep_ns", round);
      resultf (mean (late, n) / 1000.0, "ms", "sleep100k_r%u_late_mean_ms", round);
      resultf (maximum (late, n) / 1000.0, "ms", "sleep100k_r%u_late_max_ms", round);
      p99[round - 1] = percentile (late, n, 99);
      resultf (p99[round - 1] / 1000.0, "ms", "sleep100k_r%u_late_p99_ms", round);
    }

  result ("sleep100k_wall_ms", wall[0] / 1000.0, "ms");
  result ("sleep100k_late_p99_ms", p99[0] / 1000.0, "ms");
  sleepers.spans = NULL;
  sleepers.late = NULL;
  return TRUE;
}

/* fairness {{{1
 *
 * fairness_late_p99_ms: on the main proc, N (10,000) tasks yield in a loop
 * while a 16 ms timeout source (g_timeout_source_new (16) attached to the
 * main proc's context, which is what g_timeout_add() does when the main
 * proc owns the default context) ticks 100 times. The lateness of a tick is
 * the time of its dispatch - (the previous dispatch + 16 ms), the first
 * tick counting from the time the source was added; p99 over the 100 ticks
 * with gobench's rule (sorted[len * 99 / 100]), which for 100 ticks is the
 * worst one. A global flag then stops the yielders.
 * Secondary: fairness_late_mean_ms, fairness_late_max_ms, and
 * fairness_yield_ns (wall time of the ticking / yields the yielders made).
 * No peer: libtask starves timers here (it never returns to its poll while
 * a task yields); the design requires that a busy-yielding task never
 * starve other sources. */

#define FAIRNESS_TICKS    100
#define FAIRNESS_INTERVAL 16  /* ms */

typedef struct
{
  gboolean stop;
  guint    started;
  guint    stopped;
  guint64  yields;
  gint64   previous;
  guint    n_ticks;
  gint64   late[FAIRNESS_TICKS];
} Fairness;

static Fairness fairness;

static gpointer
yielder_func (gpointer   user_data,
              GError   **error)
{
  fairness.started++;
  while (!fairness.stop)
    {
      task9_yield ();
      fairness.yields++;
    }
  fairness.stopped++;
  return NULL;
}

static gboolean
fairness_tick_cb (gpointer user_data)
{
  gint64 now = g_get_monotonic_time ();

  fairness.late[fairness.n_ticks++] =
      now - (fairness.previous + FAIRNESS_INTERVAL * G_TIME_SPAN_MILLISECOND);
  fairness.previous = now;
  return fairness.n_ticks < FAIRNESS_TICKS ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

static gboolean
bench_fairness (guint    n,
                GError **error)
{
  g_autoptr(GSource) source = NULL;
  guint64 yields0;
  gint64 t0, elapsed;

  memset (&fairness, 0, sizeof fairness);
  for (guint i = 0; i < n; i++)
    {
      Task9Task *task;

      task = task9_task_spawn (NULL, yielder_func, NULL, NULL, error);
      if (task == NULL)
        {
          fairness.stop = TRUE;
          return FALSE;
        }
      task9_task_unref (task);
    }
  if (!wait_count (&fairness.started, n, 0, NULL, error))
    return FALSE;

  source = g_timeout_source_new (FAIRNESS_INTERVAL);
  g_source_set_callback (source, fairness_tick_cb, NULL, NULL);
  g_source_set_name (source, "task9-bench fairness ticker");
  yields0 = fairness.yields;
  t0 = fairness.previous = g_get_monotonic_time ();
  g_source_attach (source, task9_proc_get_context (task9_proc_get_main ()));

  if (!wait_count (&fairness.n_ticks, FAIRNESS_TICKS,
                   FAIRNESS_INTERVAL * G_TIME_SPAN_MILLISECOND, NULL, error))
    {
      g_source_destroy (source);
      fairness.stop = TRUE;
      return FALSE;
    }
  elapsed = g_get_monotonic_time () - t0;

  fairness.stop = TRUE;
  if (!wait_count (&fairness.stopped, n, 0, NULL, error))
    return FALSE;

  result ("fairness_late_p99_ms",
          percentile (fairness.late, FAIRNESS_TICKS, 99) / 1000.0, "ms");
  result ("fairness_late_mean_ms", mean (fairness.late, FAIRNESS_TICKS) / 1000.0, "ms");
  result ("fairness_late_max_ms", maximum (fairness.late, FAIRNESS_TICKS) / 1000.0, "ms");
  if (fairness.yields > yields0)
    result ("fairness_yield_ns",
            elapsed * 1000.0 / (fairness.yields - yields0), "ns/yield");
  return TRUE;
}

/* The table {{{1 */

static const Bench benches[] = {
  { "yield", bench_yield, 5000000, FALSE,
    "yields per task", "yield_ns" },
  { "spawn", bench_spawn, 1000000, FALSE,
    "tasks per round", "spawn_ns spawn_r1_ns" },
  { "parked", bench_parked, 100000, FALSE,
    "parked tasks", "parked_bytes parked_create_ns" },
  { "parked_max", bench_parked_max, 1000000, TRUE,
    "the most tasks to try", "parked_max" },
  { "sleep", bench_sleep, 100000, FALSE,
    "sleeping tasks", "sleep100k_wall_ms sleep100k_late_p99_ms" },
  { "fairness", bench_fairness, 10000, FALSE,
    "yielding tasks", "fairness_late_p99_ms" },
};

/* Does @name select @bench, by the benchmark's name or a figure's? */
static gboolean
bench_matches (const Bench *bench,
               const char  *name)
{
  g_auto(GStrv) figures = NULL;

  if (g_str_equal (bench->name, name))
    return TRUE;
  figures = g_strsplit (bench->figures, " ", -1);
  return g_strv_contains ((const char * const *) figures, name);
}

static void
list_benches (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (benches); i++)
    {
      const Bench *bench = &benches[i];

      printf ("%-11s -n %-8u (%s)%s\n            figures: %s\n",
              bench->name, bench->default_n, bench->n_means,
              bench->slow ? " [slow: only when named or with -b all-slow]" : "",
              bench->figures);
    }
}

/* Running {{{1 */

static const Bench **selected;
static guint n_selected;
static int opt_n;

static int
bench_main (int    argc,
            char **argv)
{
  for (guint i = 0; i < n_selected; i++)
    {
      const Bench *bench = selected[i];
      g_autoptr(GError) error = NULL;

      if (!bench->func (opt_n > 0 ? (guint) opt_n : bench->default_n, &error))
        {
          /* Tasks of a failed benchmark may be stuck: end the process
           * rather than wait for them forever. */
          g_printerr ("task9-bench: %s: %s\n", bench->name,
                      error ? error->message : "failed");
          fflush (stdout);
          task9_exit_all (1);
        }
    }
  return 0;
}

/* Runs one benchmark in a child process; returns its exit status. */
static int
run_in_child (int          argc,
              char       **argv,
              const Bench *bench)
{
  pid_t pid;
  int wstatus;

  fflush (stdout);
  fflush (stderr);
  pid = fork ();
  if (pid < 0)
    {
      g_printerr ("task9-bench: fork: %s\n", g_strerror (errno));
      return 1;
    }
  if (pid == 0)
    {
      int status;

      selected = &bench;
      n_selected = 1;
      status = task9_main (argc, argv, bench_main);
      fflush (stdout);
      fflush (stderr);
      _exit (status);
    }

  while (waitpid (pid, &wstatus, 0) < 0)
    {
      if (errno != EINTR)
        {
          g_printerr ("task9-bench: waitpid: %s\n", g_strerror (errno));
          return 1;
        }
    }
  if (WIFSIGNALED (wstatus))
    {
      g_printerr ("task9-bench: %s: killed by signal %d (%s)\n", bench->name,
                  WTERMSIG (wstatus), g_strsignal (WTERMSIG (wstatus)));
      return 1;
    }
  return WIFEXITED (wstatus) ? WEXITSTATUS (wstatus) : 1;
}

int
main (int    argc,
      char **argv)
{
  g_auto(GStrv) opt_benches = NULL;
  gboolean opt_list = FALSE;
  gboolean opt_same_process = FALSE;
  gboolean want[G_N_ELEMENTS (benches)] = { FALSE, };
  const GOptionEntry entries[] = {
    { "bench", 'b', 0, G_OPTION_ARG_STRING_ARRAY, &opt_benches,
      "Run benchmark NAME (a name from --list or one of its figures; "
      "\"all\": every one but the slow ones, the default; \"all-slow\": every one)",
      "NAME" },
    { "n", 'n', 0, G_OPTION_ARG_INT, &opt_n,
      "Replace each benchmark's default size (see --list)", "N" },
    { "list", 0, 0, G_OPTION_ARG_NONE, &opt_list,
      "List the benchmarks and their figures", NULL },
    { "same-process", 0, 0, G_OPTION_ARG_NONE, &opt_same_process,
      "Run all benchmarks in one process instead of one child process each", NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree const Bench **chosen = NULL;
  guint n_chosen = 0;
  int status = 0;

  context = g_option_context_new ("- libtask9-glib benchmarks");
  g_option_context_set_summary (context,
      "Prints one line \"RESULT <name> <value> <unit>\" per figure, "
      "like the peer programs (bench/run-peers.sh).");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("task9-bench: %s\n", error->message);
      return 2;
    }
  if (opt_list)
    {
      list_benches ();
      return 0;
    }
  if (opt_n < 0)
    {
      g_printerr ("task9-bench: -n must be positive\n");
      return 2;
    }

  if (opt_benches == NULL || opt_benches[0] == NULL)
    {
      g_strfreev (opt_benches);
      opt_benches = g_strdupv ((char *[]) { (char *) "all", NULL });
    }
  for (guint j = 0; opt_benches[j] != NULL; j++)
    {
      const char *name = opt_benches[j];
      gboolean found = FALSE;

      for (gsize i = 0; i < G_N_ELEMENTS (benches); i++)
        {
          if (g_str_equal (name, "all-slow") ||
              (g_str_equal (name, "all") && !benches[i].slow) ||
              bench_matches (&benches[i], name))
            {
              want[i] = TRUE;
              found = TRUE;
            }
        }
      if (!found)
        {
          g_printerr ("task9-bench: no benchmark \"%s\" (see --list)\n", name);
          return 2;
        }
    }

  /* In table order, each once. */
  chosen = g_new0 (const Bench *, G_N_ELEMENTS (benches));
  for (gsize i = 0; i < G_N_ELEMENTS (benches); i++)
    if (want[i])
      chosen[n_chosen++] = &benches[i];

  if (n_chosen == 1 || opt_same_process)
    {
      selected = chosen;
      n_selected = n_chosen;
      return task9_main (argc, argv, bench_main);
    }

  for (guint i = 0; i < n_chosen; i++)
    if (run_in_child (argc, argv, chosen[i]) != 0)
      status = 1;
  return status;
}

/* vim: set foldmethod=marker: */
