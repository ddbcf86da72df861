/* task9-timer-heap-private.h: a proc's deadlines
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _Task9Timer Task9Timer;
typedef void (*Task9TimerFunc) (Task9Timer *timer);

#define TASK9_TIMER_UNARMED G_MAXUINT

/* Embedded in whatever waits (a task's park, a timer channel); owned by one proc. */
struct _Task9Timer
{
  gint64          deadline;   /* monotonic microseconds */
  guint64         seq;        /* arming order: equal deadlines fire first-armed first */
  guint           index;      /* position in the heap, or TASK9_TIMER_UNARMED */
  Task9TimerFunc  func;
  Task9TimerFunc  discard;    /* if set: called for a timer still armed when its heap goes */
};

/* The sort key is copied into the heap so that sifting compares without touching
 * the (cold) records the timers are embedded in. */
typedef struct
{
  gint64      deadline;
  guint64     seq;
  Task9Timer *timer;
} Task9TimerHeapEntry;

typedef struct
{
  Task9TimerHeapEntry *items;
  guint                len;
  guint                alloc;
  guint64              next_seq;
} Task9TimerHeap;

static inline gboolean
task9_timer_is_armed (const Task9Timer *timer)
{
  return timer->index != TASK9_TIMER_UNARMED;
}

void        task9_timer_heap_init    (Task9TimerHeap *heap);
void        task9_timer_heap_clear   (Task9TimerHeap *heap);
gboolean    task9_timer_heap_add     (Task9TimerHeap *heap,
                                      Task9Timer     *timer);
void        task9_timer_heap_remove  (Task9TimerHeap *heap,
                                      Task9Timer     *timer);
Task9Timer *task9_timer_heap_peek    (Task9TimerHeap *heap);
guint       task9_timer_heap_fire    (Task9TimerHeap *heap,
                                      gint64          now);

G_END_DECLS
