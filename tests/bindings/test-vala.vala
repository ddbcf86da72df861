/* test-vala.vala: the async face of Task9 from Vala, through the generated VAPI
 *
 * Copyright 2026 The libtask9-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * vapigen makes each _async/_finish pair a Vala async method, so the channel is used
 * with `yield`. The cases run one after another in an async method on a MainLoop; a
 * timeout source only turns a hang into a failure. Exits 1 on any failure.
 */

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
    } catch (Task9.Error.CLOSED e) {
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

async int run_all () {
    int failures = 0;
    string[] names = { "round-trip-int", "round-trip-string", "cancelled-recv", "closed",
                       "alt" };
    for (int i = 0; i < names.length; i++) {
        try {
            switch (i) {
            case 0: yield test_round_trip_int (); break;
            case 1: yield test_round_trip_string (); break;
            case 2: yield test_cancelled_recv (); break;
            case 3: yield test_closed (); break;
            case 4: yield test_alt (); break;
            }
            print ("ok - %s\n", names[i]);
        } catch (Error e) {
            print ("not ok - %s: %s\n", names[i], e.message);
            failures++;
        }
    }
    print ("%d/%d passed\n", names.length - failures, names.length);
    return failures;
}

int main () {
    var loop = new MainLoop ();
    int status = 1;

    Timeout.add_seconds (GUARD_SECONDS, () => {
        printerr ("timed out after %u s\n", GUARD_SECONDS);
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
