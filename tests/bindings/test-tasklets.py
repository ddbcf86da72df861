#!/usr/bin/python3
# test-tasklets.py: Python tasklets through the Task9 override (gi/overrides/Task9.py)
#
# Copyright 2026 The libtask9-glib authors
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Each check runs a small program with Task9.run() and looks at what it returned or
# raised. Nothing waits by sleeping: tasklets wait for each other over channels, joins
# and the library's conditions. The script counts its checks and prints
# `N passed, N failed` last; it exits non-zero on any failure.
#
# Run by `meson test --suite bindings` with GI_TYPELIB_PATH, LD_LIBRARY_PATH and
# PYTHONPATH (the override) pointing at the build tree.

import os
import signal
import subprocess
import sys
import traceback

import gi

gi.require_version('GLib', '2.0')
gi.require_version('GObject', '2.0')
gi.require_version('Gio', '2.0')
gi.require_version('Task9', '1')
from gi.repository import GLib, GObject, Gio, Task9  # noqa: E402

passed = 0
failed = 0


def check(cond, what):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print('FAIL: %s' % what, flush=True)


def case(fn):
    """Runs one test function; an exception escaping it is a failure."""
    global failed
    if os.environ.get('TASKLETS_VERBOSE'):
        print('-', fn.__name__, flush=True)
    try:
        fn()
    except BaseException:   # noqa: B902
        failed += 1
        print('FAIL: %s raised:' % fn.__name__, flush=True)
        traceback.print_exc()
    return fn


def raises(exc_type, fn):
    try:
        fn()
    except exc_type as e:
        return e
    return None


async def _send_one(ch, v):
    await ch.send(v)


async def _forever():
    await Task9.sleep(3600)


async def _kill_soon(signum):
    await Task9.sleep(0.001)
    os.kill(os.getpid(), signum)


# ---- the main proc needs no set-up ----

@case
def test_after_first_thing():
    # Nothing called Task9.Proc.get_main() in this process before: the first after()
    # makes this thread the main proc's (a fresh interpreter, to be sure).
    code = ('import gi; gi.require_version("Task9", "1");'
            'from gi.repository import Task9;'
            'ch = Task9.Channel.after(1000); assert ch is not None;'
            'assert Task9.proc_get_current() is not None;'
            't = Task9.Channel.new_ticker(1000); t.close();'
            'print("ok")')
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True,
                         timeout=30)
    check(out.returncode == 0 and out.stdout.strip() == 'ok' and 'CRITICAL' not in out.stderr,
          'after() as the first call: %r %r' % (out.stdout, out.stderr))


# ---- the shape of the issue ----

@case
def test_issue_example():
    seen = []

    def printer(ch):
        while True:
            try:
                v = yield ch.recv()
            except Task9.Closed:
                return 'done'
            seen.append(v)

    async def main():
        ch = Task9.Channel.new_for_python(capacity=4)
        t = Task9.spawn(printer(ch), name='printer')
        check(t.name == 'printer' and t.id > 0, 'handle has id and name')
        await ch.send({'n': 1})
        i, v = await Task9.alt(ch.send(2), Task9.after(1.5))
        check((i, v) == (0, None), 'alt send arm won: %r' % ((i, v),))
        ch.close()
        return await t

    check(Task9.run(main()) == 'done', 'run returns main result')
    check(seen == [{'n': 1}, 2], 'printer saw %r' % (seen,))


@case
def test_generator_and_coroutine_and_join():
    def gen(x):
        yield Task9.sleep(0)
        return x * 2

    async def coro(x):
        await Task9.sleep(0)
        return x + 1

    def main():
        a = Task9.spawn(gen(5))
        b = Task9.spawn(coro(5))
        ra = yield a
        rb = yield Task9.join(b)
        rc = yield a.join()
        return (ra, rb, rc)

    check(Task9.run(main()) == (10, 6, 10), 'generator/coroutine results')


@case
def test_python_objects_cross_unchanged():
    obj = object()

    async def main():
        ch = Task9.Channel.new_for_python()

        async def sender():
            await ch.send(obj)
            await ch.send([1, 'x'])

        Task9.spawn(sender())
        a = await ch.recv()
        b = await ch.recv()
        return a, b

    a, b = Task9.run(main())
    check(a is obj and b == [1, 'x'], 'objects through a Python channel')


@case
def test_typed_channel_and_try():
    async def main():
        ch = Task9.Channel.new_typed(GObject.TYPE_STRING, 1)
        check(ch.try_send('a') is True, 'try_send into room')
        check(ch.try_send('b') is False, 'try_send full')
        check(ch.try_recv() == (True, 'a'), 'try_recv')
        check(ch.try_recv() == (False, None), 'try_recv empty')
        ch.close()
        check(raises(Task9.Closed, ch.try_recv) is not None, 'try_recv closed')
        e = None
        try:
            await ch.send('late')
        except Task9.Closed as ex:
            e = ex
        check(isinstance(e, Task9.Closed) and e.error is not None, 'send on closed raises Closed')
        return True

    Task9.run(main())


@case
def test_async_for():
    async def main():
        ch = Task9.Channel.new_for_python(3)
        for i in range(3):
            await ch.send(i)
        ch.close()
        return [v async for v in ch]

    check(Task9.run(main()) == [0, 1, 2], 'async for over a channel')


# ---- time ----

@case
def test_time_ops():
    async def main():
        start = GLib.get_monotonic_time()
        await Task9.sleep(0.02)
        check(GLib.get_monotonic_time() - start >= 20000, 'sleep lasted')
        when = await Task9.after(0.01)
        check(isinstance(when, int) and when >= start, 'after gives the time')
        t = Task9.ticker(0.005)
        a = await t.recv()
        b = await t.recv()
        t.close()
        check(b > a, 'ticker ticks forward')
        ch = Task9.Channel.new_for_python()
        i, v = await Task9.alt(ch.recv(), Task9.after(0.01))
        check(i == 1 and isinstance(v, int), 'after arm wins an alt')
        return True

    Task9.run(main())


@case
def test_timeout_keyword():
    async def main():
        ch = Task9.Channel.new_for_python()
        out = []
        for op in (ch.recv(timeout=0.01), ch.send(1, timeout=0.01),
                   Task9.sleep(10, timeout=0.01),
                   Task9.alt(ch.recv(), timeout=0.01)):
            try:
                await op
                out.append('no')
            except Task9.TimedOut:
                out.append('timed out')
        # The timed-out ops took nothing: the channel works as before.
        t = Task9.spawn(_send_one(ch, 'x'))
        out.append(await ch.recv())
        await t
        return out

    check(Task9.run(main()) == ['timed out'] * 4 + ['x'], 'timeout= on every op')


@case
def test_cancellable_keyword():
    async def main():
        c = Gio.Cancellable()
        ch = Task9.Channel.new_for_python()

        async def canceller():
            await Task9.sleep(0)
            c.cancel()

        Task9.spawn(canceller())
        try:
            await ch.recv(cancellable=c)
        except Task9.Cancelled:
            return 'cancelled'
        return 'no'

    check(Task9.run(main()) == 'cancelled', 'cancellable= cancels one op')


# ---- cancellation ----

@case
def test_cancel_with_cleanup():
    log = []

    def worker(ch):
        try:
            yield ch.recv()
        except Task9.Cancelled:
            log.append('cleanup')
            # Every later wait fails too.
            try:
                yield Task9.sleep(0)
            except Task9.Cancelled:
                log.append('later wait cancelled')
            raise

    async def main():
        ch = Task9.Channel.new_for_python()
        t = Task9.spawn(worker(ch), name='victim')
        await Task9.sleep(0.001)
        check(t.task.get_state() == Task9.TaskState.BLOCKED, 'blocked in the table')
        check(t.task.get_wait_reason() == 'recv', 'wait reason recv')
        check('victim' in Task9.format_task_table(), 'in the task table')
        t.cancel()
        try:
            await t
        except Task9.Cancelled:
            log.append('joiner saw Cancelled')
        check(ch.try_send('x') is False, 'cancelled recv took nothing')
        return True

    Task9.run(main())
    check(log == ['cleanup', 'later wait cancelled', 'joiner saw Cancelled'], repr(log))


@case
def test_cancel_from_c_api():
    # Task9.Task.cancel on the external task record, as C or GJS would.
    async def sleeper():
        await Task9.sleep(3600)

    async def main():
        t = Task9.spawn(sleeper())
        await Task9.sleep(0)
        check(t.task.is_external(), 'a tasklet is an external task')
        Task9.Task.cancel(t.task)
        try:
            await Task9.join(t.task)   # joined through the library, as C would
        except Task9.Cancelled:
            return 'cancelled'
        return 'no'

    check(Task9.run(main()) == 'cancelled', 'cancel through the C record')


@case
def test_cancel_stops_join_and_thread_waits():
    import threading
    gate = threading.Event()

    async def waiter(target):
        await target

    async def threaded():
        await Task9.run_in_thread(gate.wait)

    async def main():
        forever = Task9.spawn(_forever())
        a = Task9.spawn(waiter(forever))
        b = Task9.spawn(threaded())
        await Task9.sleep(0.001)
        a.cancel()
        b.cancel()
        out = []
        for t in (a, b):
            try:
                await t
            except Task9.Cancelled:
                out.append('cancelled')
        forever.cancel()
        gate.set()
        return out

    check(Task9.run(main()) == ['cancelled', 'cancelled'], 'join and thread waits cancel at once')


# ---- exceptions ----

@case
def test_joined_exception_reraised():
    class Boom(Exception):
        pass

    async def bad():
        await Task9.sleep(0)
        raise Boom('x')

    async def main():
        t = Task9.spawn(bad())
        try:
            await t
        except Boom as e:
            return str(e)

    check(Task9.run(main()) == 'x', 'exception reaches the joiner')

    # And the C record carries the failure for C/GJS joiners.
    async def main2():
        t = Task9.spawn(bad())
        ok = False
        try:
            # The library's own join, through the generic helper, as C or GJS joins.
            await Task9.wait(t.task.join_async, finish=t.task.join_finish)
        except GLib.Error as e:
            ok = e.matches(Task9.error_quark(), Task9.Error.FAILED) and 'Boom' in e.message
        try:
            await t   # and the Python exception for Python joiners
        except Boom:
            return ok
        return False

    check(Task9.run(main2()) is True, 'C join sees TASK9_ERROR_FAILED')


@case
def test_unjoined_exception_on_stderr():
    code = '''
import gi; gi.require_version("Task9", "1")
from gi.repository import Task9
async def bad():
    raise ValueError("nobody joins me")
async def main():
    Task9.spawn(bad(), name="lonely")
    await Task9.sleep(0.05)
    return 0
Task9.run(main())
'''
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True,
                         timeout=30)
    check(out.returncode == 0 and 'nobody joins me' in out.stderr and 'lonely' in out.stderr,
          'unjoined exception printed: %r' % out.stderr)


@case
def test_run_raises_main_exception():
    async def main():
        raise KeyError('k')

    check(isinstance(raises(KeyError, lambda: Task9.run(main())), KeyError), 'run re-raises')


@case
def test_yield_non_op_is_type_error():
    def main():
        try:
            yield 42
        except TypeError:
            return 'type error'

    check(Task9.run(main()) == 'type error', 'yielding a non-op raises TypeError in the tasklet')


# ---- C and Python on one typed channel ----

@case
def test_c_task_and_python_tasklet_share_a_channel():
    # The C side: the library's own C code that sends on a typed channel from outside
    # Python (a GObject signal channel fed by the C signal closure), and a C task (a
    # task-end channel: a C join from the library) - plus a Python tasklet at the other
    # end of a typed int channel that the C alt and C async face also use.
    async def main():
        ch = Task9.Channel.new_typed(GObject.TYPE_INT, 0)

        def cside(src, res, _d):
            src.send_value_finish(res)

        # A C-side receive through the C async face (not Python code): the value the
        # tasklet sends lands in C, which hands it back with send_value_async.
        got = []

        def on_recv(src, res, _):
            v = src.recv_value_finish(res)   # a plain value (the override)
            got.append(v)
            src.send_value_async(v * 10, None, cside, None)

        ch.recv_value_async(None, on_recv, None)
        await ch.send(4)
        back = await ch.recv()
        # Emissions: a typed channel the library feeds from C.
        action = Gio.SimpleAction.new('go', GLib.VariantType.new('i'))
        em = Task9.object_connect_channel(action, 'activate', 2)
        action.activate(GLib.Variant('i', 7))
        e = await em.recv()
        em.close()
        return got, back, e.get_value(0).unpack()

    check(Task9.run(main()) == ([4], 40, 7), 'typed channel between C and a tasklet')


# ---- wait conditions and GIO ----

@case
def test_wait_conditions():
    async def main():
        out = {}
        # signal
        t = Task9.spawn(_kill_soon(signal.SIGUSR1))
        await Task9.signal_wait(signal.SIGUSR1)
        await t
        out['signal'] = True
        # child
        pid, _, _, _ = GLib.spawn_async(['/bin/sh', '-c', 'exit 3'],
                                        flags=GLib.SpawnFlags.DO_NOT_REAP_CHILD)
        status = await Task9.child_wait(pid)
        out['child'] = os.WEXITSTATUS(status)
        GLib.spawn_close_pid(pid)
        # fd
        r, w = os.pipe()
        os.write(w, b'x')
        cond = await Task9.fd_wait(r, GLib.IOCondition.IN)
        out['fd'] = bool(cond & GLib.IOCondition.IN)
        os.close(r)
        os.close(w)
        # GObject signal
        action = Gio.SimpleAction.new('ring', None)
        GLib.idle_add(lambda: action.activate(None))
        em = await Task9.object_wait_signal(action, 'activate')
        out['gsignal'] = em.get_instance() is action
        # idle
        out['idle'] = await Task9.wait_idle()
        # cancellable
        c = Gio.Cancellable()
        GLib.idle_add(c.cancel)
        out['cancellable'] = await Task9.cancellable_wait(c)
        # subprocess
        proc = Gio.Subprocess.new(['/bin/sh', '-c', 'exit 4'], Gio.SubprocessFlags.NONE)
        out['subprocess'] = os.WEXITSTATUS(await Task9.subprocess_wait(proc))
        return out

    check(Task9.run(main()) == {'signal': True, 'child': 3, 'fd': True, 'gsignal': True,
                                'idle': True, 'cancellable': True, 'subprocess': 4},
          'wait conditions')


@case
def test_gio_and_generic_wait():
    path = os.path.join(GLib.get_tmp_dir(), 'task9-tasklets-%d' % os.getpid())
    with open(path, 'wb') as f:
        f.write(b'hello')

    async def main():
        f = Gio.File.new_for_path(path)
        data, etag = await Task9.gio(f.load_contents_async)
        missing = Gio.File.new_for_path(path + '-missing')
        err = None
        try:
            await Task9.gio(missing.load_contents_async)
        except GLib.Error as e:
            err = e.matches(Gio.io_error_quark(), Gio.IOErrorEnum.NOT_FOUND)
        # The generic helper on a library pair, found by name (module function).
        await Task9.wait(Task9.sleep_async, 1000)
        # Cancellation of the tasklet reaches the GIO call.
        return bytes(data), err

    try:
        check(Task9.run(main()) == (b'hello', True), 'gio load_contents')
    finally:
        os.unlink(path)


@case
def test_run_in_thread_and_ioproc():
    import threading

    def work(a, b):
        return (a + b, threading.current_thread() is not threading.main_thread())

    def fail():
        raise OSError('disk')

    async def main():
        r = await Task9.run_in_thread(work, 2, 3)
        e = None
        try:
            await Task9.run_in_thread(fail)
        except OSError as ex:
            e = str(ex)
        io = Task9.IOProc()
        a = await io.call(work, 1, 1)
        io.close()
        return r, e, a

    check(Task9.run(main()) == ((5, True), 'disk', (2, True)), 'run_in_thread / IOProc')


# ---- run inside a running main loop ----

@case
def test_run_inside_running_loop():
    loop = GLib.MainLoop()
    out = []

    async def inner():
        await Task9.sleep(0.001)
        return 'inner'

    def from_callback():
        out.append(Task9.run(inner()))
        loop.quit()
        return GLib.SOURCE_REMOVE

    GLib.idle_add(from_callback)
    guard = GLib.timeout_add_seconds(10, loop.quit)
    loop.run()
    GLib.source_remove(guard)
    check(out == ['inner'], 'Task9.run inside a running MainLoop')


# ---- stress ----

@case
def test_five_thousand_tasklets():
    N = 5000

    async def main():
        ch = Task9.Channel.new_for_python(16)
        results = Task9.Channel.new_for_python(16)

        async def producer(i):
            await ch.send(i)

        async def relay():
            while True:
                try:
                    v = await ch.recv()
                except Task9.Closed:
                    return
                await results.send(v)

        producers = [Task9.spawn(producer(i)) for i in range(N)]
        relays = [Task9.spawn(relay()) for _ in range(8)]
        got = []
        for _ in range(N):
            got.append(await results.recv())
        for p in producers:
            await p
        ch.close()
        for r in relays:
            await r
        return got

    got = Task9.run(main())
    check(len(got) == N and sorted(got) == list(range(N)),
          '5000 messages, none lost or duplicated (%d got, %d distinct)'
          % (len(got), len(set(got))))


# ---- every tasklet finished: the task table holds no Python tasklet ----

@case
def test_table_empty_at_end():
    table = Task9.format_task_table()
    check(len(table.strip().splitlines()) == 1, 'no tasks left: %s' % table)


print('%d passed, %d failed' % (passed, failed))
sys.exit(1 if failed else 0)
