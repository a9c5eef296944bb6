"""Worker budgets: the setting, its description, and four verifying processes that together never
run more live verification workers than their budgets allow, each process's sympy and sandbox
pools within its one budget (counted from /proc)."""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from concurrent.futures import ProcessPoolExecutor

import pytest
from scale_data import math_batch, mbpp_batch
from worker_census import verification_workers

from rlvr.workers.budget import describe_budget, usable_cores, worker_budget

PROCESSES = 4


def test_budget_comes_from_rlvr_workers_then_cores_per_local_process(monkeypatch):
    monkeypatch.setenv("RLVR_WORKERS", "3")
    monkeypatch.setenv("LOCAL_WORLD_SIZE", "64")
    assert worker_budget() == 3 and describe_budget() == "worker budget: 3 per process (RLVR_WORKERS=3)"
    monkeypatch.delenv("RLVR_WORKERS")
    assert worker_budget() == max(1, usable_cores() // 64)
    assert "LOCAL_WORLD_SIZE=64 processes" in describe_budget()
    monkeypatch.delenv("LOCAL_WORLD_SIZE")
    assert worker_budget() == usable_cores()
    for name, value in (("RLVR_WORKERS", "0"), ("RLVR_WORKERS", "two"), ("LOCAL_WORLD_SIZE", "-1")):
        monkeypatch.setenv(name, value)
        with pytest.raises(ValueError, match=name):
            describe_budget()
        monkeypatch.delenv(name)


def _verify_share(share: int) -> tuple[int, int, int, int]:
    """One trainer-like process: a math batch (sympy pool) and an MBPP batch (sandbox pool)."""
    import rlvr

    # Time limits far above the work: the counts compared below must not hinge on machine load.
    math_verdicts = rlvr.get_verifier("math", timeout=120.0, sympy_timeout=60.0).verify_batch(*math_batch(24))
    mbpp_verdicts = rlvr.get_verifier("mbpp", timeout=120.0, test_timeout=30.0).verify_batch(*mbpp_batch(8))
    correct = (sum(v.correct for v in math_verdicts), sum(v.correct for v in mbpp_verdicts))
    return os.getpid(), worker_budget(), *correct


def test_four_processes_with_budgets_never_exceed_their_live_workers(monkeypatch):
    monkeypatch.delenv("RLVR_WORKERS", raising=False)
    monkeypatch.setenv("LOCAL_WORLD_SIZE", str(PROCESSES))  # as torchrun sets it for 4 ranks on a node
    budget = max(1, usable_cores() // PROCESSES)
    samples: list[dict[str, dict[int, int]]] = []  # per sample: kind -> owner pid -> live workers
    done = threading.Event()

    def census() -> None:
        # A worker counts once it is seen in two samples in a row: one scan of /proc is not an
        # instant, so it may list a worker that exits during the scan and, later in the same scan,
        # the replacement forked after that exit. A second live worker is seen twice.
        previous: dict[str, dict[int, list[int]]] = {}
        while not done.is_set():
            current = verification_workers(os.getpid())
            samples.append(
                {
                    kind: {
                        owner: len(set(pids) & set(previous.get(kind, {}).get(owner, [])))
                        for owner, pids in owners.items()
                    }
                    for kind, owners in current.items()
                }
            )
            previous = current
            time.sleep(0.05)

    counter = threading.Thread(target=census)
    counter.start()
    try:
        with ProcessPoolExecutor(PROCESSES, mp_context=multiprocessing.get_context("spawn")) as pool:
            results = list(pool.map(_verify_share, range(PROCESSES)))
    finally:
        done.set()
        counter.join()
    # Only the verifying processes count: this one (the test runner) may still hold the idle
    # workers of earlier tests' pools, sized by its own budget.
    verifiers = {pid for pid, _, _, _ in results}
    assert {budget_seen for _, budget_seen, _, _ in results} == {budget}
    assert len({(math_correct, mbpp_correct) for _, _, math_correct, mbpp_correct in results}) == 1
    for kind in ("sympy", "sandbox"):
        per_process = [count for sample in samples for owner, count in sample[kind].items() if owner in verifiers]
        total = max(
            (sum(n for owner, n in sample[kind].items() if owner in verifiers) for sample in samples), default=0
        )
        assert max(per_process, default=0) >= 1, f"the census saw no {kind} workers: it counts nothing"
        assert total <= PROCESSES * budget, (kind, total)
    # One budget per process, shared by its sympy and sandbox pools (rlvr/workers/slots.py).
    both = [sum(sample[kind].get(owner, 0) for kind in sample) for sample in samples for owner in verifiers]
    assert max(both) <= budget, (max(both), budget)
