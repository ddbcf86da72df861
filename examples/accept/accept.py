#!/usr/bin/python3
# accept.py: accept one connection with a deadline, while a ticker ticks
#
#   accept.py [PORT [TIMEOUT_MS [TICK_MS]]]     defaults: 0 (any free port), 10000, 2000
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import sys

import gi
gi.require_version('Task9', '1')
from gi.repository import GLib, Gio, Task9  # noqa: E402


async def ticker(period):
    ticks = Task9.ticker(period)
    n = 0
    try:
        while True:
            await ticks.recv()
            n += 1
            print('tick', n)
    except Task9.Cancelled:
        ticks.close()


async def acceptor(listener, accepted):
    try:
        conn, _source = await Task9.gio(listener.accept_async)   # the GIO bridge
    except Task9.Cancelled:
        return
    await accepted.send(conn)


async def main(port, timeout, tick):
    listener = Gio.SocketListener()
    _ok, bound = listener.add_address(Gio.InetSocketAddress.new_from_string('127.0.0.1', port),
                                      Gio.SocketType.STREAM, Gio.SocketProtocol.TCP, None)
    print('listening on', bound.get_port())

    ticks = Task9.spawn(ticker(tick), name='ticker')
    accepted = Task9.Channel.new_for_python()
    accept_task = Task9.spawn(acceptor(listener, accepted), name='acceptor')

    i, conn = await Task9.alt(accepted.recv(), Task9.after(timeout))
    if i == 0:
        await Task9.gio(conn.get_output_stream().write_all_async, b'hello!\n',
                        GLib.PRIORITY_DEFAULT)
        conn.close()
        print('a client came: said hello!')
    else:
        print('no client in time: shutting the listener down')
        accept_task.cancel()       # reaches the accept call as its GCancellable
    await accept_task
    listener.close()
    print('acceptor done')
    ticks.cancel()
    await ticks


if __name__ == '__main__':
    args = [int(a) for a in sys.argv[1:]] + [0, 10000, 2000][len(sys.argv) - 1:]
    Task9.run(main(args[0], args[1] / 1000, args[2] / 1000))
