/* child-and-signal.c: run a child, read its output with a deadline, and shut down
 * cleanly on SIGINT or SIGTERM (the example of doc/processes-and-signals.md)
 *
 *   task9-child-and-signal [--deadline MS] [--self-signal MS] [-- COMMAND ARGS...]
 *
 * Runs COMMAND (by default a shell loop that prints three ticks), prints each line of
 * its output as it comes, and reports how it ended. Three things can cut it short, all
 * waited for in one alt with the child's output:
 *
 *   - the deadline (--deadline, 5 s by default): the child is killed;
 *   - SIGINT (Ctrl-C) or SIGTERM: the child is asked to stop with SIGTERM, given half
 *     a second, then killed; the program exits 0, as a clean shutdown should;
 *   - --self-signal MS: the program sends itself SIGTERM after MS ms (for the tests).
 *
 * Exit status: the child's exit code; 0 after a clean shutdown on a signal; 1 when the
 * deadline killed the child or on error.
 */

#include <signal.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <task9.h>

#define GRACE (500 * G_TIME_SPAN_MILLISECOND)

static gint deadline_ms = 5000;
static gint self_signal_ms = -1;

/* Reads the child's output and sends each line (a string the receiver frees) on the
 * channel of pointers it was given; closes that channel at the end of the output. */
static gpointer
reader_task (gpointer data, GError **error)
{
  GSubprocess *proc = data;
  Task9Channel *lines = g_object_get_data (G_OBJECT (proc), "lines");
  GInputStream *out = g_subprocess_get_stdout_pipe (proc);
  g_autoptr(GString) pending = g_string_new (NULL);
  char buf[256];
  gssize n;

  /* No timeout here: the main task decides when to give up, and killing the child
   * ends its output. */
  while ((n = task9_input_stream_read (out, buf, sizeof buf, -1, NULL, error)) > 0)
    {
      const char *nl;

      g_string_append_len (pending, buf, n);
      while ((nl = memchr (pending->str, '\n', pending->len)) != NULL)
        {
          char *line = g_strndup (pending->str, nl - pending->str);

          g_string_erase (pending, 0, nl - pending->str + 1);
          if (!task9_channel_send_pointer (lines, line, NULL))
            g_free (line);   /* closed: nobody reads any more */
        }
    }
  if (pending->len > 0)
    {
      /* The last line, unterminated. */
      char *line = g_strdup (pending->str);

      if (!task9_channel_send_pointer (lines, line, NULL))
        g_free (line);
    }
  task9_channel_close (lines);
  return NULL;
}

static gpointer
self_signal_task (gpointer data, GError **error)
{
  if (task9_sleep (GPOINTER_TO_INT (data) * G_TIME_SPAN_MILLISECOND, error))
    kill (getpid (), SIGTERM);
  return NULL;
}

/* Waits up to @timeout for the exit status on @exited; -1 if it did not come. */
static gint
wait_status (Task9Channel *exited, GTimeSpan timeout)
{
  gint status = -1;

  if (!task9_channel_recv_full (exited, &status, timeout, NULL, NULL))
    return -1;
  return status;
}

static int
report (gint status)
{
  if (WIFEXITED (status))
    {
      g_print ("child exited with code %d\n", WEXITSTATUS (status));
      return WEXITSTATUS (status);
    }
  if (WIFSIGNALED (status))
    g_print ("child killed by signal %d\n", WTERMSIG (status));
  return 1;
}

static int
main_task (int argc, char **argv)
{
  const char *default_command[] = {
    "/bin/sh", "-c", "for i in 1 2 3; do echo tick $i; sleep 0.05; done", NULL,
  };
  GOptionEntry entries[] = {
    { "deadline", 'd', 0, G_OPTION_ARG_INT, &deadline_ms, "Kill the child after MS ms", "MS" },
    { "self-signal", 0, 0, G_OPTION_ARG_INT, &self_signal_ms,
      "Send SIGTERM to this program after MS ms", "MS" },
    { NULL },
  };
  g_autoptr(GOptionContext) options = g_option_context_new ("[-- COMMAND ARGS...]");
  g_autoptr(GError) error = NULL;
  g_autoptr(Task9Channel) sigint = NULL;
  g_autoptr(Task9Channel) sigterm = NULL;
  g_autoptr(Task9Channel) lines = NULL;
  g_autoptr(Task9Channel) exited = NULL;
  g_autoptr(Task9Channel) deadline = NULL;
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(Task9Task) reader = NULL;
  g_autoptr(Task9Task) self_signal = NULL;
  const char * const *command = default_command;
  gint status = -1;
  int code = 1;

  g_option_context_add_main_entries (options, entries, NULL);
  if (!g_option_context_parse (options, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }
  if (argc > 1)
    command = (const char * const *) argv + (g_str_equal (argv[1], "--") ? 2 : 1);

  /* Subscribe before starting anything, so that no signal finds the default action. */
  sigint = task9_signal_subscribe (SIGINT, 1, &error);
  sigterm = task9_signal_subscribe (SIGTERM, 1, &error);
  if (sigint == NULL || sigterm == NULL)
    goto failed;

  proc = g_subprocess_newv (command, G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                     G_SUBPROCESS_FLAGS_STDERR_MERGE, &error);
  if (proc == NULL)
    goto failed;
  exited = task9_subprocess_wait_channel (proc);
  lines = task9_channel_new (sizeof (char *), 16);
  g_object_set_data (G_OBJECT (proc), "lines", lines);
  reader = task9_task_spawn ("reader", reader_task, proc, NULL, &error);
  if (reader == NULL)
    goto failed;
  if (self_signal_ms >= 0)
    self_signal = task9_task_spawn ("self-signal", self_signal_task,
                                    GINT_TO_POINTER (self_signal_ms), NULL, &error);

  deadline = task9_channel_after (deadline_ms * G_TIME_SPAN_MILLISECOND);
  for (;;)
    {
      char *line = NULL;
      gint signum = 0;
      Task9AltArm arms[] = {
        { lines, TASK9_ALT_RECV, &line },
        { sigint, TASK9_ALT_RECV, &signum },
        { sigterm, TASK9_ALT_RECV, &signum },
        { deadline, TASK9_ALT_RECV, NULL },
      };
      gint arm = task9_alt (arms, G_N_ELEMENTS (arms), -1, NULL, &error);

      if (arm == 0 && !arms[0].closed)
        {
          g_print ("child: %s\n", line);
          g_free (line);
          continue;
        }
      if (arm == 0)
        {
          /* The output ended: the exit follows, within what is left of the deadline. */
          Task9AltArm end[] = {
            { exited, TASK9_ALT_RECV, &status },
            { deadline, TASK9_ALT_RECV, NULL },
          };

          if (task9_alt (end, G_N_ELEMENTS (end), -1, NULL, &error) == 0)
            {
              code = report (status);
              break;
            }
          arm = 3;
        }
      if (arm == 1 || arm == 2)
        {
          g_print ("got %s: stopping the child\n", signum == SIGINT ? "SIGINT" : "SIGTERM");
          g_subprocess_send_signal (proc, SIGTERM);
          status = wait_status (exited, GRACE);
          if (status < 0)
            {
              g_subprocess_force_exit (proc);
              status = wait_status (exited, -1);
            }
          report (status);
          code = 0;   /* a clean shutdown */
          break;
        }
      if (arm == 3)
        {
          g_print ("deadline passed: killing the child\n");
          g_subprocess_force_exit (proc);
          report (wait_status (exited, -1));
          code = 1;
          break;
        }
      goto failed;
    }

  goto done;

failed:
  g_printerr ("child-and-signal: %s\n", error != NULL ? error->message : "failed");
  if (proc != NULL)
    g_subprocess_force_exit (proc);
  code = 1;

done:
  /* Let the other tasks end before the subscriptions go (with them, the default
   * actions of SIGINT and SIGTERM come back): the reader sees the end of the output,
   * the self-signal task is cancelled if it still sleeps. */
  if (lines != NULL)
    task9_channel_close (lines);
  if (reader != NULL)
    task9_task_join (reader, -1, NULL);
  if (self_signal != NULL)
    {
      task9_task_cancel (self_signal);
      task9_task_join (self_signal, -1, NULL);
    }
  /* Whatever is left in the channel is ours to free. */
  for (char *line; lines != NULL && task9_channel_try_recv (lines, &line, NULL); )
    g_free (line);
  return code;
}

int
main (int argc, char **argv)
{
  return task9_main (argc, argv, main_task);
}
