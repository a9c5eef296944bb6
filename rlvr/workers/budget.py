"""How many verification workers one process may start.

Trainers verify from many processes at once (one per GPU under torchrun/accelerate, many reward
workers in verl). If each sized its pools to every core, eight processes on a 128-core node would
start 8 x 128 sympy workers and as many sandbox workers. The budget divides the machine instead,
and every pool of the process draws its workers from it (`BUDGET`: math, instruction and code
verification together never run more live workers than the budget):

- `RLVR_WORKERS=N` sets it explicitly (N >= 1);
- otherwise the cores this process may use, divided by the processes a launcher says share the
  node (`LOCAL_WORLD_SIZE`, set by torchrun and accelerate), never below 1.

Example:
    >>> import os; os.environ["RLVR_WORKERS"] = "3"
    >>> worker_budget()
    3
"""

from __future__ import annotations

import os
import threading
import weakref
from typing import Protocol

ENV_WORKERS = "RLVR_WORKERS"
ENV_LOCAL_WORLD_SIZE = "LOCAL_WORLD_SIZE"


def _positive_int(name: str, text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise ValueError(f"{name} must be a positive integer, got {text!r}")
    return value


def usable_cores() -> int:
    """The cores this process may run on (its CPU affinity where the OS reports it)."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def worker_budget() -> int:
    """The number of verification workers this process may run at once, all pools together (see module doc)."""
    explicit = os.environ.get(ENV_WORKERS)
    if explicit:
        return _positive_int(ENV_WORKERS, explicit)
    sharing = os.environ.get(ENV_LOCAL_WORLD_SIZE)
    processes = _positive_int(ENV_LOCAL_WORLD_SIZE, sharing) if sharing else 1
    return max(1, usable_cores() // processes)


def describe_budget() -> str:
    """The budget in force and where it comes from, in one line (for `python -m rlvr` and logs).

    Raises ValueError, as `worker_budget` does, when RLVR_WORKERS or LOCAL_WORLD_SIZE is not a
    positive integer.

    Example:
        >>> os.environ.pop("RLVR_WORKERS", None); os.environ["LOCAL_WORLD_SIZE"] = "4"
        >>> describe_budget()  # on a 16-core machine
        'worker budget: 4 per process (16 usable cores / LOCAL_WORLD_SIZE=4 processes)'
    """
    budget = worker_budget()
    explicit = os.environ.get(ENV_WORKERS)
    if explicit:
        source = f"{ENV_WORKERS}={explicit}"
    else:
        sharing = os.environ.get(ENV_LOCAL_WORLD_SIZE)
        per = f" / {ENV_LOCAL_WORLD_SIZE}={sharing} processes" if sharing else f", no {ENV_LOCAL_WORLD_SIZE} set"
        source = f"{usable_cores()} usable cores{per}"
    return f"worker budget: {budget} per process ({source})"


class Retiring(Protocol):
    """A pool's slots, as the budget sees them (rlvr.workers.slots.Slots)."""

    def offer_idle(self) -> None: ...


class Budget:
    """The process's allotment of live workers, `worker_budget()` units, read at each draw so
    that the setting may change. A pool takes a unit before it starts a worker and gives it back
    once that worker's process has ended. Units are kept per pool: a pool that is garbage
    collected unclosed (its zygote then ends its workers) holds none any more.

    >>> class Pool:
    ...     def offer_idle(self) -> None: ...
    >>> budget, pool = Budget(), Pool()
    >>> budget.take(pool)
    True
    >>> budget.give_back(pool)
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._held: weakref.WeakKeyDictionary[Retiring, int] = weakref.WeakKeyDictionary()

    def register(self, pool: Retiring) -> None:
        """Let `reclaim` ask `pool` for an idle worker (for as long as the pool lives)."""
        with self._lock:
            self._held.setdefault(pool, 0)

    def take(self, pool: Retiring) -> bool:
        """One unit for `pool`, if one is left; never waits."""
        with self._lock:
            if sum(self._held.values()) >= worker_budget():
                return False
            self._held[pool] = self._held.get(pool, 0) + 1
            return True

    def give_back(self, pool: Retiring, units: int = 1) -> None:
        with self._lock:
            self._held[pool] = max(0, self._held.get(pool, 0) - units)

    def in_use(self) -> int:
        """Units held now, all pools together: workers starting, live or not yet ended."""
        with self._lock:
            return sum(self._held.values())

    def reclaim(self, wanting: Retiring) -> None:
        """Ask every other pool holding units to retire an idle worker, so that `wanting` can
        start one once that worker has ended. Called without any pool's lock held (each pool
        takes its own)."""
        with self._lock:
            others = [pool for pool, held in self._held.items() if pool is not wanting and held]
        for pool in others:
            pool.offer_idle()

    def forget(self, pool: Retiring) -> None:
        """In a forked child: the pool forgot its inherited workers, so it holds no units."""
        with self._lock:
            self._held[pool] = 0

    def _after_fork_in_child(self) -> None:
        # A lock held by another thread at fork time would stay held forever in the child.
        self._lock = threading.Lock()


BUDGET = Budget()
os.register_at_fork(after_in_child=BUDGET._after_fork_in_child)
