/* task9-stack-private.h: task stacks
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _Task9Stack Task9Stack;

struct _Task9Stack
{
  Task9Stack *next;        /* free-list link while pooled */
  guint8     *lo;          /* lowest usable byte */
  gsize       size;        /* usable bytes, a multiple of the page size */
  gsize       guard_size;  /* PROT_NONE bytes below lo, or 0 */
  gsize       depth;       /* deepest use seen at a switch, in bytes */
  gboolean    warm;        /* has been used: its top pages are probably committed */
  guint       valgrind_id;
};

/* A proc's private stacks, touched only by its thread: warm ones (committed, ready
 * to run on without a page fault) and cold ones (address space only). */
typedef struct
{
  Task9Stack *warm;
  guint       n_warm;
  Task9Stack *cold;
} Task9StackPool;

gsize       task9_stack_round_size          (gsize            size);
Task9Stack *task9_stack_alloc               (Task9StackPool  *pool,
                                             gsize            size,
                                             GError         **error);
gboolean    task9_stack_release             (Task9StackPool  *pool,
                                             Task9Stack      *stack);
void        task9_stack_set_live            (Task9Stack      *stack,
                                             gboolean         live);
Task9Stack *task9_stack_warm_up             (Task9StackPool  *pool,
                                             Task9Stack      *stack);
void        task9_stack_pool_drain          (Task9StackPool  *pool);
gboolean    task9_stack_pool_trim           (Task9StackPool  *pool,
                                             guint            max_stacks);
void        task9_stack_prepare_thread      (void);
G_NORETURN void task9_stack_report_overflow (const char      *name,
                                             gsize            size);

/* Tests only: how many more stacks get guard pages (-1: back to the default policy). */
void        task9_stack_set_guard_budget    (gint64           n_stacks);

G_END_DECLS
