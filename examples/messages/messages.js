// messages.js: a printer task that takes "print" and "quit" messages, and a counter
// that sends them with a timeout between (kiwi.tasklet's example, with task mailboxes)
//
//   gjs messages.js [COUNT [INTERVAL_MS]]       defaults: 5, 1000
//
// SPDX-License-Identifier: LGPL-2.1-or-later

const {Task9} = imports.gi;

async function printer() {
    for (;;) {
        const [name, value] = await Task9.receive_message(['print', 'quit']);   // its own mailbox
        if (name === 'quit')
            break;
        print(`>>> ${value}`);
    }
    print('printer: quit');
}

async function counter(count, interval) {
    const printerTask = Task9.spawn(printer, {name: 'printer'});
    for (let i = 0; i < count; i++) {
        await Task9.sleep(interval);
        printerTask.send_message('print', i);
    }
    printerTask.send_message('quit');
    await printerTask;
}

const [count = 5, intervalMs = 1000] = ARGV.map(Number);
Task9.run(() => counter(count, intervalMs / 1000));
