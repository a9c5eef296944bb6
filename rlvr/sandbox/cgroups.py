"""Control groups for sandbox jobs: found once per process, one group per worker.

Each worker gets a group of its own in the memory, pids, cpu and cpuacct controllers; its
children (one job's program at a time) join it and nothing else does (the worker, its zygote and
its harnesses stay outside). The group is bound into the worker's sandbox at SANDBOX_ROOT, where
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
from dataclasses import dataclass, field
from functools import cache

CONTROLLERS = ("memory", "pids", "cpu", "cpuacct")
V1_ROOT = "/sys/fs/cgroup"
SANDBOX_ROOT = "/sys/fs/cgroup"


@dataclass(frozen=True)
class CgroupSupport:
    """What this process can use: `parents` maps each controller to the host folder under which
    worker groups are made (empty when not usable), `why` says what was found."""

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
    """Whether this process can make per-worker groups in every controller of CONTROLLERS."""
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
    parents = {}
    for name in CONTROLLERS:
        parent = os.path.join(f"{V1_ROOT}/{name}", groups[name].lstrip("/"), f"rlvr-{os.getpid()}")
        try:
            os.makedirs(parent, exist_ok=True)
        except OSError as exc:
            return CgroupSupport(False, f"cannot make a group in {name}: {exc.strerror}")
        parents[name] = parent
    return CgroupSupport(True, f"cgroup v1: {', '.join(CONTROLLERS)}", parents)


def make_worker_group(name: str) -> dict[str, str]:
    """Make the group `name` in every controller; {controller: host folder}, {} when not usable."""
    support = detect()
    if not support.usable:
        return {}
    folders = {}
    try:
        for controller, parent in support.parents.items():
            folders[controller] = os.path.join(parent, name)
            os.makedirs(folders[controller], exist_ok=True)
    except OSError:
        remove_group(folders)
        return {}
    return folders


def remove_group(folders: dict[str, str]) -> None:
    """Remove a worker's group (its processes have ended; a group still busy is left to the kernel)."""
    for folder in folders.values():
        try:
            os.rmdir(folder)
        except OSError:
            pass


def remove_parents() -> None:
    """Remove this process's parent groups at exit (each only once its worker groups are gone)."""
    if detect.cache_info().currsize and detect().usable:
        remove_group(detect().parents)


atexit.register(remove_parents)
