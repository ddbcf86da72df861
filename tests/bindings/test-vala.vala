/* test-vala.vala: Task9 from Vala, through the generated VAPI
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Both faces. The async face: vapigen makes each _async/_finish pair a Vala async
 * method, used with `yield`. The stackful face: introspection/Task9-1.metadata
 * re-exposes the task-only blocking calls, so a Vala lambda is a task body that calls
 * them (Task.spawn (name, () => { ch.send_value (...); return null; })), and a task
 * and an async method are the two ends of one channel.
 *
 * `using Task9;` is deliberate: `catch (Error e)` below must still mean GLib.Error
 * (the library's error domain is Task9.TaskError in Vala).
 *
 * The cases run one after another in an async method on a MainLoop; a timeout source
 * only turns a hang into a failure. Prints `N passed, N failed` last; exits 1 on any
 * failure.
 */

using Task9;

errordomain TestError {
    FAILED
}

const uint GUARD_SECONDS = 10;

void check (bool condition, string what) throws TestError {
    if (!condition)
        throw new TestError.FAILED (what);
}

/* Lets every source that is ready run. An operation that has not completed after this
 * is pending (a completion is queued on the context as soon as it is decided), though a
 * source that is dispatching just now runs again only after the caller returns to it:
 * this can tell that something is pending, never that it has completed. */
void settle () {
    while (MainContext.default ().iteration (false))
        ;
}

async int recv_int (Task9.Channel channel, Cancellable? cancellable = null) throws Error {
    Value value;
    bool ok = yield channel.recv_value_async (cancellable, out value);
    check (ok, "recv_value returned false without an error");
    check (value.holds (typeof (int)), "received a %s, not an int".printf (value.type_name ()));
    return value.get_int ();
}

async void send_ints (Task9.Channel channel, int[] values) throws Error {
    foreach (int v in values) {
        Value value = Value (typeof (int));
        value.set_int (v);
        bool ok = yield channel.send_value_async (value, null);
        check (ok, "send_value returned false without an error");
    }
}

async void test_round_trip_int () throws Error {
    var channel = new Task9.Channel.typed (typeof (int), 0);
    check (channel.get_elem_type () == typeof (int), "element type");
    int[] values = { 4, -9, 0, int.MAX, int.MIN };

    /* The sender runs beside this method; each unbuffered send completes with one of
     * our receives. */
    SourceFunc resume = test_round_trip_int.callback;
    bool waiting = false;
    bool sender_done = false;
    Error? sender_error = null;
    send_ints.begin (channel, values, (obj, res) => {
        try {
            send_ints.end (res);
        } catch (Error e) {
            sender_error = e;
        }
        sender_done = true;
        if (waiting)
            resume ();
    });
    foreach (int expected in values) {
        int got = yield recv_int (channel);
        check (got == expected, "received %d, expected %d".printf (got, expected));
    }
    if (!sender_done) {
        waiting = true;
        yield;
    }
    if (sender_error != null)
        throw sender_error;
}

async void test_round_trip_string () throws Error {
    var channel = new Task9.Channel.typed (typeof (string), 2);
    string[] values = { "one", "", "drei" };

    yield channel.send_value_async (values[0], null);
    yield channel.send_value_async (values[1], null);
    check (channel.get_length () == 2, "two buffered");
    foreach (string expected in values[0:2]) {
        Value value;
        yield channel.recv_value_async (null, out value);
        check (value.get_string () == expected,
               "received \"%s\", expected \"%s\"".printf (value.get_string (), expected));
    }
    yield channel.send_value_async (values[2], null);
    Value last;
    yield channel.recv_value_async (null, out last);
    check (last.get_string () == values[2], "third value");
}

async void test_cancelled_recv () throws Error {
    var channel = new Task9.Channel.typed (typeof (int), 0);
    var cancellable = new Cancellable ();
    SourceFunc resume = test_cancelled_recv.callback;
    bool waiting = false;
    bool done = false;
    Error? recv_error = null;

    recv_int.begin (channel, cancellable, (obj, res) => {
        try {
            int got = recv_int.end (res);
            recv_error = new TestError.FAILED ("the cancelled receive got %d".printf (got));
        } catch (Error e) {
            recv_error = e;
        }
        done = true;
        if (waiting)
            resume ();
    });
    settle ();
    check (!done, "a receive on an empty channel completed");

    cancellable.cancel ();
    if (!done) {
        waiting = true;
        yield;
    }
    check (recv_error is IOError.CANCELLED,
           "expected G_IO_ERROR_CANCELLED, got %s".printf (recv_error.message));

    /* The channel is still usable, and the cancelled receive took nothing. */
    send_ints.begin (channel, { 17 });
    int got = yield recv_int (channel);
    check (got == 17, "after the cancel: received %d, expected 17".printf (got));
}

async void test_closed () throws Error {
    var channel = new Task9.Channel.typed (typeof (int), 1);
    yield send_ints (channel, { 3 });
    channel.close ();
    int got = yield recv_int (channel);
    check (got == 3, "a closed channel is drained first");
    try {
        yield recv_int (channel);
        throw new TestError.FAILED ("a receive from a closed, drained channel succeeded");
    } catch (TaskError.CLOSED e) {
        /* expected */
    }
}

async void test_alt () throws Error {
    var a = new Task9.Channel.typed (typeof (int), 1);
    var b = new Task9.Channel.typed (typeof (int), 1);
    var alt = new Task9.Alt ();
    alt.add_recv (a);
    alt.add_recv (b);

    yield send_ints (b, { 8 });
    int fired = yield alt.select_async (null);
    check (fired == 1, "fired arm %d, expected 1".printf (fired));
    Value value;
    check (alt.take_value (1, out value), "take_value");
    check (value.get_int () == 8, "value of arm 1");
}

/* The error domain's Vala name: with `using Task9;`, `Error` is GLib.Error and the
 * library's domain is TaskError. */
async void test_error_domain () throws Error {
    var channel = new Task9.Channel.typed (typeof (int), 1);
    channel.close ();
    try {
        Value value;
        channel.try_recv_value (out value);
        throw new TestError.FAILED ("try_recv_value on a closed channel succeeded");
    } catch (TestError e) {
        throw e;
    } catch (Error e) {
        check (e is TaskError.CLOSED, "expected TaskError.CLOSED, got %s".printf (e.message));
        check (e.domain == TaskError.quark (), "the domain's quark");
    }
}

/* Waits for @task from an async method: its result, or its error thrown. */
async void* join (Task9.Task task) throws Error {
    return yield task.join_async (null);
}

Value int_value (int i) {
    Value value = Value (typeof (int));
    value.set_int (i);
    return value;
}

/* A Vala lambda as a stackful task body calling the blocking forms; an async method
 * at the channel's other end. */
async void test_stackful_sender () throws Error {
    Task9.Proc.get_main ();
    var channel = new Task9.Channel.typed (typeof (int), 0);
    int[] values = { 1, 2, 3, -4 };
    var task = Task9.Task.spawn ("vala-sender", () => {
        check (Task9.in_task (), "in_task () in the body");
        foreach (int v in values)
            channel.send_value (int_value (v));
        Task9.sleep (1000);
        channel.close ();
        return null;
    });
    check (task.get_name () == "vala-sender", "the task's name");
    foreach (int expected in values) {
        int got = yield recv_int (channel);
        check (got == expected, "received %d, expected %d".printf (got, expected));
    }
    yield join (task);
    check (task.is_finished (), "finished after the join");
    check (channel.is_closed (), "the task closed the channel");
}

/* The async side sends, a stackful task receives and answers; select with a timeout
 * in the task. */
async void test_stackful_receiver () throws Error {
    var requests = new Task9.Channel.typed (typeof (int), 0);
    var replies = new Task9.Channel.typed (typeof (string), 1);
    bool timed_out = false;
    var task = Task9.Task.spawn ("vala-echo", () => {
        for (;;) {
            Value value;
            try {
                requests.recv_value (out value);
            } catch (TaskError.CLOSED e) {
                break;
            }
            replies.send_value ("n=%d".printf (value.get_int ()));
        }
        var alt = new Task9.Alt ();
        alt.add_recv (new Task9.Channel.typed (typeof (int), 0));
        try {
            alt.select (2000, null);
        } catch (IOError.TIMED_OUT e) {
            timed_out = true;
        }
        return null;
    });
    for (int i = 0; i < 3; i++) {
        yield requests.send_value_async (int_value (i), null);
        Value reply;
        yield replies.recv_value_async (null, out reply);
        check (reply.get_string () == "n=%d".printf (i), "reply %d".printf (i));
    }
    requests.close ();
    yield join (task);
    check (timed_out, "Alt.select with a timeout in the task timed out");
}

/* Cancelling a task fails its blocking call with CANCELLED; it cleans up and rethrows,
 * and the joiner sees CANCELLED. */
async void test_stackful_cancel () throws Error {
    var channel = new Task9.Channel.typed (typeof (int), 0);
    bool cleaned = false;
    var task = Task9.Task.spawn ("vala-cancelled", () => {
        try {
            Value value;
            channel.recv_value (out value);
        } catch (IOError.CANCELLED e) {
            cleaned = true;
            throw e;
        }
        return null;
    });
    while (task.get_state () != TaskState.BLOCKED)
        yield Task9.wait_idle_async (null);
    check (task.get_wait_reason () != null, "a wait reason while blocked");
    task.cancel ();
    try {
        yield join (task);
        throw new TestError.FAILED ("the cancelled task's join succeeded");
    } catch (IOError.CANCELLED e) {
        /* expected */
    }
    check (cleaned, "the task ran its cleanup");
    check (channel.get_length () == 0 && !channel.is_closed (), "the channel is untouched");
}

/* An error a task body throws is its join's error. */
async void test_stackful_throws () throws Error {
    var task = Task9.Task.spawn ("vala-throws", () => {
        throw new TestError.FAILED ("thrown in the task");
    });
    try {
        yield join (task);
        throw new IOError.FAILED ("the failing task's join succeeded");
    } catch (TestError.FAILED e) {
        check (e.message == "thrown in the task", "the task's message: " + e.message);
    }
}

/* The blocking forms outside a task fail with NOT_IN_TASK, never block. */
async void test_not_in_task () throws Error {
    var channel = new Task9.Channel.typed (typeof (int), 0);
    try {
        channel.send_value (int_value (1));
        throw new TestError.FAILED ("send_value outside a task succeeded");
    } catch (TaskError.NOT_IN_TASK e) {
        /* expected */
    }
    try {
        Task9.sleep (1);
        throw new TestError.FAILED ("sleep outside a task succeeded");
    } catch (TaskError.NOT_IN_TASK e) {
        /* expected */
    }
}

const int STRESS_TASKS = 5000;

async void send_range (Task9.Channel channel, int n) throws Error {
    for (int i = 0; i < n; i++)
        yield channel.send_value_async (int_value (i), null);
}

/* 5,000 stackful tasks each take one number from an async sender and pass its double
 * to an async collector: every result arrives exactly once. */
async void test_stress () throws Error {
    var work = new Task9.Channel.typed (typeof (int), 0);
    var results = new Task9.Channel.typed (typeof (int), 16);
    var tasks = new GenericArray<Task9.Task> ();
    for (int i = 0; i < STRESS_TASKS; i++) {
        tasks.add (Task9.Task.spawn ("worker", () => {
            Value value;
            work.recv_value (out value);
            results.send_value (int_value (value.get_int () * 2));
            return null;
        }));
    }
    Error? sender_error = null;
    send_range.begin (work, STRESS_TASKS, (obj, res) => {
        try {
            send_range.end (res);
        } catch (Error e) {
            sender_error = e;
        }
    });
    var seen = new bool[STRESS_TASKS];
    for (int i = 0; i < STRESS_TASKS; i++) {
        int got = yield recv_int (results);
        check (got % 2 == 0 && got / 2 < STRESS_TASKS, "result %d in range".printf (got));
        check (!seen[got / 2], "result %d twice".printf (got));
        seen[got / 2] = true;
    }
    foreach (var task in tasks.data)
        yield join (task);
    if (sender_error != null)
        throw sender_error;
    check (results.get_length () == 0, "nothing left over");
}

/* The blocking forms of the synchronisation objects and offload in stackful bodies
 * (introspection/Task9-1.metadata re-exposes them): four tasks on the main proc bump
 * a counter under a Lock across a yield, feed a Queue that the async side drains and
 * joins; one offloads a computation with run_in_thread; one reads a pipe into its own
 * buffer with fd_read. */
async void test_stackful_sync () throws Error {
    var mutex = new Task9.Lock ();
    var queue = new Task9.Queue (typeof (int), 2);
    int counter = 0;
    Task9.Task[] tasks = {};
    for (int t = 0; t < 4; t++) {
        tasks += Task9.Task.spawn ("vala-locker", () => {
            for (int i = 0; i < 10; i++) {
                mutex.acquire (-1);
                int seen = counter;
                Task9.yield ();           /* the others queue on the lock meanwhile */
                counter = seen + 1;
                mutex.release ();
                queue.put (int_value (1), -1);
            }
            return null;
        });
    }
    int sum = 0;
    for (int i = 0; i < 40; i++) {
        Value v;
        yield queue.get_async (null, out v);
        sum += v.get_int ();
        queue.task_done ();
    }
    yield queue.join_async (null);
    foreach (var task in tasks)
        yield join (task);
    check (counter == 40, "counter %d under the lock, expected 40".printf (counter));
    check (sum == 40, "got %d items, expected 40".printf (sum));

    int[] fds = new int[2];
    check (Posix.pipe (fds) == 0, "pipe");
    Task9.fd_set_nonblocking (fds[0]);
    size_t got = 0;
    void* offloaded = null;
    var reader = Task9.Task.spawn ("vala-reader", () => {
        offloaded = Task9.run_in_thread ((cancellable) => { return (void*) 41; }, null, -1);
        var buffer = new uint8[16];
        got = (size_t) Task9.fd_read (fds[0], buffer, -1);
        check (buffer[0] == 'h', "the first byte read");
        return null;
    });
    Posix.write (fds[1], "hi", 2);
    yield join (reader);
    check ((int) offloaded == 41, "run_in_thread's result");
    check (got == 2, "fd_read read %u bytes, expected 2".printf ((uint) got));
    Posix.close (fds[0]);
    Posix.close (fds[1]);
}

async int run_all () {
    int passed = 0, failed = 0;
    string[] names = { "round-trip-int", "round-trip-string", "cancelled-recv", "closed",
                       "alt", "error-domain", "stackful-sender", "stackful-receiver",
                       "stackful-cancel", "stackful-throws", "not-in-task", "stress",
                       "stackful-sync" };
    for (int i = 0; i < names.length; i++) {
        try {
            switch (i) {
            case 0: yield test_round_trip_int (); break;
            case 1: yield test_round_trip_string (); break;
            case 2: yield test_cancelled_recv (); break;
            case 3: yield test_closed (); break;
            case 4: yield test_alt (); break;
            case 5: yield test_error_domain (); break;
            case 6: yield test_stackful_sender (); break;
            case 7: yield test_stackful_receiver (); break;
            case 8: yield test_stackful_cancel (); break;
            case 9: yield test_stackful_throws (); break;
            case 10: yield test_not_in_task (); break;
            case 11: yield test_stress (); break;
            case 12: yield test_stackful_sync (); break;
            }
            print ("ok - %s\n", names[i]);
            passed++;
        } catch (Error e) {
            print ("not ok - %s: %s\n", names[i], e.message);
            failed++;
        }
    }
    print ("%d passed, %d failed\n", passed, failed);
    return failed;
}

int main () {
    var loop = new MainLoop ();
    int status = 1;

    Timeout.add_seconds (GUARD_SECONDS, () => {
        printerr ("timed out after %u s\n", GUARD_SECONDS);
        print ("0 passed, 1 failed\n");
        loop.quit ();
        return Source.REMOVE;
    });
    run_all.begin ((obj, res) => {
        status = run_all.end (res) > 0 ? 1 : 0;
        loop.quit ();
    });
    loop.run ();
    return status;
}
