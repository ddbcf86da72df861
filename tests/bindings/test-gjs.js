// test-gjs.js: the async face of Task9 from GJS
//
// Copyright 2026 The libtask9-glib authors
// SPDX-License-Identifier: LGPL-2.1-or-later
//
// A subset of test-python.py: a typed channel round trip, close errors, and a
// Task9.Alt select. Each _async/_finish pair is wrapped in a Promise, and the cases
// run one after another in an async function on a GLib.MainLoop. A timeout source
// only turns a hang into a failure. Exits 1 on any failure.
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

class Failure extends Error {}

function check(condition, what) {
    if (!condition)
        throw new Failure(what);
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
main(names).then(failures => {
    status = failures > 0 ? 1 : 0;
    print(`${names.length - failures}/${names.length} passed`);
}, e => {
    printerr(`error: ${e}`);
}).finally(() => loop.quit());
loop.run();
System.exit(status);
