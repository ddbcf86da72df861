#!/usr/bin/env python3
# test-python.py: the async face of Task9 as Python code uses it, through PyGObject
#
# Copyright 2026 The libtask9-glib authors
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Every operation is started with an _async call and finished in its callback, from a
# GLib.MainLoop on the default main context: the way a PyGObject or GTK program would
# use the library. Callbacks only record what they saw; the assertions run in the test
# method once the loop has returned, so a failure is reported by unittest rather than
# printed and swallowed by PyGObject.
#
# Nothing waits by sleeping. run_until() runs the loop until the callbacks made a
# condition true, with a timeout source as a failure guard only; settle() dispatches
# whatever is ready without blocking, after which an operation that has not completed
# is known to be pending (a completion is queued on the context as soon as a partner,
# a close or a cancellation decides it).
#
# Run by `meson test --suite bindings`, which sets GI_TYPELIB_PATH and LD_LIBRARY_PATH
# to the build tree, and PYTHONPATH to the override (gi/overrides/Task9.py): the
# _finish methods with an out value (recv_value_finish) return that value alone, not
# (True, value), and raise on failure.

import os
import signal
import sys
import unittest

import gi

gi.require_version('GLib', '2.0')
gi.require_version('GObject', '2.0')
gi.require_version('Gio', '2.0')
gi.require_version('Task9', '1')
from gi.repository import GLib, GObject, Gio, Task9  # noqa: E402

GUARD_SECONDS = 10
MS = 1000  # GTimeSpan is in microseconds



def recv_alt(*channels):
    """A Task9.Alt with one receive arm per channel, in order."""
    alt = Task9.Alt.new()
    for i, channel in enumerate(channels):
        assert alt.add_recv(channel) == i
    return alt

class Op:
    """One async operation: how it was started, and what its callback saw."""

    def __init__(self, name):
        self.name = name
        self.returned = False   # the _async call has returned
        self.done = False
        self.early = False      # the callback ran inside the _async call
        self.result = None      # what _finish returned
        self.error = None       # or the GLib.Error it raised
        self.source = None      # the callback's source object

    def __repr__(self):
        return '<Op %s done=%s result=%r error=%r>' % (self.name, self.done, self.result,
                                                       self.error)


class LoopTestCase(unittest.TestCase):
    """Starts operations and runs the default main context until they complete."""

    def setUp(self):
        self.context = GLib.MainContext.default()
        self.loop = GLib.MainLoop.new(self.context, False)
        self.until = None
        self.completed = []     # ops in the order their callbacks ran
        self.settle()           # nothing left over from the previous test

    def tearDown(self):
        self.settle()

    # ---- driving the loop ----

    def settle(self):
        """Dispatches every source that is ready, without blocking."""
        while self.context.iteration(False):
            pass

    def run_until(self, condition, what):
        """Runs the main loop until condition() holds; fails after GUARD_SECONDS."""
        if condition():
            return
        timed_out = []

        def guard():
            timed_out.append(True)
            self.loop.quit()
            return GLib.SOURCE_REMOVE

        guard_id = GLib.timeout_add_seconds(GUARD_SECONDS, guard)
        self.until = condition
        try:
            self.loop.run()
        finally:
            self.until = None
            if not timed_out:
                GLib.source_remove(guard_id)
        if timed_out:
            self.fail('timed out after %d s waiting for %s' % (GUARD_SECONDS, what))

    def wait(self, *ops):
        self.run_until(lambda: all(op.done for op in ops),
                       ', '.join(op.name for op in ops))

    def _complete(self, op, source, finish):
        if not op.returned:
            op.early = True
        op.source = source
        try:
            op.result = finish()
        except GLib.Error as e:
            op.error = e
        op.done = True
        self.completed.append(op)
        if self.until is not None and self.until():
            self.loop.quit()

    # ---- operations ----

    def _start(self, op, start, finish):
        """Calls start(callback) and returns op, which the callback completes with
        finish(source, result)."""
        start(lambda src, res, _: self._complete(op, src, lambda: finish(src, res)))
        op.returned = True
        return op

    def send(self, channel, value, cancellable=None, name=None):
        return self._start(Op(name or 'send %r' % (value,)),
                           lambda cb: channel.send_value_async(value, cancellable, cb, None),
                           lambda src, res: src.send_value_finish(res))

    def recv(self, channel, cancellable=None, name='recv'):
        return self._start(Op(name),
                           lambda cb: channel.recv_value_async(cancellable, cb, None),
                           lambda src, res: src.recv_value_finish(res))

    def select(self, alt, cancellable=None, name='select'):
        return self._start(Op(name),
                           lambda cb: alt.select_async(cancellable, cb, None),
                           lambda src, res: src.select_finish(res))

    def finished(self, name, start, finish):
        """A function pair: start(callback) runs the _async call, finish(result) the
        _finish one (no source object)."""
        op = Op(name)
        start(lambda src, res, _: self._complete(op, src, lambda: finish(res)))
        op.returned = True
        return op

    # ---- checks ----

    def assert_completed(self, op):
        self.assertTrue(op.done, '%s has not completed' % op.name)
        self.assertFalse(op.early, '%s: the callback ran inside the _async call' % op.name)

    def assert_pending(self, *ops):
        self.settle()
        for op in ops:
            self.assertFalse(op.done, '%s completed: %r' % (op.name, op))

    def assert_sent(self, op, channel):
        self.assert_completed(op)
        self.assertIsNone(op.error, '%s failed' % op.name)
        self.assertIs(op.result, True)
        self.assertIs(op.source, channel)

    def assert_received(self, op, channel, expected):
        self.assert_completed(op)
        self.assertIsNone(op.error, '%s failed' % op.name)
        self.assertIs(op.source, channel)
        value = op.result   # a plain value: the override drops the (True, ...)
        self.assertEqual(type(value), type(expected))
        self.assertEqual(value, expected)

    def assert_error(self, op, domain, code):
        self.assert_completed(op)
        self.assertIsNotNone(op.error, '%s succeeded: %r' % (op.name, op.result))
        self.assertTrue(op.error.matches(domain, code),
                        '%s: expected %s %d, got %s %d (%s)'
                        % (op.name, GLib.quark_to_string(domain), code,
                           op.error.domain, op.error.code, op.error.message))

    def assert_closed_error(self, op):
        self.assert_error(op, Task9.error_quark(), Task9.Error.CLOSED)

    def assert_cancelled_error(self, op):
        self.assert_error(op, Gio.io_error_quark(), Gio.IOErrorEnum.CANCELLED)


class TypedChannelTest(LoopTestCase):

    def test_int_values_arrive_in_order(self):
        channel = Task9.Channel.new_typed(GObject.TYPE_INT, 0)
        self.assertEqual(channel.get_elem_type(), GObject.TYPE_INT)
        values = [3, -1, 2**31 - 1, 0, -2**31, 42]

        # Receivers first, then senders; and the other way round.
        recvs = [self.recv(channel, name='recv %d' % i) for i in range(len(values))]
        sends = [self.send(channel, GObject.Value(GObject.TYPE_INT, v)) for v in values]
        self.wait(*recvs, *sends)
        for op, v in zip(recvs, values):
            self.assert_received(op, channel, v)
        for op in sends:
            self.assert_sent(op, channel)

        sends = [self.send(channel, v) for v in values]   # plain ints become gint
        recvs = [self.recv(channel, name='recv %d' % i) for i in range(len(values))]
        self.wait(*recvs, *sends)
        for op, v in zip(recvs, values):
            self.assert_received(op, channel, v)
        for op in sends:
            self.assert_sent(op, channel)

    def test_string_values_arrive_in_order(self):
        channel = Task9.Channel.new_typed(GObject.TYPE_STRING, 4)
        self.assertEqual(channel.get_elem_type(), GObject.TYPE_STRING)
        values = ['one', '', 'trois', 'vier ✓', 'five', 'six']

        sends = [self.send(channel, v) for v in values]
        recvs = [self.recv(channel, name='recv %d' % i) for i in range(len(values))]
        self.wait(*recvs, *sends)
        for op, v in zip(recvs, values):
            self.assert_received(op, channel, v)
        for op in sends:
            self.assert_sent(op, channel)
        self.assertEqual(channel.get_length(), 0)

    def test_receive_chain_from_callbacks(self):
        # Each callback starts the next receive, as a reading loop in Python would.
        channel = Task9.Channel.new_typed(GObject.TYPE_INT, 0)
        got = []
        done = []

        def on_recv(src, res, _):
            try:
                value = src.recv_value_finish(res)
            except GLib.Error as e:
                done.append(e)
                if self.until is not None and self.until():
                    self.loop.quit()
                return
            got.append(value)
            src.recv_value_async(None, on_recv, None)

        channel.recv_value_async(None, on_recv, None)
        sends = [self.send(channel, v) for v in range(10)]
        self.wait(*sends)
        channel.close()
        self.run_until(lambda: done, 'the reader to see the channel closed')
        self.assertEqual(got, list(range(10)))
        self.assertTrue(done[0].matches(Task9.error_quark(), Task9.Error.CLOSED), done[0])


class BufferingTest(LoopTestCase):

    def test_buffered_send_completes_while_there_is_room(self):
        channel = Task9.Channel.new_typed(GObject.TYPE_INT, 2)
        self.assertEqual(channel.get_capacity(), 2)

        a, b = self.send(channel, 1), self.send(channel, 2)
        self.wait(a, b)          # no receiver: the buffer takes them
        self.assert_sent(a, channel)
        self.assert_sent(b, channel)
        self.assertEqual(channel.get_length(), 2)

        c = self.send(channel, 3)   # full: waits for room
        self.assert_pending(c)
        self.assertEqual(channel.get_length(), 2)

        r1 = self.recv(channel)
        self.wait(r1, c)
        self.assert_received(r1, channel, 1)
        self.assert_sent(c, channel)
        self.assertEqual(channel.get_length(), 2)

        r2, r3 = self.recv(channel), self.recv(channel)
        self.wait(r2, r3)
        self.assert_received(r2, channel, 2)
        self.assert_received(r3, channel, 3)
        self.assertEqual(channel.get_length(), 0)

        r4 = self.recv(channel)     # empty: waits for a sender
        self.assert_pending(r4)
        d = self.send(channel, 4)
        self.wait(r4, d)
        self.assert_received(r4, channel, 4)
        self.assertEqual(channel.get_length(), 0)

    def test_unbuffered_send_waits_for_a_receiver(self):
        channel = Task9.Channel.new_typed(GObject.TYPE_STRING, 0)
        self.assertEqual(channel.get_capacity(), 0)

        s = self.send(channel, 'hello')
        self.assert_pending(s)
        self.assertEqual(channel.get_length(), 0)

        r = self.recv(channel)
        self.wait(r, s)
        self.assert_received(r, channel, 'hello')
        self.assert_sent(s, channel)

        r = self.recv(channel)      # and the receiver waits for a sender
        self.assert_pending(r)
        s = self.send(channel, 'again')
        self.wait(r, s)
        self.assert_received(r, channel, 'again')
        self.assert_sent(s, channel)


class CloseTest(LoopTestCase):

    def test_close_fails_a_pending_receive(self):
        channel = Task9.Channel.new_typed(GObject.TYPE_INT, 0)
        r = self.recv(channel)
        self.assert_pending(r)
        channel.close()
        self.assertTrue(channel.is_closed())
        self.wait(r)
        self.assert_closed_error(r)
        # The enum and its domain say the same.
        self.assertEqual(r.error.code, int(Task9.Error.CLOSED))
        self.assertEqual(r.error.domain, GLib.quark_to_string(Task9.error_quark()))

    def test_close_fails_a_pending_send(self):
        channel = Task9.Channel.new_typed(GObject.TYPE_STRING, 0)
        s = self.send(channel, 'never')
        self.assert_pending(s)
        channel.close()
        self.wait(s)
        self.assert_closed_error(s)

    def test_receivers_drain_a_closed_channel_first(self):
        channel = Task9.Channel.new_typed(GObject.TYPE_STRING, 2)
        self.wait(self.send(channel, 'a'), self.send(channel, 'b'))
        channel.close()

        late = self.send(channel, 'late')
        r1, r2, r3 = self.recv(channel), self.recv(channel), self.recv(channel)
        self.wait(late, r1, r2, r3)
        self.assert_closed_error(late)
        self.assert_received(r1, channel, 'a')
        self.assert_received(r2, channel, 'b')
        self.assert_closed_error(r3)


class CancelTest(LoopTestCase):

    def test_cancel_a_pending_receive(self):
        channel = Task9.Channel.new_typed(GObject.TYPE_INT, 0)
        cancellable = Gio.Cancellable()
        cancelled = self.recv(channel, cancellable, name='cancelled recv')
        other = self.recv(channel, name='other recv')
        self.assert_pending(cancelled, other)

        cancellable.cancel()
        self.wait(cancelled)
        self.assert_cancelled_error(cancelled)
        self.assert_pending(other)

        # The cancelled receive took nothing: the next value goes to the other one.
        s = self.send(channel, 7)
        self.wait(other, s)
        self.assert_received(other, channel, 7)
        self.assert_sent(s, channel)

        # And the channel works as before.
        s, r = self.send(channel, 8), self.recv(channel)
        self.wait(s, r)
        self.assert_received(r, channel, 8)
        self.assertEqual(channel.get_length(), 0)
        self.assertFalse(channel.is_closed())

    def test_cancelled_receive_loses_no_buffered_value(self):
        channel = Task9.Channel.new_typed(GObject.TYPE_STRING, 2)
        cancellable = Gio.Cancellable()
        r = self.recv(channel, cancellable)
        self.assert_pending(r)
        cancellable.cancel()
        self.wait(r)
        self.assert_cancelled_error(r)

        self.wait(self.send(channel, 'x'), self.send(channel, 'y'))
        self.assertEqual(channel.get_length(), 2)

        # A receive whose cancellable is already cancelled takes nothing either.
        r = self.recv(channel, cancellable)
        self.wait(r)
        self.assert_cancelled_error(r)
        self.assertEqual(channel.get_length(), 2)

        r1, r2 = self.recv(channel), self.recv(channel)
        self.wait(r1, r2)
        self.assert_received(r1, channel, 'x')
        self.assert_received(r2, channel, 'y')

    def test_cancel_a_pending_send(self):
        channel = Task9.Channel.new_typed(GObject.TYPE_INT, 0)
        cancellable = Gio.Cancellable()
        s = self.send(channel, 1, cancellable)
        self.assert_pending(s)
        cancellable.cancel()
        self.wait(s)
        self.assert_cancelled_error(s)

        # Nothing was delivered: a receiver now waits, and gets the next send.
        r = self.recv(channel)
        self.assert_pending(r)
        s2 = self.send(channel, 2)
        self.wait(r, s2)
        self.assert_received(r, channel, 2)


class AltTest(LoopTestCase):

    def test_select_fires_the_arm_with_data(self):
        a = Task9.Channel.new_typed(GObject.TYPE_INT, 1)
        b = Task9.Channel.new_typed(GObject.TYPE_STRING, 1)
        alt = Task9.Alt.new()
        self.assertEqual(alt.add_recv(a), 0)
        self.assertEqual(alt.add_recv(b), 1)
        self.assertEqual(alt.get_n_arms(), 2)

        self.wait(self.send(b, 'bee'))
        sel = self.select(alt)
        self.wait(sel)
        self.assert_completed(sel)
        self.assertIsNone(sel.error)
        self.assertIs(sel.source, alt)
        self.assertEqual(sel.result, 1)
        self.assertFalse(alt.get_closed(1))
        self.assertEqual(tuple(alt.take_value(1)), (True, 'bee'))
        self.assertEqual(b.get_length(), 0)
        # Taken once; the arm that did not fire has nothing either.
        self.assertEqual(tuple(alt.take_value(1)), (False, None))
        self.assertEqual(tuple(alt.take_value(0)), (False, 0))

        self.wait(self.send(a, 5))
        sel = self.select(alt)
        self.wait(sel)
        self.assertEqual(sel.result, 0)
        self.assertEqual(tuple(alt.take_value(0)), (True, 5))
        self.assertEqual(a.get_length(), 0)

    def test_pending_select_fires_when_data_arrives(self):
        a = Task9.Channel.new_typed(GObject.TYPE_INT, 0)
        b = Task9.Channel.new_typed(GObject.TYPE_INT, 1)
        alt = recv_alt(a, b)

        sel = self.select(alt)
        self.assert_pending(sel)
        s = self.send(a, 11)
        self.wait(sel, s)
        self.assertIsNone(sel.error)
        self.assertEqual(sel.result, 0)
        self.assert_sent(s, a)
        self.assertEqual(tuple(alt.take_value(0)), (True, 11))

        # The arm that lost took nothing: b's value stays in b.
        self.wait(self.send(b, 12))
        self.settle()
        self.assertEqual(b.get_length(), 1)
        r = self.recv(b)
        self.wait(r)
        self.assert_received(r, b, 12)

    def test_cancelled_select_has_no_effect(self):
        a = Task9.Channel.new_typed(GObject.TYPE_INT, 1)
        b = Task9.Channel.new_typed(GObject.TYPE_INT, 1)
        alt = recv_alt(a, b)
        cancellable = Gio.Cancellable()

        sel = self.select(alt, cancellable)
        self.assert_pending(sel)
        cancellable.cancel()
        self.wait(sel)
        self.assert_cancelled_error(sel)

        self.wait(self.send(a, 1), self.send(b, 2))
        self.settle()
        self.assertEqual(a.get_length(), 1)
        self.assertEqual(b.get_length(), 1)

    def test_close_fires_a_pending_select(self):
        a = Task9.Channel.new_typed(GObject.TYPE_INT, 0)
        b = Task9.Channel.new_typed(GObject.TYPE_INT, 0)
        alt = recv_alt(a, b)

        sel = self.select(alt)
        self.assert_pending(sel)
        b.close()
        self.wait(sel)
        self.assertIsNone(sel.error)
        self.assertEqual(sel.result, 1)
        self.assertTrue(alt.get_closed(1))
        self.assertFalse(alt.get_closed(0))


class SleepTest(LoopTestCase):

    def sleep(self, span, cancellable=None):
        op = Op('sleep %d us' % span)
        Task9.sleep_async(span, cancellable,
                          lambda src, res, _: self._complete(
                              op, src, lambda: Task9.sleep_finish(res)),
                          None)
        op.returned = True
        return op

    def test_sleep_lasts_at_least_the_span(self):
        for span in (0, 20 * MS, 50 * MS):
            start = GLib.get_monotonic_time()
            op = self.sleep(span)
            self.wait(op)
            elapsed = GLib.get_monotonic_time() - start
            self.assert_completed(op)
            self.assertIsNone(op.error)
            self.assertIs(op.result, True)
            self.assertGreaterEqual(elapsed, span)

    def test_cancelled_sleep(self):
        cancellable = Gio.Cancellable()
        op = self.sleep(3600 * 1000 * MS, cancellable)   # an hour: only cancel ends it
        self.assert_pending(op)
        cancellable.cancel()
        self.wait(op)
        self.assert_cancelled_error(op)



class TimerChannelTest(LoopTestCase):
    """Timer channels are typed (gint64 times), so bindings receive from them and put
    them in an alt like any other channel."""

    def setUp(self):
        super().setUp()
        Task9.Proc.get_main()   # after() needs a proc's timer heap: the main proc's

    def test_after_delivers_the_time(self):
        start = GLib.get_monotonic_time()
        after = Task9.Channel.after(20 * MS)
        self.assertEqual(after.get_elem_type(), GObject.TYPE_INT64)
        op = self.recv(after)
        self.wait(op)
        self.assert_completed(op)
        self.assertIsNone(op.error)
        when = op.result   # a plain value: the override drops the (True, ...)
        self.assertIsInstance(when, int)
        self.assertGreaterEqual(when, start + 20 * MS)

    def test_after_as_the_timeout_arm_of_an_alt(self):
        data = Task9.Channel.new_typed(GObject.TYPE_STRING, 0)
        alt = recv_alt(data, Task9.Channel.after(10 * MS))
        op = self.select(alt)
        self.wait(op)
        self.assert_completed(op)
        self.assertEqual(op.result, 1)
        ok, when = alt.take_value(1)
        self.assertIs(ok, True)
        self.assertIsInstance(when, int)
        self.assertFalse(alt.take_value(0)[0])

    def test_ticker_counts_what_it_drops(self):
        ticker = Task9.Channel.new_ticker(1 * MS)
        # Nobody receives: the main loop runs the proc's timers, which fill the one slot
        # and then count each tick they cannot deliver.
        guard = GLib.get_monotonic_time() + GUARD_SECONDS * 1000 * MS
        while ticker.get_dropped() < 5 and GLib.get_monotonic_time() < guard:
            self.context.iteration(True)
        self.assertEqual(ticker.get_length(), 1)
        self.assertGreater(ticker.get_dropped(), 0)
        ticker.close()


class ConditionsTest(LoopTestCase):
    """Wait conditions as channels: what a binding sees of them."""

    def test_signal_emissions_arrive_as_emissions(self):
        action = Gio.SimpleAction.new('ring', GLib.VariantType.new('i'))
        channel = Task9.object_connect_channel(action, 'activate', 4)
        self.assertEqual(channel.get_elem_type(), Task9.Emission.__gtype__)
        for i in range(3):
            action.activate(GLib.Variant('i', i))
        ops = [self.recv(channel, name='emission %d' % i) for i in range(3)]
        self.wait(*ops)
        for i, op in enumerate(ops):
            self.assert_completed(op)
            emission = op.result   # a plain value: the override drops the (True, ...)
            self.assertIs(emission.get_instance(), action)
            self.assertEqual(emission.get_signal_name(), 'activate')
            self.assertEqual(emission.get_n_values(), 1)
            self.assertEqual(emission.get_value(0).unpack(), i)
        channel.close()
        self.assertEqual(channel.get_dropped(), 0)

    def test_wait_signal_async(self):
        action = Gio.SimpleAction.new('ring', None)
        op = self.finished('wait signal',
                           lambda cb: Task9.object_wait_signal_async(action, 'activate', None,
                                                                     cb, None),
                           Task9.object_wait_signal_finish)
        self.assert_pending(op)
        action.activate(None)
        self.wait(op)
        self.assertIsNone(op.error)
        self.assertIs(op.result.get_instance(), action)

        op = self.finished('unknown signal',
                           lambda cb: Task9.object_wait_signal_async(action, 'nope', None,
                                                                     cb, None),
                           Task9.object_wait_signal_finish)
        self.wait(op)
        self.assert_error(op, Gio.io_error_quark(), Gio.IOErrorEnum.INVALID_ARGUMENT)

    def test_cancellable_wait_async(self):
        cancellable = Gio.Cancellable()
        op = self.finished('cancellable',
                           lambda cb: Task9.cancellable_wait_async(cancellable, None, cb, None),
                           Task9.cancellable_wait_finish)
        self.assert_pending(op)
        cancellable.cancel()
        self.wait(op)
        self.assertIsNone(op.error)
        self.assertIs(op.result, True)

    def test_wait_idle_async_on_the_main_proc(self):
        Task9.Proc.get_main()   # this thread runs the default context: the main proc
        op = self.finished('idle', lambda cb: Task9.wait_idle_async(None, cb, None),
                           Task9.wait_idle_finish)
        self.wait(op)
        self.assertIsNone(op.error)
        self.assertIs(op.result, True)


class ProcessConditionsTest(LoopTestCase):
    """Unix signals, child processes, fds and subprocesses as a binding sees them.

    Signals are sent with os.kill to this process. While a signal is subscribed its
    handler is GLib's; every test ends with its subscriptions closed, so the signal's
    default action is back (a stray one would end the script loudly). Signals sent
    while the same one is pending merge, so a test sends the next one only after the
    previous one arrived."""

    def kill(self, signum):
        os.kill(os.getpid(), signum)

    def test_signal_wait_async(self):
        # The subscription is made by the _async call: a signal right after it counts.
        op = self.finished('signal wait',
                           lambda cb: Task9.signal_wait_async(signal.SIGUSR1, None, cb, None),
                           Task9.signal_wait_finish)
        self.assert_pending(op)
        self.kill(signal.SIGUSR1)
        self.wait(op)
        self.assert_completed(op)
        self.assertIsNone(op.error)
        self.assertIs(op.result, True)

        # Cancelled: fails, and leaves no subscription behind.
        cancellable = Gio.Cancellable()
        op = self.finished('cancelled signal wait',
                           lambda cb: Task9.signal_wait_async(signal.SIGUSR1, cancellable,
                                                              cb, None),
                           Task9.signal_wait_finish)
        self.assert_pending(op)
        cancellable.cancel()
        self.wait(op)
        self.assert_cancelled_error(op)

        # A signal the library cannot route fails through the callback.
        op = self.finished('SIGKILL wait',
                           lambda cb: Task9.signal_wait_async(signal.SIGKILL, None, cb, None),
                           Task9.signal_wait_finish)
        self.wait(op)
        self.assert_error(op, Gio.io_error_quark(), Gio.IOErrorEnum.INVALID_ARGUMENT)

    def test_signal_subscription_in_an_alt_with_a_deadline(self):
        Task9.Proc.get_main()   # after() needs a proc's timer heap: the main proc's
        self.assertTrue(Task9.signal_is_supported(signal.SIGUSR2))
        sub = Task9.signal_subscribe(signal.SIGUSR2, 1)
        self.assertEqual(sub.get_elem_type(), GObject.TYPE_INT)

        alt = recv_alt(sub, Task9.Channel.after(GUARD_SECONDS * 1000 * MS))
        sel = self.select(alt)
        self.assert_pending(sel)
        self.kill(signal.SIGUSR2)
        self.wait(sel)
        self.assertIsNone(sel.error)
        self.assertEqual(sel.result, 0)
        self.assertEqual(tuple(alt.take_value(0)), (True, int(signal.SIGUSR2)))

        # Nothing delivered: the deadline arm fires, and the subscription took nothing.
        alt = recv_alt(sub, Task9.Channel.after(10 * MS))
        sel = self.select(alt)
        self.wait(sel)
        self.assertEqual(sel.result, 1)
        self.assertEqual(sub.get_length(), 0)
        sub.close()

        # And a plain recv_value_async of a subscription.
        sub = Task9.signal_subscribe(signal.SIGUSR2, 1)
        r = self.recv(sub)
        self.assert_pending(r)
        self.kill(signal.SIGUSR2)
        self.wait(r)
        self.assert_received(r, sub, int(signal.SIGUSR2))
        sub.close()

        with self.assertRaises(GLib.Error) as raised:
            Task9.signal_subscribe(signal.SIGKILL, 1)
        self.assertTrue(raised.exception.matches(Gio.io_error_quark(),
                                                 Gio.IOErrorEnum.INVALID_ARGUMENT))

    def test_full_signal_subscription_counts_drops(self):
        # full is subscribed before witness, and the route offers each delivery to its
        # subscribers in subscription order under one lock: once witness has a
        # delivery, full was offered it too.
        full = Task9.signal_subscribe(signal.SIGUSR1, 1)
        witness = Task9.signal_subscribe(signal.SIGUSR1, 1)
        for i in range(3):
            r = self.recv(witness, name='witness %d' % i)
            self.kill(signal.SIGUSR1)
            self.wait(r)
            self.assert_received(r, witness, int(signal.SIGUSR1))
        self.assertEqual(full.get_length(), 1)
        self.assertEqual(full.get_dropped(), 2)
        self.assertEqual(witness.get_dropped(), 0)
        full.close()
        witness.close()

    def test_child_wait_async(self):
        pid, _, _, _ = GLib.spawn_async(['/bin/sh', '-c', 'exit 3'],
                                        flags=GLib.SpawnFlags.DO_NOT_REAP_CHILD)
        op = self.finished('child wait',
                           lambda cb: Task9.child_wait_async(pid, None, cb, None),
                           Task9.child_wait_finish)
        self.wait(op)
        self.assert_completed(op)
        self.assertIsNone(op.error)
        self.assertTrue(os.WIFEXITED(op.result))
        self.assertEqual(os.WEXITSTATUS(op.result), 3)
        GLib.spawn_close_pid(pid)

        # Collected: asking again is an error, not a hang.
        op = self.finished('collected child wait',
                           lambda cb: Task9.child_wait_async(pid, None, cb, None),
                           Task9.child_wait_finish)
        self.wait(op)
        self.assert_error(op, Gio.io_error_quark(), Gio.IOErrorEnum.INVALID_ARGUMENT)

    def test_fd_wait_async_on_a_pipe(self):
        # On the main proc's context the wait goes through the proc's epoll instance,
        # as a task's does (elsewhere it falls back to a GLib fd source): get_main()
        # makes this thread, which runs the default context, the main proc.
        Task9.Proc.get_main()
        rfd, wfd = os.pipe()
        try:
            op = self.finished('fd wait',
                               lambda cb: Task9.fd_wait_async(rfd, GLib.IOCondition.IN,
                                                              None, cb, None),
                               Task9.fd_wait_finish)
            self.assert_pending(op)

            def write():
                os.write(wfd, b'x')
                return GLib.SOURCE_REMOVE

            GLib.idle_add(write)
            self.wait(op)
            self.assert_completed(op)
            self.assertIsNone(op.error)
            self.assertTrue(op.result & GLib.IOCondition.IN, op.result)
            self.assertEqual(os.read(rfd, 1), b'x')   # the wait consumed nothing

            # Cancelled: fails with nothing ready.
            cancellable = Gio.Cancellable()
            op = self.finished('cancelled fd wait',
                               lambda cb: Task9.fd_wait_async(rfd, GLib.IOCondition.IN,
                                                              cancellable, cb, None),
                               Task9.fd_wait_finish)
            self.assert_pending(op)
            cancellable.cancel()
            self.wait(op)
            self.assert_cancelled_error(op)
        finally:
            os.close(rfd)
            os.close(wfd)

    def test_subprocess_wait_channel(self):
        proc = Gio.Subprocess.new(['/bin/sh', '-c', 'exit 4'], Gio.SubprocessFlags.NONE)
        channel = Task9.subprocess_wait_channel(proc)
        self.assertEqual(channel.get_elem_type(), GObject.TYPE_INT)
        r = self.recv(channel)
        self.wait(r)
        self.assert_completed(r)
        self.assertIsNone(r.error)
        status = r.result   # a plain value: the override drops the (True, ...)
        self.assertTrue(os.WIFEXITED(status))
        self.assertEqual(os.WEXITSTATUS(status), 4)
        self.assertEqual(status, proc.get_status())

    def test_ioproc_and_pool_surface(self):
        # The calls take a C function and are not introspectable (Python callables run
        # on Python threads through the override); what is: making, naming,
        # interrupting and closing an IOProc, and the pool's bound. The override's
        # Task9.IOProc is the Python-callable one; the C class is the raw module's.
        from gi.module import get_introspection_module
        raw = get_introspection_module('Task9')
        io = raw.IOProc.new('py-io')
        self.assertEqual(io.get_name(), 'py-io')
        self.assertFalse(io.is_closed())
        self.assertFalse(hasattr(io, 'call_async'))
        self.assertFalse(hasattr(Task9, 'run_in_thread_async'))
        io.interrupt()          # nothing runs: does nothing
        io.close()
        self.assertTrue(io.is_closed())
        io.close()              # closing twice does nothing more
        self.assertEqual(raw.IOProc.get_interrupt_signal(), signal.SIGRTMIN + 6)
        old = Task9.get_max_worker_threads()
        self.assertGreaterEqual(old, 1)
        Task9.set_max_worker_threads(3)
        self.assertEqual(Task9.get_max_worker_threads(), 3)
        Task9.set_max_worker_threads(old)


if __name__ == '__main__':
    # unittest's report, then the count every binding test prints last.
    result = unittest.main(verbosity=2, exit=False).result
    bad = len(result.failures) + len(result.errors) + len(result.unexpectedSuccesses)
    print('%d passed, %d failed' % (result.testsRun - bad - len(result.skipped), bad),
          flush=True)
    sys.exit(1 if bad else 0)
