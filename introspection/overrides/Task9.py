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
# what it waits for and where it was spawned (the caller's file:line), has a mailbox
# (Task9.receive_message, handle.send_message), and can be joined and cancelled from
# C, GJS or Python.
#
# How it works, in one paragraph. A tasklet is a Tasklet driving one generator or
# coroutine. Everything a tasklet waits for is an _Op: an object whose start() begins
# one wait and ends it exactly once: at once, from inside start(), when it need not wait
# (_done_now: the driver goes on with the result in the same step, as asyncio does for
# a put into a queue with room); otherwise later, from a main-loop dispatch (an _async
# callback, or the ready queue). Generators yield _Ops; coroutines await them (an _Op's
# __await__ yields itself to the driver). The ops that wrap a library _async call pass
# it the tasklet's GCancellable (the external task's), so Task9.Task.cancel() from
# anywhere fails the current wait and every later one with Task9.Cancelled. Waits that
# are pure Python (a Python channel, joining a Python tasklet, run_in_thread) listen for
# that cancellation themselves. Every _async/_finish pair of every class gets its short
# name (see the end of this file); Python channels run in Python until the library must
# see them (see "channels").
#
# Invariants:
# - A tasklet's coroutine is resumed only from Tasklet._step(), which runs from a
#   main-loop dispatch (an _async callback, or the tasklet scheduler's idle source),
#   never recursively: a result that comes in while a tasklet steps (its op ended
#   inside start()) is taken by the same step's loop; one tasklet never steps another.
# - Every wait a tasklet makes gets its cancellable; each op is finished exactly once
#   (a late completion after a timeout or cancel is dropped).
# - An exception that ends a tasklet goes to its joiners; if nobody has joined it by
#   the time the main loop is next idle, it is printed on stderr (never swallowed).
# - The task table shows a blocked tasklet's wait reason; the reason is set when a wait
#   blocks and only when it changes (a library call), so while a tasklet runs the
#   table still shows its last wait.

import collections
import sys
import threading
import traceback
import types
import weakref

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


_SOURCE_CONTINUE = GLib.SOURCE_CONTINUE
_SOURCE_REMOVE = GLib.SOURCE_REMOVE
_READY_BATCH = 256


def _run_ready():
    # Runs what is ready, including what that makes ready, up to _READY_BATCH resumes
    # a dispatch: a busy ping-pong costs no main-loop iteration per resume, and still
    # lets the rest of the main loop run between batches.
    ready = _ready
    n = _READY_BATCH
    while ready and n:
        fn, args = ready.popleft()
        fn(*args)
        n -= 1
    if ready:
        return _SOURCE_CONTINUE
    _ready_source[0] = 0
    return _SOURCE_REMOVE


def _call_soon(fn, *args):
    _ready.append((fn, args))
    if not _ready_source[0]:
        _ready_source[0] = GLib.idle_add(_run_ready, priority=GLib.PRIORITY_DEFAULT)


_current = [None]
_tasklets = weakref.WeakValueDictionary()   # task id -> Tasklet


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
        if self.timeout is None and self.cancellable is None:
            self.start(tasklet._cancellable)
        else:
            self.start(self._cancellable_for(tasklet))

    def _done_now(self, value=None, exc=None):
        """Ends the wait from inside start() (it did not have to wait): the driver,
        which is stepping this tasklet, continues with the result at once."""
        self._done = True
        if self._timer or self._handlers:
            self._cleanup()
        self._tasklet._pending = (value, exc)

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

    def _finish_soon(self, value=None, exc=None):
        """Ends the wait now, resuming the tasklet from the ready queue (for a wait
        that another tasklet ends while it runs)."""
        if self._done:
            return
        self._done = True
        self._cleanup()
        _call_soon(self._tasklet._resume, value, exc)

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
#
# Two paths. A typed channel (shared with C tasks, the C async face, other bindings)
# is the library's: every op is its recv_value_async/send_value_async. A channel made
# by Channel.new_for_python() starts as a *Python channel*: while only Python tasklets
# use it through these ops (recv, send, try_recv, try_send, close, async for), it is run
# here in Python (_PyChannel: a buffer and the parked ops, FIFO), with no library call
# and no main-loop round trip for the side that finds a partner waiting. The first use
# that the library must see - an alt arm, Alt.add_recv/add_send, a raw method such as
# recv_value_async or try_send_value, or ch.share() - moves it to the library's channel
# for good: the buffered items are sent into it in order, then the parked ops are
# started there in order, then it is closed if it was. Nothing else can reach a Python
# channel's C object (no other library call takes a channel), so C never sees a
# channel whose state lives here.
#
# Invariants of a Python channel: the C channel is empty, has no waiters and is open;
# items are in buf only while no receiver is parked, receivers are parked only while buf
# is empty and no sender is parked; a parked op is removed from its deque at the moment
# it is granted or cancelled, never both (op._parked is None once it leaves).

_recv_value_finish = Task9.Channel.recv_value_finish   # (True, value): the raw one
_send_value_finish = Task9.Channel.send_value_finish
_recv_value_async = Task9.Channel.recv_value_async
_send_value_async = Task9.Channel.send_value_async


class _PyChannel:
    __slots__ = ('capacity', 'buf', 'senders', 'receivers', 'closed')

    def __init__(self, capacity):
        self.capacity = capacity
        self.buf = collections.deque()
        self.senders = collections.deque()     # parked _SendOps
        self.receivers = collections.deque()   # parked _RecvOps
        self.closed = False

    def take(self):
        """A receive that does not wait: (True, value), (False, None) if it would
        block; raises Closed when closed and drained."""
        buf = self.buf
        if buf:
            value = buf.popleft()
            if self.senders:
                s = self.senders.popleft()
                buf.append(s.value)
                s._grant(None)
            return True, value
        if self.senders:
            s = self.senders.popleft()
            s._grant(None)
            return True, s.value
        if self.closed:
            raise Closed('channel is closed')
        return False, None

    def put(self, value):
        """A send that does not wait: True, or False if it would block; raises Closed."""
        if self.closed:
            raise Closed('channel is closed')
        if self.receivers:
            self.receivers.popleft()._grant(value)
            return True
        if len(self.buf) < self.capacity:
            self.buf.append(value)
            return True
        return False

    def close(self):
        self.closed = True
        senders, self.senders = self.senders, collections.deque()
        for s in senders:
            s._grant(None, Closed('channel is closed'))
        if not self.buf:
            receivers, self.receivers = self.receivers, collections.deque()
            for r in receivers:
                r._grant(None, Closed('channel is closed'))


def _is_cancelled(tasklet, cancellable):
    # The tasklet's own cancellable, once watched (Tasklet._watch_cancel), answers
    # from a Python flag; any other asks the library.
    if cancellable is tasklet._cancellable and tasklet._cancel_handler:
        return tasklet._cancel_seen
    return cancellable.is_cancelled()


class _ChannelOp(_Op):
    """A recv or send on a channel: the library's async pair, or a Python channel."""

    __slots__ = ('channel', '_parked', '_c')

    def __init__(self, channel, timeout=None, cancellable=None):
        super().__init__(timeout, cancellable)
        self.channel = channel
        self._parked = None    # the _PyChannel this op waits in
        self._c = None         # its cancellable, while parked

    def _park(self, py, queue, cancellable):
        self._parked = py
        self._c = cancellable
        queue.append(self)
        if cancellable is self._tasklet._cancellable:
            self._tasklet._watch_cancel()
        else:
            # timeout=/cancellable=: this op's own cancellable. (The tasklet's own is
            # watched once per tasklet, see Tasklet._watch_cancel.)
            if cancellable.is_cancelled():
                _call_soon(self._cancel_parked)
            else:
                self._handlers = (self._handlers or []) + [
                    (cancellable, cancellable.connect(
                        lambda *_a: GLib.idle_add(self._cancel_parked)))]

    def _grant(self, value, exc=None):
        """Another op took this parked op's counterpart (or the channel closed): it
        has completed; the tasklet resumes from the main loop."""
        self._parked = None
        self._c = None
        self._finish_soon(value, exc)

    def _cancel_parked(self):
        py = self._parked
        if py is not None and not self._done:
            self._parked = None
            self._c = None
            q = py.senders if isinstance(self, _SendOp) else py.receivers
            q.remove(self)
            self._finish(None, Cancelled())
        return GLib.SOURCE_REMOVE

    def _to_library(self):
        """The channel moved to the library while this op was parked: wait there."""
        c = self._c
        self._parked = None
        self._c = None
        self._start_c(c)


class _RecvOp(_ChannelOp):
    __slots__ = ()
    reason = 'recv'

    def __init__(self, channel, timeout=None, cancellable=None):
        # _Op.__init__ and _ChannelOp.__init__ in one (the hot path).
        self.timeout = timeout
        self.cancellable = cancellable
        self._tasklet = None
        self._done = False
        self._timer = 0
        self._timed_out = False
        self._op_cancellable = None
        self._handlers = None
        self.channel = channel
        self._parked = None
        self._c = None

    def start(self, cancellable):
        py = self.channel._py
        if py is None:
            self._start_c(cancellable)
        elif _is_cancelled(self._tasklet, cancellable):
            self._done_now(None, Cancelled())
        elif py.buf:
            value = py.buf.popleft()
            if py.senders:
                s = py.senders.popleft()
                py.buf.append(s.value)
                s._grant(None)
            self._done_now(value)
        elif py.senders:
            s = py.senders.popleft()
            s._grant(None)
            self._done_now(s.value)
        elif py.closed:
            self._done_now(None, Closed('channel is closed'))
        else:
            self._park(py, py.receivers, cancellable)

    def _start_c(self, cancellable):
        _recv_value_async(self.channel, cancellable, self._done_cb, None)

    def _done_cb(self, source, result, _data):
        try:
            value = _recv_value_finish(self.channel, result)[1]
        except GLib.Error as e:
            self._finish(None, _convert_error(e))
        else:
            self._finish(value, None)


class _SendOp(_ChannelOp):
    __slots__ = ('value',)
    reason = 'send'

    def __init__(self, channel, value, timeout=None, cancellable=None):
        self.timeout = timeout
        self.cancellable = cancellable
        self._tasklet = None
        self._done = False
        self._timer = 0
        self._timed_out = False
        self._op_cancellable = None
        self._handlers = None
        self.channel = channel
        self._parked = None
        self._c = None
        self.value = value      # as given: made a GValue only for the library

    def start(self, cancellable):
        py = self.channel._py
        if py is None:
            self._start_c(cancellable)
        elif _is_cancelled(self._tasklet, cancellable):
            self._done_now(None, Cancelled())
        elif py.closed:
            self._done_now(None, Closed('channel is closed'))
        elif py.receivers:
            py.receivers.popleft()._grant(self.value)
            self._done_now()
        elif len(py.buf) < py.capacity:
            py.buf.append(self.value)
            self._done_now()
        else:
            self._park(py, py.senders, cancellable)

    def _start_c(self, cancellable):
        _send_value_async(self.channel, self.channel._wrap(self.value), cancellable,
                          self._done_cb, None)

    def _done_cb(self, source, result, _data):
        try:
            _send_value_finish(self.channel, result)
        except GLib.Error as e:
            self._finish(None, _convert_error(e))
        else:
            self._finish(None, None)


def _raw(name):
    """A raw library method of Channel that moves a Python channel to the library
    first."""
    orig = getattr(Task9.Channel, name)

    def method(self, *args, **kwargs):
        if self._py is not None:
            self.share()
        return orig(self, *args, **kwargs)
    method.__name__ = method.__qualname__ = name
    method.__doc__ = 'Task9.Channel.%s (a Python channel moves to the library first).' % name
    return method


@override
class Channel(Task9.Channel):
    """Task9.Channel with tasklet operations: `v = yield ch.recv()`,
    `yield ch.send(v)`. Typed channels carry GValues of their element type and are
    shared with C tasks; Channel.new_for_python() carries any Python object."""

    _py = None     # a _PyChannel while this is a Python channel

    @classmethod
    def new_for_python(cls, capacity=0):
        """A channel of any Python objects (GObject.TYPE_PYOBJECT elements), between
        Python tasklets and main-loop code. capacity 0 is a rendezvous. Between Python
        tasklets it runs in Python; an alt, a raw library method or share() moves it to
        the library for good."""
        ch = Task9.Channel.new_typed(GObject.TYPE_PYOBJECT, capacity)
        ch._py = _PyChannel(capacity)
        return ch

    def share(self):
        """Makes a Python channel the library's for good, keeping what it holds and who
        waits on it, in order; before handing it to C code by any means other than
        the library's own calls. Nothing to do on another channel."""
        py = self._py
        if py is None:
            return self
        self._py = None
        for value in py.buf:
            Task9.Channel.try_send_value(self, self._wrap(value))   # it has the room
        if py.closed:
            Task9.Channel.close(self)
        for op in py.senders:
            op._to_library()
        for op in py.receivers:
            op._to_library()
        return self

    def _wrap(self, value):
        if self.get_elem_type() == GObject.TYPE_PYOBJECT and \
                not isinstance(value, GObject.Value):
            return GObject.Value(GObject.TYPE_PYOBJECT, value)
        return value

    def recv(self, timeout=None, cancellable=None):
        """An op receiving one element; raises Task9.Closed once the channel is closed
        and drained."""
        return _RecvOp(self, timeout, cancellable)

    def send(self, value, timeout=None, cancellable=None):
        """An op sending value; raises Task9.Closed on a closed channel."""
        return _SendOp(self, value, timeout, cancellable)

    # The pair's short names, as for every class (see _wrap_pairs), on both paths.
    recv_value = recv
    send_value = send

    def try_recv(self):
        """A non-blocking receive: (True, value), or (False, None) when it would block;
        raises Task9.Closed on a closed and drained channel."""
        py = self._py
        if py is not None:
            return py.take()
        try:
            ok, value = Task9.Channel.try_recv_value(self)
        except GLib.Error as e:
            if e.matches(Task9.error_quark(), Task9.Error.WOULD_BLOCK):
                return (False, None)
            raise _convert_error(e) from None
        return (ok, value) if ok else (False, None)

    def try_send(self, value):
        """A non-blocking send: True if sent, False when it would block."""
        py = self._py
        if py is not None:
            return py.put(value)
        try:
            return Task9.Channel.try_send_value(self, self._wrap(value))
        except GLib.Error as e:
            if e.matches(Task9.error_quark(), Task9.Error.WOULD_BLOCK):
                return False
            raise _convert_error(e) from None

    def close(self):
        """Closes the channel: sends fail with Task9.Closed, receives take what is left
        and then fail."""
        py = self._py
        if py is not None:
            py.close()
        else:
            Task9.Channel.close(self)

    def is_closed(self):
        py = self._py
        return py.closed if py is not None else Task9.Channel.is_closed(self)

    def get_length(self):
        py = self._py
        return len(py.buf) if py is not None else Task9.Channel.get_length(self)

    recv_value_async = _raw('recv_value_async')
    send_value_async = _raw('send_value_async')
    try_recv_value = _raw('try_recv_value')
    try_send_value = _raw('try_send_value')
    recv_async = _raw('recv_async')
    send_async = _raw('send_async')

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
                alt.add_recv(arm.channel.share())
            elif isinstance(arm, _SendOp):
                alt.add_send(arm.channel.share(), arm.channel._wrap(arm.value))
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


def _alt_add(name):
    orig = getattr(Task9.Alt, name)

    def add(self, channel, *args):
        if getattr(channel, '_py', None) is not None:
            channel.share()
        return orig(self, channel, *args)
    add.__name__ = add.__qualname__ = name
    return add


# A channel in a Task9.Alt made by hand is the library's (see "channels").
Task9.Alt.add_recv = _alt_add('add_recv')
Task9.Alt.add_send = _alt_add('add_send')


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
    __slots__ = ('target', '_in_py')
    reason = 'join'

    def __init__(self, target, timeout=None, cancellable=None):
        self.timeout = timeout          # _Op.__init__, inlined (the hot path of spawn)
        self.cancellable = cancellable
        self._tasklet = None
        self._done = False
        self._timer = 0
        self._timed_out = False
        self._op_cancellable = None
        self._handlers = None
        self.target = target
        self._in_py = False

    def start(self, cancellable):
        t = self.target
        if not isinstance(t, Tasklet) and t.is_external():
            # A tasklet's record: join the tasklet, so its exception counts as seen.
            t = self.target = _tasklets.get(t.get_id(), t)
        if isinstance(t, Tasklet):
            t._exc_retrieved = True
            if t._finished:
                self._done_now(t._result, t._exception)
            elif _is_cancelled(self._tasklet, cancellable):
                self._done_now(None, Cancelled())
            else:
                # Waits in Python: the joined tasklet's end, or a cancellation.
                t._joiners.append(self._from_tasklet)
                self._in_py = True
                if cancellable is self._tasklet._cancellable:
                    self._tasklet._watch_cancel()
                else:
                    self._handlers = (self._handlers or []) + [
                        (cancellable, cancellable.connect(
                            lambda *_a: GLib.idle_add(self._cancel_parked)))]
        else:
            # A C task, or another binding's: the library's join.
            t.join_async(cancellable, self._done_cb, None)

    def _cancel_parked(self):
        if self._in_py and not self._done:
            self._in_py = False
            try:
                self.target._joiners.remove(self._from_tasklet)
            except ValueError:
                pass
            self._finish(None, Cancelled())
        return GLib.SOURCE_REMOVE

    def _from_tasklet(self):
        self._in_py = False
        t = self.target
        self._finish(t._result, t._exception)

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

_result_int64 = GObject.Value(GObject.TYPE_INT64, 0)      # reused: the record copies it
_result_double = GObject.Value(GObject.TYPE_DOUBLE, 0.0)


def _to_gvalue(result):
    """result as Task9.Task.return_value() takes it: None; bool, str and GObjects as
    they are (PyGObject makes the GValue in C); ints as gint64 and floats as gdouble
    through a reused GValue; anything else as a GObject.TYPE_PYOBJECT value."""
    if result is None or isinstance(result, (bool, str, GObject.Object)):
        return result
    if isinstance(result, int) and -2**63 <= result < 2**63:
        _result_int64.set_int64(result)
        return _result_int64
    if isinstance(result, float):
        _result_double.set_double(result)
        return _result_double
    return GObject.Value(GObject.TYPE_PYOBJECT, result)


@_export
class Tasklet:
    """The handle Task9.spawn() returns: .id, .name, .task (the Task9.Task the library
    knows it by), cancel(), done(), result(); `yield handle` or `await handle` joins
    it (its result, or its exception re-raised)."""

    __slots__ = ('_send', '_throw', '_coro', '_task', '_registered', '_cancellable',
                 '_joiners', '_finished', '_result', '_exception', '_exc_retrieved',
                 '_stepping', '_pending', '_waiting', '_cancel_handler', '_cancel_seen',
                 '_reason', '_name', '_location', '_recorded', '__weakref__')

    def __init__(self, coro, name=None, location=None):
        if isinstance(coro, _Op):
            # One operation as a tasklet of its own: Task9.spawn(ch.recv()).
            if name is None:
                name = coro.reason
            coro = _single(coro)
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
        self._name = name
        # Where it was spawned, for the task table: the code that called spawn() (or
        # run(), or made this handle), kept as (code object, line) and formatted only
        # when the record is made.
        if location is None:
            frame = sys._getframe(1)
            location = (frame.f_code, frame.f_lineno)
        self._location = location
        # self._task, the record (Task9.Task.new_external), and self._cancellable, its
        # GCancellable: made on first use (__getattr__, _materialize), which is the
        # tasklet's first wait or anyone asking for them; a tasklet that ends in its
        # first step without waiting and that nobody asks about never needs one.
        self._recorded = False
        self._registered = False
        self._joiners = []
        self._finished = False
        self._result = None
        self._exception = None
        self._exc_retrieved = False
        self._stepping = False
        self._pending = None
        self._waiting = None
        self._cancel_handler = 0
        self._cancel_seen = False
        self._reason = None
        _call_soon(self._step, None, None)

    def __getattr__(self, name):
        if name == '_task':
            return self._materialize()
        if name == '_cancellable':
            c = self._cancellable = self._task.get_cancellable()
            return c
        raise AttributeError(name)

    def _materialize(self):
        # The record, made now: with the spawn location, and already returned if the
        # tasklet has ended (a C join of it then gives its result at once).
        task = self._task = Task9.Task.new_external(self._name)
        self._recorded = True
        loc = self._location
        if loc.__class__ is tuple:
            loc = '%s:%d' % (loc[0].co_filename, loc[1])
        task.set_spawn_location(loc)
        if self._finished:
            self._publish()
        return task

    @property
    def task(self):
        """The Task9.Task record: what C and GJS see. Task9.join(record) on it joins this
        tasklet (its Python result or exception), so the record is registered here the
        first time it is handed out."""
        if not self._registered:
            self._registered = True
            _tasklets[self._task.get_id()] = self
        return self._task

    @property
    def id(self):
        return self._task.get_id()

    @property
    def name(self):
        return self._task.get_name()

    def cancel(self):
        """Cancels the tasklet: its current wait and every later one raise
        Task9.Cancelled. Same as self._task.cancel(), which C and GJS can call too."""
        self._task.cancel()

    def cancelled(self):
        return self._task.is_cancelled()

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

    def send_message(self, name, value=None):
        """Queues a message (a name and any Python object, or None) in this tasklet's
        mailbox, for its Task9.receive_message(); never waits. Raises Task9.Closed once
        the tasklet has ended."""
        _send_message(self._task, name, value)

    def __await__(self):
        return (yield _JoinOp(self))

    __iter__ = __await__

    def __repr__(self):
        return '<Task9.Tasklet %d %r%s>' % (self.id, self.name,
                                           ' finished' if self._finished else '')

    # ---- the driver ----

    def _watch_cancel(self):
        # A wait parked in a Python channel has no library call to fail: watch the
        # tasklet's cancellable (once, on the first such wait) and fail it from the
        # main loop. A weak reference: the cancellable belongs to the task record.
        if not self._cancel_handler:
            wr = weakref.ref(self)

            def on_cancelled(*_a):
                t = wr()
                if t is not None:
                    t._cancel_seen = True
                    GLib.idle_add(_cancel_parked_wait, wr)
            self._cancel_handler = self._cancellable.connect(on_cancelled)
            self._cancel_seen = self._cancellable.is_cancelled()

    def _resume(self, value, exc):
        if self._stepping:
            self._pending = (value, exc)
        else:
            self._step(value, exc)

    def _step(self, value, exc):
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
                if not isinstance(op, _Op):
                    if isinstance(op, Tasklet):
                        op = _JoinOp(op)
                    else:
                        value, exc = None, TypeError(
                            'a tasklet yielded %r; yield or await a Task9 operation' % (op,))
                        continue
                self._waiting = op
                try:
                    op._start(self)
                except BaseException as e:   # noqa: B902 - bad arguments, say
                    if op._done:
                        raise
                    op._done = True
                    op._cleanup()
                    value, exc = None, e
                    continue
                if self._pending is None:
                    # Blocked. The table shows the reason from here until the next
                    # wait that blocks (set only when it changes: a library call).
                    reason = op.reason
                    if reason != self._reason:
                        self._reason = reason
                        self._task.set_wait_reason(reason)
                    return
                (value, exc), self._pending = self._pending, None
        finally:
            _current[0] = prev
            self._stepping = False

    def _end(self, result, exc):
        if self._cancel_handler:
            self._cancellable.disconnect(self._cancel_handler)
            self._cancel_handler = 0
        self._finished = True
        self._result = result
        self._exception = exc
        self._coro = None
        if self._recorded:
            self._publish()
        joiners, self._joiners = self._joiners, []
        for j in joiners:
            _call_soon(j)
        if exc is not None and not isinstance(exc, Cancelled) and not joiners:
            GLib.idle_add(self._report_unretrieved, priority=GLib.PRIORITY_LOW)

    def _publish(self):
        # Ends the record with the tasklet's result or exception.
        result, exc = self._result, self._exception
        try:
            if exc is None:
                self._task.return_value(_to_gvalue(result))
            elif isinstance(exc, Cancelled):
                self._task.return_new_error(Gio.io_error_quark(), Gio.IOErrorEnum.CANCELLED,
                                           str(exc) or 'cancelled')
            elif isinstance(exc, GLib.Error):
                self._task.return_new_error(GLib.quark_from_string(exc.domain), exc.code,
                                           exc.message)
            else:
                self._task.return_new_error(Task9.error_quark(), Task9.Error.FAILED,
                                           '%s: %s' % (type(exc).__name__, exc))
        except Exception:   # noqa: BLE001 - a value the GValue could not hold
            self._task.return_value(None)

    def _report_unretrieved(self):
        if not self._exc_retrieved:
            self._exc_retrieved = True
            sys.stderr.write('Task9: tasklet %d (%s) raised an exception nobody joined:\n'
                             % (self.id, self.name))
            traceback.print_exception(type(self._exception), self._exception,
                                      self._exception.__traceback__, file=sys.stderr)
            sys.stderr.flush()
        return GLib.SOURCE_REMOVE


_getframe = sys._getframe


def _cancel_parked_wait(wr):
    t = wr()
    if t is not None and isinstance(t._waiting, (_ChannelOp, _JoinOp)):
        t._waiting._cancel_parked()
    return GLib.SOURCE_REMOVE


@_export
def spawn(coro, name=None):
    """Starts a tasklet: a generator (yielding Task9 operations) or a coroutine (an
    `async def` awaiting them), or one operation (`Task9.spawn(ch.recv())`). It first
    runs from the main loop, after the caller returns to it or waits. Returns its
    Tasklet handle. The task table shows the caller's file:line as its spawn
    location."""
    frame = _getframe(1)
    return Tasklet(coro, name, (frame.f_code, frame.f_lineno))


def _materialize_pending():
    # The tasklets with no record yet are the ones whose first step has not ended: the
    # running one, and the ones queued to start. Making theirs now lets whoever lists
    # the tasks from Python see every tasklet. (A list made in C on another thread, the
    # monitor's, does not see a tasklet during that window: it is queued on the ready
    # source, which also keeps the main proc from looking idle to the deadlock detector.)
    t = _current[0]
    if t is not None and not t._recorded:
        t._materialize()
    for fn, _args in list(_ready):
        t = getattr(fn, '__self__', None)
        if t.__class__ is Tasklet and not t._recorded:
            t._materialize()


def _listing(raw):
    def listing(*args):
        _materialize_pending()
        return raw(*args)
    listing.__name__ = raw.__name__
    listing.__doc__ = raw.__doc__
    return listing


snapshot_task_table = _export(_listing(Task9.snapshot_task_table))
format_task_table = _export(_listing(Task9.format_task_table))
format_task_dump = _export(_listing(Task9.format_task_dump))
Task9.Task.list_all = staticmethod(_listing(Task9.Task.list_all))


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
    if isinstance(coro, Tasklet):
        t = coro
    else:
        frame = sys._getframe(1)
        t = Tasklet(coro, name, (frame.f_code, frame.f_lineno))
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
            cls = getattr(Task9, name)
            py = globals().get(name)
            if isinstance(py, type) and issubclass(py, cls):
                cls = py          # the override's subclass (Channel, Queue)
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


# ---- mailboxes ----
#
# Every task has a mailbox of named messages (task9-mailbox.c). A tasklet receives from
# its own with Task9.receive_message(names): the library's async receive for external
# tasks, on the tasklet's record, so a cancelled or timed-out receive has taken
# nothing. Anything may send to it: handle.send_message(name, value) from Python, or
# task9_task_send_message() on its record from C or GJS. A value goes as a GValue:
# None as no value; a GValue as it is; bool, str and GObjects as their own types,
# ints as gint64, floats as gdouble (what a C receiver reads); any other object as a
# GObject.TYPE_PYOBJECT value, so a Python receiver gets the very object.

_task_receive_message_async = Task9.Task.receive_message_async
_task_receive_message_finish = Task9.Task.receive_message_finish   # plain: (name, value)
_task_send_message_raw = Task9.Task.send_message


def _message_value(value):
    if value is None or isinstance(value, (GObject.Value, bool, str, GObject.Object)):
        return value
    if isinstance(value, int) and -2**63 <= value < 2**63:
        return GObject.Value(GObject.TYPE_INT64, value)
    if isinstance(value, float):
        return GObject.Value(GObject.TYPE_DOUBLE, value)
    return GObject.Value(GObject.TYPE_PYOBJECT, value)


def _send_message(task, name, value=None):
    if not isinstance(name, str):
        raise TypeError('a message name is a str, not %r' % (name,))
    try:
        _task_send_message_raw(task, name, _message_value(value))
    except GLib.Error as e:
        raise _convert_error(e) from None


def _task_send_message(self, name, value=None):
    """Queues a message in this task's mailbox: a name and any Python object (see the
    override's "mailboxes"); raises Task9.Closed once the task has ended."""
    _send_message(self, name, value)


Task9.Task.send_message = _task_send_message


class _ReceiveMessageOp(_Op):
    __slots__ = ('names',)
    reason = 'message'

    def __init__(self, names, timeout=None, cancellable=None):
        super().__init__(timeout, cancellable)
        self.names = names

    def start(self, cancellable):
        _task_receive_message_async(self._tasklet._task, self.names, cancellable,
                                    self._done_cb, None)

    def _done_cb(self, source, result, _data):
        self._complete(lambda: tuple(_task_receive_message_finish(self._tasklet._task,
                                                                  result)))


@_export
def receive_message(names=None, timeout=None, cancellable=None):
    """An op receiving a message from the calling tasklet's mailbox: the oldest one
    whose name is in names (a list of str, one str, or None for any), waiting for one
    if there is none; gives (name, value). Messages with other names stay queued in
    their order. A receive that times out or is cancelled takes nothing."""
    if isinstance(names, str):
        names = [names]
    elif names is not None:
        names = list(names)
        if not names or not all(isinstance(n, str) for n in names):
            raise ValueError('receive_message: names is a non-empty list of str, or None')
    return _ReceiveMessageOp(names, timeout, cancellable)


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
