#!/usr/bin/env python3
# check.py: runs one example program the way a user would and checks what it prints
#
# Copyright 2026 The libtask9-glib authors
# SPDX-License-Identifier: LGPL-2.1-or-later
#
#   check.py EXPECTED [--client hello|echo:N] [--signal-on REGEX:SIG] -- COMMAND ARGS...
#
# EXPECTED holds one regular expression a line. Each must match a whole line of the
# program's output, in the file's order (other lines may come between); a line that
# starts with "~ " may match anywhere. "exit N" on a line of its own is the exit
# status wanted (0 if none).
#
# --client hello   once the program prints "listening on PORT", connect to 127.0.0.1
#                  PORT and expect "hello!\n", then the end of the stream
# --client echo:N  N concurrent clients, each sends a few lines and expects them back;
#                  then SIGTERM to the program
# --signal-on REGEX:SIG  send signal SIG (a number) when a line matches REGEX
#
# Needs no PyGObject: it runs under any python3. The whole run is bounded (10 s).

import os
import re
import signal
import socket
import subprocess
import sys
import threading

DEADLINE = 10.0


def hello_client(port, problems):
    with socket.create_connection(('127.0.0.1', port), timeout=5) as s:
        data = b''
        while True:
            chunk = s.recv(100)
            if not chunk:
                break
            data += chunk
    if data != b'hello!\n':
        problems.append('client got %r, wanted hello!' % data)


def echo_clients(port, n, proc, problems):
    def one(i):
        try:
            with socket.create_connection(('127.0.0.1', port), timeout=5) as s:
                for j in range(3):
                    line = ('client %d line %d\n' % (i, j)).encode()
                    s.sendall(line)
                    got = b''
                    while len(got) < len(line):
                        chunk = s.recv(100)
                        if not chunk:
                            break
                        got += chunk
                    if got != line:
                        problems.append('client %d: sent %r, got %r' % (i, line, got))
                        return
                # Stay connected: the server must shut down with clients open.
                barrier.wait()
        except Exception as e:   # noqa: BLE001 - reported, not raised
            problems.append('client %d: %s' % (i, e))
            barrier.abort()

    barrier = threading.Barrier(n + 1)
    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    try:
        barrier.wait(timeout=5)
    except threading.BrokenBarrierError:
        problems.append('not every client was served')
    proc.send_signal(signal.SIGTERM)
    for t in threads:
        t.join()


def main(argv):
    sep = argv.index('--')
    opts, command = argv[1:sep], argv[sep + 1:]
    expected_file = opts.pop(0)
    client = None
    signal_on = []
    while opts:
        o = opts.pop(0)
        if o == '--client':
            client = opts.pop(0)
        elif o == '--signal-on':
            regex, sig = opts.pop(0).rsplit(':', 1)
            signal_on.append((re.compile(regex), int(sig)))
        else:
            sys.exit('check.py: unknown option ' + o)

    with open(expected_file) as f:
        wanted = [line.rstrip('\n') for line in f if line.strip() and not line.startswith('#')]
    status = 0
    for w in wanted:
        if re.fullmatch(r'exit \d+', w):
            status = int(w.split()[1])
    wanted = [w for w in wanted if not re.fullmatch(r'exit \d+', w)]

    env = dict(os.environ, PYTHONUNBUFFERED='1')
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            env=env, text=True)
    timer = threading.Timer(DEADLINE, proc.kill)
    timer.start()
    problems = []
    lines = []
    helpers = []
    for line in proc.stdout:
        line = line.rstrip('\n')
        lines.append(line)
        print(line, flush=True)
        m = re.fullmatch(r'listening on (\d+)', line)
        if m and client is not None:
            port = int(m.group(1))
            if client == 'hello':
                t = threading.Thread(target=hello_client, args=(port, problems))
            else:
                n = int(client.split(':')[1])
                t = threading.Thread(target=echo_clients, args=(port, n, proc, problems))
            t.start()
            helpers.append(t)
        for regex, sig in signal_on:
            if regex.fullmatch(line):
                proc.send_signal(sig)
    rc = proc.wait()
    timer.cancel()
    for t in helpers:
        t.join()

    # Ordered lines first, then the ones that may come anywhere.
    pos = 0
    for w in wanted:
        if w.startswith('~ '):
            if not any(re.fullmatch(w[2:], line) for line in lines):
                problems.append('no line matches %r' % w[2:])
            continue
        while pos < len(lines) and not re.fullmatch(w, lines[pos]):
            pos += 1
        if pos == len(lines):
            problems.append('no line (in order) matches %r' % w)
            break
        pos += 1
    if rc != status:
        problems.append('exit status %d, wanted %d' % (rc, status))
    for p in problems:
        print('check.py: ' + p, file=sys.stderr)
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
