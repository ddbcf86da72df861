/* hash-files.c: doc/gtk.md's C application. A GTK 4 window with one row per file
 * given on the command line; each job hashes its file in a task that streams its
 * progress over a channel into a progress bar, a Cancel button cancels that task, and
 * a clock ticking every 100 ms shows that the window stays responsive meanwhile.
 *
 *   task9-gtk-hash-files FILE...
 *   task9-gtk-hash-files --drive [--cancel=N] [--screenshot=PNG] FILE...
 *
 * --drive runs the jobs through the app's own actions (start-all, then cancel job N
 * once it has made progress), checks the end state, saves a screenshot, prints a
 * report and quits: examples/gtk/test-gtk-app.py runs it under Xvfb.
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <gtk/gtk.h>
#include <task9.h>

#define CHUNK (1 << 20)
#define TICK  (100 * G_TIME_SPAN_MILLISECOND)

typedef struct
{
  GFile        *file;
  GtkWidget    *bar, *status, *start, *cancel;
  Task9Task    *hasher;     /* the job: reads and hashes the file, sends progress */
  Task9Task    *view;       /* moves the bar as progress comes, then shows the end */
  Task9Channel *progress;   /* gdouble fractions, hasher -> view */
  char         *digest;     /* the hasher's result */
  gboolean      cancelled;
} Job;

static GtkApplication *app;
static GtkWidget *clock_label;
static GPtrArray *jobs;              /* of Job */
static guint n_running;
static gint64 max_lateness;          /* of the clock's ticks while jobs ran, in µs */
static guint n_ticks;                /* ticks received while jobs ran */
static Task9Channel *ticker;
static gboolean drive_mode;
static int cancel_index = 1;
static char *screenshot_path;
static int exit_status;

/* ---- the hashing, on the worker pool ---- */

/* The state one job's chunks share. The hasher hands it to one worker at a time; a
 * reference keeps it alive for a worker still running after its hasher gave up. */
typedef struct
{
  gatomicrefcount ref;
  GFile          *file;
  GInputStream   *in;
  GChecksum      *checksum;
  guchar          buf[CHUNK];
} HashState;

static HashState *
hash_state_ref (HashState *hs)
{
  g_atomic_ref_count_inc (&hs->ref);
  return hs;
}

static void
hash_state_unref (gpointer data)
{
  HashState *hs = data;

  if (!g_atomic_ref_count_dec (&hs->ref))
    return;
  g_clear_object (&hs->in);
  g_object_unref (hs->file);
  g_checksum_free (hs->checksum);
  g_free (hs);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HashState, hash_state_unref)

/* Runs on a worker thread, never in a task: reads and hashes one chunk, returns its
 * length (NULL at the end of the file, or with @error set). */
static gpointer
hash_chunk (gpointer data, GCancellable *cancellable, GError **error)
{
  HashState *hs = data;
  gssize n;

  if (hs->in == NULL && (hs->in = G_INPUT_STREAM (g_file_read (hs->file, cancellable, error))) == NULL)
    return NULL;
  n = g_input_stream_read (hs->in, hs->buf, CHUNK, cancellable, error);
  if (n <= 0)
    return NULL;
  g_checksum_update (hs->checksum, hs->buf, n);
  return GSIZE_TO_POINTER (n);
}

/* ---- one job: two tasks on the main proc (GTK's thread) ---- */

static gboolean
hash_file (Job *job, GError **error)
{
  g_autoptr(HashState) hs = g_new0 (HashState, 1);
  g_autoptr(Task9AsyncCall) call = task9_async_call_new (NULL);
  g_autoptr(GFileInfo) info = NULL;
  GAsyncResult *result;
  goffset size, done = 0;

  g_atomic_ref_count_init (&hs->ref);
  hs->file = g_object_ref (job->file);
  hs->checksum = g_checksum_new (G_CHECKSUM_SHA256);

  /* The size, from GIO's async API in straight-line code (the GIO bridge). */
  g_file_query_info_async (job->file, G_FILE_ATTRIBUTE_STANDARD_SIZE, G_FILE_QUERY_INFO_NONE,
                           G_PRIORITY_DEFAULT, task9_async_call_get_cancellable (call),
                           task9_async_call_callback, task9_async_call_begin (call));
  result = task9_async_call_wait (call, -1, error);
  if (result == NULL || (info = g_file_query_info_finish (job->file, result, error)) == NULL)
    return FALSE;
  size = MAX (g_file_info_get_size (info), 1);

  /* The chunks, on the worker pool: this task waits, the proc draws the window. */
  for (;;)
    {
      GError *local = NULL;
      gsize n = GPOINTER_TO_SIZE (task9_run_in_thread (hash_chunk, hash_state_ref (hs),
                                                       hash_state_unref, NULL, -1, NULL,
                                                       &local));
      gdouble fraction;

      if (local != NULL)
        {
          g_propagate_error (error, local);
          return FALSE;
        }
      if (n == 0)
        break;
      done += n;
      fraction = MIN ((gdouble) done / size, 1.0);
      if (!task9_channel_send (job->progress, &fraction, error))
        return FALSE;
    }
  job->digest = g_strdup (g_checksum_get_string (hs->checksum));
  return TRUE;
}

/* The job's task. Cancelled, its current wait fails and it ends. */
static gpointer
hasher (gpointer data, GError **error)
{
  Job *job = data;
  gboolean ok = hash_file (job, error);

  task9_channel_close (job->progress);   /* the view's receives end */
  return ok ? job->digest : NULL;
}

/* Shows the job's progress as it comes, then how it ended. */
static gpointer
view (gpointer data, GError **error)
{
  Job *job = data;
  g_autoptr(GError) failure = NULL;
  gdouble fraction;

  while (task9_channel_recv (job->progress, &fraction, NULL))
    gtk_progress_bar_set_fraction (GTK_PROGRESS_BAR (job->bar), fraction);

  if (task9_task_join (job->hasher, -1, &failure) != NULL)
    {
      g_autofree char *text = g_strdup_printf ("sha256 %.16s…", job->digest);
      gtk_label_set_text (GTK_LABEL (job->status), text);
    }
  else
    {
      job->cancelled = g_error_matches (failure, G_IO_ERROR, G_IO_ERROR_CANCELLED);
      gtk_label_set_text (GTK_LABEL (job->status),
                          job->cancelled ? "cancelled" : failure->message);
    }
  gtk_widget_set_sensitive (job->cancel, FALSE);
  gtk_widget_set_sensitive (job->start, TRUE);
  n_running--;
  return NULL;
}

static void
job_start (Job *job)
{
  if (job->hasher != NULL && !task9_task_is_finished (job->view))
    return;   /* running */
  g_clear_pointer (&job->hasher, task9_task_unref);
  g_clear_pointer (&job->view, task9_task_unref);
  g_clear_object (&job->progress);
  g_clear_pointer (&job->digest, g_free);
  job->cancelled = FALSE;

  job->progress = task9_channel_new (sizeof (gdouble), 1);
  job->hasher = task9_task_spawn ("hash", hasher, job, NULL, NULL);
  job->view = task9_task_spawn ("view", view, job, NULL, NULL);
  g_assert (job->hasher != NULL && job->view != NULL);
  n_running++;
  gtk_progress_bar_set_fraction (GTK_PROGRESS_BAR (job->bar), 0);
  gtk_label_set_text (GTK_LABEL (job->status), "hashing");
  gtk_widget_set_sensitive (job->cancel, TRUE);
  gtk_widget_set_sensitive (job->start, FALSE);
}

/* ---- the clock: a ticker channel, and how late each tick is shown ---- */

static gpointer
clock_task (gpointer data, GError **error)
{
  gint64 start = g_get_monotonic_time (), fired;
  guint64 k = 0, dropped = 0;

  ticker = task9_channel_new_ticker (TICK);
  while (task9_channel_recv (ticker, &fired, NULL))
    {
      g_autoptr(GDateTime) now = g_date_time_new_now_local ();
      g_autofree char *text = g_date_time_format (now, "%H:%M:%S");
      g_autofree char *clock = g_strdup_printf ("%s.%d", text,
                                                g_date_time_get_microsecond (now) / 100000);
      guint64 d = task9_channel_get_dropped (ticker);

      /* This is tick k: the ones the ticker dropped since the last are skipped. */
      k += 1 + (d - dropped);
      dropped = d;
      gtk_label_set_text (GTK_LABEL (clock_label), clock);
      if (n_running > 0)
        {
          max_lateness = MAX (max_lateness, g_get_monotonic_time () - (start + (gint64) k * TICK));
          n_ticks++;
        }
    }
  g_clear_object (&ticker);
  return NULL;
}

/* ---- actions ---- */

static Job *
job_from (GVariant *parameter)
{
  guint i = g_variant_get_uint32 (parameter);

  return i < jobs->len ? g_ptr_array_index (jobs, i) : NULL;
}

static void
start_activated (GSimpleAction *action, GVariant *parameter, gpointer data)
{
  Job *job = job_from (parameter);

  if (job != NULL)
    job_start (job);
}

static void
start_all_activated (GSimpleAction *action, GVariant *parameter, gpointer data)
{
  for (guint i = 0; i < jobs->len; i++)
    job_start (g_ptr_array_index (jobs, i));
}

static void
cancel_activated (GSimpleAction *action, GVariant *parameter, gpointer data)
{
  Job *job = job_from (parameter);

  if (job != NULL && job->hasher != NULL)
    task9_task_cancel (job->hasher);
}

static const GActionEntry actions[] = {
  { .name = "start", .activate = start_activated, .parameter_type = "u" },
  { .name = "start-all", .activate = start_all_activated },
  { .name = "cancel", .activate = cancel_activated, .parameter_type = "u" },
};

/* ---- --drive: the test's script, through the same actions ---- */

static gboolean
save_screenshot (GtkWidget *window, const char *path)
{
  int w = gtk_widget_get_width (window), h = gtk_widget_get_height (window);
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (window);
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;

  gdk_paintable_snapshot (paintable, snapshot, w, h);
  node = gtk_snapshot_free_to_node (snapshot);
  if (node == NULL)
    return FALSE;
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (GTK_NATIVE (window)), node,
                                         &GRAPHENE_RECT_INIT (0, 0, w, h));
  return gdk_texture_save_to_png (texture, path);
}

static gboolean
drive_script (GtkWidget *window, GError **error)
{
  GdkFrameClock *frames = gtk_widget_get_frame_clock (window);
  g_autoptr(Task9Emission) painted = NULL, moved = NULL;
  g_autoptr(GPtrArray) tasks = NULL;
  Job *victim = g_ptr_array_index (jobs, cancel_index);
  g_autoptr(Task9Task) clock = task9_task_spawn ("clock", clock_task, NULL, NULL, NULL);
  guint left = 0;

  /* Start every job once the window is on screen; cancel one once its bar moved. */
  if ((painted = task9_object_wait_signal (frames, "after-paint", 10 * G_TIME_SPAN_SECOND,
                                           NULL, error)) == NULL)
    return FALSE;
  g_action_group_activate_action (G_ACTION_GROUP (app), "start-all", NULL);
  if ((moved = task9_object_wait_signal (victim->bar, "notify::fraction",
                                         10 * G_TIME_SPAN_SECOND, NULL, error)) == NULL)
    return FALSE;
  g_action_group_activate_action (G_ACTION_GROUP (app), "cancel",
                                  g_variant_new_uint32 (cancel_index));

  for (guint i = 0; i < jobs->len; i++)
    {
      Job *job = g_ptr_array_index (jobs, i);

      task9_task_join (job->view, -1, NULL);
      g_print ("job %u %s: %s\n", i, g_file_peek_path (job->file),
               job->digest != NULL ? job->digest : job->cancelled ? "cancelled" : "failed");
      if (job->digest == NULL && !(job == victim && job->cancelled))
        exit_status = 1;
    }
  g_print ("clock: %u ticks while jobs ran, max lateness %.1f ms, %" G_GUINT64_FORMAT
           " dropped\n", n_ticks, max_lateness / 1000.0, task9_channel_get_dropped (ticker));

  /* Stop the clock: then no task but this one is left. */
  task9_channel_close (ticker);
  task9_task_join (clock, -1, NULL);
  tasks = task9_task_list_all ();
  for (guint i = 0; i < tasks->len; i++)
    if (g_ptr_array_index (tasks, i) != task9_task_self ()
        && !task9_task_is_finished (g_ptr_array_index (tasks, i)))
      left++;
  g_print ("tasks left: %u\n", left);
  if (left != 0 || n_running != 0)
    exit_status = 1;

  if (screenshot_path != NULL)
    {
      gtk_widget_queue_draw (window);
      g_clear_object (&painted);
      painted = task9_object_wait_signal (frames, "after-paint", 10 * G_TIME_SPAN_SECOND,
                                          NULL, error);
      if (painted == NULL || !save_screenshot (window, screenshot_path))
        return FALSE;
      g_print ("screenshot: %s\n", screenshot_path);
    }
  return TRUE;
}

static gpointer
drive (gpointer data, GError **error)
{
  g_autoptr(GError) failure = NULL;

  if (!drive_script (data, &failure))
    {
      g_printerr ("--drive: %s\n", failure != NULL ? failure->message : "no screenshot");
      exit_status = 1;
    }
  g_application_quit (G_APPLICATION (app));
  return NULL;
}

/* ---- the window ---- */

static void
job_free (gpointer data)
{
  Job *job = data;

  g_clear_pointer (&job->hasher, task9_task_unref);
  g_clear_pointer (&job->view, task9_task_unref);
  g_clear_object (&job->progress);
  g_clear_object (&job->file);
  g_free (job->digest);
  g_free (job);
}

static GtkWidget *
button_new (const char *label, const char *action, guint i)
{
  GtkWidget *button = gtk_button_new_with_label (label);

  gtk_actionable_set_action_name (GTK_ACTIONABLE (button), action);
  gtk_actionable_set_action_target (GTK_ACTIONABLE (button), "u", i);
  return button;
}

static void
open_files (GApplication *application, GFile **files, int n_files, const char *hint,
            gpointer data)
{
  GtkWidget *window = gtk_application_window_new (app);
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
  GtkWidget *top = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *grid = gtk_grid_new ();
  GtkWidget *all = gtk_button_new_with_label ("Hash all");

  jobs = g_ptr_array_new_with_free_func (job_free);
  clock_label = gtk_label_new ("--:--:--.-");
  gtk_widget_add_css_class (clock_label, "monospace");
  gtk_widget_set_hexpand (clock_label, TRUE);
  gtk_widget_set_halign (clock_label, GTK_ALIGN_START);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (all), "app.start-all");
  gtk_box_append (GTK_BOX (top), clock_label);
  gtk_box_append (GTK_BOX (top), all);
  gtk_grid_set_row_spacing (GTK_GRID (grid), 6);
  gtk_grid_set_column_spacing (GTK_GRID (grid), 12);

  for (int i = 0; i < n_files; i++)
    {
      Job *job = g_new0 (Job, 1);
      g_autofree char *name = g_file_get_basename (files[i]);

      job->file = g_object_ref (files[i]);
      job->bar = gtk_progress_bar_new ();
      job->status = gtk_label_new ("");
      job->start = button_new ("Hash", "app.start", i);
      job->cancel = button_new ("Cancel", "app.cancel", i);
      gtk_progress_bar_set_show_text (GTK_PROGRESS_BAR (job->bar), TRUE);
      gtk_widget_set_hexpand (job->bar, TRUE);
      gtk_widget_set_valign (job->bar, GTK_ALIGN_CENTER);
      gtk_label_set_width_chars (GTK_LABEL (job->status), 26);
      gtk_label_set_xalign (GTK_LABEL (job->status), 0);
      gtk_widget_set_sensitive (job->cancel, FALSE);
      gtk_grid_attach (GTK_GRID (grid), gtk_label_new (name), 0, i, 1, 1);
      gtk_grid_attach (GTK_GRID (grid), job->bar, 1, i, 1, 1);
      gtk_grid_attach (GTK_GRID (grid), job->status, 2, i, 1, 1);
      gtk_grid_attach (GTK_GRID (grid), job->start, 3, i, 1, 1);
      gtk_grid_attach (GTK_GRID (grid), job->cancel, 4, i, 1, 1);
      g_ptr_array_add (jobs, job);
    }

  gtk_box_append (GTK_BOX (box), top);
  gtk_box_append (GTK_BOX (box), grid);
  if (n_files == 0)
    gtk_box_append (GTK_BOX (box), gtk_label_new ("Give the files to hash on the command line."));
  gtk_widget_set_margin_top (box, 12);
  gtk_widget_set_margin_bottom (box, 12);
  gtk_widget_set_margin_start (box, 12);
  gtk_widget_set_margin_end (box, 12);
  gtk_window_set_child (GTK_WINDOW (window), box);
  gtk_window_set_title (GTK_WINDOW (window), "Hash files");
  gtk_window_set_default_size (GTK_WINDOW (window), 720, -1);
  gtk_window_present (GTK_WINDOW (window));

  if (!drive_mode)
    {
      g_autoptr(Task9Task) clock = task9_task_spawn ("clock", clock_task, NULL, NULL, NULL);
    }
  else if (cancel_index >= 0 && cancel_index < n_files)
    {
      g_autoptr(Task9Task) driver = task9_task_spawn ("drive", drive, window, NULL, NULL);
    }
  else
    {
      g_printerr ("--drive: job %d to cancel, but %d files\n", cancel_index, n_files);
      exit_status = 2;
      g_application_quit (application);
    }
}

static void
activate (GApplication *application, gpointer data)
{
  open_files (application, NULL, 0, NULL, NULL);
}

int
main (int argc, char **argv)
{
  const GOptionEntry options[] = {
    { "drive", 0, 0, G_OPTION_ARG_NONE, &drive_mode, "Run the test's script and quit", NULL },
    { "cancel", 0, 0, G_OPTION_ARG_INT, &cancel_index, "The job --drive cancels", "N" },
    { "screenshot", 0, 0, G_OPTION_ARG_FILENAME, &screenshot_path, "Where --drive saves the window", "PNG" },
    { NULL },
  };
  int status;

  app = gtk_application_new ("org.task9.HashFiles",
                             G_APPLICATION_HANDLES_OPEN | G_APPLICATION_NON_UNIQUE);
  g_application_add_main_option_entries (G_APPLICATION (app), options);
  g_action_map_add_action_entries (G_ACTION_MAP (app), actions, G_N_ELEMENTS (actions), NULL);
  g_signal_connect (app, "activate", G_CALLBACK (activate), NULL);
  g_signal_connect (app, "open", G_CALLBACK (open_files), NULL);
  status = g_application_run (G_APPLICATION (app), argc, argv);
  g_clear_pointer (&jobs, g_ptr_array_unref);
  g_object_unref (app);
  g_free (screenshot_path);
  return status != 0 ? status : exit_status;
}
