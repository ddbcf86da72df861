/* test-backtrace.c: a suspended task's call stack through code without frame pointers
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * This file is compiled with -fomit-frame-pointer (tests/meson.build), and linked with
 * its symbols exported so that dladdr() names them. A task blocks inside a chain of its
 * functions (bt_chain_*: not inlined, not cloned, not tail-calling, each with a frame of
 * its own on the stack): a backtrace that names every one of them was unwound with
 * DWARF call-frame information (task9-backtrace.c with libunwind), as a frame-pointer
 * walk skips frames that keep no frame pointer. Without libunwind
 * (TASK9_TEST_HAVE_LIBUNWIND=0) that check is skipped and only a backtrace is required.
 *
 * Also: what is not a suspended task (running, not started yet, finished, a binding's)
 * gives an error, never a crash; and walks that race with tasks switching all the time
 * give frames or an error, never a crash.
 *
 * The test thread is no proc's; it waits for tasks by polling their state (yielding the
 * thread), never by sleeping.
 */

#define _GNU_SOURCE 1   /* dladdr(), RTLD_DEFAULT */
#include <dlfcn.h>
#include <string.h>

#include "test-util.h"

#ifndef TASK9_TEST_HAVE_LIBUNWIND
# define TASK9_TEST_HAVE_LIBUNWIND 0
#endif

/* Not inlined, not cloned under another name, not merged with a look-alike. */
#if defined(__clang__)
# define BT_CHAIN_FN __attribute__ ((noinline, used))
#else
# define BT_CHAIN_FN __attribute__ ((noipa, used))
#endif

/* Exported (the executable is linked with -rdynamic) so that dladdr() names them. */
int bt_chain_inner (Task9Channel *channel, int depth);
int bt_chain_middle (Task9Channel *channel, int depth);
int bt_chain_outer (Task9Channel *channel, int depth);
gpointer bt_chain_entry (gpointer data, GError **error);

/* Each keeps a buffer on its stack, so that its frame has a size of its own and the
 * stack pointer moves in it; each uses its callee's result, so that no call is a tail
 * call. */
BT_CHAIN_FN int
bt_chain_inner (Task9Channel *channel,
                int           depth)
{
  volatile int scratch[16];
  int value = -1;

  scratch[depth & 15] = depth;
  if (!task9_channel_recv_full (channel, &value, 3600 * G_TIME_SPAN_SECOND, NULL, NULL))
    value = -1;
  return value + scratch[depth & 15] + 1;
}

BT_CHAIN_FN int
bt_chain_middle (Task9Channel *channel,
                 int           depth)
{
  volatile int scratch[24];

  scratch[depth & 15] = depth;
  return bt_chain_inner (channel, depth + 1) * 3 + scratch[depth & 15];
}

BT_CHAIN_FN int
bt_chain_outer (Task9Channel *channel,
                int           depth)
{
  volatile int scratch[32];

  scratch[depth & 15] = depth;
  return bt_chain_middle (channel, depth + 1) * 5 + scratch[depth & 15];
}

BT_CHAIN_FN gpointer
bt_chain_entry (gpointer data,
                GError **error)
{
  volatile int scratch[8];
  int result;

  scratch[0] = 1;
  result = bt_chain_outer (data, scratch[0]);
  return GINT_TO_POINTER (result + scratch[0]);
}

static void
wait_blocked (Task9Task *task)
{
  while (task9_task_get_state (task) != TASK9_TASK_STATE_BLOCKED)
    g_thread_yield ();
}

/* The frame line of @frames that names @function, or -1. */
static int
frame_of (const char *frames,
          const char *function)
{
  g_auto(GStrv) lines = g_strsplit (frames, "\n", -1);
  g_autofree char *needle = g_strdup_printf (" in %s+", function);

  for (int i = 0; lines[i] != NULL; i++)
    if (strstr (lines[i], needle) != NULL)
      return i;
  return -1;
}

static void
chain_without_frame_pointers (void)
{
  static const char *const chain[] = {
    "bt_chain_inner", "bt_chain_middle", "bt_chain_outer", "bt_chain_entry",
  };
  Task9Proc *proc = test_proc_new ("bt-proc");
  g_autoptr(Task9Channel) channel = task9_channel_new (sizeof (int), 0);
  g_autoptr(GError) error = NULL;
  g_autofree char *frames = NULL;
  g_autofree char *dump = NULL;
  Task9Task *task;
  int value = 10;

  task9_channel_set_name (channel, "chain");
  task = task9_task_spawn_full (proc, "bt-chain", 0, bt_chain_entry, channel, NULL, &error);
  g_assert_no_error (error);
  wait_blocked (task);

  frames = task9_task_format_backtrace (task, &error);
  g_assert_no_error (error);
  g_assert_nonnull (frames);
  g_test_message ("%s", frames);
  g_assert_nonnull (strstr (frames, "  #0 "));

  dump = task9_format_task_dump (TRUE);
  g_assert_nonnull (strstr (dump, "bt-chain [blocked recv]:\n  #0 "));

  if (TASK9_TEST_HAVE_LIBUNWIND)
    {
      /* Every function of the chain, innermost first, in the API's backtrace and in the
       * dump (the monitor's `where` prints the former). */
      int last = -1;

      for (guint i = 0; i < G_N_ELEMENTS (chain); i++)
        {
          int at = frame_of (frames, chain[i]);

          if (at < 0)
            g_error ("%s is missing from the backtrace:\n%s", chain[i], frames);
          g_assert_cmpint (at, >, last);
          last = at;
          g_assert_cmpint (frame_of (dump, chain[i]), >=, 0);
        }

      /* libunwind was loaded privately: its exception unwinder is nobody else's. */
      {
        gpointer raise = dlsym (RTLD_DEFAULT, "_Unwind_RaiseException");
        Dl_info info;

        if (raise != NULL && dladdr (raise, &info) != 0 && info.dli_fname != NULL)
          g_assert_null (strstr (info.dli_fname, "libunwind"));
      }
    }
  else
    g_test_skip ("built without libunwind: a frame-pointer walk skips these frames");

  /* It resumes and returns through the chain: (((10 + 3 + 1) * 3 + 2) * 5 + 1) + 1. */
  g_assert_true (task9_channel_send (channel, &value, &error));
  g_assert_no_error (error);
  g_assert_cmpint (GPOINTER_TO_INT (test_join_ok (task)), ==, 222);
  test_proc_finish (proc);
}

/* A task that spins until told to stop: running, the whole time, on its proc's thread. */
static gpointer
spin_task (gpointer data,
           GError **error)
{
  gint *stop = data;

  while (!g_atomic_int_get (stop))
    g_thread_yield ();
  return NULL;
}

static void
assert_no_backtrace (Task9Task  *task,
                     const char *why)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *frames = task9_task_format_backtrace (task, &error);

  g_assert_null (frames);
  g_assert_error (error, TASK9_ERROR, TASK9_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, why));
}

/* Running, not started, finished: errors. The dump leaves them out and goes on. */
static void
not_suspended (void)
{
  Task9Proc *proc = test_proc_new ("bad-proc");
  g_autoptr(GError) error = NULL;
  g_autofree char *dump = NULL;
  Task9Task *spinner, *waiting;
  gint stop = 0;

  spinner = task9_task_spawn_full (proc, "spinner", 0, spin_task, &stop, NULL, &error);
  g_assert_no_error (error);
  while (task9_task_get_state (spinner) != TASK9_TASK_STATE_RUNNING)
    g_thread_yield ();
  /* The proc's only thread is busy with the spinner: this one cannot start. */
  waiting = task9_task_spawn_full (proc, "waiting", 0, test_return_data_task, NULL, NULL, &error);
  g_assert_no_error (error);

  assert_no_backtrace (spinner, "is running");
  assert_no_backtrace (waiting, "has not run yet");
  dump = task9_format_task_dump (TRUE);
  g_assert_nonnull (strstr (dump, "spinner"));
  g_assert_null (strstr (dump, "spinner [running]:"));
  g_assert_null (strstr (dump, "waiting [runnable]:"));

  g_atomic_int_set (&stop, 1);
  g_assert_null (task9_task_join (spinner, test_join_bound (), &error));
  g_assert_no_error (error);
  g_assert_null (task9_task_join (waiting, test_join_bound (), &error));
  g_assert_no_error (error);
  assert_no_backtrace (spinner, "has finished");
  assert_no_backtrace (waiting, "has finished");
  task9_task_unref (spinner);
  task9_task_unref (waiting);
  test_proc_finish (proc);
}

/* A binding's task has no C stack. Making one adopts the calling thread as the main
 * proc: in a child, so that the other tests' thread stays no proc's. */
static void
external_task (void)
{
  if (g_test_subprocess ())
    {
      Task9Task *external = task9_task_new_external ("py-task");

      assert_no_backtrace (external, "no C stack");
      task9_task_set_wait_reason (external, "sleep");
      assert_no_backtrace (external, "no C stack");
      task9_task_return_value (external, NULL);
      task9_task_unref (external);
      return;
    }
  test_run_child ();
  g_test_trap_assert_passed ();
}

/* Two tasks pass a number back and forth until told to stop, switching all the time. */
typedef struct
{
  Task9Channel *ping;
  Task9Channel *pong;
  gint          stop;
} PingPong;

static gpointer
ping_task (gpointer data,
           GError **error)
{
  PingPong *pp = data;
  int value = 0;

  while (!g_atomic_int_get (&pp->stop))
    {
      if (!task9_channel_send (pp->ping, &value, error) ||
          !task9_channel_recv (pp->pong, &value, error))
        return NULL;
      value++;
    }
  value = -1;
  task9_channel_send (pp->ping, &value, error);
  return NULL;
}

static gpointer
pong_task (gpointer data,
           GError **error)
{
  PingPong *pp = data;
  int value;

  for (;;)
    {
      if (!task9_channel_recv (pp->ping, &value, error) || value < 0)
        return NULL;
      if (!task9_channel_send (pp->pong, &value, error))
        return NULL;
    }
}

/* Walks of tasks that resume during the walk: frames or an error, never a crash. */
static void
racing_walks (void)
{
  Task9Proc *proc = test_proc_new ("race-proc");
  g_autoptr(GError) error = NULL;
  PingPong pp = { task9_channel_new (sizeof (int), 0), task9_channel_new (sizeof (int), 0), 0 };
  Task9Task *tasks[2];
  guint walks = test_scale (2000, 100), framed = 0;

  tasks[0] = task9_task_spawn_full (proc, "ping", 0, ping_task, &pp, NULL, &error);
  g_assert_no_error (error);
  tasks[1] = task9_task_spawn_full (proc, "pong", 0, pong_task, &pp, NULL, &error);
  g_assert_no_error (error);
  /* Both have started once one of them has blocked. */
  while (task9_task_get_state (tasks[0]) != TASK9_TASK_STATE_BLOCKED &&
         task9_task_get_state (tasks[1]) != TASK9_TASK_STATE_BLOCKED)
    g_thread_yield ();

  for (guint i = 0; i < walks; i++)
    {
      g_autoptr(GError) local = NULL;
      g_autofree char *frames = task9_task_format_backtrace (tasks[i & 1], &local);

      g_assert_true ((frames != NULL) != (local != NULL));
      if (frames != NULL)
        framed++;
      else
        g_assert_error (local, TASK9_ERROR, TASK9_ERROR_FAILED);
      if (i % 64 == 0)
        g_free (task9_format_task_dump (TRUE));
    }
  g_test_message ("%u of %u walks gave frames", framed, walks);
  g_assert_cmpuint (framed, >, 0);   /* half of them are of the task that is not running */

  g_atomic_int_set (&pp.stop, 1);
  test_join_ok (tasks[0]);
  test_join_ok (tasks[1]);
  g_object_unref (pp.ping);
  g_object_unref (pp.pong);
  test_proc_finish (proc);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/backtrace/chain-without-frame-pointers", chain_without_frame_pointers);
  g_test_add_func ("/backtrace/not-suspended", not_suspended);
  g_test_add_func ("/backtrace/external-task", external_task);
  g_test_add_func ("/backtrace/racing-walks", racing_walks);
  return g_test_run ();
}
