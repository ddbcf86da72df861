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
 *   (xproc_pingpong puts its partner on a second proc on purpose, and
 *   async_pingpong runs plain main-loop callbacks instead of tasks; they
 *   share only channels across threads.)
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
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib-unix.h>

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
compare_double (const void *a,
                const void *b)
{
  double x = *(const double *) a;
  double y = *(const double *) b;

  return (x > y) - (x < y);
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

/* Channels: helpers {{{1 */

/* After a receive loop ended with @recv_error: %TRUE if that was the channel
 * being closed (the normal end), %FALSE with @error set for any other failure. */
static gboolean
recv_closed (const GError  *recv_error,
             GError       **error)
{
  if (g_error_matches (recv_error, TASK9_ERROR, TASK9_ERROR_CLOSED))
    return TRUE;
  g_set_error (error, TASK9_ERROR, TASK9_ERROR_FAILED, "recv: %s",
               recv_error ? recv_error->message : "failed");
  return FALSE;
}

static gboolean
bad_value (const char  *what,
           gint64       got,
           gint64       expected,
           GError     **error)
{
  g_set_error (error, TASK9_ERROR, TASK9_ERROR_FAILED,
               "%s: got %" G_GINT64_FORMAT ", expected %" G_GINT64_FORMAT,
               what, got, expected);
  return FALSE;
}

/* pingpong, xproc_pingpong {{{1
 *
 * pingpong_ns: two tasks on one proc (the main task and a partner it
 * spawns) and two unbuffered channels of int; the main task sends i on ping
 * and receives the partner's echo on pong (task9_channel_send/recv); ns per
 * round trip. 1,000 warm-up round trips first; at the end ping is closed,
 * which ends the partner's loop.
 * Peer: gobench pingpong (go.pingpong_unbuf, GOMAXPROCS=1), the same warm-up.
 *
 * xproc_pingpong_ns: the same with the partner on another proc (a thread of
 * its own made by task9_proc_new(), the task spawned there with
 * task9_task_spawn_full()), the main task on the main proc: every send wakes
 * a task on the other thread.
 * Peer: gobench xthread (go.xthread_pingpong_locked_P2, GOMAXPROCS=2, each
 * goroutine locked to its OS thread), and glibbench asyncq
 * (glib.xthread_asyncqueue: a GAsyncQueue echo thread). */

#define PINGPONG_WARMUP 1000

typedef struct
{
  Task9Channel *ping;
  Task9Channel *pong;
  GCancellable *cancellable;   /* cancellable_pingpong: every send and recv takes it */
} PingPong;

static inline gboolean
pingpong_send (PingPong *pp, Task9Channel *channel, int *v, GError **error)
{
  return pp->cancellable != NULL
           ? task9_channel_send_full (channel, v, -1, pp->cancellable, error)
           : task9_channel_send (channel, v, error);
}

static inline gboolean
pingpong_recv (PingPong *pp, Task9Channel *channel, int *v, GError **error)
{
  return pp->cancellable != NULL
           ? task9_channel_recv_full (channel, v, -1, pp->cancellable, error)
           : task9_channel_recv (channel, v, error);
}

static gpointer
echo_func (gpointer   user_data,
           GError   **error)
{
  PingPong *pp = user_data;
  g_autoptr(GError) recv_error = NULL;
  int v;

  while (pingpong_recv (pp, pp->ping, &v, &recv_error))
    if (!pingpong_send (pp, pp->pong, &v, error))
      return NULL;
  recv_closed (recv_error, error);
  return NULL;
}

static gboolean
ping_rounds (PingPong  *pp,
             guint      n,
             GError   **error)
{
  for (guint i = 0; i < n; i++)
    {
      int v = (int) i;

      if (!pingpong_send (pp, pp->ping, &v, error) ||
          !pingpong_recv (pp, pp->pong, &v, error))
        return FALSE;
      if (G_UNLIKELY (v != (int) i))
        return bad_value ("pong", v, i, error);
    }
  return TRUE;
}

/* Ping-pong with a partner on @proc (NULL: this proc), every wait with @cancellable
 * (or none); ns per round trip. */
static gboolean
run_pingpong (Task9Proc     *proc,
              GCancellable  *cancellable,
              guint          n,
              double        *ns,
              GError       **error)
{
  g_autoptr(Task9Channel) ping = task9_channel_new (sizeof (int), 0);
  g_autoptr(Task9Channel) pong = task9_channel_new (sizeof (int), 0);
  g_autoptr(Task9Task) partner = NULL;
  PingPong pp = { ping, pong, cancellable };
  gint64 t0, elapsed;
  gboolean ok;

  partner = task9_task_spawn_full (proc, "pong", 0, echo_func, &pp, NULL, error);
  if (partner == NULL)
    return FALSE;

  ok = ping_rounds (&pp, PINGPONG_WARMUP, error);
  t0 = g_get_monotonic_time ();
  ok = ok && ping_rounds (&pp, n, error);
  elapsed = g_get_monotonic_time () - t0;

  task9_channel_close (ping);
  if (!join_task (partner, ok ? error : NULL) || !ok)
    return FALSE;
  *ns = elapsed * 1000.0 / n;
  return TRUE;
}

static gboolean
bench_pingpong (guint    n,
                GError **error)
{
  double ns;

  if (!run_pingpong (NULL, NULL, n, &ns, error))
    return FALSE;
  result ("pingpong_ns", ns, "ns/roundtrip");
  return TRUE;
}

/* cancellable_pingpong_ns: pingpong_ns with every send and receive of both tasks made
 * with the _full forms and one GCancellable (never cancelled), the usual shape of code
 * that can be stopped; ns per round trip, the same warm-up.
 * Peer line (peer.cancellable_pingpong_ns): pingpong_ns measured in the same process
 * right before: what a cancellable adds to a wait (target <= 1.3x). */
static gboolean
bench_cancellable_pingpong (guint    n,
                            GError **error)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  double plain_ns, ns;

  if (!run_pingpong (NULL, NULL, n, &plain_ns, error) ||
      !run_pingpong (NULL, cancellable, n, &ns, error))
    return FALSE;
  result ("cancellable_pingpong_ns", ns, "ns/roundtrip");
  result ("peer.cancellable_pingpong_ns", plain_ns, "ns/roundtrip");
  return TRUE;
}

static gboolean
bench_xproc_pingpong (guint    n,
                      GError **error)
{
  g_autoptr(Task9Proc) proc = NULL;
  double ns;
  gboolean ok;

  proc = task9_proc_new ("xproc-partner", error);
  if (proc == NULL)
    return FALSE;
  ok = run_pingpong (proc, NULL, n, &ns, error);
  task9_proc_stop (proc);
  if (!task9_proc_join (proc, ok ? error : NULL) || !ok)
    return FALSE;
  result ("xproc_pingpong_ns", ns, "ns/roundtrip");
  return TRUE;
}

/* queue_pingpong {{{1
 *
 * queue_pingpong_ns: pingpong_ns through two unbounded Task9Queues of
 * G_TYPE_INT instead of two unbuffered channels: the main task puts i on one
 * (task9_queue_put) and gets the partner's echo from the other
 * (task9_queue_get), on one proc; ns per round trip, the same warm-up. The
 * partner's loop ends when the first queue is closed. No task_done(): the
 * figure is put/get.
 * Peer line (peer.queue_pingpong_ns): pingpong_ns measured in the same
 * process right before, the channel figure the queue is held to
 * (target <= 1.2x). */

typedef struct
{
  Task9Queue *ping;
  Task9Queue *pong;
} QueuePingPong;

static gpointer
queue_echo_func (gpointer   user_data,
                 GError   **error)
{
  QueuePingPong *pp = user_data;
  g_autoptr(GError) get_error = NULL;
  GValue v = G_VALUE_INIT;

  while (task9_queue_get (pp->ping, &v, -1, NULL, &get_error))
    if (!task9_queue_put (pp->pong, &v, -1, NULL, error))
      return NULL;
  recv_closed (get_error, error);
  return NULL;
}

static gboolean
queue_ping_rounds (QueuePingPong  *pp,
                   guint           n,
                   GError        **error)
{
  GValue v = G_VALUE_INIT;

  g_value_init (&v, G_TYPE_INT);
  for (guint i = 0; i < n; i++)
    {
      g_value_set_int (&v, (int) i);
      if (!task9_queue_put (pp->ping, &v, -1, NULL, error) ||
          !task9_queue_get (pp->pong, &v, -1, NULL, error))
        return FALSE;
      if (G_UNLIKELY (g_value_get_int (&v) != (int) i))
        return bad_value ("pong", g_value_get_int (&v), i, error);
    }
  return TRUE;
}

static gboolean
bench_queue_pingpong (guint    n,
                      GError **error)
{
  g_autoptr(Task9Queue) ping = task9_queue_new (G_TYPE_INT, 0);
  g_autoptr(Task9Queue) pong = task9_queue_new (G_TYPE_INT, 0);
  g_autoptr(Task9Task) partner = NULL;
  QueuePingPong pp = { ping, pong };
  double channel_ns;
  gint64 t0, elapsed;
  gboolean ok;

  if (!run_pingpong (NULL, NULL, n, &channel_ns, error))
    return FALSE;

  partner = task9_task_spawn ("queue-pong", queue_echo_func, &pp, NULL, error);
  if (partner == NULL)
    return FALSE;
  ok = queue_ping_rounds (&pp, PINGPONG_WARMUP, error);
  t0 = g_get_monotonic_time ();
  ok = ok && queue_ping_rounds (&pp, n, error);
  elapsed = g_get_monotonic_time () - t0;

  task9_queue_close (ping);
  if (!join_task (partner, ok ? error : NULL) || !ok)
    return FALSE;
  result ("queue_pingpong_ns", elapsed * 1000.0 / n, "ns/roundtrip");
  result ("peer.queue_pingpong_ns", channel_ns, "ns/roundtrip");
  return TRUE;
}

/* buffered {{{1
 *
 * buffered128_ns: a producer (the main task) sends N = 20M ints 0..N-1
 * through a channel of capacity 128 to a consumer task on the same proc,
 * closes it, and receives the consumer's sum on an unbuffered channel; wall
 * time from the first send until the sum has arrived / N. The sum is
 * checked. No warm-up, as in gobench.
 * Peer: gobench buffered (go.buffered_cap128, GOMAXPROCS=1). */

#define BUFFERED_CAPACITY 128

typedef struct
{
  Task9Channel *items;
  Task9Channel *done;
} Buffered;

static gpointer
consumer_func (gpointer   user_data,
               GError   **error)
{
  Buffered *b = user_data;
  g_autoptr(GError) recv_error = NULL;
  gint64 sum = 0;
  int v;

  while (task9_channel_recv (b->items, &v, &recv_error))
    sum += v;
  if (recv_closed (recv_error, error))
    task9_channel_send (b->done, &sum, error);
  return NULL;
}

static gboolean
bench_buffered (guint    n,
                GError **error)
{
  g_autoptr(Task9Channel) items = task9_channel_new (sizeof (int), BUFFERED_CAPACITY);
  g_autoptr(Task9Channel) done = task9_channel_new (sizeof (gint64), 0);
  g_autoptr(Task9Task) consumer = NULL;
  Buffered b = { items, done };
  gint64 t0, elapsed, sum = 0;
  gboolean ok = TRUE;

  consumer = task9_task_spawn ("consumer", consumer_func, &b, NULL, error);
  if (consumer == NULL)
    return FALSE;

  t0 = g_get_monotonic_time ();
  for (guint i = 0; i < n && ok; i++)
    {
      int v = (int) i;

      ok = task9_channel_send (items, &v, error);
    }
  task9_channel_close (items);
  ok = ok && task9_channel_recv (done, &sum, error);
  elapsed = g_get_monotonic_time () - t0;

  if (!join_task (consumer, ok ? error : NULL) || !ok)
    return FALSE;
  if (sum != (gint64) n * (n - 1) / 2)
    return bad_value ("sum", sum, (gint64) n * (n - 1) / 2, error);
  resultf (elapsed * 1000.0 / n, "ns/item", "buffered%u_ns", BUFFERED_CAPACITY);
  return TRUE;
}

/* select, selectready {{{1
 *
 * selectK_ns (K = 2, 8): K unbuffered channels of int; a sender task sends
 * item i on chans[i % K] for i < N = 5M; the receiver (the main task) makes
 * one K-way task9_alt() of K RECV arms per item (the arms array is built once,
 * outside the loop) and sums what it gets; ns per item. The sum is checked.
 * No warm-up, as in gobench.
 * Peer: gobench select -k K (go.selectK_stream, GOMAXPROCS=1).
 *
 * selectreadyK_ns (secondary): K channels of capacity 1; per iteration the
 * main task sends i on chans[i % K] (which never blocks) and makes one K-way
 * alt, which finds exactly that arm ready: no switch at all. ns per
 * (send + alt), N = 10M.
 * Peer: gobench selectready -k K (go.selectK_ready, GOMAXPROCS=1). */

typedef struct
{
  Task9Channel **chans;
  guint          k;
  guint          n;
} SelectStream;

static gpointer
select_sender_func (gpointer   user_data,
                    GError   **error)
{
  SelectStream *s = user_data;

  for (guint i = 0; i < s->n; i++)
    {
      int v = (int) i;

      if (!task9_channel_send (s->chans[i % s->k], &v, error))
        return NULL;
    }
  return NULL;
}

static Task9Channel **
channels_new (guint k,
              guint capacity)
{
  Task9Channel **chans = g_new0 (Task9Channel *, k);

  for (guint j = 0; j < k; j++)
    chans[j] = task9_channel_new (sizeof (int), capacity);
  return chans;
}

static void
channels_free (Task9Channel **chans,
               guint          k)
{
  for (guint j = 0; j < k; j++)
    g_object_unref (chans[j]);
  g_free (chans);
}

/* Receives one item per alt over @arms into *@v, adding it to *@sum. */
static inline gboolean
alt_recv (Task9AltArm  *arms,
          guint         k,
          const int    *v,
          gint64       *sum,
          GError      **error)
{
  gint fired = task9_alt (arms, k, -1, NULL, error);

  if (G_UNLIKELY (fired < 0))
    return FALSE;
  if (G_UNLIKELY (arms[fired].closed))
    {
      g_set_error (error, TASK9_ERROR, TASK9_ERROR_FAILED,
                   "alt: arm %d fired on a closed channel", fired);
      return FALSE;
    }
  *sum += *v;
  return TRUE;
}

static gboolean
run_select (guint    k,
            guint    n,
            GError **error)
{
  Task9Channel **chans = channels_new (k, 0);
  g_autofree Task9AltArm *arms = g_new0 (Task9AltArm, k);
  g_autoptr(Task9Task) sender = NULL;
  SelectStream s = { chans, k, n };
  gint64 t0, elapsed, sum = 0;
  gboolean ok = TRUE;
  int v = 0;

  for (guint j = 0; j < k; j++)
    arms[j] = (Task9AltArm) { chans[j], TASK9_ALT_RECV, &v, FALSE };

  sender = task9_task_spawn ("sender", select_sender_func, &s, NULL, error);
  if (sender == NULL)
    {
      channels_free (chans, k);
      return FALSE;
    }

  t0 = g_get_monotonic_time ();
  for (guint i = 0; i < n && ok; i++)
    ok = alt_recv (arms, k, &v, &sum, error);
  elapsed = g_get_monotonic_time () - t0;

  ok = join_task (sender, ok ? error : NULL) && ok;
  channels_free (chans, k);
  if (!ok)
    return FALSE;
  if (sum != (gint64) n * (n - 1) / 2)
    return bad_value ("sum", sum, (gint64) n * (n - 1) / 2, error);
  resultf (elapsed * 1000.0 / n, "ns/item", "select%u_ns", k);
  return TRUE;
}

static gboolean
run_selectready (guint    k,
                 guint    n,
                 GError **error)
{
  Task9Channel **chans = channels_new (k, 1);
  g_autofree Task9AltArm *arms = g_new0 (Task9AltArm, k);
  gint64 t0, elapsed, sum = 0;
  gboolean ok = TRUE;
  int v = 0;

  for (guint j = 0; j < k; j++)
    arms[j] = (Task9AltArm) { chans[j], TASK9_ALT_RECV, &v, FALSE };

  t0 = g_get_monotonic_time ();
  for (guint i = 0; i < n && ok; i++)
    {
      int item = (int) i;

      ok = task9_channel_send (chans[i % k], &item, error) &&
           alt_recv (arms, k, &v, &sum, error);
    }
  elapsed = g_get_monotonic_time () - t0;

  channels_free (chans, k);
  if (!ok)
    return FALSE;
  if (sum != (gint64) n * (n - 1) / 2)
    return bad_value ("sum", sum, (gint64) n * (n - 1) / 2, error);
  resultf (elapsed * 1000.0 / n, "ns/(send+alt)", "selectready%u_ns", k);
  return TRUE;
}

static gboolean
bench_select2 (guint    n,
               GError **error)
{
  return run_select (2, n, error);
}

static gboolean
bench_select8 (guint    n,
               GError **error)
{
  return run_select (8, n, error);
}

static gboolean
bench_selectready2 (guint    n,
                    GError **error)
{
  return run_selectready (2, n, error);
}

static gboolean
bench_selectready8 (guint    n,
                    GError **error)
{
  return run_selectready (8, n, error);
}

/* async_pingpong {{{1
 *
 * async_pingpong_ns: ping-pong with no task at either end: plain GLib
 * callbacks on the main proc's context (the default one), driven by its main
 * loop, chaining the async face on two unbuffered channels of int:
 *
 *   pinger: send_async (ping, i) -> its callback: send_finish, then
 *           recv_async (pong) -> its callback: recv_finish, check, next i
 *   ponger: recv_async (ping) -> its callback: recv_finish, then
 *           send_async (pong, the same int) -> its callback: send_finish,
 *           recv_async (ping) again
 *
 * Both chains start from an idle callback. 1,000 warm-up round trips, then N
 * timed ones (clock read in the pinger's callbacks); ns per round trip. The
 * main task meanwhile waits on a channel that the last callback fills with
 * task9_channel_try_send().
 * async_pingpong_typed_ns (secondary): the same on typed channels
 * (G_TYPE_INT) with the _value variants, what language bindings use.
 * Peer: libdex's promise ping-pong (3,565 ns in ../shared/peers/README.md;
 * not built here). */

typedef struct
{
  Task9Channel *ping;
  Task9Channel *pong;
  Task9Channel *done;
  gboolean      typed;
  guint         n_total;     /* warm-up + timed round trips */
  guint         pinged;      /* round trips the pinger completed */
  guint         ponged;      /* elements the ponger echoed */
  guint         n_stopped;   /* 2 once both ends have stopped */
  int           ping_elem;   /* raw: what the pinger sends */
  int           ping_slot;   /* raw: where the pinger receives */
  int           pong_slot;   /* raw: where the ponger receives, and sends from */
  GValue        ping_value;  /* typed: the same */
  GValue        pong_value;
  gint64        t0;
  gint64        t1;
  GError       *error;
} AsyncPingPong;

static AsyncPingPong app;

static void app_ping (void);
static void app_pong_recv (void);

/* One end has stopped (after its last step, or with app.error set); the
 * second to stop wakes the main task. */
static void
app_stop (GError *error)
{
  if (error != NULL)
    {
      if (app.error == NULL)
        app.error = error;
      else
        g_error_free (error);
    }
  if (++app.n_stopped == 2 || error != NULL)
    {
      int one = 1;

      if (!task9_channel_try_send (app.done, &one, NULL))
        g_printerr ("task9-bench: async_pingpong: the main task was not waiting\n");
    }
}

static void
app_pong_received_cb (GObject      *source,
                      GAsyncResult *res,
                      gpointer      user_data)
{
  GError *error = NULL;
  gint64 v;

  if (app.typed)
    {
      if (!task9_channel_recv_value_finish (app.pong, res, &app.ping_value, &error))
        {
          app_stop (error);
          return;
        }
      v = g_value_get_int (&app.ping_value);
    }
  else
    {
      if (!task9_channel_recv_finish (app.pong, res, &error))
        {
          app_stop (error);
          return;
        }
      v = app.ping_slot;
    }
  if (v != app.pinged)
    {
      bad_value ("pong", v, app.pinged, &error);
      app_stop (error);
      return;
    }

  app.pinged++;
  if (app.pinged == PINGPONG_WARMUP)
    app.t0 = g_get_monotonic_time ();
  if (app.pinged == app.n_total)
    {
      app.t1 = g_get_monotonic_time ();
      app_stop (NULL);
      return;
    }
  app_ping ();
}

static void
app_ping_sent_cb (GObject      *source,
                  GAsyncResult *res,
                  gpointer      user_data)
{
  GError *error = NULL;
  gboolean ok;

  ok = app.typed ? task9_channel_send_value_finish (app.ping, res, &error)
                 : task9_channel_send_finish (app.ping, res, &error);
  if (!ok)
    {
      app_stop (error);
      return;
    }
  if (app.typed)
    task9_channel_recv_value_async (app.pong, NULL, app_pong_received_cb, NULL);
  else
    task9_channel_recv_async (app.pong, &app.ping_slot, NULL, app_pong_received_cb, NULL);
}

static void
app_ping (void)
{
  if (app.typed)
    {
      GValue value = G_VALUE_INIT;

      g_value_init (&value, G_TYPE_INT);
      g_value_set_int (&value, (int) app.pinged);
      task9_channel_send_value_async (app.ping, &value, NULL, app_ping_sent_cb, NULL);
      g_value_unset (&value);
    }
  else
    {
      app.ping_elem = (int) app.pinged;
      task9_channel_send_async (app.ping, &app.ping_elem, NULL, app_ping_sent_cb, NULL);
    }
}

static void
app_pong_sent_cb (GObject      *source,
                  GAsyncResult *res,
                  gpointer      user_data)
{
  GError *error = NULL;
  gboolean ok;

  ok = app.typed ? task9_channel_send_value_finish (app.pong, res, &error)
                 : task9_channel_send_finish (app.pong, res, &error);
  if (!ok)
    {
      app_stop (error);
      return;
    }
  if (++app.ponged == app.n_total)
    {
      app_stop (NULL);
      return;
    }
  app_pong_recv ();
}

static void
app_ping_received_cb (GObject      *source,
                      GAsyncResult *res,
                      gpointer      user_data)
{
  GError *error = NULL;

  if (app.typed)
    {
      if (!task9_channel_recv_value_finish (app.ping, res, &app.pong_value, &error))
        {
          app_stop (error);
          return;
        }
      task9_channel_send_value_async (app.pong, &app.pong_value, NULL, app_pong_sent_cb, NULL);
    }
  else
    {
      if (!task9_channel_recv_finish (app.ping, res, &error))
        {
          app_stop (error);
          return;
        }
      task9_channel_send_async (app.pong, &app.pong_slot, NULL, app_pong_sent_cb, NULL);
    }
}

static void
app_pong_recv (void)
{
  if (app.typed)
    task9_channel_recv_value_async (app.ping, NULL, app_ping_received_cb, NULL);
  else
    task9_channel_recv_async (app.ping, &app.pong_slot, NULL, app_ping_received_cb, NULL);
}

static gboolean
app_start_cb (gpointer user_data)
{
  app_pong_recv ();
  app_ping ();
  return G_SOURCE_REMOVE;
}

static gboolean
run_async_pingpong (gboolean   typed,
                    guint      n,
                    double    *ns,
                    GError   **error)
{
  g_autoptr(Task9Channel) ping = NULL;
  g_autoptr(Task9Channel) pong = NULL;
  g_autoptr(Task9Channel) done = task9_channel_new (sizeof (int), 0);
  g_autoptr(GSource) start = g_idle_source_new ();
  int one = 0;

  ping = typed ? task9_channel_new_typed (G_TYPE_INT, 0) : task9_channel_new (sizeof (int), 0);
  pong = typed ? task9_channel_new_typed (G_TYPE_INT, 0) : task9_channel_new (sizeof (int), 0);
  memset (&app, 0, sizeof app);
  app.ping = ping;
  app.pong = pong;
  app.done = done;
  app.typed = typed;
  app.n_total = PINGPONG_WARMUP + n;

  g_source_set_callback (start, app_start_cb, NULL, NULL);
  g_source_attach (start, task9_proc_get_context (task9_proc_get_main ()));
  if (!task9_channel_recv_full (done, &one, WAIT_TIMEOUT, NULL, error))
    return FALSE;

  if (G_IS_VALUE (&app.ping_value))
    g_value_unset (&app.ping_value);
  if (G_IS_VALUE (&app.pong_value))
    g_value_unset (&app.pong_value);
  if (app.error != NULL)
    {
      g_propagate_error (error, app.error);
      app.error = NULL;
      return FALSE;
    }
  *ns = (app.t1 - app.t0) * 1000.0 / n;
  return TRUE;
}

static gboolean
bench_async_pingpong (guint    n,
                      GError **error)
{
  double ns;

  if (!run_async_pingpong (FALSE, n, &ns, error))
    return FALSE;
  result ("async_pingpong_ns", ns, "ns/roundtrip");
  return TRUE;
}

static gboolean
bench_async_pingpong_typed (guint    n,
                            GError **error)
{
  double ns;

  if (!run_async_pingpong (TRUE, n, &ns, error))
    return FALSE;
  result ("async_pingpong_typed_ns", ns, "ns/roundtrip");
  return TRUE;
}

/* signal_latency {{{1
 *
 * signal_latency_us: the main task subscribes to SIGUSR1
 * (task9_signal_subscribe, one slot), then N times: reads the clock, sends
 * kill (getpid (), SIGUSR1), receives the delivery from its channel and reads
 * the clock again; the median of those N spans (CLOCK_MONOTONIC, ns
 * resolution), after 100 warm-up rounds. One signal in flight at a time, so
 * none is merged. The path: GLib's handler, GLib's worker thread, the
 * library's service thread (the route's source), the channel, the main proc's
 * wake-up, the task.
 * signal_latency_p99_us: the 99th percentile of the same spans.
 * peer.signal_latency_us (and peer.signal_latency_p99_us): the same
 * measured in the same run, just before, for plain GLib: a g_unix_signal
 * source on a GMainContext of its own iterated by a thread of its own (the
 * main proc owns the default context), from kill() to the callback running.
 * The library catches nothing yet then, so only the peer's source does. On a
 * shared machine both figures move a lot from run to run (5 to 50 us here);
 * compare them within one run. */

static gint64
now_ns (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (gint64) ts.tv_sec * 1000000000 + ts.tv_nsec;
}

#define SIGNAL_WARMUP 100

typedef struct
{
  guint   n;
  gint64 *spans;
  gint    delivered;   /* set by the callback */
} SignalPeer;

static gboolean
signal_peer_cb (gpointer data)
{
  SignalPeer *peer = data;

  peer->delivered = TRUE;
  return G_SOURCE_CONTINUE;
}

static gpointer
signal_peer_thread (gpointer data)
{
  SignalPeer *peer = data;
  GMainContext *context = g_main_context_new ();
  GSource *source = g_unix_signal_source_new (SIGUSR1);

  g_main_context_push_thread_default (context);
  g_source_set_callback (source, signal_peer_cb, peer, NULL);
  g_source_attach (source, context);
  for (guint i = 0; i < SIGNAL_WARMUP + peer->n; i++)
    {
      gint64 t0 = now_ns ();

      peer->delivered = FALSE;
      kill (getpid (), SIGUSR1);
      while (!peer->delivered)
        g_main_context_iteration (context, TRUE);
      if (i >= SIGNAL_WARMUP)
        peer->spans[i - SIGNAL_WARMUP] = now_ns () - t0;
    }
  g_source_destroy (source);
  g_source_unref (source);
  g_main_context_pop_thread_default (context);
  g_main_context_unref (context);
  return NULL;
}

static gboolean
bench_signal_latency (guint    n,
                      GError **error)
{
  g_autofree gint64 *spans = g_new (gint64, n);
  Task9Channel *channel;
  SignalPeer peer = { n, NULL, FALSE };

  if (n == 0)
    return TRUE;

  /* The peer first, while nothing of ours catches SIGUSR1 yet. */
  peer.spans = g_new (gint64, n);
  g_thread_join (g_thread_new ("signal-peer", signal_peer_thread, &peer));

  channel = task9_signal_subscribe (SIGUSR1, 1, error);
  if (channel == NULL)
    return FALSE;
  for (guint i = 0; i < SIGNAL_WARMUP + n; i++)
    {
      gint64 t0 = now_ns ();
      gint signum = 0;

      kill (getpid (), SIGUSR1);
      if (!task9_channel_recv_full (channel, &signum, WAIT_TIMEOUT, NULL, error))
        {
          g_object_unref (channel);
          g_free (peer.spans);
          return FALSE;
        }
      if (i >= SIGNAL_WARMUP)
        spans[i - SIGNAL_WARMUP] = now_ns () - t0;
    }
  if (task9_channel_get_dropped (channel) != 0)
    {
      g_set_error (error, TASK9_ERROR, TASK9_ERROR_FAILED,
                   "%" G_GUINT64_FORMAT " deliveries dropped with one signal in flight",
                   task9_channel_get_dropped (channel));
      g_object_unref (channel);
      g_free (peer.spans);
      return FALSE;
    }
  g_object_unref (channel);
  result ("signal_latency_us", percentile (spans, n, 50) / 1000.0, "us");
  result ("signal_latency_p99_us", percentile (spans, n, 99) / 1000.0, "us");
  result ("peer.signal_latency_us", percentile (peer.spans, n, 50) / 1000.0, "us");
  result ("peer.signal_latency_p99_us", percentile (peer.spans, n, 99) / 1000.0, "us");
  g_free (peer.spans);
  return TRUE;
}

/* fd readiness and task sockets: helpers {{{1
 *
 * The echo benchmarks measure the echo server of examples/echo-server.c (the same
 * code: a task per connection, task9_fd_read + task9_fd_write_all, on the main proc)
 * under a load client that is a separate process (bench/echo-client.c, plain epoll),
 * then Go's net package under the same client in the same run (bench/echo-go/echo.go,
 * goroutine per connection, GOMAXPROCS=1; built here with `go build` when go is
 * installed). Both servers set TCP_NODELAY on accepted connections (Go does by
 * default). The bench waits for the client's report by reading its stdout with
 * task9_fd_read(), so the server tasks run meanwhile. */

#ifndef TASK9_BENCH_SRCDIR
# define TASK9_BENCH_SRCDIR "."
#endif
#ifndef TASK9_BENCH_BUILDDIR
# define TASK9_BENCH_BUILDDIR "."
#endif

#define ECHO_ROUNDS 3   /* ours and the peer's, alternating; the medians are printed */

static void
raise_nofile_limit (void)
{
  struct rlimit rl;

  if (getrlimit (RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max)
    {
      rl.rlim_cur = rl.rlim_max;
      setrlimit (RLIMIT_NOFILE, &rl);
    }
}

static double
echo_seconds (void)
{
  const char *env = g_getenv ("TASK9_ECHO_SECONDS");

  return env != NULL ? g_ascii_strtod (env, NULL) : 2.0;
}

static double
median3 (double *v)
{
  qsort (v, ECHO_ROUNDS, sizeof (double), compare_double);
  return v[ECHO_ROUNDS / 2];
}

/* Spawns @argv (with @envp, or ours) with its stdout on a pipe whose read end goes
 * to *@out_fd, non-blocking. */
static gboolean
spawn_piped (char   **argv,
             char   **envp,
             GPid    *pid,
             int     *out_fd,
             GError **error)
{
  if (!g_spawn_async_with_pipes (NULL, argv, envp,
                                 G_SPAWN_DO_NOT_REAP_CHILD,
                                 NULL, NULL, pid, NULL, out_fd, NULL, error))
    return FALSE;
  return task9_fd_set_nonblocking (*out_fd, error);
}

/* In a task: reads from @fd until end of file (or, with @line, a newline). */
static char *
read_output (int        fd,
             gboolean   line,
             GError   **error)
{
  GString *out = g_string_new (NULL);
  char buf[512];
  gssize n;

  while ((n = task9_fd_read (fd, buf, line ? 1 : sizeof buf, 60 * G_TIME_SPAN_SECOND, NULL, error)) > 0)
    {
      g_string_append_len (out, buf, n);
      if (line && buf[0] == '\n')
        break;
    }
  if (n < 0)
    {
      g_string_free (out, TRUE);
      return NULL;
    }
  return g_string_free (out, FALSE);
}

static void
reap (GPid pid)
{
  int status;

  while (waitpid (pid, &status, 0) < 0 && errno == EINTR)
    ;
  g_spawn_close_pid (pid);
}

/* Runs the client against @port; returns its messages/s, -1 on error. */
static double
run_echo_client (guint16   port,
                 guint     n_conns,
                 GError  **error)
{
  g_autofree char *port_s = g_strdup_printf ("%u", port);
  g_autofree char *conns_s = g_strdup_printf ("%u", n_conns);
  g_autofree char *seconds_s = g_strdup_printf ("%g", echo_seconds ());
  char *argv[] = { (char *) TASK9_ECHO_CLIENT, (char *) "127.0.0.1", port_s, conns_s,
                   seconds_s, (char *) "64", NULL };
  g_autofree char *out = NULL;
  const char *rate, *errors;
  GPid pid;
  int fd;

  if (!spawn_piped (argv, NULL, &pid, &fd, error))
    return -1;
  out = read_output (fd, FALSE, error);
  close (fd);
  reap (pid);
  if (out == NULL)
    return -1;
  rate = strstr (out, "messages_per_s ");
  errors = strstr (out, "errors ");
  if (rate == NULL || errors == NULL || g_ascii_strtoull (errors + 7, NULL, 10) != 0)
    {
      g_set_error (error, TASK9_ERROR, TASK9_ERROR_FAILED, "echo client failed: %s", out);
      return -1;
    }
  return g_ascii_strtod (rate + 15, NULL);
}

/* Our echo server: examples/echo-server.c's serve(), with TCP_NODELAY. */
typedef struct
{
  int           listen_fd;
  GCancellable *stop;
  guint         n_open;
} EchoServer;

typedef struct
{
  EchoServer *server;
  int         fd;
} EchoConn;

static gpointer
echo_serve (gpointer data, GError **error)
{
  EchoConn *conn = data;
  char buf[4096];
  gssize n;

  while ((n = task9_fd_read (conn->fd, buf, sizeof buf, -1, conn->server->stop, error)) > 0)
    if (!task9_fd_write_all (conn->fd, buf, n, NULL, -1, conn->server->stop, error))
      break;
  g_clear_error (error);   /* a reset connection is no failure of the benchmark */
  task9_fd_close (conn->fd, NULL);
  conn->server->n_open--;
  g_free (conn);
  return NULL;
}

static gpointer
echo_acceptor (gpointer data, GError **error)
{
  EchoServer *server = data;
  int fd, one = 1;

  while ((fd = task9_fd_accept (server->listen_fd, -1, server->stop, NULL)) >= 0)
    {
      EchoConn *conn = g_new (EchoConn, 1);
      Task9Task *task;

      setsockopt (fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      conn->server = server;
      conn->fd = fd;
      server->n_open++;
      task = task9_task_spawn ("echo-conn", echo_serve, conn, NULL, NULL);
      if (task == NULL)
        {
          server->n_open--;
          task9_fd_close (fd, NULL);
          g_free (conn);
        }
      g_clear_pointer (&task, task9_task_unref);
    }
  return NULL;
}

static double
run_echo_ours (guint n_conns, GError **error)
{
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new_from_string ("127.0.0.1", 0);
  EchoServer server = { -1, g_cancellable_new (), 0 };
  g_autoptr(Task9Task) acceptor = NULL;
  struct sockaddr_in bound;
  socklen_t len = sizeof bound;
  double rate = -1;
  guint zero = 0;

  server.listen_fd = task9_fd_listen (address, 65535, error);
  if (server.listen_fd < 0)
    goto out;
  getsockname (server.listen_fd, (struct sockaddr *) &bound, &len);
  acceptor = task9_task_spawn ("echo-acceptor", echo_acceptor, &server, NULL, error);
  if (acceptor == NULL)
    goto out;

  rate = run_echo_client (g_ntohs (bound.sin_port), n_conns, error);

  /* The client closed its connections: wait for them to end, then stop accepting. */
  g_cancellable_cancel (server.stop);
  join_task (acceptor, NULL);
  while (server.n_open > zero)
    if (!task9_sleep (G_TIME_SPAN_MILLISECOND, NULL))
      break;
out:
  if (server.listen_fd >= 0)
    task9_fd_close (server.listen_fd, NULL);
  g_object_unref (server.stop);
  return rate;
}

/* Builds the Go peer bench/@dir/@file into the build directory as @binary_name unless
 * it is there; NULL without go. Every Go peer is built this way. */
static char *
go_peer (const char *dir,
         const char *file,
         const char *binary_name)
{
  g_autofree char *go = g_find_program_in_path ("go");
  char *binary = g_build_filename (TASK9_BENCH_BUILDDIR, binary_name, NULL);
  g_autofree char *source = g_build_filename (TASK9_BENCH_SRCDIR, dir, file, NULL);
  g_autofree char *cache = g_build_filename (TASK9_BENCH_BUILDDIR, "go-cache", NULL);
  char *argv[] = { go, (char *) "build", (char *) "-o", binary, source, NULL };
  char **envp;
  int status = 1;

  if (g_file_test (binary, G_FILE_TEST_IS_EXECUTABLE))
    return binary;
  if (go == NULL)
    {
      g_free (binary);
      return NULL;
    }
  envp = g_environ_setenv (g_get_environ (), "GOCACHE", cache, FALSE);
  envp = g_environ_setenv (envp, "GO111MODULE", "off", FALSE);
  if (!g_spawn_sync (NULL, argv, envp, G_SPAWN_DEFAULT, NULL, NULL, NULL, NULL, &status, NULL) ||
      status != 0)
    {
      g_printerr ("task9-bench: go build %s failed: no peer figure\n", source);
      g_clear_pointer (&binary, g_free);
    }
  g_strfreev (envp);
  return binary;
}

static char *
go_echo_server (void)
{
  return go_peer ("echo-go", "echo.go", "echo-go-server");
}

static double
run_echo_go (const char *binary, guint n_conns, GError **error)
{
  char *argv[] = { (char *) binary, NULL };
  char **envp = g_environ_setenv (g_get_environ (), "GOMAXPROCS", "1", TRUE);
  g_autofree char *line = NULL;
  double rate = -1;
  guint port = 0;
  GPid pid;
  int fd;

  if (!spawn_piped (argv, envp, &pid, &fd, error))
    {
      g_strfreev (envp);
      return -1;
    }
  g_strfreev (envp);
  line = read_output (fd, TRUE, error);
  if (line != NULL && sscanf (line, "listening on %u", &port) == 1)
    rate = run_echo_client (port, n_conns, error);
  else if (line != NULL)
    g_set_error (error, TASK9_ERROR, TASK9_ERROR_FAILED, "Go echo server: %s", line);
  kill (pid, SIGKILL);
  close (fd);
  reap (pid);
  return rate;
}

/* echo_rps_1k, echo_rps_10k {{{1
 *
 * echo_rps_<N>: messages/s of 64 bytes echoed over N persistent loopback
 * connections in a closed loop, for TASK9_ECHO_SECONDS (2 by default), by our
 * echo server on one proc; the median of 3 runs, alternating with the peer.
 * Peer (same run, same client): peer.echo_rps_<N>, Go's net, GOMAXPROCS=1. */

static gboolean
bench_echo (const char *name,
            guint       n_conns,
            GError    **error)
{
  g_autofree char *go_binary = go_echo_server ();
  double ours[ECHO_ROUNDS], peer[ECHO_ROUNDS];

  raise_nofile_limit ();
  for (guint round = 0; round < ECHO_ROUNDS; round++)
    {
      ours[round] = run_echo_ours (n_conns, error);
      if (ours[round] < 0)
        return FALSE;
      if (go_binary != NULL)
        {
          peer[round] = run_echo_go (go_binary, n_conns, error);
          if (peer[round] < 0)
            return FALSE;
        }
    }
  result (name, median3 (ours), "msgs/s");
  if (go_binary != NULL)
    resultf (median3 (peer), "msgs/s", "peer.%s", name);
  return TRUE;
}

static gboolean
bench_echo_rps_1k (guint    n,
                   GError **error)
{
  return bench_echo ("echo_rps_1k", n, error);
}

static gboolean
bench_echo_rps_10k (guint    n,
                    GError **error)
{
  return bench_echo ("echo_rps_10k", n, error);
}

/* fdwait_dispatch {{{1
 *
 * fdwait_dispatch_ns: two tasks on the main proc wake each other through two
 * pipes (write a byte; the other, waiting in task9_fd_wait(), wakes, reads it
 * and writes back) while 10,000 other tasks each wait on an fd of their own
 * (eventfds that never become ready); wall time / number of wakes. The time
 * includes the pipe's read and write. Peer line (peer.fdwait_dispatch_ns): the
 * same with no other fd waiting, to show what the 10,000 cost. */

#define FDWAIT_OTHERS 10000

typedef struct
{
  int   in;
  int   out;
  guint n;
} FdPong;

static gpointer
fdwait_idle (gpointer data, GError **error)
{
  /* Ends with G_IO_ERROR_CLOSED when the bench closes its fd. */
  task9_fd_wait (GPOINTER_TO_INT (data), G_IO_IN, -1, NULL, NULL);
  return NULL;
}

static gpointer
fdwait_ponger (gpointer data, GError **error)
{
  FdPong *p = data;
  char byte;

  for (guint i = 0; i < p->n; i++)
    {
      if (task9_fd_wait (p->in, G_IO_IN, -1, NULL, error) == 0 ||
          read (p->in, &byte, 1) != 1 || write (p->out, &byte, 1) != 1)
        return NULL;
    }
  return NULL;
}

static gboolean
run_fdwait (guint    n_others,
            guint    n,
            double  *ns,
            GError **error)
{
  int a[2], b[2], *others = g_new (int, n_others);
  Task9Task **idle = g_new0 (Task9Task *, n_others);
  g_autoptr(Task9Task) ponger = NULL;
  FdPong pong;
  gboolean ok = FALSE;
  gint64 t0;
  char byte = 'x';

  if (!g_unix_open_pipe (a, FD_CLOEXEC, error) || !g_unix_open_pipe (b, FD_CLOEXEC, error))
    return FALSE;
  task9_fd_set_nonblocking (a[0], NULL);
  task9_fd_set_nonblocking (b[0], NULL);
  for (guint i = 0; i < n_others; i++)
    {
      others[i] = eventfd (0, EFD_CLOEXEC | EFD_NONBLOCK);
      if (others[i] < 0)
        {
          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno), "eventfd: %s", g_strerror (errno));
          n_others = i;
          goto out;
        }
      idle[i] = task9_task_spawn ("fd-idle", fdwait_idle, GINT_TO_POINTER (others[i]), NULL, error);
      if (idle[i] == NULL)
        goto out;
    }
  /* Let them all park. */
  task9_yield ();

  pong = (FdPong) { a[0], b[1], n };
  ponger = task9_task_spawn ("fd-ponger", fdwait_ponger, &pong, NULL, error);
  if (ponger == NULL)
    goto out;

  t0 = g_get_monotonic_time ();
  for (guint i = 0; i < n; i++)
    {
      if (write (a[1], &byte, 1) != 1 ||
          task9_fd_wait (b[0], G_IO_IN, -1, NULL, error) == 0 ||
          read (b[0], &byte, 1) != 1)
        goto out;
    }
  *ns = (g_get_monotonic_time () - t0) * 1000.0 / (2.0 * n);
  ok = join_task (ponger, error);

out:
  for (guint i = 0; i < n_others; i++)
    {
      task9_fd_close (others[i], NULL);
      if (idle[i] != NULL)
        {
          join_task (idle[i], NULL);
          task9_task_unref (idle[i]);
        }
    }
  close (a[0]);
  close (a[1]);
  close (b[0]);
  close (b[1]);
  g_free (idle);
  g_free (others);
  return ok;
}

static gboolean
bench_fdwait_dispatch (guint    n,
                       GError **error)
{
  double ours[ECHO_ROUNDS], peer[ECHO_ROUNDS];

  raise_nofile_limit ();
  for (guint round = 0; round < ECHO_ROUNDS; round++)
    {
      if (!run_fdwait (FDWAIT_OTHERS, n, &ours[round], error) ||
          !run_fdwait (0, n, &peer[round], error))
        return FALSE;
    }
  result ("fdwait_dispatch_ns", median3 (ours), "ns/wake");
  result ("peer.fdwait_dispatch_ns", median3 (peer), "ns/wake");
  return TRUE;
}

/* offload_rtt {{{1
 *
 * offload_rtt_us: the main task calls task9_run_in_thread() of an empty function N
 * times, one after the other; wall time / N (a round trip: to a worker thread and back
 * to the waiting task). Peer line (peer.offload_rtt_us): the same with plain GLib,
 * g_task_run_in_thread() of an empty function whose callback starts the next one, on
 * a GMainLoop of a thread of its own in this process. Three rounds each, alternating;
 * the medians are printed. */

static gpointer
offload_empty (gpointer      data,
               GCancellable *cancellable,
               GError      **error)
{
  return data;
}

static gboolean
run_offload (guint    n,
             double  *us,
             GError **error)
{
  gint64 t0 = g_get_monotonic_time ();

  for (guint i = 0; i < n; i++)
    if (task9_run_in_thread (offload_empty, GUINT_TO_POINTER (i + 1), NULL, NULL, -1, NULL,
                             error) != GUINT_TO_POINTER (i + 1))
      return FALSE;
  *us = (double) (g_get_monotonic_time () - t0) / n;
  return TRUE;
}

typedef struct
{
  GMainLoop *loop;
  guint      left;
  guint      bad;
} GTaskPeer;

static void
gtask_empty (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  g_task_return_pointer (task, task_data, NULL);
}

static void gtask_next (GTaskPeer *peer);

static void
gtask_done (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  GTaskPeer *peer = user_data;

  if (g_task_propagate_pointer (G_TASK (result), NULL) != GUINT_TO_POINTER (peer->left))
    peer->bad++;
  if (--peer->left == 0)
    g_main_loop_quit (peer->loop);
  else
    gtask_next (peer);
}

static void
gtask_next (GTaskPeer *peer)
{
  GTask *task = g_task_new (NULL, NULL, gtask_done, peer);

  g_task_set_task_data (task, GUINT_TO_POINTER (peer->left), NULL);
  g_task_run_in_thread (task, gtask_empty);
  g_object_unref (task);
}

static gpointer
gtask_peer_thread (gpointer data)
{
  GTaskPeer *peer = data;
  GMainContext *context = g_main_context_new ();

  g_main_context_push_thread_default (context);
  peer->loop = g_main_loop_new (context, FALSE);
  gtask_next (peer);
  g_main_loop_run (peer->loop);
  g_main_loop_unref (peer->loop);
  g_main_context_pop_thread_default (context);
  g_main_context_unref (context);
  return NULL;
}

static gboolean
run_gtask_peer (guint    n,
                double  *us,
                GError **error)
{
  GTaskPeer peer = { NULL, n, 0 };
  gint64 t0 = g_get_monotonic_time ();

  g_thread_join (g_thread_new ("gtask-peer", gtask_peer_thread, &peer));
  *us = (double) (g_get_monotonic_time () - t0) / n;
  if (peer.bad != 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "g_task_run_in_thread: %u wrong results",
                   peer.bad);
      return FALSE;
    }
  return TRUE;
}

static gboolean
bench_offload_rtt (guint    n,
                   GError **error)
{
  double ours[ECHO_ROUNDS], peer[ECHO_ROUNDS];

  /* Warm-up: the workers exist, as GLib's pool threads do after their first use. */
  if (!run_offload (MIN (n, 1000), &ours[0], error) ||
      !run_gtask_peer (MIN (n, 1000), &peer[0], error))
    return FALSE;
  for (guint round = 0; round < ECHO_ROUNDS; round++)
    {
      if (!run_offload (n, &ours[round], error) ||
          !run_gtask_peer (n, &peer[round], error))
        return FALSE;
    }
  result ("offload_rtt_us", median3 (ours), "us/call");
  result ("peer.offload_rtt_us", median3 (peer), "us/call");
  return TRUE;
}

/* Python tasklets {{{1 */

/* Runs bench/py-bench.py @name @n under Debian's python3 with the build tree's typelib,
 * library and override; it prints its RESULT lines and the asyncio peer's itself. */
static gboolean
run_py_bench (const char *name,
              guint       n,
              GError    **error)
{
  g_autofree char *script = g_build_filename (TASK9_BENCH_SRCDIR, "py-bench.py", NULL);
  g_autofree char *n_arg = g_strdup_printf ("%u", n);
  g_autofree char *typelibs = g_build_filename (TASK9_BENCH_BUILDDIR, "..", "introspection", NULL);
  g_autofree char *pypath = g_build_filename (typelibs, "python", NULL);
  g_autofree char *libdir = g_build_filename (TASK9_BENCH_BUILDDIR, "..", "libtask9-glib", NULL);
  char *argv[] = { (char *) "/usr/bin/python3", script, (char *) name, n_arg, NULL };
  g_auto(GStrv) envp = g_get_environ ();
  int status = 1;

  if (!g_file_test (argv[0], G_FILE_TEST_IS_EXECUTABLE))
    {
      g_printerr ("task9-bench: no /usr/bin/python3: no %s\n", name);
      return TRUE;
    }
  envp = g_environ_setenv (envp, "GI_TYPELIB_PATH", typelibs, TRUE);
  envp = g_environ_setenv (envp, "PYTHONPATH", pypath, TRUE);
  envp = g_environ_setenv (envp, "LD_LIBRARY_PATH", libdir, TRUE);
  if (!g_spawn_sync (NULL, argv, envp, G_SPAWN_CHILD_INHERITS_STDIN, NULL, NULL, NULL, NULL,
                     &status, error))
    return FALSE;
  return g_spawn_check_wait_status (status, error);
}

static gboolean
bench_py_pingpong (guint n, GError **error)
{
  return run_py_bench ("py_pingpong_us", n, error);
}

static gboolean
bench_py_spawn (guint n, GError **error)
{
  return run_py_bench ("py_spawn_us", n, error);
}

/* gjs_pingpong {{{1
 *
 * gjs_pingpong_us: bench/gjs-bench.js, run here under gjs against the build tree (GJS_PATH
 * names introspection/ of the source tree, where overrides/Task9.js is; GI_TYPELIB_PATH
 * and LD_LIBRARY_PATH the build tree's typelib and library): two JS tasks of the GJS
 * override ping-pong an int over two unbuffered typed channels, per round trip; the
 * peer (peer.gjs_pingpong_us, same run, same gjs) is two plain async functions over a
 * Promise-based rendezvous channel. The script prints both RESULT lines; they are
 * relayed here. Without gjs or the GIR it is skipped with a message. */

#ifdef TASK9_BENCH_TYPELIBDIR
static char **
environ_prepend (char      **envp,
                 const char *name,
                 const char *dir)
{
  const char *old = g_environ_getenv (envp, name);
  g_autofree char *value = old != NULL && *old != '\0'
                           ? g_strconcat (dir, G_SEARCHPATH_SEPARATOR_S, old, NULL)
                           : g_strdup (dir);

  return g_environ_setenv (envp, name, value, TRUE);
}
#endif

static gboolean
bench_gjs_pingpong (guint    n,
                    GError **error)
{
#ifndef TASK9_BENCH_TYPELIBDIR
  (void) n;
  (void) error;
  g_printerr ("task9-bench: built without the GIR: no gjs_pingpong_us\n");
  return TRUE;
#else
  g_autofree char *gjs = g_find_program_in_path ("gjs");
  g_autofree char *typelib = g_build_filename (TASK9_BENCH_TYPELIBDIR, "Task9-1.typelib", NULL);
  g_autofree char *script = g_build_filename (TASK9_BENCH_SRCDIR, "gjs-bench.js", NULL);
  g_autofree char *rounds = g_strdup_printf ("%u", n);
  g_autofree char *out = NULL;
  g_auto(GStrv) lines = NULL;
  char *argv[] = { gjs, script, rounds, NULL };
  char **envp;
  guint printed = 0;
  int status = 0;
  GPid pid;
  int fd;

  if (gjs == NULL)
    {
      g_printerr ("task9-bench: gjs not found: no gjs_pingpong_us\n");
      return TRUE;
    }
  if (!g_file_test (typelib, G_FILE_TEST_EXISTS))
    {
      g_printerr ("task9-bench: no %s: no gjs_pingpong_us\n", typelib);
      return TRUE;
    }
  envp = g_get_environ ();
  envp = environ_prepend (envp, "GJS_PATH", TASK9_BENCH_GJS_PATH);
  envp = environ_prepend (envp, "GI_TYPELIB_PATH", TASK9_BENCH_TYPELIBDIR);
  envp = environ_prepend (envp, "LD_LIBRARY_PATH", TASK9_BENCH_LIBDIR);
  if (!spawn_piped (argv, envp, &pid, &fd, error))
    {
      g_strfreev (envp);
      return FALSE;
    }
  g_strfreev (envp);
  /* Read in a task: the main proc stays responsive while gjs runs. */
  out = read_output (fd, FALSE, error);
  close (fd);
  while (waitpid (pid, &status, 0) < 0 && errno == EINTR)
    ;
  g_spawn_close_pid (pid);
  if (out == NULL)
    return FALSE;
  lines = g_strsplit (out, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    if (g_str_has_prefix (lines[i], "RESULT "))
      {
        printf ("%s\n", lines[i]);
        printed++;
      }
  fflush (stdout);
  if (!WIFEXITED (status) || WEXITSTATUS (status) != 0 || printed < 2)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   "%s %s failed (status %d, %u RESULT lines)", gjs, script, status, printed);
      return FALSE;
    }
  return TRUE;
#endif
}

/* The table {{{1 */

/* lock_handoff {{{1
 *
 * lock_handoff_ns: two tasks on the main proc alternate holding one Task9Lock, each
 * looping { acquire; task9_yield(); release } N/2 times; wall time / N acquisitions.
 * The yield lets the other task ask for the lock while it is held, so every release
 * hands it over to a parked waiter (Task9Lock never lets the releaser barge back in).
 * Peer (same run): peer.lock_handoff_ns, Go's sync.Mutex between two goroutines doing
 * the same with runtime.Gosched(), GOMAXPROCS=1 (bench/lock-go/lock.go, built at run
 * time when go is installed). */

typedef struct
{
  Task9Lock *lock;
  guint      n;
  guint     *counter;
} LockLoop;

static gpointer
lock_loop (gpointer data,
           GError **error)
{
  LockLoop *l = data;

  for (guint i = 0; i < l->n; i++)
    {
      if (!task9_lock_acquire (l->lock, -1, NULL, error))
        return NULL;
      task9_yield ();
      (*l->counter)++;
      if (!task9_lock_release (l->lock, error))
        return NULL;
    }
  return NULL;
}

static double
run_lock_go (guint     n,
             GError  **error)
{
  g_autofree char *binary = go_peer ("lock-go", "lock.go", "lock-go-peer");
  g_autofree char *count = g_strdup_printf ("%u", n);
  g_autofree char *out = NULL;
  char *argv[] = { binary, count, NULL };
  char **envp;
  double ns = -1;
  int status = 1;

  if (binary == NULL)
    return -1;
  envp = g_environ_setenv (g_get_environ (), "GOMAXPROCS", "1", TRUE);
  if (g_spawn_sync (NULL, argv, envp, G_SPAWN_DEFAULT, NULL, NULL, &out, NULL, &status, error) &&
      status == 0 && out != NULL && sscanf (out, "ns %lf", &ns) == 1)
    {
      g_strfreev (envp);
      return ns;
    }
  g_strfreev (envp);
  if (error != NULL && *error == NULL)
    g_set_error (error, TASK9_ERROR, TASK9_ERROR_FAILED, "Go lock peer: %s", out ? out : "");
  return -1;
}

static gboolean
bench_lock_handoff (guint    n,
                    GError **error)
{
  g_autoptr (Task9Lock) lock = task9_lock_new ();
  guint counter = 0;
  LockLoop loops[2] = { { lock, n / 2, &counter }, { lock, n / 2, &counter } };
  Task9Task *tasks[2];
  GError *local = NULL;
  gint64 t0, elapsed;
  double peer;

  t0 = g_get_monotonic_time ();
  for (guint i = 0; i < 2; i++)
    {
      tasks[i] = task9_task_spawn ("lock-loop", lock_loop, &loops[i], NULL, error);
      if (tasks[i] == NULL)
        g_error ("task9-bench: cannot spawn: %s", (*error)->message);
    }
  for (guint i = 0; i < 2; i++)
    {
      task9_task_join (tasks[i], -1, local == NULL ? &local : NULL);
      task9_task_unref (tasks[i]);
    }
  elapsed = g_get_monotonic_time () - t0;
  if (local != NULL)
    {
      g_propagate_error (error, local);
      return FALSE;
    }
  if (counter != 2 * (n / 2))
    {
      g_set_error (error, TASK9_ERROR, TASK9_ERROR_FAILED, "lost increments under the lock");
      return FALSE;
    }
  result ("lock_handoff_ns", elapsed * 1000.0 / (2.0 * (n / 2)), "ns/acquisition");

  peer = run_lock_go (n, &local);
  if (peer >= 0)
    result ("peer.lock_handoff_ns", peer, "ns/acquisition");
  else if (local != NULL)
    {
      g_printerr ("task9-bench: %s: no peer figure\n", local->message);
      g_clear_error (&local);
    }
  return TRUE;
}

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
  { "pingpong", bench_pingpong, 5000000, FALSE,
    "round trips", "pingpong_ns" },
  { "queue_pingpong", bench_queue_pingpong, 2000000, FALSE,
    "round trips (each side)", "queue_pingpong_ns" },
  { "cancellable_pingpong", bench_cancellable_pingpong, 2000000, FALSE,
    "round trips", "cancellable_pingpong_ns" },
  { "buffered", bench_buffered, 20000000, FALSE,
    "items", "buffered128_ns" },
  { "select2", bench_select2, 5000000, FALSE,
    "items", "select2_ns" },
  { "select8", bench_select8, 5000000, FALSE,
    "items", "select8_ns" },
  { "selectready2", bench_selectready2, 10000000, FALSE,
    "sends + alts", "selectready2_ns" },
  { "selectready8", bench_selectready8, 10000000, FALSE,
    "sends + alts", "selectready8_ns" },
  { "xproc_pingpong", bench_xproc_pingpong, 100000, FALSE,
    "round trips", "xproc_pingpong_ns" },
  { "async_pingpong", bench_async_pingpong, 200000, FALSE,
    "round trips", "async_pingpong_ns" },
  { "async_pingpong_typed", bench_async_pingpong_typed, 200000, FALSE,
    "round trips", "async_pingpong_typed_ns" },
  { "signal_latency", bench_signal_latency, 2000, FALSE,
    "signals", "signal_latency_us" },
  { "echo_rps_1k", bench_echo_rps_1k, 1000, FALSE,
    "connections", "echo_rps_1k" },
  { "echo_rps_10k", bench_echo_rps_10k, 10000, TRUE,
    "connections", "echo_rps_10k" },
  { "fdwait_dispatch", bench_fdwait_dispatch, 100000, FALSE,
    "wakes / 2", "fdwait_dispatch_ns" },
  { "offload_rtt", bench_offload_rtt, 20000, FALSE,
    "round trips", "offload_rtt_us" },
  { "lock_handoff", bench_lock_handoff, 1000000, FALSE,
    "acquisitions", "lock_handoff_ns" },
  { "py_pingpong", bench_py_pingpong, 20000, FALSE,
    "round trips (bench/py-bench.py)", "py_pingpong_us" },
  { "py_spawn", bench_py_spawn, 20000, FALSE,
    "tasklets (bench/py-bench.py)", "py_spawn_us" },
  { "gjs_pingpong", bench_gjs_pingpong, 10000, FALSE,
    "round trips", "gjs_pingpong_us" },
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

      printf ("%-20s -n %-8u (%s)%s\n                     figures: %s\n",
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
