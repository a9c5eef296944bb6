"""The watchdog worker pool: kills and replaces hung workers, survives memory bombs, threads and
forks, leaves no processes behind. Jobs are stdlib functions, so workers need no test imports."""

from __future__ import annotations

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

from rlvr.workers import JobTimeout, PoolBusy, WatchdogPool, WorkerError

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def pool():
    with WatchdogPool(size=2, timeout=1.0, memory_limit_mb=512) as pool:
        yield pool


def test_runs_jobs_and_returns_results(pool):
    assert pool.call(operator.add, 2, 3) == 5
    assert pool.call(sorted, [3, 1, 2]) == [1, 2, 3]


def test_job_exception_is_a_worker_error_and_the_worker_survives(pool):
    before = pool.stats()
    with pytest.raises(WorkerError, match="ZeroDivisionError"):
        pool.call(operator.truediv, 1, 0)
    assert pool.call(operator.mul, 6, 7) == 42
    assert pool.stats().restarts == before.restarts


def test_hung_job_is_killed_at_its_deadline_and_replaced(pool):
    pid = pool.call(os.getpid)
    before = pool.stats()
    started = time.monotonic()
    with pytest.raises(JobTimeout):
        pool.call(time.sleep, 30, timeout=0.3)
    assert time.monotonic() - started < 0.8
    time.sleep(0.05)
    assert not alive(pid)
    assert pool.call(operator.add, 1, 1) == 2
    after = pool.stats()
    assert after.timeouts == before.timeouts + 1
    assert after.restarts == before.restarts + 1


def test_cpu_bound_job_in_c_code_is_killed(pool):
    started = time.monotonic()
    with pytest.raises(JobTimeout):
        pool.call(pow, 10, 10**12, timeout=0.3)
    assert time.monotonic() - started < 0.8
    assert pool.call(abs, -3) == 3


def test_memory_bomb_ends_only_its_worker(pool):
    with pytest.raises(WorkerError, match="MemoryError"):
        pool.call(bytearray, 2 * 2**30)
    assert pool.call(len, "four") == 4


def test_deadline_bounds_the_whole_call(pool):
    started = time.monotonic()
    with pytest.raises(JobTimeout):
        pool.call(time.sleep, 5, timeout=10, deadline=time.monotonic() + 0.2)
    assert time.monotonic() - started < 0.7


def test_many_threads_at_once_get_their_own_results(pool):
    results: dict[int, int] = {}

    def work(n: int) -> None:
        for k in range(20):
            results[n * 100 + k] = pool.call(operator.mul, n, k)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == {n * 100 + k: n * k for n in range(8) for k in range(20)}


def test_hung_jobs_in_threads_do_not_starve_other_calls(pool):
    errors = []

    def hang() -> None:
        try:
            pool.call(time.sleep, 30, timeout=0.5)
        except (JobTimeout, PoolBusy) as exc:  # the third waits for one of the two workers: it may get none in time
            errors.append(exc)

    threads = [threading.Thread(target=hang) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=5)
    assert len(errors) == 3 and sum(isinstance(e, JobTimeout) for e in errors) >= 2
    assert pool.call(operator.sub, 5, 2) == 3


def test_counters_and_latency_histogram(pool):
    before = pool.stats()
    for _ in range(50):
        pool.call(operator.add, 1, 2)
    after = pool.stats()
    assert after.calls == before.calls + 50
    assert (
        sum(count for _, count in after.latency_histogram) == sum(count for _, count in before.latency_histogram) + 50
    )
    # Warm calls take well under 20 ms (typically 0.1 ms), not a process start each.
    fast = sum(count for bound, count in after.latency_histogram if bound <= 0.02)
    assert fast - sum(count for bound, count in before.latency_histogram if bound <= 0.02) >= 45


def test_forked_child_restarts_the_pool_lazily(pool):
    parent_zygote = pool.zygote_pid
    pool.call(abs, 1)
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: uses the inherited pool, must get its own zygote
        try:
            result = pool.call(operator.add, 40, 2)
            os.write(write_end, f"{result} {pool.zygote_pid}".encode())
            pool.close()
        finally:
            os._exit(0)
    os.close(write_end)
    _, status = os.waitpid(pid, 0)
    answer = os.read(read_end, 100).decode().split()
    os.close(read_end)
    assert status == 0
    assert answer[0] == "42" and int(answer[1]) != parent_zygote
    assert pool.zygote_pid == parent_zygote and pool.call(abs, -5) == 5


def test_close_leaves_no_processes():
    pool = WatchdogPool(size=2, timeout=1.0)
    pool.call(abs, 1)
    worker = pool.call(os.getpid)
    zygote = pool.zygote_pid
    closed_under_it = (JobTimeout, WorkerError, RuntimeError, EOFError)
    hung = threading.Thread(target=lambda: pytest.raises(closed_under_it, pool.call, time.sleep, 30, timeout=20))
    hung.start()
    time.sleep(0.2)
    pool.close()
    hung.join(timeout=5)
    assert not hung.is_alive()
    assert not alive(worker) and not alive(zygote)
    with pytest.raises(RuntimeError):
        pool.call(abs, 1)


def test_interpreter_exit_leaves_no_processes():
    script = textwrap.dedent(
        """
        import os, threading, time
        from rlvr.workers import WatchdogPool
        pool = WatchdogPool(size=2)
        print(pool.call(os.getpid), pool.zygote_pid, flush=True)
        threading.Thread(target=pool.call, args=(time.sleep, 60), kwargs={"timeout": 60}, daemon=True).start()
        time.sleep(0.3)
        """
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    pids = [int(pid) for pid in done.stdout.split()]
    time.sleep(0.3)
    assert not any(alive(pid) for pid in pids)


def test_killed_owner_leaves_no_processes():
    script = (
        "import os; from rlvr.workers import WatchdogPool; p = WatchdogPool(); "
        "print(p.call(os.getpid), p.zygote_pid, flush=True); os.kill(os.getpid(), 9)"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60)
    pids = [int(pid) for pid in done.stdout.split()]
    deadline = time.monotonic() + 5
    while any(alive(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(pids) == 2 and not any(alive(pid) for pid in pids)


def _live_children(parent: int) -> int:
    """Children of `parent` that still have an address space (a process past the point of exit
    where it frees its memory reads an empty command line)."""
    try:
        with open(f"/proc/{parent}/task/{parent}/children") as listing:
            children = listing.read().split()
    except OSError:
        return 0
    live = 0
    for child in children:
        try:
            with open(f"/proc/{child}/cmdline", "rb") as command:
                live += bool(command.read())
        except OSError:
            continue
    return live


@pytest.mark.skipif(not os.path.exists(f"/proc/{os.getpid()}/task/{os.getpid()}/children"), reason="needs Linux /proc")
def test_a_replacement_never_runs_alongside_the_worker_it_replaces():
    """Killed hung jobs and short jobs from three threads, then idle retirements, on a pool of
    one: the zygote never has two live workers at once (it had, when a stopped worker's slot was
    freed before its process ended)."""
    most, done = [0], threading.Event()
    with WatchdogPool(size=1, timeout=5.0, idle_timeout=0.01) as small:
        small.call(operator.add, 1, 2, deadline=time.monotonic() + 60)
        zygote = small.zygote_pid

        def census() -> None:
            while not done.is_set():
                most[0] = max(most[0], _live_children(zygote))

        def caller() -> None:
            for turn in range(60):
                try:
                    if turn % 3 == 0:
                        small.call(time.sleep, 10, timeout=0.02)
                    else:
                        small.call(operator.add, turn, 1, timeout=2.0)
                except (JobTimeout, PoolBusy):
                    pass

        counter = threading.Thread(target=census)
        counter.start()
        try:
            callers = [threading.Thread(target=caller) for _ in range(3)]
            for thread in callers:
                thread.start()
            for thread in callers:
                thread.join()
            for _ in range(20):  # each call finds the last worker idle past its time: retired, then forked anew
                small.call(operator.add, 1, 1)
                time.sleep(0.02)
        finally:
            done.set()
            counter.join()
        stats = small.stats()
    assert most[0] == 1, (most[0], stats)
    assert stats.timeouts >= 20 and stats.retired >= 19, stats
