/* task9-stack.c: task stacks
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Stacks are carved from large anonymous mappings (slabs) made with MAP_NORESERVE, so a
 * stack costs only the pages its task touches: a parked task that stays shallow costs one.
 *
 * Guard pages: a PROT_NONE guard below a stack turns an overflow into a SIGSEGV that we
 * report with the task's name, but it splits the slab's mapping in two, and the kernel
 * allows only vm.max_map_count mappings per process (65530 by default). So the first
 * stacks, up to a budget of a sixteenth of that limit (2047 stacks by default;
 * TASK9_GUARDED_STACKS in the environment changes it, up to a quarter), get guards;
 * later ones are unguarded, and the scheduler checks their stack pointer at every
 * switch instead (best effort).
 * Adjacent slabs with equal protections merge, so unguarded stacks cost no mapping at all:
 * a million parked tasks fit on default kernel settings.
 *
 * A page fault costs microseconds here, far more than a spawn, so stacks are recycled
 * warm: a task gets its stack reserved when spawned (so running out is the spawner's
 * GError), but when it first runs on a cold stack while its proc has a warm one, the two
 * are swapped. A burst of short-lived tasks then runs on a few warm stacks.
 *
 * Returning pages to the kernel (madvise) costs a TLB shootdown, tens of microseconds in
 * a VM once the process has several threads, so a finishing task never does it: its
 * stack always goes back warm, and the proc trims its pool later, from a timer, down to
 * WARM_MAX stacks (task9_stack_pool_trim(), like Go's scavenger).
 *
 * Invariants:
 * - A proc's pool is touched only by its thread.
 * - A stack that went deep has its lower pages returned before it is pooled warm, so a
 *   warm stack holds little memory.
 * - The global free lists (under stack_lock) hold cold stacks, by size.
 * - Stacks are never unmapped: slabs live as long as the process, like malloc arenas.
 * - Running out of memory or mappings is a GError from task9_stack_alloc(), never an abort.
 */

#include "task9-config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#if HAVE_VALGRIND_H
# include <valgrind/valgrind.h>
#endif

#if defined(__has_feature)
# if __has_feature(address_sanitizer)
#  define TASK9_ASAN 1
# endif
#endif
#if defined(__SANITIZE_ADDRESS__)
# define TASK9_ASAN 1
#endif
#ifdef TASK9_ASAN
# include <sanitizer/lsan_interface.h>
#endif

#include "task9-error.h"
#include "task9-scheduler-private.h"
#include "task9-stack-private.h"

#define WARM_MAX          1024          /* warm stacks a proc keeps after trimming */
#define WARM_KEEP         (16 * 1024)   /* bytes of a warm stack's top kept committed */
#define GUARD_SIZE        (16 * 1024)
#define SLAB_MIN_SIZE     (16 * 1024 * 1024)

typedef struct
{
  gsize       size;
  Task9Stack *head;
} FreeList;

static GMutex   stack_lock;
static gsize    page_size;
static guint8  *slab_next;         /* carving point in the current slab */
static guint8  *slab_end;
static gint64   guard_budget = -1; /* stacks that may still get a guard; -1: not computed */
static GArray  *free_lists;        /* of FreeList, one per stack size seen */

static void
init_locked (void)
{
  if (page_size != 0)
    return;

  page_size = sysconf (_SC_PAGESIZE);
  free_lists = g_array_new (FALSE, TRUE, sizeof (FreeList));

  if (guard_budget < 0)
    {
      const char *env = g_getenv ("TASK9_GUARDED_STACKS");
      gint64 max_map_count = 65530;
      char *contents = NULL;

      if (g_file_get_contents ("/proc/sys/vm/max_map_count", &contents, NULL, NULL))
        max_map_count = g_ascii_strtoll (contents, NULL, 10);
      g_free (contents);
      /* Each guarded stack costs two mappings and an mprotect() (microseconds in a VM);
       * spend a sixteenth of the mappings, leaving the rest to the application. */
      guard_budget = MAX (0, max_map_count / 16) / 2;
      if (env != NULL)
        guard_budget = CLAMP (g_ascii_strtoll (env, NULL, 10), 0, max_map_count / 4);
    }
}

gsize
task9_stack_round_size (gsize size)
{
  gsize page = sysconf (_SC_PAGESIZE);

  if (size < 4 * page)
    size = 4 * page;
  return (size + page - 1) & ~(page - 1);
}

static FreeList *
free_list_for_size_locked (gsize size)
{
  for (guint i = 0; i < free_lists->len; i++)
    {
      FreeList *list = &g_array_index (free_lists, FreeList, i);

      if (list->size == size)
        return list;
    }
  g_array_set_size (free_lists, free_lists->len + 1);
  g_array_index (free_lists, FreeList, free_lists->len - 1).size = size;
  return &g_array_index (free_lists, FreeList, free_lists->len - 1);
}

static Task9Stack *
carve_locked (gsize size, GError **error)
{
  gboolean guarded = guard_budget > 0;
  gsize guard = guarded ? GUARD_SIZE : 0;
  gsize total = guard + size;
  Task9Stack *stack;
  guint8 *base;

  if ((gsize) (slab_end - slab_next) < total)
    {
      /* Small stacks share slabs of about 16 MiB; a huge one gets its own. */
      gsize slab_size = total < SLAB_MIN_SIZE / 64 ? 64 * total : MAX (total, (gsize) SLAB_MIN_SIZE);
      void *slab = mmap (NULL, slab_size, PROT_READ | PROT_WRITE,
                         MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

      if (slab == MAP_FAILED)
        {
          int saved_errno = errno;

          g_set_error (error, TASK9_ERROR, TASK9_ERROR_NO_RESOURCES,
                       "Cannot map memory for task stacks: %s", g_strerror (saved_errno));
          return NULL;
        }
#if HAVE_MADV_NOHUGEPAGE
      /* A huge page would commit 2 MiB where a shallow task needs 4 KiB. */
      madvise (slab, slab_size, MADV_NOHUGEPAGE);
#endif
      slab_next = slab;
      slab_end = slab_next + slab_size;
    }

  stack = g_try_new0 (Task9Stack, 1);
  if (stack == NULL)
    {
      g_set_error_literal (error, TASK9_ERROR, TASK9_ERROR_NO_RESOURCES,
                           "Out of memory for a task stack");
      return NULL;
    }

  base = slab_next;
  if (guarded && mprotect (base, guard, PROT_NONE) != 0)
    {
      /* Out of mappings after all: stop guarding rather than fail. */
      guard_budget = 0;
      guard = 0;
    }
  else if (guarded)
    guard_budget--;

  stack->lo = base + guard;
  stack->size = size;
  stack->guard_size = guard;
  slab_next = base + guard + size;

#if HAVE_VALGRIND_H
  stack->valgrind_id = VALGRIND_STACK_REGISTER (stack->lo, stack->lo + stack->size);
#endif
  return stack;
}

Task9Stack *
task9_stack_alloc (Task9StackPool  *pool,
                   gsize            size,
                   GError         **error)
{
  Task9Stack *stack;
  FreeList *list;

  if (pool != NULL && pool->warm != NULL && pool->warm->size == size)
    {
      stack = pool->warm;
      pool->warm = stack->next;
      pool->n_warm--;
      return stack;
    }
  if (pool != NULL && pool->cold != NULL && pool->cold->size == size)
    {
      stack = pool->cold;
      pool->cold = stack->next;
      return stack;
    }

  g_mutex_lock (&stack_lock);
  init_locked ();
  list = free_list_for_size_locked (size);
  if (list->head != NULL)
    {
      stack = list->head;
      list->head = stack->next;
    }
  else
    stack = carve_locked (size, error);
  g_mutex_unlock (&stack_lock);

  return stack;
}

/* LeakSanitizer does not know our stacks: what a parked task points to is not a leak.
 * A running task's stack is a root region; only its top MiB, or a huge stack would be
 * scanned byte by byte at exit. */
void
task9_stack_set_live (Task9Stack *stack,
                      gboolean    live)
{
#ifdef TASK9_ASAN
  gsize scanned = MIN (stack->size, (gsize) 1024 * 1024);

  if (live)
    __lsan_register_root_region (stack->lo + stack->size - scanned, scanned);
  else
    __lsan_unregister_root_region (stack->lo + stack->size - scanned, scanned);
#endif
}

/* Before a task first runs: trade its cold stack for a warm one of the proc's. */
Task9Stack *
task9_stack_warm_up (Task9StackPool *pool,
                     Task9Stack     *stack)
{
  Task9Stack *warm = pool->warm;

  if (stack->warm || warm == NULL || warm->size != stack->size)
    return stack;

  pool->warm = warm->next;
  pool->n_warm--;
  stack->next = pool->cold;
  pool->cold = stack;
  return warm;
}

static void
release_cold (Task9Stack *stack)
{
  FreeList *list;

  g_mutex_lock (&stack_lock);
  list = free_list_for_size_locked (stack->size);
  stack->next = list->head;
  list->head = stack;
  g_mutex_unlock (&stack_lock);
}

/* Returns TRUE when @pool has grown beyond what it keeps: the proc should trim it. */
gboolean
task9_stack_release (Task9StackPool *pool,
                     Task9Stack     *stack)
{
  if (pool != NULL && (pool->warm == NULL || pool->warm->size == stack->size))
    {
      if (stack->depth > 2 * WARM_KEEP)
        madvise (stack->lo, stack->size - WARM_KEEP, MADV_DONTNEED);
      stack->depth = 0;
      stack->warm = TRUE;
      stack->next = pool->warm;
      pool->warm = stack;
      pool->n_warm++;
      return pool->n_warm > WARM_MAX;
    }

  /* Give the pages back; the address range stays ours for the next task. */
  if (stack->warm)
    madvise (stack->lo, stack->size, MADV_DONTNEED);
  stack->warm = FALSE;
  stack->depth = 0;

  if (pool != NULL)
    {
      stack->next = pool->cold;
      pool->cold = stack;
    }
  else
    release_cold (stack);
  return FALSE;
}

/* Returns the pages of at most @max_stacks warm stacks beyond WARM_MAX to the kernel.
 * Returns TRUE while the pool holds more than WARM_MAX warm stacks. */
gboolean
task9_stack_pool_trim (Task9StackPool *pool,
                       guint           max_stacks)
{
  for (guint i = 0; i < max_stacks && pool->n_warm > WARM_MAX; i++)
    {
      Task9Stack *stack = pool->warm;

      pool->warm = stack->next;
      pool->n_warm--;
      madvise (stack->lo, stack->size, MADV_DONTNEED);
      stack->warm = FALSE;
      stack->next = pool->cold;
      pool->cold = stack;
    }
  return pool->n_warm > WARM_MAX;
}

void
task9_stack_pool_drain (Task9StackPool *pool)
{
  while (pool->warm != NULL)
    {
      Task9Stack *stack = pool->warm;

      pool->warm = stack->next;
      pool->n_warm--;
      madvise (stack->lo, stack->size, MADV_DONTNEED);
      stack->warm = FALSE;
      release_cold (stack);
    }
  while (pool->cold != NULL)
    {
      Task9Stack *stack = pool->cold;

      pool->cold = stack->next;
      release_cold (stack);
    }
}

void
task9_stack_set_guard_budget (gint64 n_stacks)
{
  g_mutex_lock (&stack_lock);
  guard_budget = n_stacks;
  if (n_stacks < 0)
    {
      page_size = 0;
      g_clear_pointer (&free_lists, g_array_unref);
      init_locked ();
    }
  g_mutex_unlock (&stack_lock);
}

/* ---- overflow reports ----------------------------------------------------------- */

static void
write_str (const char *s)
{
  ssize_t ignored = write (STDERR_FILENO, s, strlen (s));
  (void) ignored;
}

static void
write_report (const char *name, gsize size)
{
  char digits[32];
  int i = sizeof digits - 1;

  digits[i] = '\0';
  do
    {
      digits[--i] = '0' + size % 10;
      size /= 10;
    }
  while (size > 0 && i > 0);

  write_str ("Task9: stack overflow in task '");
  write_str (name != NULL ? name : "(unnamed)");
  write_str ("' (stack size ");
  write_str (&digits[i]);
  write_str (" bytes); spawn it with a larger stack_size\n");
}

void
task9_stack_report_overflow (const char *name,
                             gsize       size)
{
  write_report (name, size);
  abort ();
}

static struct sigaction previous_segv;

static void
segv_handler (int sig, siginfo_t *info, void *ucontext)
{
  Task9Task *task = task9_scheduler_current_task ();

  if (task != NULL && task->stack != NULL && task->stack->guard_size > 0)
    {
      guint8 *addr = info->si_addr;
      guint8 *guard_lo = task->stack->lo - task->stack->guard_size;

      if (addr >= guard_lo && addr < task->stack->lo)
        {
          write_report (task->name, task->stack->size);
          signal (SIGSEGV, SIG_DFL);
          return;   /* the fault repeats with the default action: the process dies */
        }
    }

  /* Not ours: behave as if we were never installed. */
  if (previous_segv.sa_flags & SA_SIGINFO)
    previous_segv.sa_sigaction (sig, info, ucontext);
  else if (previous_segv.sa_handler != SIG_IGN && previous_segv.sa_handler != SIG_DFL)
    previous_segv.sa_handler (sig);
  else
    sigaction (SIGSEGV, &previous_segv, NULL);
}

static gpointer
install_segv_handler (gpointer data)
{
  struct sigaction action;

  memset (&action, 0, sizeof action);
  action.sa_sigaction = segv_handler;
  action.sa_flags = SA_SIGINFO | SA_ONSTACK;
  sigemptyset (&action.sa_mask);
  sigaction (SIGSEGV, &action, &previous_segv);
  return NULL;
}

static void
free_altstack (gpointer data)
{
  stack_t none = { .ss_flags = SS_DISABLE };

  sigaltstack (&none, NULL);
  g_free (data);
}

static GPrivate altstack_key = G_PRIVATE_INIT (free_altstack);

/* A proc's thread needs an alternate signal stack: the overflow report cannot run on
 * the stack that overflowed. Threads that already have one keep it. */
void
task9_stack_prepare_thread (void)
{
  static GOnce once = G_ONCE_INIT;
  stack_t current;

  g_once (&once, install_segv_handler, NULL);

  if (sigaltstack (NULL, &current) == 0 && !(current.ss_flags & SS_DISABLE))
    return;

  {
    gsize size = MAX ((gsize) SIGSTKSZ, 64 * 1024);
    stack_t alt = { .ss_sp = g_malloc (size), .ss_size = size, .ss_flags = 0 };

    if (sigaltstack (&alt, NULL) == 0)
      g_private_set (&altstack_key, alt.ss_sp);
    else
      g_free (alt.ss_sp);
  }
}
