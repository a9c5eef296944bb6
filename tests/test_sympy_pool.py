"""Faults of the sympy worker pool, and the math verifier's verdicts for them: one pool for every
option value, per-job memory limits, a worker killed mid-job, a busy pool, a closed pool, idle
workers, forks (os.fork and multiprocessing) verifying alongside their parent, interpreter exit.
Pool-level jobs are stdlib functions (or `exec` of a snippet), so workers need no test imports."""

from __future__ import annotations

import multiprocessing
import operator
import os
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
from worker_census import alive

import rlvr
from rlvr.verdict import BUSY, ERROR, MISMATCH, OK
from rlvr.verifiers import math as math_verifier
from rlvr.workers import JobTimeout, PoolBusy, PoolClosed, WatchdogPool, WorkerDied, WorkerError, shared

ROOT = Path(__file__).resolve().parents[1]
RIGHT = ("\\boxed{(x+1)^2}", "x^2+2x+1")  # settled by sympy: equal
WRONG = ("\\boxed{(x+1)^2}", "x^2+1")  # settled by sympy: different


@pytest.fixture(scope="module")
def warm_math():
    """The shared sympy pool, with its zygote up (its first start imports sympy: seconds)."""
    math_verifier.shared_pool().call(abs, 1, timeout=5, deadline=time.monotonic() + 120)
    return math_verifier.shared_pool()


def test_one_pool_serves_every_option_value(warm_math):
    zygote, pools = warm_math.zygote_pid, len(shared._pools)
    for index in range(12):
        options = {"sympy_timeout": 1.0 + index / 10, "memory_limit_mb": 512 + 64 * (index % 3)}
        assert rlvr.verify(*RIGHT, task="math", **options).reason == OK
    assert len(shared._pools) == pools
    assert math_verifier.shared_pool() is warm_math and warm_math.zygote_pid == zygote


def test_memory_limit_travels_with_the_job():
    with WatchdogPool(size=1, timeout=5.0, memory_limit_mb=2048) as pool:
        allocate = "b = bytearray(300 * 2**20)"  # made in the worker: nothing large is pickled
        assert pool.call(exec, allocate) is None
        with pytest.raises(WorkerError, match="MemoryError"):
            pool.call(exec, allocate, memory_limit_mb=200)
        assert pool.call(exec, allocate) is None  # the next job's limit is its own


def test_a_worker_killed_mid_job_is_retried_once_on_a_fresh_worker(tmp_path):
    marker = tmp_path / "died"
    die_once = (
        f"import os, pathlib\np = pathlib.Path({str(marker)!r})\nif not p.exists(): p.touch(); os.kill(os.getpid(), 9)"
    )
    with WatchdogPool(size=1, timeout=5.0) as pool:
        assert pool.call(exec, die_once) is None
        assert pool.stats().retries == 1
        with pytest.raises(WorkerDied):
            pool.call(exec, "import os; os.kill(os.getpid(), 9)")
        assert pool.stats().retries == 2
        assert pool.call(operator.add, 1, 2) == 3


def test_a_math_worker_that_keeps_dying_is_a_failure_not_a_mismatch(warm_math, monkeypatch):
    monkeypatch.setattr(math_verifier.MathVerifier, "pool", property(lambda self: _Dying()))
    verdict = rlvr.get_verifier("math").verify(*RIGHT)
    assert verdict.reason == ERROR and "WorkerDied" in str(verdict.detail)


class _Dying:
    """A pool whose every job kills its worker (twice: the retry too)."""

    def call(self, function, *args, **kwargs):
        return math_verifier.shared_pool().call(exec, "import os; os.kill(os.getpid(), 9)", timeout=5)


def test_waiting_for_a_worker_is_not_charged_to_the_job():
    with WatchdogPool(size=1, timeout=5.0) as pool:
        pool.call(abs, 1)
        holder = threading.Thread(target=pool.call, args=(time.sleep, 0.6), kwargs={"timeout": 5})
        holder.start()
        time.sleep(0.1)
        started = time.monotonic()
        pool.call(time.sleep, 0.5, timeout=1.0)  # waits ~0.5 s, then runs 0.5 s: over 1 s in all
        assert time.monotonic() - started > 0.8
        holder.join()


def test_a_caller_that_gets_no_worker_in_time_is_busy_not_timed_out():
    with WatchdogPool(size=1, timeout=5.0) as pool:
        pool.call(abs, 1)
        holder = threading.Thread(
            target=pytest.raises, args=(JobTimeout, pool.call, time.sleep, 30), kwargs={"timeout": 1.5}
        )
        holder.start()
        time.sleep(0.1)
        started = time.monotonic()
        with pytest.raises(PoolBusy):
            pool.call(abs, 1, timeout=0.3)
        assert time.monotonic() - started < 1.0
        # The deadline left the job less than its own limit only because of the wait: busy too.
        with pytest.raises(PoolBusy):
            pool.call(time.sleep, 30, timeout=1.0, deadline=time.monotonic() + 1.8)
        assert pool.stats().busy == 2
        holder.join()


def test_math_verdict_is_busy_when_every_worker_is_taken(warm_math, monkeypatch):
    monkeypatch.setattr(math_verifier.MathVerifier, "pool", property(lambda self: _Busy()))
    assert rlvr.get_verifier("math").verify(*RIGHT).reason == BUSY


class _Busy:
    def call(self, function, *args, **kwargs):
        raise PoolBusy("all 1 workers stayed busy until the caller's limit")


def test_a_closed_pool_refuses_work_and_the_shared_pool_is_replaced():
    pool = WatchdogPool(size=1)
    pool.call(abs, 1)
    pool.close()
    with pytest.raises(PoolClosed):
        pool.call(abs, 1)
    first = shared.shared_pool(("operator",))
    first.close()
    second = shared.shared_pool(("operator",))
    assert second is not first and second.call(operator.neg, 2) == -2
    second.close()


def test_idle_workers_retire():
    with WatchdogPool(size=2, timeout=5.0, idle_timeout=0.3) as pool:
        first = pool.call(os.getpid)
        time.sleep(0.6)
        assert pool.call(os.getpid) != first
        assert pool.stats().retired == 1
        deadline = time.monotonic() + 5
        while alive(first) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not alive(first)


def _verify_many(count: int) -> list[str]:
    verdicts = []
    for index in range(count):
        completion, truth = RIGHT if index % 2 else WRONG
        verdicts.append(rlvr.verify(completion, truth, task="math", timeout=30).reason)
    return verdicts


EXPECTED = [OK if index % 2 else MISMATCH for index in range(10)]


@pytest.mark.slow
def test_multiprocessing_fork_children_verify_alongside_their_parent(warm_math):
    context = multiprocessing.get_context("fork")
    with context.Pool(4) as children:
        pending = children.map_async(_verify_many, [10] * 4)
        assert _verify_many(10) == EXPECTED
        assert pending.get(timeout=240) == [EXPECTED] * 4
    zygote = warm_math.zygote_pid
    assert alive(zygote) and _verify_many(10) == EXPECTED and warm_math.zygote_pid == zygote


@pytest.mark.slow
def test_a_forked_child_that_exits_normally_leaves_its_parents_pool_alone():
    script = textwrap.dedent(
        """
        import os, sys, rlvr
        from rlvr.verifiers.math import shared_pool
        right, wrong = ("\\\\boxed{(x+1)^2}", "x^2+2x+1"), ("\\\\boxed{(x+1)^2}", "x^2+1")
        assert rlvr.verify(*right, task="math", timeout=60).reason == "ok"
        zygote = shared_pool().zygote_pid
        pid = os.fork()
        if pid == 0:  # verifies with its own workers, then exits through atexit
            ok = rlvr.verify(*right, task="math", timeout=60).reason == "ok" and shared_pool().zygote_pid != zygote
            sys.exit(0 if ok else 3)
        assert os.waitpid(pid, 0)[1] == 0
        assert rlvr.verify(*wrong, task="math", timeout=5).reason == "mismatch"
        assert rlvr.verify(*right, task="math", timeout=5).reason == "ok" and shared_pool().zygote_pid == zygote
        print("fine")
        """
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=240)
    assert done.returncode == 0 and done.stdout.strip() == "fine", done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("use", ["start", "get_verifier", pytest.param("verify", marks=pytest.mark.slow)])
def test_interpreter_exit_prints_nothing(use):
    """Right after starting a zygote that imports little (it says "ready" as the parent leaves: this
    printed a BrokenPipeError), after building a math verifier (sympy still importing), after a verdict."""
    action = {
        "start": "from rlvr.workers import WatchdogPool; WatchdogPool(preload=('json',)).start()",
        "get_verifier": "rlvr.get_verifier('math')",
        "verify": "rlvr.verify('\\\\boxed{x^2}', 'x*x', task='math')",
    }
    done = subprocess.run(
        [sys.executable, "-c", f"import rlvr; {action[use]}"], cwd=ROOT, capture_output=True, text=True, timeout=240
    )
    assert done.returncode == 0 and done.stderr == ""
