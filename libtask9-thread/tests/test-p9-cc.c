/* test-p9-cc.c: a libthread program builds with
 *
 *     cc prog.c $(pkg-config --cflags --libs task9-thread-1)
 *
 * against the uninstalled pkg-config files (PKG_CONFIG_PATH is set by meson to
 * meson-uninstalled), and runs as the manual says. Arguments: the source (p9-sieve.c),
 * a directory under which to put the program (in a temporary directory of its own, so
 * that runs in parallel do not meet), then extra compiler flags (the build's
 * sanitizers). Skips (status 77) when cc or pkg-config is missing.
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <string.h>
#include <sys/wait.h>
#include <glib.h>
#include <glib/gstdio.h>

static gboolean
run (const char * const *argv,
     char               **out)
{
  g_autofree char *err = NULL;
  g_autoptr(GError) error = NULL;
  int status = 0;

  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                     out, &err, &status, &error))
    {
      g_printerr ("cannot run %s: %s\n", argv[0], error->message);
      return FALSE;
    }
  if (!WIFEXITED (status) || WEXITSTATUS (status) != 0)
    {
      g_printerr ("%s ... failed (wait status %d):\n%s%s\n", argv[0], status,
                  out != NULL && *out != NULL ? *out : "", err);
      return FALSE;
    }
  return TRUE;
}

int
main (int argc, char **argv)
{
  g_autofree char *cc = g_find_program_in_path ("cc");
  g_autofree char *pkg_config = g_find_program_in_path ("pkg-config");
  g_autofree char *program = NULL, *command = NULL, *out = NULL, *flags = NULL;
  g_autofree char *q_src = NULL, *q_prog = NULL, *dir = NULL, *template = NULL;
  int status;

  if (argc < 3)
    {
      g_printerr ("usage: %s SOURCE OUTDIR [CFLAGS...]\n", argv[0]);
      return 2;
    }
  if (cc == NULL || pkg_config == NULL)
    {
      g_print ("no cc or pkg-config: skipped\n");
      return 77;
    }

  template = g_build_filename (argv[2], "p9-cc-XXXXXX", NULL);
  dir = g_mkdtemp (g_strdup (template));
  if (dir == NULL)
    {
      g_printerr ("cannot make a directory like %s\n", template);
      return 1;
    }
  program = g_build_filename (dir, "p9-sieve", NULL);
  q_src = g_shell_quote (argv[1]);
  q_prog = g_shell_quote (program);
  flags = g_strjoinv (" ", argv + 3);

  /* Literally the command of the porting guide, plus -Wall -Werror for the header. */
  command = g_strdup_printf ("cc -Wall -Werror %s %s -o %s $(pkg-config --cflags --libs task9-thread-1)",
                             flags, q_src, q_prog);
  g_print ("%s\n", command);
  {
    const char *sh[] = { "/bin/sh", "-c", command, NULL };

    if (!run (sh, NULL))
      {
        g_print ("0 passed, 1 failed\n");
        status = 1;
        goto out;
      }
  }

  {
    const char *prog[] = { program, NULL };

    if (!run (prog, &out))
      {
        g_print ("1 passed, 1 failed\n");
        status = 1;
        goto out;
      }
  }
  if (strstr (out, "primes: 2 3 5 7 11 13 17 19 23 29 31 37 41 43 47 53 59 61 67 71 73 79 83 89 97\n") == NULL)
    {
      g_printerr ("unexpected output:\n%s\n", out);
      g_print ("1 passed, 1 failed\n");
      status = 1;
      goto out;
    }
  g_print ("%s2 passed, 0 failed\n", out);
  status = 0;

out:
  if (g_remove (program) != 0 && g_file_test (program, G_FILE_TEST_EXISTS))
    g_printerr ("cannot remove %s\n", program);
  if (g_rmdir (dir) != 0)
    g_printerr ("cannot remove %s\n", dir);
  return status;
}
