#!/usr/bin/python3
# word-count.py: doc/python.md's complete program, run by `meson test` (suite bindings)
#
# Copyright 2026 The libtask9-glib authors
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Counts the words of some files with a reader, a pool of counters and a collector,
# all tasklets on the GLib main loop; one counter is slow and is cancelled by a
# deadline. Prints the totals and exits 0 when they are right.

import os
import sys
import tempfile

import gi

gi.require_version('Gio', '2.0')
gi.require_version('Task9', '1')
from gi.repository import Gio, Task9  # noqa: E402


def reader(paths, lines):
    """A generator tasklet: reads each file with GIO and sends its lines."""
    for path in paths:
        data, _etag = yield Task9.gio(Gio.File.new_for_path(path).load_contents_async)
        for line in bytes(data).decode().splitlines():
            yield lines.send(line)
    lines.close()                     # the counters see Task9.Closed once drained


async def counter(lines, counts):
    """A coroutine tasklet: counts words until the lines run out."""
    while True:
        try:
            line = await lines.recv()
        except Task9.Closed:
            return
        await counts.send(len(line.split()))


async def slow():
    """Would take an hour: the deadline cancels it, and it cleans up."""
    try:
        await Task9.sleep(3600)
    except Task9.Cancelled:
        return 'cleaned up'


async def main(paths):
    lines = Task9.Channel.new_for_python(capacity=8)
    counts = Task9.Channel.new_for_python()
    Task9.spawn(reader(paths, lines), name='reader')
    workers = [Task9.spawn(counter(lines, counts), name='counter %d' % i) for i in range(3)]
    laggard = Task9.spawn(slow(), name='slow')

    total = 0
    done = 0
    while done < len(workers):
        # A count, or a worker's end, whichever comes first.
        i, value = await Task9.alt(counts.recv(), Task9.after(0.01))
        if i == 0:
            total += value
        else:
            done = sum(w.done() for w in workers)
    print(Task9.format_task_table(), end='')
    laggard.cancel()
    return total, await laggard


if __name__ == '__main__':
    with tempfile.TemporaryDirectory() as tmp:
        paths = []
        for n, text in enumerate(['one two three\nfour', 'five six\n\nseven eight nine ten']):
            paths.append(os.path.join(tmp, 'f%d.txt' % n))
            with open(paths[-1], 'w') as f:
                f.write(text)
        total, note = Task9.run(main(paths))
    print('words:', total, '-', note)
    sys.exit(0 if (total, note) == (10, 'cleaned up') else 1)
