/* test-main.c: task9_main(), the entry point for programs that own their main loop
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * task9_main() adopts the default main context on the initial thread and runs until every
 * task has finished, so each test runs it in a fresh child process
 * (g_test_trap_subprocess) and checks the child's output. Children that leave deadlocked
 * tasks behind end with _exit(), as their parked tasks are deliberately never freed.
 *
 * The deadlock detector's tests reach the internals (they link the library statically):
 * a waker thread waits until the main proc's thread is in its poll function with the
 * main task blocked (where a detector that misses the waker reports a deadlock at once),
 * and a task parks for an event outside the procs as the library's wait conditions do.
 */

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <glib-unix.h>

#include "test-util.h"
#include "task9-scheduler-private.h"

/* Ends a child that checked everything it wanted, without running exit handlers. */
static G_NORETURN void
child_done (void)
{
  fflush (stdout);
  fflush (stderr);
  _exit (0);
}

/* In the child: task9_main() runs @child_main and must return @status; a child that
 * leaves deadlocked tasks behind then ends with child_done(). In the parent: runs that
 * child, which must pass, and returns TRUE so that the test checks what it wrote. */
static gboolean
main_in_child (Task9MainFunc child_main, int status, gboolean deadlocked)
{
  if (g_test_subprocess ())
    {
      g_assert_cmpint (task9_main (0, NULL, child_main), ==, status);
      if (deadlocked)
        child_done ();
      return FALSE;
    }
  test_run_child ();
  g_test_trap_assert_passed ();
  return TRUE;
}

/* ---- the exit status, once every task has finished --------------------------------- */

static gint n_done;
static int  seen_argc;
static char *seen_arg1;
static Task9Proc *worker_proc;

static gpointer
worker_task (gpointer data, GError **error)
{
  task9_yield ();
  if (!task9_sleep (GPOINTER_TO_INT (data) * G_TIME_SPAN_MILLISECOND, error))
    return NULL;
  g_atomic_int_inc (&n_done);
  return NULL;
}

static int
status_main (int argc, char **argv)
{
  seen_argc = argc;
  seen_arg1 = g_strdup (argv[1]);
  g_assert_true (task9_in_task ());
  g_assert_true (task9_proc_is_main (task9_proc_get_current ()));

  worker_proc = test_proc_new ("worker");
  for (int i = 0; i < 4; i++)
    {
      /* Detached tasks on the main proc and on another proc, still running when the
       * main task returns. */
      task9_task_unref (test_spawn ("main-worker", worker_task, GINT_TO_POINTER (5 + i)));
      task9_task_unref (test_spawn_on (worker_proc, "proc-worker", worker_task,
                                       GINT_TO_POINTER (10 + i)));
    }
  return 7;
}

static int
reap_main (int argc, char **argv)
{
  test_proc_finish (worker_proc);
  return 0;
}

static void
test_main_status (void)
{
  if (g_test_subprocess ())
    {
      char *args[] = { (char *) "prog", (char *) "arg-one", NULL };
      GError *error = NULL;
      int status = task9_main (2, args, status_main);

      g_assert_cmpint (status, ==, 7);
      g_assert_cmpint (seen_argc, ==, 2);
      g_assert_cmpstr (seen_arg1, ==, "arg-one");
      /* Every task had finished when task9_main() returned. */
      g_assert_cmpint (g_atomic_int_get (&n_done), ==, 8);
      g_assert_cmpuint (task9_proc_get_n_tasks (task9_proc_get_main ()), ==, 0);
      g_assert_cmpuint (task9_proc_get_n_tasks (worker_proc), ==, 0);

      /* This thread is the main proc's now, where only tasks may block: reap the
       * worker proc from a second task9_main(). */
      g_assert_false (task9_proc_join (worker_proc, &error));
      g_assert_error (error, TASK9_ERROR, TASK9_ERROR_NOT_IN_TASK);
      g_clear_error (&error);
      g_assert_cmpint (task9_main (0, NULL, reap_main), ==, 0);
      g_free (seen_arg1);
      printf ("main returned %d\n", status);
      return;
    }
  test_run_child ();
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout ("*main returned 7*");
  g_test_trap_assert_stderr_unmatched ("*deadlock*");
}

static int
zero_main (int argc, char **argv)
{
  return 0;
}

static void
test_main_trivial (void)
{
  if (g_test_subprocess ())
    {
      g_assert_cmpint (task9_main (0, NULL, zero_main), ==, 0);
      /* And again: the default context was released. */
      g_assert_cmpint (task9_main (0, NULL, zero_main), ==, 0);
      return;
    }
  test_run_child ();
  g_test_trap_assert_passed ();
}

/* Timers and other procs' work are not deadlocks. */
static gpointer
slow_remote (gpointer data, GError **error)
{
  if (!task9_sleep (20 * G_TIME_SPAN_MILLISECOND, error))
    return NULL;
  return data;
}

static int
busy_main (int argc, char **argv)
{
  GError *error = NULL;
  Task9Proc *proc = test_proc_new ("remote");
  int token;
  Task9Task *remote;

  /* Parked in a sleep with a timer: not a deadlock. */
  g_assert_true (task9_sleep (30 * G_TIME_SPAN_MILLISECOND, &error));
  /* Parked in a join that another proc's timer will end: not a deadlock either. */
  remote = test_spawn_on (proc, "remote", slow_remote, &token);
  g_assert_true (task9_task_join (remote, -1, &error) == &token);
  g_assert_no_error (error);
  task9_task_unref (remote);
  test_proc_finish (proc);
  return 3;
}

static void
test_main_no_false_deadlock (void)
{
  if (main_in_child (busy_main, 3, FALSE))
    g_test_trap_assert_stderr_unmatched ("*deadlock*");
}

/* A join of a proc that is ending is no deadlock either, even in the moment its thread
 * has left the proc list but not yet woken the joiner. */
static int
join_procs_main (int argc, char **argv)
{
  for (guint i = 0; i < test_scale (300, 30); i++)
    test_proc_finish (test_proc_new ("short-lived"));
  return 4;
}

static void
test_main_no_false_deadlock_proc_join (void)
{
  if (main_in_child (join_procs_main, 4, FALSE))
    g_test_trap_assert_stderr_unmatched ("*deadlock*");
}

/* ---- waits that something outside the tasks ends ------------------------------------ */

/* Whatever ends the main task's wait, run by a thread of the test's once the main task
 * is blocked in @reason and the main proc's thread is in its poll function. */
typedef struct
{
  Task9Task   *task;
  const char  *reason;
  void       (*fire) (gpointer data);
  gpointer     data;
} Waker;

static void
waker_wait (Waker *waker)
{
  Task9Proc *main_proc = task9_proc_get_main ();

  test_wait_blocked (waker->task, waker->reason);
  while (!g_atomic_int_get (&main_proc->polling))
    g_thread_yield ();
}

static gpointer
waker_thread (gpointer data)
{
  Waker *waker = data;

  waker_wait (waker);
  waker->fire (waker->data);
  return NULL;
}

/* In the main task: receives one element from @channel while a thread wakes it through
 * @fire (@data); returns the element. */
static gint64
recv_woken_by (Task9Channel *channel, void (*fire) (gpointer), gpointer data)
{
  Waker waker = { task9_task_self (), "recv", fire, data };
  GThread *thread = g_thread_new ("waker", waker_thread, &waker);
  GError *error = NULL;
  gint64 elem = 0;

  g_assert_true (task9_channel_recv (channel, &elem, &error));
  g_assert_no_error (error);
  g_thread_join (thread);
  return elem;
}

/* A Unix signal source on the main context: GLib's worker thread wakes the context when
 * the signal arrives, so nothing shows in poll()'s arguments. */
static gboolean
sigusr1_cb (gpointer data)
{
  gint64 elem = 42;

  g_assert_true (task9_channel_try_send (data, &elem, NULL));
  return G_SOURCE_REMOVE;
}

static void
raise_sigusr1 (gpointer data)
{
  kill (getpid (), SIGUSR1);
}

static int
signal_source_main (int argc, char **argv)
{
  Task9Channel *channel = test_chan_new (1);
  GSource *source = g_unix_signal_source_new (SIGUSR1);

  g_source_set_callback (source, sigusr1_cb, channel, NULL);
  g_source_attach (source, NULL);
  g_assert_cmpint (recv_woken_by (channel, raise_sigusr1, NULL), ==, 42);
  g_source_destroy (source);
  g_source_unref (source);
  g_object_unref (channel);
  return 6;
}

static void
test_main_no_false_deadlock_signal_source (void)
{
  if (main_in_child (signal_source_main, 6, FALSE))
    g_test_trap_assert_stderr_unmatched ("*deadlock*");
}

/* The library's own conditions: a task blocked on a subscription to a Unix signal, in a
 * receive and in an alt with a channel nobody sends on, is alive. */
static int
signal_subscription_main (int argc, char **argv)
{
  g_autoptr(Task9Channel) signals = task9_signal_subscribe (SIGUSR1, 1, NULL);
  g_autoptr(Task9Channel) nobody = test_chan_new (0);
  Waker waker = { task9_task_self (), "alt", raise_sigusr1, NULL };
  gint signum = 0;
  gint64 unused = 0;
  Task9AltArm arms[] = {
    { nobody, TASK9_ALT_RECV, &unused, FALSE },
    { signals, TASK9_ALT_RECV, &signum, FALSE },
  };
  GThread *thread;

  thread = g_thread_new ("waker", waker_thread, &waker);
  g_assert_cmpint (task9_alt (arms, G_N_ELEMENTS (arms), -1, NULL, NULL), ==, 1);
  g_thread_join (thread);
  g_assert_cmpint (signum, ==, SIGUSR1);

  waker.reason = "recv";
  thread = g_thread_new ("waker", waker_thread, &waker);
  g_assert_true (task9_channel_recv (signals, &signum, NULL));
  g_thread_join (thread);
  g_assert_cmpint (signum, ==, SIGUSR1);
  return 7;
}

static void
test_main_no_false_deadlock_signal_subscription (void)
{
  if (main_in_child (signal_subscription_main, 7, FALSE))
    g_test_trap_assert_stderr_unmatched ("*deadlock*");
}

/* A source of the program's own that another thread readies: it has no fd and no ready
 * time until then. Once it is gone, a real deadlock is reported again. */
typedef struct
{
  GSource       source;
  Task9Channel *channel;
} ReadySource;

static gboolean
ready_source_dispatch (GSource *source, GSourceFunc callback, gpointer user_data)
{
  gint64 elem = 7;

  g_assert_true (task9_channel_try_send (((ReadySource *) source)->channel, &elem, NULL));
  return G_SOURCE_REMOVE;
}

static GSourceFuncs ready_source_funcs = { NULL, NULL, ready_source_dispatch, NULL, NULL, NULL };

static void
make_ready (gpointer data)
{
  g_source_set_ready_time (data, 0);
}

static int
ready_source_main (int argc, char **argv)
{
  Task9Channel *channel = test_chan_new (1);
  GSource *source = g_source_new (&ready_source_funcs, sizeof (ReadySource));
  Task9Task *sleeper;

  ((ReadySource *) source)->channel = channel;
  g_source_attach (source, NULL);
  g_assert_cmpint (recv_woken_by (channel, make_ready, source), ==, 7);
  g_assert_true (g_source_is_destroyed (source));
  g_source_unref (source);
  printf ("woken by the source\n");
  fflush (stdout);

  sleeper = test_spawn ("sleeper-forever", test_sleep_forever_task, NULL);
  task9_task_join (sleeper, -1, NULL);
  g_assert_not_reached ();
  return 0;
}

static void
test_main_no_false_deadlock_ready_source (void)
{
  if (!main_in_child (ready_source_main, 2, TRUE))
    return;
  g_test_trap_assert_stdout ("*woken by the source*");
  g_test_trap_assert_stderr ("*deadlock*blocked*join*main*");
}

/* A task on another proc hands work to the main proc's context with g_idle_add() (a
 * GTK idiom) while the main proc sleeps in poll, then ends: its proc goes idle at once,
 * possibly before the main proc's thread has woken to see the new source. */
static gboolean
idle_send_cb (gpointer data)
{
  gint64 elem = 9;

  g_assert_true (task9_channel_try_send (data, &elem, NULL));
  return G_SOURCE_REMOVE;
}

typedef struct
{
  Waker         waker;
  Task9Channel *channel;
} IdleAdder;

static gpointer
idle_adder_task (gpointer data, GError **error)
{
  IdleAdder *adder = data;

  waker_wait (&adder->waker);
  g_idle_add (idle_send_cb, adder->channel);
  return NULL;
}

static int
source_from_proc_main (int argc, char **argv)
{
  Task9Proc *proc = test_proc_new ("adder");

  for (guint i = 0; i < test_scale (200, 20); i++)
    {
      Task9Channel *channel = test_chan_new (1);
      IdleAdder adder = { { task9_task_self (), "recv", NULL, NULL }, channel };
      Task9Task *task = test_spawn_on (proc, "idle-adder", idle_adder_task, &adder);
      gint64 elem = 0;

      g_assert_true (task9_channel_recv (channel, &elem, NULL));
      g_assert_cmpint (elem, ==, 9);
      test_join_ok (task);
      g_object_unref (channel);
    }
  test_proc_finish (proc);
  return 10;
}

static void
test_main_no_false_deadlock_source_from_proc (void)
{
  if (main_in_child (source_from_proc_main, 10, FALSE))
    g_test_trap_assert_stderr_unmatched ("*deadlock*");
}

/* A task parked for an event outside the procs, the way the library's wait conditions
 * park it (a GIO call in flight, here one that runs in a thread): no source is on the
 * context until the call completes, yet the wait is no deadlock. */
typedef struct
{
  Waker      waker;
  Task9Task *self;
  guint64    token;
} ExternalWait;

static void
external_op_thread (GTask *gtask, gpointer object, gpointer data, GCancellable *cancellable)
{
  waker_wait (data);
  g_task_return_boolean (gtask, TRUE);
}

static void
external_op_done (GObject *object, GAsyncResult *result, gpointer data)
{
  ExternalWait *wait = data;

  g_assert_true (g_task_propagate_boolean (G_TASK (result), NULL));
  if (task9_wait_claim (wait->self, wait->token))
    task9_wait_wake (wait->self, TASK9_WAKE_READY);
}

static int
wait_external_main (int argc, char **argv)
{
  Task9Task *self = task9_scheduler_current_task ();
  ExternalWait wait = { { self, "external", NULL, NULL }, self, 0 };
  GTask *gtask;

  wait.token = task9_wait_begin (self);
  gtask = g_task_new (NULL, NULL, external_op_done, &wait);
  g_task_set_task_data (gtask, &wait.waker, NULL);
  g_task_run_in_thread (gtask, external_op_thread);
  g_object_unref (gtask);

  g_assert_cmpint (task9_wait_park_external (self, wait.token, -1, NULL, "external"), ==,
                   TASK9_WAKE_READY);
  g_assert_false (__atomic_load_n (&self->wait_external, __ATOMIC_RELAXED));
  return 8;
}

static void
test_main_no_false_deadlock_wait_external (void)
{
  if (main_in_child (wait_external_main, 8, FALSE))
    g_test_trap_assert_stderr_unmatched ("*deadlock*");
}

/* ---- deadlocks --------------------------------------------------------------------- */

static int
join_sleeper_main (int argc, char **argv)
{
  GError *error = NULL;
  Task9Task *sleeper = test_spawn ("sleeper-forever", test_sleep_forever_task, NULL);

  task9_task_join (sleeper, -1, &error);
  /* Never reached: nothing can wake the sleeper. */
  g_assert_not_reached ();
  return 0;
}

static void
test_main_deadlock_sleep_forever (void)
{
  if (!main_in_child (join_sleeper_main, 2, TRUE))
    return;
  g_test_trap_assert_stderr ("*deadlock*");
  /* The task table: both tasks, with their states and what they wait for. */
  g_test_trap_assert_stderr ("*blocked*join*main*");
  g_test_trap_assert_stderr ("*blocked*sleep*sleeper-forever*");
}

static Task9Task *cycle_a, *cycle_b;

static gpointer
cycle_a_task (gpointer data, GError **error)
{
  task9_task_join (cycle_b, -1, error);
  return NULL;
}

static gpointer
cycle_b_task (gpointer data, GError **error)
{
  task9_task_join (cycle_a, -1, error);
  return NULL;
}

static int
cycle_main (int argc, char **argv)
{
  GError *error = NULL;

  cycle_a = test_spawn ("cycle-a", cycle_a_task, NULL);
  cycle_b = test_spawn ("cycle-b", cycle_b_task, NULL);
  task9_task_join (cycle_a, -1, &error);
  g_assert_not_reached ();
  return 0;
}

static void
test_main_deadlock_cycle (void)
{
  if (!main_in_child (cycle_main, 2, TRUE))
    return;
  g_test_trap_assert_stderr ("*deadlock*");
  g_test_trap_assert_stderr ("*join*cycle-a*");
  g_test_trap_assert_stderr ("*join*cycle-b*");
}

static int
cross_proc_deadlock_main (int argc, char **argv)
{
  Task9Task *remote = test_spawn_on (test_proc_new ("far-proc"), "far-sleeper",
                                     test_sleep_forever_task, NULL);

  task9_task_join (remote, -1, NULL);
  g_assert_not_reached ();
  return 0;
}

static void
test_main_deadlock_cross_proc (void)
{
  if (!main_in_child (cross_proc_deadlock_main, 2, TRUE))
    return;
  g_test_trap_assert_stderr ("*deadlock*");
  g_test_trap_assert_stderr ("*far-proc*blocked*sleep*far-sleeper*");
}

/* A detached task left blocked after the main task returned is a deadlock as well. */
static int
leftover_main (int argc, char **argv)
{
  task9_task_unref (test_spawn ("leftover", test_sleep_forever_task, NULL));
  return 0;
}

static void
test_main_deadlock_leftover (void)
{
  if (main_in_child (leftover_main, 2, TRUE))
    g_test_trap_assert_stderr ("*deadlock*leftover*");
}

/* Sources elsewhere do not hide a deadlock: one of the program's on a context no proc
 * runs, and the library's own on the main context (async completions, a stack trim). */
static gboolean
never_cb (gpointer data)
{
  g_assert_not_reached ();
  return G_SOURCE_REMOVE;
}

static void
sent_async (GObject *object, GAsyncResult *result, gpointer data)
{
  g_assert_true (task9_channel_send_finish (TASK9_CHANNEL (object), result, NULL));
  g_atomic_int_set ((gint *) data, 1);
}

static int
foreign_elsewhere_main (int argc, char **argv)
{
  GMainContext *other = g_main_context_new ();
  GSource *source = g_idle_source_new ();
  Task9Channel *channel = test_chan_new (1);
  gint64 elem = 3;
  gint sent = 0;
  Task9Task *sleeper;

  g_source_set_callback (source, never_cb, NULL, NULL);
  g_source_attach (source, other);
  g_source_unref (source);

  task9_channel_send_async (channel, &elem, NULL, sent_async, &sent);
  test_yield_until (&sent);
  g_object_unref (channel);

  sleeper = test_spawn ("sleeper-forever", test_sleep_forever_task, NULL);
  task9_task_join (sleeper, -1, NULL);
  g_assert_not_reached ();
  return 0;
}

static void
test_main_deadlock_foreign_source_elsewhere (void)
{
  if (main_in_child (foreign_elsewhere_main, 2, TRUE))
    g_test_trap_assert_stderr ("*deadlock*blocked*sleep*sleeper-forever*");
}

/* ---- task9_exit_all ---------------------------------------------------------------- */

#if TEST_UNDER_ASAN
/* task9_exit_all() ends the process without unwinding the tasks, so memory that only
 * their (parked) stacks point to is still in use at exit; LeakSanitizer does not scan task
 * stacks and would call it leaked. The exit-all child turns leak checking off. */
static gboolean lsan_off;

int __lsan_is_turned_off (void);

int
__lsan_is_turned_off (void)
{
  return lsan_off;
}
#endif

static void
say_goodbye (void)
{
  printf ("atexit ran\n");
}

static gpointer
exit_all_task (gpointer data, GError **error)
{
  task9_yield ();
  printf ("buffered output");   /* no newline: only a flush gets it out */
  task9_exit_all (5);
}

static int
exit_all_main (int argc, char **argv)
{
  GError *error = NULL;
  Task9Task *task = test_spawn ("exiter", exit_all_task, NULL);

  atexit (say_goodbye);
  task9_task_join (task, -1, &error);
  g_assert_not_reached ();
  return 0;
}

static void
test_main_exit_all (void)
{
  if (g_test_subprocess ())
    {
#if TEST_UNDER_ASAN
      lsan_off = TRUE;
#endif
      task9_main (0, NULL, exit_all_main);
      g_assert_not_reached ();
    }
  test_run_child ();
  g_test_trap_assert_failed ();
  g_test_trap_assert_stdout ("*buffered output*atexit ran*");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/main/status", test_main_status);
  g_test_add_func ("/main/trivial", test_main_trivial);
  g_test_add_func ("/main/no-false-deadlock/timers", test_main_no_false_deadlock);
  g_test_add_func ("/main/no-false-deadlock/proc-join", test_main_no_false_deadlock_proc_join);
  g_test_add_func ("/main/no-false-deadlock/signal-source",
                   test_main_no_false_deadlock_signal_source);
  g_test_add_func ("/main/no-false-deadlock/signal-subscription",
                   test_main_no_false_deadlock_signal_subscription);
  g_test_add_func ("/main/no-false-deadlock/ready-source",
                   test_main_no_false_deadlock_ready_source);
  g_test_add_func ("/main/no-false-deadlock/source-from-proc",
                   test_main_no_false_deadlock_source_from_proc);
  g_test_add_func ("/main/no-false-deadlock/wait-external",
                   test_main_no_false_deadlock_wait_external);
  g_test_add_func ("/main/deadlock-sleep-forever", test_main_deadlock_sleep_forever);
  g_test_add_func ("/main/deadlock-cycle", test_main_deadlock_cycle);
  g_test_add_func ("/main/deadlock-cross-proc", test_main_deadlock_cross_proc);
  g_test_add_func ("/main/deadlock-leftover", test_main_deadlock_leftover);
  g_test_add_func ("/main/deadlock-foreign-source-elsewhere",
                   test_main_deadlock_foreign_source_elsewhere);
  g_test_add_func ("/main/exit-all", test_main_exit_all);

  return g_test_run ();
}
