"""One supervisor for both pool kinds (rlvr/workers/slots.py): one process-wide worker budget that
math, instruction and code verification draw from together (counted from /proc), idle workers
handed from one pool to another, and the same closed-pool and cold-start behaviour for the zygote
pool (sympy, instruction checks) and the sandbox pool (code)."""

from __future__ import annotations

import multiprocessing
import operator
import os
import signal
import threading
import time

import pytest
from scale_data import math_batch, mbpp_batch
from worker_census import verification_workers

from rlvr.sandbox import Limits, SandboxPool, StdioTest
from rlvr.sandbox import pool as sandbox_pool
from rlvr.workers import JobTimeout, PoolBusy, WatchdogPool, shared, spawner
from rlvr.workers.budget import BUDGET

BUDGET_IN_CHILD = 2
IFEVAL_TRUTH = {"instruction_id_list": ["punctuation:no_comma"], "kwargs": [{}]}


def _verify_everything(results) -> None:
    """A trainer-like process with a budget of 2: math, long IFEval responses and MBPP verified at
    once from three threads. Reports its pid, then every verdict's (kind, failed, correct)."""
    os.environ["RLVR_WORKERS"] = str(BUDGET_IN_CHILD)
    import rlvr

    results.put(os.getpid())
    batches = {
        "math": (rlvr.get_verifier("math", timeout=120.0, sympy_timeout=60.0), *math_batch(9)),
        "ifeval": (
            rlvr.get_verifier("ifeval", timeout=120.0),
            ["word " * 600, "word, " * 600, "more words " * 300, "a, b " * 500],
            [IFEVAL_TRUTH] * 4,
        ),
        "mbpp": (rlvr.get_verifier("mbpp", timeout=120.0, test_timeout=30.0), *mbpp_batch(6)),
    }
    verdicts: dict[str, list] = {}

    def run(kind: str) -> None:
        verifier, completions, truths = batches[kind]
        verdicts[kind] = verifier.verify_batch(completions, truths)

    threads = [threading.Thread(target=run, args=(kind,)) for kind in batches]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    results.put([(kind, v.failed, v.correct) for kind, batch in verdicts.items() for v in batch])


def test_math_instructions_and_code_in_one_process_never_exceed_its_budget():
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    child = context.Process(target=_verify_everything, args=(results,))
    child.start()
    pid = results.get(timeout=120)
    samples: list[dict[str, int]] = []
    previous: dict[str, dict[int, list[int]]] = {}
    while child.is_alive() and results.empty():
        # A worker counts once it is seen in two scans in a row: one scan of /proc is not an
        # instant, and may list a worker that exits during it and the replacement started after.
        current = verification_workers(os.getpid())
        samples.append(
            {
                kind: len(set(owners.get(pid, [])) & set(previous.get(kind, {}).get(pid, [])))
                for kind, owners in current.items()
            }
        )
        previous = current
        time.sleep(0.02)
    verdicts = results.get(timeout=300)
    child.join(30)
    assert {kind for kind, _, _ in verdicts} == {"math", "ifeval", "mbpp"}
    assert not [v for v in verdicts if v[1]], f"a pool starved another (failed verdicts): {verdicts}"
    correct = {kind: sum(c for k, _, c in verdicts if k == kind) for kind in ("math", "ifeval", "mbpp")}
    # As the batches are built: every third math item is the reference solution; two of the four
    # responses have no comma; every other MBPP program is the problem's own reference.
    assert correct["math"] >= 3 and correct["ifeval"] == 2 and correct["mbpp"] == 3, correct
    assert max(sample["sympy"] for sample in samples) >= 1 and max(sample["sandbox"] for sample in samples) >= 1
    most = max(sample["sympy"] + sample["sandbox"] for sample in samples)
    assert most <= BUDGET_IN_CHILD, (most, samples)


def test_a_pool_short_of_budget_takes_another_pools_idle_worker(monkeypatch):
    monkeypatch.setenv("RLVR_WORKERS", "1")
    with WatchdogPool(preload=("operator",)) as first, WatchdogPool(preload=("json",)) as second:
        assert first.call(operator.neg, 2) == -2
        assert first.worker_pids()  # idle, holding the process's only unit
        assert second.call(operator.neg, 3) == -3  # within its 2 s default limit: no busy
        assert not first.worker_pids() and first.stats().retired == 1
        assert BUDGET.in_use() == 1
        sandbox = SandboxPool(size=1)  # its self-check needs a worker too: second's goes
        try:
            assert not second.worker_pids() and len(sandbox.workers()) == 1
            assert first.call(operator.neg, 4) == -4 and not sandbox.workers()
        finally:
            sandbox.close()


def _slow_start(monkeypatch, owner: type, delay: float) -> None:
    """Every new worker of this kind takes `delay` seconds more to say it is ready."""
    ready = owner.wait_ready

    def slow(*args):
        time.sleep(delay)
        ready(*args)

    monkeypatch.setattr(owner, "wait_ready", slow)


def _zygote_call(pool: WatchdogPool) -> bool:
    # 0.6 s of a 1 s limit, with the whole call due in 1.2 s: a start charged to it would not fit.
    return pool.call(time.sleep, 0.6, timeout=1.0, deadline=time.monotonic() + 1.2) is None


def _sandbox_call(pool: SandboxPool) -> bool:
    # A 1.5 s budget and 1 s of wait for a free worker: a start charged to either would not fit.
    result = pool.run("print(6 * 7)", [StdioTest()], Limits(test_timeout=1.0), timeout=1.5, wait=1.0)
    return result.failure is None and result.outcomes[0].stdout == "42\n"


def _cold_sandbox_pool() -> SandboxPool:
    pool = SandboxPool(size=1, idle_timeout=0.01)
    deadline = time.monotonic() + 15
    while pool.workers() and time.monotonic() < deadline:  # the self-check's worker retires
        time.sleep(0.05)
    assert not pool.workers()
    return pool


KINDS = {
    "zygote": (lambda: shared.shared_pool(("operator",)), lambda: WatchdogPool(preload=("operator",)), _zygote_call),
    "sandbox": (sandbox_pool.shared_pool, _cold_sandbox_pool, _sandbox_call),
}
SLOW_PART = {"zygote": spawner.Zygote, "sandbox": sandbox_pool.Worker}


@pytest.mark.parametrize("kind", KINDS)
def test_a_closed_shared_pool_is_replaced_on_next_use(kind):
    shared_pool, _, call = KINDS[kind]
    closed = shared_pool()
    closed.close()
    fresh = shared_pool()
    assert fresh is not closed and not fresh.closed and call(fresh)
    assert shared_pool() is fresh


@pytest.mark.parametrize("kind", KINDS)
def test_a_cold_start_is_charged_to_no_call(kind, monkeypatch):
    """The first worker of a pool takes 2 s to start; the call that triggered it has less than
    that to wait and run, and is served whole (no "busy", no timeout)."""
    _, make_cold, call = KINDS[kind]
    pool = make_cold()
    try:
        _slow_start(monkeypatch, SLOW_PART[kind], 2.0)
        assert call(pool)
    finally:
        pool.close()


class _ZygoteKind:
    """A one-worker pool of each kind, as the shared-loop test drives it: a call that sleeps
    `seconds` within `limit` and says "ok", "busy" or "timeout"; a signal to its running worker."""

    def __init__(self) -> None:
        self.pool = WatchdogPool(size=1, preload=("time",))

    def call(self, seconds: float, limit: float, wait: float | None = None) -> str:
        deadline = None if wait is None else time.monotonic() + wait
        try:
            self.pool.call(time.sleep, seconds, timeout=limit, deadline=deadline)
        except JobTimeout:
            return "timeout"
        except PoolBusy:
            return "busy"
        return "ok"

    def signal(self, signum: int) -> None:
        _signal_tree(self.pool._slots.workers()[0].pid, signum)


class _SandboxKind:
    def __init__(self) -> None:
        self.pool = SandboxPool(size=1)

    def call(self, seconds: float, limit: float, wait: float | None = None) -> str:
        program = f"import time\ntime.sleep({seconds})\nprint(42)"
        result = self.pool.run(program, [StdioTest()], Limits(test_timeout=limit), timeout=limit + 1.0, wait=wait)
        if result.failure is None:
            assert result.outcomes[0].stdout == "42\n"
            return "ok"
        return {"busy": "busy", "timeout": "timeout"}.get(result.failure, result.failure)

    def signal(self, signum: int) -> None:
        _signal_tree(self.pool.workers()[0].process.pid, signum)


def _signal_tree(pid: int, signum: int) -> None:
    """Send `signum` to `pid` and every descendant, as something outside the pool would."""
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as handle:
            children = [int(child) for child in handle.read().split()]
    except OSError:
        children = []
    for child in children:
        _signal_tree(child, signum)
    try:
        os.kill(pid, signum)
    except ProcessLookupError:
        pass


def _while_running(kind, seconds: float, limit: float, act) -> str:
    """`kind.call(seconds, limit)` in a thread; `act()` once its job runs; the call's outcome."""
    outcome: list[str] = []
    thread = threading.Thread(target=lambda: outcome.append(kind.call(seconds, limit)))
    thread.start()
    time.sleep(0.5)  # the only worker (warm) has the job by now
    act()
    thread.join()
    return outcome[0]


@pytest.mark.parametrize("make", [_ZygoteKind, _SandboxKind], ids=["zygote", "sandbox"])
def test_both_pool_kinds_give_the_same_outcomes_through_the_one_loop(make):
    """Busy when no slot is free in time, one retry after a worker killed from outside, timeout
    when the job runs past its limit: the same for the zygote and the sandbox pool."""
    kind = make()
    try:
        assert kind.call(0.0, 5.0) == "ok"  # warm: the one worker is started
        calls = kind.pool.stats().calls  # the sandbox pool's self-check is one call more
        inner: list[str] = []
        assert _while_running(kind, 1.5, 5.0, lambda: inner.append(kind.call(0.0, 5.0, wait=0.3))) == "ok"
        assert inner == ["busy"] and kind.pool.stats().busy == 1
        assert _while_running(kind, 1.5, 5.0, lambda: kind.signal(signal.SIGKILL)) == "ok"
        assert kind.pool.stats().retries == 1
        assert _while_running(kind, 0.8, 1.5, lambda: kind.signal(signal.SIGSTOP)) == "timeout"
        stats = kind.pool.stats()
        assert (stats.calls, stats.busy, stats.retries, stats.timeouts, stats.errors) == (calls + 4, 1, 1, 1, 0)
    finally:
        kind.pool.close()


def test_idle_zygote_workers_retire_on_the_cores_schedule_without_another_call():
    """The sandbox's idle workers were always retired by a tick; the zygote pool's now are too,
    on the same schedule, instead of waiting for its next call."""
    pool = WatchdogPool(size=1, preload=("operator",), idle_timeout=0.5)
    try:
        assert pool.call(operator.neg, 1) == -1 and len(pool.worker_pids()) == 1
        deadline = time.monotonic() + 10
        while pool.worker_pids() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not pool.worker_pids() and pool.stats().retired == 1
    finally:
        pool.close()
