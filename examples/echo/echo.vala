/* echo.vala: a TCP echo server, one task per connection, clean shutdown on a signal
 *
 *   echo [PORT]        default 0: any free port
 *
 * Stackful: each connection is a Vala lambda running as a task of one group.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

void* serve (Socket conn) throws Error {
    var buf = new uint8[4096];
    for (;;) {       /* until the end of the stream, or cancelled (the socket closes when freed) */
        Task9.fd_wait (conn.fd, IOCondition.IN, -1);     /* suspends this task only */
        ssize_t n = conn.receive (buf);                 /* ready: does not block */
        if (n <= 0)
            return null;
        size_t sent;
        Task9.socket_send_all (conn, buf[0:n], out sent, -1);
    }
}

int main (string[] args) {
    return Task9.main (args, (argv) => {
        try {
            var sigint = Task9.signal_subscribe (ProcessSignal.INT, 1);
            var sigterm = Task9.signal_subscribe (ProcessSignal.TERM, 1);
            var listener = new Socket (SocketFamily.IPV4, SocketType.STREAM, SocketProtocol.TCP);
            int port = argv.length > 1 ? int.parse (argv[1]) : 0;
            listener.bind (new InetSocketAddress.from_string ("127.0.0.1", port), true);
            listener.listen ();
            print ("listening on %u\n", ((InetSocketAddress) listener.get_local_address ()).port);

            var connections = new Task9.Group ();
            var acceptor = Task9.Task.spawn ("acceptor", () => {
                for (;;) {
                    var conn = Task9.socket_accept (listener, -1);
                    connections.spawn ("conn", () => { return serve (conn); });
                }
            });

            var alt = new Task9.Alt ();
            alt.add_recv (sigint);
            alt.add_recv (sigterm);
            print ("got %s: shutting down\n", alt.select (-1) == 0 ? "SIGINT" : "SIGTERM");

            acceptor.cancel ();
            try {
                acceptor.join (-1);
            } catch (IOError.CANCELLED e) {
            }
            listener.close ();
            connections.cancel ();
            try {
                connections.wait ();
            } catch (IOError.CANCELLED e) {
            }
            print ("all connections closed\n");
        } catch (Error e) {
            printerr ("echo: %s\n", e.message);
            return 1;
        }
        return 0;
    });
}
