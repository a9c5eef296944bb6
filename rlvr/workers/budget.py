"""How many verification workers one process may start.

Trainers verify from many processes at once (one per GPU under torchrun/accelerate, many reward
workers in verl). If each sized its pools to every core, eight processes on a 128-core node would
start 8 x 128 sympy workers and as many sandbox workers. The budget divides the machine instead:

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
    """The number of verification workers each pool of this process may start (see module doc)."""
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
        'worker budget: 4 per pool (16 usable cores / LOCAL_WORLD_SIZE=4 processes)'
    """
    budget = worker_budget()
    explicit = os.environ.get(ENV_WORKERS)
    if explicit:
        source = f"{ENV_WORKERS}={explicit}"
    else:
        sharing = os.environ.get(ENV_LOCAL_WORLD_SIZE)
        per = f" / {ENV_LOCAL_WORLD_SIZE}={sharing} processes" if sharing else f", no {ENV_LOCAL_WORLD_SIZE} set"
        source = f"{usable_cores()} usable cores{per}"
    return f"worker budget: {budget} per pool ({source})"
