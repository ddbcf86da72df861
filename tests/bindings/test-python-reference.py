# test-python-reference.py: doc/python-reference.md lists exactly the public names the
# PyGObject override adds.
#
# Copyright 2026 The libtask9-glib authors
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The override's names: every name in its __all__ (what PyGObject copies into
# gi.repository.Task9), and every public attribute (function, property, classmethod) that
# a function of the override module defines on one of its classes or on a class of the
# typelib (the short names of the _async/_finish pairs, Task.join, ...); for its
# exceptions, their public instance attributes. Dunder protocols (`async with`,
# `async for`) are prose. The page's names: the first code span of each list item
# (`- `Task9.x(...)``). The two sets must be equal.
#
# Usage: test-python-reference.py PAGE

import re
import sys
import types

import gi

gi.require_version('Task9', '1')
from gi.repository import Task9  # noqa: E402,F401 - loads the override
from gi import _gi  # noqa: E402

override = sys.modules['gi.overrides.Task9']

passed = failed = 0


def check(ok, what):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print('FAIL: ' + what)


def defined_here(value):
    if isinstance(value, (classmethod, staticmethod)):
        value = value.__func__
    elif isinstance(value, property):
        value = value.fget
    return isinstance(value, types.FunctionType) and value.__module__ == override.__name__


def class_names(qual, cls):
    return {'%s.%s' % (qual, k) for k, v in vars(cls).items()
            if not k.startswith('_') and defined_here(v)}


def override_names():
    names = set()
    for n in override.__all__:
        v = getattr(override, n)
        names.add('Task9.' + n)
        if isinstance(v, type):
            names |= class_names('Task9.' + n, v)
            if issubclass(v, BaseException):
                names |= {'Task9.%s.%s' % (n, k) for k in vars(v()) if not k.startswith('_')}
    for info in _gi.Repository.get_default().get_infos('Task9'):
        if isinstance(info, (_gi.ObjectInfo, _gi.StructInfo)) and \
                info.get_name() not in override.__all__:
            names |= class_names('Task9.' + info.get_name(), getattr(Task9, info.get_name()))
    return names


ENTRY = re.compile(r'^- `(Task9(?:\.[A-Za-z_][A-Za-z0-9_]*)+)[(` ]')


def page_names(path):
    names = []
    with open(path, encoding='utf-8') as f:
        for line in f:
            m = ENTRY.match(line)
            if m:
                names.append(m.group(1))
    return names


def main():
    documented = page_names(sys.argv[1])
    have = override_names()
    check(len(have) > 50, 'the override exports names (%d found)' % len(have))
    dups = sorted({n for n in documented if documented.count(n) > 1})
    check(not dups, 'each name has one entry on the page: %s twice' % dups)
    for n in sorted(have):
        check(n in documented, '%s (in the override) is missing from the page' % n)
    for n in sorted(set(documented)):
        check(n in have, '%s (on the page) is not a name the override adds' % n)
    print('%d passed, %d failed' % (passed, failed))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
