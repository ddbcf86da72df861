/* task9-switch-private.h: saving one execution context and resuming another
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Invariants:
 * - task9_context_switch_raw (from, to) saves the callee-saved registers and FP control
 *   words of the running code into @from and resumes @to; it returns when something
 *   switches back to @from. It makes no system call.
 * - A context built by task9_context_init() starts by calling entry (arg) on the given
 *   stack; entry must never return (a task ends by switching away for good).
 * - The sanitizer and valgrind bookkeeping of a switch is the scheduler's job
 *   (task9-scheduler.c), not this layer's.
 */

#pragma once

#include "task9-config.h"

#include <glib.h>
#include <string.h>

#if !TASK9_SWITCH_ASM
# include <ucontext.h>
#endif

G_BEGIN_DECLS

typedef void (*Task9ContextEntry) (void *arg);

#if TASK9_SWITCH_ASM

typedef struct {
  void *sp;
} Task9Context;

void task9_context_switch_raw (Task9Context *from, Task9Context *to);
void task9_context_trampoline (void);

static inline void
task9_context_init (Task9Context      *ctx,
                    void              *stack_lo,
                    gsize              stack_size,
                    Task9ContextEntry  entry,
                    void              *arg)
{
  guintptr top = ((guintptr) stack_lo + stack_size) & ~(guintptr) 15;
  void **sp;

# if defined(__x86_64__)
  /* [fp control][r15][r14][r13][r12][rbx][rbp][return address] with the
   * return address at top - 8, so the trampoline starts with rsp == top. */
  sp = (void **) (top - 8 * 8);
  ((guint32 *) sp)[0] = 0x1F80;          /* MXCSR: all exceptions masked, round to nearest */
  ((guint32 *) sp)[1] = 0x037F;          /* x87 control word: the ABI's initial value */
  sp[1] = NULL;                          /* r15 */
  sp[2] = NULL;                          /* r14 */
  sp[3] = (void *) entry;                /* r13 */
  sp[4] = arg;                           /* r12 */
  sp[5] = NULL;                          /* rbx */
  sp[6] = NULL;                          /* rbp: ends frame-pointer walks */
  sp[7] = (void *) task9_context_trampoline;
# elif defined(__aarch64__)
  sp = (void **) (top - 176);
  memset (sp, 0, 176);
  sp[0] = arg;                           /* x19 */
  sp[1] = (void *) entry;                /* x20 */
  sp[11] = (void *) task9_context_trampoline;  /* x30 */
# else
#  error "no assembly context switch for this architecture"
# endif
  ctx->sp = sp;
}

#else /* ucontext fallback */

typedef struct {
  ucontext_t uc;
} Task9Context;

void task9_context_switch_raw (Task9Context *from, Task9Context *to);
void task9_context_init (Task9Context      *ctx,
                         void              *stack_lo,
                         gsize              stack_size,
                         Task9ContextEntry  entry,
                         void              *arg);

#endif

G_END_DECLS
