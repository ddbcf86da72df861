#!/usr/bin/env python3
"""check-subproject.py: libtask9-glib as a meson subproject of another project.

Run by `meson test --suite install` (tests/install/meson.build). In a temporary
directory it copies the small project in tests/install/subproject/, links this source
tree in as subprojects/libtask9-glib, and configures it with the fallback forced
(--force-fallback-for=task9-glib-1,task9-thread-1), so `dependency('task9-glib-1')`
must come from the subproject's meson.override_dependency(). It then builds the
project and runs its two programs (one on <task9.h>, one on <task9/thread.h>).

Prints `N passed, N failed` last; exits 1 on any failure. The temporary directory is
removed unless something failed.
"""

import argparse
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


def run(cmd, cwd=None):
    proc = subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True, timeout=600)
    return proc.returncode, proc.stdout


def tail(text, lines=30):
    return '\n'.join(text.rstrip().splitlines()[-lines:])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--source-root', required=True)
    ap.add_argument('--meson', required=True)
    args = ap.parse_args()
    meson = shlex.split(args.meson)
    source_root = os.path.realpath(args.source_root)

    tmp = tempfile.mkdtemp(prefix='task9-subproject-')
    print('# working in', tmp)
    project = os.path.join(tmp, 'project')
    build = os.path.join(tmp, 'build')
    shutil.copytree(os.path.join(HERE, 'subproject'), project)
    os.makedirs(os.path.join(project, 'subprojects'))
    os.symlink(source_root, os.path.join(project, 'subprojects', 'libtask9-glib'))

    status, out = run(meson + ['setup', build, project, '-Dbuildtype=plain',
                               '--force-fallback-for=task9-glib-1,task9-thread-1'])
    if check(status == 0, 'meson setup of a project with subprojects/libtask9-glib', tail(out)):
        lines = out.splitlines()
        for name in ('task9-glib-1', 'task9-thread-1'):
            check(any(line.startswith(f'Dependency {name} found: YES')
                      and line.endswith('(overridden)') for line in lines),
                  f'dependency({name!r}) comes from the subproject\'s override_dependency()',
                  tail(out))
        warnings = [line for line in lines if 'WARNING' in line or 'DEPRECATION' in line]
        check(not warnings, 'the subproject configures without warnings', '\n'.join(warnings))
        status, out = run(meson + ['compile', '-C', build])
        if check(status == 0, 'meson compile (the library built as a subproject)', tail(out)):
            status, out = run([os.path.join(build, 'app')])
            check(status == 0 and 'received ping' in out, 'the <task9.h> program runs', out)
            status, out = run([os.path.join(build, 'thread-app')])
            check(status == 0 and 'received 42' in out, 'the <task9/thread.h> program runs', out)

    if failed == 0 and not os.environ.get('TASK9_KEEP_TMP'):
        shutil.rmtree(tmp, ignore_errors=True)
    else:
        print('# kept', tmp)
    print(f'{passed} passed, {failed} failed')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
