/* demo.c: a short tour. Tasks on two procs, sleeps, joins, a cancelled task, the task
 * table, a channel between the procs read with an alt that has a timeout, a child
 * process read as it runs, a Unix signal, a GObject signal, and Python tasklets (a
 * child python3 running the PyGObject override, when there is one)
 *
 * Build outside the tree with:
 *   cc demo.c $(pkg-config --cflags --libs task9-glib-1)
 */

#include <signal.h>
#include <unistd.h>
#include <sys/wait.h>

#include <task9.h>
#include <gio/gio.h>

typedef struct
{
  const char *who;
  int         rounds;
  GTimeSpan   nap;
} Worker;

static gpointer
worker (gpointer data, GError **error)
{
  Worker *w = data;
  Task9Proc *proc = task9_proc_get_current ();

  for (int i = 1; i <= w->rounds; i++)
    {
      g_print ("  %-8s round %d on proc %s\n", w->who, i, task9_proc_get_name (proc));
      if (!task9_sleep (w->nap, error))
        return NULL;
    }
  return GINT_TO_POINTER (w->rounds);
}

/* Sends the squares of 1..5 from the worker proc, then closes the channel. */
static gpointer
producer (gpointer data, GError **error)
{
  Task9Channel *squares = data;

  for (gulong i = 1; i <= 5; i++)
    if (!task9_channel_send_ulong (squares, i * i, error))
      return NULL;
  task9_channel_close (squares);
  return NULL;
}

static gpointer
sleeper (gpointer data, GError **error)
{
  /* Sleeps "for ever": only cancellation ends it. */
  if (!task9_sleep (G_MAXINT64, error))
    return NULL;
  return NULL;
}

/* Runs @argv (with @env added to the environment), prints its output line by line as
 * it comes, waits at most @deadline for its exit, and returns the wait status (-1 on
 * failure). */
static int
run_child (const char * const *argv, const char * const *env, GTimeSpan deadline)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_autoptr(GSubprocess) child = NULL;
  g_autoptr(Task9Channel) exited = NULL;
  g_autoptr(Task9Channel) timeout = task9_channel_after (deadline);
  g_autoptr(GString) line = g_string_new (NULL);
  char buf[256];
  gssize n;
  int status = -1;

  for (; env != NULL && env[0] != NULL; env += 2)
    g_subprocess_launcher_setenv (launcher, env[0], env[1], TRUE);
  child = g_subprocess_launcher_spawnv (launcher, argv, &error);
  if (child == NULL)
    {
      g_print ("  (could not start %s: %s)\n", argv[0], error->message);
      return -1;
    }
  exited = task9_subprocess_wait_channel (child);
  /* Reads suspend this task only; the deadline cuts them short. */
  while ((n = task9_input_stream_read (g_subprocess_get_stdout_pipe (child), buf, sizeof buf,
                                       deadline, NULL, &error)) > 0)
    for (gssize i = 0; i < n; i++)
      if (buf[i] == '\n')
        {
          g_print ("  | %s\n", line->str);
          g_string_truncate (line, 0);
        }
      else
        g_string_append_c (line, buf[i]);
  Task9AltArm arms[] = {
    { exited, TASK9_ALT_RECV, &status },
    { timeout, TASK9_ALT_RECV, NULL },
  };
  if (task9_alt (arms, G_N_ELEMENTS (arms), -1, NULL, NULL) == 1)
    {
      g_print ("  (deadline passed: killing it)\n");
      g_subprocess_force_exit (child);
      task9_channel_recv (exited, &status, NULL);
    }
  return status;
}

/* Emits "activate" on the action after a short nap, from a task of its own. */
static gpointer
activator (gpointer data, GError **error)
{
  if (task9_sleep (10 * G_TIME_SPAN_MILLISECOND, error))
    g_action_activate (data, g_variant_new_string ("from another task"));
  return NULL;
}

static const char python_tasklets[] =
  "import gi\n"
  "gi.require_version('Task9', '1')\n"
  "from gi.repository import Task9\n"
  "async def ping(ch, n):\n"
  "    for i in range(n):\n"
  "        await ch.send(i)\n"
  "    ch.close()\n"
  "async def main():\n"
  "    ch = Task9.Channel.new_for_python()\n"
  "    Task9.spawn(ping(ch, 3), name='ping')\n"
  "    got = [v async for v in ch]\n"
  "    print('python tasklet received', got, 'from another tasklet')\n"
  "    i, _ = await Task9.alt(Task9.Channel.new_for_python().recv(), Task9.after(0.01))\n"
  "    print('python alt: arm', i, '(a 10 ms timeout) fired')\n"
  "Task9.run(main())\n";

static void
tour (void)
{
  g_autoptr(GError) error = NULL;
  int status;

  /* A child process, read as it runs, with a deadline. */
  g_print ("\na child process, its output read as it comes (deadline 2 s):\n");
  {
    const char *argv[] = { "/bin/sh", "-c", "echo one; sleep 0.05; echo two; exit 7", NULL };

    status = run_child (argv, NULL, 2 * G_TIME_SPAN_SECOND);
    if (status >= 0 && WIFEXITED (status))
      g_print ("  exited with status %d\n", WEXITSTATUS (status));
  }

  /* A Unix signal: a subscription is a channel; the signal goes to every subscriber. */
  g_print ("\na Unix signal:\n");
  {
    g_autoptr(Task9Channel) usr1 = task9_signal_subscribe (SIGUSR1, 1, &error);
    int signum = 0;

    if (usr1 != NULL)
      {
        kill (getpid (), SIGUSR1);
        if (task9_channel_recv_full (usr1, &signum, G_TIME_SPAN_SECOND, NULL, &error))
          g_print ("  received SIGUSR1 (%d) on a channel\n", signum);
      }
  }

  /* A GObject signal, waited for like any other event. */
  g_print ("\na GObject signal:\n");
  {
    g_autoptr(GSimpleAction) action = g_simple_action_new ("go", G_VARIANT_TYPE_STRING);
    g_autoptr(Task9Task) t = task9_task_spawn ("activator", activator, action, NULL, NULL);
    g_autoptr(Task9Emission) emission = NULL;

    g_clear_error (&error);
    emission = task9_object_wait_signal (action, "activate", G_TIME_SPAN_SECOND, NULL, &error);
    if (emission != NULL)
      g_print ("  \"activate\" was emitted with \"%s\"\n",
               g_variant_get_string (g_value_get_variant (task9_emission_get_value (emission, 0)), NULL));
    task9_task_join (t, -1, NULL);
  }

  /* Python tasklets: a python3 with PyGObject, as a child of this demo. */
  g_print ("\npython tasklets (a child python3 with the override):\n");
  {
    const char *argv[] = { "/usr/bin/python3", "-c", python_tasklets, NULL };
    const char *env[] = {
      "GI_TYPELIB_PATH", TASK9_DEMO_TYPELIB_DIR,
      "LD_LIBRARY_PATH", TASK9_DEMO_LIBRARY_DIR,
      "PYTHONPATH", TASK9_DEMO_PYTHON_DIR,
      NULL,
    };

    if (TASK9_DEMO_TYPELIB_DIR[0] == '\0')
      g_print ("  (built without introspection, or with a sanitizer: skipped)\n");
    else if (!g_file_test (argv[0], G_FILE_TEST_IS_EXECUTABLE))
      g_print ("  (no /usr/bin/python3: skipped)\n");
    else if ((status = run_child (argv, env, 5 * G_TIME_SPAN_SECOND)) != 0)
      g_print ("  (python3 failed: is python3-gi installed?)\n");
  }
}

static int
demo_main (int argc, char **argv)
{
  static Worker a = { "alpha", 3, 20 * G_TIME_SPAN_MILLISECOND };
  static Worker b = { "beta", 2, 30 * G_TIME_SPAN_MILLISECOND };
  g_autoptr(GError) error = NULL;
  g_autoptr(Task9Proc) proc = NULL;
  g_autoptr(Task9Task) ta = NULL;
  g_autoptr(Task9Task) tb = NULL;
  g_autoptr(Task9Task) ts = NULL;
  g_autofree char *table = NULL;

  g_print ("libtask9-glib demo: tasks on two procs\n");

  proc = task9_proc_new ("worker", &error);
  g_assert_no_error (error);

  ta = task9_task_spawn ("alpha", worker, &a, NULL, &error);
  tb = task9_task_spawn_full (proc, "beta", 0, worker, &b, NULL, &error);
  ts = task9_task_spawn ("sleeper", sleeper, NULL, NULL, &error);
  g_assert_no_error (error);

  /* Let them start, then show who is where. */
  task9_sleep (5 * G_TIME_SPAN_MILLISECOND, NULL);
  table = task9_format_task_table ();
  g_print ("\nTask table:\n%s\n", table);

  g_print ("alpha returned %d\n", GPOINTER_TO_INT (task9_task_join (ta, -1, &error)));
  g_print ("beta returned %d\n", GPOINTER_TO_INT (task9_task_join (tb, -1, &error)));

  task9_task_cancel (ts);
  task9_task_join (ts, -1, &error);
  g_print ("sleeper was cancelled: %s\n", error != NULL ? error->message : "(no error?)");

  /* A channel between the two procs, and an alt with a timer channel as a timeout. */
  {
    g_autoptr(Task9Channel) squares = task9_channel_new (sizeof (gulong), 2);
    g_autoptr(Task9Task) tp = NULL;
    gulong value;
    int got = 0;

    g_clear_error (&error);
    tp = task9_task_spawn_full (proc, "producer", 0, producer, squares, NULL, &error);
    g_assert_no_error (error);
    g_print ("\nsquares from the worker proc:");
    while (TRUE)
      {
        g_autoptr(Task9Channel) timeout = task9_channel_after (500 * G_TIME_SPAN_MILLISECOND);
        Task9AltArm arms[] = {
          { squares, TASK9_ALT_RECV, &value, FALSE },
          { timeout, TASK9_ALT_RECV, NULL, FALSE },
        };
        int fired = task9_alt (arms, G_N_ELEMENTS (arms), -1, NULL, NULL);

        if (fired == 1)
          {
            g_print (" (timed out)");
            break;
          }
        if (arms[0].closed)
          break;
        g_print (" %lu", value);
        got++;
      }
    g_print ("; %d received, channel closed\n", got);
    task9_task_join (tp, -1, NULL);
  }

  tour ();

  task9_proc_stop (proc);
  g_clear_error (&error);
  task9_proc_join (proc, &error);
  g_assert_no_error (error);
  g_print ("worker proc stopped; done\n");
  return 0;
}

int
main (int argc, char **argv)
{
  return task9_main (argc, argv, demo_main);
}
