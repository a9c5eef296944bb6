"""Control groups for sandbox jobs: found once per process, one group per worker.

Each worker gets a group of its own in the memory, pids, cpu and cpuacct controllers; its
zygote joins it, so its children (one job's program at a time) are born in it; the worker and
its harnesses stay outside. The group is bound into the worker's sandbox at SANDBOX_ROOT, where
the trusted harness sets each job's limits and reads its CPU time (meter.py), so:

    memory   memory_mb bounds the whole job: all its processes, their memfd, SysV and tmpfs pages
    pids     max_processes bounds the job's processes and threads
    cpu      the job is one scheduling entity, however many sessions it makes
    cpuacct  the job's CPU time, dead processes included: test_timeout is measured in it

Where the controllers are missing (cgroup v2 without the v1 controllers, no permission, no
cgroup file system) `detect()` says why and the sandbox keeps weaker guarantees another way
(guarantees.py lists which). rlvr uses the v1 controllers; a v2-only machine is reported, not used.

    support = detect()
    support.usable, support.why     # True, "cgroup v1: memory, pids, cpu, cpuacct"
"""

from __future__ import annotations

import atexit
import os
import time
from dataclasses import dataclass, field
from functools import cache

CONTROLLERS = ("memory", "pids", "cpu", "cpuacct")
V1_ROOT = "/sys/fs/cgroup"
SANDBOX_ROOT = "/sys/fs/cgroup"
_busy: set[str] = set()  # groups whose processes had not all ended when their worker was removed


@dataclass(frozen=True)
class CgroupSupport:
    """What this process can use: `parents` maps each controller to the host folder in which
    worker groups are made (this process's own group; empty when not usable), `why` says what
    was found."""

    usable: bool
    why: str
    parents: dict[str, str] = field(default_factory=dict)


def own_groups(text: str) -> dict[str, str]:
    """This process's group per v1 controller, from the text of /proc/self/cgroup.

    >>> own_groups("4:memory:/a\\n2:cpu,cpuacct:/\\n0::/\\n")
    {'memory': '/a', 'cpu': '/', 'cpuacct': '/'}
    """
    groups = {}
    for line in text.splitlines():
        _, names, path = line.split(":", 2)
        for name in names.split(","):
            if name:
                groups[name] = path
    return groups


@cache
def detect() -> CgroupSupport:
    """Whether this process can make per-worker groups in every controller of CONTROLLERS (it
    makes and removes one to find out)."""
    try:
        with open("/proc/self/cgroup") as listing:
            groups = own_groups(listing.read())
    except OSError as exc:
        return CgroupSupport(False, f"no cgroup information: {exc}")
    missing = [name for name in CONTROLLERS if name not in groups or not os.path.isdir(f"{V1_ROOT}/{name}")]
    if missing:
        v2 = os.path.exists(f"{V1_ROOT}/cgroup.controllers") or os.path.exists(f"{V1_ROOT}/unified/cgroup.controllers")
        found = "cgroup v2 only (rlvr uses the v1 controllers)" if v2 else "no cgroup v1 controllers"
        return CgroupSupport(False, f"{found}; missing {', '.join(missing)}")
    parents = {name: os.path.join(f"{V1_ROOT}/{name}", groups[name].lstrip("/")) for name in CONTROLLERS}
    probe = _make({name: os.path.join(parent, f"rlvr-probe-{os.getpid()}") for name, parent in parents.items()})
    if isinstance(probe, str):
        return CgroupSupport(False, f"cannot make a group: {probe}")
    remove_group(probe)
    return CgroupSupport(True, f"cgroup v1: {', '.join(CONTROLLERS)}", parents)


def make_worker_group(name: str) -> dict[str, str]:
    """Make the group `name` in every controller, inside this process's own group and under no
    common parent of the workers (so in the cpu controller each worker's group weighs as much as
    any other process there); {controller: host folder}, {} when not usable."""
    support = detect()
    if not support.usable:
        return {}
    remove_busy()
    made = _make({controller: os.path.join(parent, name) for controller, parent in support.parents.items()})
    return {} if isinstance(made, str) else made


def _make(folders: dict[str, str]) -> dict[str, str] | str:
    """Make every folder: the folders, or why not (none is left made)."""
    for count, folder in enumerate(folders.values()):
        try:
            os.mkdir(folder)
        except OSError as exc:
            remove_group(dict(list(folders.items())[:count]))
            return f"{folder}: {exc.strerror}"
    return folders


def remove_group(folders: dict[str, str], wait: float = 0.0) -> None:
    """Remove a worker's group, waiting up to `wait` seconds for its last processes to leave (a
    killed sandbox's processes end a moment after its bubblewrap does); a folder still busy then
    is removed later (when the next group is made, or at exit)."""
    deadline = time.monotonic() + wait
    for folder in folders.values():
        while not _removed(folder):
            if time.monotonic() >= deadline:
                _busy.add(folder)
                break
            time.sleep(0.01)


def _removed(folder: str) -> bool:
    try:
        os.rmdir(folder)
    except FileNotFoundError:
        pass
    except OSError:
        return False
    return True


def remove_busy() -> None:
    """Remove the groups that were still busy when their workers ended."""
    for folder in list(_busy):
        if _removed(folder):
            _busy.discard(folder)


atexit.register(remove_busy)
