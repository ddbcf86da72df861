// echo.js: a TCP echo server, one task per connection, clean shutdown on a signal
//
//   gjs echo.js [PORT]        default 0: any free port
//
// SPDX-License-Identifier: LGPL-2.1-or-later

const {GLib, Gio, Task9} = imports.gi;

const SIGINT = 2, SIGTERM = 15;

async function serve(socket) {
    const conn = socket.connection_factory_create_connection();
    const [into, out] = [conn.get_input_stream(), conn.get_output_stream()];
    try {
        for (;;) {
            await Task9.fd_wait(socket.get_fd(), GLib.IOCondition.IN);   // then read: no wait
            const data = into.read_bytes(4096, null);
            if (data.get_size() === 0)
                break;
            out.write_bytes(data, null);
        }
    } catch (e) {
        if (!Task9.isCancelled(e))
            throw e;
    } finally {
        conn.close(null);
    }
}

async function acceptor(listener, connections) {
    try {
        for (;;) {
            await Task9.fd_wait(listener.get_fd(), GLib.IOCondition.IN);
            const socket = listener.accept(null);
            connections.push(Task9.spawn(() => serve(socket), {name: 'conn'}));
        }
    } catch (e) {
        if (!Task9.isCancelled(e))
            throw e;
    }
}

async function main(port) {
    const sigint = Task9.signal_subscribe(SIGINT, 1);
    const sigterm = Task9.signal_subscribe(SIGTERM, 1);
    const listener = Gio.Socket.new(Gio.SocketFamily.IPV4, Gio.SocketType.STREAM,
        Gio.SocketProtocol.TCP);
    listener.bind(Gio.InetSocketAddress.new_from_string('127.0.0.1', port), true);
    listener.listen();
    print(`listening on ${listener.get_local_address().get_port()}`);

    const connections = [];
    const acceptTask = Task9.spawn(() => acceptor(listener, connections), {name: 'acceptor'});
    const [, signum] = await Task9.alt(sigint.recv(), sigterm.recv());
    print(`got ${signum === SIGINT ? 'SIGINT' : 'SIGTERM'}: shutting down`);

    acceptTask.cancel();
    await acceptTask;
    listener.close();
    connections.forEach(c => c.cancel());
    for (const c of connections)
        await c;
    print('all connections closed');
}

Task9.run(() => main(ARGV.length > 0 ? Number(ARGV[0]) : 0));
