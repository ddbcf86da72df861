/* locks.c: doc/sync.md's example of Task9Lock, Task9Cond and Task9RWLock (run by meson test)
 *
 * A bounded buffer shared by producers and consumers on two procs: one Task9Lock guards
 * it, two Task9Conds (not full, not empty) bound to that lock put tasks to sleep. A
 * Task9RWLock guards a setting that every consumer reads and one task rewrites. The
 * program checks that every item arrived exactly once, and exits 0.
 */

#include <task9.h>

enum { SLOTS = 4, ITEMS = 1000, PRODUCERS = 2, CONSUMERS = 2 };

typedef struct
{
  Task9Lock   *lock;            /* guards everything below it */
  Task9Cond   *not_full;
  Task9Cond   *not_empty;
  int          slots[SLOTS];
  int          head, count;
  long         sum;

  Task9RWLock *settings_lock;   /* guards scale */
  int          scale;
} Shared;

static gpointer
producer (gpointer data, GError **error)
{
  Shared *s = data;

  for (int i = 1; i <= ITEMS; i++)
    {
      if (!task9_lock_acquire (s->lock, -1, NULL, error))
        return NULL;
      while (s->count == SLOTS)
        task9_cond_wait (s->not_full, -1, NULL, NULL);   /* returns holding the lock */
      s->slots[(s->head + s->count++) % SLOTS] = i;
      task9_cond_signal (s->not_empty, NULL);
      task9_lock_release (s->lock, NULL);
    }
  return NULL;
}

static gpointer
consumer (gpointer data, GError **error)
{
  Shared *s = data;

  for (int i = 0; i < ITEMS * PRODUCERS / CONSUMERS; i++)
    {
      int item, scale;

      if (!task9_lock_acquire (s->lock, -1, NULL, error))
        return NULL;
      while (s->count == 0)
        task9_cond_wait (s->not_empty, -1, NULL, NULL);
      item = s->slots[s->head];
      s->head = (s->head + 1) % SLOTS;
      s->count--;
      task9_cond_signal (s->not_full, NULL);
      task9_lock_release (s->lock, NULL);

      /* Readers share the settings; a writer waits for them and holds back new ones. */
      task9_rw_lock_reader_acquire (s->settings_lock, -1, NULL, NULL);
      scale = s->scale;
      task9_rw_lock_reader_release (s->settings_lock, NULL);

      task9_lock_acquire (s->lock, -1, NULL, NULL);
      s->sum += (long) item * scale;
      task9_lock_release (s->lock, NULL);
    }
  return NULL;
}

static gpointer
settings_writer (gpointer data, GError **error)
{
  Shared *s = data;

  /* Waits at most 1 s for the readers to let it in. */
  if (!task9_rw_lock_writer_acquire (s->settings_lock, G_TIME_SPAN_SECOND, NULL, error))
    return NULL;
  s->scale = 1;   /* it was already 1: rewriting it changes no sum */
  task9_rw_lock_writer_release (s->settings_lock, NULL);
  return NULL;
}

static int
main_task (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(Task9Proc) other = task9_proc_new ("other", &error);
  g_autoptr(Task9Lock) lock = task9_lock_new ();
  Shared s = { lock, task9_cond_new (lock), task9_cond_new (lock), { 0 }, 0, 0, 0,
               task9_rw_lock_new (), 1 };
  Task9Task *tasks[PRODUCERS + CONSUMERS + 1];
  int n = 0;
  long expected = (long) PRODUCERS * ITEMS * (ITEMS + 1) / 2;

  for (int i = 0; i < PRODUCERS; i++)
    tasks[n++] = task9_task_spawn_full (i % 2 ? other : NULL, "producer", 0, producer, &s,
                                        NULL, &error);
  for (int i = 0; i < CONSUMERS; i++)
    tasks[n++] = task9_task_spawn_full (i % 2 ? NULL : other, "consumer", 0, consumer, &s,
                                        NULL, &error);
  tasks[n++] = task9_task_spawn ("settings", settings_writer, &s, NULL, &error);

  for (int i = 0; i < n; i++)
    {
      task9_task_join (tasks[i], -1, error == NULL ? &error : NULL);
      task9_task_unref (tasks[i]);
    }
  task9_proc_stop (other);
  g_object_unref (s.not_full);
  g_object_unref (s.not_empty);
  g_object_unref (s.settings_lock);

  if (error != NULL || s.sum != expected)
    {
      g_printerr ("locks: %s (sum %ld, expected %ld)\n",
                  error != NULL ? error->message : "wrong sum", s.sum, expected);
      return 1;
    }
  g_print ("locks: %d items, sum %ld\n", PRODUCERS * ITEMS, s.sum);
  return 0;
}

int
main (int argc, char **argv)
{
  return task9_main (argc, argv, main_task);
}
