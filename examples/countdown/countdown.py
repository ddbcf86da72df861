#!/usr/bin/python3
# countdown.py: a kid, a parent and a countdown (curio's tutorial, as tasklets)
#
#   countdown.py [UNIT_MS]       default 1000: one "second" of the story
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import os
import signal
import sys

import gi
gi.require_version('Task9', '1')
from gi.repository import Task9  # noqa: E402

unit = float(sys.argv[1]) / 1000 if len(sys.argv) > 1 else 1.0


def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)


async def countdown(n):
    while n > 0:
        print('T-minus', n)
        await Task9.sleep(unit)
        n -= 1


async def kid(start):
    print('kid: Can I play?')
    await Task9.wait(start.wait_async)
    f = await Task9.run_in_thread(fib, 25)        # CPU work off the main loop
    print('kid: fib(25) is', f)
    print('kid: Building the Millennium Falcon in Minecraft')
    try:
        await Task9.sleep(1000 * unit)
    except Task9.Cancelled:
        print('kid: Fine. Saving my work.')


async def parent():
    start = Task9.Event()
    hup = Task9.signal_subscribe(signal.SIGHUP, 1)
    kid_task = Task9.spawn(kid(start), name='kid')
    await Task9.sleep(2 * unit)
    print('parent: Yes, go play')
    start.set()

    print('parent: waiting for SIGHUP (kill -HUP %d)' % os.getpid())
    await hup.recv()
    print("parent: Let's go")

    count_task = Task9.spawn(countdown(3), name='countdown')
    await count_task
    print("parent: We're leaving!")
    try:
        await Task9.join(kid_task, timeout=2 * unit)
    except Task9.TimedOut:
        print('parent: I warned you!')
        kid_task.cancel()
        await kid_task
    print('parent: Leaving!')


if __name__ == '__main__':
    Task9.run(parent())
