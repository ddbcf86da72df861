#!/usr/bin/python3
# wait-for-anything.py: doc/python.md's second program, run by `meson test` (suite bindings)
#
# Copyright 2026 The libtask9-glib authors
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The project's point in one function: a tasklet waits for a file descriptor, a child
# process, a Unix signal and a message at once, with a deadline, in one Task9.alt.
# main() runs it five times, making a different one of them happen each time, and
# exits 0 when each arm won once.

import os
import signal
import sys

import gi

gi.require_version('GLib', '2.0')
gi.require_version('Task9', '1')
from gi.repository import GLib, Task9  # noqa: E402

ARMS = ('readable', 'exited', 'signal', 'message', 'deadline')


async def first_event(fd, pid, messages, seconds):
    """Whatever comes first: fd readable, the child's exit, SIGUSR1, a message on
    messages, or the deadline. Gives (which, value)."""
    readable = Task9.fd_watch(fd, GLib.IOCondition.IN)   # each a channel, sent once
    exited = Task9.child_watch(pid)                      # the wait status
    signals = Task9.signal_subscribe(signal.SIGUSR1, 1)  # the signal number
    try:
        i, value = await Task9.alt(readable.recv(), exited.recv(), signals.recv(),
                                   messages.recv(), Task9.after(seconds))
    finally:
        for ch in (readable, exited, signals):            # unsubscribe
            ch.close()
    return ARMS[i], value


async def make_happen(what, pipe_w, child_stdin, messages):
    """Runs while first_event() waits, and makes one thing happen."""
    if what == 'readable':
        os.write(pipe_w, b'!')
    elif what == 'exited':
        os.close(child_stdin)                 # the child reads EOF and exits
    elif what == 'signal':
        os.kill(os.getpid(), signal.SIGUSR1)
    elif what == 'message':
        await messages.send('hello')
    # 'deadline': nothing happens


async def once(what):
    pipe_r, pipe_w = os.pipe()
    child_in, child_stdin = os.pipe()
    pid = os.posix_spawn('/bin/sh', ['sh', '-c', 'read line; exit 3'], os.environ,
                         file_actions=[(os.POSIX_SPAWN_DUP2, child_in, 0),
                                       (os.POSIX_SPAWN_CLOSE, child_stdin)])
    os.close(child_in)
    messages = Task9.Channel.new_for_python(1)

    waiter = Task9.spawn(first_event(pipe_r, pid, messages, 0.05 if what == 'deadline' else 10))
    await Task9.spawn(make_happen(what, pipe_w, child_stdin, messages))
    which, value = await waiter

    if which != 'exited':                     # end the child and collect it
        os.close(child_stdin)
        await Task9.child_wait(pid)
    os.close(pipe_r)
    os.close(pipe_w)
    return which, value


async def main():
    return [await once(what) for what in ARMS]


if __name__ == '__main__':
    results = Task9.run(main())
    for which, value in results:
        print('%-8s won with %r' % (which, value))
    if [which for which, _value in results] != list(ARMS):
        sys.exit('expected each arm to win once, in order')
