"""`WatchdogPool`: persistent worker processes, killed and replaced when a job runs past its deadline.

Why not `concurrent.futures`: `future.result(timeout=...)` returns to the caller but leaves the
hung computation running, so hung sympy calls pile up and starve every later call. Here the
calling thread waits on its worker's socket and, at the deadline, SIGKILLs that worker; the next
call that needs a worker forks a fresh one from the zygote (see zygote.py).

Guarantees:
- any thread, several threads at once: each call holds one worker exclusively;
- fork-safe: in a child forked from a process that uses a pool, the pool forgets the inherited
  processes and locks and starts its own zygote on first use (it never touches the parent's);
- each worker runs under RLIMIT_AS (`memory_limit_mb`), so a memory bomb ends only that worker;
- no zombies or orphans: workers are reaped by the zygote (SIGCHLD ignored), the zygote by
  `close()`; `close()` runs at interpreter exit, and if this process dies the zygote sees its
  control socket close and kills its process group (itself and every worker).
"""

from __future__ import annotations

import atexit
import bisect
import json
import os
import pickle
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from rlvr.workers.protocol import receive_message, send_payload

# Upper bounds (seconds) of the latency histogram's buckets; the last one catches the rest.
LATENCY_BUCKETS: tuple[float, ...] = (0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, float("inf"))
_PID = struct.Struct("!q")
# A fork of a warm zygote takes milliseconds; this bound only catches a wedged zygote.
_SPAWN_REPLY_LIMIT = 10.0
_ZYGOTE_EXIT_LIMIT = 5.0
_ZYGOTE_COMMAND = (
    "import json, sys; sys.path[:] = json.loads(sys.argv[2]); from rlvr.workers.zygote import main; main()"
)


class JobTimeout(Exception):
    """The job ran past its deadline (its worker was killed), or no worker was free in time."""


class WorkerError(Exception):
    """The job raised in its worker, or the worker died while running it."""


@dataclass(frozen=True)
class PoolStats:
    """Counters since the pool was created (or since the fork that made this process).

    calls: jobs submitted. timeouts: jobs killed at their deadline (or that found no worker in time).
    errors: jobs that raised or whose worker died. restarts: workers started to replace a killed
    or dead one. latency_histogram: (upper bound in seconds, count) per bucket, whole-call latency.
    """

    calls: int
    timeouts: int
    errors: int
    restarts: int
    workers_started: int
    latency_histogram: tuple[tuple[float, int], ...]


@dataclass
class _Worker:
    pid: int
    channel: socket.socket


class WatchdogPool:
    """Run picklable top-level functions in killable worker processes.

    size: most workers alive at once. timeout: default seconds a job may run.
    memory_limit_mb: RLIMIT_AS of each worker (0 for none). preload: modules the zygote imports
    before forking workers (entries "module:function" also call that function, e.g. a warm-up).
    start_timeout: default seconds a call may wait for the zygote to start and a worker to be free.
    """

    def __init__(
        self,
        size: int = 2,
        timeout: float = 2.0,
        memory_limit_mb: int = 1024,
        preload: Sequence[str] = (),
        start_timeout: float = 60.0,
    ) -> None:
        if size < 1:
            raise ValueError(f"pool size must be at least 1, got {size}")
        if not timeout > 0 or not start_timeout > 0:
            raise ValueError("timeout and start_timeout must be positive")
        self.size = size
        self.timeout = float(timeout)
        self.memory_limit_mb = int(memory_limit_mb)
        self.preload = tuple(preload)
        self.start_timeout = float(start_timeout)
        self._init_state()
        _POOLS.add(self)

    def _init_state(self) -> None:
        self._owner_pid = os.getpid()
        self._lock = threading.Lock()
        self._available = threading.Condition(self._lock)
        self._zygote_lock = threading.Lock()
        self._zygote: subprocess.Popen | None = None
        self._control: socket.socket | None = None
        self._zygote_ready = False
        self._idle: list[_Worker] = []
        self._live = 0
        self._replacements_due = 0
        self._closed = False
        self._calls = self._timeouts = self._errors = self._restarts = self._started = 0
        self._histogram = [0] * len(LATENCY_BUCKETS)

    # ---------------------------------------------------------------- public API

    def start(self) -> None:
        """Launch the zygote now, without waiting for it, so the first call finds it warm."""
        self._check_owner()
        with self._zygote_lock:
            if self._zygote is None and not self._closed:
                self._launch_zygote()

    def call(
        self, function: Callable[..., Any], *args: Any, timeout: float | None = None, deadline: float | None = None
    ) -> Any:
        """`function(*args)` run in a worker; its return value.

        timeout: seconds the job may run (default: the pool's). deadline: a `time.monotonic()`
        instant bounding the whole call, waiting for a worker included; the job's own limit is
        cut to it. Raises JobTimeout (the worker was killed, or none was free in time),
        WorkerError (the job raised, or its worker died) or RuntimeError (pool closed).
        """
        self._check_owner()
        # Pickled before a worker is taken, so an unpicklable job raises here and holds nothing.
        payload = pickle.dumps((function, args), protocol=pickle.HIGHEST_PROTOCOL)
        started = time.monotonic()
        wait_until = deadline if deadline is not None else started + self.start_timeout
        with self._lock:
            self._calls += 1
        try:
            worker = self._acquire(wait_until)
            job_limit = min(self.timeout if timeout is None else timeout, wait_until - time.monotonic())
            return self._run(worker, payload, job_limit)
        except JobTimeout:
            with self._lock:
                self._timeouts += 1
            raise
        except WorkerError:
            with self._lock:
                self._errors += 1
            raise
        finally:
            self._record_latency(time.monotonic() - started)

    def stats(self) -> PoolStats:
        """A snapshot of the counters."""
        with self._lock:
            return PoolStats(
                calls=self._calls,
                timeouts=self._timeouts,
                errors=self._errors,
                restarts=self._restarts,
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

    def close(self) -> None:
        """Kill the zygote and every worker and reap the zygote. Idempotent; later calls raise."""
        if os.getpid() != self._owner_pid:
            self._forget_inherited()
            return
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
            self._available.notify_all()
        for worker in idle:
            worker.channel.close()
        with self._zygote_lock:
            self._stop_zygote()

    def __enter__(self) -> WatchdogPool:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    # ---------------------------------------------------------------- workers

    def _acquire(self, wait_until: float) -> _Worker:
        with self._lock:
            while True:
                if self._closed:
                    raise RuntimeError("the worker pool is closed")
                if self._idle:
                    return self._idle.pop()
                if self._live < self.size:
                    self._live += 1
                    break
                remaining = wait_until - time.monotonic()
                if remaining <= 0:
                    raise JobTimeout("no worker became free before the deadline")
                self._available.wait(remaining)
        try:
            return self._spawn(wait_until)
        except BaseException:
            self._discard(None)
            raise

    def _release(self, worker: _Worker) -> None:
        with self._lock:
            if self._closed:
                worker.channel.close()
                return
            self._idle.append(worker)
            self._available.notify()

    def _discard(self, worker: _Worker | None, kill: bool = False) -> None:
        """Forget a worker slot (and kill its process); the next acquire forks a replacement."""
        if worker is not None:
            if kill:
                _kill(worker.pid)
            worker.channel.close()
        with self._lock:
            self._live -= 1
            if worker is not None:
                self._replacements_due += 1
            self._available.notify()

    def _run(self, worker: _Worker, payload: bytes, limit: float) -> Any:
        if limit <= 0:
            self._release(worker)
            raise JobTimeout("the deadline passed before the job could start")
        try:
            worker.channel.settimeout(limit)
            send_payload(worker.channel, payload)
            status, value, retire = receive_message(worker.channel)
        except TimeoutError:
            self._discard(worker, kill=True)
            raise JobTimeout(f"job ran past its {limit:.3f} s deadline; worker {worker.pid} killed") from None
        except (EOFError, OSError) as exc:
            self._discard(worker, kill=True)
            raise WorkerError(f"worker {worker.pid} died during the job ({type(exc).__name__})") from None
        if retire:
            self._discard(worker, kill=True)
        else:
            self._release(worker)
        if status != "ok":
            raise WorkerError(value)
        return value

    def _spawn(self, wait_until: float) -> _Worker:
        if not self._zygote_lock.acquire(timeout=max(0.0, wait_until - time.monotonic())):
            raise JobTimeout("the worker pool is busy starting workers")
        try:
            if self._closed:
                raise RuntimeError("the worker pool is closed")
            for attempt in range(2):
                if self._zygote is None or self._zygote.poll() is not None:
                    self._stop_zygote()
                    self._launch_zygote()
                try:
                    self._wait_ready(wait_until)
                    worker = self._fork_worker()
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
                self._restarts += 1
        return worker

    def _launch_zygote(self) -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        command = [
            sys.executable,
            "-c",
            _ZYGOTE_COMMAND,
            str(theirs.fileno()),
            json.dumps(sys.path),
            json.dumps(list(self.preload)),
            str(self.memory_limit_mb * 2**20),
        ]
        try:
            self._zygote = subprocess.Popen(
                command,
                pass_fds=(theirs.fileno(),),
                start_new_session=True,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
            )
        finally:
            theirs.close()
        self._control = ours
        self._zygote_ready = False

    def _wait_ready(self, wait_until: float) -> None:
        if self._zygote_ready:
            return
        assert self._control is not None
        remaining = wait_until - time.monotonic()
        if remaining <= 0:
            raise JobTimeout("the worker zygote is still starting")
        self._control.settimeout(remaining)
        try:
            message = self._control.recv(16)
        except TimeoutError:
            raise JobTimeout("the worker zygote is still starting") from None
        if message != b"ready":
            raise EOFError("the worker zygote exited while starting")
        self._zygote_ready = True

    def _fork_worker(self) -> _Worker:
        assert self._control is not None
        self._control.settimeout(_SPAWN_REPLY_LIMIT)
        self._control.send(b"spawn")
        message, fds, _flags, _address = socket.recv_fds(self._control, _PID.size, 1)
        if len(fds) != 1:
            raise EOFError("the zygote sent no worker channel")
        (pid,) = _PID.unpack(message)
        return _Worker(pid=pid, channel=socket.socket(fileno=fds[0]))

    def _stop_zygote(self) -> None:
        if self._control is not None:
            self._control.close()
            self._control = None
        zygote, self._zygote = self._zygote, None
        self._zygote_ready = False
        if zygote is None:
            return
        try:
            # Closing the control socket tells the zygote to end its workers and exit.
            zygote.wait(timeout=_ZYGOTE_EXIT_LIMIT)
        except subprocess.TimeoutExpired:
            # Our unreaped child keeps its pid (and process group id) reserved, so this cannot hit a stranger.
            os.killpg(zygote.pid, signal.SIGKILL)
            zygote.wait()

    def _record_latency(self, seconds: float) -> None:
        with self._lock:
            self._histogram[bisect.bisect_left(LATENCY_BUCKETS, seconds)] += 1

    # ---------------------------------------------------------------- fork safety

    def _check_owner(self) -> None:
        if os.getpid() != self._owner_pid:
            self._forget_inherited()

    def _forget_inherited(self) -> None:
        """In a forked child: drop the parent's processes and locks (without touching them)."""
        for worker in self._idle:
            worker.channel.close()
        if self._control is not None:
            self._control.close()
        if self._zygote is not None:
            # Not our child: never wait for it (Popen would otherwise try at garbage collection).
            self._zygote.returncode = 0
        self._init_state()


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
    for pool in list(_POOLS):
        if pool._owner_pid == os.getpid():
            pool.close()


os.register_at_fork(after_in_child=_after_fork_in_child)
atexit.register(_close_all_at_exit)
