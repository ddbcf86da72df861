/* demo.c: tasks on two procs, sleeps, joins, a cancelled task, the task table, and a
 * channel between the procs read with an alt that has a timeout
 *
 * Build outside the tree with:
 *   cc demo.c $(pkg-config --cflags --libs task9-glib-1)
 */

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
