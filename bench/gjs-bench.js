// gjs-bench.js: gjs_pingpong_us, started by `task9-bench -b gjs_pingpong_us`
//
// Copyright 2026 The libtask9-glib authors
// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Two JS tasks (async functions spawned with Task9.spawn) ping-pong an integer over
// two unbuffered typed channels; the figure is the time per round trip. The peer, in
// the same run and the same interpreter, is the same ping-pong between two plain async
// functions over a minimal Promise-based rendezvous channel (no library, no main-loop
// source per step: promise jobs only). Prints
//   RESULT gjs_pingpong_us <value> us
//   RESULT peer.gjs_pingpong_us <value> us
// Usage: gjs gjs-bench.js [ROUND_TRIPS]   (GJS_PATH, GI_TYPELIB_PATH and
// LD_LIBRARY_PATH name the build tree; task9-bench sets them)

imports.gi.versions.Task9 = '1';
const {GLib, GObject, Task9} = imports.gi;

const n = ARGV.length > 0 ? parseInt(ARGV[0]) : 20000;

function ours(rounds) {
    return Task9.run(async () => {
        const ping = Task9.Channel.new_typed(GObject.TYPE_INT, 0);
        const pong = Task9.Channel.new_typed(GObject.TYPE_INT, 0);
        const echo = Task9.spawn(async () => {
            for (let i = 0; i < rounds; i++)
                await pong.send(await ping.recv());
        }, {name: 'echo'});
        const t0 = GLib.get_monotonic_time();
        for (let i = 0; i < rounds; i++) {
            await ping.send(i);
            if (await pong.recv() !== i)
                throw new Error('wrong value');
        }
        const us = (GLib.get_monotonic_time() - t0) / rounds;
        await echo;
        return us;
    });
}

// An unbuffered channel made of promises: a send waits for a receiver and the reverse.
class PromiseChannel {
    constructor() {
        this._senders = [];    // [value, resolve]
        this._receivers = [];  // resolve
    }

    send(value) {
        const r = this._receivers.shift();
        if (r !== undefined) {
            r(value);
            return Promise.resolve();
        }
        return new Promise(resolve => this._senders.push([value, resolve]));
    }

    recv() {
        const s = this._senders.shift();
        if (s !== undefined) {
            s[1]();
            return Promise.resolve(s[0]);
        }
        return new Promise(resolve => this._receivers.push(resolve));
    }
}

function peer(rounds) {
    const loop = new GLib.MainLoop(null, false);
    let us = 0;
    const ping = new PromiseChannel(), pong = new PromiseChannel();
    const echo = (async () => {
        for (let i = 0; i < rounds; i++)
            await pong.send(await ping.recv());
    })();
    (async () => {
        const t0 = GLib.get_monotonic_time();
        for (let i = 0; i < rounds; i++) {
            await ping.send(i);
            if (await pong.recv() !== i)
                throw new Error('wrong value');
        }
        us = (GLib.get_monotonic_time() - t0) / rounds;
        await echo;
    })().finally(() => loop.quit());
    loop.run();
    return us;
}

ours(Math.min(n, 1000));   // warm up
peer(Math.min(n, 1000));
print(`RESULT gjs_pingpong_us ${ours(n).toFixed(3)} us`);
print(`RESULT peer.gjs_pingpong_us ${peer(n).toFixed(3)} us`);
