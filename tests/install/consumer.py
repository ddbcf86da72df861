# consumer.py: a Python program run against an installed libtask9-glib (tests/install/).
#
# check-install.py runs it with /usr/bin/python3 and only the install's directories in
# the environment (GI_TYPELIB_PATH, LD_LIBRARY_PATH, PYTHONPATH). It checks that the
# typelib, the library and the PyGObject override come from under the prefix given as
# its argument, and runs two tasklets over a channel. Last line: `N passed, N failed`.

import os
import sys

import gi
gi.require_version('Task9', '1')
gi.require_version('GIRepository', '2.0')
from gi.repository import GIRepository, Task9  # noqa: E402

prefix = os.path.realpath(sys.argv[1])
passed = failed = 0


def check(ok, what):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print('FAIL:', what)


def under_prefix(path):
    return path is not None and os.path.realpath(path).startswith(prefix + os.sep)


def loaded_library():
    with open('/proc/self/maps') as maps:
        for line in maps:
            if '/libtask9-glib-1.so' in line:
                return line[line.index('/'):].strip()
    return None


# Asking for a GType makes GI open the shared library the typelib names.
check(Task9.Channel.__gtype__.name == 'Task9Channel', 'Task9.Channel is a registered GType')
typelib = GIRepository.Repository.get_default().get_typelib_path('Task9')
check(under_prefix(typelib), 'typelib from the install: %s' % typelib)
check(under_prefix(loaded_library()), 'library from the install: %s' % loaded_library())
override = sys.modules.get('gi.overrides.Task9')
check(override is not None and under_prefix(override.__file__),
      'override from the install: %s' % (override and override.__file__))
check(hasattr(Task9, 'spawn') and hasattr(Task9, 'run'), 'the override adds spawn() and run()')


async def producer(ch):
    for i in range(1, 11):
        await ch.send(i)
    ch.close()


async def main():
    ch = Task9.Channel.new_for_python(capacity=2)
    Task9.spawn(producer(ch), name='producer')
    total = 0
    while True:
        try:
            total += await ch.recv()
        except Task9.Closed:
            return total


try:
    check(Task9.run(main()) == 55, 'two tasklets over a channel sum to 55')
except Exception as e:  # noqa: BLE001 - counted, then reported
    check(False, 'tasklets raised %r' % e)

print('%d passed, %d failed' % (passed, failed))
sys.exit(1 if failed else 0)
