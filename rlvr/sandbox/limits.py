"""Resource limits for one sandboxed test run."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Limits:
    """Limits applied to every test's child process (and everything it starts).

    test_timeout: CPU seconds of the program's process tree per test, with a wall-clock cap of
    twice that plus a second (meter.py; each process's own CPU time is also capped at the next
    whole second + 1). memory_mb: the job's memory with a cgroup (cgroups.py), and each process's
    address space. max_processes: processes and threads of the job (its cgroup, or the sandbox uid).
    max_open_files: descriptors. max_file_mb: size of any file written.
    output_bytes: stdout and stderr are each kept up to this; past it the test is killed.
    """

    test_timeout: float = 4.0
    memory_mb: int = 1024
    max_processes: int = 64
    max_open_files: int = 64
    max_file_mb: int = 16
    output_bytes: int = 1 << 20

    def __post_init__(self) -> None:
        if not self.test_timeout > 0:
            raise ValueError(f"test_timeout must be positive, got {self.test_timeout!r}")
        for name in ("memory_mb", "max_processes", "max_open_files", "max_file_mb", "output_bytes"):
            value = getattr(self, name)
            if not isinstance(value, int) or value <= 0:
                raise ValueError(f"{name} must be a positive int, got {value!r}")

    def to_wire(self) -> dict:
        return {**asdict(self), "cpu_seconds": math.ceil(self.test_timeout) + 1}
