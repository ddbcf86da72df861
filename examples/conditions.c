/* conditions.c: wait conditions as channels (doc/conditions.md walks through it)
 *
 * kiwi.tasklet's printer and counter, on libtask9: a counter task sends "print"
 * messages to a printer task's mailbox, then "quit"; the printer receives them with a
 * timeout. Meanwhile the main task waits in one alt for the printer's end, for a
 * GObject signal emitted on another thread, and for a deadline. A second printer,
 * which nobody writes to, ends with its timeout.
 */

#include <task9.h>

#define PRINTER_TIMEOUT (100 * G_TIME_SPAN_MILLISECOND)

static gpointer
printer (gpointer data, GError **error)
{
  static const char *const names[] = { "print", "quit", NULL };
  gint printed = 0;

  for (;;)
    {
      g_autofree char *name = NULL;
      GValue value = G_VALUE_INIT;

      /* The oldest "print" or "quit" message; other names would wait their turn. */
      if (!task9_receive_message (names, PRINTER_TIMEOUT, NULL, &name, &value, error))
        return NULL;   /* timed out: that is the task's error */
      if (g_str_equal (name, "quit"))
        return GINT_TO_POINTER (printed);
      g_print ("printer: %s\n", g_value_get_string (&value));
      g_value_unset (&value);
      printed++;
    }
}

static gpointer
counter (gpointer data, GError **error)
{
  Task9Task *to = data;

  for (gint i = 1; i <= 3; i++)
    {
      GValue value = G_VALUE_INIT;

      g_value_init (&value, G_TYPE_STRING);
      g_value_take_string (&value, g_strdup_printf ("count %d", i));
      if (!task9_task_send_message (to, "print", &value, error))
        return NULL;
      g_value_unset (&value);
      if (!task9_sleep (5 * G_TIME_SPAN_MILLISECOND, error))
        return NULL;
    }
  task9_task_send_message (to, "quit", NULL, error);
  return NULL;
}

static gpointer
ring_from_a_thread (gpointer data)
{
  g_action_activate (G_ACTION (data), NULL);   /* emits "activate" on this thread */
  return NULL;
}

static int
main_task (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(Task9Task) print_task = task9_task_spawn ("printer", printer, NULL, NULL, &error);
  g_autoptr(Task9Task) count_task = task9_task_spawn ("counter", counter, print_task, NULL, &error);
  g_autoptr(Task9Channel) printer_end = task9_task_end_channel (print_task);
  g_autoptr(GSimpleAction) action = g_simple_action_new ("ring", NULL);
  g_autoptr(Task9Channel) rings = task9_object_connect_channel (action, "activate", 4, &error);
  g_autoptr(Task9Channel) deadline = task9_channel_after (5 * G_TIME_SPAN_SECOND);
  GThread *thread = g_thread_new ("ringer", ring_from_a_thread, action);
  gboolean printer_done = FALSE;
  gint rang = 0;

  /* One alt, three kinds of condition: a task's end, a GObject signal, a timeout. */
  while (!printer_done)
    {
      GValue ended = G_VALUE_INIT;
      GValue emission = G_VALUE_INIT;
      gint64 now;
      Task9AltArm arms[] = {
        { printer_end, TASK9_ALT_RECV, &ended },
        { rings, TASK9_ALT_RECV, &emission },
        { deadline, TASK9_ALT_RECV, &now },
      };

      switch (task9_alt (arms, G_N_ELEMENTS (arms), -1, NULL, &error))
        {
        case 0:
          /* The end channel delivers the task; a join with timeout 0 reads its result. */
          g_print ("main: the printer printed %d lines\n",
                   GPOINTER_TO_INT (task9_task_join (g_value_get_boxed (&ended), 0, &error)));
          g_value_unset (&ended);
          printer_done = TRUE;
          break;
        case 1:
          g_print ("main: %s was emitted on another thread\n",
                   task9_emission_get_signal_name (g_value_get_object (&emission)));
          g_value_unset (&emission);
          rang++;
          break;
        default:
          g_printerr ("main: %s\n", error != NULL ? error->message : "too late");
          return 1;
        }
    }
  g_thread_join (thread);
  task9_task_join (count_task, -1, &error);

  /* A printer nobody writes to ends with its timeout. */
  {
    g_autoptr(Task9Task) idle_printer = task9_task_spawn ("printer 2", printer, NULL, NULL, &error);

    task9_task_join (idle_printer, -1, &error);
    g_print ("main: printer 2: %s\n", error->message);
    if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
      return 1;
    g_clear_error (&error);
  }

  /* Waits until nothing else of this proc wants to run. */
  if (task9_wait_idle (-1, NULL, &error))
    g_print ("main: the proc is idle; done\n");
  return rang == 1 && error == NULL ? 0 : 1;
}

int
main (int argc, char **argv)
{
  return task9_main (argc, argv, main_task);
}
