#!/usr/bin/python3
# child.py: run a child, print its output as it comes, with a deadline, and report how
# it ended
#
#   child.py [DEADLINE_MS [COMMAND ARGS...]]
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import os
import sys
import time

import gi
gi.require_version('Task9', '1')
from gi.repository import GLib, Gio, Task9  # noqa: E402

SHELL = ['/bin/sh', '-c', 'for i in 1 2 3; do echo line $i; sleep 0.05; done; exit 3']


async def main(deadline, command):
    child = Gio.Subprocess.new(command, Gio.SubprocessFlags.STDOUT_PIPE)
    out = Gio.DataInputStream.new(child.get_stdout_pipe())
    try:
        while True:
            left = max(0, deadline - time.monotonic())
            line, _length = await Task9.gio(out.read_line_async, GLib.PRIORITY_DEFAULT,
                                            finish=out.read_line_finish_utf8, timeout=left)
            if line is None:
                break
            print('child:', line)
    except Task9.TimedOut as e:
        print('%s: killing the child' % e)
        child.force_exit()
    status = await Task9.subprocess_wait(child)
    if os.WIFEXITED(status):
        print('child exited with status', os.WEXITSTATUS(status))
    else:
        print('child killed by signal', os.WTERMSIG(status))


if __name__ == '__main__':
    ms = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    Task9.run(main(time.monotonic() + ms / 1000, sys.argv[2:] or SHELL))
