# task9-gdb.py: gdb commands for libtask9-glib programs
#
# Copyright 2026 The libtask9-glib authors
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Installed as <datadir>/gdb/auto-load/<libdir>/libtask9-glib-1.so.<version>-gdb.py,
# so gdb loads it with the library (if the directory is in its auto-load safe-path);
# `source` it by hand otherwise. It needs the library's debug information.
#
#   info task9-tasks   every live task of every proc: id, proc, state, wait reason,
#                      what it waits on, switches, spawn location, name
#   task9-bt ID        the backtrace of suspended task ID, unwound by gdb from the
#                      task's saved registers (DWARF: frame pointers are not needed)
#
# How task9-bt works (Go's runtime-gdb.py does the same for goroutines): a suspended
# task is its saved context (libtask9-glib/task9-switch-private.h). The command saves
# the registers of the selected thread's innermost frame, loads the task's saved ones
# in their place, prints `bt`, and puts the thread's registers back. It needs a live
# process (not a core file) stopped in gdb.

import gdb

STATES = {0: "runnable", 1: "running", 2: "blocked", 3: "finished"}


def _string(value):
    try:
        if int(value) == 0:
            return None
        return value.string()
    except gdb.error:
        return "?"


def _procs():
    sym = gdb.lookup_static_symbol("all_procs")
    if sym is None:
        raise gdb.GdbError("task9: no symbol all_procs: is libtask9-glib loaded, with debug information?")
    proc = sym.value()
    while int(proc) != 0:
        yield proc
        proc = proc["all_next"]


def _tasks():
    for proc in _procs():
        task = proc["tasks"]
        while int(task) != 0:
            yield proc, task
            task = task["list_next"]


def _find(task_id):
    for proc, task in _tasks():
        if int(task["id"]) == task_id:
            return proc, task
    return None, None


class InfoTasks(gdb.Command):
    """List every live task9 task: info task9-tasks"""

    def __init__(self):
        super().__init__("info task9-tasks", gdb.COMMAND_STACK)

    def invoke(self, arg, from_tty):
        print("%6s  %-10s  %-8s  %-8s  %-14s  %8s  %-24s  %s"
              % ("ID", "PROC", "STATE", "WAIT", "ON", "SWITCHES", "SPAWNED AT", "NAME"))
        for proc, task in _tasks():
            state = STATES.get(int(task["state"]), "?")
            reason = _string(task["wait_reason"]) if state == "blocked" else None
            on = _string(task["wait_name"]) if state == "blocked" else None
            external = int(task["func"]) == 0
            print("%6d  %-10s  %-8s  %-8s  %-14s  %8d  %-24s  %s%s"
                  % (int(task["id"]), _string(proc["name"]) or "-", state, reason or "-",
                     on or "-", int(task["n_switches"]),
                     _string(task["spawn_location"]) or "-",
                     _string(task["name"]) or "-", " (binding)" if external else ""))


def _saved_registers(task):
    """The task's saved registers, as {gdb register name: value}."""
    arch = gdb.selected_frame().architecture().name()
    context = task["context"]
    fields = [f.name for f in context.type.fields()]
    u64 = gdb.lookup_type("unsigned long").pointer()
    if "sp" in fields:
        sp = context["sp"].cast(u64)
        if "x86-64" in arch:
            # [fp control][r15][r14][r13][r12][rbx][rbp][return address]
            names = [None, "r15", "r14", "r13", "r12", "rbx", "rbp", "rip"]
            regs = {n: int(sp[i]) for i, n in enumerate(names) if n}
            regs["rsp"] = int(sp) + 8 * 8
            return regs
        if "aarch64" in arch:
            regs = {"x%d" % (19 + i): int(sp[i]) for i in range(10)}
            regs["x29"] = int(sp[10])
            regs["x30"] = int(sp[11])
            regs["pc"] = int(sp[11])
            regs["sp"] = int(sp) + 176
            return regs
    elif "uc" in fields and "x86-64" in arch:
        gregs = context["uc"]["uc_mcontext"]["gregs"]
        index = {"r8": 0, "r9": 1, "r10": 2, "r11": 3, "r12": 4, "r13": 5, "r14": 6, "r15": 7,
                 "rdi": 8, "rsi": 9, "rbp": 10, "rbx": 11, "rdx": 12, "rax": 13, "rcx": 14,
                 "rsp": 15, "rip": 16}
        return {n: int(gregs[i]) & 0xFFFFFFFFFFFFFFFF for n, i in index.items()}
    raise gdb.GdbError("task9-bt: this architecture or context switch is not supported (%s)" % arch)


class TaskBacktrace(gdb.Command):
    """Backtrace of a suspended task9 task: task9-bt ID"""

    def __init__(self):
        super().__init__("task9-bt", gdb.COMMAND_STACK)

    def invoke(self, arg, from_tty):
        try:
            task_id = int(gdb.parse_and_eval(arg))
        except (gdb.error, ValueError):
            raise gdb.GdbError("usage: task9-bt ID")
        proc, task = _find(task_id)
        if task is None:
            raise gdb.GdbError("task9-bt: no live task %d" % task_id)
        state = STATES.get(int(task["state"]), "?")
        if int(task["func"]) == 0:
            raise gdb.GdbError("task9-bt: task %d is a binding's coroutine: it has no C stack" % task_id)
        if state == "running":
            raise gdb.GdbError("task9-bt: task %d is running: see its proc's thread (%s)"
                               % (task_id, _string(proc["name"])))
        if not int(task["started"]):
            raise gdb.GdbError("task9-bt: task %d has not run yet" % task_id)

        regs = _saved_registers(task)
        gdb.newest_frame().select()
        saved = {n: int(gdb.parse_and_eval("$" + n)) for n in regs}
        print("task %d %s [%s%s]:" % (task_id, _string(task["name"]) or "-", state,
                                      (" " + _string(task["wait_reason"])) if state == "blocked" and int(task["wait_reason"]) else ""))
        try:
            for n, v in regs.items():
                gdb.execute("set $%s = %d" % (n, v), to_string=True)
            gdb.execute("bt")
        finally:
            for n, v in saved.items():
                gdb.execute("set $%s = %d" % (n, v), to_string=True)
            gdb.newest_frame().select()


InfoTasks()
TaskBacktrace()
