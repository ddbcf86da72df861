# Task9.py: the PyGObject override of Task9: Python tasklets on the GLib main loop
#
# Copyright 2026 The libtask9-glib authors
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# `from gi.repository import Task9` loads this on top of the typelib. It adds tasklets:
# generators (`v = yield ch.recv()`, the kiwi.tasklet heritage) and `async def`
# coroutines (`v = await ch.recv()`) driven from the GLib main loop by the library's
# _async/_finish pairs. No Python code ever runs on a task's C stack (DESIGN.md,
# "Bindings"); each tasklet is registered with the library as an external task
# (Task9.Task.new_external), so it has an id and a name, shows in the task table with
# what it waits for, and can be joined and cancelled from C, GJS or Python.
#
# How it works, in one paragraph. A tasklet is a _Tasklet driving one generator or
# coroutine. Everything a tasklet waits for is an _Op: an object with start(tasklet)
# that begins one wait and later calls tasklet._resume(value, exc) exactly once, from a
# main-loop dispatch, never from inside start(). Generators yield _Ops; coroutines await
# them (an _Op's __await__ yields itself to the driver). The ops that wrap a library
# _async call pass it the tasklet's GCancellable (the external task's), so
# Task9.Task.cancel() from anywhere fails the current wait and every later one with
# Task9.Cancelled. Waits that are pure Python (joining a Python tasklet, run_in_thread)
# listen for that cancellation themselves.
#
# Invariants:
# - A tasklet's coroutine is resumed only from _Tasklet._step(), which runs from a
#   main-loop dispatch (an _async callback, or the tasklet scheduler's idle source),
#   never recursively: resumes that come in while a tasklet steps are queued.
# - Every wait a tasklet makes gets its cancellable; each op is finished exactly once
#   (a late completion after a timeout or cancel is dropped).
# - An exception that ends a tasklet goes to its joiners; if nobody has joined it by
#   the time the main loop is next idle, it is printed on stderr (never swallowed).

import collections
import sys
import threading
import traceback
import types

from gi.repository import GLib, GObject, Gio

from ..module import get_introspection_module
from ..overrides import override

Task9 = get_introspection_module('Task9')

__all__ = []

_USEC = 1000000


def _export(obj):
    __all__.append(obj.__name__)
    return obj


# ---------------------------------------------------------------------------------
# Exceptions


@_export
class TaskletError(Exception):
    """Base of the exceptions the Task9 override raises for library failures. The
    GLib.Error it came from, if any, is in .error."""

    def __init__(self, message='', error=None):
        super().__init__(message)
        self.error = error


@_export
class Closed(TaskletError):
    """The channel is closed (TASK9_ERROR_CLOSED): a send on a closed channel, or a
    receive on a closed and drained one."""


@_export
class TimedOut(TaskletError):
    """The operation's timeout= passed (or G_IO_ERROR_TIMED_OUT)."""


@_export
class Cancelled(BaseException):
    """The tasklet was cancelled (Task9.Task.cancel(), handle.cancel()) or the
    operation's cancellable= fired: G_IO_ERROR_CANCELLED. Like asyncio's
    CancelledError it is a BaseException, so `except Exception` does not swallow it;
    catch it to clean up."""

    def __init__(self, message='cancelled', error=None):
        super().__init__(message)
        self.error = error


def _convert_error(e):
    """A GLib.Error as the exception a tasklet sees."""
    if isinstance(e, GLib.Error):
        if e.matches(Task9.error_quark(), Task9.Error.CLOSED):
            return Closed(e.message, e)
        if e.matches(Gio.io_error_quark(), Gio.IOErrorEnum.CANCELLED):
            return Cancelled(e.message, e)
        if e.matches(Gio.io_error_quark(), Gio.IOErrorEnum.TIMED_OUT):
            return TimedOut(e.message, e)
    return e


# ---------------------------------------------------------------------------------
# The tasklet scheduler: resumes that are not an _async callback run from one idle
# source, in FIFO order.

_ready = collections.deque()
_ready_source = [0]


def _run_ready():
    # Runs what is ready now; what they make ready runs in the next round, so a busy
    # ping-pong still lets the rest of the main loop run.
    n = len(_ready)
    while n and _ready:
        fn, args = _ready.popleft()
        fn(*args)
        n -= 1
    if _ready:
        return GLib.SOURCE_CONTINUE
    _ready_source[0] = 0
    return GLib.SOURCE_REMOVE


def _call_soon(fn, *args):
    _ready.append((fn, args))
    if not _ready_source[0]:
        _ready_source[0] = GLib.idle_add(_run_ready, priority=GLib.PRIORITY_DEFAULT)


_current = [None]
_tasklets = __import__('weakref').WeakValueDictionary()   # task id -> Tasklet


def _current_tasklet():
    t = _current[0]
    if t is None:
        raise RuntimeError('not called from a Task9 tasklet')
    return t


# ---------------------------------------------------------------------------------
# Operations


class _Op:
    """Something a tasklet can wait for: `yield op` in a generator tasklet, `await op`
    in a coroutine. timeout= (seconds) and cancellable= apply to every op."""

    __slots__ = ('timeout', 'cancellable', '_tasklet', '_done', '_timer', '_timed_out',
                 '_op_cancellable', '_handlers')

    reason = 'wait'

    def __init__(self, timeout=None, cancellable=None):
        self.timeout = timeout
        self.cancellable = cancellable
        self._tasklet = None
        self._done = False
        self._timer = 0
        self._timed_out = False
        self._op_cancellable = None
        self._handlers = None

    def __await__(self):
        return (yield self)

    __iter__ = __await__

    # The cancellable passed to the library: the tasklet's own when nothing else applies
    # (no allocation), else a fresh one that the tasklet's, the caller's and the timer
    # cancel.
    def _cancellable_for(self, tasklet):
        base = tasklet._cancellable
        if self.timeout is None and self.cancellable is None:
            return base
        c = Gio.Cancellable()
        handlers = []
        for parent in (base, self.cancellable):
            if parent is not None:
                if parent.is_cancelled():
                    c.cancel()
                else:
                    handlers.append((parent, parent.connect(lambda *_a, c=c: c.cancel())))
        self._handlers = handlers
        self._op_cancellable = c
        if self.timeout is not None:
            def fire():
                self._timer = 0
                self._timed_out = True
                c.cancel()
                return GLib.SOURCE_REMOVE
            self._timer = GLib.timeout_add(max(0, int(self.timeout * 1000)), fire)
        return c

    def _start(self, tasklet):
        self._tasklet = tasklet
        self.start(self._cancellable_for(tasklet))

    def start(self, cancellable):
        raise NotImplementedError

    def _cleanup(self):
        if self._timer:
            GLib.source_remove(self._timer)
            self._timer = 0
        if self._handlers:
            for parent, hid in self._handlers:
                parent.disconnect(hid)
            self._handlers = None

    def _finish(self, value=None, exc=None):
        """Ends the wait once: later calls are ignored."""
        if self._done:
            return
        self._done = True
        self._cleanup()
        if isinstance(exc, Cancelled) and self._timed_out:
            exc = TimedOut('timed out', exc.error)
        self._tasklet._resume(value, exc)

    def _complete(self, finish):
        """For an _async callback: calls finish() and ends the wait with its result."""
        try:
            value = finish()
        except GLib.Error as e:
            self._finish(None, _convert_error(e))
        except BaseException as e:   # noqa: B902 - a binding error reaches the tasklet
            self._finish(None, e)
        else:
            self._finish(value, None)

    def run_sync(self):
        """Runs the main loop until this op completes, outside any tasklet."""
        return run(_single(self))


@types.coroutine
def _single(op):
    return (yield op)


def _unwrap(result):
    """A _finish result as Python sees it: (True, x) -> x, (True, x, y) -> (x, y)."""
    if isinstance(result, tuple) and result and result[0] is True:
        rest = result[1:]
        return rest[0] if len(rest) == 1 else rest
    return result


class _AsyncCall(_Op):
    """Any _async/_finish pair: fn(*args, cancellable, callback, None), then finish."""

    __slots__ = ('fn', 'args', 'finish', 'unwrap', 'reason')

    def __init__(self, fn, args, finish=None, timeout=None, cancellable=None,
                 reason=None, unwrap=True):
        super().__init__(timeout, cancellable)
        self.fn = fn
        self.args = args
        if finish is None:
            finish = _finish_for(fn)
        else:
            given = finish
            finish = lambda source, result: given(result)   # noqa: E731
        self.finish = finish
        self.unwrap = unwrap
        self.reason = reason or 'async'

    def start(self, cancellable):
        finish = self.finish
        unwrap = _unwrap if self.unwrap else (lambda r: r)

        def done(source, result, _data=None):
            self._complete(lambda: unwrap(finish(source, result)))

        self.fn(*self.args, cancellable, done, None)


def _finish_for(fn):
    """The _finish of an _async function, as finish(source, result): the method of the
    same name on the source object for a method, the function beside it otherwise."""
    name = getattr(fn, '__name__', None)
    if name is None or not name.endswith('_async'):
        raise TypeError('%r is not an _async function; pass finish=' % (fn,))
    fname = name[:-len('_async')] + '_finish'
    owner = getattr(fn, '__self__', None)
    if owner is not None and not isinstance(owner, types.ModuleType):
        bound = getattr(owner, fname)
        return lambda source, result: bound(result)
    is_method = getattr(fn, 'is_method', None)
    if is_method is not None and is_method():
        return lambda source, result: getattr(source, fname)(result)
    namespace = None
    if hasattr(fn, 'get_namespace'):
        import importlib
        namespace = importlib.import_module('gi.repository.' + fn.get_namespace())
    for ns in (namespace, sys.modules.get(getattr(fn, '__module__', '') or ''), Task9):
        if ns is not None and hasattr(ns, fname):
            f = getattr(ns, fname)
            return lambda source, result: f(result)
    raise TypeError('no %s beside %s; pass finish=' % (fname, name))


@_export
def wait(fn, *args, timeout=None, cancellable=None, finish=None):
    """Waits for any _async/_finish pair: `data = yield Task9.wait(obj.foo_async, x)`.
    fn is called as fn(*args, cancellable, callback, None); its _finish (found by
    name, or finish=) gives the result, with a leading True dropped. This is how the
    sync objects (Lock, Event, Queue, ...) and anything else with the canonical pair
    are waited for."""
    return _AsyncCall(fn, args, finish, timeout, cancellable)


@_export
def gio(fn, *args, timeout=None, cancellable=None, finish=None):
    """Waits for a Gio _async method: `data, etag = yield Task9.gio(file.load_contents_async)`.
    The tasklet's cancellation (and timeout=, cancellable=) reach the call as its
    GCancellable. Same as Task9.wait()."""
    return _AsyncCall(fn, args, finish, timeout, cancellable, reason='gio')


# ---- channels ----

_recv_value_finish = Task9.Channel.recv_value_finish   # (True, value): the raw one


class _RecvOp(_Op):
    __slots__ = ('channel',)
    reason = 'recv'

    def __init__(self, channel, timeout=None, cancellable=None):
        super().__init__(timeout, cancellable)
        self.channel = channel

    def start(self, cancellable):
        self.channel.recv_value_async(cancellable, self._done_cb, None)

    def _done_cb(self, source, result, _data):
        self._complete(lambda: _recv_value_finish(self.channel, result)[1])


class _SendOp(_Op):
    __slots__ = ('channel', 'value')
    reason = 'send'

    def __init__(self, channel, value, timeout=None, cancellable=None):
        super().__init__(timeout, cancellable)
        self.channel = channel
        self.value = value

    def start(self, cancellable):
        self.channel.send_value_async(self.value, cancellable, self._done_cb, None)

    def _done_cb(self, source, result, _data):
        self._complete(lambda: (self.channel.send_value_finish(result), None)[1])


@override
class Channel(Task9.Channel):
    """Task9.Channel with tasklet operations: `v = yield ch.recv()`,
    `yield ch.send(v)`. Typed channels carry GValues of their element type and are
    shared with C tasks; Channel.new_for_python() carries any Python object."""

    @classmethod
    def new_for_python(cls, capacity=0):
        """A channel of any Python objects (GObject.TYPE_PYOBJECT elements), between
        Python tasklets and main-loop code. capacity 0 is a rendezvous."""
        return Task9.Channel.new_typed(GObject.TYPE_PYOBJECT, capacity)

    def _wrap(self, value):
        if self.get_elem_type() == GObject.TYPE_PYOBJECT:
            return GObject.Value(GObject.TYPE_PYOBJECT, value)
        return value

    def recv(self, timeout=None, cancellable=None):
        """An op receiving one element; raises Task9.Closed once the channel is closed
        and drained."""
        return _RecvOp(self, timeout, cancellable)

    def send(self, value, timeout=None, cancellable=None):
        """An op sending value; raises Task9.Closed on a closed channel."""
        return _SendOp(self, self._wrap(value), timeout, cancellable)

    def try_recv(self):
        """A non-blocking receive: (True, value), or (False, None) when it would block;
        raises Task9.Closed on a closed and drained channel."""
        try:
            ok, value = Task9.Channel.try_recv_value(self)
        except GLib.Error as e:
            if e.matches(Task9.error_quark(), Task9.Error.WOULD_BLOCK):
                return (False, None)
            raise _convert_error(e) from None
        return (ok, value) if ok else (False, None)

    def try_send(self, value):
        """A non-blocking send: True if sent, False when it would block."""
        try:
            return Task9.Channel.try_send_value(self, self._wrap(value))
        except GLib.Error as e:
            if e.matches(Task9.error_quark(), Task9.Error.WOULD_BLOCK):
                return False
            raise _convert_error(e) from None

    def __aiter__(self):
        return self

    async def __anext__(self):
        try:
            return await self.recv()
        except Closed:
            raise StopAsyncIteration from None


__all__.append('Channel')


# ---- alt ----

class _AltOp(_Op):
    __slots__ = ('arms', 'alt')
    reason = 'alt'

    def __init__(self, arms, timeout=None, cancellable=None):
        super().__init__(timeout, cancellable)
        self.arms = arms
        alt = Task9.Alt.new()
        for arm in arms:
            if isinstance(arm, _RecvOp):
                alt.add_recv(arm.channel)
            elif isinstance(arm, _SendOp):
                alt.add_send(arm.channel, arm.value)
            else:
                raise TypeError('an alt arm is ch.recv(), ch.send(v), Task9.after() or '
                                'Task9.ticker(...).recv(), not %r' % (arm,))
        self.alt = alt

    def start(self, cancellable):
        self.alt.select_async(cancellable, self._done_cb, None)

    def _done_cb(self, source, result, _data):
        def finish():
            i = self.alt.select_finish(result)
            if isinstance(self.arms[i], _SendOp):
                return (i, None)
            if self.alt.get_closed(i):
                raise Closed('channel closed (alt arm %d)' % i)
            return (i, self.alt.take_value(i)[1])
        self._complete(finish)


@_export
def alt(*arms, timeout=None, cancellable=None):
    """Waits for the first of several channel operations (ch.recv(), ch.send(v),
    Task9.after(s)): exactly one fires, the others take nothing. Gives (index, value):
    the received value, or None for a send. A receive arm whose channel is closed
    raises Task9.Closed."""
    return _AltOp(arms, timeout, cancellable)


# ---- time ----

@_export
def after(seconds):
    """An op that completes with the monotonic time (µs) once, seconds from now; also an
    alt arm (a receive on a one-shot timer channel)."""
    return _RecvOp(Task9.Channel.after(int(seconds * _USEC)))


@_export
def ticker(seconds):
    """A timer channel that delivers the monotonic time every seconds (no drift; a tick
    the receiver misses is dropped and counted). `yield t.recv()`; t.close() stops it."""
    return Task9.Channel.new_ticker(max(1, int(seconds * _USEC)))


class _SleepOp(_Op):
    __slots__ = ('span',)
    reason = 'sleep'

    def __init__(self, span, timeout=None, cancellable=None):
        super().__init__(timeout, cancellable)
        self.span = span

    def start(self, cancellable):
        Task9.sleep_async(self.span, cancellable, self._done_cb, None)

    def _done_cb(self, source, result, _data):
        self._complete(lambda: (Task9.sleep_finish(result), None)[1])


@_export
def sleep(seconds, timeout=None, cancellable=None):
    """An op that sleeps for seconds (a float)."""
    return _SleepOp(int(seconds * _USEC), timeout, cancellable)


# ---- wait conditions ----

@_export
def signal_wait(signum, timeout=None, cancellable=None):
    """Waits for the Unix signal signum (routed by the library)."""
    return _AsyncCall(Task9.signal_wait_async, (signum,), Task9.signal_wait_finish,
                      timeout, cancellable, reason='signal')


@_export
def child_wait(pid, timeout=None, cancellable=None):
    """Waits for the child pid to exit; gives its wait status."""
    return _AsyncCall(Task9.child_wait_async, (pid,), Task9.child_wait_finish,
                      timeout, cancellable, reason='child')


@_export
def fd_wait(fd, condition=GLib.IOCondition.IN, timeout=None, cancellable=None):
    """Waits until fd is ready for condition (GLib.IOCondition); gives what is true."""
    return _AsyncCall(Task9.fd_wait_async, (fd, condition), Task9.fd_wait_finish,
                      timeout, cancellable, reason='fd')


@_export
def object_wait_signal(obj, signal, timeout=None, cancellable=None):
    """Waits for one emission of a GObject signal; gives a Task9.Emission."""
    return _AsyncCall(Task9.object_wait_signal_async, (obj, signal),
                      Task9.object_wait_signal_finish, timeout, cancellable,
                      reason='gsignal')


@_export
def wait_idle(timeout=None, cancellable=None):
    """Waits until the main proc is idle."""
    return _AsyncCall(Task9.wait_idle_async, (), Task9.wait_idle_finish, timeout,
                      cancellable, reason='idle')


@_export
def cancellable_wait(c, timeout=None, cancellable=None):
    """Waits until the Gio.Cancellable c is cancelled."""
    return _AsyncCall(Task9.cancellable_wait_async, (c,), Task9.cancellable_wait_finish,
                      timeout, cancellable, reason='cancellable')


@_export
def subprocess_wait(proc, timeout=None, cancellable=None):
    """Waits for a Gio.Subprocess to end; gives its wait status."""
    return _RecvOp(Task9.subprocess_wait_channel(proc), timeout, cancellable)


# ---- joining ----

class _JoinOp(_Op):
    __slots__ = ('target',)
    reason = 'join'

    def __init__(self, target, timeout=None, cancellable=None):
        super().__init__(timeout, cancellable)
        self.target = target

    def start(self, cancellable):
        t = self.target
        if not isinstance(t, Tasklet) and t.is_external():
            # A tasklet's record: join the tasklet, so its exception counts as seen.
            t = self.target = _tasklets.get(t.get_id(), t)
        if isinstance(t, Tasklet):
            t._exc_retrieved = True
            if t._finished:
                _call_soon(self._from_tasklet)
            else:
                t._joiners.append(self._from_tasklet)
                if cancellable is not None:
                    if cancellable.is_cancelled():
                        _call_soon(self._cancelled)
                    else:
                        self._handlers = (self._handlers or []) + [
                            (cancellable, cancellable.connect(
                                lambda *_a: GLib.idle_add(self._cancelled)))]
        else:
            # A C task, or another binding's: the library's join.
            t.join_async(cancellable, self._done_cb, None)

    def _cancelled(self):
        self._finish(None, Cancelled())
        return GLib.SOURCE_REMOVE

    def _from_tasklet(self):
        t = self.target
        if t._exception is not None:
            self._finish(None, t._exception)
        else:
            self._finish(t._result, None)

    def _done_cb(self, source, result, _data):
        t = self.target

        def finish():
            t.join_finish(result)
            v = t.dup_result_value()
            return v
        self._complete(finish)


@_export
def join(task, timeout=None, cancellable=None):
    """An op waiting for a tasklet (a Task9.spawn() handle) or any Task9.Task to end:
    gives its result or raises its exception."""
    return _JoinOp(task, timeout, cancellable)


# ---- offload ----

class _ThreadOp(_Op):
    __slots__ = ('fn', 'args', 'kwargs')
    reason = 'thread'

    def __init__(self, fn, args, kwargs, timeout=None, cancellable=None):
        super().__init__(timeout, cancellable)
        self.fn = fn
        self.args = args
        self.kwargs = kwargs

    def start(self, cancellable):
        if cancellable.is_cancelled():
            _call_soon(self._finish, None, Cancelled())
            return
        self._handlers = (self._handlers or []) + [
            (cancellable, cancellable.connect(
                lambda *_a: GLib.idle_add(lambda: self._finish(None, Cancelled()))))]

        def work():
            try:
                value, exc = self.fn(*self.args, **self.kwargs), None
            except BaseException as e:   # noqa: B902 - handed to the tasklet
                value, exc = None, e
            GLib.idle_add(lambda: self._finish(value, exc), priority=GLib.PRIORITY_DEFAULT)

        threading.Thread(target=work, name='task9-run-in-thread', daemon=True).start()


@_export
def run_in_thread(fn, *args, timeout=None, cancellable=None, **kwargs):
    """An op running fn(*args, **kwargs) on a Python thread: the tasklet resumes with its
    result or exception. Cancellation (or the timeout) ends the wait at once; the thread
    finishes on its own and its result is dropped."""
    return _ThreadOp(fn, args, kwargs, timeout, cancellable)


@_export
class IOProc:
    """libthread's ioproc for Python callables: one thread that runs the calls of its
    tasklet(s) one at a time, in order (`data = yield io.call(sock.recv, 4096)`)."""

    def __init__(self, name='ioproc'):
        import queue
        self._queue = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._loop, name=name, daemon=True)
        self._thread.start()

    def _loop(self):
        while True:
            item = self._queue.get()
            if item is None:
                return
            fn, args, deliver = item
            try:
                value, exc = fn(*args), None
            except BaseException as e:   # noqa: B902
                value, exc = None, e
            GLib.idle_add(lambda v=value, e=exc: deliver(v, e))

    def call(self, fn, *args, timeout=None, cancellable=None):
        """An op running fn(*args) on this ioproc's thread."""
        io = self

        class _IOCall(_ThreadOp):
            __slots__ = ()
            reason = 'iocall'

            def start(self, c):
                if c.is_cancelled():
                    _call_soon(self._finish, None, Cancelled())
                    return
                self._handlers = [(c, c.connect(
                    lambda *_a: GLib.idle_add(lambda: self._finish(None, Cancelled()))))]
                io._queue.put((self.fn, self.args, lambda v, e: self._finish(v, e)))

        return _IOCall(fn, args, {}, timeout, cancellable)

    def close(self):
        """Ends the thread once the calls queued so far are done."""
        self._queue.put(None)


# ---------------------------------------------------------------------------------
# Tasklets

def _to_gvalue(result):
    if result is None:
        return None
    if isinstance(result, bool):
        return GObject.Value(GObject.TYPE_BOOLEAN, result)
    if isinstance(result, int) and -2**63 <= result < 2**63:
        return GObject.Value(GObject.TYPE_INT64, result)
    if isinstance(result, float):
        return GObject.Value(GObject.TYPE_DOUBLE, result)
    if isinstance(result, str):
        return GObject.Value(GObject.TYPE_STRING, result)
    if isinstance(result, GObject.Object):
        return GObject.Value(GObject.TYPE_OBJECT, result)
    return GObject.Value(GObject.TYPE_PYOBJECT, result)


@_export
class Tasklet:
    """The handle Task9.spawn() returns: .id, .name, .task (the Task9.Task the library
    knows it by), cancel(), done(), result(); `yield handle` or `await handle` joins
    it (its result, or its exception re-raised)."""

    def __init__(self, coro, name=None):
        if isinstance(coro, types.GeneratorType):
            self._send, self._throw = coro.send, coro.throw
        elif isinstance(coro, types.CoroutineType) or hasattr(coro, 'send'):
            self._send, self._throw = coro.send, coro.throw
        else:
            raise TypeError('Task9.spawn() takes a generator or a coroutine, not %r'
                            % (coro,))
        self._coro = coro
        if name is None:
            name = getattr(coro, '__qualname__', None) or getattr(coro, '__name__', None)
        self.task = Task9.Task.new_external(name)
        _tasklets[self.task.get_id()] = self
        self._cancellable = self.task.get_cancellable()
        self._joiners = []
        self._finished = False
        self._result = None
        self._exception = None
        self._exc_retrieved = False
        self._stepping = False
        self._pending = None
        self._waiting = None
        _call_soon(self._step, None, None)

    @property
    def id(self):
        return self.task.get_id()

    @property
    def name(self):
        return self.task.get_name()

    def cancel(self):
        """Cancels the tasklet: its current wait and every later one raise
        Task9.Cancelled. Same as self.task.cancel(), which C and GJS can call too."""
        self.task.cancel()

    def cancelled(self):
        return self.task.is_cancelled()

    def done(self):
        return self._finished

    def result(self):
        """The result of a finished tasklet, or its exception raised."""
        if not self._finished:
            raise RuntimeError('tasklet %s has not finished' % self.name)
        self._exc_retrieved = True
        if self._exception is not None:
            raise self._exception
        return self._result

    def join(self, timeout=None, cancellable=None):
        return _JoinOp(self, timeout, cancellable)

    def __await__(self):
        return (yield _JoinOp(self))

    __iter__ = __await__

    def __repr__(self):
        return '<Task9.Tasklet %d %r%s>' % (self.id, self.name,
                                           ' finished' if self._finished else '')

    # ---- the driver ----

    def _resume(self, value, exc):
        if self._stepping:
            self._pending = (value, exc)
        else:
            self._step(value, exc)

    def _step(self, value, exc):
        if self._waiting is not None:
            self.task.set_wait_reason(None)   # running again
        self._stepping = True
        prev = _current[0]
        _current[0] = self
        try:
            while True:
                self._waiting = None
                try:
                    if exc is not None:
                        op = self._throw(exc)
                    else:
                        op = self._send(value)
                except StopIteration as e:
                    self._end(e.value, None)
                    return
                except BaseException as e:   # noqa: B902 - goes to the joiners
                    self._end(None, e)
                    return
                if isinstance(op, Tasklet):
                    op = _JoinOp(op)
                elif not isinstance(op, _Op):
                    value, exc = None, TypeError(
                        'a tasklet yielded %r; yield or await a Task9 operation' % (op,))
                    continue
                self._waiting = op
                self.task.set_wait_reason(op.reason)
                op._start(self)
                if self._pending is None:
                    return
                (value, exc), self._pending = self._pending, None
                self.task.set_wait_reason(None)
        finally:
            _current[0] = prev
            self._stepping = False
            if not self._finished and self._waiting is not None and self._waiting._done:
                pass

    def _end(self, result, exc):
        self._finished = True
        self._result = result
        self._exception = exc
        self._coro = None
        try:
            if exc is None:
                self.task.return_value(_to_gvalue(result))
            elif isinstance(exc, Cancelled):
                self.task.return_new_error(Gio.io_error_quark(), Gio.IOErrorEnum.CANCELLED,
                                           str(exc) or 'cancelled')
            elif isinstance(exc, GLib.Error):
                self.task.return_new_error(GLib.quark_from_string(exc.domain), exc.code,
                                           exc.message)
            else:
                self.task.return_new_error(Task9.error_quark(), Task9.Error.FAILED,
                                           '%s: %s' % (type(exc).__name__, exc))
        except Exception:   # noqa: BLE001 - a value the GValue could not hold
            self.task.return_value(None)
        joiners, self._joiners = self._joiners, []
        for j in joiners:
            _call_soon(j)
        if exc is not None and not isinstance(exc, Cancelled) and not joiners:
            GLib.idle_add(self._report_unretrieved, priority=GLib.PRIORITY_LOW)

    def _report_unretrieved(self):
        if not self._exc_retrieved:
            self._exc_retrieved = True
            sys.stderr.write('Task9: tasklet %d (%s) raised an exception nobody joined:\n'
                             % (self.id, self.name))
            traceback.print_exception(type(self._exception), self._exception,
                                      self._exception.__traceback__, file=sys.stderr)
            sys.stderr.flush()
        return GLib.SOURCE_REMOVE


@_export
def spawn(coro, name=None):
    """Starts a tasklet: a generator (yielding Task9 operations) or a coroutine (an
    `async def` awaiting them). It first runs from the main loop, after the caller
    returns to it or waits. Returns its Tasklet handle."""
    return Tasklet(coro, name)


@_export
def current():
    """The handle of the tasklet that is running, or None."""
    return _current[0]


@_export
def run(coro, name='main'):
    """Runs coro (a generator or coroutine, or a Tasklet already spawned) as a tasklet
    and iterates the default main context until it ends; returns its result or raises
    its exception. Works inside a running GLib.MainLoop or Gtk.Application too (it runs
    a nested loop on the same context)."""
    t = coro if isinstance(coro, Tasklet) else spawn(coro, name)
    context = GLib.MainContext.default()
    loop = GLib.MainLoop.new(context, False)
    t._exc_retrieved = True

    def done():
        if loop.is_running():
            loop.quit()

    if not t._finished:
        t._joiners.append(done)
        loop.run()
    return t.result()


# ---------------------------------------------------------------------------------
# Every _async/_finish pair by its short name
#
# At import, every method pair foo_async/foo_finish of every Task9 class (found in the
# typelib, so the types added later need nothing here) becomes an operation foo(*args,
# timeout=None, cancellable=None) on the class: `yield lock.acquire()`,
# `await ev.wait(timeout=1)`, `v = yield q.get()`. The short name replaces the blocking
# C method of that name (lock.acquire(timeout, cancellable) blocks a C task's stack,
# which Python code never runs on; try_acquire() is the non-blocking form); a name the
# override already defines in Python (Channel.recv, Channel.send) is kept. Namespace
# pairs (Task9.foo_async) get Task9.foo the same way unless it exists.
#
# The operation gives the _finish result as a plain value ((True, x) -> x; a bare True
# stays True); a GValue argument is made a GValue of the object's element type
# (get_elem_type()), so a queue of Python objects takes any object. An `acquire`
# whose class has the matching `release` gives a Task9.Held: true, and a context
# manager that releases (`with (yield lock.acquire()):`); the op itself is an async
# context manager (`async with lock.acquire(timeout=1):`), and so are Lock and
# Semaphore (`async with lock:`).
#
# The raw _finish methods that return (True, out) (Channel.recv_value_finish,
# Queue.get_finish) are replaced by ones that return the out value: the _async pairs
# called by hand give plain values too, and failures raise (as before).


@_export
class Held:
    """What lock.acquire(), sem.acquire(), rw.reader_acquire() and rw.writer_acquire()
    give: true, and a context manager that releases on exit
    (`with (yield lock.acquire()):`). release() gives the hold back once."""

    __slots__ = ('_release', '_held')

    def __init__(self, release):
        self._release = release
        self._held = True

    def __bool__(self):
        return True

    def release(self):
        if self._held:
            self._held = False
            self._release()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.release()
        return False

    def __repr__(self):
        return '<Task9.Held%s>' % ('' if self._held else ' released')


class _PairOp(_Op):
    """One call of a foo_async/foo_finish method pair on obj."""

    __slots__ = ('obj', 'args', 'pair', 'held')

    def __init__(self, obj, pair, args, timeout, cancellable):
        super().__init__(timeout, cancellable)
        self.obj = obj
        self.pair = pair
        self.args = args
        self.held = None

    @property
    def reason(self):
        return self.pair.short

    def start(self, cancellable):
        self.pair.start(self.obj, *self.args, cancellable, self._done_cb, None)

    def _done_cb(self, source, result, _data):
        pair = self.pair
        try:
            value = _unwrap(pair.finish(self.obj, result))
            if pair.release is not None:
                value = self.held = Held(getattr(self.obj, pair.release))
        except GLib.Error as e:
            self._finish(None, _convert_error(e))
        except BaseException as e:   # noqa: B902 - a binding error reaches the tasklet
            self._finish(None, e)
        else:
            self._finish(value, None)

    # `async with lock.acquire(timeout=1):` - only for the acquire pairs.
    async def __aenter__(self):
        if self.pair.release is None:
            raise TypeError('%s() is not a context manager' % self.pair.short)
        return await self

    async def __aexit__(self, *exc):
        if self.held is not None:
            self.held.release()
        return False


class _Pair:
    """What a short name knows about its pair: the original (unwrapped) functions."""

    __slots__ = ('short', 'start', 'finish', 'release', 'gvalue_args')

    def __init__(self, short, start, finish, release, gvalue_args):
        self.short = short
        self.start = start
        self.finish = finish
        self.release = release
        self.gvalue_args = gvalue_args


def _is_gvalue_arg(arg):
    t = arg.get_type()
    if t.get_tag() != gi_types.TypeTag.INTERFACE:
        return False
    iface = t.get_interface()
    return iface is not None and getattr(iface, 'get_g_type', lambda: None)() == \
        GObject.TYPE_VALUE


def _make_short(pair):
    gvalue_args = pair.gvalue_args

    def op(self, *args, timeout=None, cancellable=None):
        if gvalue_args:
            elem = self.get_elem_type()
            args = list(args)
            for i in gvalue_args:
                if i < len(args) and not isinstance(args[i], GObject.Value):
                    args[i] = GObject.Value(elem, args[i])
        return _PairOp(self, pair, args, timeout, cancellable)

    op.__name__ = op.__qualname__ = pair.short
    op.__doc__ = ('An operation: `yield obj.%s(...)` / `await obj.%s(...)`, with '
                  'timeout= and cancellable=; %s_async/%s_finish as a plain value.'
                  % (pair.short, pair.short, pair.short, pair.short))
    return op


def _make_plain_finish(orig, name):
    def finish(self, result):
        r = orig(self, result)
        if isinstance(r, tuple) and r and r[0] is True:
            rest = r[1:]
            return rest[0] if len(rest) == 1 else rest
        return r
    finish.__name__ = name
    finish.__doc__ = '%s, giving the out value (not (True, value)); raises on failure.' % name
    return finish


def _shadowable(cls, name):
    """True if name on cls may become the short op: absent, or a C function (the
    blocking form), not something the override wrote in Python."""
    for klass in cls.__mro__:
        if name in klass.__dict__:
            v = klass.__dict__[name]
            return not isinstance(v, (types.FunctionType, classmethod, staticmethod,
                                      property))
    return True


def _wrap_pairs():
    repo = gi_repository.get_default()
    for info in repo.get_infos('Task9'):
        if isinstance(info, (gi_types.ObjectInfo, gi_types.StructInfo)):
            methods = {m.get_name(): m for m in info.get_methods() if m.is_method()}
            pairs = [n[:-len('_async')] for n in methods
                     if n.endswith('_async') and n[:-len('_async')] + '_finish' in methods]
            plain = [n for n, m in methods.items() if n.endswith('_finish')
                     and any(a.get_direction() != gi_types.Direction.IN
                             for a in m.get_arguments())]
            if not pairs and not plain:
                continue
            name = info.get_name()
            cls = globals().get(name) or getattr(Task9, name)
            originals = {}
            for short in pairs:
                originals[short] = (getattr(cls, short + '_async'),
                                    getattr(cls, short + '_finish'))
            for fname in plain:
                setattr(cls, fname, _make_plain_finish(getattr(cls, fname), fname))
            for short in pairs:
                if not _shadowable(cls, short):
                    continue
                start, finish = originals[short]
                release = None
                if short.endswith('acquire'):
                    rname = short[:-len('acquire')] + 'release'
                    if hasattr(cls, rname):
                        release = rname
                gvalue_args = tuple(
                    i for i, a in enumerate(
                        a for a in methods[short + '_async'].get_arguments()
                        if a.get_direction() == gi_types.Direction.IN)
                    if _is_gvalue_arg(a) and hasattr(cls, 'get_elem_type'))
                setattr(cls, short, _make_short(_Pair(short, start, finish, release,
                                                      gvalue_args)))
        elif isinstance(info, gi_types.FunctionInfo):
            n = info.get_name()
            if not n.endswith('_async'):
                continue
            short = n[:-len('_async')]
            if short in globals() or not hasattr(Task9, short + '_finish'):
                continue
            globals()[short] = _make_function_op(short, getattr(Task9, n),
                                                 getattr(Task9, short + '_finish'))
            __all__.append(short)


def _make_function_op(short, start, finish):
    def op(*args, timeout=None, cancellable=None):
        return _AsyncCall(start, args, finish, timeout, cancellable, reason=short)
    op.__name__ = op.__qualname__ = short
    return op


@override
class Queue(Task9.Queue):
    """Task9.Queue for Python: `Task9.Queue(capacity=0)` holds any Python objects
    (GObject.TYPE_PYOBJECT items, as queue.Queue), capacity 0 being unbounded;
    `Task9.Queue(capacity, elem_type=GObject.TYPE_INT)` or Task9.Queue.new(type, n) a
    typed queue shared with C. put(v), get(), join() are operations (below);
    try_put/try_get do not raise when they would block."""

    def __init__(self, capacity=0, elem_type=GObject.TYPE_PYOBJECT, **kwargs):
        super().__init__(elem_type=elem_type, capacity=capacity, **kwargs)

    @classmethod
    def new_for_python(cls, capacity=0):
        """A queue of any Python objects; capacity 0 is unbounded."""
        return cls(capacity)

    def try_put(self, value):
        """Puts value if that can be done at once: True, or False when full; raises
        Task9.Closed on a closed queue."""
        if not isinstance(value, GObject.Value):
            value = GObject.Value(self.get_elem_type(), value)
        try:
            return Task9.Queue.try_put(self, value)
        except GLib.Error as e:
            if e.matches(Task9.error_quark(), Task9.Error.WOULD_BLOCK):
                return False
            raise _convert_error(e) from None

    def try_get(self):
        """(True, item), or (False, None) when empty; raises Task9.Closed once closed
        and empty."""
        try:
            ok, value = Task9.Queue.try_get(self)
        except GLib.Error as e:
            if e.matches(Task9.error_quark(), Task9.Error.WOULD_BLOCK):
                return (False, None)
            raise _convert_error(e) from None
        return (ok, value) if ok else (False, None)

    def task_done(self):
        """Marks one item processed; ValueError if called more times than items were
        put (as queue.Queue)."""
        try:
            return Task9.Queue.task_done(self)
        except GLib.Error as e:
            if e.matches(Task9.error_quark(), Task9.Error.OVERFLOW):
                raise ValueError(e.message) from None
            raise

    def __aiter__(self):
        return self

    async def __anext__(self):
        try:
            return await self.get()
        except Closed:
            raise StopAsyncIteration from None


__all__.append('Queue')


from gi import _gi as gi_types  # noqa: E402 - the typelib's infos
gi_repository = gi_types.Repository
_wrap_pairs()


# A task record joins as Task9.join() does (its result value, or its error raised).
def _task_join(self, timeout=None, cancellable=None):
    """An op joining this task: its result, or its error raised (Task9.join)."""
    return _JoinOp(self, timeout, cancellable)


Task9.Task.join = _task_join


# `async with lock:` / `async with sem:`
async def _acquire_aenter(self):
    await self.acquire()
    return self


async def _release_aexit(self, *exc):
    self.release()
    return False


for _cls in (Task9.Lock, Task9.Semaphore):
    _cls.__aenter__ = _acquire_aenter
    _cls.__aexit__ = _release_aexit
del _cls
