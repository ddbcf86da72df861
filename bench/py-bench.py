#!/usr/bin/python3
# py-bench.py: the Python tasklet figures and their asyncio peers, in one interpreter
#
# Copyright 2026 The libtask9-glib authors
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Started by `task9-bench -b py_pingpong_us` / `-b py_spawn_us` (which set the paths to
# the build tree), or by hand: py-bench.py NAME [N]. Prints `RESULT NAME value us/...`
# for ours and `RESULT peer.NAME value ...` for asyncio, the median of three runs each.
#
#   py_pingpong_us  two tasklets ping-pong over an unbuffered Python channel, per round
#                   trip; peer: two asyncio tasks over asyncio.Queue(1) (a queue of one
#                   is asyncio's closest to a rendezvous)
#   py_spawn_us     spawn a trivial tasklet and join it; peer: asyncio.create_task + await

import asyncio
import statistics
import sys
import time

import gi

gi.require_version('Task9', '1')
from gi.repository import Task9  # noqa: E402


def ours_pingpong(n):
    async def main():
        ping = Task9.Channel.new_for_python()
        pong = Task9.Channel.new_for_python()

        async def echo():
            for _ in range(n):
                v = await ping.recv()
                await pong.send(v)

        t = Task9.spawn(echo())
        start = time.perf_counter()
        for i in range(n):
            await ping.send(i)
            await pong.recv()
        elapsed = time.perf_counter() - start
        await t
        return elapsed
    return Task9.run(main()) / n * 1e6


def peer_pingpong(n):
    async def main():
        ping, pong = asyncio.Queue(1), asyncio.Queue(1)

        async def echo():
            for _ in range(n):
                await pong.put(await ping.get())

        t = asyncio.create_task(echo())
        start = time.perf_counter()
        for i in range(n):
            await ping.put(i)
            await pong.get()
        elapsed = time.perf_counter() - start
        await t
        return elapsed
    return asyncio.run(main()) / n * 1e6


async def _trivial():
    return 1


def ours_spawn(n):
    async def main():
        start = time.perf_counter()
        for _ in range(n):
            await Task9.spawn(_trivial())
        return time.perf_counter() - start
    return Task9.run(main()) / n * 1e6


def peer_spawn(n):
    async def main():
        start = time.perf_counter()
        for _ in range(n):
            await asyncio.create_task(_trivial())
        return time.perf_counter() - start
    return asyncio.run(main()) / n * 1e6


BENCHES = {
    'py_pingpong_us': (ours_pingpong, peer_pingpong, 'us/round-trip', 20000),
    'py_spawn_us': (ours_spawn, peer_spawn, 'us/task', 20000),
}


def main(argv):
    name = argv[1] if len(argv) > 1 else 'all'
    names = list(BENCHES) if name == 'all' else [name]
    for bench in names:
        ours, peer, unit, n = BENCHES[bench]
        if len(argv) > 2 and int(argv[2]) > 0:
            n = int(argv[2])
        print('RESULT %s %.3f %s' % (bench, statistics.median(ours(n) for _ in range(3)), unit),
              flush=True)
        print('RESULT peer.%s %.3f %s' % (bench, statistics.median(peer(n) for _ in range(3)),
                                          unit), flush=True)


if __name__ == '__main__':
    main(sys.argv)
