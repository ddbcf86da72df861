/* messages.c: a printer task that takes "print" and "quit" messages, and a counter
 * that sends them with a timeout between (kiwi.tasklet's example, with task mailboxes)
 *
 *   messages [COUNT [INTERVAL_MS]]       defaults: 5, 1000
 */

#include <stdlib.h>
#include <task9.h>

static gpointer
printer (gpointer data, GError **error)
{
  const char *accept[] = { "print", "quit", NULL };

  for (;;)
    {
      g_autofree char *name = NULL;
      g_auto(GValue) value = G_VALUE_INIT;

      if (!task9_receive_message (accept, -1, NULL, &name, &value, error))
        return NULL;
      if (g_str_equal (name, "quit"))
        break;
      g_print (">>> %d\n", g_value_get_int (&value));
    }
  g_print ("printer: quit\n");
  return NULL;
}

static int
counter (int argc, char **argv)
{
  int count = argc > 1 ? atoi (argv[1]) : 5;
  GTimeSpan interval = (argc > 2 ? atoi (argv[2]) : 1000) * G_TIME_SPAN_MILLISECOND;
  g_autoptr(Task9Task) printer_task = task9_task_spawn ("printer", printer, NULL, NULL, NULL);
  g_auto(GValue) value = G_VALUE_INIT;

  g_value_init (&value, G_TYPE_INT);
  for (int i = 0; i < count; i++)
    {
      task9_sleep (interval, NULL);
      g_value_set_int (&value, i);
      task9_task_send_message (printer_task, "print", &value, NULL);
    }
  task9_task_send_message (printer_task, "quit", NULL, NULL);
  task9_task_join (printer_task, -1, NULL);
  return 0;
}

int
main (int argc, char **argv)
{
  return task9_main (argc, argv, counter);
}
