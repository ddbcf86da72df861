// pipeline.js: doc/javascript.md's program. A producer, three workers and a
// collector, each a Task9 task (a JS async function), connected by channels; a
// deadline on the whole job; cancellation of the workers at the end.
//
// SPDX-License-Identifier: LGPL-2.1-or-later

const {GObject, Task9} = imports.gi;

async function producer(jobs, n) {
    for (let i = 1; i <= n; i++)
        await jobs.send({id: i, text: `item ${i}`});   // waits for a free worker
    jobs.close();                                       // workers drain, then stop
}

async function worker(name, jobs, results) {
    try {
        for await (const job of jobs)                   // until jobs is closed
            await results.send(`${name}: ${job.text.toUpperCase()}`);
        return 'drained';
    } catch (e) {
        if (Task9.isCancelled(e))
            return 'cancelled';                          // clean up here
        throw e;
    }
}

async function main() {
    const jobs = Task9.Channel.new_for_js(0);            // carries any JS value
    const results = Task9.Channel.new_typed(GObject.TYPE_STRING, 4);
    const n = 6;

    Task9.spawn(() => producer(jobs, n), {name: 'producer'});
    const workers = ['a', 'b', 'c'].map(name =>
        Task9.spawn(() => worker(name, jobs, results), {name: `worker-${name}`}));

    const lines = [];
    const deadline = Task9.Channel.after(5 * 1000000);   // one deadline for the job
    while (lines.length < n) {
        const [arm, line] = await Task9.alt(results.recv(), deadline.recv());
        if (arm === 1)
            throw new Error('timed out');
        lines.push(line);
    }
    for (const w of workers)
        w.cancel();                                       // no-op for finished ones
    const ends = [];
    for (const w of workers)
        ends.push(await w);                               // join: result or exception
    return {lines: lines.sort(), ends};
}

const {lines, ends} = Task9.run(main);                   // runs a main loop until main() ends
lines.forEach(line => print(line));
print(`workers: ${ends.join(', ')}`);
if (lines.length !== 6 || ends.some(e => e !== 'drained' && e !== 'cancelled'))
    imports.system.exit(1);
