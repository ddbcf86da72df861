/* test-util.h: helpers shared by the C tests
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Most tests run their body as a task on a proc of their own, started for the test and
 * stopped and joined at its end: run_in_task() does that, and the test thread (which is
 * no proc's) simply blocks in the join. Tests of the main proc drive the default context
 * with g_main_context_iteration() until a condition holds; nothing here sleeps to wait
 * for something to happen.
 */

#pragma once

#include <task9.h>
#include <gio/gio.h>

#if defined(HAVE_VALGRIND_H) && HAVE_VALGRIND_H
# include <valgrind/valgrind.h>
#else
# define RUNNING_ON_VALGRIND 0
#endif

#if defined(__has_feature)
# if __has_feature(address_sanitizer)
#  define TEST_UNDER_ASAN 1
# endif
#endif
#if defined(__SANITIZE_ADDRESS__) && !defined(TEST_UNDER_ASAN)
# define TEST_UNDER_ASAN 1
#endif
#ifndef TEST_UNDER_ASAN
# define TEST_UNDER_ASAN 0
#endif

#define TEST_NOINLINE __attribute__ ((noinline))

G_BEGIN_DECLS

/* Runs this test again in a child process, for a minute at most (g_test_subprocess()). */
static inline void
test_run_child (void)
{
  g_test_trap_subprocess (NULL, 60 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_DEFAULT);
}

/* Slow runtimes (valgrind is ~30x slower): scale stress sizes and time slack. */
static inline gboolean
test_is_slow_runtime (void)
{
  return RUNNING_ON_VALGRIND != 0;
}

static inline guint
test_scale (guint normal, guint under_valgrind)
{
  return test_is_slow_runtime () ? under_valgrind : normal;
}

/* The slack allowed for a wake-up after its deadline. */
static inline GTimeSpan
test_late_slack (void)
{
  return test_is_slow_runtime () ? 2 * G_TIME_SPAN_SECOND : 200 * G_TIME_SPAN_MILLISECOND;
}

static inline Task9Proc *
test_proc_new (const char *name)
{
  GError *error = NULL;
  Task9Proc *proc = task9_proc_new (name, &error);

  g_assert_no_error (error);
  g_assert_nonnull (proc);
  return proc;
}

/* Stops @proc, waits for its thread to end and drops the caller's reference. */
static inline void
test_proc_finish (Task9Proc *proc)
{
  GError *error = NULL;

  task9_proc_stop (proc);
  g_assert_true (task9_proc_join (proc, &error));
  g_assert_no_error (error);
  task9_proc_unref (proc);
}

/* A task that returns its data at once. */
static inline gpointer
test_return_data_task (gpointer data, GError **error)
{
  return data;
}

/* A task that sleeps until it is cancelled, then fails with the cancellation. */
static inline gpointer
test_sleep_forever_task (gpointer data, GError **error)
{
  task9_sleep (G_MAXINT64, error);
  return NULL;
}

/* A gate: sleeps until cancelled, then returns @data with success; a join waits for that. */
static inline gpointer
test_gate_task (gpointer data, GError **error)
{
  GError *local = NULL;

  g_assert_false (task9_sleep (G_MAXINT64, &local));
  g_assert_error (local, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_error_free (local);
  return data;
}

/* Where a task ran, as test_where_task() saw it. */
typedef struct
{
  Task9Proc    *proc;
  GThread      *thread;
  GMainContext *thread_default;
} TestWhere;

/* A task that fills in the TestWhere @data. */
static inline gpointer
test_where_task (gpointer data, GError **error)
{
  TestWhere *where = data;

  where->proc = task9_proc_get_current ();
  where->thread = g_thread_self ();
  where->thread_default = g_main_context_get_thread_default ();
  return NULL;
}

/* test_spawn_on() with a @stack_size stack (0: the proc's default). */
static inline Task9Task *
test_spawn_sized (Task9Proc     *proc,
                  const char    *name,
                  gsize          stack_size,
                  Task9TaskFunc  func,
                  gpointer       data)
{
  GError *error = NULL;
  Task9Task *task = task9_task_spawn_full (proc, name, stack_size, func, data, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (task);
  return task;
}

/* Spawns @func (@data) as @name on @proc (NULL: the current one); fails the test on error. */
static inline Task9Task *
test_spawn_on (Task9Proc     *proc,
               const char    *name,
               Task9TaskFunc  func,
               gpointer       data)
{
  return test_spawn_sized (proc, name, 0, func, data);
}

/* In a task: spawn on the current proc (or @proc) and fail the test on error. */
static inline Task9Task *
test_spawn (const char    *name,
            Task9TaskFunc  func,
            gpointer       data)
{
  return test_spawn_on (NULL, name, func, data);
}

/* Runs @func (@data) as a task named "test" on a proc of its own, waits for it from
 * the calling (non-proc) thread, then stops and joins the proc. Returns the task's
 * result; its error goes to @error. */
static inline gpointer
run_in_task (Task9TaskFunc   func,
             gpointer        data,
             GError        **error)
{
  Task9Proc *proc = test_proc_new ("test-proc");
  Task9Task *task = test_spawn_on (proc, "test", func, data);
  gpointer result;

  result = task9_task_join (task, -1, error);
  g_assert_true (task9_task_is_finished (task));
  task9_task_unref (task);
  test_proc_finish (proc);
  return result;
}

/* Like run_in_task(), for bodies that must succeed. */
static inline gpointer
run_in_task_ok (Task9TaskFunc func,
                gpointer      data)
{
  GError *error = NULL;
  gpointer result = run_in_task (func, data, &error);

  g_assert_no_error (error);
  return result;
}

/* What test_run_tasks() spawns. */
typedef struct
{
  Task9TaskFunc  func;
  const char    *name;
  guint8        *jobs;
  gsize          job_size;
  guint          n;
} TestTasks;

static inline gpointer
test_tasks_body (gpointer data, GError **error)
{
  TestTasks *t = data;
  Task9Task **tasks = g_new (Task9Task *, t->n);

  for (guint i = 0; i < t->n; i++)
    tasks[i] = test_spawn (t->name, t->func, t->jobs + i * t->job_size);
  for (guint i = 0; i < t->n; i++)
    {
      g_assert_null (task9_task_join (tasks[i], -1, error));
      g_assert_no_error (*error);
      task9_task_unref (tasks[i]);
    }
  g_free (tasks);
  return NULL;
}

/* Runs @func as a task on each of the @n @job_size-byte @jobs, on one proc; joins them all. */
static inline void
test_run_tasks (Task9TaskFunc  func,
                const char    *name,
                gpointer       jobs,
                gsize          job_size,
                guint          n)
{
  TestTasks t = { func, name, jobs, job_size, n };

  run_in_task_ok (test_tasks_body, &t);
}

/* test_run_tasks() over each element of the array @jobs. */
#define test_run_task_array(func, name, jobs) \
  test_run_tasks (func, name, jobs, sizeof (jobs)[0], G_N_ELEMENTS (jobs))

/* Defines the test function @test, which runs @body as a task with run_in_task_ok(). */
#define TEST_IN_TASK(test, body) \
  static void test (void) { run_in_task_ok (body, NULL); }

/* In a task: yields until *@flag is non-zero (read atomically). */
static inline void
test_yield_until (const gint *flag)
{
  while (!g_atomic_int_get (flag))
    task9_yield ();
}

/* Outside a task: iterates @context until *@flag is non-zero. */
static inline void
test_iterate_until (GMainContext *context,
                    const gint   *flag)
{
  while (!g_atomic_int_get (flag))
    g_main_context_iteration (context, TRUE);
}

G_END_DECLS

/* What a task that was cancelled before it ran finds once it runs. */
typedef struct
{
  gboolean ran;
  gboolean check_failed;   /* task9_check_cancelled() reported G_IO_ERROR_CANCELLED */
  gboolean sleep_failed;   /* task9_sleep() failed with G_IO_ERROR_CANCELLED at once */
} CancelProbe;

static inline void
cancel_probe_run (CancelProbe *probe)
{
  GError *local = NULL;

  probe->ran = TRUE;
  probe->check_failed = !task9_check_cancelled (&local) &&
                        g_error_matches (local, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&local);
  probe->sleep_failed = !task9_sleep (G_TIME_SPAN_SECOND, &local) &&
                        g_error_matches (local, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&local);
}

/* Expects one critical from the library that matches @pattern. */
static inline void
test_expect_critical (const char *pattern)
{
  g_test_expect_message ("Task9", G_LOG_LEVEL_CRITICAL, pattern);
}

/* The reference count of the GObject @object. */
static inline guint
test_ref_count (gpointer object)
{
  return g_atomic_int_get ((gint *) &G_OBJECT (object)->ref_count);
}

/* Initializes @value to hold the int @x; returns @value. */
static inline GValue *
test_int_value (GValue *value, gint x)
{
  g_value_init (value, G_TYPE_INT);
  g_value_set_int (value, x);
  return value;
}

/* ---- channels ------------------------------------------------------------------------ */

/* A channel of raw gint64 elements with room for @capacity of them (0: unbuffered). */
static inline Task9Channel *
test_chan_new (guint capacity)
{
  Task9Channel *channel = task9_channel_new (sizeof (gint64), capacity);

  g_assert_nonnull (channel);
  return channel;
}

/* Nobody waits on the unbuffered gint64 @channel: try_send and try_recv would both block. */
static inline void
test_assert_no_waiters (Task9Channel *channel)
{
  GError *error = NULL;
  gint64 value = -7;

  g_assert_false (task9_channel_try_send (channel, &value, &error));
  g_assert_error (error, TASK9_ERROR, TASK9_ERROR_WOULD_BLOCK);
  g_clear_error (&error);
  g_assert_false (task9_channel_try_recv (channel, &value, &error));
  g_assert_error (error, TASK9_ERROR, TASK9_ERROR_WOULD_BLOCK);
  g_clear_error (&error);
  g_assert_cmpint (value, ==, -7);
}

/* Waits until @task is blocked with wait reason @reason ("recv", "send", "alt", ...):
 * its waiter is queued by then. In a task this yields; on any other thread it yields the
 * thread. Only for tasks that are about to block (the caller's test hangs otherwise,
 * until meson's timeout). */
static inline void
test_wait_blocked (Task9Task  *task,
                   const char *reason)
{
  for (;;)
    {
      const char *why = task9_task_get_wait_reason (task);

      if (task9_task_get_state (task) == TASK9_TASK_STATE_BLOCKED && why != NULL &&
          (reason == NULL || g_str_equal (why, reason)))
        return;
      g_assert_false (task9_task_is_finished (task));
      if (task9_in_task ())
        task9_yield ();
      else
        g_thread_yield ();
    }
}

/* One blocking send or receive on a channel, for test_peer_task() to make. */
typedef struct
{
  Task9Channel *channel;
  gboolean      is_send;
  gint64        elem;         /* sent or received on a raw gint64 channel */
  gboolean      full;         /* with send_full/recv_full, @timeout and @cancellable */
  GTimeSpan     timeout;
  GCancellable *cancellable;
  Task9Task    *wait_for;     /* if set: first wait until this task is blocked in an alt */
  GValue        value;        /* sent or received on a typed channel */
} TestPeer;

/* The other end of a channel: makes the operation the TestPeer @data describes. */
static inline gpointer
test_peer_task (gpointer data, GError **error)
{
  TestPeer *p = data;

  if (p->wait_for != NULL)
    test_wait_blocked (p->wait_for, "alt");
  if (task9_channel_get_elem_type (p->channel) != G_TYPE_INVALID)
    {
      if (p->is_send)
        task9_channel_send_value (p->channel, &p->value, error);
      else
        task9_channel_recv_value (p->channel, &p->value, error);
    }
  else if (p->full && p->is_send)
    task9_channel_send_full (p->channel, &p->elem, p->timeout, p->cancellable, error);
  else if (p->full)
    task9_channel_recv_full (p->channel, &p->elem, p->timeout, p->cancellable, error);
  else if (p->is_send)
    task9_channel_send (p->channel, &p->elem, error);
  else
    task9_channel_recv (p->channel, &p->elem, error);
  return NULL;
}

/* The longest a test waits for a task that should end soon: a bug that leaves it
 * blocked fails the test with G_IO_ERROR_TIMED_OUT instead of hanging it. */
static inline GTimeSpan
test_join_bound (void)
{
  return test_is_slow_runtime () ? 300 * G_TIME_SPAN_SECOND : 30 * G_TIME_SPAN_SECOND;
}

/* Joins @task, which must succeed (within test_join_bound()), and drops the reference. */
static inline gpointer
test_join_ok (Task9Task *task)
{
  GError *error = NULL;
  gpointer result = task9_task_join (task, test_join_bound (), &error);

  g_assert_no_error (error);
  task9_task_unref (task);
  return result;
}

/* Joins @task (no bound), which must fail with G_IO_ERROR_CANCELLED; keeps the reference. */
static inline void
test_join_cancelled (Task9Task *task)
{
  GError *error = NULL;

  g_assert_null (task9_task_join (task, -1, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
}

/* Joins @task (within test_join_bound()) and returns the code of its error in @domain
 * (-1: no error, -2: another domain), dropping the reference. */
static inline gint
test_join_error_code (Task9Task *task,
                      GQuark     domain)
{
  GError *error = NULL;
  gint code;

  task9_task_join (task, test_join_bound (), &error);
  g_assert_false (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT));
  task9_task_unref (task);
  if (error == NULL)
    return -1;
  code = error->domain == domain ? error->code : -2;
  if (code == -2)
    g_test_message ("unexpected error: %s", error->message);
  g_error_free (error);
  return code;
}

/* A flag another thread sets, and a thread (not a task) blocks on until it is set. */
typedef struct
{
  GMutex lock;
  GCond  cond;
  gint   value;
} TestFlag;

static inline void
test_flag_init (TestFlag *flag)
{
  g_mutex_init (&flag->lock);
  g_cond_init (&flag->cond);
  flag->value = 0;
}

static inline void
test_flag_clear (TestFlag *flag)
{
  g_mutex_clear (&flag->lock);
  g_cond_clear (&flag->cond);
}

static inline void
test_flag_set (TestFlag *flag)
{
  g_mutex_lock (&flag->lock);
  g_atomic_int_set (&flag->value, 1);
  g_cond_broadcast (&flag->cond);
  g_mutex_unlock (&flag->lock);
}

static inline void
test_flag_wait (TestFlag *flag)
{
  g_mutex_lock (&flag->lock);
  while (!g_atomic_int_get (&flag->value))
    g_cond_wait (&flag->cond, &flag->lock);
  g_mutex_unlock (&flag->lock);
}

/* What test_invoke_sync() runs. */
typedef struct
{
  void     (*func) (gpointer data);
  gpointer   data;
  TestFlag   done;
} TestInvoke;

static inline gboolean
test_invoke_cb (gpointer data)
{
  TestInvoke *invoke = data;

  invoke->func (invoke->data);
  test_flag_set (&invoke->done);
  return G_SOURCE_REMOVE;
}

/* Runs @func (@data) on @context's thread (a proc's, outside any task) and waits for it. */
static inline void
test_invoke_sync (GMainContext  *context,
                  void         (*func) (gpointer data),
                  gpointer       data)
{
  TestInvoke invoke = { func, data };

  test_flag_init (&invoke.done);
  g_main_context_invoke (context, test_invoke_cb, &invoke);
  test_flag_wait (&invoke.done);
  test_flag_clear (&invoke.done);
}
