"""The supervision core every worker pool shares: its worker slots, their draw on the process's
worker budget, idle retirement, close, fork handling and exit.

A pool (`WatchdogPool` with its zygote, `SandboxPool` with bubblewrap) brings the transport: how
a worker starts, runs a job, is killed and is seen to have ended (the `Handle` protocol). `Slots`
decides when a worker may start, which idle worker a call gets, and when a slot is free again:

- a pool holds at most `size` live workers, and every pool of the process together at most the
  process budget (`rlvr.workers.budget.BUDGET`): a slot is charged from the moment a worker is
  started until its process has ended, so a replacement never overlaps a stopping worker;
- a pool that wants a worker while the budget is spent asks the other pools to retire an idle
  one (`Budget.reclaim`), so no pool starves another while it has workers doing nothing;
- idle workers retire after `idle_timeout` seconds, every pool's on one schedule (a thread of
  the core looks every RETIRE_TICK seconds, and callers waiting for a worker look too);
- a closed pool hands out nothing (`PoolClosed`); no free slot before the caller's limit is
  `PoolBusy`: both are the caller's to report (the pools map them to their own failures);
- `supervise(pool)` has the pool forget what it inherited in a forked child (its own state,
  never touching the parent's processes) and closes it at interpreter exit.

    slots = Slots(size=2, idle_timeout=60.0)
    handle = slots.take(until=time.monotonic() + 5)   # an idle worker, or None: start one
    if handle is None:
        handle = slots.started(start_worker())          # or slots.not_started() if that failed
    ...                                                  # run the job
    slots.release(handle)                                # or slots.discard(handle) to stop it
"""

from __future__ import annotations

import atexit
import bisect
import os
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from rlvr.workers.budget import BUDGET, worker_budget
from rlvr.workers.errors import JobTimeout, PoolBusy, PoolClosed, WorkerDied, WorkerError, WorkerLost

# Seconds between checks while a caller waits on something that sends no signal: a stopping
# worker's end, or another pool giving back a budget unit (a SIGKILLed process ends within ms).
POLL = 0.005
# Seconds between the core's rounds of idle retirement (all pools of the process in one round).
RETIRE_TICK = 1.0
# Upper bounds (seconds) of the latency histogram's buckets; the last one catches the rest.
LATENCY_BUCKETS: tuple[float, ...] = (0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, float("inf"))
_COUNTED = ("calls", "timeouts", "busy", "errors", "retries")
# A job killed after the wait for a worker cut its own limit (to the caller's deadline) by more
# than this fraction of it was not judged fairly: busy, not timed out.
FAIR_SHARE_LOST = 0.1


@dataclass(frozen=True)
class PoolStats:
    """A pool's counters since it was created (or since the fork that made this process).

    calls: jobs submitted. timeouts: jobs killed at their deadline. busy: calls that found no
    worker in time. errors: jobs that raised or whose worker died twice. retries: jobs rerun on a
    fresh worker after their worker died. restarts: workers started to replace a killed or dead
    one. retired: idle workers ended after `idle_timeout` (or handed to another pool's budget).
    workers_started: every worker started. latency_histogram: (upper bound in seconds, count)
    per bucket, whole-call latency.
    """

    calls: int
    timeouts: int
    busy: int
    errors: int
    retries: int
    restarts: int
    retired: int
    workers_started: int
    latency_histogram: tuple[tuple[float, int], ...]


class Handle(Protocol):
    """A transport's worker, as the core sees it."""

    idle_since: float

    def kill(self) -> None:
        """SIGKILL the worker's processes, unless they have ended; never waits."""

    def ended(self) -> bool:
        """Whether every process of the worker has ended (its memory and cores are free); never waits."""

    def close(self) -> None:
        """Free what this process holds for an ended worker (pipes, folders, groups)."""

    def forget(self) -> None:
        """In a forked child: close this process's copies of the worker's pipes, nothing else."""


H = TypeVar("H", bound=Handle)
R = TypeVar("R")


class Slots(Generic[H]):
    """The worker slots of one pool (see the module doc). Thread-safe; fork-safe via `forget`."""

    def __init__(self, size: int, idle_timeout: float) -> None:
        if size < 1:
            raise ValueError(f"pool size must be at least 1, got {size}")
        self.size = size
        self.idle_timeout = idle_timeout
        self._reset()
        BUDGET.register(self)

    def _reset(self) -> None:
        self._owner = os.getpid()
        self._cond = threading.Condition()
        self._live: list[H] = []  # started and not stopped: idle or running a job
        self._idle: list[H] = []  # oldest release first; calls take the newest
        self._stopping: list[H] = []  # killed or retired, their processes not yet ended
        self._starting = 0
        self._closed = False
        self._replacements_due = 0  # workers discarded, whose replacements count as restarts
        self._counts = dict.fromkeys((*_COUNTED, "restarts", "retired", "workers_started"), 0)
        self._histogram = [0] * len(LATENCY_BUCKETS)

    # ------------------------------------------------------------------ one job, every pool's way

    def run(
        self,
        start: Callable[[], H],
        job: Callable[[H, float], tuple[R, bool]],
        limit: float,
        wait_until: float,
        deadline: float | None = None,
    ) -> R:
        """Run one job on a worker of this pool: the one loop every pool shares.

        start() starts a ready worker (its errors are the caller's to see; the slot is given
        back). job(worker, seconds) runs the job within `seconds` and returns (value, whether
        the worker may be reused), or raises WorkerLost (the transport killed the worker).

        - No worker free by `wait_until` (monotonic): PoolBusy. The wait is never charged to
          the job's `limit`; a worker's start is charged to nothing (it moves `deadline`).
        - `deadline` (optional, the whole call's end) cuts the job's limit; a job that then runs
          out after the wait took more than FAIR_SHARE_LOST of its limit is PoolBusy too.
        - A worker lost during the job (by something outside it) is replaced and the job run
          once more; lost again: WorkerDied.
        - A job past its limit: JobTimeout.
        PoolClosed after `close`. The statistics count every outcome.

            value = slots.run(start_worker, lambda worker, seconds: (worker.do(job, seconds), True),
                              limit=5.0, wait_until=time.monotonic() + 5.0)
        """
        called = time.monotonic()
        self.count("calls")
        try:
            return self._run(start, job, limit, wait_until, deadline)
        except JobTimeout:
            self.count("timeouts")
            raise
        except PoolBusy:
            self.count("busy")
            raise
        except WorkerError:
            self.count("errors")
            raise
        finally:
            self.record_latency(time.monotonic() - called)

    def _run(
        self,
        start: Callable[[], H],
        job: Callable[[H, float], tuple[R, bool]],
        limit: float,
        wait_until: float,
        deadline: float | None,
    ) -> R:
        started = time.monotonic()
        for attempt in range(2):
            worker, start_seconds = self._acquire(start, wait_until)
            started += start_seconds
            deadline = None if deadline is None else deadline + start_seconds
            begun = time.monotonic()
            cut = limit if deadline is None else min(limit, deadline - begun)
            # Of its own limit, the job lost to the deadline at most what the wait took.
            lost_to_wait = min(begun - started, limit - cut)
            if cut <= 0:
                self.release(worker)
                raise PoolBusy(f"waited {begun - started:.3f} s for a worker; no time was left for the job")
            try:
                value, reusable = job(worker, cut)
            except WorkerLost as exc:
                self.discard(worker)
                if exc.overran and lost_to_wait > FAIR_SHARE_LOST * limit:
                    raise PoolBusy(
                        f"waited {begun - started:.3f} s for a worker, so the job had {cut:.3f} s "
                        f"of its {limit:.3f} s and ran out"
                    ) from None
                if exc.overran:
                    raise JobTimeout(str(exc), exc.cpu_seconds) from None
                if attempt:
                    raise WorkerDied(f"{exc}, and again on a fresh worker") from None
                self.count("retries")
                continue
            (self.release if reusable else self.discard)(worker)
            return value
        raise AssertionError("unreachable")

    def _acquire(self, start: Callable[[], H], wait_until: float) -> tuple[H, float]:
        """A worker, and the seconds it took to start one (0 for an idle worker)."""
        worker = self.take(wait_until)
        if worker is not None:
            return worker, 0.0
        starting = time.monotonic()
        try:
            worker = start()
        except BaseException:
            self.not_started()
            raise
        return self.started(worker), time.monotonic() - starting

    # ------------------------------------------------------------------ a call's worker

    def take(self, until: float) -> H | None:
        """An idle worker, or None when the caller may start one now (its slot is charged).
        PoolBusy when neither happens before `until` (monotonic); PoolClosed after `close`."""
        worker: H | None = None
        while True:
            ended: list[H] = []
            try:
                with self._cond:
                    self._check_owner()
                    ended = self._collect(retire=True)
                    if self._closed:
                        raise PoolClosed("the worker pool is closed")
                    if self._idle:
                        worker = self._idle.pop()
                        break
                    starved = False
                    if self._held() < self.size:
                        if BUDGET.take(self):
                            self._starting += 1
                            break
                        starved = True
                    remaining = until - time.monotonic()
                    if remaining <= 0:
                        raise PoolBusy(
                            f"no worker became free in time ({self._held()} of the pool's {self.size} held, "
                            f"{BUDGET.in_use()} of the process's {worker_budget()})"
                        )
                    # Nothing signals a stopping worker's end, nor another pool's: look again soon.
                    if not starved:
                        self._cond.wait(min(remaining, POLL) if self._stopping else remaining)
            finally:
                _close_all(ended)  # outside the lock: a sandbox worker's cgroups may take a moment
            if starved:
                BUDGET.reclaim(self)
                time.sleep(min(POLL, max(0.0, until - time.monotonic())))
        return worker

    def started(self, worker: H) -> H:
        """Record the worker a caller started after `take` returned None. PoolClosed (the worker
        killed) when the pool was closed meanwhile."""
        with self._cond:
            self._starting -= 1
            self._counts["workers_started"] += 1
            if self._replacements_due:
                self._replacements_due -= 1
                self._counts["restarts"] += 1
            if not self._closed and self._owner == os.getpid():
                self._live.append(worker)
                _RETIREMENT.watch(self)
                return worker
            BUDGET.give_back(self)
        worker.kill()
        worker.close()
        raise PoolClosed("the worker pool is closed")

    def not_started(self) -> None:
        """Give back the slot `take` charged when starting the worker failed."""
        with self._cond:
            self._starting -= 1
            BUDGET.give_back(self)
            self._cond.notify()

    def release(self, worker: H) -> None:
        """A worker done with its job, to be reused."""
        with self._cond:
            if worker not in self._live:  # the pool was closed under the job, which killed it
                worker.close()
                return
            worker.idle_since = time.monotonic()
            self._idle.append(worker)
            self._cond.notify()

    def discard(self, worker: H) -> None:
        """Stop a worker that failed or must not be reused; its slot is free once it has ended."""
        with self._cond:
            if worker not in self._live:  # as in `release`
                worker.close()
                return
            self._live.remove(worker)
            if worker in self._idle:
                self._idle.remove(worker)
            self._stop(worker)
            self._replacements_due += 1
            ended = self._collect()
            self._cond.notify()
        _close_all(ended)

    # ------------------------------------------------------------------ retirement

    def retire_idle(self) -> None:
        """Stop the workers idle for longer than `idle_timeout`, and free the slots of stopped
        workers that have ended (a pool's housekeeping; callers waiting do it too)."""
        with self._cond:
            if self._owner != os.getpid():
                return
            ended = self._collect(retire=True)
            if ended:
                self._cond.notify_all()
        _close_all(ended)

    def offer_idle(self) -> None:
        """Another pool needs a budget unit: stop this pool's oldest idle worker, unless one of
        its workers is already stopping (that unit comes back soon)."""
        with self._cond:
            if self._owner != os.getpid():
                return
            ended = self._collect()
            if not self._stopping and self._idle:
                worker = self._idle.pop(0)
                self._live.remove(worker)
                self._stop(worker)
                self._counts["retired"] += 1
        _close_all(ended)

    def _stop(self, worker: H) -> None:
        worker.kill()
        self._stopping.append(worker)

    def _collect(self, retire: bool = False) -> list[H]:
        """Retire idle workers past `idle_timeout` (when `retire`), and take the stopped workers
        that have ended out of their slots; returns those, to be closed outside the lock."""
        if retire:
            cutoff = time.monotonic() - self.idle_timeout
            while self._idle and self._idle[0].idle_since < cutoff:
                worker = self._idle.pop(0)
                self._live.remove(worker)
                self._stop(worker)
                self._counts["retired"] += 1
        ended = [worker for worker in self._stopping if worker.ended()]
        for worker in ended:
            self._stopping.remove(worker)
            BUDGET.give_back(self)
        return ended

    def _held(self) -> int:
        return len(self._live) + len(self._stopping) + self._starting

    # ------------------------------------------------------------------ statistics and inspection

    def count(self, name: str) -> None:
        """Count one event of a call: one of "calls", "timeouts", "busy", "errors", "retries"."""
        with self._cond:
            self._counts[name] += 1

    def record_latency(self, seconds: float) -> None:
        """Count one call's whole latency in the histogram."""
        with self._cond:
            self._histogram[bisect.bisect_left(LATENCY_BUCKETS, seconds)] += 1

    def stats(self) -> PoolStats:
        """A snapshot of the counters."""
        with self._cond:
            return PoolStats(**self._counts, latency_histogram=tuple(zip(LATENCY_BUCKETS, self._histogram)))

    def workers(self) -> list[H]:
        """The live workers (idle or running a job), oldest first."""
        with self._cond:
            return list(self._live)

    def idle(self) -> list[H]:
        """The idle workers."""
        with self._cond:
            return list(self._idle)

    @property
    def closed(self) -> bool:
        return self._closed

    def close(self, end: Callable[[list[H], list[H]], None]) -> None:
        """Refuse work from now on: `end(running, resting)` ends the workers running a job and
        the idle and stopping ones (the transport's way; a running worker's caller also closes
        it when its job ends), then every budget unit is given back. Idempotent."""
        with self._cond:
            self._check_owner()
            self._closed = True
            running = [worker for worker in self._live if worker not in self._idle]
            resting = self._idle + self._stopping
            self._live, self._idle, self._stopping = [], [], []
            self._cond.notify_all()
        try:
            end(running, resting)
        finally:
            BUDGET.give_back(self, len(running + resting))

    def forget(self) -> None:
        """In a forked child: drop the parent's workers (closing only our copies of their pipes)
        and start afresh; a closed pool stays closed."""
        inherited = self._live + self._stopping
        closed = self._closed
        self._reset()
        BUDGET.forget(self)
        self._closed = closed
        for worker in inherited:
            worker.forget()

    def _check_owner(self) -> None:
        # The at-fork hook normally did this already; a fork that bypassed it (a raw syscall) did not.
        if self._owner != os.getpid():
            self.forget()


def _close_all(workers: list[H]) -> None:
    for worker in workers:
        worker.close()


class Supervised(Protocol):
    """A pool, as the process-wide hooks see it."""

    def _forget_inherited(self) -> None: ...

    def close(self) -> None: ...

    @property
    def owner_pid(self) -> int: ...


_supervised: weakref.WeakSet[Supervised] = weakref.WeakSet()


class _Retirement:
    """The one retirement schedule: a daemon thread, started when a pool first starts a worker
    (again in a forked child, where no thread of the parent exists), that has every watched
    pool retire its idle workers every RETIRE_TICK seconds, for as long as the pool lives."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._slots: weakref.WeakSet[Slots] = weakref.WeakSet()
        self._thread: threading.Thread | None = None

    def watch(self, slots: Slots) -> None:
        with self._lock:
            self._slots.add(slots)
            if self._thread is None:
                self._thread = threading.Thread(target=self._serve, name="rlvr-retire-idle", daemon=True)
                self._thread.start()

    def _serve(self) -> None:
        while True:
            time.sleep(RETIRE_TICK)
            with self._lock:  # a WeakSet must not change while it is copied
                watched = list(self._slots)
            for slots in watched:
                slots.retire_idle()


_RETIREMENT = _Retirement()

K = TypeVar("K")


class Closable(Protocol):
    @property
    def closed(self) -> bool: ...


P = TypeVar("P", bound=Closable)


class SharedPools(Generic[K, P]):
    """A process's shared pools, one per key, started on first use and replaced once closed.

    >>> pools = SharedPools(lambda size: WatchdogPool(size=size))
    >>> pools.get(1) is pools.get(1)
    True
    """

    def __init__(self, make: Callable[[K], P]) -> None:
        self._make = make
        self._pools: dict[K, P] = {}
        self._lock = threading.Lock()
        _shared.add(self)

    def get(self, key: K) -> P:
        """The pool for `key`; a new one if there was none or it was closed."""
        with self._lock:
            pool = self._pools.get(key)
            if pool is None or pool.closed:
                pool = self._pools[key] = self._make(key)
            return pool

    def __len__(self) -> int:
        return len(self._pools)

    def _new_lock_after_fork(self) -> None:
        # A thread of the parent may have held the lock at the fork; in the child it would stay held.
        self._lock = threading.Lock()


_shared: weakref.WeakSet[SharedPools] = weakref.WeakSet()


def supervise(pool: Supervised) -> None:
    """Have `pool` forget its inherited workers in a forked child and close at interpreter exit."""
    _supervised.add(pool)


def _after_fork_in_child() -> None:
    global _RETIREMENT
    _RETIREMENT = _Retirement()
    # A lock held by another thread at fork time would stay held forever in the child.
    for shared in list(_shared):
        shared._new_lock_after_fork()
    for pool in list(_supervised):
        pool._forget_inherited()


def _close_all_at_exit() -> None:
    # After a fork every pool belongs to the child (its own, fresh state), so this ends only what
    # this process started, never its parent's workers.
    for pool in list(_supervised):
        if pool.owner_pid == os.getpid():
            pool.close()


os.register_at_fork(after_in_child=_after_fork_in_child)
atexit.register(_close_all_at_exit)
