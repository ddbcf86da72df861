/* child.c: run a child, print its output as it comes, with a deadline, and report how
 * it ended
 *
 *   child [DEADLINE_MS [COMMAND ARGS...]]
 *
 * Defaults: 5000 ms, and a shell loop that prints three lines and exits with 3. When
 * the deadline passes first, the child is killed.
 */

#include <stdlib.h>
#include <sys/wait.h>
#include <task9.h>

/* One line of @in (NULL at the end of the output), waiting at most until @deadline:
 * a GIO call made from a task through the bridge. */
static char *
read_line (GDataInputStream *in, gint64 deadline, GError **error)
{
  g_autoptr(Task9AsyncCall) call = task9_async_call_new (NULL);
  GAsyncResult *result;

  g_data_input_stream_read_line_async (in, G_PRIORITY_DEFAULT,
                                       task9_async_call_get_cancellable (call),
                                       task9_async_call_callback, task9_async_call_begin (call));
  result = task9_async_call_wait (call, MAX (0, deadline - g_get_monotonic_time ()), error);
  return result ? g_data_input_stream_read_line_finish_utf8 (in, result, NULL, error) : NULL;
}

static int
main_task (int argc, char **argv)
{
  const char *shell[] = { "/bin/sh", "-c", "for i in 1 2 3; do echo line $i; sleep 0.05; done; exit 3", NULL };
  gint64 deadline = g_get_monotonic_time () +
                    (argc > 1 ? atoi (argv[1]) : 5000) * G_TIME_SPAN_MILLISECOND;
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) child = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autoptr(Task9Channel) exited = NULL;
  char *line;
  int status;

  child = g_subprocess_newv (argc > 2 ? (const char * const *) argv + 2 : shell,
                             G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error);
  if (child == NULL)
    {
      g_printerr ("child: %s\n", error->message);
      return 1;
    }
  exited = task9_subprocess_wait_channel (child);   /* delivers the wait status */
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (child));

  while ((line = read_line (out, deadline, &error)) != NULL)
    {
      g_print ("child: %s\n", line);
      g_free (line);
    }
  if (error != NULL)   /* the deadline passed (or the read failed) */
    {
      g_print ("%s: killing the child\n", error->message);
      g_subprocess_force_exit (child);
    }
  task9_channel_recv (exited, &status, NULL);
  if (WIFEXITED (status))
    g_print ("child exited with status %d\n", WEXITSTATUS (status));
  else
    g_print ("child killed by signal %d\n", WTERMSIG (status));
  return 0;
}

int
main (int argc, char **argv)
{
  return task9_main (argc, argv, main_task);
}
