/* gio-load.c: the example of doc/gio.md (kept in sync with it): GIO from a task
 *
 * Loads a file and counts its lines with wc(1), both through GIO's asynchronous API,
 * written as straight-line code in the main task.
 */

#include <string.h>

#include <task9.h>

/* Loads @path, waiting at most @timeout: the blocking form. */
static char *
load (const char  *path,
      GTimeSpan    timeout,
      GError     **error)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(Task9AsyncCall) call = task9_async_call_new (NULL);
  GAsyncResult *result;
  char *contents = NULL;

  g_file_load_contents_async (file, task9_async_call_get_cancellable (call),
                              task9_async_call_callback, task9_async_call_begin (call));
  result = task9_async_call_wait (call, timeout, error);   /* only this task waits */
  if (result == NULL ||
      !g_file_load_contents_finish (file, result, &contents, NULL, NULL, error))
    return NULL;
  return contents;
}

/* Counts the lines of @text with wc -l, or gives up after @timeout: the completion as
 * one arm of an alt. */
static char *
count_lines (const char  *text,
             GTimeSpan    timeout,
             GError     **error)
{
  g_autoptr(GSubprocess) wc = NULL;
  g_autoptr(Task9AsyncCall) call = task9_async_call_new (NULL);
  g_autoptr(Task9Channel) timer = task9_channel_after (timeout);
  GValue result = G_VALUE_INIT;
  gint64 now;
  char *out = NULL;
  Task9AltArm arms[] = {
    { task9_async_call_get_channel (call), TASK9_ALT_RECV, &result },
    { timer, TASK9_ALT_RECV, &now },
  };

  wc = g_subprocess_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE,
                         error, "wc", "-l", NULL);
  if (wc == NULL)
    return NULL;
  g_subprocess_communicate_utf8_async (wc, text, task9_async_call_get_cancellable (call),
                                       task9_async_call_callback,
                                       task9_async_call_begin (call));

  if (task9_alt (arms, G_N_ELEMENTS (arms), -1, NULL, error) == 0)
    {
      g_subprocess_communicate_utf8_finish (wc, g_value_get_object (&result), &out, NULL,
                                            error);
      g_value_unset (&result);
      return out != NULL ? g_strstrip (out) : NULL;
    }

  /* The timer won (or the task was cancelled): stop wc and wait until GIO is done. */
  if (error != NULL && *error == NULL)
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "wc took too long");
  task9_async_call_cancel (call);
  task9_async_call_wait (call, -1, NULL);
  return NULL;
}

static int
main_task (int argc, char **argv)
{
  const char *path = argc > 1 ? argv[1] : __FILE__;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  g_autofree char *lines = NULL;

  text = load (path, 5 * G_TIME_SPAN_SECOND, &error);
  if (text != NULL)
    lines = count_lines (text, 5 * G_TIME_SPAN_SECOND, &error);
  if (lines == NULL)
    {
      g_printerr ("%s: %s\n", path, error->message);
      return 1;
    }
  g_print ("%s: %zu bytes, %s lines\n", path, strlen (text), lines);
  return 0;
}

int
main (int argc, char **argv)
{
  return task9_main (argc, argv, main_task);
}
