"""Why a `WatchdogPool` call did not return a value: the exceptions callers map to verdict reasons."""

from __future__ import annotations


class JobTimeout(Exception):
    """The job ran past its own time limit (or the caller's deadline); its worker was killed.

    cpu_seconds: CPU time the worker had used when it was killed (None where unknown). A job
    that used most of its limit was expensive; one that got little was starved by the machine.
    """

    def __init__(self, message: str, cpu_seconds: float | None = None) -> None:
        super().__init__(message)
        self.cpu_seconds = cpu_seconds


class PoolBusy(Exception):
    """No worker became free (or the zygote was not ready) in time: the job was not judged."""


class PoolClosed(RuntimeError):
    """The pool was closed: it runs no more jobs."""


class WorkerError(Exception):
    """The job raised in its worker."""


class WorkerDied(WorkerError):
    """The job's worker died during it twice: once on the first worker, once on a fresh one."""
