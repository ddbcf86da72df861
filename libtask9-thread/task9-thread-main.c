/* task9-thread-main.c: main() for Plan 9 programs, which define threadmain instead
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * This file is the static archive libtask9-thread-main-1.a, not part of the shared
 * library, as in Plan 9 where main comes from libthread.a. Linked into the program
 * itself, main() refers to the program's threadmain and mainstacksize as any code of
 * the program would; a program that defines its own main() does not pull this member
 * in at all, and can use the rest of <task9/thread.h> (and task9_thread_main()) freely.
 *
 * mainstacksize is defined weak here, so that a program's own definition
 * (`int mainstacksize = 65536;`) takes precedence without a duplicate-symbol error.
 */

#include "task9/thread.h"

__attribute__((weak)) int mainstacksize;

int
main (int argc, char *argv[])
{
  return task9_thread_main (argc, argv, threadmain, mainstacksize);
}
