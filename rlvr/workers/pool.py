"""`WatchdogPool`: persistent worker processes, killed and replaced when a job runs past its deadline.

Why not `concurrent.futures`: `future.result(timeout=...)` returns to the caller but leaves the
hung computation running, so hung sympy calls pile up and starve every later call. Here the
calling thread waits on its worker's socket and, at the deadline, SIGKILLs that worker; the next
call that needs a worker forks a fresh one from the zygote (see zygote.py).

Guarantees:
- any thread, several threads at once: each call holds one worker exclusively;
- one pool serves every setting: a job carries its own time limit and memory limit (RLIMIT_AS,
  set by the worker before each job), so a memory bomb ends only its worker;
- fork-safe: in a child forked from a process that uses a pool (os.fork, multiprocessing), the
  pool forgets the inherited processes, sockets and locks without touching them and starts its
  own zygote on first use; no thread is assumed to exist after a fork; a child's exit never
  closes its parent's pool; a reply travels on a socket only the calling process holds;
- workers start lazily, up to `size` (the worker budget), and retire after `idle_timeout`
  seconds without a job;
- `size` bounds live worker processes, not just handed-out slots: a worker that is killed,
  retired or dies keeps its slot until its process has ended (see `_stop`), so its replacement
  is never forked while it still holds memory or a core;
- a worker that dies during a job (not at its deadline) costs one retry on a fresh worker, then
  `WorkerDied`; waiting for a free worker is not charged to the job: a caller that gets none in
  time gets `PoolBusy`, never `JobTimeout`;
- a closed pool refuses work (`PoolClosed`); nothing prints at interpreter exit;
- no zombies or orphans: workers are reaped by the zygote (SIGCHLD ignored), the zygote by
  `close()`; `close()` runs at interpreter exit, and if this process dies the zygote sees its
  control socket close and kills its process group (itself and every worker).
"""

from __future__ import annotations

import atexit
import bisect
import os
import pickle
import signal
import socket
import struct
import threading
import time
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from rlvr.workers.budget import worker_budget
from rlvr.workers.errors import JobTimeout, PoolBusy, PoolClosed, WorkerDied, WorkerError
from rlvr.workers.protocol import receive_message, send_payload
from rlvr.workers.spawner import Zygote

# A job killed after the wait for a worker cut its own limit by more than this fraction is busy.
_FAIR_SHARE_LOST = 0.1
# Seconds between checks, while every slot is taken, for a stopped worker's process to end
# (a SIGKILLed process ends within milliseconds; only a waiting caller polls).
_EXIT_POLL = 0.005
_DRAIN_BYTES = 1 << 16
# Upper bounds (seconds) of the latency histogram's buckets; the last one catches the rest.
LATENCY_BUCKETS: tuple[float, ...] = (0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, float("inf"))


class _Gone(Exception):
    """Internal: the worker died (or its socket broke) during the job."""


@dataclass(frozen=True)
class PoolStats:
    """Counters since the pool was created (or since the fork that made this process).

    calls: jobs submitted. timeouts: jobs killed at their deadline. busy: calls that found no
    worker in time. errors: jobs that raised or whose worker died twice. retries: jobs rerun on a
    fresh worker after their worker died. restarts: workers started to replace a killed or dead
    one. retired: idle workers ended after `idle_timeout`. latency_histogram: (upper bound in
    seconds, count) per bucket, whole-call latency.
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


@dataclass
class _Worker:
    pid: int
    channel: socket.socket
    idle_since: float = 0.0


class WatchdogPool:
    """Run picklable top-level functions in killable worker processes.

    size: most workers alive at once (default: `worker_budget()`). timeout: default seconds a job
    may run. memory_limit_mb: default RLIMIT_AS of a job's worker (0 for none). preload: modules
    the zygote imports before forking workers (entries "module:function" also call that function,
    e.g. a warm-up). start_timeout: seconds a call without a deadline may wait for the zygote to
    start. idle_timeout: seconds after which a worker without a job ends.
    """

    def __init__(
        self,
        size: int | None = None,
        timeout: float = 2.0,
        memory_limit_mb: int = 1024,
        preload: Sequence[str] = (),
        start_timeout: float = 60.0,
        idle_timeout: float = 60.0,
    ) -> None:
        size = worker_budget() if size is None else size
        if size < 1:
            raise ValueError(f"pool size must be at least 1, got {size}")
        if not timeout > 0 or not start_timeout > 0 or not idle_timeout > 0:
            raise ValueError("timeout, start_timeout and idle_timeout must be positive")
        self.size = size
        self.timeout = float(timeout)
        self.memory_limit_mb = int(memory_limit_mb)
        self.preload = tuple(preload)
        self.start_timeout = float(start_timeout)
        self.idle_timeout = float(idle_timeout)
        self._init_state()
        _POOLS.add(self)

    def _init_state(self) -> None:
        self._owner_pid = os.getpid()
        self._lock = threading.Lock()
        self._available = threading.Condition(self._lock)
        self._zygote_lock = threading.Lock()
        self._zygote: Zygote | None = None
        self._idle: list[_Worker] = []  # oldest release first; calls take the newest
        self._stopping: list[_Worker] = []  # stopped, their processes not yet ended; still in _live
        self._live = 0
        self._replacements_due = 0
        self._closed = False
        self._counts = dict.fromkeys(("calls", "timeouts", "busy", "errors", "retries", "restarts", "retired"), 0)
        self._started = 0
        self._histogram = [0] * len(LATENCY_BUCKETS)

    # ---------------------------------------------------------------- public API

    def start(self) -> None:
        """Launch the zygote now, without waiting for it, so the first call finds it warm."""
        self._check_owner()
        with self._zygote_lock:
            if self._zygote is None and not self._closed:
                self._zygote = Zygote(self.preload, self.idle_timeout)

    def call(
        self,
        function: Callable[..., Any],
        *args: Any,
        timeout: float | None = None,
        memory_limit_mb: int | None = None,
        deadline: float | None = None,
    ) -> Any:
        """`function(*args)` run in a worker; its return value.

        timeout: seconds the job may run once it has a worker (default: the pool's); without a
        deadline, also how long the call may wait for a free worker. memory_limit_mb: the job's
        RLIMIT_AS (default: the pool's). deadline: a `time.monotonic()` instant bounding the whole
        call, waiting included; the job's limit is cut to it. Raises JobTimeout (the job ran past
        its limit), PoolBusy (no worker in time, or waiting left the job less than its own limit
        and it ran out), WorkerError (the job raised), WorkerDied, or PoolClosed.
        """
        self._check_owner()
        job_timeout = self.timeout if timeout is None else float(timeout)
        memory_mb = self.memory_limit_mb if memory_limit_mb is None else int(memory_limit_mb)
        # Pickled before a worker is taken, so an unpicklable job raises here and holds nothing.
        payload = pickle.dumps((function, args, memory_mb * 2**20), protocol=pickle.HIGHEST_PROTOCOL)
        started = time.monotonic()
        slot_until = deadline if deadline is not None else started + job_timeout
        ready_until = deadline if deadline is not None else started + self.start_timeout
        self._count("calls")
        try:
            return self._call(payload, job_timeout, started, slot_until, ready_until, deadline)
        except JobTimeout:
            self._count("timeouts")
            raise
        except PoolBusy:
            self._count("busy")
            raise
        except WorkerError:
            self._count("errors")
            raise
        finally:
            self._record_latency(time.monotonic() - started)

    def stats(self) -> PoolStats:
        """A snapshot of the counters."""
        with self._lock:
            return PoolStats(
                **self._counts,
                workers_started=self._started,
                latency_histogram=tuple(zip(LATENCY_BUCKETS, self._histogram)),
            )

    def worker_pids(self) -> list[int]:
        """Pids of the idle workers (for tests and diagnostics)."""
        with self._lock:
            return [worker.pid for worker in self._idle]

    @property
    def zygote_pid(self) -> int | None:
        """Pid of the zygote process, or None before it is started."""
        return self._zygote.pid if self._zygote is not None else None

    @property
    def closed(self) -> bool:
        """Whether `close()` was called (in this process)."""
        return self._closed

    def close(self) -> None:
        """Kill the zygote and every worker and reap the zygote. Idempotent; later calls raise PoolClosed."""
        self._check_owner()
        with self._lock:
            self._closed = True
            ending, self._idle, self._stopping = self._idle + self._stopping, [], []
            self._available.notify_all()
        for worker in ending:
            worker.channel.close()
        with self._zygote_lock:
            self._stop_zygote()

    def __enter__(self) -> WatchdogPool:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    # ---------------------------------------------------------------- one call

    def _call(
        self,
        payload: bytes,
        job_timeout: float,
        started: float,
        slot_until: float,
        ready_until: float,
        deadline: float | None,
    ) -> Any:
        for attempt in range(2):
            worker = self._acquire(slot_until, ready_until)
            begun = time.monotonic()
            limit = job_timeout if deadline is None else min(job_timeout, deadline - begun)
            # Of its own limit, the job lost to the deadline at most what the wait took. A job killed
            # after losing more than a tenth that way was not judged fairly: busy, not timed out.
            lost_to_wait = min(begun - started, job_timeout - limit)
            if limit <= 0:
                self._release(worker)
                raise PoolBusy(f"waited {begun - started:.3f} s for a worker; no time was left for the job")
            try:
                return self._run(worker, payload, limit)
            except JobTimeout:
                if lost_to_wait > _FAIR_SHARE_LOST * job_timeout:
                    raise PoolBusy(
                        f"waited {begun - started:.3f} s for a worker, so the job had {limit:.3f} s "
                        f"of its {job_timeout:.3f} s and ran out"
                    ) from None
                raise
            except _Gone as exc:
                if attempt:
                    raise WorkerDied(f"{exc}, and again on a fresh worker") from None
                self._count("retries")
        raise AssertionError("unreachable")

    # ---------------------------------------------------------------- workers

    def _acquire(self, slot_until: float, ready_until: float) -> _Worker:
        with self._lock:
            while True:
                if self._closed:
                    raise PoolClosed("the worker pool is closed")
                self._retire_idle()
                self._free_ended()
                if self._idle:
                    return self._idle.pop()
                if self._live < self.size:
                    self._live += 1
                    break
                remaining = slot_until - time.monotonic()
                if remaining <= 0:
                    raise PoolBusy(f"all {self.size} workers stayed busy until the caller's limit")
                # Nothing signals a stopped worker's end, so while one holds a slot we look again soon.
                self._available.wait(min(remaining, _EXIT_POLL) if self._stopping else remaining)
        try:
            return self._spawn(ready_until)
        except BaseException:
            with self._lock:
                self._live -= 1
                self._available.notify()
            raise

    def _retire_idle(self) -> None:
        """End workers idle past `idle_timeout` (called with the lock held). The worker also ends
        itself a little later (see zygote.py), so one never given another job still goes."""
        cutoff = time.monotonic() - self.idle_timeout
        while self._idle and self._idle[0].idle_since < cutoff:
            self._stop(self._idle.pop(0))
            self._counts["retired"] += 1

    def _stop(self, worker: _Worker) -> None:
        """SIGKILL `worker` unless it has already exited, keeping its slot until its process has
        ended (called with the lock held; never waits).

        Its end of the channel is the proof: only the worker holds it (the zygote closes its copy
        before handing ours over), and the kernel closes it when the process exits, after freeing
        its memory. Killing only while that end is open also means the pid cannot have been reused."""
        if not _has_exited(worker):
            _kill(worker.pid)
        self._stopping.append(worker)
        self._free_ended()

    def _free_ended(self) -> None:
        """Free the slots of stopped workers whose processes have ended (called with the lock held)."""
        for worker in [worker for worker in self._stopping if _has_exited(worker)]:
            self._stopping.remove(worker)
            worker.channel.close()
            self._live -= 1

    def _release(self, worker: _Worker) -> None:
        with self._lock:
            if self._closed:
                worker.channel.close()
                return
            worker.idle_since = time.monotonic()
            self._idle.append(worker)
            self._retire_idle()
            self._available.notify()

    def _discard(self, worker: _Worker) -> None:
        """Stop a worker that failed or must not be reused; an acquire forks a replacement once it has ended."""
        with self._lock:
            if self._closed:  # close() ended the zygote and with it every worker
                worker.channel.close()
                return
            self._stop(worker)
            self._replacements_due += 1
            self._available.notify()

    def _run(self, worker: _Worker, payload: bytes, limit: float) -> Any:
        cpu_before = _cpu_seconds(worker.pid)  # a persistent worker's CPU counts its earlier jobs too
        try:
            worker.channel.settimeout(limit)
            send_payload(worker.channel, payload)
            status, value, retire = receive_message(worker.channel)
        except TimeoutError:
            cpu_after = _cpu_seconds(worker.pid)
            cpu = None if cpu_before is None or cpu_after is None else round(cpu_after - cpu_before, 3)
            self._discard(worker)
            raise JobTimeout(
                f"job ran past its {limit:.3f} s limit (CPU {cpu if cpu is not None else '?'} s); "
                f"worker {worker.pid} killed",
                cpu_seconds=cpu,
            ) from None
        except (EOFError, OSError) as exc:
            self._discard(worker)
            raise _Gone(f"worker {worker.pid} died during the job ({type(exc).__name__})") from None
        if retire:
            self._discard(worker)
        else:
            self._release(worker)
        if status != "ok":
            raise WorkerError(value)
        return value

    def _spawn(self, ready_until: float) -> _Worker:
        if not self._zygote_lock.acquire(timeout=max(0.0, ready_until - time.monotonic())):
            raise PoolBusy("the worker pool is busy starting workers")
        try:
            if self._closed:
                raise PoolClosed("the worker pool is closed")
            for attempt in range(2):
                if self._zygote is None or not self._zygote.alive():
                    self._stop_zygote()
                    self._zygote = Zygote(self.preload, self.idle_timeout)
                try:
                    self._zygote.wait_ready(ready_until, time.monotonic())
                    pid, channel = self._zygote.fork_worker()
                    break
                except (EOFError, OSError, struct.error):
                    if attempt:
                        raise WorkerError("the zygote process failed to fork a worker") from None
                    self._stop_zygote()
        finally:
            self._zygote_lock.release()
        with self._lock:
            self._started += 1
            if self._replacements_due:
                self._replacements_due -= 1
                self._counts["restarts"] += 1
        return _Worker(pid=pid, channel=channel)

    def _stop_zygote(self) -> None:
        zygote, self._zygote = self._zygote, None
        if zygote is not None:
            zygote.stop()

    def _count(self, name: str) -> None:
        with self._lock:
            self._counts[name] += 1

    def _record_latency(self, seconds: float) -> None:
        with self._lock:
            self._histogram[bisect.bisect_left(LATENCY_BUCKETS, seconds)] += 1

    # ---------------------------------------------------------------- fork safety

    def _check_owner(self) -> None:
        # The at-fork hook normally did this already; a fork that bypassed it (a raw syscall) did not.
        if os.getpid() != self._owner_pid:
            self._forget_inherited()

    def _forget_inherited(self) -> None:
        """In a forked child: drop the parent's processes, sockets and locks (without touching the processes)."""
        for worker in self._idle + self._stopping:
            worker.channel.close()
        if self._zygote is not None:
            self._zygote.forget()
        self._init_state()


def _has_exited(worker: _Worker) -> bool:
    """Whether the worker's process has exited: its end of the channel is closed. Never waits;
    discards what it sent that was never read (a killed job's partial reply)."""
    worker.channel.setblocking(False)  # a stopped worker's channel carries no more jobs
    try:
        while worker.channel.recv(_DRAIN_BYTES):
            pass
    except BlockingIOError:
        return False
    except OSError:  # ECONNRESET: it exited with part of our job unread
        return True
    return True


def _cpu_seconds(pid: int) -> float | None:
    """User plus system CPU seconds of a live process (Linux /proc), or None."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            fields = handle.read().rsplit(b")", 1)[1].split()
        return round((int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK"), 3)
    except (OSError, ValueError, IndexError):
        return None


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


_POOLS: weakref.WeakSet[WatchdogPool] = weakref.WeakSet()


def _after_fork_in_child() -> None:
    # A lock held by another thread at fork time would stay held forever in the child.
    for pool in list(_POOLS):
        pool._forget_inherited()


def _close_all_at_exit() -> None:
    # After a fork every pool belongs to the child (its own, fresh state), so this ends only
    # what this process started, never its parent's workers.
    for pool in list(_POOLS):
        if pool._owner_pid == os.getpid():
            pool.close()


os.register_at_fork(after_in_child=_after_fork_in_child)
atexit.register(_close_all_at_exit)
