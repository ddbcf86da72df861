// accept.js: accept one connection with a deadline, while a ticker ticks
//
//   gjs accept.js [PORT [TIMEOUT_MS [TICK_MS]]]   defaults: 0 (any free port), 10000, 2000
//
// SPDX-License-Identifier: LGPL-2.1-or-later

const {GLib, Gio, Task9} = imports.gi;

async function ticker(period) {
    const ticks = Task9.ticker(period);
    try {
        for (let n = 1; ; n++) {
            await ticks.recv();
            print(`tick ${n}`);
        }
    } catch (e) {
        if (!Task9.isCancelled(e))
            throw e;
        ticks.close();
    }
}

// Waits until a client is there (fd readiness), then accepts it without blocking.
async function acceptor(listener, accepted) {
    try {
        await Task9.fd_wait(listener.get_fd(), GLib.IOCondition.IN);
    } catch (e) {
        if (Task9.isCancelled(e))
            return;
        throw e;
    }
    await accepted.send(listener.accept(null));
}

async function main(port, timeout, tick) {
    const listener = Gio.Socket.new(Gio.SocketFamily.IPV4, Gio.SocketType.STREAM,
        Gio.SocketProtocol.TCP);
    listener.bind(Gio.InetSocketAddress.new_from_string('127.0.0.1', port), true);
    listener.listen();
    print(`listening on ${listener.get_local_address().get_port()}`);

    const ticks = Task9.spawn(() => ticker(tick), {name: 'ticker'});
    const accepted = Task9.Channel.new_for_js(0);
    const acceptTask = Task9.spawn(() => acceptor(listener, accepted), {name: 'acceptor'});

    const [arm, conn] = await Task9.alt(accepted.recv(), Task9.after(timeout));
    if (arm === 0) {
        conn.send(new TextEncoder().encode('hello!\n'), null);
        conn.close();
        print('a client came: said hello!');
    } else {
        print('no client in time: shutting the listener down');
        acceptTask.cancel();
    }
    await acceptTask;
    listener.close();
    print('acceptor done');
    ticks.cancel();
    await ticks;
}

const [port = 0, timeoutMs = 10000, tickMs = 2000] = ARGV.map(Number);
Task9.run(() => main(port, timeoutMs / 1000, tickMs / 1000));
