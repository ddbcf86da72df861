/* accept.vala: accept one connection with a deadline, while a ticker ticks
 *
 *   accept [PORT [TIMEOUT_MS [TICK_MS]]]      defaults: 0 (any free port), 10000, 2000
 *
 * Stackful: main and the tasks are Vala lambdas running as Task9 tasks.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

int main (string[] args) {
    return Task9.main (args, (argv) => {
        int port = argv.length > 1 ? int.parse (argv[1]) : 0;
        int timeout_ms = argv.length > 2 ? int.parse (argv[2]) : 10000;
        int tick_ms = argv.length > 3 ? int.parse (argv[3]) : 2000;
        try {
            var listener = new Socket (SocketFamily.IPV4, SocketType.STREAM, SocketProtocol.TCP);
            listener.bind (new InetSocketAddress.from_string ("127.0.0.1", port), true);
            listener.listen ();
            print ("listening on %u\n", ((InetSocketAddress) listener.get_local_address ()).port);

            var ticker = Task9.Task.spawn ("ticker", () => {
                var ticks = new Task9.Channel.ticker (tick_ms * TimeSpan.MILLISECOND);
                int64 now;
                for (int n = 1; ticks.recv (&now); n++)     /* until cancelled */
                    print ("tick %d\n", n);
                return null;
            });
            var accepted = new Task9.Channel.typed (typeof (Socket), 0);
            var acceptor = Task9.Task.spawn ("acceptor", () => {
                accepted.send_value (Task9.socket_accept (listener, -1));
                return null;
            });

            var alt = new Task9.Alt ();
            alt.add_recv (accepted);
            alt.add_recv (Task9.Channel.after (timeout_ms * TimeSpan.MILLISECOND));
            if (alt.select (-1) == 0) {
                Value conn;
                alt.take_value (0, out conn);
                ((Socket) conn).send ("hello!\n".data);
                ((Socket) conn).close ();
                print ("a client came: said hello!\n");
            } else {
                print ("no client in time: shutting the listener down\n");
                acceptor.cancel ();
            }
            try {
                acceptor.join (-1);
            } catch (IOError.CANCELLED e) {
            }
            listener.close ();
            print ("acceptor done\n");
            ticker.cancel ();
            try {
                ticker.join (-1);
            } catch (IOError.CANCELLED e) {
            }
        } catch (Error e) {
            printerr ("accept: %s\n", e.message);
            return 1;
        }
        return 0;
    });
}
