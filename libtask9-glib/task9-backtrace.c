/* task9-backtrace.c: the call stack of a suspended task, from its saved registers
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A suspended task is its saved context (task9-switch-private.h): for the assembly
 * switches a stack pointer under which lie the callee-saved registers and the return
 * address into the code that switched away; for the ucontext switch a ucontext_t. From
 * those registers, copied once, the stack is unwound in one of two ways:
 *
 * - With DWARF call-frame information, through libunwind's address-space API, when the
 *   library is built with libunwind (meson option libunwind; HAVE_LIBUNWIND) and the
 *   system has it: it is loaded on the first walk (unwind_lib_load(), which says why
 *   it is not linked). Our own accessors give libunwind the copied registers and every
 *   word of memory through safe_read(); its find_proc_info is the local address space's, which looks at what
 *   the dynamic loader mapped (program headers, .eh_frame_hdr, .eh_frame, or a
 *   .debug_frame it loads from disk), never at a task's stack. Frames need no frame
 *   pointer, in the library or in the application. This walk is used whenever it gives
 *   at least two frames.
 * - Along the frame-pointer chain ([fp] = the caller's fp, [fp + 1 word] = the return
 *   address; on both x86-64 and AArch64): without libunwind, or when the DWARF walk gave
 *   less than two frames (no unwind information for the innermost code). It needs
 *   frames that keep a frame pointer: the library is built with
 *   -fno-omit-frame-pointer (meson option frame_pointers, on by default; its cost is
 *   measured in doc/debugging.md); application code compiled without it ends the walk at
 *   its first frame, or is skipped over.
 *
 * Either way each address is symbolized with dladdr(). gdb (tools/gdb/) unwinds with its
 * own DWARF unwinder.
 *
 * Invariants:
 * - It runs on any thread, typically the monitor's service thread while the task's
 *   proc may be running it or ending it: every read of the task's stack, of its saved
 *   context and of the stack record goes through process_vm_readv() on our own pid,
 *   which fails with EFAULT instead of faulting if the memory went away meanwhile; so
 *   does every read libunwind makes through our accessors. A walk that races with the
 *   task resuming can give a wrong stack, never a crash.
 * - Every frame's stack pointer (DWARF) or frame pointer (frame-pointer walk) stays
 *   inside the task's stack and does not decrease (a frame pointer strictly increases);
 *   a walk stops at the first error, at the first frame that breaks this, at a zero
 *   return address, and at TASK9_BACKTRACE_MAX_FRAMES frames.
 * - libunwind's address space is made once and used only under unwind_lock; its cache
 *   of unwind rules, keyed by address, is flushed whenever the set of loaded objects
 *   changed since the last walk (dl_iterate_phdr's adds and subs counters).
 * - Only a task that is suspended (blocked, or runnable after it first ran) has a
 *   stack to walk; a running, not yet started, finished or external task is an error.
 */

#define _GNU_SOURCE
#include "task9-config.h"

#include <dlfcn.h>
#include <link.h>
#include <stddef.h>
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

#if HAVE_LIBUNWIND
# include <libunwind.h>
#endif

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

/* A suspended context's registers, indexed by their DWARF numbers (which libunwind's
 * UNW_X86_64_* and UNW_AARCH64_* follow); @valid has bit n set for each one saved. */
#if defined(__x86_64__)
# define REG_N_FP 6
# define REG_N_SP 7
# define REG_N_PC 16
# define REG_COUNT 17
#elif defined(__aarch64__)
# define REG_N_FP 29
# define REG_N_SP 31
# define REG_N_PC 32
# define REG_COUNT 33
#else
/* Elsewhere (the ucontext switch on other machines): no registers are known, and
 * task9_backtrace_collect() fails with "Cannot read the saved registers". */
# define REG_N_FP 0
# define REG_N_SP 1
# define REG_N_PC 2
# define REG_COUNT 3
#endif

typedef struct {
  guint64  valid;
  guintptr r[REG_COUNT];
} SavedRegs;

static void
set_reg (SavedRegs *regs,
         guint      n,
         guintptr   value)
{
  regs->r[n] = value;
  regs->valid |= G_GUINT64_CONSTANT (1) << n;
}

/* The registers of a suspended context as they are in the code that switched away,
 * just after its call to the switch returned: the callee-saved ones, the stack pointer
 * and the return address as program counter. */
static gboolean
saved_registers (Task9Task *task,
                 SavedRegs *regs,
                 GError   **error)
{
  memset (regs, 0, sizeof *regs);
#if TASK9_SWITCH_ASM
  guintptr sp = (guintptr) __atomic_load_n (&task->context.sp, __ATOMIC_RELAXED);

# if defined(__x86_64__)
  /* [fp control][r15][r14][r13][r12][rbx][rbp][return address], popped by the switch */
  guintptr slots[8];

  if (safe_read ((gconstpointer) sp, slots, sizeof slots))
    {
      set_reg (regs, 15, slots[1]);
      set_reg (regs, 14, slots[2]);
      set_reg (regs, 13, slots[3]);
      set_reg (regs, 12, slots[4]);
      set_reg (regs, 3, slots[5]);          /* rbx */
      set_reg (regs, REG_N_FP, slots[6]);   /* rbp */
      set_reg (regs, REG_N_PC, slots[7]);
      set_reg (regs, REG_N_SP, sp + sizeof slots);
      return TRUE;
    }
# elif defined(__aarch64__)
  /* x19..x28, x29 (fp), x30 (lr) from offset 0, in a 176-byte frame the switch pops */
  guintptr slots[12];

  if (safe_read ((gconstpointer) sp, slots, sizeof slots))
    {
      for (guint i = 0; i < 12; i++)
        set_reg (regs, 19 + i, slots[i]);
      set_reg (regs, REG_N_PC, slots[11]);
      set_reg (regs, REG_N_SP, sp + 176);
      return TRUE;
    }
# endif
#else
  /* getcontext() saves the callee-saved registers (and a few more), the stack pointer
   * and the program counter as they are after it returns. */
  ucontext_t uc;

  if (safe_read (&task->context.uc, &uc, sizeof uc))
    {
# if defined(__x86_64__)
      static const struct { guint8 dwarf; guint8 greg; } map[] = {
        { 0, REG_RAX }, { 1, REG_RDX }, { 2, REG_RCX }, { 3, REG_RBX }, { 4, REG_RSI },
        { 5, REG_RDI }, { 6, REG_RBP }, { 7, REG_RSP }, { 8, REG_R8 }, { 9, REG_R9 },
        { 10, REG_R10 }, { 11, REG_R11 }, { 12, REG_R12 }, { 13, REG_R13 },
        { 14, REG_R14 }, { 15, REG_R15 }, { 16, REG_RIP },
      };

      for (guint i = 0; i < G_N_ELEMENTS (map); i++)
        set_reg (regs, map[i].dwarf, (guintptr) uc.uc_mcontext.gregs[map[i].greg]);
      return TRUE;
# elif defined(__aarch64__)
      for (guint i = 0; i < 31; i++)
        set_reg (regs, i, (guintptr) uc.uc_mcontext.regs[i]);
      set_reg (regs, REG_N_SP, (guintptr) uc.uc_mcontext.sp);
      set_reg (regs, REG_N_PC, (guintptr) uc.uc_mcontext.pc);
      return TRUE;
# endif
    }
#endif
  g_set_error (error, TASK9_ERROR, TASK9_ERROR_FAILED,
               "Cannot read the saved registers of task %" G_GUINT64_FORMAT, task->id);
  return FALSE;
}

/* The frame-pointer walk: the saved program counter, then the return address of each
 * frame of the chain. Returns the number of frames. */
static guint
walk_frame_pointers (const SavedRegs *regs,
                     guintptr         lo,
                     guintptr         hi,
                     gpointer        *pcs)
{
  guintptr fp = regs->r[REG_N_FP];
  guint n = 0;

  pcs[n++] = (gpointer) regs->r[REG_N_PC];
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
  return n;
}

#if HAVE_LIBUNWIND

G_STATIC_ASSERT (sizeof (unw_word_t) == sizeof (guintptr));
# if defined(__x86_64__)
G_STATIC_ASSERT (UNW_X86_64_RBP == REG_N_FP && UNW_X86_64_RSP == REG_N_SP &&
                 UNW_X86_64_RIP == REG_N_PC);
# elif defined(__aarch64__)
G_STATIC_ASSERT (UNW_AARCH64_X29 == REG_N_FP && UNW_AARCH64_SP == REG_N_SP &&
                 UNW_AARCH64_PC == REG_N_PC);
# endif

/* libunwind's generic functions (_U<target>_*, as libunwind.h's macros name them),
 * from the library loaded on the first DWARF walk with RTLD_LOCAL, never linked: the
 * libunwind.so.8 it needs exports an unversioned _Unwind_* exception unwinder which, in
 * the process's global scope, would stand in for libgcc_s's in C++ code loaded after
 * us (a GTK module, a Python extension) and change how that code throws. */
#define UNWIND_SONAME "libunwind-" G_STRINGIFY (UNW_TARGET) ".so.8"

static struct
{
  gboolean                             tried;
  unw_addr_space_t                    *local_addr_space;
  __typeof__ (unw_get_accessors)      *get_accessors;
  __typeof__ (unw_create_addr_space)  *create_addr_space;
  __typeof__ (unw_set_caching_policy) *set_caching_policy;
  __typeof__ (unw_flush_cache)        *flush_cache;
  __typeof__ (unw_init_remote)        *init_remote;
  __typeof__ (unw_step)               *step;
  __typeof__ (unw_get_reg)            *get_reg;
} unwind_lib;   /* under unwind_lock */

static GMutex unwind_lock;
static unw_addr_space_t unwind_space;          /* made once, under unwind_lock */
static unsigned long long unwind_seen_adds;   /* dl_iterate_phdr's counters at the last walk */
static unsigned long long unwind_seen_subs;

/* Every word libunwind reads, the task's stack and the unwind tables alike. */
static int
unwind_access_mem (unw_addr_space_t  space,
                   unw_word_t        addr,
                   unw_word_t       *valp,
                   int               write,
                   void             *arg)
{
  if (write || !safe_read ((gconstpointer) (guintptr) addr, valp, sizeof *valp))
    return -UNW_EINVAL;
  return 0;
}

/* The innermost frame's registers, from the copy in @arg (a SavedRegs); libunwind
 * tracks the outer frames' by itself. A register the switch did not save is unknown. */
static int
unwind_access_reg (unw_addr_space_t  space,
                   unw_regnum_t      reg,
                   unw_word_t       *valp,
                   int               write,
                   void             *arg)
{
  const SavedRegs *regs = arg;

  if (write || reg < 0 || reg >= REG_COUNT ||
      (regs->valid & (G_GUINT64_CONSTANT (1) << reg)) == 0)
    return -UNW_EBADREG;
  *valp = regs->r[reg];
  return 0;
}

/* Call-frame information never needs floating-point registers to find a frame. */
static int
unwind_access_fpreg (unw_addr_space_t  space,
                     unw_regnum_t      reg,
                     unw_fpreg_t      *valp,
                     int               write,
                     void             *arg)
{
  return -UNW_EBADREG;
}

static int
unwind_resume (unw_addr_space_t  space,
               unw_cursor_t     *cursor,
               void             *arg)
{
  return -UNW_EINVAL;
}

/* Names come from dladdr() (task9_backtrace_append), never from libunwind. */
static int
unwind_get_proc_name (unw_addr_space_t  space,
                      unw_word_t        addr,
                      char             *buf,
                      size_t            len,
                      unw_word_t       *offp,
                      void             *arg)
{
  return -UNW_ENOINFO;
}

static int
loaded_objects_counters (struct dl_phdr_info *info,
                         size_t               size,
                         void                *data)
{
  unsigned long long *counters = data;

  if (size < offsetof (struct dl_phdr_info, dlpi_subs) + sizeof info->dlpi_subs)
    return -1;
  counters[0] = info->dlpi_adds;
  counters[1] = info->dlpi_subs;
  return 1;   /* the first object has them: stop */
}

/* Loads libunwind once; FALSE if it is not there (the frame-pointer walk remains).
 * With unwind_lock held. */
static gboolean
unwind_lib_load (void)
{
  void *handle;

  if (unwind_lib.tried)
    return unwind_lib.get_reg != NULL;
  unwind_lib.tried = TRUE;
  handle = dlopen (UNWIND_SONAME, RTLD_LAZY | RTLD_LOCAL);
  if (handle == NULL)
    {
      g_debug ("task9: no DWARF backtraces: %s", dlerror ());
      return FALSE;
    }
# define UNWIND_LOOKUP(field, name) \
  if ((*(gpointer *) &unwind_lib.field = dlsym (handle, G_STRINGIFY (name))) == NULL) \
    goto missing
  UNWIND_LOOKUP (local_addr_space, unw_local_addr_space);
  UNWIND_LOOKUP (get_accessors, unw_get_accessors);
  UNWIND_LOOKUP (create_addr_space, unw_create_addr_space);
  UNWIND_LOOKUP (set_caching_policy, unw_set_caching_policy);
  UNWIND_LOOKUP (flush_cache, unw_flush_cache);
  UNWIND_LOOKUP (init_remote, unw_init_remote);
  UNWIND_LOOKUP (step, unw_step);
  UNWIND_LOOKUP (get_reg, unw_get_reg);
# undef UNWIND_LOOKUP
  return TRUE;

missing:
  g_debug ("task9: no DWARF backtraces: %s lacks a function", UNWIND_SONAME);
  memset (&unwind_lib, 0, sizeof unwind_lib);
  unwind_lib.tried = TRUE;
  return FALSE;   /* the handle stays: nothing of it was used */
}

/* The address space, made on first use; its cache flushed if objects were loaded or
 * unloaded since the last walk (an address may now hold other code). With unwind_lock
 * held. */
static unw_addr_space_t
unwind_space_get (void)
{
  unsigned long long counters[2] = { 0, 0 };

  if (unwind_space == NULL)
    {
      const unw_accessors_t *local;

      if (!unwind_lib_load ())
        return NULL;
      local = unwind_lib.get_accessors (*unwind_lib.local_addr_space);
      unw_accessors_t accessors = {
        .find_proc_info = local->find_proc_info,
        .put_unwind_info = local->put_unwind_info,
        .get_dyn_info_list_addr = local->get_dyn_info_list_addr,
        .access_mem = unwind_access_mem,
        .access_reg = unwind_access_reg,
        .access_fpreg = unwind_access_fpreg,
        .resume = unwind_resume,
        .get_proc_name = unwind_get_proc_name,
      };

      unwind_space = unwind_lib.create_addr_space (&accessors, 0);
      if (unwind_space == NULL)
        return NULL;
      unwind_lib.set_caching_policy (unwind_space, UNW_CACHE_GLOBAL);
    }
  if (dl_iterate_phdr (loaded_objects_counters, counters) <= 0 ||
      counters[0] != unwind_seen_adds || counters[1] != unwind_seen_subs)
    {
      unwind_lib.flush_cache (unwind_space, 0, 0);
      unwind_seen_adds = counters[0];
      unwind_seen_subs = counters[1];
    }
  return unwind_space;
}

/* The DWARF walk. Returns the number of frames, 0 if libunwind could not start. */
static guint
walk_dwarf (SavedRegs *regs,
            guintptr   lo,
            guintptr   hi,
            gpointer  *pcs)
{
  unw_addr_space_t space;
  unw_cursor_t cursor;
  unw_word_t pc, sp, last_sp;
  guint n = 0;

  g_mutex_lock (&unwind_lock);
  space = unwind_space_get ();
  if (space == NULL || unwind_lib.init_remote (&cursor, space, regs) < 0)
    goto out;

  last_sp = regs->r[REG_N_SP];
  pcs[n++] = (gpointer) regs->r[REG_N_PC];
  while (n < TASK9_BACKTRACE_MAX_FRAMES)
    {
      if (unwind_lib.step (&cursor) <= 0)
        break;   /* the outermost frame (the switch's trampoline), or an error */
      if (unwind_lib.get_reg (&cursor, UNW_REG_IP, &pc) < 0 || pc == 0 ||
          unwind_lib.get_reg (&cursor, UNW_REG_SP, &sp) < 0 ||
          sp < last_sp || sp < lo || sp > hi)
        break;
      pcs[n++] = (gpointer) pc;
      last_sp = sp;
    }
out:
  g_mutex_unlock (&unwind_lock);
  return n;
}

#endif /* HAVE_LIBUNWIND */

gboolean
task9_backtrace_collect (Task9Task  *task,
                         gpointer   *pcs,
                         guint      *n_pcs,
                         GError    **error)
{
  Task9Stack stack_copy;
  Task9Stack *stack;
  Task9TaskState state;
  SavedRegs regs;
  guintptr lo, hi;
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

  if (!saved_registers (task, &regs, error))
    return FALSE;

#if HAVE_LIBUNWIND
  n = walk_dwarf (&regs, lo, hi, pcs);
#endif
  if (n < 2)
    n = walk_frame_pointers (&regs, lo, hi, pcs);
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
 * Built with libunwind, the library unwinds with the DWARF call-frame information that
 * compilers emit by default, so frames of code built without frame pointers show too.
 * Without it, the walk follows frame pointers: frames of code built without them (the
 * default of most distributions' -O2) end it early or are skipped; the library then
 * keeps its own. See the debugging guide. gdb's `task9-bt` command unwinds with the
 * full debug information instead.
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
