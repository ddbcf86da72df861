/* switch-ucontext.c: the portable context switch, for targets without a hand-written one
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * swapcontext() also saves and restores the signal mask, which costs a system call per
 * switch; that is the price of portability. makecontext() passes only int arguments, so the
 * entry and its argument travel through a pair of ints each.
 */

#include "task9-config.h"

#include <fenv.h>
#include <stdint.h>
#include <string.h>

#include "task9-switch-private.h"

static void
trampoline (unsigned int e_hi, unsigned int e_lo, unsigned int a_hi, unsigned int a_lo)
{
  Task9ContextEntry entry = (Task9ContextEntry) (uintptr_t) (((uint64_t) e_hi << 32) | e_lo);
  void *arg = (void *) (uintptr_t) (((uint64_t) a_hi << 32) | a_lo);

  /* getcontext() copied whatever FP modes the creator had; a task starts with the ABI's. */
  fesetenv (FE_DFL_ENV);
  entry (arg);
  g_assert_not_reached ();
}

void
task9_context_init (Task9Context      *ctx,
                    void              *stack_lo,
                    gsize              stack_size,
                    Task9ContextEntry  entry,
                    void              *arg)
{
  uint64_t e = (uint64_t) (uintptr_t) entry;
  uint64_t a = (uint64_t) (uintptr_t) arg;

  memset (ctx, 0, sizeof *ctx);
  getcontext (&ctx->uc);
  ctx->uc.uc_stack.ss_sp = stack_lo;
  ctx->uc.uc_stack.ss_size = stack_size;
  ctx->uc.uc_link = NULL;
  makecontext (&ctx->uc, (void (*) (void)) trampoline, 4,
               (unsigned int) (e >> 32), (unsigned int) e,
               (unsigned int) (a >> 32), (unsigned int) a);
}

void
task9_context_switch_raw (Task9Context *from, Task9Context *to)
{
  swapcontext (&from->uc, &to->uc);
}
