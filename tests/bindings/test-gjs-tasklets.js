// test-gjs-tasklets.js: JavaScript tasklets through the GJS override (Task9.js)
//
// Copyright 2026 The libtask9-glib authors
// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Every case is an async function run as a Task9 task by Task9.run(), one after
// another; checks are counted, and the last line is `N passed, N failed`. Exits 1 on
// any failure, or if the guard timeout (a hang) fires.
//
// Run by `meson test --suite bindings`, which sets GJS_PATH to introspection/ (where
// overrides/Task9.js is), GI_TYPELIB_PATH and LD_LIBRARY_PATH to the build tree.

imports.gi.versions.Task9 = '1';
const {GLib, GObject, Gio, Task9} = imports.gi;
const System = imports.system;

const GUARD_SECONDS = 20;
let passed = 0, failed = 0;

class Failure extends Error {}

function check(condition, what) {
    if (condition) {
        passed++;
    } else {
        failed++;
        printerr(`FAIL: ${what}`);
        throw new Failure(what);
    }
}

function checkEqual(actual, expected, what) {
    check(JSON.stringify(actual) === JSON.stringify(expected),
        `${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
}

async function checkThrows(promise, predicate, what) {
    try {
        const v = await promise;
        check(false, `${what}: succeeded with ${JSON.stringify(v)}`);
    } catch (e) {
        if (e instanceof Failure)
            throw e;
        check(predicate(e), `${what}: wrong error ${e}`);
    }
}

// Waits (without sleeping for a guessed time) until @condition holds.
async function until(condition, what) {
    for (let i = 0; i < 10000 && !condition(); i++)
        await Task9.wait_idle();
    check(condition(), `reached: ${what}`);
}

const cases = {
    async promisifiedNames() {
        for (const [obj, name] of [[Task9.Channel.prototype, 'recv'],
            [Task9.Channel.prototype, 'send'], [Task9.Channel.prototype, 'recv_value'],
            [Task9.Alt.prototype, 'select'], [Task9.Task.prototype, 'join'],
            [Task9, 'fd_wait'], [Task9, 'signal_wait'], [Task9, 'child_wait'],
            [Task9, 'object_wait_signal'], [Task9, 'wait_idle'], [Task9, 'cancellable_wait'],
            [Task9.Lock.prototype, 'acquire'], [Task9.RWLock.prototype, 'reader_acquire'],
            [Task9.RWLock.prototype, 'writer_acquire'], [Task9.Cond.prototype, 'wait'],
            [Task9, 'receive_message'], [Task9, 'gio'], [Task9.TaskHandle.prototype, 'send_message']])
            check(typeof obj[name] === 'function', `promisified ${name}`);
    },

    async plainValues() {
        const ch = Task9.Channel.new_typed(GObject.TYPE_INT, 2);
        checkEqual(await ch.send(7), undefined, 'send resolves to undefined');
        await ch.send(8);
        checkEqual(await ch.recv(), 7, 'recv is a plain value');
        checkEqual(await ch.recv_value(), 8, 'the generic recv_value too');
        const s = Task9.Channel.new_typed(GObject.TYPE_STRING, 1);
        await s.send('ünïcode');
        checkEqual(await s.recv(), 'ünïcode', 'a string');
    },

    async jsValues() {
        const ch = Task9.Channel.new_for_js(4);
        const values = [{a: [1, 2]}, null, undefined, 3.5, 'x', [{}], true];
        const sender = Task9.spawn(async () => {
            for (const v of values)
                await ch.send(v);
            ch.close();
        }, {name: 'js-sender'});
        const got = [];
        for await (const v of ch)
            got.push(v);
        await sender;
        check(got.length === values.length, 'all values arrived');
        for (let i = 0; i < values.length; i++)
            checkEqual(got[i], values[i], `value ${i}`);
        check(got[2] === undefined, 'undefined stays undefined');
        const obj = {};
        const c2 = Task9.Channel.new_for_js(1);
        await c2.send(obj);
        check(await c2.recv() === obj, 'the same object, not a copy');
    },

    async errorsThrow() {
        const ch = Task9.Channel.new_typed(GObject.TYPE_INT, 1);
        await ch.send(1);
        ch.close();
        checkEqual(await ch.recv(), 1, 'a closed channel drains first');
        await checkThrows(ch.recv(), Task9.isClosed, 'recv on a closed channel');
        await checkThrows(ch.send(2), Task9.isClosed, 'send on a closed channel');
        let threw = false;
        try {
            Task9.Channel.new_typed(GObject.TYPE_INT, 1).try_recv();
        } catch (e) {
            threw = e.matches(Task9.error_quark(), Task9.Error.WOULD_BLOCK);
        }
        check(threw, 'try_recv on an empty channel throws WOULD_BLOCK');
    },

    async timeouts() {
        const ch = Task9.Channel.new_typed(GObject.TYPE_INT, 0);
        const t0 = GLib.get_monotonic_time();
        await checkThrows(ch.recv({timeout: 0.02}), Task9.isTimedOut, 'recv with a timeout');
        check(GLib.get_monotonic_time() - t0 >= 20000, 'not before the deadline');
        await checkThrows(ch.send(1, {timeout: 0}), Task9.isTimedOut, 'send with timeout 0');
        checkEqual(ch.get_length(), 0, 'a timed-out send delivered nothing');
        await checkThrows(Task9.sleep(1, {timeout: 0.01}), Task9.isTimedOut, 'sleep with a timeout');
        await checkThrows(Task9.wait_idle({timeout: 0}), () => true, 'generic pair with a timeout');
        const b = Task9.Channel.new_typed(GObject.TYPE_INT, 1);
        await b.send(5, {timeout: 1});
        checkEqual(await b.recv({timeout: 1}), 5, 'a timeout that does not expire');
    },

    async cancellables() {
        const ch = Task9.Channel.new_typed(GObject.TYPE_INT, 0);
        const c = new Gio.Cancellable();
        const waiting = ch.recv({cancellable: c});
        GLib.idle_add(GLib.PRIORITY_DEFAULT, () => {
            c.cancel();
            return GLib.SOURCE_REMOVE;
        });
        await checkThrows(waiting, Task9.isCancelled, 'recv with a cancellable');
        const pre = new Gio.Cancellable();
        pre.cancel();
        await checkThrows(Task9.sleep(5, {cancellable: pre}), Task9.isCancelled,
            'an already cancelled cancellable');
    },

    async spawnAndJoin() {
        const me = Task9.current();
        check(me !== null && me.name === 'main', 'Task9.current() in the main task');
        const h = Task9.spawn(async self => {
            check(Task9.current() === self, 'current() is the task');
            await Task9.sleep(0.001);
            return {answer: 42};
        }, {name: 'worker'});
        check(typeof h.id === 'number' && h.id > 0, 'an id');
        checkEqual(h.name, 'worker', 'the name');
        checkEqual(h.state, 'runnable', 'runnable until the spawner waits');
        checkEqual(await h, {answer: 42}, 'await handle joins');
        checkEqual(await h.join(), {answer: 42}, 'a second join');
        checkEqual(h.state, 'finished', 'finished');
        const other = Task9.spawn(async () => 1);
        check(other.id !== h.id, 'distinct ids');
        check(other.name.length > 0, 'a default name');
        await other;
    },

    async waitState() {
        const ch = Task9.Channel.new_typed(GObject.TYPE_INT, 0);
        const h = Task9.spawn(async () => await ch.recv(), {name: 'parked'});
        await until(() => h.state === 'waiting', 'the task waits');
        checkEqual(h.waitReason, 'recv', 'its wait reason');
        await ch.send(3);
        checkEqual(await h, 3, 'woken with the value');
    },

    async joinTimeout() {
        const ch = Task9.Channel.new_typed(GObject.TYPE_INT, 0);
        const h = Task9.spawn(async () => await ch.recv());
        await checkThrows(h.join({timeout: 0.01}), Task9.isTimedOut, 'join with a timeout');
        ch.close();
        await checkThrows(h, Task9.isClosed, 'the task failed with CLOSED');
    },

    async cancellationWithCleanup() {
        const ch = Task9.Channel.new_typed(GObject.TYPE_INT, 0);
        const log = [];
        const h = Task9.spawn(async () => {
            try {
                await ch.recv();
                log.push('received');
            } catch (e) {
                log.push(Task9.isCancelled(e) ? 'cancelled' : `other ${e}`);
                // Sticky: every later wait fails too.
                try {
                    await Task9.sleep(0.001);
                    log.push('slept');
                } catch (e2) {
                    log.push(Task9.isCancelled(e2) ? 'still cancelled' : `other ${e2}`);
                }
                return 'cleaned up';
            }
            return 'not cancelled';
        }, {name: 'cancel-me'});
        await until(() => h.state === 'waiting', 'the task waits');
        h.cancel();
        check(h.cancelled, 'cancelled');
        checkEqual(await h, 'cleaned up', 'the task caught and cleaned up');
        checkEqual(log, ['cancelled', 'still cancelled'], 'the cleanup ran');
        checkEqual(ch.get_length(), 0, 'the channel untouched');

        // Uncaught: the joiner gets CANCELLED.
        const h2 = Task9.spawn(async () => await Task9.sleep(10));
        await until(() => h2.state === 'waiting', 'the second task waits');
        h2.cancel();
        await checkThrows(h2, Task9.isCancelled, 'an uncaught cancellation');
        // Cancelling a finished task does nothing.
        h2.cancel();
    },

    async taskThatThrows() {
        const h = Task9.spawn(async () => {
            await Task9.sleep(0.001);
            throw new RangeError('boom');
        });
        await checkThrows(h, e => e instanceof RangeError && e.message === 'boom',
            'the exception reaches the joiner');
        // A failing task nobody joins is reported on stderr (seen in the log), and
        // does not disturb the others.
        const orphan = Task9.spawn(async () => {
            throw new Error('orphan failure (expected on stderr)');
        }, {name: 'orphan'});
        await until(() => orphan.finished, 'the orphan ended');
    },

    async altArms() {
        const a = Task9.Channel.new_typed(GObject.TYPE_INT, 0);
        const b = Task9.Channel.new_for_js(1);
        await b.send({x: 1});
        checkEqual(await Task9.alt(a.recv(), b.recv()), [1, {x: 1}], 'the ready arm');
        const t = Task9.spawn(async () => await a.recv());
        checkEqual(await Task9.alt(a.send(9), Task9.after(5)), [0, undefined], 'a send arm');
        checkEqual(await t, 9, 'the receiver got the alt\'s send');
        const [i, when] = await Task9.alt(a.recv(), Task9.after(0.005));
        check(i === 1 && typeof when === 'number', 'the after() arm');
        checkEqual(a.get_length(), 0, 'the losing arm took nothing');
        await checkThrows(Task9.alt(a.recv(), {timeout: 0.005}), Task9.isTimedOut, 'alt with a timeout');
        a.close();
        await checkThrows(Task9.alt(Task9.after(5), a.recv()), e => Task9.isClosed(e) && e.arm === 1,
            'a closed arm');
        let threw = false;
        try {
            Task9.alt(Task9.sleep(1));
        } catch (e) {
            threw = e instanceof TypeError;
        }
        check(threw, 'a non-channel arm is a TypeError');
    },

    async timers() {
        const t0 = GLib.get_monotonic_time();
        await Task9.sleep(0.005);
        check(GLib.get_monotonic_time() - t0 >= 5000, 'sleep(0.005) lasted 5 ms');
        const fired = await Task9.after(0.001);
        check(fired >= t0, 'after() gives the time');
        const tick = Task9.ticker(0.002);
        const x = await tick.recv(), y = await tick.recv();
        check(y > x, 'ticks in order');
        tick.close();
    },

    // The wait conditions: a GObject signal, a child, an fd.
    async conditions() {
        const action = Gio.SimpleAction.new('ring', new GLib.VariantType('i'));
        const waiting = Task9.object_wait_signal(action, 'activate');
        GLib.idle_add(GLib.PRIORITY_DEFAULT, () => {
            action.activate(new GLib.Variant('i', 7));
            return GLib.SOURCE_REMOVE;
        });
        const emission = await waiting;
        checkEqual(emission.get_value(0).unpack(), 7, 'object_wait_signal');

        const [, pid] = GLib.spawn_async(null, ['/bin/sh', '-c', 'exit 0'], null,
            GLib.SpawnFlags.DO_NOT_REAP_CHILD, null);
        checkEqual(await Task9.child_wait(pid, {timeout: 10}), 0, 'child_wait status');
        GLib.spawn_close_pid(pid);

        const proc = Gio.Subprocess.new(['cat'],
            Gio.SubprocessFlags.STDIN_PIPE | Gio.SubprocessFlags.STDOUT_PIPE);
        const fd = proc.get_stdout_pipe().get_fd();
        await checkThrows(Task9.fd_wait(fd, GLib.IOCondition.IN, {timeout: 0.005}),
            Task9.isTimedOut, 'fd_wait on an empty pipe times out');
        proc.get_stdin_pipe().write_bytes(new GLib.Bytes([120]), null);
        proc.get_stdin_pipe().close(null);
        const cond = await Task9.fd_wait(fd, GLib.IOCondition.IN);
        check(cond & GLib.IOCondition.IN, 'fd_wait readiness');
        await Task9.subprocess_wait_channel(proc).recv();

        const c = new Gio.Cancellable();
        const cw = Task9.cancellable_wait(c);
        c.cancel();
        await cw;
        check(true, 'cancellable_wait');
    },

    // C on one end: a ticker is fed by the library's timer heap, a signal
    // subscription by its signal route; both are typed channels a JS task reads and
    // puts in one alt with a JS channel. (The Vala test has a C task at the other end
    // of a channel with an async caller.)
    async mixedChannels() {
        const tick = Task9.ticker(0.001);
        const js = Task9.Channel.new_for_js(1);
        const seen = new Set();
        for (let i = 0; i < 5; i++) {
            const [arm] = await Task9.alt(tick.recv(), js.recv());
            seen.add(arm);
            if (i === 2)
                await js.send('from js');
        }
        check(seen.has(0) && seen.has(1), 'both C-fed and JS-fed arms fired');
        tick.close();
        const ints = Task9.Channel.new_typed(GObject.TYPE_INT64, 1);
        const h = Task9.spawn(async () => {
            // A JS task relays C-made values (ticks) into a typed channel.
            const t = Task9.ticker(0.001);
            await ints.send(await t.recv());
            t.close();
        });
        const v = await ints.recv();
        check(typeof v === 'number' && v > 0, 'a C-made value relayed by a JS task');
        await h;
    },

    async taskTable() {
        const h = Task9.spawn(async () => await Task9.sleep(10), {name: 'js-in-table'});
        await until(() => h.state === 'waiting', 'waiting');
        if (h.task !== null) {
            check(Task9.format_task_table().includes('js-in-table'), 'a JS task in the task table');
            checkEqual(h.task.get_id(), h.id, 'the external task\'s id');
        } else {
            print('# no external tasks in this library yet: task table check skipped');
        }
        h.cancel();
        await checkThrows(h, Task9.isCancelled, 'cancelled');
    },

    // Issue 9's types through the promisified names: ev.wait(), sem.acquire(),
    // q.put(v) / q.get() / q.join(); a cancelled or timed-out wait has no effect.
    async eventWait() {
        const ev = new Task9.Event();
        await checkThrows(ev.wait({timeout: 0.02}), Task9.isTimedOut, 'wait times out');
        const order = [];
        const waiters = [1, 2, 3].map(i => Task9.spawn(async () => {
            await ev.wait();
            order.push(i);
        }, {name: `ev-waiter-${i}`}));
        for (const w of waiters)
            await until(() => w.state === 'waiting', `event waiter ${w.name} waits`);
        const c = new Gio.Cancellable();
        const gone = Task9.spawn(async () => ev.wait({cancellable: c}));
        await until(() => gone.state === 'waiting', 'a cancellable waiter waits');
        c.cancel();
        await checkThrows(gone, Task9.isCancelled, 'a cancelled event wait');
        check(!ev.is_set(), 'cancelling a wait did not set the event');
        ev.set();
        for (const w of waiters)
            await w;
        checkEqual(order.slice().sort(), [1, 2, 3], 'set wakes every waiter');
        checkEqual(await ev.wait(), true, 'a set event: wait returns at once');
        ev.clear();
        await checkThrows(ev.wait({timeout: 0}), Task9.isTimedOut, 'cleared again');
    },

    async semaphoreAcquire() {
        const sem = Task9.Semaphore.new(1);
        checkEqual(await sem.acquire(), true, 'acquire a free unit');
        checkEqual(sem.get_value(), 0, 'none left');
        await checkThrows(sem.acquire({timeout: 0.02}), Task9.isTimedOut, 'acquire times out');
        checkEqual(sem.get_value(), 0, 'a timed-out acquire took nothing');
        const order = [];
        const tasks = [1, 2, 3].map(i => Task9.spawn(async () => {
            await sem.acquire();
            order.push(i);
            sem.release();
        }, {name: `sem-${i}`}));
        // Each waits before the next one starts: FIFO order is then defined.
        const c = new Gio.Cancellable();
        const gone = Task9.spawn(async () => sem.acquire({cancellable: c}));
        for (const t of [...tasks, gone])
            await until(() => t.state === 'waiting', `${t.name} waits`);
        c.cancel();
        await checkThrows(gone, Task9.isCancelled, 'a cancelled acquire');
        sem.release();
        for (const t of tasks)
            await t;
        checkEqual(order, [1, 2, 3], 'waiters acquire in FIFO order');
        checkEqual(sem.get_value(), 1, 'the cancelled acquire took no unit');
    },

    async queuePutGet() {
        const q = new Task9.Queue({elem_type: GObject.TYPE_STRING, capacity: 1});
        await q.put('a');
        await checkThrows(q.put('b', {timeout: 0.02}), Task9.isTimedOut, 'put on a full queue times out');
        checkEqual(q.get_size(), 1, 'the timed-out put left nothing');
        checkEqual(await q.get(), 'a', 'get a plain value');
        q.task_done();
        // FIFO across waiting getters, and items in order.
        const got = [];
        const getters = [1, 2, 3].map(i => Task9.spawn(async () => {
            got.push([i, await q.get()]);
            q.task_done();
        }, {name: `getter-${i}`}));
        for (const g of getters)
            await until(() => g.state === 'waiting', `${g.name} waits`);
        for (const v of ['x', 'y', 'z'])
            await q.put(v);
        for (const g of getters)
            await g;
        checkEqual(got, [[1, 'x'], [2, 'y'], [3, 'z']], 'first waiting getter gets the first item');
        checkEqual(await q.join({timeout: 1}), true, 'join: every item done');
    },

    async queueCancelLeavesItem() {
        const q = new Task9.Queue({elem_type: GObject.TYPE_STRING, capacity: 0});
        const c = new Gio.Cancellable();
        const getter = Task9.spawn(async () => q.get({cancellable: c}), {name: 'q-getter'});
        await until(() => getter.state === 'waiting', 'the getter waits');
        c.cancel();
        await checkThrows(getter, Task9.isCancelled, 'a cancelled get');
        await q.put('kept');
        checkEqual(q.get_size(), 1, 'the item put after the cancelled get is still there');
        await checkThrows(q.get({timeout: 0, cancellable: c}), Task9.isCancelled,
            'a get with a cancelled cancellable');
        checkEqual(q.get_size(), 1, 'and it did not take the item');
        checkEqual(await q.get(), 'kept', 'the next get takes it');
        q.task_done();
        // join waits for task_done, and a cancelled join changes nothing.
        await q.put('work');
        const j = new Gio.Cancellable();
        const joiner = Task9.spawn(async () => q.join({cancellable: j}), {name: 'q-joiner'});
        await until(() => joiner.state === 'waiting', 'the joiner waits');
        j.cancel();
        await checkThrows(joiner, Task9.isCancelled, 'a cancelled join');
        const done = Task9.spawn(async () => q.join(), {name: 'q-joiner-2'});
        await until(() => done.state === 'waiting', 'the second joiner waits');
        checkEqual(await q.get(), 'work', 'get the work');
        q.task_done();
        checkEqual(await done, true, 'join returns once the item is done');
    },

    async queueClose() {
        const q = new Task9.Queue({elem_type: GObject.TYPE_STRING, capacity: 4});
        await q.put('last');
        const getter = Task9.spawn(async () => {
            const a = await q.get();
            try {
                await q.get();
                return [a, 'no error'];
            } catch (e) {
                return [a, Task9.isClosed(e) ? 'closed' : `${e}`];
            }
        }, {name: 'q-closer'});
        await until(() => getter.state === 'waiting', 'the getter waits on an empty queue');
        q.close();
        checkEqual(await getter, ['last', 'closed'], 'close: gets drain, then CLOSED');
        await checkThrows(q.put('late'), Task9.isClosed, 'put on a closed queue');
    },

    // Issue 9's locks through the promisified names: lock.acquire(),
    // rw.reader_acquire() / rw.writer_acquire(), cond.wait(); FIFO, and a wait that
    // times out or is cancelled holds nothing.
    async lockFifo() {
        const lock = Task9.Lock.new();
        checkEqual(await lock.acquire(), true, 'acquire a free lock');
        const order = [];
        let inside = 0, most = 0;
        const workers = [1, 2, 3, 4].map(i => Task9.spawn(async () => {
            await lock.acquire();
            inside++;
            most = Math.max(most, inside);
            order.push(i);
            await Task9.sleep(0);          // hold it across a wait: nobody slips in
            inside--;
            lock.release();
        }, {name: `locker-${i}`}));
        for (const w of workers)
            await until(() => w.state === 'waiting', `${w.name} waits`);
        checkEqual(workers.map(w => w.waitReason), ['acquire', 'acquire', 'acquire', 'acquire'],
            'the workers wait in acquire');
        check(lock.has_waiters(), 'the lock has waiters');
        lock.release();
        for (const w of workers)
            await w;
        checkEqual(order, [1, 2, 3, 4], 'FIFO hand-off');
        checkEqual(most, 1, 'mutual exclusion');
        check(!lock.is_locked(), 'free at the end');
        let notOwner = false;
        try {
            lock.release();
        } catch (e) {
            notOwner = e.matches(Task9.error_quark(), Task9.Error.NOT_OWNER);
        }
        check(notOwner, 'releasing a free lock throws NOT_OWNER');
    },

    async lockCancelledAcquire() {
        const lock = Task9.Lock.new();
        await lock.acquire();
        await checkThrows(lock.acquire({timeout: 0.01}), Task9.isTimedOut, 'acquire times out');
        const got = [];
        const a = Task9.spawn(async () => {
            await lock.acquire();
            got.push('a');
            lock.release();
        }, {name: 'cancelled-acquirer'});
        const b = Task9.spawn(async () => {
            await lock.acquire();
            got.push('b');
            lock.release();
        }, {name: 'next-acquirer'});
        for (const t of [a, b])
            await until(() => t.state === 'waiting', `${t.name} waits`);
        a.cancel();
        await checkThrows(a, Task9.isCancelled, 'a cancelled acquire');
        lock.release();
        await b;
        checkEqual(got, ['b'], 'the lock skipped the cancelled and the timed-out waits');
        check(!lock.is_locked() && !lock.has_waiters(), 'nothing held, nobody waits');
        const c = new Gio.Cancellable();
        c.cancel();
        await checkThrows(lock.acquire({cancellable: c}), Task9.isCancelled,
            'an acquire with a cancelled cancellable');
        check(!lock.is_locked(), 'even on a free lock it holds nothing');
    },

    async rwLock() {
        const rw = Task9.RWLock.new();
        checkEqual(await rw.reader_acquire(), true, 'a reader');
        checkEqual(await rw.reader_acquire({timeout: 0}), true, 'readers share');
        await checkThrows(rw.writer_acquire({timeout: 0.01}), Task9.isTimedOut,
            'a writer waits for the readers');
        const order = [];
        const writer = Task9.spawn(async () => {
            await rw.writer_acquire();
            order.push(['writer', rw.is_write_locked()]);
            rw.writer_release();
        }, {name: 'writer'});
        await until(() => writer.state === 'waiting', 'the writer waits');
        const reader = Task9.spawn(async () => {
            await rw.reader_acquire();
            order.push(['reader', rw.is_write_locked()]);
            rw.reader_release();
        }, {name: 'late-reader'});
        await until(() => reader.state === 'waiting', 'a reader after a waiting writer waits');
        rw.reader_release();
        rw.reader_release();
        await writer;
        await reader;
        checkEqual(order, [['writer', true], ['reader', false]],
            'writer preference: the waiting writer first, then the reader');
        check(!rw.is_write_locked() && !rw.has_waiters(), 'free at the end');
    },

    async condWaitSignal() {
        const lock = Task9.Lock.new();
        const cond = Task9.Cond.new(lock);
        // In cond.wait() for sure: its reason, and the lock it gave up is free.
        const sleeping = t => t.waitReason === 'wait' && !lock.is_locked();
        const items = [], taken = [];
        const consumer = Task9.spawn(async () => {
            for (let k = 0; k < 3; k++) {
                await lock.acquire();
                while (items.length === 0) {
                    await cond.wait();
                    check(lock.is_locked(), 'cond.wait returns holding the lock');
                }
                taken.push(items.shift());
                lock.release();
            }
        }, {name: 'consumer'});
        const woken = [];
        for (let i = 0; i < 3; i++) {
            await until(() => sleeping(consumer), 'the consumer sleeps in cond.wait');
            await lock.acquire();
            items.push(i);
            woken.push(cond.signal());
            lock.release();
        }
        await consumer;
        checkEqual(taken, [0, 1, 2], 'every item taken after a signal');
        checkEqual(woken, [1, 1, 1], 'each signal woke the sleeper');

        const order = [];
        const sleepers = [0, 1, 2].map(i => Task9.spawn(async () => {
            await lock.acquire();
            await cond.wait();
            order.push(i);
            lock.release();
        }, {name: `sleeper-${i}`}));
        for (const s of sleepers)
            await until(() => sleeping(s), `${s.name} sleeps`);
        await lock.acquire();
        const n = cond.broadcast();
        lock.release();
        for (const s of sleepers)
            await s;
        checkEqual(n, 3, 'broadcast wakes every sleeper');
        checkEqual(order, [0, 1, 2], 'in the order they slept');

        // A cancelled wait returns holding the lock, and was woken by nobody.
        const c = new Gio.Cancellable();
        const w = Task9.spawn(async () => {
            await lock.acquire();
            try {
                await cond.wait({cancellable: c});
                return 'woken';
            } catch (e) {
                return [Task9.isCancelled(e), lock.is_locked()];
            } finally {
                lock.release();
            }
        }, {name: 'cancelled-sleeper'});
        await until(() => sleeping(w), 'the sleeper sleeps');
        c.cancel();
        checkEqual(await w, [true, true], 'a cancelled wait throws, holding the lock');
        await lock.acquire();
        checkEqual(cond.signal(), 0, 'no sleeper left behind');
        lock.release();
        let notOwner = false;
        try {
            cond.signal();
        } catch (e) {
            notOwner = e.matches(Task9.error_quark(), Task9.Error.NOT_OWNER);
        }
        check(notOwner, 'signal without the lock throws NOT_OWNER');
    },

    // Mailboxes: Task9.receive_message() in a task, handle.send_message() to it.
    async mailbox() {
        const box = {same: 'object'};
        const p = Task9.spawn(async () => {
            const got = [];
            for (;;) {
                const [name, value] = await Task9.receive_message(['print', 'quit']);
                if (name === 'quit')
                    return [got, value];
                got.push(value);
            }
        }, {name: 'printer'});
        p.send_message('other', 'left queued');        // not accepted: stays queued
        const values = [1, 'two', box, 2.5, null, true, [3], undefined, -0.5];
        for (const v of values)
            p.send_message('print', v);
        p.send_message('quit', 'bye');
        const [got, bye] = await p;
        checkEqual(bye, 'bye', 'the quit message\'s value');
        checkEqual(got.length, values.length, 'every message');
        for (let i = 0; i < values.length; i++)
            check(Object.is(got[i], values[i]) || JSON.stringify(got[i]) === JSON.stringify(values[i]),
                `message ${i}: ${got[i]}`);
        check(got[2] === box, 'an object arrives as the very object');
        check(got[7] === undefined, 'undefined stays undefined');
        checkEqual(p.task.get_n_messages(), 1, 'the message nobody accepted stays queued');

        // One name as a string, then any name (null): selective, in sending order.
        const g = Task9.spawn(async () => [await Task9.receive_message('b'),
            await Task9.receive_message(null)], {name: 'selective'});
        g.send_message('a', 'first');
        g.send_message('b', 'second');
        checkEqual(await g, [['b', 'second'], ['a', 'first']], 'selective receive');

        // A receive that times out or is cancelled takes nothing.
        const log = [];
        const r = Task9.spawn(async () => {
            try {
                await Task9.receive_message(['x'], {timeout: 0.005});
                log.push('received');
            } catch (e) {
                log.push(Task9.isTimedOut(e) ? 'timed out' : `${e}`);
            }
            try {
                await Task9.receive_message(['y']);
                return 'received';
            } catch (e) {
                return Task9.isCancelled(e) ? 'cleaned up' : `${e}`;
            }
        }, {name: 'receiver'});
        r.send_message('unwanted', 1);
        await until(() => log.length === 1 && r.state === 'waiting', 'the second receive waits');
        checkEqual(log, ['timed out'], 'the first receive timed out');
        checkEqual(r.waitReason, 'message', 'the wait reason');
        r.cancel();
        checkEqual(await r, 'cleaned up', 'a cancelled receive throws CANCELLED');
        checkEqual(r.task.get_n_messages(), 1, 'and took nothing');
        let closed = false;
        try {
            r.send_message('y', 1);
        } catch (e) {
            closed = Task9.isClosed(e);
        }
        check(closed, 'a message to an ended task throws CLOSED');
    },

    // Spawn locations: the task table lists a blocked JS task with its name, state,
    // wait reason and where it was spawned (this file, this line).
    async taskTableSpawnLocation() {
        const here = new Error().fileName.replace(/^file:\/\//, '');
        const ch = Task9.Channel.new_typed(GObject.TYPE_INT, 0);
        const t = Task9.spawn(async () => await ch.recv(), {name: 'table-probe'}), line = new Error().lineNumber;
        const m = Task9.spawn(async () => await Task9.receive_message('never'), {name: 'mailbox-probe'}), mline = new Error().lineNumber;
        await until(() => t.state === 'waiting' && m.state === 'waiting', 'both wait');
        const infos = new Map(Task9.snapshot_task_table().map(i => [i.get_id(), i]));
        const row = i => i === undefined ? null
            : [i.get_name(), i.get_state(), i.get_wait_reason(), i.get_spawn_location(), i.is_external()];
        checkEqual(row(infos.get(t.id)),
            ['table-probe', Task9.TaskState.BLOCKED, 'recv', `${here}:${line}`, true],
            'the blocked task in the table');
        checkEqual(row(infos.get(m.id)),
            ['mailbox-probe', Task9.TaskState.BLOCKED, 'message', `${here}:${mline}`, true],
            'a task waiting for a message');
        const main = infos.get(Task9.current().id);
        check(main !== undefined && main.get_spawn_location().startsWith(`${here}:`),
            `Task9.run() records its caller: ${main?.get_spawn_location()}`);
        m.cancel();
        ch.close();
        await checkThrows(t, Task9.isClosed, 'the probe ends');
        await checkThrows(m, Task9.isCancelled, 'the mailbox probe ends');
    },

    // Task9.gio(obj, 'name', ...): any GIO _async call in one line, with the task's
    // cancellation passed through as its GCancellable.
    async gio() {
        const path = GLib.build_filenamev([GLib.get_tmp_dir(), `task9-gjs-gio-${new Date().getTime()}-${Math.random()}`]);
        GLib.file_set_contents(path, 'hello');
        try {
            const file = Gio.File.new_for_path(path);
            const [data, etag] = await Task9.gio(file, 'load_contents_async');
            checkEqual(new TextDecoder().decode(data), 'hello', 'load_contents');
            check(typeof etag === 'string', 'and its etag: a plain [contents, etag]');
            const [again] = await Task9.gio(file, 'load_contents', {timeout: 5});
            checkEqual(again.length, 5, 'the name without _async, with options');
            await checkThrows(Task9.gio(Gio.File.new_for_path(`${path}-missing`), 'load_contents'),
                e => e.matches(Gio.io_error_quark(), Gio.IOErrorEnum.NOT_FOUND), 'a GIO error is thrown');
            const pre = new Gio.Cancellable();
            pre.cancel();
            await checkThrows(Task9.gio(file, 'load_contents', {cancellable: pre}), Task9.isCancelled,
                'a cancelled call');
        } finally {
            GLib.unlink(path);
        }
        // A namespace function: Task9.sleep_async / Task9.sleep_finish.
        checkEqual(await Task9.gio(Task9, 'sleep', 1000), true, 'a function pair of a namespace');
        let typeError = false;
        try {
            Task9.gio(Gio.File.new_for_path('/'), 'no_such_call');
        } catch (e) {
            typeError = e instanceof TypeError;
        }
        check(typeError, 'a missing _async is a TypeError');

        // Cancelling the task cancels the call in flight, which then had no effect: a
        // read on a pipe nobody writes to.
        const proc = Gio.Subprocess.new(['cat'],
            Gio.SubprocessFlags.STDIN_PIPE | Gio.SubprocessFlags.STDOUT_PIPE);
        const out = proc.get_stdout_pipe();
        await checkThrows(Task9.gio(out, 'read_bytes', 16, GLib.PRIORITY_DEFAULT, {timeout: 0.01}),
            Task9.isTimedOut, 'a timed-out call');
        const reader = Task9.spawn(async () => Task9.gio(out, 'read_bytes', 16, GLib.PRIORITY_DEFAULT),
            {name: 'gio-reader'});
        await until(() => reader.state === 'waiting', 'the read waits');
        checkEqual(reader.waitReason, 'gio', 'its wait reason');
        reader.cancel();
        await checkThrows(reader, Task9.isCancelled, 'cancelling the task cancels the GIO call');
        proc.get_stdin_pipe().write_bytes(new GLib.Bytes([120, 121]), null);
        proc.get_stdin_pipe().close(null);
        const bytes = await Task9.gio(out, 'read_bytes', 16, GLib.PRIORITY_DEFAULT);
        checkEqual(bytes.get_size(), 2, 'the stream is usable after the cancelled read');
        await Task9.gio(proc, 'wait');
    },

    // 5,000 tasks pass tokens around: each takes a number from `work`, sends it on to
    // `results`; every number arrives exactly once.
    async stress() {
        const N = 5000;
        const work = Task9.Channel.new_for_js(0);
        const results = Task9.Channel.new_typed(GObject.TYPE_INT, 8);
        const tasks = [];
        for (let i = 0; i < N; i++) {
            tasks.push(Task9.spawn(async () => {
                const {n} = await work.recv();
                await results.send(n);
            }));
        }
        const feeder = Task9.spawn(async () => {
            for (let i = 0; i < N; i++)
                await work.send({n: i});
        }, {name: 'feeder'});
        const seen = new Uint8Array(N);
        let dup = 0;
        for (let i = 0; i < N; i++) {
            const n = await results.recv();
            if (seen[n])
                dup++;
            seen[n] = 1;
        }
        await feeder;
        for (const t of tasks)
            await t;
        checkEqual(dup, 0, 'no duplicates');
        check(seen.every(x => x === 1), 'nothing lost');
        checkEqual(results.get_length(), 0, 'nothing left over');
    },
};

function main() {
    const names = ARGV.length > 0 ? ARGV : Object.keys(cases);
    GLib.timeout_add_seconds(GLib.PRIORITY_HIGH, GUARD_SECONDS, () => {
        printerr(`timed out after ${GUARD_SECONDS} s`);
        print(`${passed} passed, ${failed + 1} failed`);
        System.exit(1);
    });
    try {
        Task9.run(async () => {
            for (const name of names) {
                const before = failed;
                try {
                    if (!(name in cases))
                        throw new Failure(`no case ${name}`);
                    await cases[name]();
                } catch (e) {
                    if (!(e instanceof Failure)) {
                        failed++;
                        printerr(`${name}: ${e}\n${e.stack ?? ''}`);
                    }
                }
                print(`${failed === before ? 'ok' : 'not ok'} - ${name}`);
            }
        });
    } catch (e) {
        failed++;
        printerr(`Task9.run: ${e}`);
    }
    print(`${passed} passed, ${failed} failed`);
    return failed > 0 ? 1 : 0;
}

System.exit(main());
