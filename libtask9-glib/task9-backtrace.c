/* task9-backtrace.c: the call stack of a suspended task, from its saved registers
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A suspended task is its saved context (task9-switch-private.h): for the assembly
 * switches a stack pointer under which lie the callee-saved registers and the return
 * address into the code that switched away; for the ucontext switch a ucontext_t. From
 * the saved frame pointer and that return address we walk the frame-pointer chain
 * ([fp] = the caller's fp, [fp + 1 word] = the return address; on both x86-64 and
 * AArch64) and symbolize each address with dladdr().
 *
 * What it needs: frames that keep a frame pointer. The library is built with
 * -fno-omit-frame-pointer (meson option frame_pointers, on by default: its cost is
 * measured in doc/debugging.md); application code compiled without it ends the walk at
 * its first frame, or is skipped over. gdb (tools/gdb/) unwinds with DWARF instead.
 *
 * Invariants:
 * - It runs on any thread, typically the monitor's service thread while the task's
 *   proc may be running it or ending it: every read of the task's stack, and of the
 *   stack record, goes through process_vm_readv() on our own pid, which fails with
 *   EFAULT instead of faulting if the memory went away meanwhile. A walk that races
 *   with the task resuming can give a wrong stack, never a crash.
 * - A frame pointer is followed only while it stays inside the task's stack, aligned,
 *   and strictly increasing; at most TASK9_BACKTRACE_MAX_FRAMES frames.
 * - Only a task that is suspended (blocked, or runnable after it first ran) has a
 *   stack to walk; a running, not yet started, finished or external task is an error.
 */

#define _GNU_SOURCE
#include "task9-config.h"

#include <dlfcn.h>
#include <errno.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>
#include <gio/gio.h>

#include "task9-debug.h"
#include "task9-debug-private.h"
#include "task9-error.h"
#include "task9-external-task-private.h"
#include "task9-task-private.h"

/* Reads @size bytes at @addr of our own memory without faulting. */
static gboolean
safe_read (gconstpointer addr,
           gpointer      buf,
           gsize         size)
{
  struct iovec local = { buf, size };
  struct iovec remote = { (void *) addr, size };

  return process_vm_readv (getpid (), &local, 1, &remote, 1, 0) == (ssize_t) size;
}

/* The first frame of a suspended context: its frame pointer and return address. */
static gboolean
saved_frame (Task9Task *task,
             guintptr  *fp,
             guintptr  *pc,
             GError   **error)
{
#if TASK9_SWITCH_ASM
  guintptr sp = (guintptr) __atomic_load_n (&task->context.sp, __ATOMIC_RELAXED);
  guintptr regs[12];

# if defined(__x86_64__)
  /* [fp control][r15][r14][r13][r12][rbx][rbp][return address] */
  if (safe_read ((gconstpointer) sp, regs, 8 * sizeof (guintptr)))
    {
      *fp = regs[6];
      *pc = regs[7];
      return TRUE;
    }
# elif defined(__aarch64__)
  /* x19..x28, then x29 (fp) and x30 (lr) at 80 bytes */
  if (safe_read ((gconstpointer) sp, regs, 12 * sizeof (guintptr)))
    {
      *fp = regs[10];
      *pc = regs[11];
      return TRUE;
    }
# endif
#else
  ucontext_t uc;

  if (safe_read (&task->context.uc, &uc, sizeof uc))
    {
# if defined(__x86_64__)
      *fp = (guintptr) uc.uc_mcontext.gregs[REG_RBP];
      *pc = (guintptr) uc.uc_mcontext.gregs[REG_RIP];
      return TRUE;
# elif defined(__aarch64__)
      *fp = (guintptr) uc.uc_mcontext.regs[29];
      *pc = (guintptr) uc.uc_mcontext.pc;
      return TRUE;
# endif
    }
#endif
  g_set_error (error, TASK9_ERROR, TASK9_ERROR_FAILED,
               "Cannot read the saved registers of task %" G_GUINT64_FORMAT, task->id);
  return FALSE;
}

gboolean
task9_backtrace_collect (Task9Task  *task,
                         gpointer   *pcs,
                         guint      *n_pcs,
                         GError    **error)
{
  Task9Stack stack_copy;
  Task9Stack *stack;
  Task9TaskState state;
  guintptr lo, hi, fp, pc;
  guint n = 0;

  *n_pcs = 0;
  if (task9_task_record_is_external (task))
    {
      g_set_error (error, TASK9_ERROR, TASK9_ERROR_FAILED,
                   "Task %" G_GUINT64_FORMAT " is a binding's coroutine: it has no C stack",
                   task->id);
      return FALSE;
    }
  state = __atomic_load_n (&task->state, __ATOMIC_RELAXED);
  if (__atomic_load_n (&task->finished, __ATOMIC_ACQUIRE) || state == TASK9_TASK_STATE_FINISHED)
    {
      g_set_error (error, TASK9_ERROR, TASK9_ERROR_FAILED,
                   "Task %" G_GUINT64_FORMAT " has finished", task->id);
      return FALSE;
    }
  if (state == TASK9_TASK_STATE_RUNNING)
    {
      g_set_error (error, TASK9_ERROR, TASK9_ERROR_FAILED,
                   "Task %" G_GUINT64_FORMAT " is running: only a suspended task has a saved stack",
                   task->id);
      return FALSE;
    }
  if (!__atomic_load_n (&task->started, __ATOMIC_ACQUIRE))
    {
      g_set_error (error, TASK9_ERROR, TASK9_ERROR_FAILED,
                   "Task %" G_GUINT64_FORMAT " has not run yet", task->id);
      return FALSE;
    }

  stack = __atomic_load_n (&task->stack, __ATOMIC_ACQUIRE);
  if (stack == NULL || !safe_read (stack, &stack_copy, sizeof stack_copy))
    {
      g_set_error (error, TASK9_ERROR, TASK9_ERROR_FAILED,
                   "Task %" G_GUINT64_FORMAT " has no stack", task->id);
      return FALSE;
    }
  lo = (guintptr) stack_copy.lo;
  hi = lo + stack_copy.size;

  if (!saved_frame (task, &fp, &pc, error))
    return FALSE;

  pcs[n++] = (gpointer) pc;
  while (n < TASK9_BACKTRACE_MAX_FRAMES)
    {
      guintptr frame[2];

      if (fp < lo || fp + sizeof frame > hi || (fp & (sizeof (guintptr) - 1)) != 0)
        break;
      if (!safe_read ((gconstpointer) fp, frame, sizeof frame))
        break;
      if (frame[1] == 0)
        break;
      pcs[n++] = (gpointer) frame[1];
      if (frame[0] <= fp)
        break;
      fp = frame[0];
    }
  *n_pcs = n;
  return TRUE;
}

void
task9_backtrace_append (GString  *out,
                        gpointer *pcs,
                        guint     n_pcs)
{
  for (guint i = 0; i < n_pcs; i++)
    {
      /* A return address points after the call: look up the call itself. */
      gpointer lookup = i == 0 ? pcs[i] : (gpointer) ((guintptr) pcs[i] - 1);
      Dl_info dl;

      g_string_append_printf (out, "  #%-2u %p", i, pcs[i]);
      if (dladdr (lookup, &dl) != 0)
        {
          const char *file = dl.dli_fname != NULL ? strrchr (dl.dli_fname, '/') : NULL;

          file = file != NULL ? file + 1 : dl.dli_fname;
          if (dl.dli_sname != NULL)
            g_string_append_printf (out, " in %s+0x%tx", dl.dli_sname,
                                    (char *) pcs[i] - (char *) dl.dli_saddr);
          if (file != NULL)
            g_string_append_printf (out, " (%s+0x%tx)", file,
                                    (char *) pcs[i] - (char *) dl.dli_fbase);
        }
      g_string_append_c (out, '\n');
    }
}

/**
 * task9_task_format_backtrace:
 * @task: a suspended task (blocked, or runnable after it first ran)
 * @error: return location for a #GError
 *
 * Formats the call stack of a suspended task from its saved registers, one frame a
 * line, innermost first, each return address symbolized where the dynamic symbol table
 * knows it ("function+offset (object+offset)"; give the second form to `addr2line -e`
 * for static functions). Safe from any thread, including while the task's proc runs:
 * a task that resumes during the walk may give a stale stack, never a crash.
 *
 * The walk follows frame pointers: frames of code built without them (the default of
 * most distributions' -O2) end it early. The library itself keeps them; see the
 * debugging guide. gdb's `task9-bt` command unwinds with debug information instead.
 *
 * Returns: (transfer full) (nullable): the frames, or %NULL with @error set
 *   (%TASK9_ERROR_FAILED) for a task that is running, has not started, has finished,
 *   or is a binding's coroutine
 *
 * Since: 0.1
 */
char *
task9_task_format_backtrace (Task9Task  *task,
                             GError    **error)
{
  gpointer pcs[TASK9_BACKTRACE_MAX_FRAMES];
  guint n_pcs;
  GString *out;

  g_return_val_if_fail (task != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!task9_backtrace_collect (task, pcs, &n_pcs, error))
    return NULL;
  out = g_string_new (NULL);
  task9_backtrace_append (out, pcs, n_pcs);
  return g_string_free (out, FALSE);
}
