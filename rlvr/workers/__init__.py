"""Killable worker processes for work that can run unbounded (sympy, parsers of untrusted text).

`WatchdogPool` runs picklable top-level functions in persistent worker processes and kills
(SIGKILL) any worker that runs past its job's deadline, starting a replacement. Workers are
forked from a "zygote" process that has imported the heavy modules once, so a replacement
costs a fork (milliseconds), not an interpreter start.
"""

from rlvr.workers.errors import JobTimeout, PoolBusy, PoolClosed, WorkerDied, WorkerError
from rlvr.workers.pool import WatchdogPool
from rlvr.workers.slots import PoolStats

__all__ = ["JobTimeout", "PoolBusy", "PoolClosed", "PoolStats", "WatchdogPool", "WorkerDied", "WorkerError"]
