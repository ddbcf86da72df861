/* sieve.vala: the concurrent prime sieve, a chain of filter tasks
 *
 *   sieve [N]          the first N primes (default 10)
 *
 * Stackful: the generator and each filter are Vala lambdas running as tasks.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

void* filter (ulong prime, Task9.Channel into, Task9.Channel out_) throws Error {
    for (;;) {
        ulong i = into.recv_ulong ();
        if (i % prime != 0)
            out_.send_ulong (i);
    }
}

int main (string[] args) {
    return Task9.main (args, (argv) => {
        int n = argv.length > 1 ? int.parse (argv[1]) : 10;
        var tasks = new Task9.Group ();
        var ch = new Task9.Channel (sizeof (ulong), 0);
        try {
            var first = ch;
            tasks.spawn ("generate", () => {
                for (ulong i = 2;; i++)
                    first.send_ulong (i);
            });
            for (int i = 0; i < n; i++) {
                ulong prime = ch.recv_ulong ();
                print ("%lu\n", prime);
                var into = ch;
                var out_ = ch = new Task9.Channel (sizeof (ulong), 0);
                tasks.spawn ("filter", () => { return filter (prime, into, out_); });
            }
        } catch (Error e) {
            printerr ("sieve: %s\n", e.message);
            return 1;
        }
        tasks.cancel ();              /* the chain is endless: stop it */
        try {
            tasks.wait ();
        } catch (Error e) {
        }
        return 0;
    });
}
