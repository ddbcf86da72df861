#!/usr/bin/python3
# echo.py: a TCP echo server, one tasklet per connection, clean shutdown on a signal
#
#   echo.py [PORT]        default 0: any free port
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import signal
import sys

import gi
gi.require_version('Task9', '1')
from gi.repository import GLib, Gio, Task9  # noqa: E402


async def serve(conn):
    into, out = conn.get_input_stream(), conn.get_output_stream()
    try:
        while True:
            data = await Task9.gio(into.read_bytes_async, 4096, GLib.PRIORITY_DEFAULT)
            if data.get_size() == 0:
                break
            await Task9.gio(out.write_all_async, data.get_data(), GLib.PRIORITY_DEFAULT)
    except Task9.Cancelled:
        pass
    finally:
        conn.close()


async def acceptor(listener, connections):
    try:
        while True:
            conn, _source = await Task9.gio(listener.accept_async)
            connections.append(Task9.spawn(serve(conn), name='conn'))
    except Task9.Cancelled:
        pass


async def main(port):
    sigint = Task9.signal_subscribe(signal.SIGINT, 1)
    sigterm = Task9.signal_subscribe(signal.SIGTERM, 1)
    listener = Gio.SocketListener()
    _ok, bound = listener.add_address(Gio.InetSocketAddress.new_from_string('127.0.0.1', port),
                                      Gio.SocketType.STREAM, Gio.SocketProtocol.TCP, None)
    print('listening on', bound.get_port())

    connections = []
    accept_task = Task9.spawn(acceptor(listener, connections), name='acceptor')
    _i, signum = await Task9.alt(sigint.recv(), sigterm.recv())
    print('got %s: shutting down' % signal.Signals(signum).name)

    accept_task.cancel()
    await accept_task
    listener.close()
    for conn in connections:
        conn.cancel()
    for conn in connections:
        await conn
    print('all connections closed')


if __name__ == '__main__':
    Task9.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 0))
