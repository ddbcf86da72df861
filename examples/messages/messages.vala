/* messages.vala: a printer task that takes "print" and "quit" messages, and a counter
 * that sends them with a timeout between (kiwi.tasklet's example, with task mailboxes)
 *
 *   messages [COUNT [INTERVAL_MS]]       defaults: 5, 1000
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

void* printer () throws Error {
    for (;;) {
        string name;
        Value value;
        Task9.receive_message ({ "print", "quit" }, -1, null, out name, out value);
        if (name == "quit")
            break;
        print (">>> %d\n", (int) value);
    }
    print ("printer: quit\n");
    return null;
}

int main (string[] args) {
    return Task9.main (args, (argv) => {
        int count = argv.length > 1 ? int.parse (argv[1]) : 5;
        int interval_ms = argv.length > 2 ? int.parse (argv[2]) : 1000;
        try {
            var printer_task = Task9.Task.spawn ("printer", printer);
            for (int i = 0; i < count; i++) {
                Task9.sleep (interval_ms * TimeSpan.MILLISECOND);
                printer_task.send_message ("print", i);
            }
            printer_task.send_message ("quit", null);
            printer_task.join (-1);
        } catch (Error e) {
            printerr ("messages: %s\n", e.message);
            return 1;
        }
        return 0;
    });
}
