// test-gjs-gc.js: a long ping-pong through the GJS override, run under
// G_DEBUG=fatal-criticals, that makes SpiderMonkey collect garbage many times
//
// Copyright 2026 The libtask9-glib authors
// SPDX-License-Identifier: LGPL-2.1-or-later
//
// GJS 1.74 refuses (with a CRITICAL, and without running it) every call from C into
// JS while an incremental collection is between two slices of its sweep phase; a
// refused completion used to be lost and the program to hang. 15,000 round trips of
// fresh JS objects over a JS channel took the previous override there in about 4 s
// (the CRITICAL, fatal under meson's G_DEBUG=fatal-criticals); the override now
// collects at its own settles, from JS, before SpiderMonkey starts an incremental
// collection. Prints `N passed, N failed` last; exits 1 on a failure or a hang.

imports.gi.versions.Task9 = '1';
const {GLib, GObject, Task9} = imports.gi;
const System = imports.system;

const ROUNDS = 15000;
const GUARD_SECONDS = 50;
let passed = 0, failed = 0;

function check(condition, what) {
    if (condition) {
        passed++;
    } else {
        failed++;
        printerr(`FAIL: ${what}`);
    }
}

GLib.timeout_add_seconds(GLib.PRIORITY_HIGH, GUARD_SECONDS, () => {
    printerr(`FAIL: still running after ${GUARD_SECONDS} s (a lost completion?)`);
    print(`${passed} passed, ${failed + 1} failed`);
    System.exit(1);
});

try {
    const echoed = Task9.run(async () => {
        const ping = Task9.Channel.new_for_js(0);
        const pong = Task9.Channel.new_typed(GObject.TYPE_STRING, 0);
        const echo = Task9.spawn(async () => {
            let n = 0;
            for (let i = 0; i < ROUNDS; i++) {
                const m = await ping.recv();
                await pong.send(`${m.i}:${m.pad.length}`);
                n++;
            }
            return n;
        }, {name: 'echo'});
        let wrong = 0;
        for (let i = 0; i < ROUNDS; i++) {
            // Garbage the collector has to tenure: the object lives in the channel.
            await ping.send({i, pad: new Array(64).fill(i)});
            if (await pong.recv() !== `${i}:64`)
                wrong++;
        }
        check(wrong === 0, `every echo came back (${wrong} wrong)`);
        return await echo;
    });
    check(echoed === ROUNDS, `the echo task saw all ${ROUNDS} round trips (${echoed})`);
} catch (e) {
    check(false, `the run threw: ${e}`);
}

print(`${passed} passed, ${failed} failed`);
if (failed > 0)
    System.exit(1);
