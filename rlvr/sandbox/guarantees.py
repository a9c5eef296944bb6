"""Which per-sample isolation guarantees hold on this machine, and how each is kept.

The defaults promise all of them; where a mechanism is missing (no bubblewrap, not root, no
cgroup controllers) a guarantee is kept another way or does not hold, and this module says which.
`python -m rlvr` prints the list; a code verifier warns once when one does not hold.

    for g in guarantees():
        print(g.held, g.name, "-", g.how)
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass

from rlvr.sandbox import cgroups, seccomp
from rlvr.sandbox.isolation import Isolation, detect


@dataclass(frozen=True)
class Guarantee:
    """One promise of the sandbox: whether it holds here (`held`) and by what means (`how`)."""

    name: str
    held: bool
    how: str


def guarantees(isolation: Isolation | None = None) -> list[Guarantee]:
    """The guarantees under `isolation` (default: what `detect` finds, weak isolation allowed)."""
    isolation = isolation or detect(allow_weak_isolation=True)
    namespaces = isolation.level == "namespaces"
    group = cgroups.detect()
    filtered = seccomp.supported()
    own_ipc = namespaces and os.geteuid() == 0  # the worker keeps CAP_SYS_ADMIN to unshare per child
    no_group = f"no cgroup ({group.why})"
    return [
        Guarantee(
            "no kernel object outlives its job",
            namespaces and filtered,
            (
                "an IPC namespace per child (SysV objects, POSIX queues)"
                if own_ipc
                else "SysV objects removed after each child, POSIX queues denied (seccomp)"
            )
            + "; keyring calls denied (seccomp); files only in the "
            "child's own folder, removed after it"
            if namespaces and filtered
            else "no namespaces or no seccomp filter: queues, keys or files in the host's /tmp may survive a job",
        ),
        Guarantee(
            "no process outlives its job",
            group.usable or isolation.uid_switch,
            "every process of the job's cgroup killed"
            if group.usable
            else "every process of the worker's sandbox uid killed"
            if isolation.uid_switch
            else "only the child's process group is killed: a setsid escapee survives",
        ),
        Guarantee(
            "memory_mb bounds the whole job",
            group.usable,
            "memory cgroup over all the job's processes and their memfd, SysV and tmpfs pages"
            if group.usable
            else f"{no_group}: memory_mb per process (RLIMIT_AS), memfd denied (seccomp), SysV shared memory at most "
            "64 MiB per job",
        ),
        Guarantee(
            "max_processes bounds the job",
            group.usable or isolation.uid_switch,
            "pids cgroup"
            if group.usable
            else "RLIMIT_NPROC of the worker's own uid"
            if isolation.uid_switch
            else f"{no_group} and no uid switch: RLIMIT_NPROC counts the host user's processes",
        ),
        Guarantee(
            "test_timeout is CPU time of the job's process tree",
            group.usable,
            "cpuacct cgroup (dead processes included)"
            if group.usable
            else f"{no_group}: the child and its reaped children, plus the live processes of its uid",
        ),
        Guarantee(
            "a job gets one share of the CPU",
            group.usable,
            "cpu cgroup per job"
            if group.usable
            else f"{no_group}: setsid denied (seccomp), so the job stays one autogroup session",
        ),
        Guarantee("no network", isolation.network_isolated, isolation.mechanism),
        Guarantee("read-only minimal filesystem", isolation.filesystem_read_only, isolation.mechanism),
    ]


def report_lines(isolation: Isolation | None = None) -> list[str]:
    """One line per guarantee, as `python -m rlvr` prints them."""
    return [f"  [{'x' if g.held else ' '}] {g.name}: {g.how}" for g in guarantees(isolation)]


_warned: set[str] = set()


def warn_if_weaker(isolation: Isolation) -> None:
    """Warn once per process (per isolation level) when a guarantee does not hold here."""
    missing = [g for g in guarantees(isolation) if not g.held]
    if not missing or isolation.level in _warned:
        return
    _warned.add(isolation.level)
    listed = "; ".join(f"{g.name} ({g.how})" for g in missing)
    warnings.warn(f"rlvr code sandbox runs with weaker isolation than the defaults promise: {listed}", stacklevel=3)
