/* countdown.vala: a kid, a parent and a countdown (curio's tutorial, as tasks)
 *
 *   countdown [UNIT_MS]       default 1000: one "second" of the story
 *
 * Stackful: the parent, the kid and the countdown are Vala lambdas running as tasks.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

TimeSpan unit;

uint64 fib (uint n) {
    return n < 2 ? n : fib (n - 1) + fib (n - 2);
}

void* kid (Task9.Event start) throws Error {
    print ("kid: Can I play?\n");
    start.wait (-1);

    /* CPU work on a thread of its own; only this task waits for its answer. */
    var answer = new Task9.Channel (sizeof (uint64), 1);
    new Thread<void*> ("fib", () => {
        uint64 f = fib (25);
        try {
            answer.try_send (&f);              /* a buffered slot: never waits */
        } catch (Error e) {
        }
        return null;
    });
    uint64 f = 0;
    answer.recv (&f);
    print ("kid: fib(25) is %" + uint64.FORMAT + "\n", f);

    print ("kid: Building the Millennium Falcon in Minecraft\n");
    try {
        Task9.sleep (1000 * unit);
    } catch (IOError.CANCELLED e) {
        print ("kid: Fine. Saving my work.\n");
    }
    return null;
}

int main (string[] args) {
    return Task9.main (args, (argv) => {
        unit = (argv.length > 1 ? int.parse (argv[1]) : 1000) * TimeSpan.MILLISECOND;
        try {
            var start = new Task9.Event ();
            var hup = Task9.signal_subscribe (ProcessSignal.HUP, 1);
            var kid_task = Task9.Task.spawn ("kid", () => { return kid (start); });
            Task9.sleep (2 * unit);
            print ("parent: Yes, go play\n");
            start.set ();

            print ("parent: waiting for SIGHUP (kill -HUP %d)\n", (int) new Credentials ().get_unix_pid ());
            int signum;
            hup.recv (&signum);
            print ("parent: Let's go\n");

            var count_task = Task9.Task.spawn ("countdown", () => {
                for (int n = 3; n > 0; n--) {
                    print ("T-minus %d\n", n);
                    Task9.sleep (unit);
                }
                return null;
            });
            count_task.join (-1);
            print ("parent: We're leaving!\n");
            try {
                kid_task.join (2 * unit);
            } catch (IOError.TIMED_OUT e) {
                print ("parent: I warned you!\n");
                kid_task.cancel ();
                kid_task.join (-1);
            }
            print ("parent: Leaving!\n");
        } catch (Error e) {
            printerr ("countdown: %s\n", e.message);
            return 1;
        }
        return 0;
    });
}
