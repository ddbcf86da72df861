#!/usr/bin/python3
# test-gtk-app.py: runs a hash-files app (the C or the Python one) under Xvfb in its
# --drive mode and checks what it reports.
#
#   test-gtk-app.py [--size-mib N] [--files N] [--max-lateness-ms MS] SCREENSHOT.png APP...
#
# It creates the files to hash, starts a private X server (Xvfb -displayfd: it picks
# a free display itself, so tests can run side by side), runs APP --drive --cancel=1
# --screenshot=SCREENSHOT.png FILE... there and checks: the app exits 0; every job but
# the cancelled one reports its file's SHA-256 (computed here with hashlib); job 1
# reports "cancelled"; no task is left; the clock ticked while the jobs ran, with its
# maximum lateness under the bound (printed, for the record); the screenshot is a PNG
# of a window. The app drives itself through its own GActions (start-all, cancel), so
# the test needs neither D-Bus nor an accessibility bus. Exits 77 (skipped) without
# Xvfb. The last line is "N passed, N failed".

import argparse
import concurrent.futures
import hashlib
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile

passed = failed = 0


def check(ok, what):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print('FAIL:', what)


def sha256(path):
    h = hashlib.sha256()
    with open(path, 'rb') as f:
        while block := f.read(1 << 20):
            h.update(block)
    return h.hexdigest()


def start_xvfb():
    """A private X server on a free display: (process, ':N')."""
    r, w = os.pipe()
    xvfb = subprocess.Popen(
        ['Xvfb', '-displayfd', str(w), '-screen', '0', '1024x768x24', '-nolisten', 'tcp',
         '-noreset'],
        pass_fds=(w,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(w)
    number = b''
    while not number.endswith(b'\n'):
        chunk = os.read(r, 16)   # Xvfb writes the number once it accepts connections
        if not chunk:
            break
        number += chunk
    os.close(r)
    if not number.strip():
        xvfb.kill()
        sys.exit('Xvfb did not start')
    return xvfb, ':' + number.decode().strip()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--size-mib', type=int, default=128)
    ap.add_argument('--files', type=int, default=4)
    ap.add_argument('--max-lateness-ms', type=float, default=1000.0)
    ap.add_argument('--timeout', type=float, default=90.0)
    ap.add_argument('screenshot')
    ap.add_argument('app', nargs=argparse.REMAINDER)
    args = ap.parse_args()

    if shutil.which('Xvfb') is None:
        print('Xvfb not found (Debian package xvfb): skipped')
        sys.exit(77)

    with tempfile.TemporaryDirectory(prefix='task9-gtk-') as tmp:
        # Large files that cost no disk: a random first MiB, then a hole (zeros).
        paths = []
        for i in range(args.files):
            path = os.path.join(tmp, 'file-%d.bin' % i)
            with open(path, 'wb') as f:
                f.write(os.urandom(1 << 20))
                f.truncate((args.size_mib + i) << 20)   # sizes differ a little
            paths.append(path)
        # The digests to expect, before the app runs (hashlib lets threads run in parallel).
        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            digests = list(pool.map(lambda i: sha256(paths[i]) if i != 1 else None,
                                    range(args.files)))

        if os.path.exists(args.screenshot):
            os.unlink(args.screenshot)
        xvfb, display = start_xvfb()
        env = dict(os.environ,
                   DISPLAY=display,
                   GDK_BACKEND='x11',
                   GSK_RENDERER='cairo',         # no GL needed; the screenshot renders the same
                   GTK_A11Y='none',              # no accessibility bus
                   NO_AT_BRIDGE='1',
                   GSETTINGS_BACKEND='memory',
                   DBUS_SESSION_BUS_ADDRESS='unix:path=/nonexistent')   # no session bus
        env.pop('WAYLAND_DISPLAY', None)
        command = args.app + ['--drive', '--cancel=1', '--screenshot=' + args.screenshot] + paths
        try:
            proc = subprocess.run(command, env=env, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True, timeout=args.timeout)
        except subprocess.TimeoutExpired as e:
            proc = subprocess.CompletedProcess(command, 'timed out after %.0f s' % args.timeout,
                                               (e.stdout or b'').decode(errors='replace'),
                                               (e.stderr or b'').decode(errors='replace'))
        finally:
            xvfb.terminate()
            xvfb.wait()

    sys.stdout.write(proc.stdout)
    sys.stderr.write(proc.stderr)
    out = proc.stdout
    check(proc.returncode == 0, 'the app exited %s' % proc.returncode)
    for i, (path, digest) in enumerate(zip(paths, digests)):
        m = re.search(r'^job %d \S+: (\S+)$' % i, out, re.M)
        got = m.group(1) if m else None
        if i == 1:
            check(got == 'cancelled', 'job 1 reported %r, not cancelled' % got)
        else:
            check(got == digest, 'job %d reported %r, not %s' % (i, got, digest))
    check(re.search(r'^tasks left: 0$', out, re.M) is not None, 'tasks were left')
    m = re.search(r'^clock: (\d+) ticks while jobs ran, max lateness ([\d.]+) ms, (\d+) dropped$',
                  out, re.M)
    check(m is not None, 'no clock line')
    if m:
        ticks, lateness, dropped = int(m.group(1)), float(m.group(2)), int(m.group(3))
        check(ticks > 0, 'the clock did not tick while the jobs ran')
        check(lateness < args.max_lateness_ms,
              'clock lateness %.1f ms over the bound %.0f ms' % (lateness, args.max_lateness_ms))
        print('figure: clock max lateness %.1f ms over %d ticks of 100 ms while %d jobs ran '
              '(%d dropped; bound %.0f ms)' % (lateness, ticks, args.files, dropped,
                                               args.max_lateness_ms))
    try:
        with open(args.screenshot, 'rb') as f:
            head = f.read(24)
        ok = head[:8] == b'\x89PNG\r\n\x1a\n'
        width, height = struct.unpack('>II', head[16:24]) if ok else (0, 0)
        check(ok and width >= 300 and height >= 100,
              'screenshot %s is %dx%d' % (args.screenshot, width, height))
    except OSError as e:
        check(False, 'no screenshot: %s' % e)

    print('%d passed, %d failed' % (passed, failed))
    sys.exit(1 if failed else 0)


if __name__ == '__main__':
    main()
