"""A pool of pre-started sandbox workers, safe to use from many threads at once.

Each worker is one long-lived sandbox (see worker.py) that runs one job at a time; a thread
takes an idle worker, sends it the program and its tests, and gets every test's outcome back.
Starting the interpreter and the namespaces is paid once per worker; each program then costs
a couple of forks (see harness.py for when tests share a child). A worker that overruns its
job's budget is killed and replaced.
"""

from __future__ import annotations

import atexit
import os
import queue
import select
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import IO, cast

from rlvr.sandbox import wire
from rlvr.sandbox.isolation import WORKER_ENV, Isolation, detect, sandbox_uid, worker_command
from rlvr.sandbox.limits import Limits
from rlvr.sandbox.result import AssertTest, CallTest, RunResult, StdioTest, TestOutcome
from rlvr.workers.budget import worker_budget

Test = StdioTest | CallTest | AssertTest
DEFAULT_LIMITS = Limits()
LANGUAGES = ("python",)
WORKER_SCRIPT = str(Path(__file__).with_name("worker.py"))
# Seconds kept back from a job's budget for the messages and clean-up around the tests.
BUDGET_MARGIN = 0.3
HOST_GRACE = 0.5


_SPAWNER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="rlvr-sandbox-spawner")


class WorkerLost(Exception):
    """The worker died or overran; it has been killed."""


class Worker:
    """One sandbox worker process and its pipes."""

    def __init__(self, slot: int, isolation: Isolation) -> None:
        self.slot = slot
        self.uid = sandbox_uid()
        self.tmp_root = "/tmp" if isolation.level == "namespaces" else tempfile.mkdtemp(prefix="rlvr-sandbox-")
        if isolation.level != "namespaces":
            os.chmod(self.tmp_root, 0o711)
        command = worker_command(isolation, sys.executable, WORKER_SCRIPT, slot, self.tmp_root, self.uid)
        # bubblewrap's --die-with-parent fires when the *thread* that started it exits, so every
        # worker is started from one thread that lives as long as the process.
        self.process = _SPAWNER.submit(
            subprocess.Popen,
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=WORKER_ENV,
            start_new_session=True,
            cwd="/",
        ).result()
        # Both pipes were asked for, so Popen's Optional streams are set.
        self.stdin, self.stdout = cast(IO[bytes], self.process.stdin), cast(IO[bytes], self.process.stdout)
        self.buffer = b""

    def run(self, job: dict, deadline: float) -> dict:
        """Send one job and wait for its reply until `deadline` (monotonic)."""
        try:
            wire.write_frame(self.stdin.fileno(), wire.dumps(job))
            return wire.loads(self._read_frame(deadline))
        except (OSError, ValueError, wire.WireError) as exc:
            self.kill()
            raise WorkerLost(f"sandbox worker failed: {exc}") from None

    def _read_frame(self, deadline: float) -> bytes:
        fd = self.stdout.fileno()
        while True:
            if len(self.buffer) >= 4:
                size = int.from_bytes(self.buffer[:4], "big")
                if len(self.buffer) >= 4 + size:
                    frame, self.buffer = self.buffer[4 : 4 + size], self.buffer[4 + size :]
                    return frame
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([fd], [], [], remaining)[0]:
                raise OSError("the worker overran its time budget")
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                raise OSError("the worker exited")
            self.buffer += chunk

    def kill(self) -> None:
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except OSError:
            pass
        self.process.wait()
        for stream in (self.stdin, self.stdout):
            stream.close()


class SandboxPool:
    """Runs programs against tests in sandbox workers; `run` may be called from any thread.

    size: workers (default: `rlvr.workers.budget.worker_budget()`). allow_weak_isolation: accept running
    without namespaces when bubblewrap is unavailable (otherwise SandboxUnavailable is raised).
    isolation: force a level found by `detect` (benchmarks compare the levels with it).
    """

    def __init__(
        self, size: int | None = None, allow_weak_isolation: bool = False, isolation: Isolation | None = None
    ) -> None:
        self.isolation = isolation or detect(allow_weak_isolation)
        self.size = size or worker_budget()
        self._idle: queue.LifoQueue[Worker] = queue.LifoQueue()
        self._lock = threading.Lock()
        self._workers = [Worker(slot, self.isolation) for slot in range(self.size)]
        for worker in self._workers:
            self._idle.put(worker)
        self._closed = False

    def run(
        self,
        program: str,
        tests: Sequence[Test],
        limits: Limits = DEFAULT_LIMITS,
        timeout: float = 30.0,
        language: str = "python",
    ) -> RunResult:
        """Run every test against `program` in sandboxed children (see harness.run_job) within
        `timeout` seconds in total, including any wait for a free worker. Never raises for anything
        the program does."""
        if language not in LANGUAGES:
            raise ValueError(f"language {language!r} is not supported; supported: {list(LANGUAGES)}")
        started = time.monotonic()
        deadline = started + timeout
        isolation = self.isolation.as_dict()
        try:
            worker = self._idle.get(timeout=max(0.0, timeout - BUDGET_MARGIN))
        except queue.Empty:
            return self._failed(tests, isolation, started, "no sandbox worker became free within the time budget")
        try:
            budget = deadline - time.monotonic() - BUDGET_MARGIN
            if budget <= 0:
                return self._failed(tests, isolation, started, "the time budget ran out before the tests started")
            job = {
                "program": program,
                "tests": [t.to_wire() for t in tests],
                "limits": limits.to_wire(),
                "budget": budget,
            }
            reply = worker.run(job, deadline + HOST_GRACE)
        except WorkerLost as exc:
            worker = self._replace(worker)
            return self._failed(tests, isolation, started, str(exc))
        finally:
            self._idle.put(worker)
        outcomes = tuple(TestOutcome.from_wire(item) for item in reply["tests"])
        return RunResult(outcomes, isolation, time.monotonic() - started)

    def _replace(self, worker: Worker) -> Worker:
        with self._lock:
            fresh = Worker(worker.slot, self.isolation)
            self._workers[worker.slot] = fresh
            return fresh

    @staticmethod
    def _failed(tests: Sequence[Test], isolation: dict, started: float, error: str) -> RunResult:
        outcomes = tuple(TestOutcome(passed=False, ran=False, timed_out=True, error=error) for _ in tests)
        return RunResult(outcomes, isolation, time.monotonic() - started, error)

    def uids(self) -> list[int]:
        """The uids the workers' children run as (meaningful when isolation.uid_switch)."""
        with self._lock:
            return [worker.uid for worker in self._workers]

    def close(self) -> None:
        """Kill every worker (and with them every sandboxed process)."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            for worker in self._workers:
                worker.kill()


_shared: dict[bool, SandboxPool] = {}
_shared_lock = threading.Lock()


def shared_pool(allow_weak_isolation: bool = False) -> SandboxPool:
    """The process-wide pool (started on first use, closed at exit)."""
    with _shared_lock:
        pool = _shared.get(allow_weak_isolation)
        if pool is None:
            pool = _shared[allow_weak_isolation] = SandboxPool(allow_weak_isolation=allow_weak_isolation)
            atexit.register(pool.close)
        return pool
