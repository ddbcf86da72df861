#!/usr/bin/env python3
"""check-install.py: install libtask9-glib into a fresh prefix and use it from there.

Run by `meson test --suite install` (tests/install/meson.build). In a temporary
directory outside the source and build trees it:

 1. configures this source tree with --prefix=TMP/prefix (-Dtests=false, the optional
    parts as the outer build has them, enabled so that a missing tool fails), builds it
    and runs `meson install`; then `meson install --destdir TMP/stage` of the same build;
 2. checks that every installed file is under the prefix (the Python override's default
    directory follows the prefix), that the destdir install is the same tree under
    TMP/stage, and that what a GNOME library installs is where Debian's puts it:
    headers, the two .pc files, the shared libraries with their soname links, the GIR,
    the typelib, the VAPI and its .deps, both overrides, the gi-docgen HTML with its
    devhelp index in DATADIR/doc/task9-glib-1/;
 3. builds and runs, with an environment that names only the install (checked: no
    source or build tree path in it), a C program (`pkg-config --cflags --libs
    task9-glib-1`), a libthread program (`task9-thread-1`), a Python script, a GJS
    script and a Vala program (`valac --pkg task9-glib-1`), each checking that it loaded
    the installed library.

Prints `N passed, N failed` last; exits 1 on any failure. The temporary directory is
removed unless something failed (its path is printed then).
"""

import argparse
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))

passed = 0
failed = 0


def check(ok, what, detail=None):
    global passed, failed
    if ok:
        passed += 1
        print('ok:', what)
    else:
        failed += 1
        print('FAIL:', what)
        if detail:
            print('    ' + str(detail).strip().replace('\n', '\n    '))
    return ok


def run(cmd, env=None, cwd=None, log=None):
    """Runs cmd; returns (status, output). Output goes to log when given."""
    proc = subprocess.run(cmd, env=env, cwd=cwd, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, timeout=600)
    if log is not None:
        with open(log, 'a') as f:
            f.write('$ ' + shlex.join(cmd) + '\n' + proc.stdout + '\n')
    return proc.returncode, proc.stdout


def tail(text, lines=30):
    return '\n'.join(text.rstrip().splitlines()[-lines:])


def files_under(root):
    """Every file and symbolic link under root, as paths relative to it."""
    found = set()
    for dirpath, dirnames, filenames in os.walk(root):
        for name in filenames + [d for d in dirnames if os.path.islink(os.path.join(dirpath, d))]:
            found.add(os.path.relpath(os.path.join(dirpath, name), root))
    return found


def soname(path):
    status, out = run(['readelf', '-d', path])
    for line in out.splitlines():
        if '(SONAME)' in line:
            return line.split('[', 1)[1].rstrip(']').strip()
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--source-root', required=True)
    ap.add_argument('--build-root', required=True)
    ap.add_argument('--meson', required=True)
    ap.add_argument('--cc', required=True, help='the C compiler command, as a JSON list')
    ap.add_argument('--pkg-config', default='pkg-config')
    ap.add_argument('--python-gi', default='')
    ap.add_argument('--gjs', default='')
    ap.add_argument('--valac', default='')
    ap.add_argument('--introspection', choices=['enabled', 'disabled'], required=True)
    ap.add_argument('--vapi', choices=['enabled', 'disabled'], required=True)
    ap.add_argument('--documentation', choices=['enabled', 'disabled'], required=True)
    args = ap.parse_args()

    source_root = os.path.realpath(args.source_root)
    build_root = os.path.realpath(args.build_root)
    meson = shlex.split(args.meson)
    cc = json.loads(args.cc)

    tmp = os.path.realpath(tempfile.mkdtemp(prefix='task9-install-'))
    for tree in (source_root, build_root):
        if tmp.startswith(tree + os.sep):
            tmp2 = os.path.realpath(tempfile.mkdtemp(prefix='task9-install-', dir='/tmp'))
            os.rmdir(tmp)
            tmp = tmp2
    prefix = os.path.join(tmp, 'prefix')
    build = os.path.join(tmp, 'build')
    stage = os.path.join(tmp, 'stage')
    log = os.path.join(tmp, 'log.txt')
    print('# working in', tmp)

    # 1. Configure, build, install; then the same with --destdir.
    setup = meson + ['setup', build, source_root, '--prefix=' + prefix,
                     '-Dbuildtype=plain', '-Dtests=false',
                     '-Dintrospection=' + args.introspection,
                     '-Dvapi=' + args.vapi,
                     '-Ddocumentation=' + args.documentation]
    status, out = run(setup, log=log)
    if not check(status == 0, 'meson setup --prefix=TMP/prefix', tail(out)):
        return finish(tmp)
    status, out = run(meson + ['compile', '-C', build], log=log)
    if not check(status == 0, 'meson compile', tail(out)):
        return finish(tmp)
    status, out = run(meson + ['install', '-C', build, '--no-rebuild'], log=log)
    if not check(status == 0, 'meson install', tail(out)):
        return finish(tmp)
    status, out = run(meson + ['install', '-C', build, '--no-rebuild', '--destdir', stage], log=log)
    check(status == 0, 'meson install --destdir TMP/stage', tail(out))

    status, out = run(meson + ['introspect', build, '--buildoptions'])
    options = {o['name']: o['value'] for o in json.loads(out)}
    libdir = os.path.join(prefix, options['libdir'])
    includedir = os.path.join(prefix, options['includedir'])
    datadir = os.path.join(prefix, options['datadir'])
    bindir = os.path.join(prefix, options['bindir'])
    status, out = run(meson + ['introspect', build, '--installed'])
    installed = json.loads(out)

    # 2. Where things went.
    outside = sorted(p for p in installed.values() if not p.startswith(prefix + os.sep))
    check(not outside, 'every installed file is under the prefix', '\n'.join(outside))
    in_prefix = files_under(prefix)
    in_stage = files_under(os.path.join(stage, prefix.lstrip(os.sep)))
    check(in_stage == in_prefix and files_under(stage) == {
        os.path.join(prefix.lstrip(os.sep), p) for p in in_prefix},
        '--destdir installs the same tree under the stage directory',
        '\n'.join(sorted(in_stage ^ in_prefix)[:20]))

    expect = [
        (includedir, 'libtask9-glib-1/task9.h'),
        (includedir, 'libtask9-glib-1/task9-enum-types.h'),
        (includedir, 'libtask9-glib-1/task9-version-macros.h'),
        (includedir, 'libtask9-glib-1/task9/thread.h'),
        (libdir, 'libtask9-glib-1.so.0.1.0'),
        (libdir, 'libtask9-thread-1.so.0.1.0'),
        (libdir, 'libtask9-thread-main-1.a'),
        (libdir, 'pkgconfig/task9-glib-1.pc'),
        (libdir, 'pkgconfig/task9-thread-1.pc'),
        (bindir, 'task9-monitor'),
        # gdb auto-loads this for the library's file (tools/gdb/).
        (datadir, 'gdb/auto-load' + libdir + '/libtask9-glib-1.so.0.1.0-gdb.py'),
    ]
    python_dir = None
    if args.introspection == 'enabled':
        expect += [
            (datadir, 'gir-1.0/Task9-1.gir'),
            (libdir, 'girepository-1.0/Task9-1.typelib'),
            (datadir, 'gjs-1.0/overrides/Task9.js'),
        ]
        overrides = [p for p in installed.values() if p.endswith('/gi/overrides/Task9.py')]
        if check(len(overrides) == 1, 'the PyGObject override is installed once', overrides):
            python_dir = os.path.dirname(os.path.dirname(os.path.dirname(overrides[0])))
            check(python_dir.startswith(prefix + os.sep) and 'python3' in python_dir,
                  'the PyGObject override is in a python3 directory of the prefix: '
                  + os.path.relpath(python_dir, prefix))
    if args.vapi == 'enabled':
        expect += [
            (datadir, 'vala/vapi/task9-glib-1.vapi'),
            (datadir, 'vala/vapi/task9-glib-1.deps'),
        ]
    if args.documentation == 'enabled':
        expect += [
            (datadir, 'doc/task9-glib-1/index.html'),
            (datadir, 'doc/task9-glib-1/task9-glib-1.devhelp2'),
            (datadir, 'doc/task9-glib-1/concepts.html'),
            (datadir, 'doc/task9-glib-1/building.html'),
        ]
    for base, rel in expect:
        path = os.path.join(base, rel)
        check(os.path.isfile(path), 'installed: ' + os.path.relpath(path, prefix))

    for lib in ('libtask9-glib-1', 'libtask9-thread-1'):
        real = os.path.join(libdir, lib + '.so.0.1.0')
        check(soname(real) == lib + '.so.0', lib + ': soname ' + lib + '.so.0', soname(real))
        check(os.path.realpath(os.path.join(libdir, lib + '.so.0')) == real
              and os.path.realpath(os.path.join(libdir, lib + '.so')) == real,
              lib + ': .so and .so.0 link to .so.0.1.0')

    # 3. Use it. The environment names the install and nothing of the trees.
    path = [d for d in os.environ.get('PATH', '/usr/bin:/bin').split(':')
            if d and not any(os.path.realpath(d).startswith(t) for t in (source_root, build_root))]
    env = {
        'PATH': ':'.join(path),
        'HOME': os.environ.get('HOME', tmp),
        'LANG': 'C.UTF-8',
        'TMPDIR': tmp,
        'PKG_CONFIG_PATH': os.path.join(libdir, 'pkgconfig'),
        'LD_LIBRARY_PATH': libdir,
        'GI_TYPELIB_PATH': os.path.join(libdir, 'girepository-1.0'),
        # Only the install's DATADIR: the GJS override can come from nowhere else.
        'XDG_DATA_DIRS': datadir,
        'G_DEBUG': 'fatal-criticals',
    }
    if python_dir is not None:
        env['PYTHONPATH'] = python_dir
    leaks = [f'{k}={v}' for k, v in env.items()
             if source_root in v or build_root in v]
    check(not leaks, 'the programs\' environment names no source or build tree path', leaks)

    work = os.path.join(tmp, 'programs')
    os.makedirs(work)

    def build_c(name, pc):
        status, flags = run([args.pkg_config, '--cflags', '--libs', pc], env=env)
        if not check(status == 0, f'pkg-config --cflags --libs {pc}', flags):
            return None
        check(f'-I{includedir}/libtask9-glib-1' in flags and f'-L{libdir}' in flags
              and source_root not in flags and build_root not in flags,
              f'{pc}: flags point into the install only', flags)
        exe = os.path.join(work, name)
        status, out = run(cc + [os.path.join(HERE, name + '.c'), '-o', exe]
                          + shlex.split(flags), env=env, cwd=work)
        return exe if check(status == 0, f'cc {name}.c against {pc}', tail(out)) else None

    exe = build_c('consumer', 'task9-glib-1')
    if exe:
        status, out = run([exe], env=env, cwd=work)
        check(status == 0 and 'sum: 55' in out, 'C program runs', out)
        check(f'library: {libdir}/libtask9-glib-1.so.0' in out,
              'C program loaded the installed libtask9-glib-1.so.0', out)
    exe = build_c('consumer-thread', 'task9-thread-1')
    if exe:
        status, out = run([exe], env=env, cwd=work)
        check(status == 0 and 'sum of squares: 30' in out, 'libthread program runs', out)

    if args.introspection == 'enabled' and args.python_gi:
        status, out = run([args.python_gi, os.path.join(HERE, 'consumer.py'), prefix],
                          env=env, cwd=work)
        check(status == 0 and out.rstrip().endswith(' 0 failed'),
              'Python script (typelib, library and override from the install)', out)
    else:
        print('# skipped the Python script: no introspection or no python3 with gi')

    if args.introspection == 'enabled' and args.gjs:
        status, out = run([args.gjs, os.path.join(HERE, 'consumer.js'), prefix],
                          env=env, cwd=work)
        check(status == 0 and out.rstrip().endswith(' 0 failed'),
              'GJS script (library and override from the install, through XDG_DATA_DIRS)', out)
    else:
        print('# skipped the GJS script: no introspection or no gjs')

    if args.vapi == 'enabled' and args.valac:
        exe = os.path.join(work, 'consumer-vala')
        status, out = run([args.valac, '--vapidir=' + os.path.join(datadir, 'vala', 'vapi'),
                           '--pkg', 'task9-glib-1', '-X', '-w', '-o', exe,
                           os.path.join(HERE, 'consumer.vala')], env=env, cwd=work)
        if check(status == 0, 'valac --pkg task9-glib-1 against the installed VAPI', tail(out)):
            status, out = run([exe], env=env, cwd=work)
            check(status == 0 and 'sum: 55' in out, 'Vala program runs', out)
    else:
        print('# skipped the Vala program: no VAPI or no valac')

    return finish(tmp)


def finish(tmp):
    if failed == 0 and not os.environ.get('TASK9_KEEP_TMP'):
        shutil.rmtree(tmp, ignore_errors=True)
    else:
        print('# kept', tmp)
    print(f'{passed} passed, {failed} failed')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
