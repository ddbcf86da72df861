/* hello.c: the example from README.md (kept in sync with it) */

#include <task9.h>

static gpointer
worker (gpointer data, GError **error)
{
  for (int i = 0; i < 3; i++)
    {
      g_print ("%s: %d\n", (char *) data, i);
      if (!task9_sleep (10 * G_TIME_SPAN_MILLISECOND, error))   /* cancelled? */
        return NULL;
    }
  return data;
}

static int
main_task (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(Task9Proc) proc = task9_proc_new ("other", &error);  /* a second thread */
  g_autoptr(Task9Task) a = task9_task_spawn ("a", worker, "a", NULL, &error);
  g_autoptr(Task9Task) b = task9_task_spawn_full (proc, "b", 0, worker, "b", NULL, &error);

  task9_task_join (a, -1, &error);       /* only this task waits */
  task9_task_join (b, -1, &error);
  task9_proc_stop (proc);
  return 0;
}

int
main (int argc, char **argv)
{
  return task9_main (argc, argv, main_task);   /* libthread's threadmain */
}
