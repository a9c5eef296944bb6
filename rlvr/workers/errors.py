"""Why a `WatchdogPool` call did not return a value: the exceptions callers map to verdict reasons."""

from __future__ import annotations


class JobTimeout(Exception):
    """The job ran past its own time limit (or the caller's deadline); its worker was killed."""


class PoolBusy(Exception):
    """No worker became free (or the zygote was not ready) in time: the job was not judged."""


class PoolClosed(RuntimeError):
    """The pool was closed: it runs no more jobs."""


class WorkerError(Exception):
    """The job raised in its worker."""


class WorkerDied(WorkerError):
    """The job's worker died during it twice: once on the first worker, once on a fresh one."""
