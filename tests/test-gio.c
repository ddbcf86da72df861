/* test-gio.c: the GIO bridge (Task9AsyncCall): any _async call awaited from a task
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Real GIO calls made from tasks through the bridge: files, sockets, subprocesses and
 * D-Bus on a private bus started for the test (skipped without dbus-daemon). Then the
 * rules: a wait that times out or is cancelled cancels the GIO call and still waits for
 * its callback (a "fake" call, a GTask the test completes by hand, shows that the task
 * stays parked until then, even when cancelled again), a call that succeeded all the
 * same is returned, the callback is safe from another thread and before the wait, the
 * channel form works as an alt arm, dropping a call in flight cancels it, and under
 * task9_main() a task waiting on a GIO call is never a deadlock (in child processes, as
 * in test-main.c). Nothing sleeps to wait for something: the only timeouts are the
 * ones under test.
 */

#include <signal.h>
#include <string.h>
#include <unistd.h>
#ifdef __linux__
# include <sys/prctl.h>
#endif

#include "test-util.h"

#define FILE_CONTENTS "libtask9 bridges GIO\n"

/* A temporary file holding FILE_CONTENTS; g_free() the path after unlink(). */
static char *
test_file_new (void)
{
  GError *error = NULL;
  char *path = NULL;
  int fd = g_file_open_tmp ("test-gio-XXXXXX", &path, &error);

  g_assert_no_error (error);
  close (fd);
  g_assert_true (g_file_set_contents (path, FILE_CONTENTS, -1, &error));
  g_assert_no_error (error);
  return path;
}

/* What a task that loads a file through the bridge saw. */
typedef struct
{
  const char *path;
  char       *contents;
  GThread    *callback_thread;   /* where the GIO callback ran ... */
  gboolean    callback_in_task;  /* ... and whether on a task's stack */
  GThread    *task_thread;
} LoadJob;

/* The GIO callback, watched on its way to the bridge's. */
static void
watched_callback (GObject      *source,
                  GAsyncResult *result,
                  gpointer      data)
{
  LoadJob *job = g_object_get_data (source, "test-job");

  job->callback_thread = g_thread_self ();
  job->callback_in_task = task9_in_task ();
  task9_async_call_callback (source, result, data);
}

static gpointer
load_task (gpointer data, GError **error)
{
  LoadJob *job = data;
  g_autoptr(GFile) file = g_file_new_for_path (job->path);
  g_autoptr(Task9AsyncCall) call = task9_async_call_new (NULL);
  GAsyncResult *result;
  gsize length = 0;

  job->task_thread = g_thread_self ();
  g_object_set_data (G_OBJECT (file), "test-job", job);
  g_file_load_contents_async (file, task9_async_call_get_cancellable (call),
                              watched_callback, task9_async_call_begin (call));
  result = task9_async_call_wait (call, -1, error);
  if (result == NULL ||
      !g_file_load_contents_finish (file, result, &job->contents, &length, NULL, error))
    return NULL;
  g_assert_cmpuint (length, ==, strlen (FILE_CONTENTS));
  return job;
}

/* A file loaded in a task; GIO called back on the task's proc thread, from its main
 * loop, not on a task's stack. */
static void
test_gio_file_load (void)
{
  char *path = test_file_new ();
  LoadJob job = { path, };

  g_assert_true (run_in_task_ok (load_task, &job) == &job);
  g_assert_cmpstr (job.contents, ==, FILE_CONTENTS);
  g_assert_true (job.callback_thread == job.task_thread);
  g_assert_false (job.callback_in_task);
  g_free (job.contents);
  unlink (path);
  g_free (path);
}

/* A file that is not there: the _finish function reports GIO's own error. */
static gpointer
load_missing_task (gpointer data, GError **error)
{
  g_autoptr(GFile) file = g_file_new_for_path ("/nonexistent/test-gio");
  g_autoptr(Task9AsyncCall) call = task9_async_call_new (NULL);
  g_autoptr(GError) local = NULL;
  g_autofree char *contents = NULL;
  GAsyncResult *result;

  g_file_load_contents_async (file, task9_async_call_get_cancellable (call),
                              task9_async_call_callback, task9_async_call_begin (call));
  result = task9_async_call_wait (call, -1, error);
  g_assert_nonnull (result);
  g_assert_false (g_file_load_contents_finish (file, result, &contents, NULL, NULL, &local));
  g_assert_error (local, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  return NULL;
}

TEST_IN_TASK (test_gio_file_missing, load_missing_task)

/* Joins @task, which must fail, and returns its error's code in @domain (-2: another
 * domain); drops the reference. Unlike test_join_error_code(), for tasks whose expected
 * error is G_IO_ERROR_TIMED_OUT. */
static gint
join_error_code (Task9Task *task,
                 GQuark     domain)
{
  GError *error = NULL;
  gint code;

  g_assert_null (task9_task_join (task, -1, &error));
  g_assert_nonnull (error);
  code = error->domain == domain ? error->code : -2;
  if (code == -2)
    g_test_message ("unexpected error: %s", error->message);
  g_error_free (error);
  task9_task_unref (task);
  return code;
}

/* ---- sockets ----------------------------------------------------------------------- */

/* Each helper makes one GIO call through the bridge. */
static GSocketConnection *
await_accept (GSocketListener *listener,
              GTimeSpan        timeout,
              GError         **error)
{
  g_autoptr(Task9AsyncCall) call = task9_async_call_new (NULL);
  GAsyncResult *result;

  g_socket_listener_accept_async (listener, task9_async_call_get_cancellable (call),
                                  task9_async_call_callback, task9_async_call_begin (call));
  result = task9_async_call_wait (call, timeout, error);
  return result != NULL ? g_socket_listener_accept_finish (listener, result, NULL, error)
                        : NULL;
}

static gssize
await_read (GIOStream  *stream,
            char       *buffer,
            gsize       size,
            GError    **error)
{
  GInputStream *in = g_io_stream_get_input_stream (stream);
  g_autoptr(Task9AsyncCall) call = task9_async_call_new (NULL);
  GAsyncResult *result;

  g_input_stream_read_async (in, buffer, size, G_PRIORITY_DEFAULT,
                             task9_async_call_get_cancellable (call),
                             task9_async_call_callback, task9_async_call_begin (call));
  result = task9_async_call_wait (call, -1, error);
  return result != NULL ? g_input_stream_read_finish (in, result, error) : -1;
}

static gboolean
await_write_all (GIOStream   *stream,
                 const char  *data,
                 GError     **error)
{
  GOutputStream *out = g_io_stream_get_output_stream (stream);
  g_autoptr(Task9AsyncCall) call = task9_async_call_new (NULL);
  GAsyncResult *result;

  g_output_stream_write_all_async (out, data, strlen (data), G_PRIORITY_DEFAULT,
                                   task9_async_call_get_cancellable (call),
                                   task9_async_call_callback, task9_async_call_begin (call));
  result = task9_async_call_wait (call, -1, error);
  return result != NULL && g_output_stream_write_all_finish (out, result, NULL, error);
}

static gboolean
await_close (GIOStream  *stream,
             GError    **error)
{
  g_autoptr(Task9AsyncCall) call = task9_async_call_new (NULL);
  GAsyncResult *result;

  g_io_stream_close_async (stream, G_PRIORITY_DEFAULT, task9_async_call_get_cancellable (call),
                           task9_async_call_callback, task9_async_call_begin (call));
  result = task9_async_call_wait (call, -1, error);
  return result != NULL && g_io_stream_close_finish (stream, result, error);
}

/* Reads until @n bytes have come, into @buffer (NUL-terminated). */
static gboolean
await_read_n (GIOStream  *stream,
              char       *buffer,
              gsize       n,
              GError    **error)
{
  gsize got = 0;

  while (got < n)
    {
      gssize r = await_read (stream, buffer + got, n - got, error);

      if (r <= 0)
        return FALSE;
      got += r;
    }
  buffer[got] = '\0';
  return TRUE;
}

/* A listener on 127.0.0.1 and an ephemeral port, whose address goes to @address. */
static GSocketListener *
listener_new (GSocketAddress **address)
{
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new_from_string ("127.0.0.1", 0);
  GSocketListener *listener = g_socket_listener_new ();
  GError *error = NULL;

  g_assert_true (g_socket_listener_add_address (listener, any, G_SOCKET_TYPE_STREAM,
                                                G_SOCKET_PROTOCOL_TCP, NULL, address, &error));
  g_assert_no_error (error);
  return listener;
}

typedef struct
{
  GSocketListener *listener;
  GSocketAddress  *address;
} SocketTest;

/* Accepts one client, answers its "ping" with "pong". */
static gpointer
echo_server_task (gpointer data, GError **error)
{
  SocketTest *t = data;
  g_autoptr(GSocketConnection) connection = await_accept (t->listener, -1, error);
  char buffer[8];

  if (connection == NULL || !await_read_n (G_IO_STREAM (connection), buffer, 4, error))
    return NULL;
  g_assert_cmpstr (buffer, ==, "ping");
  if (!await_write_all (G_IO_STREAM (connection), "pong", error) ||
      !await_close (G_IO_STREAM (connection), error))
    return NULL;
  return t;
}

static gpointer
echo_client_task (gpointer data, GError **error)
{
  SocketTest *t = data;
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(Task9AsyncCall) call = task9_async_call_new (NULL);
  g_autoptr(GSocketConnection) connection = NULL;
  GAsyncResult *result;
  char buffer[8];

  g_socket_client_set_enable_proxy (client, FALSE);   /* no proxy resolver, no modules */
  g_socket_client_connect_async (client, G_SOCKET_CONNECTABLE (t->address),
                                 task9_async_call_get_cancellable (call),
                                 task9_async_call_callback, task9_async_call_begin (call));
  result = task9_async_call_wait (call, -1, error);
  if (result == NULL)
    return NULL;
  connection = g_socket_client_connect_finish (client, result, error);
  if (connection == NULL || !await_write_all (G_IO_STREAM (connection), "ping", error) ||
      !await_read_n (G_IO_STREAM (connection), buffer, 4, error))
    return NULL;
  g_assert_cmpstr (buffer, ==, "pong");
  if (!await_close (G_IO_STREAM (connection), error))
    return NULL;
  return t;
}

/* Server and client, each a task on a proc of its own, talk over 127.0.0.1. */
static gpointer
echo_body (gpointer data, GError **error)
{
  SocketTest t;
  Task9Proc *other = test_proc_new ("client-proc");
  Task9Task *server, *client;

  t.listener = listener_new (&t.address);
  server = test_spawn ("server", echo_server_task, &t);
  client = test_spawn_on (other, "client", echo_client_task, &t);
  g_assert_true (test_join_ok (client) == &t);
  g_assert_true (test_join_ok (server) == &t);
  g_socket_listener_close (t.listener);
  g_object_unref (t.listener);
  g_object_unref (t.address);
  test_proc_finish (other);
  return NULL;
}

TEST_IN_TASK (test_gio_socket_echo, echo_body)

/* An accept that no client ends times out; the GIO call was cancelled and had called
 * back before the wait returned: its channel holds the result at once. */
static gpointer
accept_timeout_body (gpointer data, GError **error)
{
  g_autoptr(GSocketAddress) address = NULL;
  g_autoptr(GSocketListener) listener = listener_new (&address);
  g_autoptr(Task9AsyncCall) call = task9_async_call_new (NULL);
  g_autoptr(GError) local = NULL;
  GValue value = G_VALUE_INIT;
  gint64 start = g_get_monotonic_time ();

  g_socket_listener_accept_async (listener, task9_async_call_get_cancellable (call),
                                  task9_async_call_callback, task9_async_call_begin (call));
  g_assert_null (task9_async_call_wait (call, 50 * G_TIME_SPAN_MILLISECOND, &local));
  g_assert_error (local, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  g_clear_error (&local);
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 50 * G_TIME_SPAN_MILLISECOND);
  g_assert_true (g_cancellable_is_cancelled (task9_async_call_get_cancellable (call)));

  g_assert_true (task9_channel_try_recv_value (task9_async_call_get_channel (call), &value,
                                               &local));
  g_assert_no_error (local);
  g_assert_null (g_socket_listener_accept_finish (listener, g_value_get_object (&value),
                                                  NULL, &local));
  g_assert_error (local, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_value_unset (&value);
  g_socket_listener_close (listener);
  return NULL;
}

TEST_IN_TASK (test_gio_socket_accept_timeout, accept_timeout_body)

/* ---- subprocesses ------------------------------------------------------------------- */

static gboolean
await_wait_check (const char  *program,
                  GError     **error)
{
  g_autoptr(GSubprocess) process = g_subprocess_new (G_SUBPROCESS_FLAGS_NONE, error, program, NULL);
  g_autoptr(Task9AsyncCall) call = task9_async_call_new (NULL);
  GAsyncResult *result;

  if (process == NULL)
    return FALSE;
  g_subprocess_wait_check_async (process, task9_async_call_get_cancellable (call),
                                 task9_async_call_callback, task9_async_call_begin (call));
  result = task9_async_call_wait (call, -1, error);
  return result != NULL && g_subprocess_wait_check_finish (process, result, error);
}

static gpointer
wait_check_body (gpointer data, GError **error)
{
  g_autoptr(GError) local = NULL;

  g_assert_true (await_wait_check ("true", &local));
  g_assert_no_error (local);
  g_assert_false (await_wait_check ("false", &local));
  g_assert_error (local, G_SPAWN_EXIT_ERROR, 1);
  return NULL;
}

TEST_IN_TASK (test_gio_subprocess_wait_check, wait_check_body)

static gpointer
communicate_body (gpointer data, GError **error)
{
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(Task9AsyncCall) call = task9_async_call_new (NULL);
  g_autofree char *out = NULL;
  GAsyncResult *result;

  process = g_subprocess_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE,
                              error, "cat", NULL);
  g_assert_nonnull (process);
  g_subprocess_communicate_utf8_async (process, "through cat and back",
                                       task9_async_call_get_cancellable (call),
                                       task9_async_call_callback, task9_async_call_begin (call));
  result = task9_async_call_wait (call, -1, error);
  g_assert_nonnull (result);
  g_assert_true (g_subprocess_communicate_utf8_finish (process, result, &out, NULL, error));
  g_assert_cmpstr (out, ==, "through cat and back");
  return NULL;
}

TEST_IN_TASK (test_gio_subprocess_communicate, communicate_body)

/* ---- D-Bus on a private bus ------------------------------------------------------- */

static const char bus_config[] =
  "<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN\"\n"
  " \"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd\">\n"
  "<busconfig>\n"
  "  <type>session</type>\n"
  "  <listen>unix:path=%s/bus</listen>\n"
  "  <auth>EXTERNAL</auth>\n"
  "  <policy context=\"default\">\n"
  "    <allow send_destination=\"*\" eavesdrop=\"true\"/>\n"
  "    <allow eavesdrop=\"true\"/>\n"
  "    <allow own=\"*\"/>\n"
  "  </policy>\n"
  "</busconfig>\n";

/* The bus, started by the first D-Bus test and stopped at the end of main(). */
static struct
{
  GSubprocess *daemon;
  char        *dir;
  char        *config;
  char        *address;
} bus;

#ifdef __linux__
static void
bus_child_setup (gpointer data)
{
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}
#endif

/* The private bus's address, or NULL (and the test is skipped) without dbus-daemon. */
static const char *
bus_address (void)
{
  g_autofree char *program = g_find_program_in_path ("dbus-daemon");
  g_autofree char *config = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  GError *error = NULL;

  if (bus.address != NULL)
    return bus.address;
  if (program == NULL)
    {
      g_test_skip ("dbus-daemon is not installed (Debian: apt-get install dbus-daemon)");
      return NULL;
    }

  bus.dir = g_dir_make_tmp ("test-gio-bus-XXXXXX", &error);
  g_assert_no_error (error);
  bus.config = g_build_filename (bus.dir, "bus.conf", NULL);
  config = g_strdup_printf (bus_config, bus.dir);
  g_assert_true (g_file_set_contents (bus.config, config, -1, &error));
  g_assert_no_error (error);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                        G_SUBPROCESS_FLAGS_STDERR_SILENCE);
#ifdef __linux__
  /* A test that crashes takes its bus with it. */
  g_subprocess_launcher_set_child_setup (launcher, bus_child_setup, NULL, NULL);
#endif
  bus.daemon = g_subprocess_launcher_spawn (launcher, &error, program,
                                            "--config-file", bus.config, "--nofork",
                                            "--print-address", NULL);
  g_assert_no_error (error);
  /* It prints the address once it listens: this thread is no proc's and may block. */
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (bus.daemon));
  bus.address = g_data_input_stream_read_line (out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (bus.address);
  return bus.address;
}

static void
bus_stop (void)
{
  g_autofree char *socket = NULL;

  if (bus.daemon == NULL)
    return;
  g_subprocess_force_exit (bus.daemon);
  g_subprocess_wait (bus.daemon, NULL, NULL);
  g_clear_object (&bus.daemon);
  socket = g_build_filename (bus.dir, "bus", NULL);
  unlink (socket);
  unlink (bus.config);
  rmdir (bus.dir);
  g_clear_pointer (&bus.config, g_free);
  g_clear_pointer (&bus.dir, g_free);
  g_clear_pointer (&bus.address, g_free);
}

static GDBusConnection *
await_bus_connection (const char  *address,
                      GError     **error)
{
  g_autoptr(Task9AsyncCall) call = task9_async_call_new (NULL);
  GAsyncResult *result;

  g_dbus_connection_new_for_address (address,
                                     G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                     G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                     NULL, task9_async_call_get_cancellable (call),
                                     task9_async_call_callback, task9_async_call_begin (call));
  result = task9_async_call_wait (call, -1, error);
  return result != NULL ? g_dbus_connection_new_for_address_finish (result, error) : NULL;
}

static gboolean
await_bus_close (GDBusConnection  *connection,
                 GError          **error)
{
  g_autoptr(Task9AsyncCall) call = task9_async_call_new (NULL);
  GAsyncResult *result;

  g_dbus_connection_close (connection, task9_async_call_get_cancellable (call),
                           task9_async_call_callback, task9_async_call_begin (call));
  result = task9_async_call_wait (call, -1, error);
  return result != NULL && g_dbus_connection_close_finish (connection, result, error);
}

#define TEST_PATH  "/org/task9/Test"
#define TEST_IFACE "org.task9.Test"

static const char test_xml[] =
  "<node>"
  "  <interface name='" TEST_IFACE "'>"
  "    <method name='Echo'>"
  "      <arg type='s' name='text' direction='in'/>"
  "      <arg type='s' name='text' direction='out'/>"
  "    </method>"
  "    <method name='Never'/>"
  "  </interface>"
  "</node>";

/* A server task on a proc of its own, exporting TEST_IFACE: Echo answers, Never does
 * not (until the server stops). */
typedef struct
{
  Task9Proc    *proc;
  Task9Task    *task;
  Task9Channel *ready;       /* pointer: the server's unique name, once exported */
  Task9Channel *stop;        /* gint64: ends the server */
  Task9Channel *got_never;   /* gint64: a call of Never arrived */
  GPtrArray    *never;       /* its invocations (the server proc's thread only) */
} TestServer;

/* On the server proc's context, from GDBus's dispatch: never on a task's stack. */
static void
server_method_call (GDBusConnection       *connection,
                    const char            *sender,
                    const char            *path,
                    const char            *iface,
                    const char            *method,
                    GVariant              *parameters,
                    GDBusMethodInvocation *invocation,
                    gpointer               data)
{
  TestServer *server = data;
  gint64 one = 1;

  g_assert_false (task9_in_task ());
  if (g_str_equal (method, "Echo"))
    {
      const char *text;

      g_variant_get (parameters, "(&s)", &text);
      g_dbus_method_invocation_return_value (invocation, g_variant_new ("(s)", text));
      return;
    }
  g_ptr_array_add (server->never, invocation);   /* the reference is ours now */
  g_assert_true (task9_channel_try_send (server->got_never, &one, NULL));
}

static const GDBusInterfaceVTable server_vtable = { server_method_call, NULL, NULL, { 0 } };

static gpointer
server_task (gpointer data, GError **error)
{
  TestServer *server = data;
  g_autoptr(GDBusNodeInfo) info = g_dbus_node_info_new_for_xml (test_xml, error);
  g_autoptr(GDBusConnection) connection = await_bus_connection (bus.address, error);
  gint64 stop;
  guint id;

  if (connection == NULL)
    return NULL;
  id = g_dbus_connection_register_object (connection, TEST_PATH, info->interfaces[0],
                                          &server_vtable, server, NULL, error);
  g_assert_cmpuint (id, !=, 0);
  g_assert_true (task9_channel_send_pointer (server->ready,
                                             g_strdup (g_dbus_connection_get_unique_name (connection)),
                                             error));
  g_assert_true (task9_channel_recv (server->stop, &stop, error));

  for (guint i = 0; i < server->never->len; i++)
    g_dbus_method_invocation_return_dbus_error (server->never->pdata[i],
                                                "org.task9.Error.Stopped", "stopped");
  g_ptr_array_set_size (server->never, 0);
  g_dbus_connection_unregister_object (connection, id);
  return await_bus_close (connection, error) ? server : NULL;
}

/* In a task: starts the server; returns its unique name on the bus. */
static char *
server_start (TestServer *server)
{
  GError *error = NULL;
  char *name;

  server->proc = test_proc_new ("dbus-server");
  server->ready = task9_channel_new (sizeof (gpointer), 0);
  server->stop = test_chan_new (0);
  server->got_never = test_chan_new (8);
  server->never = g_ptr_array_new ();
  server->task = test_spawn_on (server->proc, "server", server_task, server);
  name = task9_channel_recv_pointer (server->ready, &error);
  g_assert_no_error (error);
  return name;
}

static void
server_stop (TestServer *server)
{
  gint64 stop = 1;
  GError *error = NULL;

  g_assert_true (task9_channel_send (server->stop, &stop, &error));
  g_assert_no_error (error);
  g_assert_true (test_join_ok (server->task) == server);
  test_proc_finish (server->proc);
  g_object_unref (server->ready);
  g_object_unref (server->stop);
  g_object_unref (server->got_never);
  g_ptr_array_unref (server->never);
}

/* The client's side: one method call through the bridge, on the test body's connection
 * (a cancelled client could not close it). */
typedef struct
{
  GDBusConnection *connection;
  const char      *name;          /* the server's */
  const char      *method;
  GVariant        *parameters;    /* floating */
  GTimeSpan        timeout;
  GVariant        *reply;
  GCancellable    *cancellable;   /* the call's, kept to look at afterwards */
} DBusCall;

static gpointer
client_call_task (gpointer data, GError **error)
{
  DBusCall *c = data;
  g_autoptr(Task9AsyncCall) call = task9_async_call_new (NULL);
  GAsyncResult *result;

  c->cancellable = g_object_ref (task9_async_call_get_cancellable (call));
  g_dbus_connection_call (c->connection, c->name, TEST_PATH, TEST_IFACE, c->method,
                          c->parameters, NULL, G_DBUS_CALL_FLAGS_NONE, -1,
                          task9_async_call_get_cancellable (call),
                          task9_async_call_callback, task9_async_call_begin (call));
  result = task9_async_call_wait (call, c->timeout, error);
  if (result != NULL)
    c->reply = g_dbus_connection_call_finish (c->connection, result, error);
  return c->reply;
}

/* In a task: a server, a connection for the client, and @c filled in for @method. */
static void
dbus_call_init (DBusCall   *c,
                TestServer *server,
                const char *method)
{
  GError *error = NULL;

  memset (c, 0, sizeof *c);
  c->name = server_start (server);
  c->connection = await_bus_connection (bus.address, &error);
  g_assert_no_error (error);
  c->method = method;
  c->timeout = -1;
}

static void
dbus_call_clear (DBusCall   *c,
                 TestServer *server)
{
  GError *error = NULL;

  g_assert_true (await_bus_close (c->connection, &error));
  g_assert_no_error (error);
  g_clear_object (&c->connection);
  g_clear_object (&c->cancellable);
  g_clear_pointer (&c->reply, g_variant_unref);
  g_clear_pointer ((char **) &c->name, g_free);
  server_stop (server);
}

static gpointer
dbus_call_body (gpointer data, GError **error)
{
  TestServer server;
  DBusCall c;
  const char *text;

  dbus_call_init (&c, &server, "Echo");
  c.parameters = g_variant_new ("(s)", "over the bus");
  g_assert_nonnull (test_join_ok (test_spawn ("client", client_call_task, &c)));
  g_variant_get (c.reply, "(&s)", &text);
  g_assert_cmpstr (text, ==, "over the bus");
  dbus_call_clear (&c, &server);
  return NULL;
}

static void
test_gio_dbus_call (void)
{
  if (bus_address () != NULL)
    run_in_task_ok (dbus_call_body, NULL);
}

/* A method that never replies, with a 50 ms timeout: TIMED_OUT, the call cancelled. */
static gpointer
dbus_timeout_body (gpointer data, GError **error)
{
  TestServer server;
  DBusCall c;
  Task9Task *client;

  dbus_call_init (&c, &server, "Never");
  c.timeout = 50 * G_TIME_SPAN_MILLISECOND;
  client = test_spawn ("client", client_call_task, &c);
  g_assert_cmpint (join_error_code (client, G_IO_ERROR), ==, G_IO_ERROR_TIMED_OUT);
  g_assert_true (g_cancellable_is_cancelled (c.cancellable));
  g_assert_null (c.reply);
  dbus_call_clear (&c, &server);
  return NULL;
}

static void
test_gio_dbus_timeout (void)
{
  if (bus_address () != NULL)
    run_in_task_ok (dbus_timeout_body, NULL);
}

/* The client task is cancelled while its call is at the server: the GIO call sees its
 * cancellable cancelled and the task gets CANCELLED. */
static gpointer
dbus_cancel_body (gpointer data, GError **error)
{
  TestServer server;
  DBusCall c;
  Task9Task *client;
  gint64 got;

  dbus_call_init (&c, &server, "Never");
  client = test_spawn ("client", client_call_task, &c);
  g_assert_true (task9_channel_recv (server.got_never, &got, error));
  g_assert_false (g_cancellable_is_cancelled (c.cancellable));
  task9_task_cancel (client);
  g_assert_cmpint (join_error_code (client, G_IO_ERROR), ==, G_IO_ERROR_CANCELLED);
  g_assert_true (g_cancellable_is_cancelled (c.cancellable));
  g_assert_null (c.reply);
  dbus_call_clear (&c, &server);
  return NULL;
}

static void
test_gio_dbus_cancel (void)
{
  if (bus_address () != NULL)
    run_in_task_ok (dbus_cancel_body, NULL);
}

/* ---- the rules, with a GIO call the test completes by hand -------------------------- */

/* A pending "GIO call": a GTask on the call's cancellable that completes when the test
 * says so. Its cancellable handler tells the test it saw the cancellation. */
typedef struct
{
  GTask        *task;
  Task9Channel *saw_cancel;   /* gint64, one slot */
  gulong        handler;
  GCancellable *cancellable;
} FakeCall;

static void
fake_saw_cancel (GCancellable *cancellable,
                 gpointer      data)
{
  FakeCall *fake = data;
  gint64 one = 1;

  task9_channel_try_send (fake->saw_cancel, &one, NULL);
}

static void
fake_start (FakeCall            *fake,
            GCancellable        *cancellable,
            gboolean             check_cancellable,
            GAsyncReadyCallback  callback,
            gpointer             data)
{
  fake->task = g_task_new (NULL, cancellable, callback, data);
  g_task_set_check_cancellable (fake->task, check_cancellable);
  fake->saw_cancel = test_chan_new (1);
  fake->cancellable = g_object_ref (cancellable);
  fake->handler = g_cancellable_connect (cancellable, G_CALLBACK (fake_saw_cancel), fake, NULL);
}

/* Completes the call with success (which the GTask turns into CANCELLED if it checks its
 * cancellable). */
static void
fake_complete (FakeCall *fake)
{
  g_task_return_boolean (fake->task, TRUE);
  g_clear_object (&fake->task);
}

static void
fake_clear (FakeCall *fake)
{
  g_cancellable_disconnect (fake->cancellable, fake->handler);
  g_clear_object (&fake->cancellable);
  g_clear_object (&fake->saw_cancel);
  g_assert_null (fake->task);
}

typedef struct
{
  FakeCall  fake;
  gboolean  check_cancellable;
  GTimeSpan timeout;
  gboolean  finished_ok;       /* what g_task_propagate_boolean() said of the result */
} FakeJob;

static gpointer
fake_waiter_task (gpointer data, GError **error)
{
  FakeJob *job = data;
  g_autoptr(Task9AsyncCall) call = task9_async_call_new (NULL);
  GAsyncResult *result;

  fake_start (&job->fake, task9_async_call_get_cancellable (call), job->check_cancellable,
              task9_async_call_callback, task9_async_call_begin (call));
  result = task9_async_call_wait (call, job->timeout, error);
  if (result == NULL)
    return NULL;
  job->finished_ok = g_task_propagate_boolean (G_TASK (result), NULL);
  return job;
}

/* Waits until the waiter's call saw its cancellable cancelled; the waiter is still
 * parked on the call. */
static void
await_saw_cancel (FakeJob *job, Task9Task *waiter)
{
  GError *error = NULL;
  gint64 one;

  g_assert_true (task9_channel_recv (job->fake.saw_cancel, &one, &error));
  g_assert_no_error (error);
  test_wait_blocked (waiter, "gio");
}

/* A timeout cancels the call, then waits for its callback, shielded: cancelling the task
 * meanwhile does not end the wait. Then it fails with TIMED_OUT. */
static gpointer
timeout_waits_body (gpointer data, GError **error)
{
  FakeJob job = { .check_cancellable = TRUE, .timeout = 10 * G_TIME_SPAN_MILLISECOND };
  Task9Task *waiter = test_spawn ("waiter", fake_waiter_task, &job);

  test_wait_blocked (waiter, "gio");
  await_saw_cancel (&job, waiter);
  task9_task_cancel (waiter);
  test_wait_blocked (waiter, "gio");   /* woken by the cancel, and parked again */
  g_assert_false (task9_task_is_finished (waiter));
  fake_complete (&job.fake);
  g_assert_cmpint (join_error_code (waiter, G_IO_ERROR), ==, G_IO_ERROR_TIMED_OUT);
  fake_clear (&job.fake);
  return NULL;
}

TEST_IN_TASK (test_gio_timeout_waits_for_callback, timeout_waits_body)

/* A call that succeeded even though the wait timed out (a GTask that does not check its
 * cancellable): its result is returned, and _finish succeeds. */
static gpointer
raced_success_body (gpointer data, GError **error)
{
  FakeJob job = { .check_cancellable = FALSE, .timeout = 10 * G_TIME_SPAN_MILLISECOND };
  Task9Task *waiter = test_spawn ("waiter", fake_waiter_task, &job);

  test_wait_blocked (waiter, "gio");
  await_saw_cancel (&job, waiter);
  fake_complete (&job.fake);
  g_assert_true (test_join_ok (waiter) == &job);
  g_assert_true (job.finished_ok);
  fake_clear (&job.fake);
  return NULL;
}

TEST_IN_TASK (test_gio_timeout_raced_success, raced_success_body)

/* The task is cancelled while the call is in flight: the call's cancellable is
 * cancelled, the task waits for the callback, then gets CANCELLED. */
static gpointer
cancel_in_flight_body (gpointer data, GError **error)
{
  FakeJob job = { .check_cancellable = TRUE, .timeout = -1 };
  Task9Task *waiter = test_spawn ("waiter", fake_waiter_task, &job);

  test_wait_blocked (waiter, "gio");
  task9_task_cancel (waiter);
  await_saw_cancel (&job, waiter);
  fake_complete (&job.fake);
  g_assert_cmpint (join_error_code (waiter, G_IO_ERROR), ==, G_IO_ERROR_CANCELLED);
  fake_clear (&job.fake);
  return NULL;
}

TEST_IN_TASK (test_gio_cancel_in_flight, cancel_in_flight_body)

/* The caller's GCancellable reaches the call too. */
typedef struct
{
  GCancellable *caller;
  FakeCall      fake;
} CallerCancelJob;

static gpointer
caller_cancel_waiter (gpointer data, GError **error)
{
  CallerCancelJob *job = data;
  g_autoptr(Task9AsyncCall) call = task9_async_call_new (job->caller);

  fake_start (&job->fake, task9_async_call_get_cancellable (call), TRUE,
              task9_async_call_callback, task9_async_call_begin (call));
  return task9_async_call_wait (call, -1, error);
}

static gpointer
caller_cancellable_body (gpointer data, GError **error)
{
  CallerCancelJob job = { g_cancellable_new (), };
  Task9Task *waiter = test_spawn ("waiter", caller_cancel_waiter, &job);
  gint64 one;

  test_wait_blocked (waiter, "gio");
  g_cancellable_cancel (job.caller);
  g_assert_true (task9_channel_recv (job.fake.saw_cancel, &one, error));
  test_wait_blocked (waiter, "gio");
  fake_complete (&job.fake);
  g_assert_cmpint (join_error_code (waiter, G_IO_ERROR), ==, G_IO_ERROR_CANCELLED);
  fake_clear (&job.fake);
  g_object_unref (job.caller);
  return NULL;
}

TEST_IN_TASK (test_gio_cancel_caller_cancellable, caller_cancellable_body)

/* Cancelled before the call starts: a task that is already cancelled, or a caller's
 * cancellable that is. The GIO call gets a cancelled cancellable and fails at once. */
static gpointer
cancelled_before_task (gpointer data, GError **error)
{
  g_autoptr(GFile) file = g_file_new_for_path (data);
  g_autoptr(Task9AsyncCall) call = NULL;
  g_autoptr(GError) local = NULL;

  task9_task_cancel (task9_task_self ());
  call = task9_async_call_new (NULL);
  g_assert_true (g_cancellable_is_cancelled (task9_async_call_get_cancellable (call)));
  g_file_load_contents_async (file, task9_async_call_get_cancellable (call),
                              task9_async_call_callback, task9_async_call_begin (call));
  g_assert_null (task9_async_call_wait (call, -1, &local));
  g_assert_error (local, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  return NULL;
}

static void
test_gio_cancel_before (void)
{
  char *path = test_file_new ();

  g_assert_null (run_in_task_ok (cancelled_before_task, path));
  unlink (path);
  g_free (path);
}

static gpointer
caller_cancelled_before_task (gpointer data, GError **error)
{
  g_autoptr(GFile) file = g_file_new_for_path (data);
  g_autoptr(GCancellable) caller = g_cancellable_new ();
  g_autoptr(Task9AsyncCall) call = NULL;
  g_autoptr(GError) local = NULL;

  g_cancellable_cancel (caller);
  call = task9_async_call_new (caller);
  g_assert_true (g_cancellable_is_cancelled (task9_async_call_get_cancellable (call)));
  g_file_load_contents_async (file, task9_async_call_get_cancellable (call),
                              task9_async_call_callback, task9_async_call_begin (call));
  g_assert_null (task9_async_call_wait (call, -1, &local));
  g_assert_error (local, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  /* The task itself was not cancelled. */
  g_assert_true (task9_check_cancelled (error));
  return NULL;
}

static void
test_gio_cancel_before_caller (void)
{
  char *path = test_file_new ();

  g_assert_null (run_in_task_ok (caller_cancelled_before_task, path));
  unlink (path);
  g_free (path);
}

/* The callback comes before the task waits (here: at once, inside the "_async" call):
 * the wait returns at once. */
static gpointer
callback_first_body (gpointer data, GError **error)
{
  g_autoptr(Task9AsyncCall) call = task9_async_call_new (NULL);
  g_autoptr(GTask) done = g_task_new (NULL, NULL, NULL, NULL);

  g_task_return_boolean (done, TRUE);
  task9_async_call_callback (NULL, G_ASYNC_RESULT (done), task9_async_call_begin (call));
  g_assert_true (task9_async_call_wait (call, 0, error) == G_ASYNC_RESULT (done));
  return NULL;
}

TEST_IN_TASK (test_gio_callback_before_wait, callback_first_body)

/* The GIO call is started on a thread of the caller's own (with its own thread-default
 * context), so its callback runs there: the task on its proc is woken all the same. */
typedef struct
{
  const char *path;
  gpointer    begun;      /* task9_async_call_begin()'s */
  gint        done;
  GThread    *thread;
} ThreadStart;

static void
thread_callback (GObject      *source,
                 GAsyncResult *result,
                 gpointer      data)
{
  ThreadStart *start = g_object_get_data (source, "test-start");

  start->thread = g_thread_self ();
  task9_async_call_callback (source, result, data);
  g_atomic_int_set (&start->done, 1);
}

static gpointer
start_on_thread (gpointer data)
{
  ThreadStart *start = data;
  GMainContext *context = g_main_context_new ();
  GFile *file = g_file_new_for_path (start->path);

  g_main_context_push_thread_default (context);
  g_object_set_data (G_OBJECT (file), "test-start", start);
  g_file_load_contents_async (file, NULL, thread_callback, start->begun);
  test_iterate_until (context, &start->done);
  g_object_unref (file);
  g_main_context_pop_thread_default (context);
  g_main_context_unref (context);
  return NULL;
}

static gpointer
thread_callback_task (gpointer data, GError **error)
{
  g_autoptr(Task9AsyncCall) call = task9_async_call_new (NULL);
  ThreadStart start = { data, task9_async_call_begin (call), 0, NULL };
  GThread *thread = g_thread_new ("gio-starter", start_on_thread, &start);
  g_autofree char *contents = NULL;
  GAsyncResult *result;
  GFile *file;

  result = task9_async_call_wait (call, -1, error);
  g_assert_nonnull (result);
  g_thread_join (thread);
  g_assert_true (start.thread == thread);
  file = G_FILE (g_async_result_get_source_object (result));
  g_assert_true (g_file_load_contents_finish (file, result, &contents, NULL, NULL, error));
  g_assert_cmpstr (contents, ==, FILE_CONTENTS);
  g_object_unref (file);
  return NULL;
}

static void
test_gio_callback_other_thread (void)
{
  char *path = test_file_new ();

  run_in_task_ok (thread_callback_task, path);
  unlink (path);
  g_free (path);
}

/* ---- the channel form ------------------------------------------------------------- */

/* The completion as one arm of an alt with after(): the call wins when it completes
 * first; after() wins over an accept that no client ends, and the call cancelled then
 * and waited for reports CANCELLED. */
static gpointer
channel_alt_body (gpointer data, GError **error)
{
  g_autoptr(GFile) file = g_file_new_for_path (data);
  g_autoptr(Task9AsyncCall) load = task9_async_call_new (NULL);
  g_autoptr(Task9Channel) late = task9_channel_after (60 * G_TIME_SPAN_SECOND);
  g_autoptr(GSocketAddress) address = NULL;
  g_autoptr(GSocketListener) listener = listener_new (&address);
  g_autoptr(Task9AsyncCall) accept = task9_async_call_new (NULL);
  g_autoptr(Task9Channel) soon = task9_channel_after (20 * G_TIME_SPAN_MILLISECOND);
  g_autoptr(GError) local = NULL;
  g_autofree char *contents = NULL;
  GValue value = G_VALUE_INIT;
  gint64 tick;
  Task9AltArm arms[2];

  g_file_load_contents_async (file, task9_async_call_get_cancellable (load),
                              task9_async_call_callback, task9_async_call_begin (load));
  arms[0] = (Task9AltArm) { task9_async_call_get_channel (load), TASK9_ALT_RECV, &value };
  arms[1] = (Task9AltArm) { late, TASK9_ALT_RECV, &tick };
  g_assert_cmpint (task9_alt (arms, 2, -1, NULL, error), ==, 0);
  g_assert_false (arms[0].closed);
  g_assert_true (g_file_load_contents_finish (file, g_value_get_object (&value), &contents,
                                              NULL, NULL, error));
  g_assert_cmpstr (contents, ==, FILE_CONTENTS);
  g_value_unset (&value);
  /* Delivered once: then the channel is closed. */
  g_assert_false (task9_channel_try_recv_value (task9_async_call_get_channel (load), &value,
                                                &local));
  g_assert_error (local, TASK9_ERROR, TASK9_ERROR_CLOSED);
  g_clear_error (&local);
  g_value_unset (&value);
  /* And wait() still has the result. */
  g_assert_nonnull (task9_async_call_wait (load, 0, error));

  g_socket_listener_accept_async (listener, task9_async_call_get_cancellable (accept),
                                  task9_async_call_callback, task9_async_call_begin (accept));
  arms[0] = (Task9AltArm) { task9_async_call_get_channel (accept), TASK9_ALT_RECV, &value };
  arms[1] = (Task9AltArm) { soon, TASK9_ALT_RECV, &tick };
  g_assert_cmpint (task9_alt (arms, 2, -1, NULL, error), ==, 1);
  g_assert_false (G_IS_VALUE (&value));
  task9_async_call_cancel (accept);
  g_assert_null (task9_async_call_wait (accept, -1, &local));
  g_assert_error (local, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_socket_listener_close (listener);
  return NULL;
}

static void
test_gio_channel_alt (void)
{
  char *path = test_file_new ();

  run_in_task_ok (channel_alt_body, path);
  unlink (path);
  g_free (path);
}

/* A call dropped while in flight is cancelled; its callback still comes and delivers
 * on the channel that the test kept. */
static gpointer
drop_in_flight_body (gpointer data, GError **error)
{
  g_autoptr(GSocketAddress) address = NULL;
  g_autoptr(GSocketListener) listener = listener_new (&address);
  Task9AsyncCall *call = task9_async_call_new (NULL);
  g_autoptr(Task9Channel) channel = g_object_ref (task9_async_call_get_channel (call));
  g_autoptr(GCancellable) cancellable = g_object_ref (task9_async_call_get_cancellable (call));
  g_autoptr(GError) local = NULL;
  GValue value = G_VALUE_INIT;

  g_socket_listener_accept_async (listener, cancellable, task9_async_call_callback,
                                  task9_async_call_begin (call));
  g_object_unref (call);
  g_assert_true (g_cancellable_is_cancelled (cancellable));
  g_assert_true (task9_channel_recv_value (channel, &value, error));
  g_assert_null (g_socket_listener_accept_finish (listener, g_value_get_object (&value),
                                                  NULL, &local));
  g_assert_error (local, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_value_unset (&value);
  g_socket_listener_close (listener);
  return NULL;
}

TEST_IN_TASK (test_gio_drop_in_flight, drop_in_flight_body)

/* ---- outside a task, and bad input --------------------------------------------------- */

static void
wait_outside (gpointer data)
{
  Task9AsyncCall *call = data;
  GError *error = NULL;

  g_assert_null (task9_async_call_wait (call, -1, &error));
  g_assert_error (error, TASK9_ERROR, TASK9_ERROR_NOT_IN_TASK);
  g_error_free (error);
}

/* On the test thread (no proc's) and on a proc's thread outside any task. */
static void
test_gio_not_in_task (void)
{
  Task9Proc *proc = test_proc_new ("outside");
  Task9AsyncCall *call = task9_async_call_new (NULL);
  g_autoptr(GTask) done = g_task_new (NULL, NULL, NULL, NULL);

  task9_async_call_callback (NULL, G_ASYNC_RESULT (done), task9_async_call_begin (call));
  wait_outside (call);
  test_invoke_sync (task9_proc_get_context (proc), wait_outside, call);
  g_object_unref (call);
  test_proc_finish (proc);
}

static gpointer
bad_input_body (gpointer data, GError **error)
{
  Task9AsyncCall *call = task9_async_call_new (NULL);
  g_autoptr(GTask) done = g_task_new (NULL, NULL, NULL, NULL);
  g_autoptr(GError) local = NULL;
  gpointer begun;

  test_expect_critical ("*TASK9_IS_ASYNC_CALL*");
  g_assert_null (task9_async_call_wait (NULL, -1, &local));
  g_test_assert_expected_messages ();
  test_expect_critical ("*TASK9_IS_ASYNC_CALL*");
  g_assert_null (task9_async_call_begin (NULL));
  g_test_assert_expected_messages ();
  test_expect_critical ("*TASK9_IS_ASYNC_CALL*");
  g_assert_null (task9_async_call_get_cancellable (NULL));
  g_test_assert_expected_messages ();
  test_expect_critical ("*TASK9_IS_ASYNC_CALL*");
  g_assert_null (task9_async_call_get_channel (NULL));
  g_test_assert_expected_messages ();
  test_expect_critical ("*TASK9_IS_ASYNC_CALL*");
  task9_async_call_cancel (NULL);
  g_test_assert_expected_messages ();
  test_expect_critical ("*G_IS_CANCELLABLE*");
  g_assert_null (task9_async_call_new ((GCancellable *) done));
  g_test_assert_expected_messages ();
  test_expect_critical ("*core != NULL*");
  task9_async_call_callback (NULL, G_ASYNC_RESULT (done), NULL);
  g_test_assert_expected_messages ();
  /* The call itself, not what begin() returned: caught, not a crash. */
  test_expect_critical ("*magic*");
  task9_async_call_callback (NULL, G_ASYNC_RESULT (done), call);
  g_test_assert_expected_messages ();

  /* Waiting for a call that was never begun would hang: refused. */
  test_expect_critical ("*begun*");
  g_assert_null (task9_async_call_wait (call, -1, &local));
  g_test_assert_expected_messages ();
  g_assert_no_error (local);

  begun = task9_async_call_begin (call);
  g_assert_nonnull (begun);
  test_expect_critical ("*begun before*");
  g_assert_null (task9_async_call_begin (call));
  g_test_assert_expected_messages ();

  g_task_return_boolean (done, TRUE);
  task9_async_call_callback (NULL, G_ASYNC_RESULT (done), begun);
  test_expect_critical ("*called twice*");
  task9_async_call_callback (NULL, G_ASYNC_RESULT (done), begun);
  g_test_assert_expected_messages ();

  g_assert_true (task9_async_call_wait (call, -1, &local) == G_ASYNC_RESULT (done));
  test_expect_critical ("*waited for before*");
  g_assert_null (task9_async_call_wait (call, -1, &local));
  g_test_assert_expected_messages ();
  g_assert_no_error (local);
  g_object_unref (call);

  /* A callback given no result still completes the call: no hang. */
  call = task9_async_call_new (NULL);
  begun = task9_async_call_begin (call);
  test_expect_critical ("*no GAsyncResult*");
  task9_async_call_callback (NULL, NULL, begun);
  g_test_assert_expected_messages ();
  g_assert_null (task9_async_call_wait (call, -1, &local));
  g_assert_error (local, TASK9_ERROR, TASK9_ERROR_FAILED);
  g_object_unref (call);
  return NULL;
}

TEST_IN_TASK (test_gio_bad_input, bad_input_body)

/* ---- under task9_main(): a GIO call in flight is no deadlock ------------------------- */

/* In the child: task9_main() runs @child_main and must return @status. In the parent:
 * runs that child, which must pass, with a deadlock report if and only if @deadlock. */
static void
main_in_child (Task9MainFunc child_main, int status, gboolean deadlock)
{
  if (g_test_subprocess ())
    {
      g_assert_cmpint (task9_main (0, NULL, child_main), ==, status);
      if (deadlock)
        _exit (0);   /* its blocked task stays parked for ever, never freed */
      return;
    }
  test_run_child ();
  g_test_trap_assert_passed ();
  if (deadlock)
    g_test_trap_assert_stderr ("*deadlock*");
  else
    g_test_trap_assert_stderr_unmatched ("*deadlock*");
}

static int
file_main (int argc, char **argv)
{
  char *path = test_file_new ();
  LoadJob job = { path, };
  GError *error = NULL;

  g_assert_true (load_task (&job, &error) == &job);
  g_assert_no_error (error);
  g_assert_cmpstr (job.contents, ==, FILE_CONTENTS);
  g_free (job.contents);
  unlink (path);
  g_free (path);
  return 0;
}

static void
test_gio_main_file (void)
{
  main_in_child (file_main, 0, FALSE);
}

static int
subprocess_main (int argc, char **argv)
{
  GError *error = NULL;

  g_assert_true (await_wait_check ("true", &error));
  g_assert_no_error (error);
  return 0;
}

static void
test_gio_main_subprocess (void)
{
  main_in_child (subprocess_main, 0, FALSE);
}

/* The channel form, in an alt with a channel nobody sends on and no timer: the call in
 * flight is what keeps it from being a deadlock. */
static int
channel_main (int argc, char **argv)
{
  g_autoptr(GSubprocess) process = g_subprocess_new (G_SUBPROCESS_FLAGS_NONE, NULL, "true", NULL);
  g_autoptr(Task9AsyncCall) call = task9_async_call_new (NULL);
  g_autoptr(Task9Channel) never = test_chan_new (0);
  GValue value = G_VALUE_INIT;
  GError *error = NULL;
  gint64 elem;
  Task9AltArm arms[2] = {
    { never, TASK9_ALT_RECV, &elem },
    { task9_async_call_get_channel (call), TASK9_ALT_RECV, &value },
  };

  g_subprocess_wait_async (process, task9_async_call_get_cancellable (call),
                           task9_async_call_callback, task9_async_call_begin (call));
  g_assert_cmpint (task9_alt (arms, 2, -1, NULL, &error), ==, 1);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_wait_finish (process, g_value_get_object (&value), &error));
  g_value_unset (&value);
  return 0;
}

static void
test_gio_main_channel (void)
{
  main_in_child (channel_main, 0, FALSE);
}

/* Once the call is done, a task blocked for ever is a deadlock again. */
static int
after_main (int argc, char **argv)
{
  g_autoptr(Task9Channel) never = test_chan_new (0);
  gint64 elem;

  file_main (argc, argv);
  task9_channel_recv (never, &elem, NULL);
  g_assert_not_reached ();
  return 1;
}

static void
test_gio_main_deadlock_after (void)
{
  main_in_child (after_main, 2, TRUE);
}

int
main (int argc, char **argv)
{
  int status;

  /* GIO's local VFS only: no modules to load, whatever is installed. */
  g_setenv ("GIO_USE_VFS", "local", TRUE);
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/gio/file/load", test_gio_file_load);
  g_test_add_func ("/gio/file/missing", test_gio_file_missing);
  g_test_add_func ("/gio/socket/echo", test_gio_socket_echo);
  g_test_add_func ("/gio/socket/accept-timeout", test_gio_socket_accept_timeout);
  g_test_add_func ("/gio/process/wait-check", test_gio_subprocess_wait_check);
  g_test_add_func ("/gio/process/communicate", test_gio_subprocess_communicate);
  g_test_add_func ("/gio/dbus/call", test_gio_dbus_call);
  g_test_add_func ("/gio/dbus/timeout", test_gio_dbus_timeout);
  g_test_add_func ("/gio/dbus/cancel", test_gio_dbus_cancel);
  g_test_add_func ("/gio/timeout/waits-for-callback", test_gio_timeout_waits_for_callback);
  g_test_add_func ("/gio/timeout/raced-success", test_gio_timeout_raced_success);
  g_test_add_func ("/gio/cancel/in-flight", test_gio_cancel_in_flight);
  g_test_add_func ("/gio/cancel/caller-cancellable", test_gio_cancel_caller_cancellable);
  g_test_add_func ("/gio/cancel/before", test_gio_cancel_before);
  g_test_add_func ("/gio/cancel/before-caller", test_gio_cancel_before_caller);
  g_test_add_func ("/gio/callback/before-wait", test_gio_callback_before_wait);
  g_test_add_func ("/gio/callback/other-thread", test_gio_callback_other_thread);
  g_test_add_func ("/gio/channel/alt", test_gio_channel_alt);
  g_test_add_func ("/gio/channel/drop-in-flight", test_gio_drop_in_flight);
  g_test_add_func ("/gio/not-in-task", test_gio_not_in_task);
  g_test_add_func ("/gio/bad-input", test_gio_bad_input);
  g_test_add_func ("/gio/main/file", test_gio_main_file);
  g_test_add_func ("/gio/main/process", test_gio_main_subprocess);
  g_test_add_func ("/gio/main/channel", test_gio_main_channel);
  g_test_add_func ("/gio/main/deadlock-after", test_gio_main_deadlock_after);

  status = g_test_run ();
  bus_stop ();
  return status;
}
