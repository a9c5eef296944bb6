"""The process's shared worker pools: one per kind of work, each serving every option value.

A kind of work is named by the modules its zygote preloads (sympy for the math verifier, the
instruction checks for long IFEval responses). Time and memory limits travel with each job, so
verifiers with different options share one pool and its `worker_budget()` workers, instead of
one pool (and one zygote) per option value.
"""

from __future__ import annotations

import os
import threading

from rlvr.workers.pool import WatchdogPool

_pools: dict[tuple[str, ...], WatchdogPool] = {}
_lock = threading.Lock()


def shared_pool(preload: tuple[str, ...]) -> WatchdogPool:
    """The process-wide pool whose zygote preloads `preload`; a new one if it was closed."""
    with _lock:
        pool = _pools.get(preload)
        if pool is None or pool.closed:
            pool = _pools[preload] = WatchdogPool(preload=preload)
        return pool


def _new_lock_after_fork() -> None:
    # A thread of the parent may have held the lock at the fork; in the child it would stay held.
    global _lock
    _lock = threading.Lock()


os.register_at_fork(after_in_child=_new_lock_after_fork)
