"""Why a pool's job gave no value: the one outcome type the supervision core reports (`JobFailed`,
with its `kind`), which every pool and verifier maps to its own verdict reasons."""

from __future__ import annotations


class JobFailed(Exception):
    """The core could not judge the job: `kind` says why ("busy", "timeout" or "lost")."""

    kind = ""


class JobTimeout(JobFailed):
    """The job ran past its own time limit (or the caller's deadline); its worker was killed.

    cpu_seconds: CPU time the worker had used when it was killed (None where unknown). A job
    that used most of its limit was expensive; one that got little was starved by the machine.
    """

    kind = "timeout"

    def __init__(self, message: str, cpu_seconds: float | None = None) -> None:
        super().__init__(message)
        self.cpu_seconds = cpu_seconds


class PoolBusy(JobFailed):
    """No worker became free (or the zygote was not ready) in time: the job was not judged."""

    kind = "busy"


class PoolClosed(RuntimeError):
    """The pool was closed: it runs no more jobs."""


class WorkerError(Exception):
    """The job raised in its worker."""


class WorkerDied(WorkerError, JobFailed):
    """The job's worker was lost twice (once on the first worker, once on a fresh one), or no
    worker could be started for it."""

    kind = "lost"


class WorkerLost(Exception):
    """A transport's word to the core: the worker died during the job (`overran` False: the
    core retries once on a fresh one) or ran past the job's limit (True: a timeout). The
    transport has killed it; the core stops it. cpu_seconds: what it had used, where known."""

    def __init__(self, message: str, overran: bool, cpu_seconds: float | None = None) -> None:
        super().__init__(message)
        self.overran = overran
        self.cpu_seconds = cpu_seconds
