/* child.vala: run a child, print its output as it comes, with a deadline, and report
 * how it ended
 *
 *   child [DEADLINE_MS [COMMAND ARGS...]]
 *
 * The async face: an async method reads lines onto a channel; main alts between the
 * lines, the child's exit and the deadline.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

async void read_lines (DataInputStream out_, Task9.Channel lines) {
    try {
        string? line;
        while ((line = yield out_.read_line_utf8_async ()) != null)
            yield lines.send_value_async (line, null);
    } catch (Error e) {
    }
    lines.close ();
}

async int run (string[] command, TimeSpan deadline) throws Error {
    var child = new Subprocess.newv (command, SubprocessFlags.STDOUT_PIPE);
    var exited = Task9.subprocess_wait_channel (child);    /* delivers the wait status */
    var lines = new Task9.Channel.typed (typeof (string), 0);
    var timer = Task9.Channel.after (deadline);
    read_lines.begin (new DataInputStream (child.get_stdout_pipe ()), lines);

    for (;;) {
        var alt = new Task9.Alt ();
        alt.add_recv (lines);
        alt.add_recv (timer);
        int arm = yield alt.select_async (null);
        if (arm == 1) {
            print ("deadline passed: killing the child\n");
            child.force_exit ();
            break;
        }
        if (alt.get_closed (0))
            break;
        Value line;
        alt.take_value (0, out line);
        print ("child: %s\n", (string) line);
    }
    Value status;
    yield exited.recv_value_async (null, out status);
    return (int) status;
}

int main (string[] args) {
    string[] shell = { "/bin/sh", "-c", "for i in 1 2 3; do echo line $i; sleep 0.05; done; exit 3" };
    int ms = args.length > 1 ? int.parse (args[1]) : 5000;
    var loop = new MainLoop ();
    int code = 0;
    run.begin (args.length > 2 ? args[2:] : shell, ms * TimeSpan.MILLISECOND, (obj, res) => {
        try {
            int status = run.end (res);
            if (Process.if_exited (status))
                print ("child exited with status %d\n", Process.exit_status (status));
            else
                print ("child killed by signal %d\n", Process.term_sig (status));
        } catch (Error e) {
            printerr ("child: %s\n", e.message);
            code = 1;
        }
        loop.quit ();
    });
    loop.run ();
    return code;
}
