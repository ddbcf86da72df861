/* task9-spinlock-private.h: a lock for critical sections a few stores long
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * One exchange to take, one release store to drop: half the atomics of a GMutex, and
 * inline. For sections that never block, allocate at most a little, and are short
 * enough that spinning beats sleeping; a holder preempted by the kernel costs the
 * others sched_yield() calls, not a futex.
 */

#pragma once

#include <glib.h>
#include <sched.h>

G_BEGIN_DECLS

static inline gboolean
task9_spin_trylock (gint *lock)
{
  return !__atomic_exchange_n (lock, 1, __ATOMIC_ACQUIRE);
}

static G_GNUC_NO_INLINE void
task9_spin_lock_slow (gint *lock)
{
  for (guint spins = 0;; spins++)
    {
      if (!__atomic_load_n (lock, __ATOMIC_RELAXED) && task9_spin_trylock (lock))
        return;
      if (spins < 100)
        {
#if defined(__x86_64__) || defined(__i386__)
          __builtin_ia32_pause ();
#elif defined(__aarch64__)
          __asm__ __volatile__ ("yield");
#endif
        }
      else
        sched_yield ();   /* the holder's thread was preempted */
    }
}

static inline void
task9_spin_lock (gint *lock)
{
  if (G_UNLIKELY (!task9_spin_trylock (lock)))
    task9_spin_lock_slow (lock);
}

static inline void
task9_spin_unlock (gint *lock)
{
  __atomic_store_n (lock, 0, __ATOMIC_RELEASE);
}

G_END_DECLS
