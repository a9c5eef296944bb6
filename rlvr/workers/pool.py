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
- workers start lazily, up to `size` and within the process's worker budget (shared with every
  other pool, see rlvr/workers/slots.py), and retire after `idle_timeout` seconds without a job;
- `size` bounds live worker processes, not just handed-out slots: a worker that is killed,
  retired or dies keeps its slot until its process has ended (`_Worker.ended`), so its
  replacement is never forked while it still holds memory or a core;
- a worker that dies during a job (not at its deadline) costs one retry on a fresh worker, then
  `WorkerDied`; waiting for a free worker is not charged to the job: a caller that gets none in
  time gets `PoolBusy`, never `JobTimeout`;
- a closed pool refuses work (`PoolClosed`); `shared_pool` replaces it; nothing prints at
  interpreter exit;
- no zombies or orphans: workers are reaped by the zygote (SIGCHLD ignored), the zygote by
  `close()`; `close()` runs at interpreter exit, and if this process dies the zygote sees its
  control socket close and kills its process group (itself and every worker).
"""

from __future__ import annotations

import os
import pickle
import signal
import socket
import struct
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from rlvr.workers.budget import worker_budget
from rlvr.workers.errors import PoolBusy, PoolClosed, WorkerError, WorkerLost
from rlvr.workers.protocol import receive_message, send_payload
from rlvr.workers.slots import PoolStats, Slots, supervise
from rlvr.workers.spawner import Zygote

_DRAIN_BYTES = 1 << 16


@dataclass(eq=False)
class _Worker:
    """A zygote-forked worker: its pid and our end of its channel (the `Handle` of slots.py)."""

    pid: int
    channel: socket.socket
    idle_since: float = 0.0

    def kill(self) -> None:
        # Killing only while its end of the channel is open means the pid cannot have been reused.
        if not self.ended():
            _kill(self.pid)

    def ended(self) -> bool:
        """Whether the process has exited: its end of the channel is closed. Only the worker
        holds it (the zygote closes its copy before handing ours over), and the kernel closes it
        when the process exits, after freeing its memory. Never waits; discards what it sent
        that was never read (a killed job's partial reply)."""
        try:
            self.channel.setblocking(False)  # a stopped worker's channel carries no more jobs
            while self.channel.recv(_DRAIN_BYTES):
                pass
        except BlockingIOError:
            return False
        except OSError:  # ECONNRESET: it exited with part of our job unread (or we closed it)
            return True
        return True

    def close(self) -> None:
        self.channel.close()

    forget = close


class WatchdogPool:
    """Run picklable top-level functions in killable worker processes.

    size: most workers alive at once (default: `worker_budget()`; every pool of the process also
    draws from that one budget). timeout: default seconds a job may run. memory_limit_mb: default
    RLIMIT_AS of a job's worker (0 for none). preload: modules the zygote imports before forking
    workers (entries "module:function" also call that function, e.g. a warm-up). start_timeout:
    seconds a call may wait for a new worker (the zygote's imports on a cold pool), charged to no
    job and to no deadline. idle_timeout: seconds after which a worker without a job ends.
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
        self._slots: Slots[_Worker] = Slots(size, self.idle_timeout)
        self._init_state()
        supervise(self)

    def _init_state(self) -> None:
        self._owner_pid = os.getpid()
        self._zygote_lock = threading.Lock()
        self._zygote: Zygote | None = None

    # ---------------------------------------------------------------- public API

    def start(self) -> None:
        """Launch the zygote now, without waiting for it, so the first call finds it warm."""
        self._check_owner()
        with self._zygote_lock:
            if self._zygote is None and not self._slots.closed:
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
        call, waiting included; the job's limit is cut to it. Starting a worker (up to
        `start_timeout`: the zygote's imports on a cold pool) is charged to nothing: it moves
        the deadline by what it took. Raises JobTimeout (the job ran past
        its limit), PoolBusy (no worker in time, or waiting left the job less than its own limit
        and it ran out), WorkerError (the job raised), WorkerDied, or PoolClosed.
        """
        self._check_owner()
        job_timeout = self.timeout if timeout is None else float(timeout)
        memory_mb = self.memory_limit_mb if memory_limit_mb is None else int(memory_limit_mb)
        # Pickled before a worker is taken, so an unpicklable job raises here and holds nothing.
        payload = pickle.dumps((function, args, memory_mb * 2**20), protocol=pickle.HIGHEST_PROTOCOL)
        started = time.monotonic()
        wait_until = deadline if deadline is not None else started + job_timeout
        status, value = self._slots.run(
            lambda: self._spawn(time.monotonic() + self.start_timeout),
            lambda worker, limit: self._run(worker, payload, limit),
            job_timeout,
            wait_until,
            deadline,
        )
        if status != "ok":
            self._slots.count("errors")
            raise WorkerError(value)
        return value

    def stats(self) -> PoolStats:
        """A snapshot of the counters."""
        return self._slots.stats()

    def worker_pids(self) -> list[int]:
        """Pids of the idle workers (for tests and diagnostics)."""
        return [worker.pid for worker in self._slots.idle()]

    @property
    def zygote_pid(self) -> int | None:
        """Pid of the zygote process, or None before it is started."""
        return self._zygote.pid if self._zygote is not None else None

    @property
    def closed(self) -> bool:
        """Whether `close()` was called (in this process)."""
        return self._slots.closed

    @property
    def owner_pid(self) -> int:
        """The process this pool's workers belong to."""
        return self._owner_pid

    def close(self) -> None:
        """Kill the zygote and every worker and reap the zygote. Idempotent; later calls raise PoolClosed."""
        self._check_owner()
        self._slots.close(self._end)

    def _end(self, running: list[_Worker], resting: list[_Worker]) -> None:
        # A running worker's channel is its caller's to close: the zygote's end kills the worker,
        # and the caller's wait for a reply ends at once.
        for worker in resting:
            worker.close()
        with self._zygote_lock:
            self._stop_zygote()

    def __enter__(self) -> WatchdogPool:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    # ---------------------------------------------------------------- workers

    def _run(self, worker: _Worker, payload: bytes, limit: float) -> tuple[tuple[str, Any], bool]:
        """One job on `worker`: ((status, value), whether the worker may be reused); WorkerLost
        when it died or ran past `limit` (then it is killed: the core stops it)."""
        cpu_before = _cpu_seconds(worker.pid)  # a persistent worker's CPU counts its earlier jobs too
        try:
            worker.channel.settimeout(limit)
            send_payload(worker.channel, payload)
            status, value, retire = receive_message(worker.channel)
        except TimeoutError:
            cpu_after = _cpu_seconds(worker.pid)
            cpu = None if cpu_before is None or cpu_after is None else round(cpu_after - cpu_before, 3)
            raise WorkerLost(
                f"job ran past its {limit:.3f} s limit (CPU {cpu if cpu is not None else '?'} s); "
                f"worker {worker.pid} killed",
                overran=True,
                cpu_seconds=cpu,
            ) from None
        except (EOFError, OSError) as exc:
            raise WorkerLost(f"worker {worker.pid} died during the job ({type(exc).__name__})", overran=False) from None
        return (status, value), not retire

    def _spawn(self, ready_until: float) -> _Worker:
        if not self._zygote_lock.acquire(timeout=max(0.0, ready_until - time.monotonic())):
            raise PoolBusy("the worker pool is busy starting workers")
        try:
            if self._slots.closed:
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
        return _Worker(pid=pid, channel=channel)

    def _stop_zygote(self) -> None:
        zygote, self._zygote = self._zygote, None
        if zygote is not None:
            zygote.stop()

    # ---------------------------------------------------------------- fork safety

    def _check_owner(self) -> None:
        # The at-fork hook normally did this already; a fork that bypassed it (a raw syscall) did not.
        if os.getpid() != self._owner_pid:
            self._forget_inherited()

    def _forget_inherited(self) -> None:
        """In a forked child: drop the parent's processes, sockets and locks (without touching the processes)."""
        self._slots.forget()
        if self._zygote is not None:
            self._zygote.forget()
        self._init_state()


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _cpu_seconds(pid: int) -> float | None:
    """User plus system CPU seconds of a live process (Linux /proc), or None."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            fields = handle.read().rsplit(b")", 1)[1].split()
        return round((int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK"), 3)
    except (OSError, ValueError, IndexError):
        return None
