// consumer.js: a GJS program run against an installed libtask9-glib (tests/install/).
//
// check-install.py runs it with gjs, XDG_DATA_DIRS set to the install's DATADIR
// alone (where gjs finds gjs-1.0/overrides/Task9.js) and no GJS_PATH. It checks that the
// library comes from under the prefix given as its argument and that the override's
// functions are there, and runs two JS tasks over a channel. Last line:
// `N passed, N failed`.

const {GLib, Task9} = imports.gi;
const System = imports.system;

const prefix = ARGV[0];
let passed = 0, failed = 0;

function check(ok, what) {
    if (ok) {
        passed++;
    } else {
        failed++;
        print(`FAIL: ${what}`);
    }
}

function loadedLibrary() {
    const [, bytes] = GLib.file_get_contents('/proc/self/maps');
    const line = new TextDecoder().decode(bytes).split('\n')
        .find(l => l.includes('/libtask9-glib-1.so'));
    return line ? line.slice(line.indexOf('/')) : null;
}

// Asking for a GType makes GI open the shared library the typelib names.
check(Task9.Channel.$gtype.name === 'Task9Channel', 'Task9.Channel is a registered GType');
const lib = loadedLibrary();
check(lib !== null && lib.startsWith(`${prefix}/`), `library from the install: ${lib}`);
check(typeof Task9.spawn === 'function' && typeof Task9.run === 'function',
    'the override (overrides/Task9.js) adds spawn() and run()');

async function producer(ch) {
    for (let i = 1; i <= 10; i++)
        await ch.send(i);
    ch.close();
}

async function main() {
    const ch = Task9.Channel.new_for_js(2);
    Task9.spawn(() => producer(ch), {name: 'producer'});
    let total = 0;
    for await (const v of ch)
        total += v;
    return total;
}

try {
    check(Task9.run(main) === 55, 'two JS tasks over a channel sum to 55');
} catch (e) {
    check(false, `tasks threw ${e}`);
}

print(`${passed} passed, ${failed} failed`);
System.exit(failed ? 1 : 0);
