// test-gjs-reference.js: doc/javascript-reference.md lists exactly the public names the
// GJS override adds.
//
// Copyright 2026 The libtask9-glib authors
// SPDX-License-Identifier: LGPL-2.1-or-later
//
// The override's names: what it defines on the Task9 namespace, on the constructor of
// each class in it and on each class's prototype, found as the own properties (values,
// getters, symbol keys) that are JS functions, not GJS's native ones: everything the
// typelib provides is native (`[native code]`), everything the override defines is
// not (without the override this finds nothing). Names starting with `_` are private.
// The page's names: the first code span of each list item (`- `Task9.x(...)``). The
// two sets must be equal.
//
// Usage: gjs test-gjs-reference.js PAGE

const {GLib} = imports.gi;
const Task9 = imports.gi.Task9;
const System = imports.system;

let passed = 0, failed = 0;

function check(ok, what) {
    if (ok) {
        passed++;
    } else {
        failed++;
        print(`FAIL: ${what}`);
    }
}

function isJsFunction(f) {
    if (typeof f !== 'function')
        return false;
    try {
        return !/\[native code\]/.test(Function.prototype.toString.call(f));
    } catch (e) {
        return false;   // a GI callable that is not a Function
    }
}

function ownNames(qual, obj, names) {
    for (const key of Object.getOwnPropertyNames(obj)) {
        if (key.startsWith('_') || key === 'constructor')
            continue;
        const d = Object.getOwnPropertyDescriptor(obj, key);
        if (isJsFunction(d.get) || isJsFunction(d.value))
            names.add(`${qual}.${key}`);
    }
    for (const sym of Object.getOwnPropertySymbols(obj)) {
        const d = Object.getOwnPropertyDescriptor(obj, sym);
        if (isJsFunction(d.get) || isJsFunction(d.value))
            names.add(`${qual}[${sym.description}]`);
    }
}

function overrideNames() {
    const names = new Set();
    for (const key of Object.getOwnPropertyNames(Task9)) {
        if (key.startsWith('_'))
            continue;
        let value;
        try {
            value = Task9[key];
        } catch (e) {
            continue;
        }
        if (isJsFunction(value))
            names.add(`Task9.${key}`);
        if (typeof value === 'function' && value.prototype && key[0] === key[0].toUpperCase()) {
            ownNames(`Task9.${key}`, value, names);
            ownNames(`Task9.${key}.prototype`, value.prototype, names);
        }
    }
    return names;
}

const ENTRY = /^- `(Task9(?:\.[A-Za-z_][A-Za-z0-9_]*)+(?:\[Symbol\.[A-Za-z]+\])?)[(` ]/;

function pageNames(path) {
    const [, bytes] = GLib.file_get_contents(path);
    const text = new TextDecoder().decode(bytes);
    const names = [];
    for (const line of text.split('\n')) {
        const m = ENTRY.exec(line);
        if (m !== null)
            names.push(m[1]);
    }
    return names;
}

const documented = pageNames(ARGV[0]);
const have = overrideNames();
check(have.size > 40, `the override adds names (${have.size} found)`);
const dups = [...new Set(documented.filter((n, i) => documented.indexOf(n) !== i))];
check(dups.length === 0, `each name has one entry on the page: ${dups} twice`);
for (const n of [...have].sort())
    check(documented.includes(n), `${n} (in the override) is missing from the page`);
for (const n of [...new Set(documented)].sort())
    check(have.has(n), `${n} (on the page) is not a name the override adds`);
print(`${passed} passed, ${failed} failed`);
System.exit(failed > 0 ? 1 : 0);
