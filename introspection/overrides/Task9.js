// Task9.js: the GJS override of the Task9 namespace (JavaScript tasklets)
//
// Copyright 2026 The libtask9-glib authors
// SPDX-License-Identifier: LGPL-2.1-or-later
//
// GJS loads this file when a program imports Task9 (`imports.gi.Task9` or
// `import Task9 from 'gi://Task9'`), from an `overrides/` directory on its search
// path: `$datadir/gjs-1.0/overrides/` of any prefix in XDG_DATA_DIRS (Debian's gjs
// searches /usr/local/share/gjs-1.0 and /usr/share/gjs-1.0), or a directory named in
// GJS_PATH (the tests point it at introspection/ in the source tree).
//
// What it adds (doc/javascript.md is the guide):
//
// - Operations. Every _async/_finish pair of every Task9 class and of the namespace
//   gets a short name without `_async` (`ch.recv()`, `alt.select()`, `task.join()`,
//   `Task9.fd_wait(fd, cond)`, and `lock.acquire()` for any type that gains a pair
//   later), returning an Operation: a thenable that comes back with a plain value
//   (not `[ok, value]`) or throws the GLib.Error. Each takes a trailing options object
//   `{timeout, cancellable}` (timeout in seconds; G_IO_ERROR_TIMED_OUT when it
//   expires, and a timed-out operation has no effect, as a cancelled one).
// - Tasks. `Task9.spawn(asyncFn, {name})` runs an async function as a task: an id, a
//   name, a state and wait reason, `cancel()`, and joinable by `await handle`. Every
//   operation a task starts is cancelled when the task is (G_IO_ERROR_CANCELLED
//   thrown at the task's current await, and at every later one: cancellation is
//   sticky, as for C tasks). A task that fails and that nobody joins is reported on
//   stderr. Where the library offers external tasks (task9_task_new_external()), each
//   JS task is also one of those: it shows in the task table, and C can join and
//   cancel it.
// - `Task9.alt(op, op, ...)` over channel operations, resolving to [index, value];
//   `Task9.after(s)`, `Task9.ticker(s)`, `Task9.sleep(s)`, `Task9.run(asyncMain)`
//   (runs a GLib main loop until asyncMain's task ends), and
//   `Task9.Channel.new_for_js(capacity)`, a channel that carries any JS value.
// - `Task9.receive_message(names)` from the task's mailbox and `handle.send_message(name,
//   value)` (see "mailboxes"); `Task9.gio(obj, 'name', ...args)` for any GIO _async
//   call, with the task's cancellation; each task's spawn location (the caller of
//   spawn() or run(), file:line) in the task table.
//
// How a task knows its operations. JS async functions cannot be resumed by a driver,
// so the task an operation belongs to is "the task whose code is running" when the
// operation is made. GJS runs promise jobs from its own GSource at priority -1000,
// draining the whole queue in one dispatch. A resumption settles exactly one waiting
// operation (or starts one new task) with `current` set to that task, and the next
// main-loop iteration is GJS's drain, which runs that task's continuation, the async
// functions it awaits, up to its next wait. A library completion settles at once when
// no other task's drain is pending (a marker job tells when it ran); else it waits in
// a queue drained one per main-loop iteration by an idle source at priority -999
// (PRIORITY_RESUME below), which runs right after the pending drain. Nothing else runs
// in a drain, so every operation made in it is the task's. Completions made by JS code
// (joins, which may run inside a drain) always queue. (A task that awaits a plain JS
// promise another task resolves runs that continuation in the other task's drain:
// await Task9 operations, channels and joins between tasks.)

const {GLib, GObject, Gio} = imports.gi;
const System = imports.system;

let Task9 = null;

const PRIORITY_RESUME = -999;   // just below GJS's promise job source (-1000)
const USEC = 1000000;

// ---- the resume queue --------------------------------------------------------------

let _current = null;            // the _Task whose code runs now, or null
let _queue = [];                // [task, fn, arg, task, fn, arg, ...]
let _head = 0;
let _idle = 0;
let _drainPending = false;      // a settle ran; GJS's drain of its jobs has not yet

function _drained() {
    _drainPending = false;
}

// Settles one waiting operation of @task (or starts it) with `current` set to it; the
// task's continuation runs in GJS's next drain of promise jobs, which a marker job
// here guarantees and which tells when that drain has happened.
function _settle(task, fn, arg) {
    _current = task;
    _drainPending = true;
    if (task !== null)
        task._setWait(null);
    try {
        fn(arg);
    } catch (e) {
        _report(`Task9: a resumption threw: ${e}`, e);
    }
    _resolved.then(_drained);
    _collectGarbage();
}

function _schedule(task, fn, arg) {
    _queue.push(task, fn, arg);
    if (_idle === 0)
        _idle = GLib.idle_add(PRIORITY_RESUME, _resumeOne);
}

// From a library completion (a C callback, never inside a drain): settles at once
// when no other task's drain is pending and nobody waits in the queue; else queues.
// This saves the idle source's main-loop iteration in the common case (one task
// woken per completion dispatch).
function _deliver(task, fn, arg) {
    if (_drainPending || _head !== _queue.length)
        _schedule(task, fn, arg);
    else
        _settle(task, fn, arg);
}

function _resumeOne() {
    if (_head === _queue.length) {
        _queue = [];
        _head = 0;
        _idle = 0;
        return GLib.SOURCE_REMOVE;
    }
    const task = _queue[_head], fn = _queue[_head + 1], arg = _queue[_head + 2];
    _queue[_head] = _queue[_head + 1] = _queue[_head + 2] = undefined;
    _head += 3;
    if (_head > 3072 && _head * 2 > _queue.length) {
        _queue = _queue.slice(_head);
        _head = 0;
    }
    _settle(task, fn, arg);
    return GLib.SOURCE_CONTINUE;
}

// GJS 1.74 (Debian 12) refuses every call from C into JS, with a CRITICAL ("Attempting
// to run a JS callback during garbage collection") and without running it, while an
// incremental garbage collection is between two slices of its sweep phase (fixed in
// GJS 1.82, commit 4e53510f). Nothing advances that collection while every callback is
// refused, so a refused completion was lost and the program hung until GJS's own 10 s
// collection timer. SpiderMonkey starts such a collection when the heap reaches its
// allocation threshold; a full, non-incremental collection at a settle (from JS, so
// not refused) every so many settles keeps the garbage the tasks make below it.
const GC_EVERY_SETTLES = 4096;
const GC_MIN_INTERVAL_US = 250000;
let _settles = 0;
let _lastGc = 0;

function _collectGarbage() {
    if (++_settles < GC_EVERY_SETTLES)
        return;
    _settles = 0;
    const now = GLib.get_monotonic_time();
    if (now - _lastGc < GC_MIN_INTERVAL_US)
        return;
    System.gc();
    _lastGc = GLib.get_monotonic_time();
}

function _report(message, error) {
    printerr(message);
    if (error && error.stack)
        printerr(error.stack);
}

// ---- errors ------------------------------------------------------------------------

function _ioError(code, message) {
    return new GLib.Error(Gio.io_error_quark(), code, message);
}

function _isError(e, domain, code) {
    return e instanceof GLib.Error && e.matches(domain, code);
}

// ---- cancellation and deadlines ----------------------------------------------------

// The GCancellable an operation passes to the library: the task's own when that is
// all there is, else a fresh one that the task's, the caller's and the timeout cancel.
class _Guard {
    constructor(task, options) {
        const {timeout = -1, cancellable = null} = options ?? {};
        this.task = task;
        this.user = cancellable;
        this.timedOut = false;
        this._links = [];
        this._timer = 0;
        const own = task !== null ? task._cancellable : null;
        if (cancellable === null && !(timeout >= 0)) {
            this.cancellable = own;
            return;
        }
        const c = new Gio.Cancellable();
        this.cancellable = c;
        for (const parent of [own, cancellable]) {
            if (parent !== null)
                this._links.push([parent, parent.connect(() => c.cancel())]);
        }
        if (timeout >= 0 && !c.is_cancelled()) {
            this._timer = GLib.timeout_add(GLib.PRIORITY_DEFAULT,
                Math.ceil(timeout * 1000), () => {
                    this._timer = 0;
                    this.timedOut = true;
                    c.cancel();
                    return GLib.SOURCE_REMOVE;
                });
        }
    }

    // Releases the links and the timer; turns the CANCELLED of an expired deadline
    // into TIMED_OUT.
    finish(error) {
        for (const [parent, id] of this._links)
            parent.disconnect(id);
        this._links = [];
        if (this._timer !== 0) {
            GLib.source_remove(this._timer);
            this._timer = 0;
        }
        if (error !== undefined && this.timedOut &&
            _isError(error, Gio.io_error_quark(), Gio.IOErrorEnum.CANCELLED) &&
            !(this.user !== null && this.user.is_cancelled()) &&
            !(this.task !== null && this.task._cancellable.is_cancelled()))
            return _ioError(Gio.IOErrorEnum.TIMED_OUT, 'Operation timed out');
        return error;
    }
}

// ---- operations --------------------------------------------------------------------

const _resolved = Promise.resolve();

/**
 * An operation: started when first awaited (`then`), when it becomes an arm of
 * Task9.alt(), or else at the end of the code that made it, so that a send nobody
 * awaits still happens.
 */
class Operation {
    // @begin(cancellable, callback) starts the _async call; @finish(source, result)
    // returns the plain value or throws. @arm, for channel operations, is
    // {channel, send, value} for Task9.alt().
    constructor(reason, options, begin, finish, arm = null) {
        this._task = _current;
        this._reason = reason;
        this._options = options;
        this._begin = begin;
        this._finish = finish;
        this._arm = arm;
        this._fromLibrary = true;  // completed by a library callback (else by JS code)
        this._promise = null;
        this._claimed = false;     // started, or an arm of an alt
        this._awaited = false;     // someone called then()
        _resolved.then(() => {
            if (this._claimed)
                return;
            this._start().catch(e => {
                if (!this._awaited)
                    _report(`Task9: ${reason} failed and nobody awaited it: ${e}`, e);
            });
        });
    }

    _start() {
        if (this._promise === null) {
            this._claimed = true;
            this._promise = _run(this._task, this._reason, this._options, this._begin,
                this._finish, this._fromLibrary);
        }
        return this._promise;
    }

    then(onFulfilled, onRejected) {
        this._awaited = true;
        return this._start().then(onFulfilled, onRejected);
    }

    catch(onRejected) {
        return this.then(undefined, onRejected);
    }

    finally(onFinally) {
        this._awaited = true;
        return this._start().finally(onFinally);
    }
}

// Starts an _async call for @task and settles the promise through the resume queue.
function _run(task, reason, options, begin, finish, fromLibrary = true) {
    const settle = fromLibrary ? _deliver : _schedule;
    return new Promise((resolve, reject) => {
        const guard = new _Guard(task, options);
        if (task !== null)
            task._setWait(reason);
        try {
            begin(guard.cancellable, (source, result) => {
                let value;
                try {
                    value = finish(source, result);
                } catch (e) {
                    settle(task, reject, guard.finish(e));
                    return;
                }
                guard.finish();
                settle(task, resolve, value);
            });
        } catch (e) {
            guard.finish();
            _schedule(task, reject, e);
        }
    });
}

// A plain value from what a _finish function returned: [true, x] is x, [true, x, y]
// is [x, y].
function _plain(ret) {
    if (Array.isArray(ret) && ret.length > 1 && typeof ret[0] === 'boolean') {
        const rest = ret.slice(1);
        return rest.length === 1 ? rest[0] : rest;
    }
    return ret;
}

// Splits (positional..., options) at the method's count of positional arguments.
function _split(args, n) {
    const options = args.length > n ? args[n] : undefined;
    if (options !== undefined && options !== null &&
        (typeof options !== 'object' || options instanceof GObject.Object))
        throw new TypeError(`expected at most ${n} arguments and an options object`);
    return [args.slice(0, n), options];
}

// Makes `name` (from name_async/name_finish) on @target, unless @target has it.
function _promisifyPair(target, asyncName, isMethod) {
    const name = asyncName.slice(0, -'_async'.length);
    const finishName = `${name}_finish`;
    if (typeof target[finishName] !== 'function' ||
        Object.prototype.hasOwnProperty.call(target, name))
        return;
    const n = Math.max(0, target[asyncName].length - 2);
    const reason = name.replace(/_/g, ' ');
    const op = isMethod
        ? function (...args) {
            const [positional, options] = _split(args, n);
            return new Operation(reason, options,
                (c, cb) => this[asyncName](...positional, c, cb),
                (src, res) => _plain(this[finishName](res)));
        }
        : function (...args) {
            const [positional, options] = _split(args, n);
            return new Operation(reason, options,
                (c, cb) => target[asyncName](...positional, c, cb),
                (src, res) => _plain(target[finishName](res)));
        };
    Object.defineProperty(target, name, {value: op, writable: true, configurable: true});
}

// Every pair of every class (GObject or boxed) and of the namespace.
function _promisifyAll(ns) {
    for (const key of Object.keys(ns)) {
        let value;
        try {
            value = ns[key];
        } catch (e) {
            continue;
        }
        if (typeof value !== 'function')
            continue;
        if (key.endsWith('_async'))
            _promisifyPair(ns, key, false);
        else if (value.prototype && key[0] === key[0].toUpperCase()) {
            const proto = value.prototype;
            for (const name of Object.getOwnPropertyNames(proto)) {
                if (name.endsWith('_async') && typeof proto[name] === 'function')
                    _promisifyPair(proto, name, true);
            }
        }
    }
}

// ---- JS tasks ----------------------------------------------------------------------

let _nextJsId = 1;

// The library's external task for a JS task, where the library has them (null
// otherwise): the one call that puts JS tasks in the task table.
function _registerExternal(name) {
    if (typeof Task9.Task.new_external !== 'function')
        return null;
    return Task9.Task.new_external(name ?? null);
}

class _Task {
    constructor(fn, name) {
        this._fn = fn;
        this._external = _registerExternal(name);
        this._cancellable = this._external !== null
            ? this._external.get_cancellable() : new Gio.Cancellable();
        this.id = this._external !== null ? this._external.get_id() : _nextJsId++;
        this.name = name ?? `js-task-${this.id}`;
        this.state = 'runnable';
        this.waitReason = null;
        this._joined = false;
        this._done = false;
        this._failed = false;
        this._result = undefined;
        this._waiters = [];       // functions called when the task ends
        this.handle = new TaskHandle(this);
    }

    _setWait(reason) {
        if (this._done)
            return;
        this.waitReason = reason;
        this.state = reason === null ? 'running' : 'waiting';
        if (this._external !== null && typeof this._external.set_wait_reason === 'function')
            this._external.set_wait_reason(reason);
    }

    _start() {
        let promise;
        try {
            promise = Promise.resolve(this._fn(this.handle));
        } catch (e) {
            promise = Promise.reject(e);
        }
        promise.then(v => this._end(false, v), e => this._end(true, e));
    }

    _end(failed, value) {
        this._done = true;
        this._failed = failed;
        this._result = value;
        this.state = 'finished';
        this.waitReason = null;
        if (this._external !== null)
            this._endExternal(failed, value);
        if (failed && !this._joined &&
            !_isError(value, Gio.io_error_quark(), Gio.IOErrorEnum.CANCELLED))
            _report(`Task9: task ${this.id} (${this.name}) failed and nobody joined it: ${value}`, value);
        // Each waiter is a join's library-style callback (its Operation resumes the
        // joiner through the resume queue) or Task9.run()'s loop quit.
        const waiters = this._waiters;
        this._waiters = [];
        for (const waiter of waiters)
            waiter();
    }

    _endExternal(failed, value) {
        const ext = this._external;
        if (failed) {
            const error = value instanceof GLib.Error ? value
                : new GLib.Error(Task9.error_quark(), Task9.Error.FAILED ?? 0, `${value}`);
            if (typeof ext.return_error === 'function')
                ext.return_error(error);
        } else if (typeof ext.return_value === 'function') {
            // A C joiner gets what a GValue can hold; a JS joiner gets the JS value.
            try {
                ext.return_value(value === undefined ? null : value);
            } catch (e) {
                ext.return_value(null);
            }
        }
    }
}

/**
 * What Task9.spawn() returns: `id`, `name`, `state` ('runnable', 'running',
 * 'waiting', 'finished'), `waitReason`, `cancel()`, `join(options)`; and `await
 * handle` joins (the task's return value, or its exception rethrown).
 */
class TaskHandle {
    constructor(task) {
        this._task = task;
    }

    get id() {
        return this._task.id;
    }

    get name() {
        return this._task.name;
    }

    get state() {
        return this._task.state;
    }

    get waitReason() {
        return this._task.waitReason;
    }

    get cancelled() {
        return this._task._cancellable.is_cancelled();
    }

    get finished() {
        return this._task._done;
    }

    // The library's Task9.Task for this task, where there are external tasks; else null.
    get task() {
        return this._task._external;
    }

    cancel() {
        const t = this._task;
        if (t._done)
            return;
        if (t._external !== null)
            t._external.cancel();
        else
            t._cancellable.cancel();
    }

    // Queues a message (a name and any JS value) in the task's mailbox, for its
    // Task9.receive_message(); never waits. Throws CLOSED once the task has ended.
    // Without a value (not even undefined) the message has none: null to a receiver.
    send_message(name, ...value) {
        if (typeof name !== 'string')
            throw new TypeError('send_message: a message name is a string');
        this._task._external.send_message(name, value.length > 0 ? _messageValue(value[0]) : null);
    }

    join(options) {
        const t = this._task;
        t._joined = true;
        const op = new Operation('join', options, (cancellable, callback) => {
            if (t._done) {
                _resolved.then(() => callback(null, null));
                return;
            }
            let id = 0;
            const waiter = () => {
                if (id !== 0)
                    cancellable.disconnect(id);
                callback(null, null);
            };
            t._waiters.push(waiter);
            if (cancellable !== null) {
                id = cancellable.connect(() => {
                    const i = t._waiters.indexOf(waiter);
                    if (i < 0)
                        return;
                    t._waiters.splice(i, 1);
                    // Not inside g_cancellable_connect()'s handler, which holds a lock
                    // that disconnecting would wait for.
                    _resolved.then(() => {
                        cancellable.disconnect(id);
                        callback(null, null);
                    });
                });
            }
        }, () => {
            if (!t._done)
                throw _ioError(Gio.IOErrorEnum.CANCELLED, 'Operation was cancelled');
            if (t._failed)
                throw t._result;
            return t._result;
        });
        op._fromLibrary = false;   // its callbacks run in JS code, maybe inside a drain
        return op;
    }

    then(onFulfilled, onRejected) {
        return this.join().then(onFulfilled, onRejected);
    }

    toString() {
        return `[Task9 task ${this.id} ${this.name}]`;
    }
}

// "file:line" of the first frame of @stack (an Error's) outside this file: the code
// that called spawn() or run(). SpiderMonkey's frames read `name@file:line:column`.
const _FRAME = /@(.*):(\d+):\d+$/;

function _callerLocation(stack) {
    const lines = stack.split('\n');
    const own = _FRAME.exec(lines[0]);
    for (let i = 1; i < lines.length; i++) {
        const m = _FRAME.exec(lines[i]);
        if (m !== null && (own === null || m[1] !== own[1]))
            return `${m[1].replace(/^file:\/\//, '')}:${m[2]}`;
    }
    return null;
}

function spawn(fn, options = {}) {
    if (typeof fn !== 'function')
        throw new TypeError('Task9.spawn: expected an (async) function');
    const task = new _Task(fn, options.name);
    if (task._external !== null)
        task._external.set_spawn_location(_callerLocation(new Error().stack));
    _schedule(task, t => t._start(), task);
    return task.handle;
}

function current() {
    return _current !== null ? _current.handle : null;
}

function run(fn, options = {}) {
    const handle = spawn(fn, {name: 'main', ...options});
    const task = handle._task;
    task._joined = true;
    if (!task._done) {
        const loop = new GLib.MainLoop(null, false);
        task._waiters.push(() => loop.quit());
        loop.run();
    }
    if (task._failed)
        throw task._result;
    return task._result;
}

// ---- channels ----------------------------------------------------------------------

function _isJsChannel(channel) {
    return channel.get_elem_type() === GObject.TYPE_JSOBJECT;
}

// The setter of a GValue for each fundamental type GJS would guess wrong (a JS
// number is a gint or a gdouble to it).
const _setters = new Map([
    [GObject.TYPE_INT64, 'set_int64'], [GObject.TYPE_UINT64, 'set_uint64'],
    [GObject.TYPE_LONG, 'set_long'], [GObject.TYPE_ULONG, 'set_ulong'],
    [GObject.TYPE_UINT, 'set_uint'], [GObject.TYPE_INT, 'set_int'],
    [GObject.TYPE_DOUBLE, 'set_double'], [GObject.TYPE_FLOAT, 'set_float'],
    [GObject.TYPE_BOOLEAN, 'set_boolean'], [GObject.TYPE_ENUM, 'set_enum'],
    [GObject.TYPE_FLAGS, 'set_flags'], [GObject.TYPE_UCHAR, 'set_uchar'],
    [GObject.TYPE_CHAR, 'set_schar'],
]);

// What a send puts in the channel: a box holding any JS value on a JS channel, a
// GValue of the element type for numbers and booleans, else the value (GJS makes the
// GValue).
function _wrap(channel, value) {
    const type = channel.get_elem_type();
    if (type === GObject.TYPE_JSOBJECT)
        return {value};
    if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
        const setter = _setters.get(GObject.type_fundamental(type));
        if (setter !== undefined) {
            const v = new GObject.Value();
            v.init(type);
            v[setter](value);
            return v;
        }
    }
    return value;
}

function _unwrap(channel, value) {
    return _isJsChannel(channel) && value !== null && typeof value === 'object'
        ? value.value : value;
}

function _defineChannel(Channel) {
    // A channel that carries any JS value (between JS tasks): each element is a boxed
    // JS object holding it, so the channel keeps it alive.
    Channel.new_for_js = function (capacity = 0) {
        return Channel.new_typed(GObject.TYPE_JSOBJECT, capacity);
    };

    Channel.prototype.send = function (value, options) {
        const boxed = _wrap(this, value);
        return new Operation('send', options,
            (c, cb) => this.send_value_async(boxed, c, cb),
            (src, res) => {
                src.send_value_finish(res);
            },
            {channel: this, send: true, value: boxed});
    };

    Channel.prototype.recv = function (options) {
        return new Operation('recv', options,
            (c, cb) => this.recv_value_async(c, cb),
            (src, res) => _unwrap(this, src.recv_value_finish(res)[1]),
            {channel: this, send: false, value: undefined});
    };

    // Non-blocking forms with plain values: throw WOULD_BLOCK or CLOSED.
    Channel.prototype.try_send = function (value) {
        this.try_send_value(_wrap(this, value));
    };

    Channel.prototype.try_recv = function () {
        return _unwrap(this, this.try_recv_value()[1]);
    };

    // for await (const v of ch): receives until the channel is closed and drained.
    Channel.prototype[Symbol.asyncIterator] = function () {
        const channel = this;
        return {
            async next() {
                try {
                    return {value: await channel.recv(), done: false};
                } catch (e) {
                    if (_isError(e, Task9.error_quark(), Task9.Error.CLOSED))
                        return {value: undefined, done: true};
                    throw e;
                }
            },
            [Symbol.asyncIterator]() {
                return this;
            },
        };
    };
}

// ---- alt, timers -------------------------------------------------------------------

// Task9.alt(op, op, ..., [options]): waits for the first channel operation that can
// proceed (uniformly at random among ready ones) and resolves to [index, value]
// (value undefined for a send). An arm whose channel is closed throws CLOSED with
// `arm` set to its index. The arms are operations made by ch.send(v), ch.recv(),
// Task9.after(s) (not awaited separately).
function alt(...args) {
    let options;
    if (args.length > 0 && !(args[args.length - 1] instanceof Operation))
        options = args.pop();
    if (args.length === 0)
        throw new TypeError('Task9.alt: no arms');
    const a = new Task9.Alt();
    const arms = args.map((op, i) => {
        if (!(op instanceof Operation) || op._arm === null)
            throw new TypeError(`Task9.alt: arm ${i} is not a channel operation`);
        if (op._promise !== null)
            throw new TypeError(`Task9.alt: arm ${i} has started already`);
        op._claimed = true;
        const arm = op._arm;
        if (arm.send)
            a.add_send(arm.channel, arm.value);
        else
            a.add_recv(arm.channel);
        return arm;
    });
    return new Operation('alt', options,
        (c, cb) => a.select_async(c, cb),
        (src, res) => {
            const i = src.select_finish(res);
            if (a.get_closed(i)) {
                const e = new GLib.Error(Task9.error_quark(), Task9.Error.CLOSED,
                    `Channel of arm ${i} is closed`);
                e.arm = i;
                throw e;
            }
            if (arms[i].send)
                return [i, undefined];
            const [, value] = a.take_value(i);
            return [i, _unwrap(arms[i].channel, value)];
        });
}

function _span(seconds) {
    if (typeof seconds !== 'number' || !(seconds >= 0))
        throw new TypeError(`expected a time in seconds, got ${seconds}`);
    return Math.round(seconds * USEC);
}

// A receive on a fresh after() channel: the monotonic time (µs) it fired.
function after(seconds, options) {
    return Task9.Channel.after(_span(seconds)).recv(options);
}

function ticker(seconds) {
    return Task9.Channel.new_ticker(_span(seconds));
}

function sleep(seconds, options) {
    const span = _span(seconds);
    return new Operation('sleep', options,
        (c, cb) => Task9.sleep_async(span, c, cb),
        (src, res) => {
            Task9.sleep_finish(res);
        });
}

// ---- mailboxes ---------------------------------------------------------------------
//
// Every task has a mailbox of named messages (task9-mailbox.c). A JS task receives from
// its own with Task9.receive_message(names): the library's async receive on the task's
// external record, so a cancelled or timed-out receive takes nothing. Anything may send
// to it: handle.send_message(name, value) from JS, task9_task_send_message() on its
// record from C or Python. A value goes as a GValue: null as no value; a GObject.Value
// or a GObject as it is; a string, boolean or number as gchararray, gboolean or gdouble
// (what a C receiver reads); anything else (objects, arrays, undefined) in a box, a
// plain object held by a GObject.TYPE_JSOBJECT value (as on a JS channel), so a JS
// receiver gets the very value back.

const _BOX = Symbol('Task9 message value');

function _messageValue(value) {
    if (value === null || value instanceof GObject.Value || value instanceof GObject.Object ||
        typeof value === 'string')
        return value;
    if (typeof value === 'boolean' || typeof value === 'number') {
        const v = new GObject.Value();
        if (typeof value === 'boolean') {
            v.init(GObject.TYPE_BOOLEAN);
            v.set_boolean(value);
        } else {
            v.init(GObject.TYPE_DOUBLE);
            v.set_double(value);
        }
        return v;
    }
    return {[_BOX]: value};
}

function _messageUnbox(value) {
    return value !== null && typeof value === 'object' && _BOX in value ? value[_BOX] : value;
}

// Task9.receive_message(names, [options]): the calling task's oldest message whose
// name is in @names (an array of strings, one string, or null for any), waiting for
// one; resolves to [name, value]. Messages with other names stay queued in order.
function receive_message(names = null, options) {
    const task = _current;
    if (task === null || task._external === null)
        throw new TypeError('Task9.receive_message: not called from a Task9 task');
    if (typeof names === 'string')
        names = [names];
    if (names !== null && (!Array.isArray(names) || names.length === 0 ||
        !names.every(n => typeof n === 'string')))
        throw new TypeError('Task9.receive_message: names is a non-empty array of strings, or null');
    const ext = task._external;
    return new Operation('message', options,
        (c, cb) => ext.receive_message_async(names, c, cb),
        (src, res) => {
            const [, name, value] = ext.receive_message_finish(res);
            return [name, _messageUnbox(value)];
        });
}

// ---- any GIO call ------------------------------------------------------------------

// Task9.gio(obj, 'name', ...args, [options]): calls obj.name_async(...args,
// cancellable, callback) and resolves to obj.name_finish(result) as a plain value
// (a leading boolean dropped: [true, x] is x, [true, x, y] is [x, y]), or throws its
// GLib.Error. 'name' may be given with or without `_async`. obj is an object for a
// method (file, 'load_contents') or the class or namespace of a function
// (Gio.DBus, 'get'). The cancellable is the task's (and the options' timeout and
// cancellable): cancelling the task cancels the call.
function gio(obj, name, ...args) {
    if (obj === null || (typeof obj !== 'object' && typeof obj !== 'function'))
        throw new TypeError('Task9.gio: expected an object and a method name');
    if (typeof name !== 'string')
        throw new TypeError('Task9.gio: expected a method name');
    const base = name.endsWith('_async') ? name.slice(0, -'_async'.length) : name;
    const asyncName = `${base}_async`, finishName = `${base}_finish`;
    if (typeof obj[asyncName] !== 'function')
        throw new TypeError(`Task9.gio: ${obj} has no ${asyncName}()`);
    if (typeof obj[finishName] !== 'function')
        throw new TypeError(`Task9.gio: ${obj} has no ${finishName}()`);
    const [positional, options] = _split(args, Math.max(0, obj[asyncName].length - 2));
    return new Operation('gio', options,
        (c, cb) => obj[asyncName](...positional, c, cb),
        (src, res) => _plain(obj[finishName](res)));
}

// ---- the override ------------------------------------------------------------------

function _init() {
    Task9 = this;

    // Timers need the main proc; taking it here is harmless where the library makes it
    // by itself.
    if (typeof Task9.Proc.get_main === 'function')
        Task9.Proc.get_main();

    _defineChannel(Task9.Channel);
    _promisifyAll(Task9);

    Object.assign(Task9, {
        Operation,
        TaskHandle,
        spawn,
        current,
        run,
        alt,
        after,
        ticker,
        sleep,
        receive_message,
        gio,
        isClosed: e => _isError(e, Task9.error_quark(), Task9.Error.CLOSED),
        isCancelled: e => _isError(e, Gio.io_error_quark(), Gio.IOErrorEnum.CANCELLED),
        isTimedOut: e => _isError(e, Gio.io_error_quark(), Gio.IOErrorEnum.TIMED_OUT),
    });
}
