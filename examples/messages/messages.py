#!/usr/bin/python3
# messages.py: a printer tasklet that takes "print" and "quit" messages, and a counter
# that sends them with a timeout between (kiwi.tasklet's example, with task mailboxes)
#
#   messages.py [COUNT [INTERVAL_MS]]       defaults: 5, 1000
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import sys

import gi
gi.require_version('Task9', '1')
from gi.repository import Task9  # noqa: E402


async def printer():
    while True:
        name, value = await Task9.receive_message(['print', 'quit'])   # its own mailbox
        if name == 'quit':
            break
        print('>>>', value)
    print('printer: quit')


async def counter(count, interval):
    printer_task = Task9.spawn(printer(), name='printer')
    for i in range(count):
        await Task9.sleep(interval)
        printer_task.send_message('print', i)
    printer_task.send_message('quit')
    await printer_task


if __name__ == '__main__':
    args = [int(a) for a in sys.argv[1:]] + [5, 1000][len(sys.argv) - 1:]
    Task9.run(counter(args[0], args[1] / 1000))
