/* app.c: a program of a project that has libtask9-glib as a subproject. */

#include <task9.h>

static gpointer
ping (gpointer data, GError **error)
{
  const char *msg = "ping";

  return task9_channel_send (data, &msg, error) ? data : NULL;
}

static int
main_task (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(Task9Channel) ch = task9_channel_new (sizeof (const char *), 0);
  g_autoptr(Task9Task) task = task9_task_spawn ("ping", ping, ch, NULL, &error);
  const char *msg = NULL;

  if (!task9_channel_recv (ch, &msg, &error) || task9_task_join (task, -1, &error) != ch)
    {
      g_printerr ("%s\n", error != NULL ? error->message : "wrong result");
      return 1;
    }
  g_print ("received %s\n", msg);
  return 0;
}

int
main (int argc, char **argv)
{
  return task9_main (argc, argv, main_task);
}
