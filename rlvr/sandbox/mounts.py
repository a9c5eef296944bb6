"""What a sandbox worker sees of the host's filesystem: the bubblewrap mount arguments.

The sandbox's root is an empty tmpfs; only what a Python program needs is bound into it,
read-only, at the same paths as on the host (docs/sandbox.md has the list and the reasons):

    system    /usr and the merged-usr links (/bin, /sbin, /lib, /lib64, ...): the dynamic loader,
              the C library and the other system libraries the interpreter links
    /etc      the loader's cache and configuration and the time zone, nothing else
    python    the running interpreter at its own path, the prefixes of its installation (the
              standard library and that installation's site-packages) and, for a virtual
              environment, its pyvenv.cfg
    packages  PROGRAM_PACKAGES (numpy, ...) from wherever the running interpreter imports them
    scripts   the worker's own folder (worker.py, harness.py, child.py, wire.py, reaper.py,
              meter.py, seccomp.py)
    cgroup    with a control group, the worker's own group at /sys/fs/cgroup/<controller>
              (isolation.worker_command binds it; cgroups.py)

Private to each worker: /tmp (a tmpfs; each child's working directory in it is its own and is
removed after the child), /proc (of the worker's pid namespace) and /dev (bubblewrap's minimal
set: null, zero, full, random, urandom, tty, a private pts and shm). Homes, project and data
folders, /srv, /mnt, /opt, /var, /run, the host's /tmp and /dev/shm, and every host socket in
them do not exist inside.

Bindings outside the system folders come after the private /tmp, so an interpreter, a package
or a checkout that lives under the host's /tmp stays visible. Folders created on the way to a
binding are 0755: bubblewrap would otherwise make them 0700, closed to the sandbox's uid.
"""

from __future__ import annotations

import glob
import importlib.util
import os
import sys
from pathlib import Path

SYSTEM_PATHS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
ETC_FILES = ("/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/localtime")
# Third-party packages programs may import (MBPP, HumanEval and APPS solutions use numpy).
PROGRAM_PACKAGES = ("numpy", "scipy", "sympy", "mpmath", "sortedcontainers", "networkx", "regex")


def mount_args(python: str, scripts: str, tmpfs_bytes: int) -> list[str]:
    """bubblewrap arguments that build the sandbox's filesystem for a worker run by `python`
    (this process's interpreter) from the folder `scripts`."""
    args: list[str] = []
    for path in SYSTEM_PATHS:
        if os.path.islink(path):
            args += ["--symlink", os.readlink(path), path]
        elif os.path.isdir(path):
            args += ["--ro-bind", path, path]
    args += ["--perms", "0755", "--dir", "/etc"]
    for path in ETC_FILES:
        args += ["--ro-bind-try", path, path]
    args += ["--size", str(tmpfs_bytes), "--tmpfs", "/tmp", "--proc", "/proc", "--dev", "/dev"]
    visible = [path for path in SYSTEM_PATHS if os.path.isdir(path) and not os.path.islink(path)]
    made = {"/etc", "/tmp", "/proc", "/dev"}
    for source, target in [*python_binds(python), (scripts, scripts)]:
        if _inside(target, visible):
            continue
        for folder in reversed(Path(target).parents):
            name = str(folder)
            if name != "/" and name not in made and not _inside(name, visible):
                made.add(name)
                args += ["--perms", "0755", "--dir", name]
        args += ["--ro-bind", source, target]
        visible.append(target)
    return args


def python_binds(python: str) -> list[tuple[str, str]]:
    """(host path, sandbox path) pairs that let `python` start and import the standard library
    and PROGRAM_PACKAGES, prefixes first."""
    binds = []
    for prefix in sorted({sys.base_prefix, sys.base_exec_prefix}):
        binds += _same_path(prefix)
    binds.append((os.path.realpath(python), python))
    config = os.path.join(sys.prefix, "pyvenv.cfg")
    if sys.prefix != sys.base_prefix and os.path.isfile(config):
        binds.append((config, config))
    for name in PROGRAM_PACKAGES:
        spec = importlib.util.find_spec(name)
        if spec is None or spec.origin is None:
            continue
        location = spec.submodule_search_locations[0] if spec.submodule_search_locations else spec.origin
        site = os.path.dirname(location)
        # The package, its vendored libraries (numpy.libs) and its metadata.
        for path in [location, *glob.glob(f"{site}/{name}.libs"), *glob.glob(f"{site}/{name}-*.dist-info")]:
            binds += _same_path(path)
    return binds


def _same_path(path: str) -> list[tuple[str, str]]:
    """Bind `path` where the host has it, and where it really is when a link leads there."""
    real = os.path.realpath(path)
    return [(real, path)] if real == path else [(real, path), (real, real)]


def _inside(path: str, roots: list[str]) -> bool:
    return any(path == root or path.startswith(root.rstrip("/") + "/") for root in roots)
