// child.js: run a child, print its output as it comes, with a deadline, and report how
// it ended
//
//   gjs child.js [DEADLINE_MS [COMMAND ARGS...]]
//
// SPDX-License-Identifier: LGPL-2.1-or-later

const {GLib, Gio, Task9} = imports.gi;

const SHELL = ['/bin/sh', '-c', 'for i in 1 2 3; do echo line $i; sleep 0.05; done; exit 3'];

async function main(deadline, command) {
    const child = Gio.Subprocess.new(command, Gio.SubprocessFlags.STDOUT_PIPE);
    const exited = Task9.subprocess_wait_channel(child);    // delivers the wait status
    const pipe = child.get_stdout_pipe();
    const decoder = new TextDecoder();
    let pending = '';
    try {
        for (;;) {
            const left = Math.max(0, deadline - GLib.get_monotonic_time()) / 1e6;
            await Task9.fd_wait(pipe.get_fd(), GLib.IOCondition.IN, {timeout: left});
            const data = pipe.read_bytes(4096, null).toArray();   // ready: no wait
            if (data.length === 0)
                break;
            const lines = (pending + decoder.decode(data)).split('\n');
            pending = lines.pop();
            lines.forEach(line => print(`child: ${line}`));
        }
    } catch (e) {
        if (!Task9.isTimedOut(e))
            throw e;
        print(`${e.message}: killing the child`);
        child.force_exit();
    }
    const status = await exited.recv();
    if ((status & 0x7f) === 0)
        print(`child exited with status ${status >> 8}`);
    else
        print(`child killed by signal ${status & 0x7f}`);
}

const ms = ARGV.length > 0 ? Number(ARGV[0]) : 5000;
Task9.run(() => main(GLib.get_monotonic_time() + ms * 1000,
    ARGV.length > 1 ? ARGV.slice(1) : SHELL));
