#!/usr/bin/python3
# hash-files.py: doc/gtk.md's Python application, the same window as hash-files.c. One
# row per file given on the command line; each job hashes its file in a tasklet that
# streams its progress over a channel into a progress bar, a Cancel button cancels
# that tasklet, and a clock ticking every 100 ms shows that the window stays
# responsive meanwhile. Tasklets run on GTK's main loop; the hashing runs on threads.
#
#   hash-files.py FILE...
#   hash-files.py --drive [--cancel=N] [--screenshot=PNG] FILE...
#
# --drive runs the jobs through the app's own actions (start-all, then cancel job N
# once it has made progress), checks the end state, saves a screenshot, prints a
# report and quits: examples/gtk/test-gtk-app.py runs it under Xvfb.
#
# Copyright 2026 The libtask9-glib authors
# SPDX-License-Identifier: LGPL-2.1-or-later

import hashlib
import sys

import gi
gi.require_version('Gtk', '4.0')
gi.require_version('Task9', '1')
from gi.repository import GLib, Gio, Gtk, Task9  # noqa: E402

CHUNK = 1 << 20
TICK = 0.1


def hash_chunk(stream, checksum):
    """Runs on a thread, never in a tasklet: reads and hashes one chunk."""
    data = stream.read(CHUNK)
    checksum.update(data)   # hashlib lets other threads run meanwhile
    return len(data)


class Job:
    def __init__(self, index, file):
        self.file = file
        self.bar = Gtk.ProgressBar(show_text=True, hexpand=True, valign=Gtk.Align.CENTER)
        self.status = Gtk.Label(width_chars=26, xalign=0)
        self.start_button = Gtk.Button(label='Hash', action_name='app.start',
                                       action_target=GLib.Variant.new_uint32(index))
        self.cancel_button = Gtk.Button(label='Cancel', action_name='app.cancel',
                                        action_target=GLib.Variant.new_uint32(index),
                                        sensitive=False)
        self.hasher = self.view = None
        self.digest = None
        self.cancelled = False

    def running(self):
        return self.view is not None and not self.view.done()

    def start(self):
        if self.running():
            return
        self.digest, self.cancelled = None, False
        self.progress = Task9.Channel.new_for_python(capacity=1)
        self.hasher = Task9.spawn(self.hash_file(), name='hash')
        self.view = Task9.spawn(self.show_progress(), name='view')
        self.bar.set_fraction(0)
        self.status.set_text('hashing')
        self.cancel_button.set_sensitive(True)
        self.start_button.set_sensitive(False)

    async def hash_file(self):
        """The job's tasklet. Cancelled, its current wait raises Task9.Cancelled."""
        try:
            info = await Task9.gio(self.file.query_info_async, 'standard::size',
                                   Gio.FileQueryInfoFlags.NONE, GLib.PRIORITY_DEFAULT)
            size, done = max(info.get_size(), 1), 0
            checksum = hashlib.sha256()
            with open(self.file.get_path(), 'rb') as stream:
                while n := await Task9.run_in_thread(hash_chunk, stream, checksum):
                    done += n
                    await self.progress.send(min(done / size, 1.0))
            self.digest = checksum.hexdigest()
            return self.digest
        finally:
            self.progress.close()   # the view's `async for` ends

    async def show_progress(self):
        """Moves the bar as progress comes, then shows how the job ended."""
        async for fraction in self.progress:
            self.bar.set_fraction(fraction)
        try:
            await self.hasher
            self.status.set_text('sha256 %.16s…' % self.digest)
        except Task9.Cancelled:
            self.cancelled = True
            self.status.set_text('cancelled')
        except Exception as e:
            self.status.set_text(str(e))
        self.cancel_button.set_sensitive(False)
        self.start_button.set_sensitive(True)


class HashFiles(Gtk.Application):
    def __init__(self):
        super().__init__(application_id='org.task9.HashFilesPy',
                         flags=Gio.ApplicationFlags.HANDLES_OPEN
                         | Gio.ApplicationFlags.NON_UNIQUE)
        self.jobs = []
        self.ticks, self.max_lateness = 0, 0.0
        self.drive_mode, self.cancel_index, self.screenshot = False, 1, None
        self.status = 0
        self.add_main_option('drive', 0, GLib.OptionFlags.NONE, GLib.OptionArg.NONE,
                             'Run the test\'s script and quit', None)
        self.add_main_option('cancel', 0, GLib.OptionFlags.NONE, GLib.OptionArg.INT,
                             'The job --drive cancels', 'N')
        self.add_main_option('screenshot', 0, GLib.OptionFlags.NONE,
                             GLib.OptionArg.FILENAME, 'Where --drive saves the window', 'PNG')
        for name, param, handler in [('start', 'u', self.on_start),
                                     ('cancel', 'u', self.on_cancel),
                                     ('start-all', None, self.on_start_all)]:
            action = Gio.SimpleAction(name=name, parameter_type=param and GLib.VariantType(param))
            action.connect('activate', handler)
            self.add_action(action)

    def job_for(self, parameter):
        i = parameter.get_uint32()
        return self.jobs[i] if i < len(self.jobs) else None

    def on_start(self, action, parameter):
        job = self.job_for(parameter)
        if job is not None:
            job.start()

    def on_start_all(self, action, parameter):
        for job in self.jobs:
            job.start()

    def on_cancel(self, action, parameter):
        job = self.job_for(parameter)
        if job is not None and job.hasher is not None:
            job.hasher.cancel()

    def do_handle_local_options(self, options):
        self.drive_mode = options.contains('drive')
        if options.contains('cancel'):
            self.cancel_index = options.lookup_value('cancel').get_int32()
        if options.contains('screenshot'):
            self.screenshot = bytes(options.lookup_value('screenshot').get_bytestring()).decode()
        return -1   # go on

    def do_activate(self):
        self.do_open([], 0, '')

    def do_open(self, files, n_files, hint):
        self.clock = Gtk.Label(label='--:--:--.-', hexpand=True, halign=Gtk.Align.START)
        self.clock.add_css_class('monospace')
        top = Gtk.Box(spacing=12)
        top.append(self.clock)
        top.append(Gtk.Button(label='Hash all', action_name='app.start-all'))
        grid = Gtk.Grid(row_spacing=6, column_spacing=12)
        for i, file in enumerate(files):
            job = Job(i, file)
            for column, widget in enumerate([Gtk.Label(label=file.get_basename()), job.bar,
                                             job.status, job.start_button,
                                             job.cancel_button]):
                grid.attach(widget, column, i, 1, 1)
            self.jobs.append(job)
        box = Gtk.Box(orientation=Gtk.Orientation.VERTICAL, spacing=12, margin_top=12,
                      margin_bottom=12, margin_start=12, margin_end=12)
        box.append(top)
        box.append(grid)
        if not files:
            box.append(Gtk.Label(label='Give the files to hash on the command line.'))
        window = Gtk.ApplicationWindow(application=self, title='Hash files (Python)',
                                       child=box, default_width=720)
        window.present()
        if not self.drive_mode:
            Task9.spawn(self.run_clock(), name='clock')
        elif 0 <= self.cancel_index < len(self.jobs):
            Task9.spawn(self.drive(window), name='drive')
        else:
            print('--drive: job %d to cancel, but %d files' % (self.cancel_index, n_files),
                  file=sys.stderr)
            self.status = 2
            self.quit()

    def run_clock(self):
        """A generator tasklet: the clock, and how late each tick is shown."""
        start = GLib.get_monotonic_time()
        self.ticker = Task9.ticker(TICK)
        k = dropped = 0
        while True:
            try:
                yield self.ticker.recv()
            except Task9.Closed:
                return
            now = GLib.DateTime.new_now_local()
            # This is tick k: the ones the ticker dropped since the last are skipped.
            k += 1 + self.ticker.get_dropped() - dropped
            dropped = self.ticker.get_dropped()
            self.clock.set_text(now.format('%H:%M:%S.') + str(now.get_microsecond() // 100000))
            if any(job.running() for job in self.jobs):
                late = GLib.get_monotonic_time() - (start + k * int(TICK * 1000000))
                self.max_lateness = max(self.max_lateness, late / 1000)
                self.ticks += 1

    # ---- --drive: the test's script, through the same actions ----

    async def drive(self, window):
        try:
            await self.drive_script(window)
        except BaseException:
            self.status = 1
            raise   # printed by the override: nobody joins this tasklet
        finally:
            sys.stdout.flush()
            self.quit()

    async def drive_script(self, window):
        clock = Task9.spawn(self.run_clock(), name='clock')
        frames = window.get_frame_clock()
        victim = self.jobs[self.cancel_index]

        # Start every job once the window is on screen; cancel one once its bar moved.
        await Task9.object_wait_signal(frames, 'after-paint', timeout=10)
        self.activate_action('start-all', None)
        await Task9.object_wait_signal(victim.bar, 'notify::fraction', timeout=10)
        self.activate_action('cancel', GLib.Variant.new_uint32(self.cancel_index))

        for i, job in enumerate(self.jobs):
            await Task9.join(job.view)
            print('job %d %s: %s' % (i, job.file.get_path(),
                                     job.digest or ('cancelled' if job.cancelled else 'failed')))
            if job.digest is None and not (job is victim and job.cancelled):
                self.status = 1
        print('clock: %d ticks while jobs ran, max lateness %.1f ms, %d dropped'
              % (self.ticks, self.max_lateness, self.ticker.get_dropped()))

        # Stop the clock: then no task but this one is left.
        self.ticker.close()
        await clock
        me = Task9.current().task
        left = [t for t in Task9.task_list_all() if not t.is_finished() and t != me]
        print('tasks left: %d' % len(left))
        if left:
            self.status = 1

        if self.screenshot:
            window.queue_draw()
            await Task9.object_wait_signal(frames, 'after-paint', timeout=10)
            if save_screenshot(window, self.screenshot):
                print('screenshot: %s' % self.screenshot)
            else:
                self.status = 1


def save_screenshot(window, path):
    """Renders the window with its renderer and saves the texture as a PNG. PyGObject
    3.42 cannot hold a Gsk.RenderNode, so the calls that pass one go through ctypes."""
    import ctypes
    gtk = ctypes.CDLL('libgtk-4.so.1')
    address = ctypes.pythonapi.PyCapsule_GetPointer
    address.restype, address.argtypes = ctypes.c_void_p, [ctypes.py_object, ctypes.c_char_p]
    p = ctypes.c_void_p
    gtk.gtk_snapshot_to_node.restype, gtk.gtk_snapshot_to_node.argtypes = p, [p]
    gtk.gsk_renderer_render_texture.restype = p
    gtk.gsk_renderer_render_texture.argtypes = [p, p, ctypes.c_float * 4]
    gtk.gdk_texture_save_to_png.argtypes = [p, ctypes.c_char_p]
    gtk.gsk_render_node_unref.argtypes = gtk.g_object_unref.argtypes = [p]

    w, h = window.get_width(), window.get_height()
    snapshot = Gtk.Snapshot()
    Gtk.WidgetPaintable.new(window).snapshot(snapshot, w, h)
    node = gtk.gtk_snapshot_to_node(address(snapshot.__gpointer__, None))
    if not node:
        return False
    texture = gtk.gsk_renderer_render_texture(address(window.get_renderer().__gpointer__, None),
                                              node, (ctypes.c_float * 4)(0, 0, w, h))
    ok = gtk.gdk_texture_save_to_png(texture, path.encode())
    gtk.g_object_unref(texture)
    gtk.gsk_render_node_unref(node)
    return bool(ok)


if __name__ == '__main__':
    app = HashFiles()
    status = app.run(sys.argv)
    sys.exit(status or app.status)
