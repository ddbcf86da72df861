// consumer.vala: a Vala program built against an installed libtask9-glib
// (tests/install/), with `valac --vapidir=DATADIR/vala/vapi --pkg task9-glib-1`:
// an async receiver and an async sender meet on a typed channel.

async int sum_async (Task9.Channel ch) throws Error {
    int total = 0;
    for (int i = 0; i < 10; i++) {
        Value v;
        yield ch.recv_value_async (null, out v);
        total += v.get_int ();
    }
    return total;
}

async void send_async (Task9.Channel ch) throws Error {
    for (int i = 1; i <= 10; i++) {
        Value v = Value (typeof (int));
        v.set_int (i);
        yield ch.send_value_async (v, null);
    }
}

int main () {
    var loop = new MainLoop ();
    var ch = new Task9.Channel.typed (typeof (int), 0);
    int total = -1;
    send_async.begin (ch);
    sum_async.begin (ch, (obj, res) => {
        try {
            total = sum_async.end (res);
        } catch (Error e) {
            printerr ("%s\n", e.message);
        }
        loop.quit ();
    });
    loop.run ();
    print ("sum: %d\n", total);
    return total == 55 ? 0 : 1;
}
