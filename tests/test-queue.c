/* test-queue.c: Task9Queue
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Items come out in the order they went in, through a bounded or an unbounded queue
 * (whose buffer grows, also with its head wrapped); a full bounded queue makes put wait,
 * in order; a cancelled or timed-out get leaves the item, a cancelled put puts nothing;
 * close works as a channel's; task_done/join count every put, and a task_done too many
 * fails and changes nothing; a get is an alt arm through the queue's channel; producers
 * and consumers on several procs lose and duplicate nothing (seed: TASK9_TEST_SEED);
 * the async forms work from the main context.
 */

#include "test-util.h"

static GValue *
int_value (GValue *value, gint x)
{
  return test_int_value (value, x);
}

static gint
get_int (Task9Queue *queue, GTimeSpan timeout, GError **error)
{
  GValue value = G_VALUE_INIT;

  if (!task9_queue_get (queue, &value, timeout, NULL, error))
    {
      g_assert_true (G_VALUE_HOLDS_INT (&value));   /* the default, for bindings */
      return -1;
    }
  return g_value_get_int (&value);
}

static gboolean
put_int (Task9Queue *queue, gint x, GTimeSpan timeout, GCancellable *cancellable, GError **error)
{
  GValue value = G_VALUE_INIT;

  return task9_queue_put (queue, int_value (&value, x), timeout, cancellable, error);
}

/* ---- basics ------------------------------------------------------------------------ */

static void
test_queue_unbounded (void)
{
  g_autoptr(Task9Queue) queue = task9_queue_new (G_TYPE_INT, 0);
  GError *error = NULL;
  guint n = 1000;

  g_assert_cmpuint (task9_queue_get_capacity (queue), ==, 0);
  g_assert_true (task9_queue_get_elem_type (queue) == G_TYPE_INT);
  /* Head wrapped before the buffer grows: 5 in, 3 out, then many in. */
  for (gint i = 0; i < 5; i++)
    g_assert_true (put_int (queue, i, -1, NULL, &error));   /* never blocks: fine outside a task */
  for (gint i = 0; i < 3; i++)
    g_assert_cmpint (get_int (queue, -1, &error), ==, i);
  for (guint i = 5; i < n; i++)
    g_assert_true (put_int (queue, i, 0, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (task9_queue_get_size (queue), ==, n - 3);
  g_assert_cmpuint (task9_queue_get_unfinished (queue), ==, n);
  for (guint i = 3; i < n; i++)
    g_assert_cmpint (get_int (queue, 0, &error), ==, i);
  g_assert_no_error (error);
  g_assert_cmpint (get_int (queue, 0, &error), ==, -1);
  g_assert_error (error, TASK9_ERROR, TASK9_ERROR_WOULD_BLOCK);
  g_clear_error (&error);
  g_assert_cmpint (get_int (queue, -1, &error), ==, -1);
  g_assert_error (error, TASK9_ERROR, TASK9_ERROR_NOT_IN_TASK);
  g_clear_error (&error);
}

/* Strings are copied in and owned by whoever gets them; what is left is freed with the
 * queue. */
static void
test_queue_owns_values (void)
{
  Task9Queue *queue = task9_queue_new (G_TYPE_STRING, 0);
  GValue value = G_VALUE_INIT;
  char buffer[16];

  g_value_init (&value, G_TYPE_STRING);
  for (guint i = 0; i < 20; i++)
    {
      g_snprintf (buffer, sizeof buffer, "item %u", i);
      g_value_set_string (&value, buffer);
      g_assert_true (task9_queue_try_put (queue, &value, NULL));
    }
  g_value_set_string (&value, "changed");   /* the queue holds copies */
  g_assert_true (task9_queue_try_get (queue, &value, NULL));
  g_assert_cmpstr (g_value_get_string (&value), ==, "item 0");
  g_value_unset (&value);
  g_object_unref (queue);   /* 19 strings freed here (valgrind/ASan watch) */
}

/* A full bounded queue: try_put would block, a timed-out put puts nothing, blocked
 * puts go in, in order, as room is made. */
typedef struct
{
  Task9Queue   *queue;
  gint          item;
  GTimeSpan     timeout;
  GCancellable *cancellable;
} Putter;

static gpointer
putter_task (gpointer data, GError **error)
{
  Putter *p = data;

  put_int (p->queue, p->item, p->timeout, p->cancellable, error);
  return NULL;
}

static gpointer
bounded_body (gpointer data, GError **error)
{
  g_autoptr(Task9Queue) queue = task9_queue_new (G_TYPE_INT, 2);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  GValue value = G_VALUE_INIT;
  GError *local = NULL;
  Putter p[4];
  Task9Task *tasks[4];

  g_assert_true (task9_queue_try_put (queue, int_value (&value, 0), error));
  g_assert_true (put_int (queue, 1, -1, NULL, error));
  g_assert_false (task9_queue_try_put (queue, &value, &local));
  g_assert_error (local, TASK9_ERROR, TASK9_ERROR_WOULD_BLOCK);
  g_clear_error (&local);
  g_assert_false (put_int (queue, 99, 1000, NULL, &local));
  g_assert_error (local, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  g_clear_error (&local);
  {
    /* Cancelled before it starts: fails at once, even where there would be room. */
    g_autoptr(Task9Queue) roomy = task9_queue_new (G_TYPE_INT, 0);
    g_autoptr(GCancellable) already = g_cancellable_new ();

    g_cancellable_cancel (already);
    g_assert_false (put_int (queue, 99, -1, already, &local));
    g_assert_error (local, G_IO_ERROR, G_IO_ERROR_CANCELLED);
    g_clear_error (&local);
    g_assert_true (put_int (roomy, 1, -1, NULL, error));
    g_assert_false (put_int (roomy, 99, -1, already, &local));
    g_assert_error (local, G_IO_ERROR, G_IO_ERROR_CANCELLED);
    g_clear_error (&local);
    g_assert_cmpuint (task9_queue_get_unfinished (roomy), ==, 1);
    g_assert_cmpuint (task9_queue_get_size (roomy), ==, 1);
  }
  g_assert_cmpuint (task9_queue_get_size (queue), ==, 2);
  g_assert_cmpuint (task9_queue_get_unfinished (queue), ==, 2);

  /* Four blocked putters; the second is cancelled and puts nothing. */
  for (guint i = 0; i < 4; i++)
    {
      p[i] = (Putter) { queue, 2 + i, -1, i == 1 ? cancellable : NULL };
      tasks[i] = test_spawn ("putter", putter_task, &p[i]);
      test_wait_blocked (tasks[i], "send");
    }
  g_cancellable_cancel (cancellable);
  g_assert_cmpint (test_join_error_code (tasks[1], G_IO_ERROR), ==, G_IO_ERROR_CANCELLED);
  g_assert_cmpuint (task9_queue_get_unfinished (queue), ==, 2 + 3);   /* 3 still putting */
  for (gint expect = 0; expect < 6; expect++)
    {
      if (expect == 3)
        continue;   /* the cancelled put's */
      g_assert_cmpint (get_int (queue, -1, error), ==, expect);
    }
  for (guint i = 0; i < 4; i++)
    if (i != 1)
      test_join_ok (tasks[i]);
  g_assert_cmpint (get_int (queue, 0, &local), ==, -1);
  g_clear_error (&local);
  g_assert_cmpuint (task9_queue_get_unfinished (queue), ==, 5);
  return NULL;
}
TEST_IN_TASK (test_queue_bounded, bounded_body)

/* Getters are served in the order they came; a cancelled or timed-out get leaves the
 * item for the next one. */
typedef struct
{
  Task9Queue   *queue;
  GCancellable *cancellable;
  gint          got;
} Getter;

static gpointer
getter_task (gpointer data, GError **error)
{
  Getter *g = data;
  GValue value = G_VALUE_INIT;

  g->got = -1;
  if (task9_queue_get (g->queue, &value, -1, g->cancellable, error))
    g->got = g_value_get_int (&value);
  return NULL;
}

static gpointer
getters_body (gpointer data, GError **error)
{
  g_autoptr(Task9Queue) queue = task9_queue_new (G_TYPE_INT, 0);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  GError *local = NULL;
  Getter g[8];
  Task9Task *tasks[8];

  g_assert_cmpint (get_int (queue, 1000, &local), ==, -1);
  g_assert_error (local, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  g_clear_error (&local);

  for (guint i = 0; i < G_N_ELEMENTS (g); i++)
    {
      g[i] = (Getter) { queue, i == 0 ? cancellable : NULL };
      tasks[i] = test_spawn ("getter", getter_task, &g[i]);
      test_wait_blocked (tasks[i], "recv");
    }
  g_cancellable_cancel (cancellable);   /* the first gives up: the items go on to the rest */
  g_assert_cmpint (test_join_error_code (tasks[0], G_IO_ERROR), ==, G_IO_ERROR_CANCELLED);
  for (guint i = 1; i < G_N_ELEMENTS (g); i++)
    g_assert_true (put_int (queue, 100 + i, -1, NULL, error));
  for (guint i = 1; i < G_N_ELEMENTS (g); i++)
    {
      test_join_ok (tasks[i]);
      g_assert_cmpint (g[i].got, ==, 100 + i);
    }
  g_assert_cmpuint (task9_queue_get_size (queue), ==, 0);
  return NULL;
}
TEST_IN_TASK (test_queue_getters, getters_body)

/* ---- close ---------------------------------------------------------------------- */

static gpointer
close_body (gpointer data, GError **error)
{
  g_autoptr(Task9Queue) queue = task9_queue_new (G_TYPE_INT, 1);
  g_autoptr(Task9Queue) empty = task9_queue_new (G_TYPE_INT, 0);
  GError *local = NULL;
  Putter p = { queue, 7, -1 };
  Getter g = { empty };
  Task9Task *putter, *getter;

  g_assert_true (put_int (queue, 1, -1, NULL, error));
  putter = test_spawn ("putter", putter_task, &p);
  test_wait_blocked (putter, "send");
  getter = test_spawn ("getter", getter_task, &g);
  test_wait_blocked (getter, "recv");

  task9_queue_close (queue);
  task9_queue_close (empty);
  task9_queue_close (queue);   /* twice: nothing more */
  g_assert_true (task9_queue_is_closed (queue));
  g_assert_cmpint (test_join_error_code (putter, TASK9_ERROR), ==, TASK9_ERROR_CLOSED);
  g_assert_cmpint (test_join_error_code (getter, TASK9_ERROR), ==, TASK9_ERROR_CLOSED);

  g_assert_false (put_int (queue, 2, -1, NULL, &local));
  g_assert_error (local, TASK9_ERROR, TASK9_ERROR_CLOSED);
  g_clear_error (&local);
  g_assert_cmpuint (task9_queue_get_unfinished (queue), ==, 1);   /* failed puts count nothing */
  g_assert_cmpint (get_int (queue, -1, error), ==, 1);             /* drains ... */
  g_assert_cmpint (get_int (queue, -1, &local), ==, -1);           /* ... then closed */
  g_assert_error (local, TASK9_ERROR, TASK9_ERROR_CLOSED);
  g_clear_error (&local);
  /* Closing does not end a join: the item got is still to be marked done. */
  g_assert_false (task9_queue_join (queue, 0, NULL, &local));
  g_assert_error (local, TASK9_ERROR, TASK9_ERROR_WOULD_BLOCK);
  g_clear_error (&local);
  g_assert_true (task9_queue_task_done (queue, error));
  g_assert_true (task9_queue_join (queue, 0, NULL, error));
  return NULL;
}
TEST_IN_TASK (test_queue_close, close_body)

/* ---- task_done and join ------------------------------------------------------------ */

typedef struct
{
  Task9Queue   *queue;
  GCancellable *cancellable;
  GTimeSpan     timeout;
} Joiner;

static gpointer
joiner_task (gpointer data, GError **error)
{
  Joiner *j = data;

  return GINT_TO_POINTER (task9_queue_join (j->queue, j->timeout, j->cancellable, error));
}

static gpointer
join_body (gpointer data, GError **error)
{
  g_autoptr(Task9Queue) queue = task9_queue_new (G_TYPE_INT, 0);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  GError *local = NULL;
  Joiner plain = { queue, NULL, -1 }, cancelled = { queue, cancellable, -1 };
  Task9Task *joiners[3], *gives_up;

  g_assert_true (task9_queue_join (queue, -1, NULL, error));   /* nothing put */
  g_assert_false (task9_queue_task_done (queue, &local));
  g_assert_error (local, TASK9_ERROR, TASK9_ERROR_OVERFLOW);
  g_clear_error (&local);
  g_assert_cmpuint (task9_queue_get_unfinished (queue), ==, 0);

  for (gint i = 0; i < 3; i++)
    g_assert_true (put_int (queue, i, -1, NULL, error));
  g_assert_false (task9_queue_join (queue, 1000, NULL, &local));
  g_assert_error (local, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  g_clear_error (&local);
  for (guint i = 0; i < 3; i++)
    {
      joiners[i] = test_spawn ("joiner", joiner_task, &plain);
      test_wait_blocked (joiners[i], "queue-join");
    }
  gives_up = test_spawn ("joiner", joiner_task, &cancelled);
  test_wait_blocked (gives_up, "queue-join");
  g_cancellable_cancel (cancellable);
  g_assert_cmpint (test_join_error_code (gives_up, G_IO_ERROR), ==, G_IO_ERROR_CANCELLED);

  for (gint i = 0; i < 3; i++)
    {
      g_assert_cmpint (get_int (queue, -1, error), ==, i);
      g_assert_true (task9_queue_task_done (queue, error));
      if (i < 2)
        for (guint k = 0; k < 3; k++)
          g_assert_false (task9_task_is_finished (joiners[k]));
    }
  for (guint i = 0; i < 3; i++)
    g_assert_true (GPOINTER_TO_INT (test_join_ok (joiners[i])));

  g_assert_false (task9_queue_task_done (queue, &local));   /* one too many */
  g_assert_error (local, TASK9_ERROR, TASK9_ERROR_OVERFLOW);
  g_clear_error (&local);
  g_assert_cmpuint (task9_queue_get_unfinished (queue), ==, 0);
  return NULL;
}
TEST_IN_TASK (test_queue_join, join_body)

/* ---- a get as an alt arm ------------------------------------------------------------- */

static gpointer
late_put_task (gpointer data, GError **error)
{
  put_int (data, 42, -1, NULL, error);
  return NULL;
}

static gpointer
alt_body (gpointer data, GError **error)
{
  g_autoptr(Task9Queue) queue = task9_queue_new (G_TYPE_INT, 0);
  g_autoptr(Task9Channel) other = task9_channel_new (sizeof (gint64), 0);
  gint item = 0;
  gint64 elem = 0;
  Task9AltArm arms[2] = {
    { task9_queue_get_channel (queue), TASK9_ALT_RECV, &item },
    { other, TASK9_ALT_RECV, &elem },
  };
  Task9Task *task;

  task = test_spawn ("put", late_put_task, queue);
  g_assert_cmpint (task9_alt (arms, 2, test_join_bound (), NULL, error), ==, 0);
  g_assert_cmpint (item, ==, 42);
  test_join_ok (task);
  g_assert_true (task9_queue_task_done (queue, error));   /* an alt's get is a get */
  g_assert_true (task9_queue_join (queue, 0, NULL, error));

  /* Sending through the channel of an unbounded queue never waits either. */
  arms[0].op = TASK9_ALT_SEND;
  arms[1].op = TASK9_ALT_NOP;
  for (gint i = 0; i < 100; i++)
    {
      item = i;
      g_assert_cmpint (task9_alt (arms, 2, 0, NULL, error), ==, 0);
    }
  g_assert_cmpuint (task9_queue_get_size (queue), ==, 100);
  return NULL;
}
TEST_IN_TASK (test_queue_alt, alt_body)

/* ---- stress across procs ------------------------------------------------------------ */

#define N_PROCS 4
#define N_PRODUCERS 8
#define N_CONSUMERS 8

typedef struct
{
  Task9Queue *queue;
  guint       per_producer;
  guint64     seed;
  gint       *seen;          /* atomic: how many times each item came out */
  gint        n_done;
} Stress;

typedef struct
{
  Stress *s;
  guint   index;
} StressJob;

static gpointer
producer_task (gpointer data, GError **error)
{
  StressJob *job = data;
  Stress *s = job->s;
  g_autoptr(GRand) rand = g_rand_new_with_seed ((guint32) (s->seed ^ (job->index * 2654435761u)));

  for (guint i = 0; i < s->per_producer; i++)
    {
      gint item = (gint) (job->index * s->per_producer + i);

      for (;;)   /* a timed-out or cancelled put put nothing: put it again */
        {
          g_autoptr(GCancellable) cancellable = NULL;
          GTimeSpan timeout = -1;
          GError *local = NULL;

          switch (g_rand_int_range (rand, 0, 8))
            {
            case 0: timeout = 0; break;
            case 1: timeout = g_rand_int_range (rand, 1, 100); break;
            case 2:
              cancellable = g_cancellable_new ();
              g_cancellable_cancel (cancellable);
              break;
            default: break;
            }
          if (put_int (s->queue, item, timeout, cancellable, &local))
            break;
          g_assert_true (g_error_matches (local, G_IO_ERROR, G_IO_ERROR_TIMED_OUT) ||
                         g_error_matches (local, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
                         g_error_matches (local, TASK9_ERROR, TASK9_ERROR_WOULD_BLOCK));
          g_error_free (local);
        }
    }
  return NULL;
}

static gpointer
consumer_task (gpointer data, GError **error)
{
  StressJob *job = data;
  Stress *s = job->s;
  g_autoptr(GRand) rand = g_rand_new_with_seed ((guint32) (s->seed ^ ~(job->index * 2654435761u)));

  for (;;)
    {
      GValue value = G_VALUE_INIT;
      GTimeSpan timeout = g_rand_int_range (rand, 0, 4) == 0 ? g_rand_int_range (rand, 0, 100) : -1;
      GError *local = NULL;

      if (!task9_queue_get (s->queue, &value, timeout, NULL, &local))
        {
          gboolean closed = g_error_matches (local, TASK9_ERROR, TASK9_ERROR_CLOSED);

          g_assert_true (closed || g_error_matches (local, G_IO_ERROR, G_IO_ERROR_TIMED_OUT) ||
                         g_error_matches (local, TASK9_ERROR, TASK9_ERROR_WOULD_BLOCK));
          g_error_free (local);
          if (closed)
            return NULL;
          continue;
        }
      g_atomic_int_inc (&s->seen[g_value_get_int (&value)]);
      g_atomic_int_inc (&s->n_done);   /* before: the last task_done() ends the join */
      g_assert_true (task9_queue_task_done (s->queue, error));
    }
}

static guint64
test_seed (void)
{
  const char *env = g_getenv ("TASK9_TEST_SEED");
  guint64 seed = env != NULL ? g_ascii_strtoull (env, NULL, 0) : 0x9e3a;

  g_test_message ("TASK9_TEST_SEED=%" G_GUINT64_FORMAT, seed);
  return seed;
}

static void
run_stress (guint capacity)
{
  Stress s = { 0, };
  Task9Proc *procs[N_PROCS];
  StressJob jobs[N_PRODUCERS + N_CONSUMERS];
  Task9Task *tasks[N_PRODUCERS + N_CONSUMERS];
  guint n;

  s.queue = task9_queue_new (G_TYPE_INT, capacity);
  s.per_producer = test_scale (5000, 200);
  s.seed = test_seed ();
  n = s.per_producer * N_PRODUCERS;
  s.seen = g_new0 (gint, n);
  for (guint p = 0; p < N_PROCS; p++)
    procs[p] = test_proc_new ("queue-proc");
  for (guint i = 0; i < G_N_ELEMENTS (tasks); i++)
    {
      jobs[i] = (StressJob) { &s, i < N_PRODUCERS ? i : i - N_PRODUCERS };
      tasks[i] = test_spawn_on (procs[i % N_PROCS], i < N_PRODUCERS ? "producer" : "consumer",
                                i < N_PRODUCERS ? producer_task : consumer_task, &jobs[i]);
    }
  for (guint i = 0; i < N_PRODUCERS; i++)
    test_join_ok (tasks[i]);
  /* Every item was put: a join on the test thread's side is made by a task. */
  {
    Joiner j = { s.queue, NULL, test_join_bound () };

    g_assert_true (GPOINTER_TO_INT (test_join_ok (test_spawn_on (procs[0], "joiner",
                                                                 joiner_task, &j))));
  }
  g_assert_cmpint (g_atomic_int_get (&s.n_done), ==, n);
  task9_queue_close (s.queue);
  for (guint i = N_PRODUCERS; i < G_N_ELEMENTS (tasks); i++)
    test_join_ok (tasks[i]);
  for (guint p = 0; p < N_PROCS; p++)
    test_proc_finish (procs[p]);

  for (guint i = 0; i < n; i++)
    if (s.seen[i] != 1)
      g_error ("item %u came out %d times", i, s.seen[i]);
  g_assert_cmpuint (task9_queue_get_unfinished (s.queue), ==, 0);
  g_assert_cmpuint (task9_queue_get_size (s.queue), ==, 0);
  g_free (s.seen);
  g_object_unref (s.queue);
}

static void
test_queue_stress_bounded (void)
{
  run_stress (4);
}

static void
test_queue_stress_unbounded (void)
{
  run_stress (0);
}

/* ---- the async face ---------------------------------------------------------------- */

typedef struct
{
  Task9Queue *queue;
  gint        kind;          /* 0 put, 1 get, 2 join */
  gboolean    returned;
  gboolean    early;
  gboolean    ok;
  GError     *error;
  GValue      value;
  gint        done;
} AsyncOp;

static void
async_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  AsyncOp *a = data;

  g_assert_true (source == G_OBJECT (a->queue));
  g_assert_false (task9_in_task ());
  if (!a->returned)
    a->early = TRUE;
  if (a->kind == 0)
    a->ok = task9_queue_put_finish (a->queue, result, &a->error);
  else if (a->kind == 1)
    a->ok = task9_queue_get_finish (a->queue, result, &a->value, &a->error);
  else
    a->ok = task9_queue_join_finish (a->queue, result, &a->error);
  g_atomic_int_set (&a->done, 1);
  g_main_context_wakeup (NULL);
}

static void
async_clear (AsyncOp *a)
{
  g_clear_error (&a->error);
  if (G_IS_VALUE (&a->value))
    g_value_unset (&a->value);
}

static gpointer
consume_one_task (gpointer data, GError **error)
{
  Task9Queue *queue = data;
  gint x = get_int (queue, -1, error);

  task9_queue_task_done (queue, error);
  return GINT_TO_POINTER (x);
}

static void
test_queue_async (void)
{
  g_autoptr(Task9Queue) queue = task9_queue_new (G_TYPE_INT, 1);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  Task9Proc *proc = test_proc_new ("peer");
  AsyncOp get_cancelled = { queue, 1 }, get = { queue, 1 }, put1 = { queue, 0 },
          put2 = { queue, 0 }, join = { queue, 2 };
  GValue value = G_VALUE_INIT;
  Task9Task *task;

  /* A cancelled async get leaves the item for the next getter. */
  task9_queue_get_async (queue, cancellable, async_cb, &get_cancelled);
  get_cancelled.returned = TRUE;
  task9_queue_get_async (queue, NULL, async_cb, &get);
  get.returned = TRUE;
  g_cancellable_cancel (cancellable);
  test_iterate_until (NULL, &get_cancelled.done);
  g_assert_false (get_cancelled.ok);
  g_assert_error (get_cancelled.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_true (G_VALUE_HOLDS_INT (&get_cancelled.value));
  g_assert_true (task9_queue_try_put (queue, int_value (&value, 5), NULL));
  test_iterate_until (NULL, &get.done);
  g_assert_true (get.ok);
  g_assert_false (get.early);
  g_assert_cmpint (g_value_get_int (&get.value), ==, 5);
  g_assert_true (task9_queue_task_done (queue, NULL));

  /* Async puts into a bounded queue: the first fits, the second waits until a task on
   * another proc makes room; an async join waits for both to be marked done. */
  g_value_set_int (&value, 10);
  task9_queue_put_async (queue, &value, NULL, async_cb, &put1);
  put1.returned = TRUE;
  g_value_set_int (&value, 11);
  task9_queue_put_async (queue, &value, NULL, async_cb, &put2);
  put2.returned = TRUE;
  test_iterate_until (NULL, &put1.done);
  g_assert_true (put1.ok);
  g_assert_false (put1.early);
  g_assert_false (g_atomic_int_get (&put2.done));
  task9_queue_join_async (queue, NULL, async_cb, &join);
  join.returned = TRUE;
  task = test_spawn_on (proc, "consumer", consume_one_task, queue);
  test_iterate_until (NULL, &put2.done);
  g_assert_true (put2.ok);
  g_assert_cmpint (GPOINTER_TO_INT (test_join_ok (task)), ==, 10);
  g_assert_false (g_atomic_int_get (&join.done));
  task = test_spawn_on (proc, "consumer", consume_one_task, queue);
  test_iterate_until (NULL, &join.done);
  g_assert_true (join.ok);
  g_assert_cmpint (GPOINTER_TO_INT (test_join_ok (task)), ==, 11);

  async_clear (&get_cancelled);
  async_clear (&get);
  async_clear (&put1);
  async_clear (&put2);
  async_clear (&join);
  test_proc_finish (proc);
}

/* ---- bad input ------------------------------------------------------------------- */

static void
test_queue_bad_input (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(Task9Queue) queue = task9_queue_new (G_TYPE_INT, 0);
      GValue str = G_VALUE_INIT, out = G_VALUE_INIT;

      g_value_init (&str, G_TYPE_STRING);
      test_expect_critical ("*G_TYPE_IS_VALUE_TYPE*");
      g_assert_null (task9_queue_new (G_TYPE_NONE, 0));
      test_expect_critical ("*capacity <=*");
      g_assert_null (task9_queue_new (G_TYPE_INT, G_MAXUINT));
      test_expect_critical ("*g_type_is_a*");
      g_assert_false (task9_queue_try_put (queue, &str, NULL));
      test_expect_critical ("*G_IS_VALUE*");
      g_assert_false (task9_queue_put (queue, &out, -1, NULL, NULL));
      test_expect_critical ("*TASK9_QUEUE_CHECK*");
      g_assert_false (task9_queue_try_get (NULL, &out, NULL));
      test_expect_critical ("*(value) != NULL*");
      g_assert_false (task9_queue_get (queue, NULL, -1, NULL, NULL));
      test_expect_critical ("*TASK9_QUEUE_CHECK*");
      g_assert_false (task9_queue_task_done (NULL, NULL));
      test_expect_critical ("*TASK9_QUEUE_CHECK*");
      g_assert_false (task9_queue_join (NULL, -1, NULL, NULL));
      test_expect_critical ("*g_type_is_a*");
      task9_queue_put_async (queue, &str, NULL, NULL, NULL);
      test_expect_critical ("*TASK9_QUEUE_CHECK*");
      task9_queue_get_async (NULL, NULL, NULL, NULL);
      g_test_assert_expected_messages ();
      g_assert_cmpuint (task9_queue_get_unfinished (queue), ==, 0);
      g_value_unset (&str);

      /* A wrong object is caught, not taken for a queue: a channel (whose magic sits
       * where a queue's fields are), and a bare GObject, smaller than a queue. */
      {
        g_autoptr(Task9Channel) channel = task9_channel_new_typed (G_TYPE_INT, 1);
        g_autoptr(GObject) object = g_object_new (G_TYPE_OBJECT, NULL);
        gpointer wrong[] = { channel, object };
        GValue one = G_VALUE_INIT;

        g_value_init (&one, G_TYPE_INT);
        g_value_set_int (&one, 1);
        for (guint i = 0; i < G_N_ELEMENTS (wrong); i++)
          {
            test_expect_critical ("*TASK9_QUEUE_CHECK*");
            g_assert_false (task9_queue_try_put (wrong[i], &one, NULL));
            test_expect_critical ("*TASK9_QUEUE_CHECK*");
            g_assert_false (task9_queue_put (wrong[i], &one, 0, NULL, NULL));
            test_expect_critical ("*TASK9_QUEUE_CHECK*");
            g_assert_false (task9_queue_try_get (wrong[i], &out, NULL));
            test_expect_critical ("*TASK9_QUEUE_CHECK*");
            g_assert_false (task9_queue_get (wrong[i], &out, 0, NULL, NULL));
            test_expect_critical ("*TASK9_QUEUE_CHECK*");
            g_assert_false (task9_queue_task_done (wrong[i], NULL));
            test_expect_critical ("*TASK9_QUEUE_CHECK*");
            g_assert_cmpuint (task9_queue_get_unfinished (wrong[i]), ==, 0);
            g_test_assert_expected_messages ();
          }
        g_assert_cmpuint (task9_channel_get_length (channel), ==, 0);
      }

      /* A value of a subtype of the element type goes in; a NULL one does not. */
      {
        g_autoptr(Task9Queue) objects = task9_queue_new (G_TYPE_OBJECT, 0);
        g_autoptr(Task9Channel) item = task9_channel_new (4, 0);
        GValue in = G_VALUE_INIT, got = G_VALUE_INIT;

        g_value_init (&in, TASK9_TYPE_CHANNEL);
        g_value_set_object (&in, item);
        g_assert_true (task9_queue_try_put (objects, &in, NULL));
        test_expect_critical ("*G_IS_VALUE*");
        g_assert_false (task9_queue_try_put (objects, NULL, NULL));
        g_test_assert_expected_messages ();
        g_assert_cmpuint (task9_queue_get_unfinished (objects), ==, 1);
        g_assert_true (task9_queue_try_get (objects, &got, NULL));
        g_assert_true (g_value_get_object (&got) == (gpointer) item);
        g_value_unset (&got);
        g_value_unset (&in);
      }
      g_value_unset (&out);
      return;
    }
  test_run_child ();
  g_test_trap_assert_passed ();
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/queue/unbounded", test_queue_unbounded);
  g_test_add_func ("/queue/owns-values", test_queue_owns_values);
  g_test_add_func ("/queue/bounded", test_queue_bounded);
  g_test_add_func ("/queue/getters", test_queue_getters);
  g_test_add_func ("/queue/close", test_queue_close);
  g_test_add_func ("/queue/join", test_queue_join);
  g_test_add_func ("/queue/alt", test_queue_alt);
  g_test_add_func ("/queue/stress/bounded", test_queue_stress_bounded);
  g_test_add_func ("/queue/stress/unbounded", test_queue_stress_unbounded);
  g_test_add_func ("/queue/async", test_queue_async);
  g_test_add_func ("/queue/bad-input", test_queue_bad_input);

  return g_test_run ();
}
