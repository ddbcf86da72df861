/* test-sysprof.c: the sysprof marks, as a profiler receives them
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Built only when the library is built with sysprof-capture-4 (tests/meson.build).
 *
 * The test is the profiler: it plays the part of Sysprof's control source and of its
 * mapped ring buffers, then spawns itself with `--child`, a program using the library
 * under that collector, and reads back every frame the child's collector wrote. The
 * protocol is sysprof 3.46's (Debian 12; libsysprof-capture's sysprof-collector.c and
 * mapped-ring-buffer.c), written here from its description, not copied:
 *
 * - The child finds a connected AF_UNIX stream socket in SYSPROF_CONTROL_FD. Each thread
 *   of the child that first asks its collector anything sends the 10 bytes "CreatRing\0"
 *   and receives one byte carrying, as SCM_RIGHTS, a memfd: its own ring buffer. No
 *   descriptor in the reply means no collector for that thread
 *   (sysprof_collector_is_active() is FALSE there).
 * - The memfd is one page of header, { guint32 head, tail, offset, size }, then `size`
 *   bytes of ring body; `offset` is the page size, and the writer refuses a ring whose
 *   header says otherwise. The writer appends 8-byte aligned frames at `tail` and only
 *   the reader moves `head`: as the test reads only once the child has exited, with head
 *   still 0, the frames lie in one piece in [0, tail) of the body.
 * - Frames are the public SysprofCaptureFrame and SysprofCaptureMark of
 *   sysprof-capture-types.h; a thread's collector ends its ring with a frame of type
 *   0xFF when the thread exits (not for the main thread).
 *
 * A header or frame that does not fit that description fails the test with a message
 * naming what differs, rather than crashing it. Nothing sleeps: the test blocks on the
 * control socket until the child has exited and closed it.
 *
 * What it checks: every frame is a mark of group "task9" from the child, within the run;
 * each of the child's five tasks has exactly one "task" mark whose message carries its
 * id, name and spawn location, and whose duration covers its sleep; a sleep and a
 * channel receive that waited each have a mark named by the wait reason, naming the task
 * and what it waited on, at least as long as the wait; a task on another proc sends from
 * its own thread's ring; a 100 000-byte name is cut at a character boundary and leaves
 * the ring intact. Without SYSPROF_CONTROL_FD, or with a collector that is not active
 * when the library asks, no thread asks for a ring and no mark is sent.
 */

#define _GNU_SOURCE   /* memfd_create() */

#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <sysprof-capture.h>

#include "test-util.h"

#define CREATRING     "CreatRing"   /* with its NUL: 10 bytes */
#define CREATRING_LEN 10
#define RING_BODY     (1024 * 1024)
#define END_FRAME     0xFF           /* the frame a thread's collector ends its ring with */
#define LONG_NAME_LEN 100000         /* longer than a frame may be (its length is 16 bits) */
#define MAX_FIELD     1024           /* the library cuts names to this (TASK9_SYSPROF_MAX_FIELD) */
#define SLEEP_SPAN    (20 * G_TIME_SPAN_MILLISECOND)
/* A sleep's mark starts at the park, a little after task9_sleep() read the clock for its
 * deadline: it may be that much shorter than the span. */
#define PARK_SLACK    G_TIME_SPAN_MILLISECOND

/* ---- the child: a program using the library -------------------------------------- */

/* "x" then "é"s, LONG_NAME_LEN bytes: byte MAX_FIELD is inside an "é", so the cut must
 * go back one byte to keep the message valid UTF-8. */
static char *
long_name_new (void)
{
  GString *name = g_string_new ("x");

  while (name->len + 2 <= LONG_NAME_LEN)
    g_string_append (name, "\u00e9");
  return g_string_free (name, FALSE);
}

static gpointer
consumer_task (gpointer data,
               GError **error)
{
  Task9Channel *jobs = data;
  gint64 value;

  /* The producer sleeps first: the first receive always waits. */
  for (guint i = 0; i < 2; i++)
    if (!task9_channel_recv (jobs, &value, error))
      return NULL;
  return NULL;
}

static gpointer
producer_task (gpointer data,
               GError **error)
{
  Task9Channel *jobs = data;

  if (!task9_sleep (SLEEP_SPAN, error))
    return NULL;
  for (gint64 i = 0; i < 2; i++)
    if (!task9_channel_send (jobs, &i, error))
      return NULL;
  return NULL;
}

static gpointer
far_task (gpointer data,
          GError **error)
{
  task9_sleep (SLEEP_SPAN / 2, error);
  return NULL;
}

static void
print_task (const char *role,
            Task9Task  *task)
{
  const char *name = task9_task_get_name (task);

  /* The long name is not printed: the test knows it. */
  g_print ("%s %" G_GUINT64_FORMAT " %s %s\n", role, task9_task_get_id (task),
           task9_task_get_spawn_location (task) != NULL ? task9_task_get_spawn_location (task) : "-",
           strlen (name) < 100 ? name : "-");
}

static int
child_main (int    argc,
            char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(Task9Channel) jobs = task9_channel_new (sizeof (gint64), 0);
  g_autoptr(Task9Proc) other = NULL;
  g_autofree char *long_name = long_name_new ();
  Task9Task *tasks[4];

  task9_channel_set_name (jobs, "jobs");
  other = task9_proc_new ("other", &error);
  g_assert_no_error (error);
  tasks[0] = task9_task_spawn ("consumer", consumer_task, jobs, NULL, &error);
  g_assert_no_error (error);
  tasks[1] = task9_task_spawn ("producer", producer_task, jobs, NULL, &error);
  g_assert_no_error (error);
  tasks[2] = task9_task_spawn_full (other, "far", 0, far_task, NULL, NULL, &error);
  g_assert_no_error (error);
  tasks[3] = task9_task_spawn (long_name, test_return_data_task, NULL, NULL, &error);
  g_assert_no_error (error);

  print_task ("main", task9_task_self ());
  print_task ("consumer", tasks[0]);
  print_task ("producer", tasks[1]);
  print_task ("far", tasks[2]);
  print_task ("long", tasks[3]);

  for (guint i = 0; i < G_N_ELEMENTS (tasks); i++)
    test_join_ok (tasks[i]);
  task9_proc_stop (other);
  g_assert_true (task9_proc_join (other, &error));
  return 0;
}

/* ---- the profiler's side ----------------------------------------------------------- */

typedef struct
{
  guint32 head;
  guint32 tail;
  guint32 offset;
  guint32 size;
} RingHeader;

typedef struct
{
  guint   ring;       /* which of the rings: one per thread of the child */
  gint64  time;
  gint64  duration;
  gint32  pid;
  char   *group;
  char   *name;
  char   *message;
} Mark;

static void
mark_free (gpointer data)
{
  Mark *mark = data;

  g_free (mark->group);
  g_free (mark->name);
  g_free (mark->message);
  g_free (mark);
}

typedef struct
{
  guint      n_refused;   /* refuse this many ring requests first (no collector there) */
  guint      n_requests;
  GArray    *ring_fds;    /* the memfds handed out */
  GPtrArray *marks;
  guint      n_end_frames;
  char      *child_out;
  gint64     started;     /* the collector's clock (CLOCK_MONOTONIC) around the run */
  gint64     ended;
  gint32     child_pid;
} Profile;

static gint64
monotonic_ns (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (gint64) ts.tv_sec * G_GINT64_CONSTANT (1000000000) + ts.tv_nsec;
}

static gsize
page_size (void)
{
  return (gsize) sysconf (_SC_PAGESIZE);
}

/* A new ring's memfd, with the header a reader writes. */
static int
ring_new (void)
{
  RingHeader header = { 0, 0, page_size (), RING_BODY };
  int fd = memfd_create ("test-sysprof-ring", MFD_CLOEXEC);

  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (ftruncate (fd, page_size () + RING_BODY), ==, 0);
  g_assert_cmpint (pwrite (fd, &header, sizeof header, 0), ==, sizeof header);
  return fd;
}

/* One byte, with @fd attached unless it is -1. */
static void
reply (int sock,
       int fd)
{
  char byte = 0;
  struct iovec iov = { &byte, 1 };
  union { struct cmsghdr align; char buf[CMSG_SPACE (sizeof (int))]; } control;
  struct msghdr msg = { 0 };
  ssize_t sent;

  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  if (fd >= 0)
    {
      struct cmsghdr *cmsg;

      memset (&control, 0, sizeof control);
      msg.msg_control = control.buf;
      msg.msg_controllen = sizeof control.buf;
      cmsg = CMSG_FIRSTHDR (&msg);
      cmsg->cmsg_level = SOL_SOCKET;
      cmsg->cmsg_type = SCM_RIGHTS;
      cmsg->cmsg_len = CMSG_LEN (sizeof (int));
      memcpy (CMSG_DATA (cmsg), &fd, sizeof (int));
    }
  do
    sent = sendmsg (sock, &msg, MSG_NOSIGNAL);
  while (sent < 0 && errno == EINTR);
  g_assert_cmpint (sent, ==, 1);
}

/* Reads one request into @buf; FALSE at end of stream. */
static gboolean
read_request (int   sock,
              char *buf)
{
  gsize got = 0;

  while (got < CREATRING_LEN)
    {
      ssize_t n = read (sock, buf + got, CREATRING_LEN - got);

      if (n < 0 && errno == EINTR)
        continue;
      g_assert_cmpint (n, >=, 0);
      if (n == 0)
        {
          g_assert_cmpuint (got, ==, 0);   /* no half request */
          return FALSE;
        }
      got += n;
    }
  return TRUE;
}

/* Checks the ring's header and adds its marks to @profile. FALSE (the test marked
 * failed, with why) if anything does not look like sysprof 3.46's format. */
static gboolean
read_ring (Profile *profile,
           guint    ring)
{
  int fd = g_array_index (profile->ring_fds, int, ring);
  RingHeader header;
  g_autofree guint8 *body = NULL;
  gsize pos;

  g_assert_cmpint (pread (fd, &header, sizeof header, 0), ==, sizeof header);
  if (header.offset != page_size () || header.size != RING_BODY || header.head != 0 ||
      header.tail >= RING_BODY || header.tail % 8 != 0)
    {
      g_test_fail_printf ("ring %u: header {head %u, tail %u, offset %u, size %u} is not what "
                          "sysprof 3.46's writer leaves (head 0, tail < %u and 8-aligned, "
                          "offset %" G_GSIZE_FORMAT ", size %u): has the ring format changed?",
                          ring, header.head, header.tail, header.offset, header.size,
                          RING_BODY, page_size (), RING_BODY);
      return FALSE;
    }
  /* A full ring drops frames silently: keep far from that. */
  if (header.tail > RING_BODY / 2)
    {
      g_test_fail_printf ("ring %u is more than half full (%u bytes): frames may have been "
                          "dropped; enlarge RING_BODY", ring, header.tail);
      return FALSE;
    }

  body = g_malloc (header.tail + 1);
  g_assert_cmpint (pread (fd, body, header.tail, page_size ()), ==, header.tail);

  for (pos = 0; pos < header.tail;)
    {
      const SysprofCaptureFrame *frame = (const SysprofCaptureFrame *) (body + pos);
      const SysprofCaptureMark *ev = (const SysprofCaptureMark *) frame;
      gsize left = header.tail - pos;
      Mark *mark;

      if (left < sizeof *frame || frame->len < sizeof *frame || frame->len % 8 != 0 ||
          frame->len > left)
        {
          g_test_fail_printf ("ring %u, offset %" G_GSIZE_FORMAT ": a frame of length %u with "
                              "%" G_GSIZE_FORMAT " bytes left: not a sysprof 3.46 frame",
                              ring, pos, left < sizeof *frame ? 0 : frame->len, left);
          return FALSE;
        }
      pos += frame->len;
      if (frame->type == END_FRAME)
        {
          profile->n_end_frames++;
          if (pos != header.tail)
            {
              g_test_fail_printf ("ring %u: frames after the end frame", ring);
              return FALSE;
            }
          continue;
        }
      if (frame->type != SYSPROF_CAPTURE_FRAME_MARK)
        {
          g_test_fail_printf ("ring %u: a frame of type %u; the library sends only marks (%u)",
                              ring, frame->type, SYSPROF_CAPTURE_FRAME_MARK);
          return FALSE;
        }
      if (frame->len < sizeof *ev + 1 ||
          memchr (ev->group, 0, sizeof ev->group) == NULL ||
          memchr (ev->name, 0, sizeof ev->name) == NULL ||
          memchr (ev->message, 0, frame->len - sizeof *ev) == NULL)
        {
          g_test_fail_printf ("ring %u, offset %" G_GSIZE_FORMAT ": a mark frame of length %u "
                              "(name \"%.40s\") whose strings do not end within it",
                              ring, pos - frame->len, frame->len, ev->name);
          return FALSE;
        }
      mark = g_new0 (Mark, 1);
      mark->ring = ring;
      mark->time = frame->time;
      mark->duration = ev->duration;
      mark->pid = frame->pid;
      mark->group = g_strdup (ev->group);
      mark->name = g_strdup (ev->name);
      mark->message = g_strdup (ev->message);
      g_ptr_array_add (profile->marks, mark);
    }
  return TRUE;
}

/* Runs the child, serving its collector: with @collector FALSE, without
 * SYSPROF_CONTROL_FD at all. */
static void
profile_run (Profile  *profile,
             gboolean  collector)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autoptr(GSubprocess) child = NULL;
  const char *argv[] = { NULL, "--child", NULL };
  int fds[2] = { -1, -1 };
  char request[CREATRING_LEN];

  argv[0] = g_test_build_filename (G_TEST_BUILT, "test-sysprof", NULL);
  profile->ring_fds = g_array_new (FALSE, FALSE, sizeof (int));
  profile->marks = g_ptr_array_new_with_free_func (mark_free);

  if (collector)
    {
      g_assert_cmpint (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), ==, 0);
      g_subprocess_launcher_take_fd (launcher, fds[1], 3);
      g_subprocess_launcher_setenv (launcher, "SYSPROF_CONTROL_FD", "3", TRUE);
    }
  else
    g_subprocess_launcher_unsetenv (launcher, "SYSPROF_CONTROL_FD");

  profile->started = monotonic_ns ();
  child = g_subprocess_launcher_spawnv (launcher, argv, &error);
  g_assert_no_error (error);
  g_free ((char *) argv[0]);
  profile->child_pid = atoi (g_subprocess_get_identifier (child));
  /* Our copy of the child's end goes: end of stream once the child has exited. */
  g_clear_object (&launcher);

  if (collector)
    {
      while (read_request (fds[0], request))
        {
          g_assert_cmpmem (request, CREATRING_LEN, CREATRING, CREATRING_LEN);
          if (profile->n_requests++ < profile->n_refused)
            reply (fds[0], -1);
          else
            {
              int ring = ring_new ();

              g_array_append_val (profile->ring_fds, ring);
              reply (fds[0], ring);
            }
        }
      close (fds[0]);
    }

  g_subprocess_communicate_utf8 (child, NULL, NULL, &profile->child_out, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (child));
  g_assert_cmpint (g_subprocess_get_exit_status (child), ==, 0);
  profile->ended = monotonic_ns ();
  g_test_message ("child said:\n%s", profile->child_out);

  for (guint i = 0; i < profile->ring_fds->len; i++)
    if (!read_ring (profile, i))
      return;
}

static void
profile_clear (Profile *profile)
{
  for (guint i = 0; i < profile->ring_fds->len; i++)
    close (g_array_index (profile->ring_fds, int, i));
  g_array_unref (profile->ring_fds);
  g_ptr_array_unref (profile->marks);
  g_free (profile->child_out);
}

/* A task of the child, as it printed it. */
typedef struct
{
  guint64  id;
  char    *location;
  char    *name;
} ChildTask;

static void
child_task (Profile    *profile,
            const char *role,
            ChildTask  *task)
{
  g_auto(GStrv) lines = g_strsplit (profile->child_out, "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto(GStrv) words = g_strsplit (lines[i], " ", 4);

      if (g_strv_length (words) == 4 && g_str_equal (words[0], role))
        {
          task->id = g_ascii_strtoull (words[1], NULL, 10);
          task->location = g_strdup (words[2]);
          task->name = g_strdup (words[3]);
          g_assert_cmpuint (task->id, >, 0);
          return;
        }
    }
  g_error ("the child printed no line for its %s task", role);
}

static void
child_task_clear (ChildTask *task)
{
  g_free (task->location);
  g_free (task->name);
}

/* The marks named @name whose message is @message. */
static GPtrArray *
find_marks (Profile    *profile,
            const char *name,
            const char *message)
{
  GPtrArray *found = g_ptr_array_new ();

  for (guint i = 0; i < profile->marks->len; i++)
    {
      Mark *mark = profile->marks->pdata[i];

      if (g_str_equal (mark->name, name) && g_str_equal (mark->message, message))
        g_ptr_array_add (found, mark);
    }
  return found;
}

/* The one "task" mark of @task, checked against the run's bounds. */
static Mark *
task_mark (Profile   *profile,
           ChildTask *task,
           const char *name)
{
  g_autofree char *message = g_strdup_printf ("task %" G_GUINT64_FORMAT " %s (%s)", task->id,
                                              name, task->location);
  g_autoptr(GPtrArray) found = find_marks (profile, "task", message);
  Mark *mark;

  if (found->len != 1)
    g_error ("%u marks \"task\" with message \"%.200s\"", found->len, message);
  mark = found->pdata[0];
  g_assert_cmpint (mark->time, >=, profile->started);
  g_assert_cmpint (mark->duration, >=, 0);
  g_assert_cmpint (mark->time + mark->duration, <=, profile->ended);
  return mark;
}

static void
test_marks (void)
{
  Profile profile = { 0 };
  ChildTask main_task, consumer, producer, far, long_task;
  g_autofree char *long_cut = NULL;
  g_autofree char *message = NULL;
  g_autoptr(GPtrArray) found = NULL;
  Mark *mark, *life, *consumer_life, *far_life;
  guint n_task_marks = 0;

  profile_run (&profile, TRUE);
  if (g_test_failed ())
    {
      profile_clear (&profile);
      return;
    }
  child_task (&profile, "main", &main_task);
  child_task (&profile, "consumer", &consumer);
  child_task (&profile, "producer", &producer);
  child_task (&profile, "far", &far);
  child_task (&profile, "long", &long_task);

  /* Every thread that asked got a ring: the main thread (which asked first, at the
   * first proc), and the proc "other", whose marks come from its own thread. */
  g_assert_cmpuint (profile.n_requests, >=, 2);
  g_assert_cmpuint (profile.n_requests, ==, profile.ring_fds->len);

  for (guint i = 0; i < profile.marks->len; i++)
    {
      mark = profile.marks->pdata[i];
      g_test_message ("ring %u: %s/%s %" G_GINT64_FORMAT " ns: %.200s", mark->ring,
                      mark->group, mark->name, mark->duration, mark->message);
      g_assert_cmpstr (mark->group, ==, "task9");
      g_assert_cmpint (mark->pid, ==, profile.child_pid);
      g_assert_cmpint (mark->time, >=, profile.started);
      g_assert_cmpint (mark->duration, >=, 0);
      g_assert_cmpint (mark->time + mark->duration, <=, profile.ended);
      if (g_str_equal (mark->name, "task"))
        n_task_marks++;
    }

  /* The proc's thread ended its ring as it exited; the main thread never does. */
  g_assert_cmpuint (profile.n_end_frames, ==, profile.ring_fds->len - 1);

  /* One mark per task's life, each with the task's id, name and spawn location (the
   * main task of task9_main() has none); all five tasks ended before the process. */
  g_assert_nonnull (strstr (consumer.location, "test-sysprof.c:"));
  g_assert_cmpstr (main_task.location, ==, "-");
  task_mark (&profile, &main_task, main_task.name);
  consumer_life = task_mark (&profile, &consumer, "consumer");
  far_life = task_mark (&profile, &far, "far");
  life = task_mark (&profile, &producer, "producer");
  g_assert_cmpint (life->duration, >=, SLEEP_SPAN * 1000);

  /* A very long name is cut in the message, at a character boundary: the frame and
   * everything after it in the ring stay whole. */
  g_assert_cmpstr (long_task.name, ==, "-");
  long_cut = long_name_new ();
  long_cut[MAX_FIELD - 1] = '\0';
  g_assert_true (g_utf8_validate (long_cut, -1, NULL));
  task_mark (&profile, &long_task, long_cut);
  g_assert_cmpuint (n_task_marks, ==, 5);

  /* The producer's sleep: one mark named "sleep", at least its span long, within its
   * life. */
  message = g_strdup_printf ("task %" G_GUINT64_FORMAT " producer on -", producer.id);
  found = find_marks (&profile, "sleep", message);
  g_assert_cmpuint (found->len, ==, 1);
  mark = found->pdata[0];
  g_assert_cmpint (mark->duration, >=, (SLEEP_SPAN - PARK_SLACK) * 1000);
  g_assert_cmpint (mark->time, >=, life->time);
  g_assert_cmpint (mark->time + mark->duration, <=, life->time + life->duration);
  g_clear_pointer (&found, g_ptr_array_unref);
  g_clear_pointer (&message, g_free);

  /* The consumer's first receive waited for the producer's sleep: a "recv" mark naming
   * the channel. */
  message = g_strdup_printf ("task %" G_GUINT64_FORMAT " consumer on jobs", consumer.id);
  found = find_marks (&profile, "recv", message);
  g_assert_cmpuint (found->len, >=, 1);
  g_assert_cmpuint (found->len, <=, 2);
  mark = found->pdata[0];
  g_assert_cmpint (mark->duration, >=, SLEEP_SPAN * 1000 / 2);
  g_clear_pointer (&found, g_ptr_array_unref);
  g_clear_pointer (&message, g_free);

  /* The far task's sleep, and its life, come from another thread's ring. */
  message = g_strdup_printf ("task %" G_GUINT64_FORMAT " far on -", far.id);
  found = find_marks (&profile, "sleep", message);
  g_assert_cmpuint (found->len, ==, 1);
  mark = found->pdata[0];
  g_assert_cmpint (mark->duration, >=, (SLEEP_SPAN / 2 - PARK_SLACK) * 1000);
  g_assert_cmpuint (mark->ring, ==, far_life->ring);
  g_assert_cmpuint (far_life->ring, !=, consumer_life->ring);

  child_task_clear (&main_task);
  child_task_clear (&consumer);
  child_task_clear (&producer);
  child_task_clear (&far);
  child_task_clear (&long_task);
  profile_clear (&profile);
}

/* No collector: the child never asks for a ring, and runs as without a profiler. */
static void
test_no_collector (void)
{
  Profile profile = { 0 };

  profile_run (&profile, FALSE);
  g_assert_cmpuint (profile.n_requests, ==, 0);
  g_assert_nonnull (strstr (profile.child_out, "consumer "));
  profile_clear (&profile);
}

/* A collector that refuses the first ring: sysprof_collector_is_active() is FALSE when
 * the library asks (at its first proc), so no thread ever sends a mark, though every
 * later request of a ring would be granted. */
static void
test_inactive (void)
{
  Profile profile = { .n_refused = 1 };

  profile_run (&profile, TRUE);
  g_assert_cmpuint (profile.n_requests, ==, 1);
  g_assert_cmpuint (profile.ring_fds->len, ==, 0);
  g_assert_cmpuint (profile.marks->len, ==, 0);
  g_assert_nonnull (strstr (profile.child_out, "consumer "));
  profile_clear (&profile);
}

int
main (int    argc,
      char **argv)
{
  if (argc == 2 && g_str_equal (argv[1], "--child"))
    return task9_main (argc, argv, child_main);

  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/sysprof/marks", test_marks);
  g_test_add_func ("/sysprof/no-collector", test_no_collector);
  g_test_add_func ("/sysprof/inactive", test_inactive);
  return g_test_run ();
}
