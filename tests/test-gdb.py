#!/usr/bin/env python3
# test-gdb.py: the gdb extension (tools/gdb/task9-gdb.py) on a stopped program
#
# Copyright 2026 The libtask9-glib authors
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# usage: test-gdb.py GDB TARGET SCRIPT
# Runs gdb in batch mode on TARGET (tests/gdb-target.c) stopped at gdb_stop_here(),
# with the extension sourced, and checks `info task9-tasks` and `task9-bt ID`.
# Exits 77 (skipped) without gdb. Prints "N passed, N failed" last.

import os
import re
import shutil
import subprocess
import sys

gdb, target, script = sys.argv[1:4]
if not shutil.which(gdb):
    print("gdb not found: skipped")
    print("0 passed, 0 failed")
    sys.exit(77)

passed = failed = 0


def check(what, ok, output=""):
    global passed, failed
    if ok:
        passed += 1
        print("ok - " + what)
    else:
        failed += 1
        print("not ok - " + what)
        if output:
            print(output)


cmd = [gdb, "-nx", "-batch",
       "-ex", "set debuginfod enabled off",
       "-ex", "set auto-load safe-path /",
       "-ex", "source " + script,
       "-ex", "break gdb_stop_here",
       "-ex", "run",
       "-ex", "info task9-tasks",
       "-ex", "python gdb.execute('task9-bt %d' % int(gdb.parse_and_eval('gdb_receiver_id')))",
       "-ex", "task9-bt 999999",
       "-ex", "bt 1",
       "-ex", "kill",
       "--args", target]
env = dict(os.environ)
env.pop("TASK9_MONITOR", None)
proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                      universal_newlines=True, timeout=120, env=env)
out = proc.stdout
print(out)

check("the program stopped at gdb_stop_here", "Breakpoint 1, " in out and "gdb_stop_here" in out, out)
check("info task9-tasks lists the blocked receiver with its channel",
      re.search(r"\n\s*\d+\s+gdb-proc\s+blocked\s+recv\s+gdb-chan\s+1\s+\S*gdb-target\.c:\d+\s+gdb-receiver\n", out) is not None)
m = re.search(r"task (\d+) gdb-receiver \[blocked recv\]:\n(.*?)task9-bt: no live task", out, re.S)
check("task9-bt prints the task's header", m is not None)
frames = m.group(2) if m else ""
check("task9-bt unwinds through the channel receive", "task9_channel_recv" in frames, frames)
check("task9-bt reaches the task's own code", "receive_here" in frames and "receiver" in frames, frames)
check("an unknown id is an error", "task9-bt: no live task 999999" in out)
check("the thread's own registers are back afterwards",
      re.search(r"#0\s+(0x[0-9a-f]+ in )?gdb_stop_here", out.split("task9-bt: no live task")[-1]) is not None)

print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
