"""Which isolation mechanism the sandbox can use here, checked once at start-up.

Levels, strongest first:

    namespaces  bubblewrap: new network, pid, ipc and uts namespaces, a minimal read-only
                filesystem (mounts.py: the system libraries, the interpreter, the packages
                programs may import, nothing else) with a private /tmp, and (when started as
                root) a switch to an unprivileged uid per worker, so RLIMIT_NPROC holds and the
                whole process tree can be killed by uid.
    process     no namespaces: rlimits, a scrubbed environment, a temporary working directory
                and (as root) the uid switch. The network and the filesystem stay reachable.
                Only used when the caller passes `allow_weak_isolation=True`.
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
import stat
import subprocess
import sys
from dataclasses import asdict, dataclass
from functools import cache
from pathlib import Path

from rlvr.sandbox.cgroups import SANDBOX_ROOT
from rlvr.sandbox.mounts import mount_args

# Host uids the sandboxed children run as: unprivileged, owned by nobody on the host, and one per
# worker (see sandbox_uid), so one worker's fork bomb cannot eat another's process budget.
UID_BASE = 620000
UID_RANGE = 1 << 20
TMPFS_BYTES = 256 * 1024 * 1024
# CAP_SYS_ADMIN lets each child unshare an IPC namespace of its own before it drops every capability.
WORKER_CAPS = ("CAP_SYS_ADMIN", "CAP_SETUID", "CAP_SETGID", "CAP_KILL", "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER")
SCRIPTS = Path(__file__).parent  # worker.py and the sibling modules it imports
WORKER_ENV = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", "PYTHONHASHSEED": "0"}


class SandboxUnavailable(RuntimeError):
    """No isolation mechanism is available and weaker isolation was not accepted."""


@dataclass(frozen=True)
class Isolation:
    """The isolation in force; every run result carries `as_dict()`."""

    level: str
    mechanism: str
    network_isolated: bool
    filesystem_read_only: bool
    pid_namespace: bool
    uid_switch: bool

    def as_dict(self) -> dict:
        return asdict(self)


def bwrap_args(as_root: bool, python: str = sys.executable) -> list[str]:
    """The bubblewrap command line up to (not including) the program to run; the filesystem is
    the minimal one of mounts.py, built for `python` and the worker's scripts (this folder)."""
    unshare = ["--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts", "--unshare-cgroup-try"]
    if not as_root:
        unshare = ["--unshare-all"]  # an unprivileged bwrap needs the user namespace too
    caps = ["--cap-drop", "ALL"] + [arg for cap in WORKER_CAPS for arg in ("--cap-add", cap)] if as_root else []
    return [
        shutil.which("bwrap") or "bwrap",
        *unshare,
        "--die-with-parent",
        "--new-session",
        *mount_args(python, str(SCRIPTS), TMPFS_BYTES),
        "--chdir",
        "/tmp",
        *caps,
    ]


def python_prefixes() -> list[str]:
    """The folders the sandboxed interpreter reads its standard library and packages from."""
    return sorted({sys.base_prefix, sys.base_exec_prefix, sys.prefix, sys.exec_prefix})


def closed_ancestors(path: str) -> list[str]:
    """Ancestors of `path` that other users cannot enter (such as /root for a pyenv Python)."""
    closed, current = [], Path(path).resolve()
    for folder in reversed(current.parents):
        try:
            if not folder.stat().st_mode & stat.S_IXOTH:
                closed.append(str(folder))
        except OSError:
            closed.append(str(folder))
    return closed


def python_readable_by_others() -> bool:
    """Whether an unprivileged uid can import from this interpreter's installation."""
    return not any(closed_ancestors(prefix) for prefix in python_prefixes())


@cache
def detect(allow_weak_isolation: bool = False) -> Isolation:
    """The strongest isolation that works here; SandboxUnavailable if that is weak and not allowed."""
    as_root = os.geteuid() == 0
    problem = _probe_bwrap(as_root)
    if problem is None:
        return Isolation("namespaces", f"bubblewrap ({shutil.which('bwrap')})", True, True, True, as_root)
    if not allow_weak_isolation:
        raise SandboxUnavailable(
            f"no sandbox isolation available ({problem}); install bubblewrap (apt-get install bubblewrap) "
            "or pass allow_weak_isolation=True to run programs with rlimits only (network and filesystem reachable)"
        )
    # Without namespaces the sandbox uid must read the Python installation where it lies.
    return Isolation("process", "rlimits", False, False, False, as_root and python_readable_by_others())


def _probe_bwrap(as_root: bool) -> str | None:
    """None when bubblewrap starts this interpreter (the worker's, wherever it lies) and really
    gives a new network namespace; else why not."""
    if shutil.which("bwrap") is None:
        return "bwrap not found"
    try:
        probe = subprocess.run(
            [
                *bwrap_args(as_root),
                sys.executable,
                "-s",
                "-B",
                "-c",
                "import os; print(os.readlink('/proc/self/ns/net'))",
            ],
            capture_output=True,
            text=True,
            timeout=10,
            env=WORKER_ENV,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        return f"bwrap failed to start: {exc}"
    if probe.returncode != 0:
        return f"bwrap failed: {probe.stderr.strip()[:500]}"
    if probe.stdout.strip() == os.readlink("/proc/self/ns/net"):
        return "bwrap did not create a network namespace"
    return None


_uid_counter = itertools.count()


def sandbox_uid() -> int:
    """A fresh uid for one worker's children: distinct within this process, and spread by pid
    so that pools in different processes on one host rarely meet."""
    return UID_BASE + (os.getpid() * 64 + next(_uid_counter)) % UID_RANGE


def worker_command(
    isolation: Isolation, python: str, script: str, slot: int, tmp_root: str, uid: int, cgroup: dict[str, str]
) -> list[str]:
    """The command that starts worker `slot`, whose children run as `uid`, under `isolation`, in
    the control group `cgroup` ({controller: host folder}, bound into the sandbox at SANDBOX_ROOT).
    Under bubblewrap the worker is told that its IPC namespace is its own (it bounds SysV IPC there)."""
    uid_arg = str(uid) if isolation.uid_switch else "-"
    if isolation.level != "namespaces":
        return [python, "-s", "-B", script, str(slot), uid_arg, tmp_root, json.dumps(cgroup)]
    inside = {name: f"{SANDBOX_ROOT}/{name}" for name in cgroup}
    binds = [arg for name, folder in cgroup.items() for arg in ("--bind", folder, inside[name])]
    worker = [python, "-s", "-B", script, str(slot), uid_arg, tmp_root, json.dumps(inside), "private-ipc"]
    return [*bwrap_args(os.geteuid() == 0, python), *binds, *worker]
