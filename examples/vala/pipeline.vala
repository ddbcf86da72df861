/* pipeline.vala: doc/vala.md's program. Stackful workers (Vala lambdas running as
 * Task9 tasks, calling the blocking forms) fed and drained by an async method on the
 * main loop, with a deadline from an Alt and cancellation at the end.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

using Task9;

Value int_value (int i) {
    var v = Value (typeof (int));
    v.set_int (i);
    return v;
}

/* A stackful task body: blocking calls suspend only this task. */
void* square_worker (Channel jobs, Channel results) throws Error {
    for (;;) {
        Value job;
        try {
            jobs.recv_value (out job);              /* blocks this task only */
        } catch (TaskError.CLOSED e) {
            return null;                            /* drained: done */
        }
        int n = job.get_int ();
        results.send_value (int_value (n * n));
    }
}

async int run_pipeline () throws Error {
    Proc.get_main ();                               /* tasks run on this main loop */
    var jobs = new Channel.typed (typeof (int), 0);
    var results = new Channel.typed (typeof (int), 4);
    var workers = new GenericArray<Task9.Task> ();
    for (int w = 0; w < 3; w++)
        workers.add (Task9.Task.spawn ("square-%d".printf (w),
                                      () => { return square_worker (jobs, results); }));

    /* The async face feeds the workers from the main loop... */
    send_all.begin (jobs, 10);

    /* ... and collects, with a deadline on each wait. */
    int sum = 0;
    for (int i = 0; i < 10; i++) {
        var alt = new Alt ();
        alt.add_recv (results);
        alt.add_recv (Channel.after (5 * TimeSpan.SECOND));
        int arm = yield alt.select_async (null);
        if (arm == 1)
            throw new IOError.TIMED_OUT ("no result within 5 s");
        Value v;
        alt.take_value (0, out v);
        sum += v.get_int ();
    }
    foreach (var w in workers.data)
        yield w.join_async (null);                  /* each ended when jobs closed */
    return sum;
}

async void send_all (Channel jobs, int n) {
    try {
        for (int i = 1; i <= n; i++)
            yield jobs.send_value_async (int_value (i), null);
        jobs.close ();
    } catch (Error e) {                             /* GLib.Error, despite `using Task9` */
        printerr ("send: %s\n", e.message);
    }
}

int main () {
    var loop = new MainLoop ();
    int status = 1;
    run_pipeline.begin ((obj, res) => {
        try {
            int sum = run_pipeline.end (res);
            print ("sum of squares 1..10 = %d\n", sum);
            status = sum == 385 ? 0 : 1;
        } catch (Error e) {
            printerr ("%s\n", e.message);
        }
        loop.quit ();
    });
    loop.run ();
    return status;
}
