// sieve.js: the concurrent prime sieve, a chain of filter tasks
//
//   gjs sieve.js [N]          the first N primes (default 10)
//
// SPDX-License-Identifier: LGPL-2.1-or-later

const {Task9} = imports.gi;

async function generate(out) {
    for (let i = 2; ; i++)
        await out.send(i);
}

async function filter(prime, into, out) {
    for (;;) {
        const i = await into.recv();
        if (i % prime !== 0)
            await out.send(i);
    }
}

async function main(n) {
    let ch = Task9.Channel.new_for_js(0);
    const tasks = [Task9.spawn(() => generate(ch), {name: 'generate'})];
    for (let i = 0; i < n; i++) {
        const prime = await ch.recv();
        print(prime);
        const [into, out] = [ch, Task9.Channel.new_for_js(0)];
        tasks.push(Task9.spawn(() => filter(prime, into, out), {name: `filter ${prime}`}));
        ch = out;
    }
    tasks.forEach(t => t.cancel());     // the chain is endless: stop it
    for (const t of tasks) {
        try {
            await t;
        } catch (e) {
            if (!Task9.isCancelled(e))
                throw e;
        }
    }
}

Task9.run(() => main(ARGV.length > 0 ? Number(ARGV[0]) : 10));
