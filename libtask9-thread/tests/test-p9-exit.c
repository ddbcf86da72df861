/* test-p9-exit.c: how a Plan 9 program ends: threadmain returning while other procs
 * work, threadexits statuses of the main proc's last thread, threadexitsall from another
 * proc, and the deadlock report; runs p9-exit (its path is the first argument) once per
 * case and checks its status and output
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <string.h>
#include <sys/wait.h>
#include <glib.h>

static const char *helper;
static int passed, failed;

static void
expect (const char *mode,
        int         status,
        const char *stdout_has,
        const char *stderr_has)
{
  const char *argv[] = { helper, mode, NULL };
  g_autofree char *out = NULL, *err = NULL;
  g_autoptr(GError) error = NULL;
  int wait_status = 0;
  gboolean ok;

  ok = g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                     &out, &err, &wait_status, &error);
  if (!ok)
    {
      g_printerr ("%s: cannot run %s: %s\n", mode, helper, error->message);
      failed++;
      return;
    }
  if (!WIFEXITED (wait_status) || WEXITSTATUS (wait_status) != status)
    {
      g_printerr ("%s: wait status %d, expected exit status %d\nstdout:\n%s\nstderr:\n%s\n",
                  mode, wait_status, status, out, err);
      failed++;
      return;
    }
  if (stdout_has != NULL && strstr (out, stdout_has) == NULL)
    {
      g_printerr ("%s: stdout lacks '%s':\n%s\n", mode, stdout_has, out);
      failed++;
      return;
    }
  if (stderr_has != NULL && strstr (err, stderr_has) == NULL)
    {
      g_printerr ("%s: stderr lacks '%s':\n%s\n", mode, stderr_has, err);
      failed++;
      return;
    }
  if (strstr (out, "not reached") != NULL)
    {
      g_printerr ("%s: threadexitsall() did not end the program at once\n", mode);
      failed++;
      return;
    }
  passed++;
}

int
main (int argc, char **argv)
{
  if (argc < 2)
    {
      g_printerr ("usage: %s PATH-TO-p9-exit\n", argv[0]);
      return 2;
    }
  helper = argv[1];

  expect ("return", 0, "after main", NULL);
  expect ("exits-fail", 1, NULL, NULL);
  expect ("last-wins", 0, NULL, NULL);
  expect ("last-fails", 1, NULL, NULL);
  expect ("exitsall", 1, NULL, NULL);
  expect ("exitsall-ok", 0, NULL, NULL);
  expect ("deadlock", 2, NULL, "all tasks are asleep");

  g_print ("%d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
