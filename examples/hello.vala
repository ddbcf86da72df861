void* worker (string name) throws Error {
    for (int i = 0; i < 3; i++) {
        print ("%s: %d\n", name, i);
        Task9.sleep (10 * TimeSpan.MILLISECOND);   /* suspends this task only */
    }
    return null;
}

int main (string[] args) {
    return Task9.main (args, (argv) => {           /* libthread's threadmain */
        try {
            var a = Task9.Task.spawn ("a", () => { return worker ("a"); });
            var b = Task9.Task.spawn ("b", () => { return worker ("b"); });
            a.join (-1);
            b.join (-1);
        } catch (Error e) {
            printerr ("%s\n", e.message);
            return 1;
        }
        return 0;
    });
}
