"""Which isolation mechanism the sandbox can use here, checked once at start-up.

Levels, strongest first:

    namespaces  bubblewrap: new network, pid, ipc and uts namespaces, the host filesystem
                read-only, a private /tmp, and (when started as root) a switch to an
                unprivileged uid per worker, so RLIMIT_NPROC holds and the whole process tree
                can be killed by uid.
    process     no namespaces: rlimits, a scrubbed environment, a temporary working directory
                and (as root) the uid switch. The network and the filesystem stay reachable.
                Only used when the caller passes `allow_weak_isolation=True`.
"""

from __future__ import annotations

import itertools
import os
import shutil
import stat
import subprocess
import sys
from dataclasses import asdict, dataclass
from functools import cache
from pathlib import Path

# Host uids the sandboxed children run as: unprivileged, owned by nobody on the host, and one per
# worker (see sandbox_uid), so one worker's fork bomb cannot eat another's process budget.
UID_BASE = 620000
UID_RANGE = 1 << 20
TMPFS_BYTES = 256 * 1024 * 1024
WORKER_CAPS = ("CAP_SETUID", "CAP_SETGID", "CAP_KILL", "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER")
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


def _python_under_tmp() -> list[str]:
    """bwrap arguments that bind a Python installed under /tmp (a throwaway virtualenv) back into
    the sandbox's own empty /tmp, read-only, with the folders above it open to the sandbox uid."""
    args: list[str] = []
    for prefix in python_prefixes():
        resolved = Path(prefix).resolve()
        if Path("/tmp") not in resolved.parents:
            continue
        for folder in reversed(resolved.parents):
            if Path("/tmp") in folder.parents:
                args += ["--perms", "0755", "--dir", str(folder)]
        args += ["--ro-bind", str(resolved), str(resolved)]
    return args


def bwrap_args(as_root: bool) -> list[str]:
    """The bubblewrap command line up to (not including) the program to run."""
    unshare = ["--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts", "--unshare-cgroup-try"]
    if not as_root:
        unshare = ["--unshare-all"]  # an unprivileged bwrap needs the user namespace too
    caps = ["--cap-drop", "ALL"] + [arg for cap in WORKER_CAPS for arg in ("--cap-add", cap)] if as_root else []
    return [
        shutil.which("bwrap") or "bwrap",
        *unshare,
        "--die-with-parent",
        "--new-session",
        "--ro-bind",
        "/",
        "/",
        *_python_visible(),
        "--size",
        str(TMPFS_BYTES),
        "--tmpfs",
        "/tmp",
        *_python_under_tmp(),
        "--proc",
        "/proc",
        "--dev",
        "/dev",
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


def _python_visible() -> list[str]:
    """bwrap arguments that let the sandbox uid read the Python installation when it lies under
    a folder closed to others: that folder is replaced by an empty tmpfs (hiding the rest of
    it, /root say) with just the installation bound back in, read-only."""
    args: list[str] = []
    hidden: set[str] = set()
    for prefix in python_prefixes():
        closed = closed_ancestors(prefix)
        if not closed:
            continue
        if closed[0] not in hidden:
            hidden.add(closed[0])
            args += ["--tmpfs", closed[0]]
        resolved = Path(prefix).resolve()
        between = [
            folder
            for folder in reversed(resolved.parents)
            if folder > Path(closed[0]) and str(folder).startswith(closed[0] + "/")
        ]
        for folder in between:  # bwrap would create them as 0700, closed to the sandbox uid
            args += ["--perms", "0755", "--dir", str(folder)]
        args += ["--ro-bind", str(resolved), str(resolved)]
    return args


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
    """None when bubblewrap starts and really gives a new network namespace; else why not."""
    if shutil.which("bwrap") is None:
        return "bwrap not found"
    try:
        probe = subprocess.run(
            [*bwrap_args(as_root), "readlink", "/proc/self/ns/net"],
            capture_output=True,
            text=True,
            timeout=10,
            env=WORKER_ENV,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        return f"bwrap failed to start: {exc}"
    if probe.returncode != 0:
        return f"bwrap failed: {probe.stderr.strip()[:200]}"
    if probe.stdout.strip() == os.readlink("/proc/self/ns/net"):
        return "bwrap did not create a network namespace"
    return None


_uid_counter = itertools.count()


def sandbox_uid() -> int:
    """A fresh uid for one worker's children: distinct within this process, and spread by pid
    so that pools in different processes on one host rarely meet."""
    return UID_BASE + (os.getpid() * 64 + next(_uid_counter)) % UID_RANGE


def worker_command(isolation: Isolation, python: str, script: str, slot: int, tmp_root: str, uid: int) -> list[str]:
    """The command that starts worker `slot`, whose children run as `uid`, under `isolation`."""
    worker = [python, "-s", "-B", script, str(slot), str(uid) if isolation.uid_switch else "-", tmp_root]
    return [*bwrap_args(os.geteuid() == 0), *worker] if isolation.level == "namespaces" else worker
