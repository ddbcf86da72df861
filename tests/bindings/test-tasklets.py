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


@case
def test_stackful_c_task_and_python_tasklet_on_one_channel():
    # A real stackful C task (tests/bindings/c-echo-task.c, blocking typed recv/send)
    # and a Python tasklet are the two ends of two typed channels: the tasklet sends
    # 1..100, the C task answers each times ten, in order; closing ends the C task,
    # which closes the answers.
    import ctypes
    lib = ctypes.CDLL(os.environ['TASK9_TEST_C_ECHO'])
    lib.task9_test_spawn_c_echo.restype = ctypes.c_uint64
    lib.task9_test_spawn_c_echo.argtypes = [ctypes.c_void_p, ctypes.c_void_p]
    get_pointer = ctypes.pythonapi.PyCapsule_GetPointer
    get_pointer.restype = ctypes.c_void_p
    get_pointer.argtypes = [ctypes.py_object, ctypes.c_char_p]

    async def main():
        requests = Task9.Channel.new_typed(GObject.TYPE_INT, 0)
        answers = Task9.Channel.new_typed(GObject.TYPE_INT, 0)
        task_id = lib.task9_test_spawn_c_echo(get_pointer(requests.__gpointer__, None),
                                              get_pointer(answers.__gpointer__, None))
        got = []
        for i in range(1, 101):
            await requests.send(i)
            got.append(await answers.recv())
        requests.close()
        closed = False
        try:
            await answers.recv()
        except Task9.Closed:
            closed = True
        table = {info.get_id(): info for info in Task9.snapshot_task_table()}
        return task_id, got, closed, table

    task_id, got, closed, table = Task9.run(main())
    check(task_id != 0, 'the C task was spawned')
    check(got == [10 * i for i in range(1, 101)], 'the C task answered each in order')
    check(closed, 'the C task closed its answers when the requests were closed')
    check(task_id not in table or table[task_id].get_state() == Task9.TaskState.FINISHED,
          'the C task has ended')


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


async def _until(pred, what='a state'):
    """Waits for a state, not for a time: lets everything runnable run (the main proc
    goes idle) until pred() is true."""
    for _ in range(10000):
        if pred():
            return
        await Task9.wait_idle()
    raise AssertionError('never reached: %s' % what)


# ---- issue 9's objects from tasklets: every _async pair by its short name ----

@case
def test_lock_fifo_and_mutual_exclusion():
    N = 6
    log = []
    inside = [0, 0]   # now, most at once

    async def worker(lock, i):
        log.append(('ask', i))
        async with lock:                  # Lock.__aenter__: yield lock.acquire()
            inside[0] += 1
            inside[1] = max(inside[1], inside[0])
            log.append(('got', i))
            await Task9.sleep(0)          # hold it across a wait: nobody may slip in
            inside[0] -= 1

    def gen_worker(lock):
        with (yield lock.acquire()) as held:   # a Held: releases on exit
            check(bool(held) and lock.is_locked(), 'generator holds the lock')
        return lock.is_locked()

    async def main():
        lock = Task9.Lock.new()
        held = await lock.acquire()       # main holds it: every worker queues
        check(isinstance(held, Task9.Held) and lock.is_locked(), 'acquire gives a Held')
        workers = [Task9.spawn(worker(lock, i), name='locker %d' % i) for i in range(N)]
        await _until(lambda: len(log) == N, 'every worker asked')
        check(all(w.task.get_wait_reason() == 'acquire' for w in workers),
              'workers wait in acquire: %r' % [w.task.get_wait_reason() for w in workers])
        check(lock.has_waiters(), 'lock has waiters')
        held.release()
        held.release()                    # once only
        for w in workers:
            await w
        free_after_gen = await Task9.spawn(gen_worker(lock))
        return free_after_gen, lock.is_locked()

    check(Task9.run(main()) == (False, False), 'lock free at the end')
    check(inside[1] == 1, 'mutual exclusion: %d inside at once' % inside[1])
    check([i for what, i in log if what == 'got'] == list(range(N)),
          'FIFO: %r' % [i for what, i in log if what == 'got'])


@case
def test_lock_cancelled_or_timed_out_acquire_owns_nothing():
    async def waiter(lock, got):
        async with lock:
            got.append('acquired')

    async def main():
        lock = Task9.Lock.new()
        got_a, got_b = [], []
        async with lock:
            a = Task9.spawn(waiter(lock, got_a), name='cancelled acquirer')
            b = Task9.spawn(waiter(lock, got_b), name='next acquirer')
            try:
                await lock.acquire(timeout=0.005)
                timed = 'no'
            except Task9.TimedOut:
                timed = 'timed out'
            a.cancel()
            try:
                await a
                cancelled = 'no'
            except Task9.Cancelled:
                cancelled = 'cancelled'
        # Released: the lock goes to b, skipping a (cancelled) and the timed-out wait.
        await b
        return timed, cancelled, got_a, got_b, lock.is_locked(), lock.has_waiters()

    check(Task9.run(main()) == ('timed out', 'cancelled', [], ['acquired'], False, False),
          'a cancelled or timed-out acquire holds nothing')


@case
def test_cond_wait_signal():
    async def main():
        lock = Task9.Lock.new()
        cond = Task9.Cond.new(lock)
        items = []
        taken = []

        async def consumer():
            for _ in range(3):
                async with lock:
                    while not items:
                        await cond.wait()         # returns holding the lock again
                        check(lock.is_locked(), 'cond.wait returns holding the lock')
                    taken.append(items.pop(0))

        c = Task9.spawn(consumer())
        for i in range(3):
            await _until(lambda: c.task.get_wait_reason() == 'wait', 'consumer in cond.wait')
            async with lock:
                items.append(i)
                cond.signal()
        await c
        # broadcast wakes every sleeper
        woken = []

        async def sleeper(i):
            async with lock:
                await cond.wait()
                woken.append(i)

        sleepers = [Task9.spawn(sleeper(i)) for i in range(3)]
        await _until(lambda: all(s.task.get_wait_reason() == 'wait' for s in sleepers),
                     'every sleeper in cond.wait')
        async with lock:
            n = cond.broadcast()
        for s in sleepers:
            await s
        return taken, n, sorted(woken)

    check(Task9.run(main()) == ([0, 1, 2], 3, [0, 1, 2]), 'cond wait/signal/broadcast')


@case
def test_event_set_wakes_all():
    async def main():
        ev = Task9.Event.new()
        woken = []

        async def waiter(i):
            woken.append((i, await ev.wait()))

        ws = [Task9.spawn(waiter(i)) for i in range(4)]
        await _until(lambda: all(w.task.get_wait_reason() == 'wait' for w in ws),
                     'every waiter in ev.wait')
        check(woken == [], 'nobody woken before set')
        timed = None
        try:
            await ev.wait(timeout=0.001)
        except Task9.TimedOut:
            timed = True
        ev.set()
        for w in ws:
            await w
        again = await ev.wait()                   # a set event returns at once
        return woken, timed, again

    check(Task9.run(main()) == ([(i, True) for i in range(4)], True, True),
          'event set wakes every waiter, first come first woken')


@case
def test_semaphore_bound():
    async def main():
        sem = Task9.Semaphore.new_bounded(2, 2)
        busy = [0, 0]

        async def user():
            async with sem:
                busy[0] += 1
                busy[1] = max(busy[1], busy[0])
                await Task9.sleep(0.001)
                busy[0] -= 1

        users = [Task9.spawn(user()) for _ in range(6)]
        for u in users:
            await u
        held = await sem.acquire()
        held.release()
        overflow = None
        try:
            sem.release()                          # past the bound
        except GLib.Error as e:
            overflow = e.matches(Task9.error_quark(), Task9.Error.OVERFLOW)
        return busy[1], overflow, sem.get_value()

    check(Task9.run(main()) == (2, True, 2), 'at most 2 hold the semaphore; release past the bound fails')


@case
def test_queue_python_objects_put_get_join_close():
    class Job:
        pass

    jobs = [Job() for _ in range(10)] + [{'k': [1]}, (True, 2), None]

    async def main():
        q = Task9.Queue(2)                         # of Python objects, 2 at most
        check(q.get_elem_type() == GObject.TYPE_PYOBJECT, 'Queue() holds Python objects')
        got = []

        async def consumer():
            while True:
                try:
                    item = await q.get()
                except Task9.Closed:
                    return 'closed'
                got.append(item)
                q.task_done()

        c = Task9.spawn(consumer(), name='consumer')
        for j in jobs:
            await q.put(j)                         # waits while 2 are queued
        await q.join(timeout=5)                    # every item marked done
        check(q.get_unfinished() == 0, 'nothing unfinished after join')
        q.close()
        ended = await c
        closed_put = None
        try:
            await q.put(1)
        except Task9.Closed:
            closed_put = True
        too_many = None
        try:
            q.task_done()
        except ValueError:
            too_many = True
        return got, ended, closed_put, too_many

    got, ended, closed_put, too_many = Task9.run(main())
    check(len(got) == len(jobs) and all(a is b for a, b in zip(got, jobs[:10])) and
          got[10:] == jobs[10:], 'the same objects, in order: %r' % (got[10:],))
    check((ended, closed_put, too_many) == ('closed', True, True),
          'close ends the get, fails the put; one task_done too many raises ValueError')


@case
def test_queue_cancelled_get_leaves_the_item():
    async def getter(q):
        return await q.get()

    async def main():
        q = Task9.Queue()
        g = Task9.spawn(getter(q), name='cancelled getter')
        await _until(lambda: g.task.get_wait_reason() == 'get', 'getter waits in get')
        g.cancel()
        try:
            await g
            out = 'no'
        except Task9.Cancelled:
            out = 'cancelled'
        try:
            await q.get(timeout=0.001)
        except Task9.TimedOut:
            out += ', timed out'
        await q.put('item')
        return out, q.try_get(), q.try_get()

    check(Task9.run(main()) == ('cancelled, timed out', (True, 'item'), (False, None)),
          'a cancelled or timed-out get took nothing')


@case
def test_typed_queue_shared_with_c_face():
    # A GValue queue of ints: the short ops make each item a GValue of the elem type.
    async def main():
        q = Task9.Queue.new(GObject.TYPE_INT, 0)
        await q.put(7)
        check(q.try_put(8) is True, 'try_put on a typed queue')
        # the raw pair, as main-loop code calls it: a plain value back
        out = []
        q.get_async(None, lambda src, res, _d: out.append(src.get_finish(res)), None)
        await _until(lambda: out, 'the raw get to finish')
        return out, await q.get()

    check(Task9.run(main()) == ([7], 8), 'typed queue; get_finish gives the plain value')


@case
def test_rwlock_readers_share_writer_waits():
    async def main():
        rw = Task9.RWLock.new()
        all_in = Task9.Event.new()
        inside = [0, 0]
        log = []

        async def reader(i):
            async with rw.reader_acquire():        # the op is an async context manager
                inside[0] += 1
                inside[1] = max(inside[1], inside[0])
                if inside[0] == 3:
                    all_in.set()
                await all_in.wait()                # every reader is in at once
                inside[0] -= 1
            log.append('reader out')

        def writer():
            with (yield rw.writer_acquire()):
                log.append('writer in with %d readers' % inside[0])

        readers = [Task9.spawn(reader(i)) for i in range(3)]
        await _until(lambda: inside[1] == 3, 'every reader in')
        w = Task9.spawn(writer())
        for t in readers + [w]:
            await t
        return inside[1], log

    check(Task9.run(main()) == (3, ['reader out'] * 3 + ['writer in with 0 readers']),
          'readers share an RWLock; the writer waits for them')


@case
def test_short_names_everywhere():
    # Every _async/_finish pair of every Task9 class has its short op, found from the
    # typelib; the old helper still works.
    async def main():
        ok = []
        for cls, names in ((Task9.Lock, ['acquire']), (Task9.Queue, ['put', 'get', 'join']),
                           (Task9.RWLock, ['reader_acquire', 'writer_acquire']),
                           (Task9.Cond, ['wait']), (Task9.Event, ['wait']),
                           (Task9.Semaphore, ['acquire']), (Task9.Alt, ['select']),
                           (Task9.Channel, ['recv_value', 'send_value']),
                           (Task9.Task, ['join'])):
            ok += [callable(getattr(cls, n)) for n in names]
        lock = Task9.Lock.new()
        await Task9.wait(lock.acquire_async)       # the generic helper, kept
        lock.release()
        c = Gio.Cancellable()
        c.cancel()
        try:
            await lock.acquire(cancellable=c)
            ok.append(False)
        except Task9.Cancelled:
            ok.append(not lock.is_locked())
        ch = Task9.Channel.new_typed(GObject.TYPE_STRING, 1)
        await ch.send_value('s')
        ok.append(await ch.recv_value() == 's')
        return ok

    ok = Task9.run(main())
    check(all(ok), 'short names: %r' % ok)


# ---- the mission: anything a program waits for, in one alt ----

ARMS = ('pipe readable', 'child exited', 'signal', 'message', 'deadline')


async def first_of_everything(rfd, pid, messages, deadline):
    """Waits for whichever comes first: fd readiness, the child's exit, SIGUSR2, a
    message, or the deadline, in one Task9.alt. Gives (what, value)."""
    readable = Task9.fd_watch(rfd, GLib.IOCondition.IN)
    exited = Task9.child_watch(pid)
    signals = Task9.signal_subscribe(signal.SIGUSR2, 1)
    try:
        i, value = await Task9.alt(readable.recv(), exited.recv(), signals.recv(),
                                   messages.recv(), Task9.after(deadline))
    finally:
        for ch in (readable, exited, signals):
            ch.close()
    return ARMS[i], value


@case
def test_mission_fd_child_signal_message_in_one_alt():
    async def one_run(arm):
        r, w = os.pipe()
        child_in, stdin_fd = os.pipe()         # the child exits 7 at EOF on stdin
        pid = os.posix_spawn('/bin/sh', ['sh', '-c', 'read x; exit 7'], os.environ,
                             file_actions=[(os.POSIX_SPAWN_DUP2, child_in, 0),
                                           (os.POSIX_SPAWN_CLOSE, stdin_fd)])
        os.close(child_in)
        messages = Task9.Channel.new_for_python(1)

        async def trigger():
            # Runs once the waiter blocks in its alt (a spawned tasklet first runs when
            # its spawner waits): makes one arm ready.
            if arm == 'pipe readable':
                os.write(w, b'x')
            elif arm == 'child exited':
                os.close(stdin_fd)            # EOF: the child exits 7
            elif arm == 'signal':
                os.kill(os.getpid(), signal.SIGUSR2)
            elif arm == 'message':
                await messages.send({'hello': 'tasklet'})

        waiter = Task9.spawn(first_of_everything(
            r, pid, messages, 0.02 if arm == 'deadline' else 10), name='waiter')
        t = Task9.spawn(trigger())
        got = await waiter
        await t
        if arm == 'child exited':
            status = got[1]                   # received: the library forgot it
        else:
            os.close(stdin_fd)
            status = await Task9.child_wait(pid)   # the closed watch gave it back
        os.close(r)
        os.close(w)
        return got, os.WEXITSTATUS(status)

    async def main():
        return [await one_run(arm) for arm in ARMS]

    results = Task9.run(main())
    winners = [what for (what, _v), _s in results]
    check(winners == list(ARMS), 'each arm wins once: %r' % winners)
    values = dict(r[0] for r in results)
    check(bool(values['pipe readable'] & GLib.IOCondition.IN), 'fd arm gives IN')
    check(os.WIFEXITED(values['child exited']) and
          os.WEXITSTATUS(values['child exited']) == 7, 'child arm gives the status')
    check(values['signal'] == signal.SIGUSR2, 'signal arm gives the signum: %r'
          % (values['signal'],))
    check(values['message'] == {'hello': 'tasklet'}, 'message arm gives the object')
    check(isinstance(values['deadline'], int), 'deadline arm gives the time')
    check(all(s == 7 for _g, s in results), 'every child exited 7 and was reaped')


# ---- a Python channel runs in Python until the library must see it ----

@case
def test_python_channel_moves_to_the_library_in_order():
    async def sender(ch, v):
        await ch.send(v)
        return v

    async def receiver(ch):
        return await ch.recv()

    async def main():
        out = {}
        # Buffered items and a parked sender move into the C channel, in order.
        ch = Task9.Channel.new_for_python(2)
        await ch.send('a')
        await ch.send('b')
        s = Task9.spawn(sender(ch, 'c'))
        await _until(lambda: s.task.get_wait_reason() == 'send', 'the sender parked')
        check(ch.get_length() == 2 and ch._py is not None, 'still a Python channel')
        i, v = await Task9.alt(ch.recv(), Task9.after(5))   # the alt moves it
        check(ch._py is None, 'an alt arm moved it to the library')
        out['moved'] = [v, await ch.recv(), await ch.recv(), await s]
        # Parked receivers move too, and a raw library call finds them there.
        ch2 = Task9.Channel.new_for_python()
        rs = [Task9.spawn(receiver(ch2)) for _ in range(2)]
        await _until(lambda: all(r.task.get_wait_reason() == 'recv' for r in rs),
                     'the receivers parked')
        check(ch2.try_send_value(GObject.Value(GObject.TYPE_PYOBJECT, 'x')) is True,
              'a raw try_send_value reaches a parked receiver')
        await _until(lambda: ch2.try_send('y'), 'the second receiver to wait in C')
        out['receivers'] = [await r for r in rs]
        # Close: parked receivers see Closed once the buffer is drained; senders at once.
        ch3 = Task9.Channel.new_for_python(1)
        await ch3.send(1)
        late = Task9.spawn(sender(ch3, 2))
        await _until(lambda: late.task.get_wait_reason() == 'send', 'a sender parked')
        ch3.close()
        check(ch3.is_closed(), 'closed')
        try:
            await late
            out['late'] = 'sent'
        except Task9.Closed:
            out['late'] = 'closed'
        out['drain'] = await ch3.recv()
        try:
            await ch3.recv()
        except Task9.Closed:
            out['drained'] = True
        r4 = Task9.spawn(receiver(ch))
        ch.close()                                   # a library channel by now
        try:
            await r4
        except Task9.Closed:
            out['c closed'] = True
        return out

    check(Task9.run(main()) == {'moved': ['a', 'b', 'c', 'c'], 'receivers': ['x', 'y'],
                                'late': 'closed', 'drain': 1, 'drained': True,
                                'c closed': True},
          'a Python channel keeps its order when it moves to the library')


@case
def test_python_channel_cancellation_from_another_thread():
    # Task9.Task.cancel() from a plain thread (as a C task on another proc would): the
    # recv parked in Python fails from the main loop, and took nothing.
    import threading

    async def main():
        ch = Task9.Channel.new_for_python()
        t = Task9.spawn(ch.recv(), name='parked')
        await _until(lambda: t.task.get_wait_reason() == 'recv', 'parked')
        record = t.task
        th = threading.Thread(target=lambda: Task9.Task.cancel(record))
        th.start()
        th.join()
        try:
            await t
            return 'no'
        except Task9.Cancelled:
            pass
        return ch.try_send(1), ch.get_length()

    check(Task9.run(main()) == (False, 0), 'cancelled from a thread; nothing taken')


# ---- mailboxes: Task9.receive_message() and handle.send_message() ----

@case
def test_mailbox_selective_receive_any_object():
    box = {'same': 'object'}

    async def printer():
        got = []
        while True:
            name, value = await Task9.receive_message(['print', 'quit'])
            if name == 'quit':
                return got, value
            got.append(value)

    def gen_receiver():
        # A generator tasklet: one name as a str; then any name (None).
        a = yield Task9.receive_message('b')
        b = yield Task9.receive_message(None)
        return a, b

    async def main():
        p = Task9.spawn(printer(), name='printer')
        p.send_message('other', 'left queued')           # not accepted: stays queued
        for v in (1, 'two', box, 2.5, None, True, [3], 2**70):
            p.send_message('print', v)
        p.send_message('quit', 'bye')
        got, bye = await p
        check(got == [1, 'two', box, 2.5, None, True, [3], 2**70] and bye == 'bye',
              'messages in order, as sent: %r' % (got,))
        check(got[2] is box, 'a Python object arrives as the very object')
        check(p.task.get_n_messages() == 1, 'the message nobody accepted stays queued')

        g = Task9.spawn(gen_receiver(), name='gen-receiver')
        g.send_message('a', 'first')
        g.send_message('b', 'second')
        # Selective: 'b' first although 'a' came earlier; then any takes 'a'.
        check((res := await g) == (('b', 'second'), ('a', 'first')),
              'selective receive from a generator: %r' % (res,))
        return True

    check(Task9.run(main()), 'mailbox round trip')


@case
def test_mailbox_timeout_cancel_take_nothing():
    async def receiver(results):
        try:
            await Task9.receive_message(['x'], timeout=0.005)
            results.append('received')
        except Task9.TimedOut:
            results.append('timed out')
        try:
            await Task9.receive_message(['y'])
            results.append('received')
        except Task9.Cancelled:
            results.append('cancelled')
            return 'cleaned up'

    async def main():
        results = []
        r = Task9.spawn(receiver(results), name='receiver')
        await _until(lambda: results == ['timed out'], 'the first receive timed out')
        await _until(lambda: r.task.get_wait_reason() == 'message', 'waiting for y')
        r.cancel()
        end = await r
        n_before = r.task.get_n_messages()
        # The cancelled tasklet's record has ended: a send fails with Closed.
        try:
            r.send_message('y', 1)
            closed = False
        except Task9.Closed:
            closed = True
        return results, end, n_before, closed, r.task.get_n_messages()

    check(Task9.run(main()) == (['timed out', 'cancelled'], 'cleaned up', 0, True, 0),
          'a timed-out or cancelled receive takes nothing; a send to an ended tasklet '
          'raises Closed')

    # A cancelled receive with a message queued for another name leaves it queued.
    async def picky():
        await Task9.receive_message(['wanted'])

    async def main2():
        t = Task9.spawn(picky(), name='picky')
        t.send_message('unwanted', 'stay')
        await _until(lambda: t.task.get_wait_reason() == 'message', 'picky waits')
        t.cancel()
        try:
            await t
        except Task9.Cancelled:
            pass
        return t.task.get_n_messages()

    check(Task9.run(main2()) == 1, 'the unaccepted message is still queued')


@case
def test_mailbox_from_another_thread_and_the_c_record():
    import threading

    async def receiver():
        out = []
        for _ in range(3):
            out.append(await Task9.receive_message(['t', 'c']))
        return out

    async def main():
        r = Task9.spawn(receiver(), name='thread-receiver')
        await _until(lambda: r.task.get_wait_reason() == 'message', 'receiver waits')
        th = threading.Thread(target=lambda: [r.send_message('t', i) for i in (1, 2)])
        th.start()
        th.join()
        # The record's send_message (what C and GJS call) takes any Python object too.
        r.task.send_message('c', {'from': 'record'})
        return await r

    check(Task9.run(main()) == [('t', 1), ('t', 2), ('c', {'from': 'record'})],
          'messages from another thread and through the record')
    try:
        Task9.receive_message([])
        bad = False
    except ValueError:
        bad = True
    check(bad, 'receive_message([]) is a ValueError, not a critical')


# ---- the task table: a blocked tasklet, its wait reason and spawn location ----

@case
def test_task_table_shows_spawn_location():
    async def blocked(ch):
        return await ch.recv()

    async def main():
        ch = Task9.Channel.new_for_python()
        t, line = Task9.spawn(blocked(ch), name='table-probe'), sys._getframe().f_lineno
        m, mline = Task9.spawn(Task9.receive_message('never')), sys._getframe().f_lineno
        await _until(lambda: t.task.get_wait_reason() == 'recv', 'the tasklet blocks')
        await _until(lambda: m.task.get_wait_reason() == 'message', 'the receiver blocks')
        infos = {i.get_id(): i for i in Task9.snapshot_task_table()}
        info, minfo = infos.get(t.id), infos.get(m.id)
        me = infos.get(Task9.current().id)
        here = __file__   # as the interpreter names this file in its frames
        rows = [(i.get_name(), i.get_state(), i.get_wait_reason(), i.get_spawn_location(),
                 i.is_external()) if i is not None else None for i in (info, minfo)]
        m.cancel()
        ch.close()
        try:
            await t
        except Task9.Closed:
            pass
        try:
            await m
        except Task9.Cancelled:
            pass
        return rows, here, line, mline, me.get_spawn_location() if me else None

    main_line = sys._getframe().f_lineno + 1
    rows, here, line, mline, main_loc = Task9.run(main())
    check(rows[0] == ('table-probe', Task9.TaskState.BLOCKED, 'recv',
                      '%s:%d' % (here, line), True),
          'the table lists the blocked tasklet: %r (spawned at %s:%d)' % (rows[0], here, line))
    check(rows[1] is not None and rows[1][1:4] == (Task9.TaskState.BLOCKED, 'message',
                                                   '%s:%d' % (here, mline)),
          'a tasklet waiting for a message: %r' % (rows[1],))
    check(main_loc == '%s:%d' % (here, main_line),
          'Task9.run() records its caller: %r' % (main_loc,))



@case
def test_tasklet_that_never_waits_is_still_a_task():
    # A tasklet gets its C record at its first wait or when asked for; one that has not
    # run yet, or ended without waiting, is still listed, joined and cancelled.
    async def quick(v):
        return v

    async def main():
        a, aline = Task9.spawn(quick(1), name='not-yet-run'), sys._getframe().f_lineno
        infos = {i.get_id(): i for i in Task9.snapshot_task_table()}
        info = infos.get(a.id)
        listed = (info.get_name(), info.get_state(), info.get_spawn_location()) \
            if info is not None else None
        in_text = 'not-yet-run' in Task9.format_task_table()
        got_a = await a
        # Ended in its first step, nobody asked: its record is made now, already ended.
        b = Task9.spawn(quick(2))
        got_b = await b
        await Task9.wait(b.task.join_async, finish=b.task.join_finish)
        c_join = b.task.dup_result_value()
        # Cancelled before its first step: its first wait fails.
        c = Task9.spawn(Task9.sleep(30))
        c.cancel()
        try:
            await c
            c_out = 'ran'
        except Task9.Cancelled:
            c_out = 'cancelled'
        return listed, aline, in_text, got_a, got_b, c_join, c_out

    listed, aline, in_text, got_a, got_b, c_join, c_out = Task9.run(main())
    check(listed == ('not-yet-run', Task9.TaskState.RUNNING, '%s:%d' % (__file__, aline)),
          'a tasklet not yet run is in snapshot_task_table(): %r' % (listed,))
    check(in_text, 'and in format_task_table()')
    check(got_a == 1 and got_b == 2, 'both give their results')
    check(c_join == 2, 'a C join of a tasklet that ended without waiting: %r' % (c_join,))
    check(c_out == 'cancelled', 'a cancel before the first step: %r' % (c_out,))


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
