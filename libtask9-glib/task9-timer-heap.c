/* task9-timer-heap.c: a proc's deadlines, as a 4-ary min-heap
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * With 100k sleepers the heap is deep and its timers live in 100k different task
 * records, so every record touched is a cache miss. Hence the sort key is copied into
 * the heap entries (comparisons touch only the array), and four children per node
 * halve the depth, and with it the records whose index must be updated per operation.
 *
 * Invariants:
 * - Only the owning proc's thread touches a heap: no lock.
 * - Heap order is (deadline, seq): equal deadlines fire in the order they were armed.
 * - items[timer->index].timer == timer for every armed timer; an unarmed timer has index
 *   TASK9_TIMER_UNARMED, so removing is O(log n) and removing twice is harmless.
 * - A timer's func runs after the timer has left the heap, so it may re-arm it.
 */

#include "task9-config.h"

#include "task9-timer-heap-private.h"

#define ARITY 4

static inline gboolean
entry_before (const Task9TimerHeapEntry *a, const Task9TimerHeapEntry *b)
{
  return a->deadline < b->deadline || (a->deadline == b->deadline && a->seq < b->seq);
}

static inline void
heap_set (Task9TimerHeap *heap, guint i, const Task9TimerHeapEntry *entry)
{
  heap->items[i] = *entry;
  entry->timer->index = i;
}

static void
sift_up (Task9TimerHeap *heap, guint i, Task9TimerHeapEntry entry)
{
  while (i > 0)
    {
      guint parent = (i - 1) / ARITY;

      if (!entry_before (&entry, &heap->items[parent]))
        break;
      heap_set (heap, i, &heap->items[parent]);
      i = parent;
    }
  heap_set (heap, i, &entry);
}

static void
sift_down (Task9TimerHeap *heap, guint i, Task9TimerHeapEntry entry)
{
  for (;;)
    {
      guint first = ARITY * i + 1;
      guint last = MIN (first + ARITY, heap->len);
      guint best;

      if (first >= heap->len)
        break;
      best = first;
      for (guint c = first + 1; c < last; c++)
        if (entry_before (&heap->items[c], &heap->items[best]))
          best = c;
      if (!entry_before (&heap->items[best], &entry))
        break;
      heap_set (heap, i, &heap->items[best]);
      i = best;
    }
  heap_set (heap, i, &entry);
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
  Task9TimerHeapEntry *items = heap->items;
  guint len = heap->len;

  task9_timer_heap_init (heap);
  for (guint i = 0; i < len; i++)
    {
      Task9Timer *timer = items[i].timer;

      timer->index = TASK9_TIMER_UNARMED;
      if (timer->discard != NULL)
        timer->discard (timer);
    }
  g_free (items);
}

/* Returns FALSE only when the heap cannot grow (out of memory). */
gboolean
task9_timer_heap_add (Task9TimerHeap *heap,
                      Task9Timer     *timer)
{
  Task9TimerHeapEntry entry;

  g_assert (!task9_timer_is_armed (timer));

  if (heap->len == heap->alloc)
    {
      guint alloc = MAX (64, heap->alloc * 2);
      Task9TimerHeapEntry *items = g_try_renew (Task9TimerHeapEntry, heap->items, alloc);

      if (items == NULL)
        return FALSE;
      heap->items = items;
      heap->alloc = alloc;
    }

  timer->seq = heap->next_seq++;
  entry.deadline = timer->deadline;
  entry.seq = timer->seq;
  entry.timer = timer;
  sift_up (heap, heap->len++, entry);
  return TRUE;
}

void
task9_timer_heap_remove (Task9TimerHeap *heap,
                         Task9Timer     *timer)
{
  guint i = timer->index;
  Task9TimerHeapEntry last;

  if (i == TASK9_TIMER_UNARMED)
    return;

  g_assert (i < heap->len && heap->items[i].timer == timer);
  timer->index = TASK9_TIMER_UNARMED;
  last = heap->items[--heap->len];
  if (i == heap->len)
    return;

  if (i > 0 && entry_before (&last, &heap->items[(i - 1) / ARITY]))
    sift_up (heap, i, last);
  else
    sift_down (heap, i, last);
}

Task9Timer *
task9_timer_heap_peek (Task9TimerHeap *heap)
{
  return heap->len > 0 ? heap->items[0].timer : NULL;
}

/* Runs the func of every timer due at @now, earliest first. Returns how many fired. */
guint
task9_timer_heap_fire (Task9TimerHeap *heap,
                       gint64          now)
{
  guint fired = 0;

  while (heap->len > 0 && heap->items[0].deadline <= now)
    {
      Task9Timer *timer = heap->items[0].timer;

      task9_timer_heap_remove (heap, timer);
      timer->func (timer);
      fired++;
    }

  return fired;
}
