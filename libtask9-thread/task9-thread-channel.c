/* task9-thread-channel.c: libthread's channel calls on Task9Channel and task9_alt()
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A Channel is a Task9Channel of raw elements. What the Plan 9 calls add:
 *
 * - Return codes from the manual: 1 done, 0 would block (nb*), -1 interrupted (the task
 *   was cancelled) or closed; an alt ended by CHANNOBLK returns the terminator's index.
 * - nil values: a nil send sends zeros, a nil receive discards.
 * - Zero-sized elements: the core needs at least one byte, so such a channel carries one
 *   byte nobody sees, and remembers its Plan 9 size in qdata.
 * - chanfree() while a thread is blocked on the channel: every operation holds its own
 *   reference for as long as it runs, so chanfree() only drops the creator's.
 *
 * Invariants:
 * - A Plan 9 call never reads from the caller's v more than the channel's element size,
 *   and never reads a nil v.
 */

#include <stdlib.h>
#include <string.h>

#include "task9-thread-private.h"

#define ALT_STACK_ARMS 16
#define ZEROS_SIZE     256

static const guint8 zeros[ZEROS_SIZE];

static GQuark
zero_size_quark (void)
{
  static GQuark quark;

  if (G_UNLIKELY (quark == 0))
    quark = g_quark_from_static_string ("task9-thread-zero-size");
  return quark;
}

/* The element size as Plan 9 sees it. */
static gsize
plan9_elem_size (Channel *c)
{
  gsize size = task9_channel_get_elem_size (c);

  if (size == 1 && g_object_get_qdata (G_OBJECT (c), zero_size_quark ()) != NULL)
    return 0;
  return size;
}

/* What to send for @v: @v itself, or zeros for a nil @v (or a zero-sized channel, whose
 * one hidden byte must come from somewhere). *to_free is set when zeros were allocated. */
static gconstpointer
send_source (Channel   *c,
             void      *v,
             gpointer  *to_free)
{
  gsize size;

  *to_free = NULL;
  if (v != NULL && plan9_elem_size (c) != 0)
    return v;
  size = task9_channel_get_elem_size (c);
  if (size <= ZEROS_SIZE)
    return zeros;
  return *to_free = g_malloc0 (size);
}

static gboolean
is_would_block (GError *error)
{
  return g_error_matches (error, TASK9_ERROR, TASK9_ERROR_WOULD_BLOCK);
}

static void
report_misuse (GError     *error,
               const char *what)
{
  if (g_error_matches (error, TASK9_ERROR, TASK9_ERROR_NOT_IN_TASK))
    g_critical ("%s: %s", what, error->message);
}

Channel *
chancreate (int elemsize,
            int bufsize)
{
  Task9Channel *c;

  g_return_val_if_fail (elemsize >= 0, NULL);
  g_return_val_if_fail (bufsize >= 0, NULL);

  c = task9_channel_new (MAX (elemsize, 1), (guint) bufsize);
  if (elemsize == 0)
    g_object_set_qdata (G_OBJECT (c), zero_size_quark (), GINT_TO_POINTER (1));
  return c;
}

void
chanfree (Channel *c)
{
  if (c == NULL)
    return;
  g_return_if_fail (TASK9_IS_CHANNEL (c));

  g_object_unref (c);
}

void
chansetname (Channel    *c,
             const char *fmt,
             ...)
{
  va_list args;
  char *name;

  g_return_if_fail (TASK9_IS_CHANNEL (c));
  g_return_if_fail (fmt != NULL);

  va_start (args, fmt);
  name = g_strdup_vprintf (fmt, args);
  va_end (args);
  task9_channel_set_name (c, name);
  g_free (name);
}

int
chanclose (Channel *c)
{
  int was_closed;

  g_return_val_if_fail (TASK9_IS_CHANNEL (c), -1);

  /* Two closers may both see it open; the core makes the second close a no-op. */
  was_closed = task9_channel_is_closed (c);
  task9_channel_close (c);
  return was_closed ? -1 : 1;
}

/* One send or receive, blocking or not. */
static int
chan_op (Channel    *c,
         gboolean    is_send,
         void       *v,
         gboolean    block,
         const char *what)
{
  gpointer to_free = NULL;
  GError *error = NULL;
  gboolean ok;
  guint8 discard[1];

  g_return_val_if_fail (TASK9_IS_CHANNEL (c), -1);

  g_object_ref (c);
  if (is_send)
    {
      gconstpointer src = send_source (c, v, &to_free);

      ok = block ? task9_channel_send (c, src, &error)
                 : task9_channel_try_send (c, src, &error);
    }
  else
    {
      /* A zero-sized element's hidden byte never reaches the caller's v. */
      gpointer dst = plan9_elem_size (c) == 0 && v != NULL ? discard : v;

      ok = block ? task9_channel_recv (c, dst, &error)
                 : task9_channel_try_recv (c, dst, &error);
    }
  g_object_unref (c);
  g_free (to_free);

  if (ok)
    return 1;
  if (!block && is_would_block (error))
    {
      g_error_free (error);
      return 0;
    }
  report_misuse (error, what);
  g_error_free (error);
  return -1;
}

int
chansend (Channel *c, void *v)
{
  return chan_op (c, TRUE, v, TRUE, "send");
}

int
chanrecv (Channel *c, void *v)
{
  return chan_op (c, FALSE, v, TRUE, "recv");
}

int
channbsend (Channel *c, void *v)
{
  return chan_op (c, TRUE, v, FALSE, "nbsend");
}

int
channbrecv (Channel *c, void *v)
{
  return chan_op (c, FALSE, v, FALSE, "nbrecv");
}

#define CHECK_SIZE(c, size, val) \
  G_STMT_START { \
    g_return_val_if_fail (TASK9_IS_CHANNEL (c), val); \
    g_return_val_if_fail (task9_channel_get_elem_size (c) == (size), val); \
  } G_STMT_END

int
chansendp (Channel *c, void *v)
{
  CHECK_SIZE (c, sizeof (void *), -1);
  return chan_op (c, TRUE, &v, TRUE, "sendp");
}

void *
chanrecvp (Channel *c)
{
  void *v = NULL;

  CHECK_SIZE (c, sizeof (void *), NULL);
  return chan_op (c, FALSE, &v, TRUE, "recvp") == 1 ? v : NULL;
}

int
channbsendp (Channel *c, void *v)
{
  CHECK_SIZE (c, sizeof (void *), -1);
  return chan_op (c, TRUE, &v, FALSE, "nbsendp");
}

void *
channbrecvp (Channel *c)
{
  void *v = NULL;

  CHECK_SIZE (c, sizeof (void *), NULL);
  return chan_op (c, FALSE, &v, FALSE, "nbrecvp") == 1 ? v : NULL;
}

int
chansendul (Channel *c, unsigned long v)
{
  CHECK_SIZE (c, sizeof (unsigned long), -1);
  return chan_op (c, TRUE, &v, TRUE, "sendul");
}

unsigned long
chanrecvul (Channel *c)
{
  unsigned long v = 0;

  CHECK_SIZE (c, sizeof (unsigned long), 0);
  return chan_op (c, FALSE, &v, TRUE, "recvul") == 1 ? v : 0;
}

int
channbsendul (Channel *c, unsigned long v)
{
  CHECK_SIZE (c, sizeof (unsigned long), -1);
  return chan_op (c, TRUE, &v, FALSE, "nbsendul");
}

unsigned long
channbrecvul (Channel *c)
{
  unsigned long v = 0;

  CHECK_SIZE (c, sizeof (unsigned long), 0);
  return chan_op (c, FALSE, &v, FALSE, "nbrecvul") == 1 ? v : 0;
}

int
chanprint (Channel    *c,
           const char *fmt,
           ...)
{
  va_list args;
  char *s;
  int r;

  g_return_val_if_fail (fmt != NULL, -1);
  CHECK_SIZE (c, sizeof (void *), -1);

  /* The receiver frees the string with free(): g_malloc() is malloc() since GLib 2.46. */
  va_start (args, fmt);
  s = g_strdup_vprintf (fmt, args);
  va_end (args);
  r = chan_op (c, TRUE, &s, TRUE, "chanprint");
  if (r != 1)
    free (s);
  return r;
}

/* ---- alt --------------------------------------------------------------------------------- */

static char closed_message[] = "channel closed";

int
chanalt (Alt *alts)
{
  Task9AltArm arms_stack[ALT_STACK_ARMS];
  Task9AltArm *arms = arms_stack;
  guint8 discard[1];
  gpointer zeros_alloc = NULL;
  GError *error = NULL;
  gboolean can_block;
  gsize zeros_needed = 0;
  int n, fired;

  g_return_val_if_fail (alts != NULL, -1);

  for (n = 0; alts[n].op != CHANEND && alts[n].op != CHANNOBLK; n++)
    {
      g_return_val_if_fail (alts[n].op == CHANSND || alts[n].op == CHANRCV ||
                            alts[n].op == CHANNOP, -1);
      g_return_val_if_fail (alts[n].op == CHANNOP || alts[n].c == NULL ||
                            TASK9_IS_CHANNEL (alts[n].c), -1);
    }
  can_block = alts[n].op == CHANEND;

  if (n > ALT_STACK_ARMS)
    arms = g_new (Task9AltArm, n);

  /* Zeros for nil sends, as big as the biggest element they stand for. */
  for (int i = 0; i < n; i++)
    if (alts[i].op == CHANSND && alts[i].c != NULL &&
        (alts[i].v == NULL || plan9_elem_size (alts[i].c) == 0))
      zeros_needed = MAX (zeros_needed, task9_channel_get_elem_size (alts[i].c));
  if (zeros_needed > ZEROS_SIZE)
    zeros_alloc = g_malloc0 (zeros_needed);

  for (int i = 0; i < n; i++)
    {
      Alt *a = &alts[i];
      Task9AltArm *arm = &arms[i];

      a->err = NULL;
      arm->closed = FALSE;
      if (a->op == CHANNOP || a->c == NULL)
        {
          /* A nil channel never proceeds, as in plan9port. */
          arm->op = TASK9_ALT_NOP;
          arm->channel = NULL;
          arm->value = NULL;
          continue;
        }
      arm->channel = g_object_ref (a->c);
      if (a->op == CHANSND)
        {
          arm->op = TASK9_ALT_SEND;
          if (a->v != NULL && plan9_elem_size (a->c) != 0)
            arm->value = a->v;
          else
            arm->value = zeros_alloc != NULL ? zeros_alloc : (gpointer) zeros;
        }
      else
        {
          arm->op = TASK9_ALT_RECV;
          arm->value = a->v != NULL && plan9_elem_size (a->c) == 0 ? discard : a->v;
        }
    }

  if (n == 0)
    {
      /* Nothing to wait for. */
      fired = can_block ? -1 : 0;
      if (can_block)
        g_critical ("alt: no entries");
      goto out;
    }

  fired = task9_alt (arms, (guint) n, can_block ? -1 : 0, NULL, &error);
  if (fired >= 0)
    {
      if (arms[fired].closed)
        alts[fired].err = closed_message;
    }
  else if (!can_block && is_would_block (error))
    fired = n;   /* the CHANNOBLK entry's index: the manual, not plan9port's -1 */
  else
    report_misuse (error, "alt");
  g_clear_error (&error);

out:
  for (int i = 0; i < n; i++)
    if (arms[i].channel != NULL)
      g_object_unref (arms[i].channel);
  if (arms != arms_stack)
    g_free (arms);
  g_free (zeros_alloc);
  return fired;
}
