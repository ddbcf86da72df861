/* consumer.c: a program built against an installed libtask9-glib (tests/install/).
 *
 * check-install.py compiles it with `cc consumer.c $(pkg-config --cflags --libs
 * task9-glib-1)` against a fresh install and runs it with only that install's library
 * directory on LD_LIBRARY_PATH. A task on a second proc sends numbers over a channel;
 * the main task sums them. The program then prints where the dynamic loader found
 * libtask9-glib-1, so the test can check it was the installed copy.
 */

#include <task9.h>
#include <stdio.h>
#include <string.h>

static gpointer
producer (gpointer data, GError **error)
{
  Task9Channel *numbers = data;

  for (int i = 1; i <= 10; i++)
    if (!task9_channel_send (numbers, &i, error))
      return NULL;
  task9_channel_close (numbers);
  return numbers;
}

/* The path of the mapping that holds libtask9-glib-1, from /proc/self/maps. */
static void
print_library_path (void)
{
  g_autofree char *maps = NULL;
  g_auto(GStrv) lines = NULL;

  if (!g_file_get_contents ("/proc/self/maps", &maps, NULL, NULL))
    return;
  lines = g_strsplit (maps, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *path = strchr (lines[i], '/');
      if (path != NULL && strstr (path, "/libtask9-glib-1.so") != NULL)
        {
          printf ("library: %s\n", path);
          return;
        }
    }
}

static int
main_task (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(Task9Proc) proc = task9_proc_new ("producer", &error);
  g_autoptr(Task9Channel) numbers = task9_channel_new (sizeof (int), 0);
  g_autoptr(Task9Task) task = NULL;
  int n, sum = 0;

  if (proc == NULL)
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }
  task = task9_task_spawn_full (proc, "producer", 0, producer, numbers, NULL, &error);
  while (task9_channel_recv (numbers, &n, &error))
    sum += n;
  if (!g_error_matches (error, TASK9_ERROR, TASK9_ERROR_CLOSED))
    {
      g_printerr ("recv: %s\n", error->message);
      return 1;
    }
  g_clear_error (&error);
  if (task9_task_join (task, -1, &error) != numbers)
    {
      g_printerr ("join: %s\n", error != NULL ? error->message : "wrong result");
      return 1;
    }
  task9_proc_stop (proc);

  printf ("sum: %d\n", sum);
  print_library_path ();
  return sum == 55 ? 0 : 1;
}

int
main (int argc, char **argv)
{
  return task9_main (argc, argv, main_task);
}
