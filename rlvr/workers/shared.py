"""The process's shared worker pools: one per kind of work, each serving every option value.

A kind of work is named by the modules its zygote preloads (sympy for the math verifier, the
instruction checks for long IFEval responses). Time and memory limits travel with each job, so
verifiers with different options share one pool, instead of one pool (and one zygote) per option
value; every pool draws its workers from the process's one worker budget.
"""

from __future__ import annotations

from rlvr.workers.pool import WatchdogPool
from rlvr.workers.slots import SharedPools

_pools: SharedPools[tuple[str, ...], WatchdogPool] = SharedPools(lambda preload: WatchdogPool(preload=preload))


def shared_pool(preload: tuple[str, ...]) -> WatchdogPool:
    """The process-wide pool whose zygote preloads `preload`; a new one if it was closed."""
    return _pools.get(preload)
