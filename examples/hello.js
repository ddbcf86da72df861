const {Task9} = imports.gi;

async function worker(name) {
    for (let i = 0; i < 3; i++) {
        print(`${name}: ${i}`);
        await Task9.sleep(0.01);         // only this task waits
    }
    return name;
}

Task9.run(async () => {                  // runs a GLib main loop until this ends
    const a = Task9.spawn(() => worker('a'));
    const b = Task9.spawn(() => worker('b'));
    print('joined', await a, await b);
});
