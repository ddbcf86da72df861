/* countdown.c: a kid, a parent and a countdown (curio's tutorial, as tasks)
 *
 *   countdown [UNIT_MS]       default 1000: one "second" of the story
 *
 * The kid asks to play and waits for an event; then it works out a Fibonacci number
 * on the worker pool (the CPU work leaves this proc free: the countdown keeps time)
 * and builds in Minecraft until cancelled, when it saves its work. The parent lets it
 * play, waits for SIGHUP (`kill -HUP PID`), runs a countdown in a child task, joins
 * the kid with a timeout and, that failing, cancels it.
 */

#include <signal.h>
#include <stdlib.h>
#include <unistd.h>
#include <task9.h>

static GTimeSpan unit;

static guint64
fib (guint n)
{
  return n < 2 ? n : fib (n - 1) + fib (n - 2);
}

/* Runs on a worker thread, not in a task. */
static gpointer
fib_in_thread (gpointer data, GCancellable *cancellable, GError **error)
{
  return g_memdup2 ((guint64[]) { fib (GPOINTER_TO_UINT (data)) }, sizeof (guint64));
}

static gpointer
countdown (gpointer data, GError **error)
{
  for (int n = GPOINTER_TO_INT (data); n > 0; n--)
    {
      g_print ("T-minus %d\n", n);
      if (!task9_sleep (unit, error))
        return NULL;
    }
  return NULL;
}

static gpointer
kid (gpointer data, GError **error)
{
  Task9Event *start = data;
  g_autofree guint64 *f = NULL;

  g_print ("kid: Can I play?\n");
  if (!task9_event_wait (start, -1, NULL, error))
    return NULL;
  f = task9_run_in_thread (fib_in_thread, GUINT_TO_POINTER (25), NULL, g_free, -1, NULL, error);
  if (f == NULL)
    return NULL;
  g_print ("kid: fib(25) is %" G_GUINT64_FORMAT "\n", *f);
  g_print ("kid: Building the Millennium Falcon in Minecraft\n");
  if (!task9_sleep (1000 * unit, error))
    {
      if (g_error_matches (*error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_print ("kid: Fine. Saving my work.\n");
      return NULL;
    }
  return NULL;
}

static int
parent (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(Task9Event) start = task9_event_new ();
  g_autoptr(Task9Channel) hup = task9_signal_subscribe (SIGHUP, 1, NULL);
  g_autoptr(Task9Task) kid_task = NULL, count_task = NULL;

  unit = (argc > 1 ? atoi (argv[1]) : 1000) * G_TIME_SPAN_MILLISECOND;
  kid_task = task9_task_spawn ("kid", kid, start, NULL, NULL);
  task9_sleep (2 * unit, NULL);
  g_print ("parent: Yes, go play\n");
  task9_event_set (start);

  g_print ("parent: waiting for SIGHUP (kill -HUP %d)\n", (int) getpid ());
  task9_channel_recv (hup, NULL, NULL);
  g_print ("parent: Let's go\n");

  count_task = task9_task_spawn ("countdown", countdown, GINT_TO_POINTER (3), NULL, NULL);
  task9_task_join (count_task, -1, NULL);
  g_print ("parent: We're leaving!\n");

  if (task9_task_join (kid_task, 2 * unit, &error) == NULL &&
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    {
      g_print ("parent: I warned you!\n");
      task9_task_cancel (kid_task);
      task9_task_join (kid_task, -1, NULL);
    }
  g_print ("parent: Leaving!\n");
  return 0;
}

int
main (int argc, char **argv)
{
  return task9_main (argc, argv, parent);
}
