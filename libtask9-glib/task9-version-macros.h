/* task9-version-macros.h: symbol visibility and availability
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(TASK9_INSIDE) && !defined(TASK9_COMPILATION)
# error "Only <task9.h> can be included directly."
#endif

#include <glib.h>

/**
 * TASK9_MAJOR_VERSION:
 *
 * The major version of libtask9-glib this code was compiled against.
 *
 * Since: 0.1
 */
#define TASK9_MAJOR_VERSION 0

/**
 * TASK9_MINOR_VERSION:
 *
 * The minor version of libtask9-glib this code was compiled against.
 *
 * Since: 0.1
 */
#define TASK9_MINOR_VERSION 1

#if defined(_WIN32) && !defined(__CYGWIN__)
# define _TASK9_EXPORT __declspec(dllexport) extern
#else
# define _TASK9_EXPORT __attribute__((visibility("default"))) extern
#endif

/* Every public symbol carries this; the library is built with hidden visibility. */
#define TASK9_AVAILABLE_IN_ALL _TASK9_EXPORT
#define TASK9_AVAILABLE_IN_0_1 _TASK9_EXPORT
