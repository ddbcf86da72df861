/* test-model.c: a randomized, model-checked run of many tasks on a handful of channels
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Agents (tasks on several procs, plus one async agent per proc driven from the proc's
 * main context) run random sequences of send, receive, try_send, try_recv and alt with
 * random timeouts and cancellables, cancel each other's operations, cancel helper tasks
 * blocked in a send or receive, and close channels (a closed channel is replaced by a
 * fresh one of the same capacity). Every value sent is unique: (agent << 32) | sequence.
 * Each agent logs which of its sends succeeded and which failed, and what it received
 * from which channel. At the end every channel is closed and drained, and the logs must
 * agree with a channel's contract:
 *
 *   - every value received (or left in a buffer) was sent successfully, on that channel;
 *   - no value is received twice, and no value whose send failed is ever received;
 *   - sent_ok == received + left in buffers: nothing is lost;
 *   - per channel, one sender's values are received in the order they were sent (each
 *     receiver sees them in increasing order, and whatever is left in a buffer comes
 *     after everything received).
 *
 * It runs for about two seconds with a fixed seed; TASK9_MODEL_SECONDS and
 * TASK9_MODEL_SEED in the environment change both (the seed is printed). The schedule
 * itself is not reproducible (procs are threads), but the seed fixes each agent's choices.
 */

#include <stdlib.h>
#include <string.h>

#include "test-util.h"

#define N_SLOTS 5
static const guint slot_capacity[N_SLOTS] = { 0, 0, 1, 3, 8 };

#define MAX_PROCS 4
#define MAX_AGENTS 32   /* task agents and async agents */
#define MAX_ARMS 4

typedef struct
{
  guint         id;
  guint         capacity;
  Task9Channel *channel;
} ChanRec;

typedef struct
{
  guint32 chan;
  guint64 value;
} Entry;

typedef struct _Model Model;

typedef struct
{
  Model        *model;
  guint         id;
  gboolean      is_async;
  Task9Proc    *proc;
  GRand        *rand;
  guint32       seq;
  GArray       *sent_ok;      /* Entry */
  GArray       *sent_failed;  /* guint64 */
  GArray       *received;     /* Entry */
  guint64       n_ops;
  guint64       n_alts;
  guint64       n_cancels;
  guint64       n_task_cancels;
  guint64       n_closes;
  guint64       n_timeouts;
  guint         bad_errors;
  const char   *doing;        /* what the agent is doing now, for a hang report */
  char          wait_desc[160];
  GCancellable *wait_cancellable;
  /* async agents */
  ChanRec      *pending_chan;
  gboolean      pending_is_send;
  guint64       pending_value;
  gint64        pending_elem;
  GCancellable *pending_cancellable;
  TestFlag      finished;
} Agent;

struct _Model
{
  GMutex        lock;
  ChanRec      *slots[N_SLOTS];
  GPtrArray    *all;                        /* ChanRec, every channel ever made */
  GCancellable *registered[MAX_AGENTS];     /* each agent's current cancellable */
  gboolean      stop;
  gint64        deadline;
  Task9Proc    *procs[MAX_PROCS];
  guint         n_procs;
  Agent        *agents[MAX_AGENTS];
  guint         n_agents;
};

/* ---- the shared state ---------------------------------------------------------------- */

static ChanRec *
chan_rec_new (Model *m, guint capacity)   /* with m->lock held */
{
  ChanRec *rec = g_new0 (ChanRec, 1);

  rec->id = m->all->len;
  rec->capacity = capacity;
  rec->channel = task9_channel_new (sizeof (guint64), capacity);
  g_ptr_array_add (m->all, rec);
  return rec;
}

/* A current channel, referenced for the caller (records are never freed before the
 * end, so the ChanRec pointer stays valid). */
static ChanRec *
pick_channel (Agent *a)
{
  Model *m = a->model;
  ChanRec *rec;

  g_mutex_lock (&m->lock);
  rec = m->slots[g_rand_int_range (a->rand, 0, N_SLOTS)];
  g_object_ref (rec->channel);
  g_mutex_unlock (&m->lock);
  return rec;
}

static void
retire_channel (Agent *a)
{
  Model *m = a->model;
  guint s = g_rand_int_range (a->rand, 0, N_SLOTS);
  ChanRec *old;

  g_mutex_lock (&m->lock);
  old = m->slots[s];
  m->slots[s] = chan_rec_new (m, old->capacity);
  g_mutex_unlock (&m->lock);
  task9_channel_close (old->channel);
  a->n_closes++;
}

/* Registers @cancellable as @a's current one, so that other agents can cancel it;
 * returns FALSE (and registers nothing) once the run is stopping. */
static gboolean
register_cancellable (Agent *a, GCancellable *cancellable)
{
  Model *m = a->model;
  gboolean ok;

  g_mutex_lock (&m->lock);
  ok = !m->stop;
  if (ok)
    m->registered[a->id] = g_object_ref (cancellable);
  g_mutex_unlock (&m->lock);
  return ok;
}

static void
unregister_cancellable (Agent *a)
{
  Model *m = a->model;
  GCancellable *cancellable;

  g_mutex_lock (&m->lock);
  cancellable = m->registered[a->id];
  m->registered[a->id] = NULL;
  g_mutex_unlock (&m->lock);
  g_clear_object (&cancellable);
}

static void
cancel_other (Agent *a)
{
  Model *m = a->model;
  guint j = g_rand_int_range (a->rand, 0, m->n_agents);
  GCancellable *cancellable;

  g_mutex_lock (&m->lock);
  cancellable = m->registered[j] != NULL ? g_object_ref (m->registered[j]) : NULL;
  g_mutex_unlock (&m->lock);
  if (cancellable != NULL)
    {
      g_cancellable_cancel (cancellable);
      g_object_unref (cancellable);
      a->n_cancels++;
    }
}

/* The end: no more waits start, every registered one is cancelled. Any agent that
 * finds the deadline passed does this. */
static void
stop_all (Model *m)
{
  GCancellable *to_cancel[MAX_AGENTS];
  guint n = 0;

  g_mutex_lock (&m->lock);
  m->stop = TRUE;
  for (guint i = 0; i < m->n_agents; i++)
    if (m->registered[i] != NULL)
      to_cancel[n++] = g_object_ref (m->registered[i]);
  g_mutex_unlock (&m->lock);
  for (guint i = 0; i < n; i++)
    {
      g_cancellable_cancel (to_cancel[i]);
      g_object_unref (to_cancel[i]);
    }
}

static gboolean
time_is_up (Agent *a)
{
  Model *m = a->model;
  gboolean stop;

  if (g_get_monotonic_time () >= m->deadline)
    {
      stop_all (m);
      return TRUE;
    }
  g_mutex_lock (&m->lock);
  stop = m->stop;
  g_mutex_unlock (&m->lock);
  return stop;
}

/* ---- logging ------------------------------------------------------------------------- */

static guint64
next_value (Agent *a)
{
  return ((guint64) a->id << 32) | a->seq++;
}

static void
log_sent (Agent *a, ChanRec *rec, guint64 value, gboolean ok)
{
  if (ok)
    {
      Entry e = { rec->id, value };

      g_array_append_val (a->sent_ok, e);
    }
  else
    g_array_append_val (a->sent_failed, value);
}

static void
log_received (Agent *a, ChanRec *rec, guint64 value)
{
  Entry e = { rec->id, value };

  g_array_append_val (a->received, e);
}

/* A failed operation must fail for one of the reasons it may. */
static void
check_error (Agent *a, GError *error)
{
  if (error == NULL)
    {
      a->bad_errors++;
      return;
    }
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    a->n_timeouts++;
  else if (!g_error_matches (error, TASK9_ERROR, TASK9_ERROR_WOULD_BLOCK) &&
           !g_error_matches (error, TASK9_ERROR, TASK9_ERROR_CLOSED) &&
           !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_test_message ("agent %u: unexpected error %s", a->id, error->message);
      a->bad_errors++;
    }
}

/* ---- task agents --------------------------------------------------------------------- */

/* A timeout for one wait; -1 means "no limit, but with a cancellable others may fire". */
static GTimeSpan
pick_timeout (Agent *a)
{
  static const GTimeSpan timeouts[] = { 0, 0, 20, 100, 500, 2000, -1, -1 };

  return timeouts[g_rand_int_range (a->rand, 0, G_N_ELEMENTS (timeouts))];
}

/* Starts a wait: for timeout -1 (or at random) a registered cancellable. Returns FALSE
 * if the run is stopping and the wait would have no limit. */
static gboolean
begin_wait (Agent *a, GTimeSpan timeout, GCancellable **cancellable)
{
  *cancellable = NULL;
  if (timeout != 0 && (timeout < 0 || g_rand_int_range (a->rand, 0, 4) == 0))
    {
      *cancellable = g_cancellable_new ();
      if (!register_cancellable (a, *cancellable))
        {
          g_clear_object (cancellable);
          return timeout >= 0;
        }
    }
  return TRUE;
}

static void
end_wait (Agent *a, GCancellable **cancellable)
{
  if (*cancellable != NULL)
    unregister_cancellable (a);
  g_clear_object (cancellable);
}

/* For a hang report: what the agent waits for. */
static void
describe_wait (Agent *a, const char *what, ChanRec *rec, GTimeSpan timeout,
               GCancellable *cancellable)
{
  g_snprintf (a->wait_desc, sizeof a->wait_desc,
              "%s on channel %u (capacity %u), timeout %" G_GINT64_FORMAT
              " us, cancellable %s, started at %" G_GINT64_FORMAT,
              what, rec->id, rec->capacity, (gint64) timeout, cancellable ? "yes" : "no",
              g_get_monotonic_time ());
  a->wait_cancellable = cancellable;
}

static void
do_send (Agent *a, gboolean try)
{
  ChanRec *rec = pick_channel (a);
  GTimeSpan timeout = try ? 0 : pick_timeout (a);
  GCancellable *cancellable;
  guint64 value = next_value (a);
  GError *error = NULL;
  gboolean ok;

  if (!begin_wait (a, timeout, &cancellable))
    timeout = 0;
  describe_wait (a, "send", rec, timeout, cancellable);
  if (try)
    ok = task9_channel_try_send (rec->channel, &value, &error);
  else
    ok = task9_channel_send_full (rec->channel, &value, timeout, cancellable, &error);
  end_wait (a, &cancellable);
  log_sent (a, rec, value, ok);
  if (!ok)
    check_error (a, error);
  g_clear_error (&error);
  g_object_unref (rec->channel);
}

static void
do_recv (Agent *a, gboolean try)
{
  ChanRec *rec = pick_channel (a);
  GTimeSpan timeout = try ? 0 : pick_timeout (a);
  GCancellable *cancellable;
  guint64 value = G_MAXUINT64;
  GError *error = NULL;
  gboolean ok;

  if (!begin_wait (a, timeout, &cancellable))
    timeout = 0;
  describe_wait (a, "recv", rec, timeout, cancellable);
  if (try)
    ok = task9_channel_try_recv (rec->channel, &value, &error);
  else
    ok = task9_channel_recv_full (rec->channel, &value, timeout, cancellable, &error);
  end_wait (a, &cancellable);
  if (ok)
    log_received (a, rec, value);
  else
    {
      check_error (a, error);
      if (value != G_MAXUINT64)
        a->bad_errors++;   /* a failed receive wrote its destination */
    }
  g_clear_error (&error);
  g_object_unref (rec->channel);
}

static void
do_alt (Agent *a)
{
  guint n = g_rand_int_range (a->rand, 1, MAX_ARMS + 1);
  Task9AltArm arms[MAX_ARMS];
  ChanRec *recs[MAX_ARMS];
  guint64 values[MAX_ARMS];
  GTimeSpan timeout = pick_timeout (a);
  GCancellable *cancellable;
  GError *error = NULL;
  gint fired;

  for (guint i = 0; i < n; i++)
    {
      guint what = g_rand_int_range (a->rand, 0, 9);

      recs[i] = pick_channel (a);
      values[i] = G_MAXUINT64;
      if (what < 4)
        {
          values[i] = next_value (a);
          arms[i] = (Task9AltArm) { recs[i]->channel, TASK9_ALT_SEND, &values[i], FALSE };
        }
      else if (what < 8)
        arms[i] = (Task9AltArm) { recs[i]->channel, TASK9_ALT_RECV, &values[i], FALSE };
      else
        arms[i] = (Task9AltArm) { recs[i]->channel, TASK9_ALT_NOP, NULL, FALSE };
    }

  if (!begin_wait (a, timeout, &cancellable))
    timeout = 0;
  describe_wait (a, "alt", recs[0], timeout, cancellable);
  fired = task9_alt (arms, n, timeout, cancellable, &error);
  end_wait (a, &cancellable);
  a->n_alts++;

  if (fired < 0)
    check_error (a, error);
  else if (fired >= (gint) n || arms[fired].op == TASK9_ALT_NOP)
    a->bad_errors++;
  g_clear_error (&error);

  for (guint i = 0; i < n; i++)
    {
      if (arms[i].op == TASK9_ALT_SEND)
        log_sent (a, recs[i], values[i], (gint) i == fired && !arms[i].closed);
      else if (arms[i].op == TASK9_ALT_RECV)
        {
          if ((gint) i == fired && !arms[i].closed)
            log_received (a, recs[i], values[i]);
          else if (values[i] != G_MAXUINT64)
            a->bad_errors++;   /* an arm that did not fire wrote its destination */
        }
      g_object_unref (recs[i]->channel);
    }
}

/* A helper task blocked in a send or a receive without limit, cancelled with
 * task9_task_cancel() by the agent after a few yields. */
typedef struct
{
  ChanRec  *rec;
  gboolean  is_send;
  guint64   value;
  gboolean  ok;
  GError   *error;
} Helper;

static gpointer
helper_task (gpointer data, GError **error)
{
  Helper *h = data;

  if (h->is_send)
    h->ok = task9_channel_send (h->rec->channel, &h->value, &h->error);
  else
    h->ok = task9_channel_recv (h->rec->channel, &h->value, &h->error);
  return NULL;
}

static void
do_task_cancel (Agent *a)
{
  Model *m = a->model;
  Helper h = { pick_channel (a), g_rand_boolean (a->rand), G_MAXUINT64, FALSE, NULL };
  Task9Proc *proc = m->procs[g_rand_int_range (a->rand, 0, m->n_procs)];
  guint yields = g_rand_int_range (a->rand, 0, 4);
  GError *error = NULL;
  Task9Task *task;

  if (h.is_send)
    h.value = next_value (a);
  task = test_spawn_on (proc, "helper", helper_task, &h);
  for (guint i = 0; i < yields; i++)
    task9_yield ();
  task9_task_cancel (task);
  a->doing = h.is_send ? "task-cancel: join a helper in send" : "task-cancel: join a helper in recv";
  task9_task_join (task, -1, &error);
  g_assert_no_error (error);
  task9_task_unref (task);
  a->n_task_cancels++;

  if (h.is_send)
    log_sent (a, h.rec, h.value, h.ok);
  else if (h.ok)
    log_received (a, h.rec, h.value);
  if (!h.ok)
    check_error (a, h.error);
  g_clear_error (&h.error);
  g_object_unref (h.rec->channel);
}

static gpointer
agent_task (gpointer data, GError **error)
{
  Agent *a = data;

  while (!time_is_up (a))
    {
      guint r = g_rand_int_range (a->rand, 0, 1000);

      a->n_ops++;
      if (r < 200)
        a->doing = "send", do_send (a, FALSE);
      else if (r < 400)
        a->doing = "recv", do_recv (a, FALSE);
      else if (r < 500)
        a->doing = "try_send", do_send (a, TRUE);
      else if (r < 600)
        a->doing = "try_recv", do_recv (a, TRUE);
      else if (r < 850)
        a->doing = "alt", do_alt (a);
      else if (r < 900)
        a->doing = "cancel", cancel_other (a);
      else if (r < 915)
        a->doing = "task-cancel", do_task_cancel (a);
      else if (r < 917)
        a->doing = "close", retire_channel (a);
      else
        a->doing = "yield", task9_yield ();
    }
  a->doing = "done";
  stop_all (a->model);
  return NULL;
}

/* The watchdog: a task that, every millisecond (a ticker channel), cancels a random
 * agent's wait, and ends the run at the deadline. Without it the agents could all be
 * blocked in waits without limit, with nobody left to cancel them. */
static gpointer
watchdog_task (gpointer data, GError **error)
{
  Agent *w = data;
  Task9Channel *ticker = task9_channel_new_ticker (G_TIME_SPAN_MILLISECOND);
  gint64 tick;

  while (task9_channel_recv (ticker, &tick, error))
    {
      if (tick >= w->model->deadline)
        break;
      cancel_other (w);
    }
  stop_all (w->model);
  task9_channel_close (ticker);
  g_object_unref (ticker);
  return NULL;
}

/* ---- async agents: one operation at a time from a proc's main context ------------------- */

static void async_agent_next (Agent *a);

static void
async_done (GObject *source, GAsyncResult *result, gpointer data)
{
  Agent *a = data;
  GError *error = NULL;
  gboolean ok;

  if (task9_in_task () || g_main_context_get_thread_default () != task9_proc_get_context (a->proc))
    a->bad_errors++;
  if (a->pending_is_send)
    ok = task9_channel_send_finish (TASK9_CHANNEL (source), result, &error);
  else
    ok = task9_channel_recv_finish (TASK9_CHANNEL (source), result, &error);
  if (a->pending_cancellable != NULL)
    unregister_cancellable (a);
  g_clear_object (&a->pending_cancellable);

  if (a->pending_is_send)
    log_sent (a, a->pending_chan, a->pending_value, ok);
  else if (ok)
    log_received (a, a->pending_chan, (guint64) a->pending_elem);
  if (!ok)
    check_error (a, error);
  g_clear_error (&error);
  g_object_unref (a->pending_chan->channel);
  a->pending_chan = NULL;

  async_agent_next (a);
}

static void
async_agent_next (Agent *a)
{
  for (;;)
    {
      guint r;

      if (time_is_up (a))
        {
          test_flag_set (&a->finished);
          return;
        }
      a->n_ops++;
      r = g_rand_int_range (a->rand, 0, 100);
      if (r < 5)
        {
          cancel_other (a);
          continue;
        }
      break;
    }

  a->pending_chan = pick_channel (a);
  a->pending_is_send = g_rand_boolean (a->rand);
  a->pending_cancellable = g_cancellable_new ();
  if (!register_cancellable (a, a->pending_cancellable))
    {
      /* Stopping: nobody would cancel a wait that never ends. */
      g_object_unref (a->pending_chan->channel);
      g_clear_object (&a->pending_cancellable);
      test_flag_set (&a->finished);
      return;
    }
  if (a->pending_is_send)
    {
      a->pending_value = next_value (a);
      task9_channel_send_async (a->pending_chan->channel, &a->pending_value,
                                a->pending_cancellable, async_done, a);
    }
  else
    {
      a->pending_elem = -1;
      task9_channel_recv_async (a->pending_chan->channel, &a->pending_elem,
                                a->pending_cancellable, async_done, a);
    }
}

static gboolean
async_agent_start (gpointer data)
{
  async_agent_next (data);
  return G_SOURCE_REMOVE;
}

/* ---- the check -------------------------------------------------------------------------- */

/* What the logs say about one value. */
enum
{
  VALUE_UNKNOWN,    /* never logged as sent */
  VALUE_FAILED,     /* its send failed */
  VALUE_SENT,       /* sent successfully, not seen yet */
  VALUE_SEEN,       /* sent, and received or left in a buffer */
};

typedef struct
{
  guint32 chan;
  guint8  state;
} ValueInfo;

static guint
check_model (Model *m, GArray **leftovers)
{
  guint n_chans = m->all->len;
  ValueInfo *info[MAX_AGENTS];
  gint64 *max_received = g_new (gint64, (gsize) n_chans * MAX_AGENTS);   /* per channel, sender */
  gint64 *last = g_new (gint64, (gsize) n_chans * MAX_AGENTS);           /* per receiver */
  guint64 n_sent = 0, n_received = 0, n_left = 0, n_failed = 0;
  guint problems = 0;

#define PROBLEM(...) G_STMT_START { \
    if (problems++ < 20) g_test_message (__VA_ARGS__); \
  } G_STMT_END

  for (gsize i = 0; i < (gsize) n_chans * MAX_AGENTS; i++)
    max_received[i] = -1;

  for (guint i = 0; i < m->n_agents; i++)
    {
      Agent *a = m->agents[i];

      info[i] = g_new0 (ValueInfo, a->seq + 1);
      for (guint k = 0; k < a->sent_failed->len; k++)
        {
          guint64 v = g_array_index (a->sent_failed, guint64, k);

          g_assert_cmpuint (v >> 32, ==, i);
          info[i][v & 0xffffffff].state = VALUE_FAILED;
          n_failed++;
        }
      for (guint k = 0; k < a->sent_ok->len; k++)
        {
          Entry *e = &g_array_index (a->sent_ok, Entry, k);
          ValueInfo *vi = &info[i][e->value & 0xffffffff];

          g_assert_cmpuint (e->value >> 32, ==, i);
          if (vi->state != VALUE_UNKNOWN)
            PROBLEM ("value %" G_GINT64_MODIFIER "x logged as sent twice, or as sent and "
                     "failed", e->value);
          vi->state = VALUE_SENT;
          vi->chan = e->chan;
          n_sent++;
        }
      if (a->bad_errors > 0)
        PROBLEM ("agent %u: %u bad results (unexpected errors, destinations written by "
                 "failed operations, impossible arm indices)", a->id, a->bad_errors);
      problems += a->bad_errors;
    }

  /* What each receiver got (then what each channel had left): sent on that channel,
   * once, in per-sender order. */
  for (guint i = 0; i < m->n_agents + n_chans; i++)
    {
      gboolean is_leftover = i >= m->n_agents;
      GArray *got = is_leftover ? leftovers[i - m->n_agents] : m->agents[i]->received;

      if (!is_leftover)
        for (gsize j = 0; j < (gsize) n_chans * MAX_AGENTS; j++)
          last[j] = -1;
      else
        for (gsize j = 0; j < MAX_AGENTS; j++)
          last[(gsize) (i - m->n_agents) * MAX_AGENTS + j] = -1;

      for (guint k = 0; k < got->len; k++)
        {
          Entry *e = &g_array_index (got, Entry, k);
          guint sender = e->value >> 32;
          guint32 seq = e->value & 0xffffffff;
          gsize key = (gsize) e->chan * MAX_AGENTS + sender;
          ValueInfo *vi;

          if (is_leftover)
            n_left++;
          else
            n_received++;
          if (sender >= m->n_agents || seq >= m->agents[sender]->seq)
            {
              PROBLEM ("value %" G_GINT64_MODIFIER "x on channel %u was never sent",
                       e->value, e->chan);
              continue;
            }
          vi = &info[sender][seq];
          switch (vi->state)
            {
            case VALUE_UNKNOWN:
              PROBLEM ("value %" G_GINT64_MODIFIER "x on channel %u was never sent",
                       e->value, e->chan);
              continue;
            case VALUE_FAILED:
              PROBLEM ("value %" G_GINT64_MODIFIER "x: its send (by %s agent %u) failed, "
                       "yet it was %s", e->value,
                       m->agents[sender]->is_async ? "async" : "task", sender,
                       is_leftover ? "left in a channel" : "received");
              continue;
            case VALUE_SEEN:
              PROBLEM ("value %" G_GINT64_MODIFIER "x received twice", e->value);
              continue;
            default:
              break;
            }
          vi->state = VALUE_SEEN;
          if (vi->chan != e->chan)
            PROBLEM ("value %" G_GINT64_MODIFIER "x sent on channel %u, received on %u",
                     e->value, vi->chan, e->chan);

          /* Per-sender FIFO, for this receiver (or this channel's leftovers). */
          if ((gint64) seq <= last[key])
            PROBLEM ("channel %u: sender %u's value %u %s after its value %" G_GINT64_FORMAT,
                     e->chan, sender, seq, is_leftover ? "left in the buffer" : "received",
                     last[key]);
          last[key] = seq;

          /* Leftovers come after everything received from that sender on that channel. */
          if (!is_leftover)
            max_received[key] = MAX (max_received[key], (gint64) seq);
          else if ((gint64) seq < max_received[key])
            PROBLEM ("channel %u: sender %u's value %u was left in the buffer, but its later "
                     "value %" G_GINT64_FORMAT " was received", e->chan, sender, seq,
                     max_received[key]);
        }
    }

  /* Nothing lost. */
  for (guint i = 0; i < m->n_agents; i++)
    {
      for (guint32 seq = 0; seq < m->agents[i]->seq; seq++)
        if (info[i][seq].state == VALUE_SENT)
          PROBLEM ("value %" G_GINT64_MODIFIER "x was sent (by %s agent %u) on channel %u, "
                   "and neither received nor left there: lost",
                   ((guint64) i << 32) | seq, m->agents[i]->is_async ? "async" : "task", i,
                   info[i][seq].chan);
      g_free (info[i]);
    }
  if (n_sent != n_received + n_left)
    PROBLEM ("sent_ok %" G_GUINT64_FORMAT " != received %" G_GUINT64_FORMAT
             " + left %" G_GUINT64_FORMAT, n_sent, n_received, n_left);

  g_test_message ("model: %" G_GUINT64_FORMAT " sends succeeded, %" G_GUINT64_FORMAT
                  " failed; %" G_GUINT64_FORMAT " received, %" G_GUINT64_FORMAT
                  " left in %u channels", n_sent, n_failed, n_received, n_left, n_chans);
#undef PROBLEM
  g_free (max_received);
  g_free (last);
  return problems;
}

/* ---- the run ------------------------------------------------------------------------- */

static void
test_model (void)
{
  const char *env_seconds = g_getenv ("TASK9_MODEL_SECONDS");
  const char *env_seed = g_getenv ("TASK9_MODEL_SEED");
  gdouble seconds = test_is_slow_runtime () ? 1.0 : 2.0;
  guint64 seed = 0x7a5c9;
  guint n_procs = test_scale (3, 2);
  guint tasks_per_proc = test_scale (4, 2);

  if (g_getenv ("TASK9_MODEL_SMALL") != NULL)
    n_procs = tasks_per_proc = 2;
  Model m;
  Task9Task *tasks[MAX_AGENTS];
  Agent watchdog = { 0 };
  Task9Task *watchdog_task_ref;
  GArray **leftovers;
  guint problems;
  guint64 ops = 0, alts = 0, cancels = 0, task_cancels = 0, closes = 0, timeouts = 0;

  if (env_seconds != NULL)
    seconds = g_ascii_strtod (env_seconds, NULL);
  if (env_seed != NULL)
    seed = g_ascii_strtoull (env_seed, NULL, 0);
  g_test_message ("TASK9_MODEL_SEED=%" G_GUINT64_FORMAT " TASK9_MODEL_SECONDS=%g", seed, seconds);
  g_printerr ("# test-model: seed %" G_GUINT64_FORMAT ", %g s\n", seed, seconds);

  memset (&m, 0, sizeof m);
  g_mutex_init (&m.lock);
  m.all = g_ptr_array_new ();
  for (guint s = 0; s < N_SLOTS; s++)
    m.slots[s] = chan_rec_new (&m, slot_capacity[s]);
  m.n_procs = n_procs;
  for (guint p = 0; p < n_procs; p++)
    m.procs[p] = test_proc_new ("model");

  /* Agents: tasks_per_proc tasks and one async agent on each proc. */
  for (guint p = 0; p < n_procs; p++)
    for (guint t = 0; t <= tasks_per_proc; t++)
      {
        Agent *a = g_new0 (Agent, 1);

        a->model = &m;
        a->id = m.n_agents;
        a->is_async = t == tasks_per_proc;
        a->proc = m.procs[p];
        a->rand = g_rand_new_with_seed ((guint32) (seed * 1000003u + a->id));
        a->sent_ok = g_array_new (FALSE, FALSE, sizeof (Entry));
        a->sent_failed = g_array_new (FALSE, FALSE, sizeof (guint64));
        a->received = g_array_new (FALSE, FALSE, sizeof (Entry));
        test_flag_init (&a->finished);
        m.agents[m.n_agents++] = a;
      }

  m.deadline = g_get_monotonic_time () + (gint64) (seconds * G_USEC_PER_SEC);
  watchdog.model = &m;
  watchdog.rand = g_rand_new_with_seed ((guint32) seed);
  watchdog_task_ref = test_spawn_on (m.procs[0], "watchdog", watchdog_task, &watchdog);
  for (guint i = 0; i < m.n_agents; i++)
    {
      Agent *a = m.agents[i];

      if (a->is_async)
        g_main_context_invoke (task9_proc_get_context (a->proc), async_agent_start, a);
      else
        tasks[i] = test_spawn_on (a->proc, "agent", agent_task, a);
    }
  for (guint i = 0; i < m.n_agents; i++)
    {
      Agent *a = m.agents[i];

      if (a->is_async)
        test_flag_wait (&a->finished);
      else
        {
          GError *error = NULL;

          task9_task_join (tasks[i], test_join_bound (), &error);
          if (error != NULL)
            {
              char *table = task9_format_task_table ();

              g_test_message ("agent %u did not end: %s", a->id, error->message);
              g_test_message ("now %" G_GINT64_FORMAT ", deadline was %" G_GINT64_FORMAT,
                              g_get_monotonic_time (), m.deadline);
              for (guint k = 0; k < m.n_agents; k++)
                g_test_message ("agent %u (%s): %s; last wait: %s", k,
                                m.agents[k]->is_async ? "async" : "task",
                                m.agents[k]->doing != NULL ? m.agents[k]->doing : "-",
                                m.agents[k]->wait_desc);
              g_test_message ("tasks:\n%s", table);
              g_free (table);
            }
          g_assert_no_error (error);
          task9_task_unref (tasks[i]);
        }
    }
  test_join_ok (watchdog_task_ref);
  g_rand_free (watchdog.rand);
  g_test_message ("model: agents done %.3f s after the deadline",
                  (g_get_monotonic_time () - m.deadline) / 1e6);
  for (guint p = 0; p < n_procs; p++)
    test_proc_finish (m.procs[p]);

  /* Close and drain every channel ever made. */
  leftovers = g_new (GArray *, m.all->len);
  for (guint c = 0; c < m.all->len; c++)
    {
      ChanRec *rec = g_ptr_array_index (m.all, c);
      GError *error = NULL;
      Entry e = { rec->id, 0 };

      leftovers[c] = g_array_new (FALSE, FALSE, sizeof (Entry));
      task9_channel_close (rec->channel);
      while (task9_channel_try_recv (rec->channel, &e.value, &error))
        g_array_append_val (leftovers[c], e);
      g_assert_error (error, TASK9_ERROR, TASK9_ERROR_CLOSED);
      g_clear_error (&error);
    }

  g_test_message ("model: procs ended and channels drained %.3f s after the deadline",
                  (g_get_monotonic_time () - m.deadline) / 1e6);
  problems = check_model (&m, leftovers);
  g_test_message ("model: checked %.3f s after the deadline",
                  (g_get_monotonic_time () - m.deadline) / 1e6);

  for (guint i = 0; i < m.n_agents; i++)
    {
      Agent *a = m.agents[i];

      ops += a->n_ops;
      alts += a->n_alts;
      cancels += a->n_cancels;
      task_cancels += a->n_task_cancels;
      closes += a->n_closes;
      cancels += watchdog.n_cancels * (i == 0);
      timeouts += a->n_timeouts;
      g_rand_free (a->rand);
      g_array_unref (a->sent_ok);
      g_array_unref (a->sent_failed);
      g_array_unref (a->received);
      test_flag_clear (&a->finished);
      g_assert_null (m.registered[i]);
      g_free (a);
    }
  g_test_message ("model: %" G_GUINT64_FORMAT " operations, %" G_GUINT64_FORMAT " alts, %"
                  G_GUINT64_FORMAT " cancellations, %" G_GUINT64_FORMAT " task cancels, %"
                  G_GUINT64_FORMAT " timeouts, %" G_GUINT64_FORMAT " closes",
                  ops, alts, cancels, task_cancels, timeouts, closes);
  for (guint c = 0; c < m.all->len; c++)
    {
      ChanRec *rec = g_ptr_array_index (m.all, c);

      g_array_unref (leftovers[c]);
      g_object_unref (rec->channel);
      g_free (rec);
    }
  g_free (leftovers);
  g_ptr_array_unref (m.all);
  g_mutex_clear (&m.lock);

  if (problems > 0)
    g_test_fail_printf ("%u violations of the channel contract (seed %" G_GUINT64_FORMAT
                        "); the first ones are in the messages above", problems, seed);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/model/random", test_model);

  return g_test_run ();
}
