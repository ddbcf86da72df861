// countdown.js: a kid, a parent and a countdown (curio's tutorial, as JS tasks)
//
//   gjs countdown.js [UNIT_MS]       default 1000: one "second" of the story
//
// SPDX-License-Identifier: LGPL-2.1-or-later

const {Gio, Task9} = imports.gi;

const SIGHUP = 1;
const unit = (ARGV.length > 0 ? Number(ARGV[0]) : 1000) / 1000;

function fib(n) {
    return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

async function countdown(n) {
    for (; n > 0; n--) {
        print(`T-minus ${n}`);
        await Task9.sleep(unit);
    }
}

async function kid(start) {
    print('kid: Can I play?');
    await start.wait();
    // JavaScript runs on the main thread only: the CPU work stays here.
    print(`kid: fib(25) is ${fib(25)}`);
    print('kid: Building the Millennium Falcon in Minecraft');
    try {
        await Task9.sleep(1000 * unit);
    } catch (e) {
        if (!Task9.isCancelled(e))
            throw e;
        print('kid: Fine. Saving my work.');
    }
}

async function parent() {
    const start = new Task9.Event();
    const hup = Task9.signal_subscribe(SIGHUP, 1);
    const kidTask = Task9.spawn(() => kid(start), {name: 'kid'});
    await Task9.sleep(2 * unit);
    print('parent: Yes, go play');
    start.set();

    print(`parent: waiting for SIGHUP (kill -HUP ${new Gio.Credentials().get_unix_pid()})`);
    await hup.recv();
    print("parent: Let's go");

    await Task9.spawn(() => countdown(3), {name: 'countdown'});
    print("parent: We're leaving!");
    try {
        await kidTask.join({timeout: 2 * unit});
    } catch (e) {
        if (!Task9.isTimedOut(e))
            throw e;
        print('parent: I warned you!');
        kidTask.cancel();
        await kidTask;
    }
    print('parent: Leaving!');
}

Task9.run(parent);
