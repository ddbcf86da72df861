// test-gjs.js: the async face of Task9 from GJS
//
// Copyright 2026 The libtask9-glib authors
// SPDX-License-Identifier: LGPL-2.1-or-later
//
// A subset of test-python.py: a typed channel round trip, close errors, a Task9.Alt
// select, and the wait conditions. Each _async/_finish pair is wrapped in a Promise, and the cases
// run one after another in an async function on a GLib.MainLoop. A timeout source
// only turns a hang into a failure. Prints `N passed, N failed` (checks that held,
// cases that failed) last; exits 1 on any failure.
//
// Run by `meson test --suite bindings`, which sets GI_TYPELIB_PATH and LD_LIBRARY_PATH
// to the build tree.

imports.gi.versions.GLib = '2.0';
imports.gi.versions.GObject = '2.0';
imports.gi.versions.Gio = '2.0';
imports.gi.versions.Task9 = '1';
const {GLib, GObject, Gio, Task9} = imports.gi;
const System = imports.system;

const GUARD_SECONDS = 10;

// Linux's numbers: GJS has no signal constants.
const SIGUSR1 = 10, SIGUSR2 = 12;

class Failure extends Error {}

// Sends @signum to this process, with kill(1): GJS has no kill(). The kill has been
// sent when this returns.
function kill(signum) {
    const pid = new Gio.Credentials().get_unix_pid();
    const [ok, , , status] = GLib.spawn_command_line_sync(`kill -${signum} ${pid}`);
    check(ok && status === 0, `kill -${signum} ${pid}`);
}

// Resolves with finish(result), for the free functions (no source object).
function finished(start, finish, what) {
    return asyncCall(start, (src, res) => finish(res), what);
}

let checksPassed = 0;

function check(condition, what) {
    if (!condition)
        throw new Failure(what);
    checksPassed++;
}

function checkEqual(actual, expected, what) {
    check(actual === expected,
        `${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
}

// Resolves with the _finish function's result, or rejects with its GLib.Error. Also
// checks that the callback never runs inside the _async call.
function asyncCall(start, finish, what) {
    return new Promise((resolve, reject) => {
        let returned = false;
        start((source, result) => {
            try {
                check(returned, `${what}: the callback ran inside the _async call`);
                resolve(finish(source, result));
            } catch (e) {
                reject(e);
            }
        });
        returned = true;
    });
}

function send(channel, value, cancellable = null) {
    return asyncCall(cb => channel.send_value_async(value, cancellable, cb),
        (src, res) => src.send_value_finish(res), `send ${value}`);
}

function recv(channel, cancellable = null) {
    return asyncCall(cb => channel.recv_value_async(cancellable, cb),
        (src, res) => {
            const [ok, value] = src.recv_value_finish(res);
            check(ok === true, 'recv_value_finish returned false without an error');
            return value;
        }, 'recv');
}

function select(alt, cancellable = null) {
    return asyncCall(cb => alt.select_async(cancellable, cb),
        (src, res) => src.select_finish(res), 'select');
}

// Whether a promise has settled, without waiting for it.
function track(promise) {
    const state = {settled: false, promise};
    promise.then(() => (state.settled = true), () => (state.settled = true));
    return state;
}

// Dispatches every source that is ready, then lets promise reactions run: an
// operation still unsettled after this is pending.
async function settle() {
    const context = GLib.MainContext.default();
    while (context.iteration(false))
        ;
    await null;
}

async function expectError(promise, domain, code, what) {
    try {
        const result = await promise;
        throw new Failure(`${what}: succeeded with ${JSON.stringify(result)}`);
    } catch (e) {
        if (e instanceof Failure)
            throw e;
        check(e instanceof GLib.Error, `${what}: not a GLib.Error: ${e}`);
        check(e.matches(domain, code),
            `${what}: expected ${GLib.quark_to_string(domain)} ${code}, got ${e}`);
    }
}

const cases = {
    async roundTripInt() {
        const channel = Task9.Channel.new_typed(GObject.TYPE_INT, 0);
        checkEqual(channel.get_elem_type(), GObject.TYPE_INT, 'element type');
        const values = [5, -3, 0, 2147483647];

        // Receivers wait first; an unbuffered send completes with its receive.
        const recvs = values.map(() => recv(channel));
        const received = track(recvs[0]);
        await settle();
        check(!received.settled, 'a receive on an empty channel completed');
        const sends = values.map(v => send(channel, v));
        const got = await Promise.all(recvs);
        for (const ok of await Promise.all(sends))
            checkEqual(ok, true, 'send result');
        checkEqual(JSON.stringify(got), JSON.stringify(values), 'values in order');
    },

    async roundTripStringBuffered() {
        const channel = Task9.Channel.new_typed(GObject.TYPE_STRING, 2);
        const values = ['alpha', '', 'gamma ✓'];

        const a = send(channel, values[0]), b = send(channel, values[1]);
        await Promise.all([a, b]);          // room in the buffer: no receiver needed
        checkEqual(channel.get_length(), 2, 'buffered');
        const c = track(send(channel, values[2]));
        await settle();
        check(!c.settled, 'a send to a full channel completed');

        const got = [await recv(channel), await recv(channel), await recv(channel)];
        await c.promise;
        checkEqual(JSON.stringify(got), JSON.stringify(values), 'values in order');
        checkEqual(channel.get_length(), 0, 'drained');
    },

    async closeFailsSends() {
        const channel = Task9.Channel.new_typed(GObject.TYPE_STRING, 0);
        const pending = send(channel, 'never');
        const state = track(pending);
        await settle();
        check(!state.settled, 'an unbuffered send without a receiver completed');
        channel.close();
        check(channel.is_closed(), 'is_closed');
        await expectError(pending, Task9.error_quark(), Task9.Error.CLOSED,
            'pending send woken by close');
        await expectError(send(channel, 'late'), Task9.error_quark(), Task9.Error.CLOSED,
            'send to a closed channel');
    },

    async tryRecvReportsWouldBlockThenClosed() {
        const channel = Task9.Channel.new_typed(GObject.TYPE_INT, 1);
        await expectError(Promise.resolve().then(() => channel.try_recv_value()),
            Task9.error_quark(), Task9.Error.WOULD_BLOCK, 'try_recv_value on an empty channel');
        channel.close();
        await expectError(Promise.resolve().then(() => channel.try_recv_value()),
            Task9.error_quark(), Task9.Error.CLOSED, 'try_recv_value on a closed channel');
    },

    async closeFailsPendingRecv() {
        const channel = Task9.Channel.new_typed(GObject.TYPE_INT, 0);
        const pending = recv(channel);
        channel.close();
        await expectError(pending, Task9.error_quark(), Task9.Error.CLOSED,
            'pending receive woken by close');
    },

    async altSelect() {
        const a = Task9.Channel.new_typed(GObject.TYPE_INT, 0);
        const b = Task9.Channel.new_typed(GObject.TYPE_STRING, 1);
        const alt = Task9.Alt.new();
        checkEqual(alt.add_recv(a), 0, 'first arm');
        checkEqual(alt.add_recv(b), 1, 'second arm');

        // Data waiting on b: the select fires arm 1 at once.
        await send(b, 'bee');
        checkEqual(await select(alt), 1, 'fired arm');
        const [ok, value] = alt.take_value(1);
        checkEqual(ok, true, 'take_value');
        checkEqual(value, 'bee', 'value of arm 1');

        // Nothing ready: the select waits, and a send on a fires arm 0.
        const waiting = select(alt);
        const state = track(waiting);
        await settle();
        check(!state.settled, 'a select with no ready arm completed');
        const sent = send(a, 42);
        checkEqual(await waiting, 0, 'fired arm');
        checkEqual(await sent, true, 'send to the alt');
        const [ok0, value0] = alt.take_value(0);
        checkEqual(ok0, true, 'take_value');
        checkEqual(value0, 42, 'value of arm 0');

        // A close fires a waiting select too, with the arm marked closed.
        const closing = select(alt);
        await settle();
        a.close();
        checkEqual(await closing, 0, 'arm fired by close');
        check(alt.get_closed(0), 'get_closed on the closed arm');
    },

    // Timer channels are typed (gint64 times): a timeout arm like any other.
    async afterAsTimeoutArm() {
        Task9.Proc.get_main();
        const start = GLib.get_monotonic_time();
        const after = Task9.Channel.after(10000);
        checkEqual(after.get_elem_type(), GObject.TYPE_INT64, 'after() element type');
        const data = Task9.Channel.new_typed(GObject.TYPE_STRING, 0);
        const alt = new Task9.Alt();
        alt.add_recv(data);
        alt.add_recv(after);
        checkEqual(await select(alt), 1, 'the timeout arm fired');
        const [ok, when] = alt.take_value(1);
        checkEqual(ok, true, 'take_value');
        check(typeof when === 'number' && when >= start + 10000, `the time ${when}`);
    },

    async signalEmissions() {
        // A GObject signal as a channel: each emission one Task9.Emission, in order.
        const action = Gio.SimpleAction.new('ring', new GLib.VariantType('i'));
        const channel = Task9.object_connect_channel(action, 'activate', 4);
        for (let i = 0; i < 3; i++)
            action.activate(new GLib.Variant('i', i));
        for (let i = 0; i < 3; i++) {
            const emission = await recv(channel);
            check(emission.get_instance() === action, 'the emission\'s instance');
            checkEqual(emission.get_signal_name(), 'activate', 'signal name');
            checkEqual(emission.get_n_values(), 1, 'n_values');
            checkEqual(emission.get_value(0).unpack(), i, 'the argument');
        }
        channel.close();

        // The one-shot async wait.
        const waiting = asyncCall(
            cb => Task9.object_wait_signal_async(action, 'activate', null, cb),
            (src, res) => Task9.object_wait_signal_finish(res), 'wait signal');
        await settle();
        action.activate(new GLib.Variant('i', 7));
        const emission = await waiting;
        checkEqual(emission.get_value(0).unpack(), 7, 'the waited-for argument');
    },

    // Unix signals: the one-shot async wait, then a subscription in an alt with a
    // deadline; a full subscription counts what it drops. Every subscription is
    // closed at the end, so the signals' default action is back.
    async signals() {
        Task9.Proc.get_main();   // after() needs a proc's timer heap: the main proc's
        const waiting = finished(cb => Task9.signal_wait_async(SIGUSR1, null, cb),
            Task9.signal_wait_finish, 'signal wait');
        kill(SIGUSR1);
        checkEqual(await waiting, true, 'signal_wait_finish');

        const sub = Task9.signal_subscribe(SIGUSR2, 1);
        checkEqual(sub.get_elem_type(), GObject.TYPE_INT, 'subscription element type');
        const alt = new Task9.Alt();
        alt.add_recv(sub);
        alt.add_recv(Task9.Channel.after(GUARD_SECONDS * 1000000));
        const selecting = track(select(alt));
        await settle();
        check(!selecting.settled, 'a select with no signal yet completed');
        kill(SIGUSR2);
        checkEqual(await selecting.promise, 0, 'the signal arm fired');
        const [ok, signum] = alt.take_value(0);
        checkEqual(ok, true, 'take_value');
        checkEqual(signum, SIGUSR2, 'the signal number');
        sub.close();

        // full is subscribed before witness, and a delivery is offered to the
        // subscribers in that order under one lock: once witness has it, full was
        // offered it too.
        const full = Task9.signal_subscribe(SIGUSR1, 1);
        const witness = Task9.signal_subscribe(SIGUSR1, 1);
        for (let i = 0; i < 3; i++) {
            const got = recv(witness);
            kill(SIGUSR1);
            checkEqual(await got, SIGUSR1, 'the witness got the signal');
        }
        checkEqual(full.get_length(), 1, 'the full subscription kept one');
        checkEqual(full.get_dropped(), 2, 'and counted two drops');
        full.close();
        witness.close();

        await expectError(finished(cb => Task9.signal_wait_async(9, null, cb),
            Task9.signal_wait_finish, 'SIGKILL wait'),
        Gio.io_error_quark(), Gio.IOErrorEnum.INVALID_ARGUMENT, 'SIGKILL cannot be waited for');
    },

    async childWait() {
        const [, pid] = GLib.spawn_async(null, ['/bin/sh', '-c', 'exit 3'], null,
            GLib.SpawnFlags.DO_NOT_REAP_CHILD, null);
        const status = await finished(cb => Task9.child_wait_async(pid, null, cb),
            Task9.child_wait_finish, 'child wait');
        GLib.spawn_close_pid(pid);
        // GLib decodes the wait status: exit code 3 is an error of code 3.
        await expectError(Promise.resolve().then(() => GLib.spawn_check_wait_status(status)),
            GLib.spawn_exit_error_quark(), 3, 'the child\'s exit code');

        // Collected: asking again is an error, not a hang.
        await expectError(finished(cb => Task9.child_wait_async(pid, null, cb),
            Task9.child_wait_finish, 'collected child wait'),
        Gio.io_error_quark(), Gio.IOErrorEnum.INVALID_ARGUMENT, 'a collected child');
    },

    // GJS has no pipe(): the pipe is the standard output of a `cat` subprocess.
    async fdWait() {
        // On the main proc's context the wait goes through the proc's epoll instance,
        // as a task's does (elsewhere it falls back to a GLib fd source): get_main()
        // makes this thread, which runs the default context, the main proc.
        Task9.Proc.get_main();
        const proc = Gio.Subprocess.new(['cat'],
            Gio.SubprocessFlags.STDIN_PIPE | Gio.SubprocessFlags.STDOUT_PIPE);
        const fd = proc.get_stdout_pipe().get_fd();
        const waiting = track(finished(
            cb => Task9.fd_wait_async(fd, GLib.IOCondition.IN, null, cb),
            Task9.fd_wait_finish, 'fd wait'));
        await settle();
        check(!waiting.settled, 'an fd wait on an empty pipe completed');
        GLib.idle_add(GLib.PRIORITY_DEFAULT, () => {
            proc.get_stdin_pipe().write_bytes(new GLib.Bytes([120, 10]), null);
            proc.get_stdin_pipe().close(null);
            return GLib.SOURCE_REMOVE;
        });
        const condition = await waiting.promise;
        check(condition & GLib.IOCondition.IN, `the condition ${condition}`);
        const exited = Task9.subprocess_wait_channel(proc);
        checkEqual(await recv(exited), 0, 'cat\'s wait status');
    },

    async subprocessWaitChannel() {
        const proc = Gio.Subprocess.new(['/bin/sh', '-c', 'exit 4'], Gio.SubprocessFlags.NONE);
        const channel = Task9.subprocess_wait_channel(proc);
        checkEqual(channel.get_elem_type(), GObject.TYPE_INT, 'element type');
        const status = await recv(channel);
        checkEqual(status, proc.get_status(), 'the subprocess\'s status');
        checkEqual(proc.get_exit_status(), 4, 'exit code');
    },
};


async function main(names) {
    let failures = 0;
    for (const name of names) {
        try {
            if (!(name in cases))
                throw new Failure(`no case ${name}`);
            await cases[name]();
            print(`ok - ${name}`);
        } catch (e) {
            failures++;
            print(`not ok - ${name}: ${e}`);
            if (e.stack)
                printerr(e.stack);
        }
    }
    return failures;
}

const names = ARGV.length > 0 ? ARGV : Object.keys(cases);
const loop = new GLib.MainLoop(null, false);
let status = 1;
GLib.timeout_add_seconds(GLib.PRIORITY_DEFAULT, GUARD_SECONDS, () => {
    printerr(`timed out after ${GUARD_SECONDS} s`);
    loop.quit();
    return GLib.SOURCE_REMOVE;
});
let failures = 1;
main(names).then(n => {
    failures = n;
    status = failures > 0 ? 1 : 0;
}, e => {
    printerr(`error: ${e}`);
}).finally(() => loop.quit());
loop.run();
// Checks that held, and the cases that failed (each stops at its first failed check).
print(`${checksPassed} passed, ${failures} failed`);
System.exit(status);
