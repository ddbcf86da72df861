/* task9-main.h: the entry point for programs that own their main loop
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(TASK9_INSIDE) && !defined(TASK9_COMPILATION)
# error "Only <task9.h> can be included directly."
#endif

#include <glib.h>

#include "task9-version-macros.h"

G_BEGIN_DECLS

/**
 * Task9MainFunc:
 * @argc: the argument count given to [func@Task9.main]
 * @argv: (array length=argc): the arguments given to [func@Task9.main]
 *
 * The body of the main task of a program run by [func@Task9.main].
 *
 * Returns: the program's exit status
 *
 * Since: 0.1
 */
typedef int (*Task9MainFunc) (int argc, char **argv);

TASK9_AVAILABLE_IN_ALL
int             task9_main     (int            argc,
                                char         **argv,
                                Task9MainFunc  main_func);
TASK9_AVAILABLE_IN_ALL
G_NORETURN void task9_exit_all (int            status);

G_END_DECLS
