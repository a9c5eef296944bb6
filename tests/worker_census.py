"""Counting live verification workers from /proc, as `ps` would, for the budget test and the
scaling benchmark: sympy workers are the zygote's forks, sandbox workers the processes a
verifying process started to run `rlvr/sandbox/worker.py` (not the programs they fork)."""

from __future__ import annotations

import os
from collections import defaultdict

ZYGOTE_MARK = "rlvr.workers.zygote"
SANDBOX_MARK = "sandbox/worker.py"


def _processes() -> dict[int, tuple[int, str]]:
    """pid -> (parent pid, command line) of every live (not zombie) process."""
    table = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as handle:
                stat = handle.read().rsplit(b")", 1)[1].split()
            with open(f"/proc/{entry}/cmdline", "rb") as handle:
                command = handle.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:  # it exited while we looked
            continue
        if stat[0] != b"Z":
            table[int(entry)] = (int(stat[1]), command)
    return table


def _descends_from(pid: int, root: int, table: dict[int, tuple[int, str]]) -> bool:
    while pid in table and pid > 1:
        if pid == root:
            return True
        pid = table[pid][0]
    return pid == root


def verification_workers(root: int) -> dict[str, dict[int, list[int]]]:
    """{"sympy": {owner pid: worker pids}, "sandbox": {...}} for the processes under `root`.

    The owner is the verifying process: the zygote's parent for sympy workers, the sandbox
    worker's parent for sandbox workers."""
    table = _processes()
    found: dict[str, dict[int, list[int]]] = {"sympy": defaultdict(list), "sandbox": defaultdict(list)}
    for pid, (parent, command) in table.items():
        if not _descends_from(pid, root, table):
            continue
        parent_command = table.get(parent, (0, ""))[1]
        if ZYGOTE_MARK in command and ZYGOTE_MARK in parent_command:
            found["sympy"][table[parent][0]].append(pid)
        elif SANDBOX_MARK in command and SANDBOX_MARK not in parent_command:
            found["sandbox"][parent].append(pid)
    return found


def proportional_set_size_kib(pid: int) -> int:
    """The memory a process and its children add to the machine: the sum of their Pss (shared pages
    split between the processes that share them)."""
    table = _processes()
    total = 0
    for member in [p for p in table if _descends_from(p, pid, table)]:
        try:
            with open(f"/proc/{member}/smaps_rollup", encoding="ascii") as handle:
                total += next(int(line.split()[1]) for line in handle if line.startswith("Pss:"))
        except (OSError, StopIteration):
            continue
    return total


def alive(pid: int) -> bool:
    """Whether `pid` exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False
