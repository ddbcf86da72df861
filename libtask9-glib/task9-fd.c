/* task9-fd.c: waiting for fd readiness
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A task waits for an fd to become readable, writable, ... by queueing a Task9Waiter on
 * the fd's record in its proc's fd table; the proc's scheduler source wakes it when the
 * kernel says the fd is ready. On Linux the table is one epoll instance per proc,
 * created on the proc's first fd wait and polled as ONE fd of the scheduler GSource (no
 * GSource per fd or per waiter: GMainContext is linear in its sources). The scheduler's
 * dispatch reads one batch of it with epoll_wait (..., 0) before it runs tasks, and another
 * each time they have all run while its budget lasts. Without epoll each
 * busy fd gets a small GSource of its own instead.
 *
 * Registration: edge-triggered (EPOLLET), persistent. The first wait on an fd registers
 * it (EPOLL_CTL_ADD) for what it wants; a wait for something more widens that (MOD);
 * nothing undoes it until the fd is closed with task9_fd_close() (DEL) or its number is
 * found reused. An event wakes every waiter whose conditions it meets (G_IO_ERR and
 * G_IO_HUP meet every condition, as with poll()); an event nobody waits for is dropped.
 *
 * Two kinds of wait on one registration:
 * - After EAGAIN (task9_fd_wait_again_until(): the task socket helpers, which try the
 *   system call first): no system call at all while the registration covers the
 *   condition, so a message costs read + write + read (EAGAIN), as with Go's netpoller.
 *   Why no edge is lost: the call just saw the fd not ready, so readiness from then on
 *   makes the kernel queue the entry on the epoll ready list (or finds it queued
 *   already), and that list is read only by this proc's dispatch, which cannot run
 *   between the EAGAIN and the park: the waiter is queued by the time the event is
 *   read. (Events read before the EAGAIN are older than it: nothing to keep from them.)
 * - Level (task9_fd_wait(), watches, task9_fd_wait_until()): the caller may not have
 *   drained the fd, so the wait renews the registration (MOD, or ADD), which makes the
 *   kernel report the fd's current level as an event if it is ready: a wait is never
 *   lost for readiness that came before it. One epoll_ctl per wait; it also validates
 *   the entry (ENOENT: the number was closed and reused behind our back; ADD instead).
 *
 * Short reads: task9_fd_read() of a TCP socket that returns less than it asked for has
 * emptied the socket (epoll(7), Q9), so the record is marked drained, and the next
 * task9_fd_read() waits at once, as after EAGAIN, unless an event for the fd was read
 * since (any event clears the mark). Only TCP (SO_PROTOCOL, asked once per record):
 * datagrams, packet-mode pipes, ttys, Unix sockets carrying fds return short reads with
 * more to come. A TCP read also stops short of an urgent mark: such a socket is
 * registered for EPOLLPRI too, and one event with EPOLLPRI ends the marking for good
 * (the urgent data's arrival is either read before that short read, with EPOLLPRI, or
 * after it, as an edge the next wait gets).
 *
 * fds closed behind the library's back: the kernel drops an fd from epoll when its last
 * descriptor is closed, but the record still says it is registered, and a wait after
 * EAGAIN on a new file with the same number would never be woken. So every call that
 * obtains an fd number from the kernel (task9_fd_accept(), task9_fd_connect(),
 * task9_fd_listen(), task9_socket_accept()) tells every proc that any record of that
 * number is stale (task9_fd_obtained(): its waiters are woken with G_IO_ERROR_CLOSED,
 * the record is forgotten), task9_fd_set_nonblocking() makes each proc validate its
 * registration on the next wait (task9_fd_revalidate()), and the GSocket helpers do the
 * same the first time a proc waits on a GSocket. fds made another way and closed with
 * close(2) are the caller's to announce (task9_fd_close(), or task9_fd_set_nonblocking()
 * on the new fd): see the docs of task9_fd_read(). Each proc takes these notices before
 * any registration, so a notice queued before an fd was handed over is never late.
 *
 * Invariants:
 * - Only the proc's thread touches its table's records, waiter queues (so the queues
 *   have no lock), the epoll instance and the scheduler source's fd. Other threads only
 *   claim (a GCancellable), or hand work to table->lock's lists (a watch channel
 *   closed or finalized elsewhere, an fd closed by another proc) and poke the proc.
 * - A record's busy flag is TRUE iff it has waiters or watches queued; table->n_busy
 *   counts busy records. A proc with n_busy > 0 is never idle for the deadlock detector
 *   (the epoll fd counts as a live fd in its poll set; task9_fd_table_quiet_fds()).
 * - record->added: the kernel has an entry for the fd, registered for record->events
 *   (epoll), as far as the table knows; only a stale number (see above) makes that
 *   wrong, and the notices correct it before the next wait. Every waiter and watch of a
 *   record wants nothing outside record->events (plus G_IO_ERR/G_IO_HUP).
 * - Nothing between a wait-after-EAGAIN's system call and its park reads the epoll
 *   instance (only task9_fd_table_dispatch() and task9_fd_table_dispatch_more() do,
 *   and they never run inside a task).
 * - A watch channel holds no reference from the table: its watch is the channel's
 *   on_done hook (task9_channel_set_on_done()), which clears the watch's channel
 *   pointer under the table's lock when the channel is closed or finalized, so the
 *   watch never offers to a finalized channel, and takes the watch off its record then:
 *   at once on the proc's thread, else through table->dead before the proc's next wait
 *   or dispatch. A watch also goes when it fires or when the fd is closed with
 *   task9_fd_close().
 * - A woken waiter never touches its record again unless it finds it in the table: a
 *   task9_fd_close() on its proc frees the record after waking every waiter.
 * - record->drained only while the record is registered for EPOLLIN and EPOLLPRI, is
 *   TCP, and no event was read for it since the short read that set it.
 */

#include "task9-config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <glib-unix.h>

#if HAVE_SYS_EPOLL_H
# include <sys/epoll.h>
#endif

#include "task9-channel-private.h"
#include "task9-condition-private.h"
#include "task9-error.h"
#include "task9-fd-private.h"
#include "task9-fd.h"
#include "task9-scheduler-private.h"

#define FD_CONDITIONS  (G_IO_IN | G_IO_OUT | G_IO_PRI | G_IO_ERR | G_IO_HUP)
#define FD_ALWAYS      (G_IO_ERR | G_IO_HUP | G_IO_NVAL)
#define EPOLL_BATCH    64            /* events read per dispatch: see table_drain_epoll() */
#define DENSE_MAX      65536         /* fds below: looked up in table->dense */
#define KIND_UNKNOWN   0
#define KIND_TCP       1             /* a short read empties it (unless urgent data) */
#define KIND_OTHER     2
#define ARMED          0x80000000u   /* in record->armed: the entry is armed (maybe for 0) */

typedef struct _FdRecord FdRecord;
typedef struct _FdWatch FdWatch;

/* What a waiter's value points at: what it wants, and what it got. */
typedef struct
{
  GIOCondition want;
  GIOCondition got;
} FdWaitSlot;

struct _FdWatch
{
  FdWatch       *prev;         /* the record's watches (proc thread) */
  FdWatch       *next;
  FdRecord      *record;       /* NULL once detached (proc thread) */
  FdWatch       *dead_next;    /* table->dead, under table->lock */
  Task9FdTable  *table;        /* a reference */
  Task9Channel  *channel;      /* under table->lock; NULL once the channel is gone */
  GIOCondition   want;
  gint           ref_count;    /* atomic: the record's and the channel's */
};

struct _FdRecord
{
  int               fd;
  gboolean          added;     /* the kernel has an entry for it (as far as we know) */
  gboolean          busy;      /* counted in table->n_busy */
#if HAVE_SYS_EPOLL_H
  guint32           events;    /* what the entry is registered for (EPOLLIN, ...) */
  guint8            kind;      /* KIND_*: may task9_fd_read() trust a short read? */
  gboolean          drained;   /* a short read emptied it; no event since */
#else
  guint32           armed;     /* events the fd source is armed with; 0: disarmed */
#endif
  Task9WaiterQueue  waiters;   /* no lock: the proc's thread only */
  FdWatch          *watches;
#if !HAVE_SYS_EPOLL_H
  GSource          *source;    /* the fallback: a source per armed fd */
  gpointer          tag;
#endif
};

struct _Task9FdTable
{
  gint        ref_count;       /* atomic: the proc's and each live watch's */
  GMutex      lock;            /* guards proc, dead, closed and each watch's channel */
  Task9Proc  *proc;            /* NULL once the proc's thread ended */
  FdWatch    *dead;            /* watches whose channel was closed or finalized elsewhere */
  GArray     *closed;          /* fds closed or obtained elsewhere (fd), or to
                                * revalidate (-1 - fd) */
  gint        pending;         /* atomic: dead or closed has something */

  /* The proc's thread only. */
  GHashTable *records;         /* fd -> FdRecord: owns them */
  FdRecord  **dense;           /* the same for fd < n_dense: the lookup of hot paths */
  guint       n_dense;
  guint       n_busy;
  int         epfd;            /* -1 without epoll */
  gpointer    tag;             /* epfd on the scheduler source */
  gboolean    muted;
};

/* ---- the table ------------------------------------------------------------------- */

static void
table_unref (Task9FdTable *table)
{
  if (!g_atomic_int_dec_and_test (&table->ref_count))
    return;
  g_mutex_clear (&table->lock);
  g_free (table);
}

/* The table of the current proc, created on first use. NULL with errno set if the
 * epoll instance cannot be created. */
static Task9FdTable *
table_get (Task9Proc *proc)
{
  Task9FdTable *table = g_atomic_pointer_get (&proc->fds);

  if (G_LIKELY (table != NULL))
    return table;

  table = g_new0 (Task9FdTable, 1);
  table->ref_count = 1;
  g_mutex_init (&table->lock);
  table->proc = proc;
  table->records = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  table->epfd = -1;
#if HAVE_SYS_EPOLL_H
  table->epfd = epoll_create1 (EPOLL_CLOEXEC);
  if (table->epfd < 0)
    {
      int saved = errno;

      g_hash_table_unref (table->records);
      table_unref (table);
      errno = saved;
      return NULL;
    }
  table->tag = g_source_add_unix_fd (proc->source, table->epfd, G_IO_IN);
#endif
  /* Under the proc list's lock: task9_fd_close() on other threads reads it there. */
  task9_proc_lock_all ();
  g_atomic_pointer_set (&proc->fds, table);
  task9_proc_unlock_all ();
  return table;
}

static inline FdRecord *
record_lookup (Task9FdTable *table,
               int           fd)
{
  if (G_LIKELY ((guint) fd < table->n_dense))
    return table->dense[fd];
  if (fd < DENSE_MAX)
    return NULL;
  return g_hash_table_lookup (table->records, GINT_TO_POINTER (fd));
}

static FdRecord *
record_get (Task9FdTable *table,
            int           fd)
{
  FdRecord *record = record_lookup (table, fd);

  if (record == NULL)
    {
      record = g_new0 (FdRecord, 1);
      record->fd = fd;
      task9_waiter_queue_init (&record->waiters, NULL);
      g_hash_table_insert (table->records, GINT_TO_POINTER (fd), record);
      if (fd < DENSE_MAX)
        {
          if ((guint) fd >= table->n_dense)
            {
              guint n = MIN (MAX ((guint) fd + 1, MAX (table->n_dense * 2, 64)), DENSE_MAX);

              table->dense = g_renew (FdRecord *, table->dense, n);
              memset (table->dense + table->n_dense, 0, (n - table->n_dense) * sizeof (FdRecord *));
              table->n_dense = n;
            }
          table->dense[fd] = record;
        }
    }
  return record;
}

/* After waiters or watches came or went: keeps busy and n_busy true, and forgets a
 * record the kernel never heard of. Returns FALSE if @record was freed. */
static gboolean
record_settle (Task9FdTable *table,
               FdRecord     *record)
{
  gboolean busy = record->waiters.head != NULL || record->watches != NULL;

  if (busy != record->busy)
    {
      record->busy = busy;
      if (busy)
        table->n_busy++;
      else
        table->n_busy--;
    }
#if HAVE_SYS_EPOLL_H
  if (!busy && !record->added)
#else
  if (!busy)
#endif
    {
#if !HAVE_SYS_EPOLL_H
      if (record->source != NULL)
        {
          g_source_destroy (record->source);
          g_source_unref (record->source);
        }
#endif
      if ((guint) record->fd < table->n_dense)
        table->dense[record->fd] = NULL;
      g_hash_table_remove (table->records, GINT_TO_POINTER (record->fd));
      return FALSE;
    }
  return TRUE;
}

/* ---- arming ---------------------------------------------------------------------- */

static void record_ready (Task9FdTable *table,
                          FdRecord     *record,
                          GIOCondition  revents);

#if HAVE_SYS_EPOLL_H

static guint32
to_epoll (GIOCondition condition)
{
  return ((condition & G_IO_IN) ? EPOLLIN : 0) |
         ((condition & G_IO_OUT) ? EPOLLOUT : 0) |
         ((condition & G_IO_PRI) ? EPOLLPRI : 0);
}

static GIOCondition
from_epoll (guint32 events)
{
  return ((events & EPOLLIN) ? G_IO_IN : 0) |
         ((events & EPOLLOUT) ? G_IO_OUT : 0) |
         ((events & EPOLLPRI) ? G_IO_PRI : 0) |
         ((events & EPOLLERR) ? G_IO_ERR : 0) |
         ((events & EPOLLHUP) ? G_IO_HUP : 0);
}

/* Registers @record for at least @want, edge-triggered, keeping what it was registered
 * for. It always asks the kernel (MOD; ADD if the table knows no entry, or the kernel
 * lost it: ENOENT), so it also validates the entry, and the kernel then reports the
 * fd's current level as an event if it is ready: what a level wait needs. Returns 0,
 * or the errno of epoll_ctl(). */
static int
record_register (Task9FdTable *table,
                 FdRecord     *record,
                 GIOCondition  want)
{
  struct epoll_event ev;
  /* What it was registered for stays, also while it is being revalidated (added
   * FALSE): waiters parked meanwhile may rely on it. */
  guint32 events = to_epoll (want) | record->events | (record->kind == KIND_TCP ? EPOLLPRI : 0);
  int op = record->added ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;

  memset (&ev, 0, sizeof ev);
  /* Possibly just EPOLLET: a wait for G_IO_ERR/G_IO_HUP alone, which epoll always
   * reports. */
  ev.events = events | EPOLLET;
  ev.data.fd = record->fd;
  if (epoll_ctl (table->epfd, op, record->fd, &ev) < 0)
    {
      /* The kernel dropped a closed fd's entry (MOD: ENOENT), or has one we did not
       * know of (ADD: EEXIST). Anything else is the answer. */
      if ((op == EPOLL_CTL_MOD && errno == ENOENT) || (op == EPOLL_CTL_ADD && errno == EEXIST))
        {
          if (op == EPOLL_CTL_MOD)
            {
              /* A new file: what the old one was registered for is no concern. */
              events = to_epoll (want) | (record->kind == KIND_TCP ? EPOLLPRI : 0);
              ev.events = events | EPOLLET;
            }
          op = op == EPOLL_CTL_MOD ? EPOLL_CTL_ADD : EPOLL_CTL_MOD;
          if (epoll_ctl (table->epfd, op, record->fd, &ev) < 0)
            {
              record->added = FALSE;
              return errno;
            }
        }
      else
        {
          if (errno == EBADF || errno == EPERM)
            record->added = FALSE;
          return errno;
        }
    }
  record->added = TRUE;
  record->events = events;
  return 0;
}

/* A level wait for @want: see record_register(). */
static int
record_arm (Task9FdTable *table,
            FdRecord     *record,
            GIOCondition  want)
{
  return record_register (table, record, want);
}

/* A wait for @want that began with EAGAIN: a system call only if the registration
 * does not cover it yet. Returns 0, or an errno. */
static int
record_arm_again (Task9FdTable *table,
                  FdRecord     *record,
                  GIOCondition  want)
{
  guint32 events = to_epoll (want) | (record->kind == KIND_TCP ? EPOLLPRI : 0);

  if (G_LIKELY (record->added && (record->events & events) == events))
    return 0;
  return record_register (table, record, want);
}

static void
record_forget (Task9FdTable *table,
               FdRecord     *record)
{
  if (record->added)
    epoll_ctl (table->epfd, EPOLL_CTL_DEL, record->fd, NULL);   /* may be gone already */
  record->added = FALSE;
  record->events = 0;
  record->kind = KIND_UNKNOWN;
  record->drained = FALSE;
}

/* Reads one batch of events and wakes their waiters; the rest stay on the kernel's
 * ready list (the epoll fd stays readable) for the next dispatch. Waking a thousand
 * tasks and then running them touched every task's stack and record twice, apart:
 * echo_rps_1k served 260k messages/s that way, 280k with batches of 64, which wake
 * tasks that run while what the wake touched is still in the cache. */
static int
table_drain_epoll (Task9FdTable *table)
{
  struct epoll_event events[EPOLL_BATCH];
  FdRecord *records[EPOLL_BATCH];
  int n;

  do
    {
      n = epoll_wait (table->epfd, events, EPOLL_BATCH, 0);
      /* What waking touches is on a thousand tasks' stacks and records, mostly out of
       * the cache: ask for all of it first, so the misses overlap instead of queueing
       * one behind the other (record, then its first waiter, then that waiter's slot
       * and task). Nothing runs between these passes and the wakes below. */
      for (int i = 0; i < n; i++)
        {
          FdRecord *record = record_lookup (table, events[i].data.fd);

          records[i] = record;
          if (record != NULL)
            __builtin_prefetch (record, 1);
        }
      for (int i = 0; i < n; i++)
        if (records[i] != NULL && records[i]->waiters.head != NULL)
          __builtin_prefetch (records[i]->waiters.head, 1);
      for (int i = 0; i < n; i++)
        {
          Task9Waiter *waiter = records[i] != NULL ? records[i]->waiters.head : NULL;

          if (waiter != NULL)
            {
              __builtin_prefetch (waiter->value, 1);
              __builtin_prefetch (waiter->claim, 1);
            }
        }
      for (int i = 0; i < n; i++)
        {
          FdRecord *record = record_lookup (table, events[i].data.fd);

          /* Also a record being revalidated (added FALSE): its waiters may wait on the
           * very file this entry is for. */
          if (record == NULL)
            continue;
          /* Anything may have come: task9_fd_read() tries again. Urgent data, where a
           * TCP read stops short of the mark with more behind it: it always does. */
          record->drained = FALSE;
          if (events[i].events & EPOLLPRI)
            record->kind = KIND_OTHER;
          record_ready (table, record, from_epoll (events[i].events));
        }
    }
  while (n < 0 && errno == EINTR);
  return n;
}

#else /* !HAVE_SYS_EPOLL_H: a GSource per armed fd */

typedef struct
{
  GSource       source;
  Task9FdTable *table;
  int           fd;
} FdSource;

static gboolean
fd_source_dispatch (GSource     *source,
                    GSourceFunc  callback,
                    gpointer     user_data)
{
  FdSource *fs = (FdSource *) source;
  FdRecord *record = record_lookup (fs->table, fs->fd);
  GIOCondition revents;

  if (record == NULL || record->source != source)
    return G_SOURCE_CONTINUE;
  revents = g_source_query_unix_fd (source, record->tag);
  record->armed = 0;
  g_source_modify_unix_fd (source, record->tag, 0);
  record_ready (fs->table, record, revents);
  return G_SOURCE_CONTINUE;
}

static GSourceFuncs fd_source_funcs = { NULL, NULL, fd_source_dispatch, NULL, NULL, NULL };

static int
record_arm (Task9FdTable *table,
            FdRecord     *record,
            GIOCondition  want)
{
  guint32 events = want & (G_IO_IN | G_IO_OUT | G_IO_PRI);

  if (fcntl (record->fd, F_GETFD) < 0)
    return errno;
  if (record->armed != 0 && (record->armed & events) == events)
    return 0;
  events |= record->armed & ~ARMED;
  if (record->source == NULL)
    {
      FdSource *fs;

      record->source = g_source_new (&fd_source_funcs, sizeof (FdSource));
      fs = (FdSource *) record->source;
      fs->table = table;
      fs->fd = record->fd;
      g_source_set_static_name (record->source, "Task9 fd");
      record->tag = g_source_add_unix_fd (record->source, record->fd, events);
      g_source_attach (record->source, table->proc->context);
    }
  else
    g_source_modify_unix_fd (record->source, record->tag, events);
  record->added = TRUE;
  record->armed = events | ARMED;
  return 0;
}

/* Without epoll every wait is a level wait. */
static int
record_arm_again (Task9FdTable *table,
                  FdRecord     *record,
                  GIOCondition  want)
{
  return record_arm (table, record, want);
}

static void
record_forget (Task9FdTable *table,
               FdRecord     *record)
{
  if (record->source != NULL)
    {
      g_source_destroy (record->source);
      g_clear_pointer (&record->source, g_source_unref);
    }
  record->added = FALSE;
  record->armed = 0;
}

#endif

/* ---- watches --------------------------------------------------------------------- */

static void
watch_unref (FdWatch *watch)
{
  if (!g_atomic_int_dec_and_test (&watch->ref_count))
    return;
  table_unref (watch->table);
  g_free (watch);
}

/* Proc thread: takes @watch off its record (dropping the record's reference). */
static void
watch_detach (FdWatch *watch)
{
  FdRecord *record = watch->record;

  if (record == NULL)
    return;
  if (watch->prev != NULL)
    watch->prev->next = watch->next;
  else
    record->watches = watch->next;
  if (watch->next != NULL)
    watch->next->prev = watch->prev;
  watch->record = NULL;
  watch_unref (watch);
}

/* Proc thread: delivers @revents to @watch's channel, if it is still there. */
static void
watch_deliver (FdWatch      *watch,
               GIOCondition  revents)
{
  Task9FdTable *table = watch->table;

  g_mutex_lock (&table->lock);
  if (watch->channel != NULL)
    task9_channel_offer (watch->channel, &revents);
  g_mutex_unlock (&table->lock);
}

/* The channel's on_done hook (task9_channel_set_on_done()): the channel was closed or
 * finalized, on any thread, so the watch goes. On the proc's thread (never inside this
 * file's own loops: they run no code that could close or drop a channel) at once;
 * elsewhere the proc removes it, poked. */
static void
watch_done (gpointer data)
{
  FdWatch *watch = data;
  Task9FdTable *table = watch->table;
  gboolean here;

  g_mutex_lock (&table->lock);
  watch->channel = NULL;
  here = table->proc != NULL && table->proc == task9_current_proc;
  if (table->proc != NULL && !here)
    {
      g_atomic_int_inc (&watch->ref_count);   /* the dead list's */
      watch->dead_next = table->dead;
      table->dead = watch;
      g_atomic_int_set (&table->pending, 1);
      task9_proc_poke (table->proc);
    }
  g_mutex_unlock (&table->lock);
  if (here && watch->record != NULL)
    {
      FdRecord *record = watch->record;

      watch_detach (watch);
      record_settle (table, record);
    }
  watch_unref (watch);   /* the channel's */
}

/* ---- waking ---------------------------------------------------------------------- */

/* Proc thread: @record's fd is ready with @revents. Wakes the waiters and watches it
 * satisfies; with epoll the entry stays registered for the others; without, re-arms
 * the fd's source for them. */
static void
record_ready (Task9FdTable *table,
              FdRecord     *record,
              GIOCondition  revents)
{
  GIOCondition rest = 0;
  Task9Waiter *waiter, *next;
  FdWatch *watch, *next_watch;

  for (waiter = record->waiters.head; waiter != NULL; waiter = next)
    {
      FdWaitSlot *slot = waiter->value;
      GIOCondition hit = revents & (slot->want | FD_ALWAYS);
      guint64 *claim = waiter->claim;
      guint64 token = waiter->token;

      next = waiter->next;
      if (hit == 0)
        {
          rest |= slot->want;
          continue;
        }
      task9_waiter_dequeue (waiter);
      if (task9_claim (claim, token))
        {
          slot->got = hit;
          task9_waiter_fire (waiter, FALSE);
        }
    }

  for (watch = record->watches; watch != NULL; watch = next_watch)
    {
      GIOCondition hit = revents & (watch->want | FD_ALWAYS);

      next_watch = watch->next;
      if (hit == 0)
        {
          rest |= watch->want;
          continue;
        }
      watch_deliver (watch, hit);
      watch_detach (watch);
    }

#if HAVE_SYS_EPOLL_H
  (void) rest;
#else
  if (rest != 0 && record_arm (table, record, rest) != 0)
    {
      /* It cannot be waited on any more (closed behind our back): say so, as poll()
       * would, to everybody left. */
      record_forget (table, record);
      record_ready (table, record, G_IO_NVAL);
      return;
    }
#endif
  record_settle (table, record);
}

/* Proc thread: the fd is being closed; wake everybody on @record with "closed" and
 * forget it. */
static void
record_close (Task9FdTable *table,
              FdRecord     *record)
{
  Task9Waiter *waiter;
  FdWatch *watch;

  record_forget (table, record);
  while ((waiter = task9_waiter_claim_first (&record->waiters)) != NULL)
    task9_waiter_fire (waiter, TRUE);
  while ((watch = record->watches) != NULL)
    {
      watch_deliver (watch, G_IO_NVAL);
      watch_detach (watch);
    }
  record_settle (table, record);   /* frees it */
}

/* Proc thread: the number may have been closed and reused behind our back (or not):
 * the next wait asks the kernel again. */
static void
record_revalidate (Task9FdTable *table,
                   FdRecord     *record)
{
  record->added = FALSE;
#if HAVE_SYS_EPOLL_H
  record->kind = KIND_UNKNOWN;
  record->drained = FALSE;
#endif
  record_settle (table, record);   /* frees it unless it has waiters */
}

static void
table_take_pending (Task9FdTable *table)
{
  FdWatch *dead;
  GArray *closed;

  g_mutex_lock (&table->lock);
  dead = table->dead;
  closed = table->closed;
  table->dead = NULL;
  table->closed = NULL;
  g_atomic_int_set (&table->pending, 0);
  g_mutex_unlock (&table->lock);

  while (dead != NULL)
    {
      FdWatch *next = dead->dead_next;
      FdRecord *record = dead->record;

      watch_detach (dead);
      if (record != NULL)
        record_settle (table, record);
      watch_unref (dead);   /* the dead list's */
      dead = next;
    }
  if (closed != NULL)
    {
      for (guint i = 0; i < closed->len; i++)
        {
          int fd = g_array_index (closed, int, i);
          FdRecord *record = record_lookup (table, fd < 0 ? -1 - fd : fd);

          if (record == NULL)
            continue;
          if (fd < 0)
            record_revalidate (table, record);
          else
            record_close (table, record);
        }
      g_array_unref (closed);
    }
}

/* ---- the scheduler's side ----------------------------------------------------------- */

gboolean
task9_fd_table_pending (Task9Proc *proc)
{
  Task9FdTable *table = proc->fds;

  return table != NULL && g_atomic_int_get (&table->pending);
}

gboolean
task9_fd_table_check (Task9Proc *proc)
{
  Task9FdTable *table = proc->fds;

  if (table == NULL)
    return FALSE;
  if (g_atomic_int_get (&table->pending))
    return TRUE;
  return table->epfd >= 0 && !table->muted &&
         (g_source_query_unix_fd (proc->source, table->tag) & G_IO_IN) != 0;
}

void
task9_fd_table_dispatch (Task9Proc *proc)
{
  Task9FdTable *table = proc->fds;

  if (table == NULL)
    return;
  if (g_atomic_int_get (&table->pending))
    table_take_pending (table);
#if HAVE_SYS_EPOLL_H
  /* Also with nobody waiting: registrations stay, so events may come for fds nobody
   * waits on, and the epoll fd would stay readable. */
  if (!table->muted && (g_source_query_unix_fd (proc->source, table->tag) & G_IO_IN) != 0)
    table_drain_epoll (table);
#endif
}

/* The dispatch ran every runnable task and has budget left: reads the next batch
 * without going back to the main loop (no poll, no prepare/check). TRUE if it read any
 * event (tasks may have woken). */
gboolean
task9_fd_table_dispatch_more (Task9Proc *proc)
{
  Task9FdTable *table = proc->fds;

  if (table == NULL || table->muted)
    return FALSE;
  if (g_atomic_int_get (&table->pending))
    table_take_pending (table);
#if HAVE_SYS_EPOLL_H
  return table->epfd >= 0 && table_drain_epoll (table) > 0;
#else
  return FALSE;
#endif
}

/* While a dispatch that spent its budget gives the other sources their turn, the epoll
 * fd stays out of the poll: a ready fd would make the scheduler source ready again and
 * take that turn from lower priorities. */
void
task9_fd_table_mute (Task9Proc *proc,
                     gboolean   mute)
{
  Task9FdTable *table = proc->fds;

  if (table == NULL || table->epfd < 0 || table->muted == mute)
    return;
  table->muted = mute;
  g_source_modify_unix_fd (proc->source, table->tag, mute ? 0 : G_IO_IN);
}

guint
task9_fd_table_quiet_fds (Task9Proc *proc)
{
  Task9FdTable *table = proc->fds;

  return table != NULL && table->epfd >= 0 && !table->muted && table->n_busy == 0 ? 1 : 0;
}

void
task9_fd_table_release (Task9Proc *proc)
{
  Task9FdTable *table = proc->fds;
  GHashTableIter iter;
  gpointer value;

  if (table == NULL)
    return;

  table_take_pending (table);
  g_mutex_lock (&table->lock);
  table->proc = NULL;   /* watch channels closed or finalized from now on just let go */
  g_mutex_unlock (&table->lock);

  task9_proc_lock_all ();
  g_atomic_pointer_set (&proc->fds, NULL);
  task9_proc_unlock_all ();

  g_hash_table_iter_init (&iter, table->records);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      FdRecord *record = value;
      Task9Waiter *waiter;

      while ((waiter = task9_waiter_claim_first (&record->waiters)) != NULL)
        task9_waiter_fire (waiter, TRUE);
      while (record->watches != NULL)
        watch_detach (record->watches);
      record_forget (table, record);
    }
  g_hash_table_unref (table->records);
  g_clear_pointer (&table->dense, g_free);
  table->n_dense = 0;
#if HAVE_SYS_EPOLL_H
  g_source_remove_unix_fd (proc->source, table->tag);
  close (table->epfd);
#endif
  table_unref (table);
}

/* ---- waiting --------------------------------------------------------------------- */

static gboolean
check_fd (int      fd,
          GError **error)
{
  if (fd >= 0)
    return TRUE;
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "Invalid file descriptor %d", fd);
  return FALSE;
}

/* What an fd that cannot be armed is: a regular file (EPERM) is always ready for
 * reading and writing; anything else fails. */
static GIOCondition
arm_failed (int            fd,
            int            errsv,
            GIOCondition   condition,
            GError       **error)
{
  if (errsv == EPERM && (condition & (G_IO_IN | G_IO_OUT)) != 0)
    return condition & (G_IO_IN | G_IO_OUT);
  if (errsv == EPERM)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                 "File descriptor %d cannot be waited on for that condition", fd);
  else if (errsv == EBADF)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                 "Bad file descriptor %d", fd);
  else
    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
                 "Cannot wait on file descriptor %d: %s", fd, g_strerror (errsv));
  return 0;
}

static GIOCondition
fd_wait (int            fd,
         GIOCondition   condition,
         gboolean       again,
         gint64         deadline,
         GCancellable  *cancellable,
         GError       **error)
{
  Task9Task *self = task9_scheduler_current_task ();
  Task9FdTable *table;
  FdRecord *record;
  FdWaitSlot slot = { condition, 0 };
  Task9WaitSet set;
  Task9Waiter waiter;
  Task9WakeReason why;
  int errsv;

  if (self == NULL)
    {
      g_set_error_literal (error, TASK9_ERROR, TASK9_ERROR_NOT_IN_TASK,
                           "Waiting on a file descriptor can only be done in a task");
      return 0;
    }
  if (!check_fd (fd, error))
    return 0;
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return 0;

  table = table_get (self->proc);
  if (table == NULL)
    return arm_failed (fd, errno, condition, error);
  if (G_UNLIKELY (g_atomic_int_get (&table->pending)))
    table_take_pending (table);   /* notices of closed or reused numbers come first */
  record = record_get (table, fd);
  /* Armed before the wait opens: nothing is dispatched until this task parks. */
  if (again)
    errsv = record_arm_again (table, record, condition);
  else
    errsv = record_arm (table, record, condition);
  if (errsv != 0)
    {
      record_settle (table, record);
      return arm_failed (fd, errsv, condition, error);
    }

  task9_wait_begin_one (self, &waiter, &set, &slot);
  task9_waiter_enqueue (&record->waiters, &waiter);
  record_settle (table, record);

  why = task9_wait_park_external (self, waiter.token, deadline, cancellable, "fd");

  task9_waiter_withdraw (&waiter);
  record = record_lookup (table, fd);   /* a task9_fd_close() may have freed ours */
  if (record != NULL)
    record_settle (table, record);

  if (why == TASK9_WAKE_READY && set.fired_closed)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_CLOSED,
                   "File descriptor %d was closed while waiting", fd);
      return 0;
    }
  if (!task9_wait_check_reason (why, error))
    return 0;
  return slot.got;
}

/* A level wait, as task9_fd_wait(). */
GIOCondition
task9_fd_wait_until (int            fd,
                     GIOCondition   condition,
                     gint64         deadline,
                     GCancellable  *cancellable,
                     GError       **error)
{
  return fd_wait (fd, condition, FALSE, deadline, cancellable, error);
}

/* A wait right after the fd said EAGAIN for @condition: see the top of this file. */
GIOCondition
task9_fd_wait_again_until (int            fd,
                           GIOCondition   condition,
                           gint64         deadline,
                           GCancellable  *cancellable,
                           GError       **error)
{
  return fd_wait (fd, condition, TRUE, deadline, cancellable, error);
}

/**
 * task9_fd_wait: (skip)
 * @fd: a file descriptor
 * @condition: what to wait for: any of %G_IO_IN, %G_IO_OUT, %G_IO_PRI (%G_IO_ERR and
 *   %G_IO_HUP are always reported, as poll() does)
 * @timeout: microseconds to wait at most; negative for no limit
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Suspends the calling task until @fd is ready for @condition, the way poll() would
 * report it (level-triggered: a condition that is already true returns at once), and
 * returns the conditions that are true. Many tasks may wait on one fd; each one whose
 * condition is met is woken. Other tasks of the proc run meanwhile. The wait goes
 * through the proc's one epoll instance, so waiting costs one `epoll_ctl()` and waking
 * nothing per other fd.
 *
 * A regular file, which epoll refuses, is always ready: the requested %G_IO_IN and
 * %G_IO_OUT bits are returned at once. Close an fd that tasks may wait on with
 * [func@Task9.fd_close], which wakes them with %G_IO_ERROR_CLOSED; close(2) alone
 * leaves them waiting.
 *
 * |[<!-- language="C" -->
 * GIOCondition ready = task9_fd_wait (fd, G_IO_IN, 5 * G_TIME_SPAN_SECOND, NULL, &error);
 * if (ready == 0)
 *   return FALSE;   // timed out, cancelled, or a bad fd: see error
 * ]|
 *
 * Returns: the conditions that are true (never 0 on success); 0 with
 *   %G_IO_ERROR_TIMED_OUT, %G_IO_ERROR_CANCELLED (the task or @cancellable was
 *   cancelled), %G_IO_ERROR_CLOSED (the fd was closed with [func@Task9.fd_close]
 *   meanwhile), %G_IO_ERROR_INVALID_ARGUMENT (a negative or bad fd), or
 *   %TASK9_ERROR_NOT_IN_TASK outside a task
 *
 * Since: 0.1
 */
GIOCondition
task9_fd_wait (int            fd,
               GIOCondition   condition,
               GTimeSpan      timeout,
               GCancellable  *cancellable,
               GError       **error)
{
  g_return_val_if_fail ((condition & ~FD_CONDITIONS) == 0 && condition != 0, 0);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), 0);
  g_return_val_if_fail (error == NULL || *error == NULL, 0);

  return task9_fd_wait_until (fd, condition, task9_deadline_from_timeout (timeout),
                              cancellable, error);
}

/**
 * task9_fd_watch:
 * @fd: a file descriptor
 * @condition: what to wait for: any of %G_IO_IN, %G_IO_OUT, %G_IO_PRI
 *
 * Returns a channel of #GIOCondition (a typed channel of %G_TYPE_IO_CONDITION, one
 * buffer slot) on which the conditions that are true are sent once, when @fd is ready
 * for @condition: the fd's counterpart of [func@Task9.Channel.after], to put in an alt
 * with other channels, timeouts and cancellations:
 *
 * |[<!-- language="C" -->
 * g_autoptr(Task9Channel) readable = task9_fd_watch (fd, G_IO_IN);
 * g_autoptr(Task9Channel) timeout = task9_channel_after (G_TIME_SPAN_SECOND);
 * GIOCondition ready;
 * Task9AltArm arms[] = {
 *   { readable, TASK9_ALT_RECV, &ready },
 *   { timeout, TASK9_ALT_RECV, NULL },
 * };
 * ]|
 *
 * Closing the channel or dropping its last reference removes the watch: at once on the
 * watching proc's thread, from another thread as soon as that proc runs; it never fires
 * into a closed or finalized channel. A bad fd sends %G_IO_NVAL at
 * once, and so does [func@Task9.fd_close] if the fd is closed while the watch waits; a
 * regular file sends the requested %G_IO_IN/%G_IO_OUT at once. Call it on a proc's
 * thread (in a task, or a callback of the proc's main context): that proc watches the fd.
 *
 * Returns: (transfer full) (nullable): the channel, or %NULL off a proc's thread
 *
 * Since: 0.1
 */
Task9Channel *
task9_fd_watch (int          fd,
                GIOCondition condition)
{
  Task9Proc *proc = task9_proc_current_or_adopt ();
  Task9Channel *channel;
  Task9FdTable *table;
  FdRecord *record = NULL;
  FdWatch *watch;
  int errsv;

  g_return_val_if_fail (proc != NULL, NULL);
  g_return_val_if_fail (fd >= 0, NULL);
  g_return_val_if_fail ((condition & ~FD_CONDITIONS) == 0 && condition != 0, NULL);

  channel = task9_channel_new_typed (G_TYPE_IO_CONDITION, 1);
  task9_channel_set_external (channel);

  table = table_get (proc);
  if (table == NULL)
    errsv = errno;
  else
    {
      if (g_atomic_int_get (&table->pending))
        table_take_pending (table);
      record = record_get (table, fd);
      errsv = record_arm (table, record, condition);
      if (errsv != 0)
        record_settle (table, record);
    }
  if (errsv != 0)
    {
      GIOCondition now = errsv == EPERM ? condition & (G_IO_IN | G_IO_OUT) : 0;

      if (now == 0)
        now = G_IO_NVAL;
      task9_channel_offer (channel, &now);
      return channel;
    }

  watch = g_new0 (FdWatch, 1);
  watch->ref_count = 2;
  watch->table = table;
  g_atomic_int_inc (&table->ref_count);
  watch->channel = channel;
  watch->want = condition;
  watch->record = record;
  watch->next = record->watches;
  if (record->watches != NULL)
    record->watches->prev = watch;
  record->watches = watch;
  task9_channel_set_on_done (channel, watch_done, watch);
  record_settle (table, record);
  return channel;
}

/* ---- async ----------------------------------------------------------------------- */

/* Off a proc: a GLib unix fd source on @context feeds the channel, once. The source
 * holds a reference on the channel until it is destroyed; the channel's on_done hook
 * (its close: task9_condition_wait_async() always closes it) destroys the source. */
static gboolean
fallback_fd_ready (gint          fd,
                   GIOCondition  condition,
                   gpointer      data)
{
  task9_channel_offer (data, &condition);
  return G_SOURCE_REMOVE;
}

static void
fallback_done (gpointer data)
{
  GSource *source = data;

  g_source_destroy (source);
  g_source_unref (source);
}

static Task9Channel *
fallback_watch (int           fd,
                GIOCondition  condition,
                GMainContext *context)
{
  Task9Channel *channel = task9_channel_new_typed (G_TYPE_IO_CONDITION, 1);
  GSource *source = g_unix_fd_source_new (fd, condition);

  task9_channel_set_external (channel);
  g_source_set_callback (source, (GSourceFunc) (void (*) (void)) fallback_fd_ready,
                         g_object_ref (channel), g_object_unref);
  g_source_set_static_name (source, "Task9 fd wait");
  task9_channel_set_on_done (channel, fallback_done, source);
  g_source_attach (source, context);
  return channel;
}

/**
 * task9_fd_wait_async:
 * @fd: a file descriptor
 * @condition: what to wait for: any of %G_IO_IN, %G_IO_OUT, %G_IO_PRI
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called on the caller's thread-default main context once @fd
 *   is ready
 * @user_data: (closure): data for @callback
 *
 * Waits for @fd to be ready for @condition without blocking the caller: the async form
 * of [func@Task9.fd_wait] for code running on a main loop. Finish with
 * [func@Task9.fd_wait_finish].
 *
 * On a proc's main context this waits through the proc's epoll instance, like a task
 * (it receives from a [func@Task9.fd_watch] channel); on any other context it falls
 * back to a GLib unix fd source on that context, with the same result. Cancelling
 * removes the registration.
 *
 * Since: 0.1
 */
void
task9_fd_wait_async (int                  fd,
                     GIOCondition         condition,
                     GCancellable        *cancellable,
                     GAsyncReadyCallback  callback,
                     gpointer             user_data)
{
  Task9Proc *proc = task9_current_proc;
  GMainContext *context;
  Task9Channel *channel;

  g_return_if_fail ((condition & ~FD_CONDITIONS) == 0 && condition != 0);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  if (fd < 0)
    {
      g_task_report_new_error (NULL, callback, user_data, task9_fd_wait_async,
                               G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                               "Invalid file descriptor %d", fd);
      return;
    }

  /* One receive on a fresh channel: a watch's on a proc's context, else one fed by a
   * unix fd source on the caller's context. Either way closing it (when the receive is
   * over, before the callback) unsubscribes. */
  context = g_main_context_ref_thread_default ();
  if (proc != NULL && proc->context == context)
    channel = task9_fd_watch (fd, condition);
  else
    channel = fallback_watch (fd, condition, context);
  g_main_context_unref (context);
  task9_condition_wait_async (channel, task9_fd_wait_async, cancellable, callback, user_data);
}

/**
 * task9_fd_wait_finish:
 * @result: the result given to the callback
 * @error: return location for a #GError
 *
 * Finishes [func@Task9.fd_wait_async].
 *
 * Returns: the conditions that are true (%G_IO_NVAL if the fd is not open or was closed
 *   with [func@Task9.fd_close] meanwhile); 0 with %G_IO_ERROR_CANCELLED or
 *   %G_IO_ERROR_INVALID_ARGUMENT (a negative fd)
 *
 * Since: 0.1
 */
GIOCondition
task9_fd_wait_finish (GAsyncResult  *result,
                      GError       **error)
{
  GValue value = G_VALUE_INIT;
  GIOCondition ret;

  if (!task9_condition_wait_finish (result, task9_fd_wait_async, &value, error))
    return 0;
  ret = g_value_get_flags (&value);
  g_value_unset (&value);
  return ret;
}

/* ---- closing --------------------------------------------------------------------- */

/* Tells @proc (not the calling one) about @data: an fd number closed or obtained (fd),
 * or one to revalidate (-1 - fd). */
static void
notify_close (Task9Proc *proc,
              gpointer   data)
{
  int fd = GPOINTER_TO_INT (data);
  Task9FdTable *table = g_atomic_pointer_get (&proc->fds);

  if (proc == task9_current_proc || table == NULL)
    return;
  g_mutex_lock (&table->lock);
  if (table->proc != NULL)
    {
      if (table->closed == NULL)
        table->closed = g_array_new (FALSE, FALSE, sizeof (int));
      g_array_append_val (table->closed, fd);
      g_atomic_int_set (&table->pending, 1);
      task9_proc_poke (proc);
    }
  g_mutex_unlock (&table->lock);
}

/**
 * task9_fd_close:
 * @fd: a file descriptor
 * @error: return location for a #GError
 *
 * Closes @fd after waking everything that waits on it: tasks in [func@Task9.fd_wait]
 * (and the task socket calls) fail with %G_IO_ERROR_CLOSED, [func@Task9.fd_watch]
 * channels receive %G_IO_NVAL. Waiters on the calling proc are woken before this
 * returns; those on other procs as soon as their proc runs (should the number be
 * reused by then and waited on again on such a proc, that new wait is woken too).
 *
 * Use it instead of close(2) for fds that tasks may wait on: the kernel silently drops
 * a closed fd from epoll, so a task waiting on an fd closed with close(2) is never
 * woken. It also ends the fd's registration with the proc's epoll instance, which the
 * task socket calls ([func@Task9.fd_read], ...) keep between calls: close fds used
 * with them with this function, or a new fd given the same number may be mistaken for
 * the old one (see [func@Task9.fd_set_nonblocking]).
 *
 * Returns: %TRUE if close(2) succeeded; %FALSE with the error it reported (the
 *   waiters are woken either way)
 *
 * Since: 0.1
 */
gboolean
task9_fd_close (int      fd,
                GError **error)
{
  Task9Proc *proc = task9_current_proc;

  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!check_fd (fd, error))
    return FALSE;

  if (proc != NULL && proc->fds != NULL)
    {
      FdRecord *record = record_lookup (proc->fds, fd);

      if (record != NULL)
        record_close (proc->fds, record);
    }
  task9_proc_foreach (notify_close, GINT_TO_POINTER (fd));

  if (close (fd) < 0)
    {
      int errsv = errno;

      if (errsv == EINTR)
        return TRUE;   /* Linux: the fd is closed anyway; never retry */
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
                   "Cannot close file descriptor %d: %s", fd, g_strerror (errsv));
      return FALSE;
    }
  return TRUE;
}

/* The calling thread just got @fd from the kernel (accept(), socket(), ...): a record
 * of that number on any proc is stale (closed with close(2) behind our back); its
 * waiters are woken with G_IO_ERROR_CLOSED and it is forgotten. */
void
task9_fd_obtained (int fd)
{
  Task9Proc *proc = task9_current_proc;
  Task9FdTable *table;

  if (fd < 0)
    return;
  if (proc != NULL && (table = proc->fds) != NULL)
    {
      FdRecord *record;

      if (g_atomic_int_get (&table->pending))
        table_take_pending (table);
      record = record_lookup (table, fd);
      if (record != NULL)
        {
          record->added = FALSE;   /* the kernel dropped the old file's entry */
          record_close (table, record);
        }
    }
  task9_proc_foreach (notify_close, GINT_TO_POINTER (fd));
}

/* @fd may be a number closed and reused behind our back, or not (an fd the caller
 * made, e.g. task9_fd_set_nonblocking()): every proc asks the kernel again on its next
 * wait on it. Its waiters, if any, are left alone. @all_procs: else only this one. */
void
task9_fd_revalidate (int      fd,
                     gboolean all_procs)
{
  Task9Proc *proc = task9_current_proc;
  Task9FdTable *table;

  if (fd < 0)
    return;
  if (proc != NULL && (table = proc->fds) != NULL)
    {
      FdRecord *record = record_lookup (table, fd);

      if (record != NULL)
        record_revalidate (table, record);
    }
  if (all_procs)
    task9_proc_foreach (notify_close, GINT_TO_POINTER (-1 - fd));
}

/* ---- task9_fd_read()'s short reads ---------------------------------------------------- */

/* The record of @fd on the calling task's proc, if it has one. */
static inline FdRecord *
current_record (int fd)
{
  Task9Proc *proc = task9_current_proc;
  Task9FdTable *table;

  if (proc == NULL || (table = proc->fds) == NULL || proc->current == NULL)
    return NULL;
  return record_lookup (table, fd);
}

/* What the proc knows of @fd for task9_fd_read(). TASK9_FD_READ_DRAINED: a read would
 * only say EAGAIN: it is a TCP socket, registered, whose last task9_fd_read() got less
 * than it asked for (so it emptied the socket: epoll(7), Q9), and no event came since.
 * Then the caller may wait at once, as after EAGAIN: an arrival since that read is on
 * the epoll ready list, unread. TASK9_FD_READ_TCP: a TCP socket, which recv() reads
 * without read(2)'s trip through the VFS. */
Task9FdReadHints
task9_fd_read_hints (int fd)
{
#if HAVE_SYS_EPOLL_H
  FdRecord *record = current_record (fd);

  if (record == NULL)
    return 0;
  return (record->drained ? TASK9_FD_READ_DRAINED : 0) |
         (record->kind == KIND_TCP ? TASK9_FD_READ_TCP : 0);
#else
  return 0;
#endif
}

/* task9_fd_read() read less than it asked for from @fd. */
void
task9_fd_note_short_read (int fd)
{
#if HAVE_SYS_EPOLL_H && defined(SO_PROTOCOL)
  FdRecord *record = current_record (fd);

  if (record == NULL || !record->added)
    return;   /* no registration: no event would clear the mark */
  if (G_UNLIKELY (record->kind == KIND_UNKNOWN))
    {
      int protocol = 0;
      socklen_t len = sizeof protocol;

      /* Only TCP: datagrams, packet-mode pipes, ttys, Unix sockets passing fds, ...
       * return short reads with more to read. */
      if (getsockopt (fd, SOL_SOCKET, SO_PROTOCOL, &protocol, &len) == 0 && protocol == IPPROTO_TCP)
        record->kind = KIND_TCP;
      else
        record->kind = KIND_OTHER;
    }
  /* Registered for urgent data too, or an event could not clear the mark. */
  if (record->kind == KIND_TCP && (record->events & (EPOLLIN | EPOLLPRI)) == (EPOLLIN | EPOLLPRI))
    record->drained = TRUE;
#endif
}

/* ---- for tests ------------------------------------------------------------------- */

guint
task9_fd_debug_n_busy (void)
{
  Task9Proc *proc = task9_current_proc;

  return proc != NULL && proc->fds != NULL ? proc->fds->n_busy : 0;
}

guint
task9_fd_debug_n_waiting (void)
{
  Task9Proc *proc = task9_current_proc;
  GHashTableIter iter;
  gpointer value;
  guint n = 0;

  if (proc == NULL || proc->fds == NULL)
    return 0;
  g_hash_table_iter_init (&iter, proc->fds->records);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      FdRecord *record = value;

      for (Task9Waiter *w = record->waiters.head; w != NULL; w = w->next)
        n++;
      for (FdWatch *w = record->watches; w != NULL; w = w->next)
        n++;
    }
  return n;
}
