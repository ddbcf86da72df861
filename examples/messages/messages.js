// messages.js: a printer task that takes "print" and "quit" messages, and a counter
// that sends them with a timeout between (kiwi.tasklet's example)
//
//   gjs messages.js [COUNT [INTERVAL_MS]]       defaults: 5, 1000
//
// SPDX-License-Identifier: LGPL-2.1-or-later

const {Task9} = imports.gi;

async function printer(inbox) {
    for (;;) {
        const [name, value] = await inbox.recv();
        if (name === 'quit')
            break;
        print(`>>> ${value}`);
    }
    print('printer: quit');
}

async function counter(count, interval) {
    const inbox = Task9.Channel.new_for_js(16);      // the printer's mailbox
    const printerTask = Task9.spawn(() => printer(inbox), {name: 'printer'});
    for (let i = 0; i < count; i++) {
        await Task9.sleep(interval);
        await inbox.send(['print', i]);
    }
    await inbox.send(['quit']);
    await printerTask;
}

const [count = 5, intervalMs = 1000] = ARGV.map(Number);
Task9.run(() => counter(count, intervalMs / 1000));
