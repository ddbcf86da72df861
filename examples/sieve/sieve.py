#!/usr/bin/python3
# sieve.py: the concurrent prime sieve, a chain of filter tasklets
#
#   sieve.py [N]          the first N primes (default 10)
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import sys

import gi
gi.require_version('Task9', '1')
from gi.repository import Task9  # noqa: E402


async def generate(out):
    i = 2
    while True:
        await out.send(i)
        i += 1


async def filter_(prime, into, out):
    while True:
        i = await into.recv()
        if i % prime != 0:
            await out.send(i)


async def main(n):
    ch = Task9.Channel.new_for_python()
    tasks = [Task9.spawn(generate(ch), name='generate')]
    for _ in range(n):
        prime = await ch.recv()
        print(prime)
        out = Task9.Channel.new_for_python()
        tasks.append(Task9.spawn(filter_(prime, ch, out), name='filter %d' % prime))
        ch = out
    for t in tasks:            # the chain is endless: stop it
        t.cancel()
    for t in tasks:
        try:
            await t
        except Task9.Cancelled:
            pass


if __name__ == '__main__':
    Task9.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 10))
