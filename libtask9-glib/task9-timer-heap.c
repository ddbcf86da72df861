/* task9-timer-heap.c: a proc's deadlines, as a binary min-heap
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Invariants:
 * - Only the owning proc's thread touches a heap: no lock.
 * - Heap order is (deadline, seq): equal deadlines fire in the order they were armed.
 * - items[timer->index] == timer for every armed timer; an unarmed timer has index
 *   TASK9_TIMER_UNARMED, so removing is O(log n) and removing twice is harmless.
 * - A timer's func runs after the timer has left the heap, so it may re-arm it.
 */

#include "task9-config.h"

#include "task9-timer-heap-private.h"

static inline gboolean
timer_before (const Task9Timer *a, const Task9Timer *b)
{
  return a->deadline < b->deadline || (a->deadline == b->deadline && a->seq < b->seq);
}

static inline void
heap_set (Task9TimerHeap *heap, guint i, Task9Timer *timer)
{
  heap->items[i] = timer;
  timer->index = i;
}

static void
sift_up (Task9TimerHeap *heap, guint i)
{
  Task9Timer *timer = heap->items[i];

  while (i > 0)
    {
      guint parent = (i - 1) / 2;

      if (!timer_before (timer, heap->items[parent]))
        break;
      heap_set (heap, i, heap->items[parent]);
      i = parent;
    }
  heap_set (heap, i, timer);
}

static void
sift_down (Task9TimerHeap *heap, guint i)
{
  Task9Timer *timer = heap->items[i];

  for (;;)
    {
      guint child = 2 * i + 1;

      if (child >= heap->len)
        break;
      if (child + 1 < heap->len && timer_before (heap->items[child + 1], heap->items[child]))
        child++;
      if (!timer_before (heap->items[child], timer))
        break;
      heap_set (heap, i, heap->items[child]);
      i = child;
    }
  heap_set (heap, i, timer);
}

void
task9_timer_heap_init (Task9TimerHeap *heap)
{
  heap->items = NULL;
  heap->len = 0;
  heap->alloc = 0;
  heap->next_seq = 0;
}

void
task9_timer_heap_clear (Task9TimerHeap *heap)
{
  for (guint i = 0; i < heap->len; i++)
    heap->items[i]->index = TASK9_TIMER_UNARMED;
  g_free (heap->items);
  task9_timer_heap_init (heap);
}

/* Returns FALSE only when the heap cannot grow (out of memory). */
gboolean
task9_timer_heap_add (Task9TimerHeap *heap,
                      Task9Timer     *timer)
{
  g_assert (!task9_timer_is_armed (timer));

  if (heap->len == heap->alloc)
    {
      guint alloc = MAX (64, heap->alloc * 2);
      Task9Timer **items = g_try_renew (Task9Timer *, heap->items, alloc);

      if (items == NULL)
        return FALSE;
      heap->items = items;
      heap->alloc = alloc;
    }

  timer->seq = heap->next_seq++;
  heap->items[heap->len] = timer;
  timer->index = heap->len++;
  sift_up (heap, timer->index);
  return TRUE;
}

void
task9_timer_heap_remove (Task9TimerHeap *heap,
                         Task9Timer     *timer)
{
  guint i = timer->index;
  Task9Timer *last;

  if (i == TASK9_TIMER_UNARMED)
    return;

  g_assert (i < heap->len && heap->items[i] == timer);
  timer->index = TASK9_TIMER_UNARMED;
  last = heap->items[--heap->len];
  if (last == timer)
    return;

  heap_set (heap, i, last);
  if (i > 0 && timer_before (last, heap->items[(i - 1) / 2]))
    sift_up (heap, i);
  else
    sift_down (heap, i);
}

Task9Timer *
task9_timer_heap_peek (Task9TimerHeap *heap)
{
  return heap->len > 0 ? heap->items[0] : NULL;
}

/* Runs the func of every timer due at @now, earliest first. Returns how many fired. */
guint
task9_timer_heap_fire (Task9TimerHeap *heap,
                       gint64          now)
{
  guint fired = 0;

  while (heap->len > 0 && heap->items[0]->deadline <= now)
    {
      Task9Timer *timer = heap->items[0];

      task9_timer_heap_remove (heap, timer);
      timer->func (timer);
      fired++;
    }

  return fired;
}
