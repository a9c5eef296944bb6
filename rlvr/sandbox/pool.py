"""A pool of sandbox workers, safe to use from many threads and across fork.

Each worker is one long-lived sandbox (see worker.py) that runs one job at a time; a thread
takes an idle worker, sends it the program and its tests, and gets every test's outcome back.
Starting the interpreter and the namespaces is paid once per worker; each program then costs
a couple of forks (see harness.py for when tests share a child).

What the pool guarantees (docs/reliability.md has the whole list):
- it checks itself when created: a trivial program runs through the full path (worker, harness,
  child, reply), and SandboxUnavailable, with the worker's stderr, says why when it cannot;
- workers start on demand up to `size`, within the process's worker budget (shared with the
  sympy and instruction pools: rlvr/workers/slots.py), and retire after `idle_timeout` seconds
  unused; `size` bounds live worker processes: a killed or retired worker keeps its slot until
  its whole sandbox has ended (see `Worker.ended`);
- the wait for a free worker is not charged to the program: its budget starts when it starts;
  no worker within the wait gives the failure "busy". A new worker is handed out only once it
  says it is ready, so its start (the interpreter, the zygote) is part of the wait, not the job;
- a worker that dies is replaced and the job retried once; a second death is "sandbox_error";
- after `close()` it refuses work (SandboxClosed); `shared_pool()` then starts a new one;
- in a forked child it forgets the parent's workers without touching them (the parent still
  uses them) and starts its own on demand, so replies never reach the wrong process.
"""

from __future__ import annotations

import itertools
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import IO, cast

from rlvr.sandbox import cgroups, spawner, wire
from rlvr.sandbox.isolation import WORKER_ENV, Isolation, SandboxUnavailable, detect, sandbox_uid, worker_command
from rlvr.sandbox.limits import Limits
from rlvr.sandbox.result import AssertTest, CallTest, RunResult, StdioTest, TestOutcome
from rlvr.verdict import BUSY, SANDBOX_ERROR, TIMEOUT
from rlvr.workers.budget import worker_budget
from rlvr.workers.errors import JobFailed, PoolClosed, WorkerDied, WorkerLost
from rlvr.workers.slots import PoolStats, SharedPools, Slots, supervise

Test = StdioTest | CallTest | AssertTest
LANGUAGES = ("python",)
WORKER_SCRIPT = str(Path(__file__).with_name("worker.py"))
# Seconds kept back from a job's budget for the messages and clean-up around the tests.
BUDGET_MARGIN = 0.3
HOST_GRACE = 0.5
# Most seconds a killed worker's sandbox (under bubblewrap: its pid namespace) may take to end.
EXIT_WAIT = 2.0
IDLE_TIMEOUT = 60.0
SELF_CHECK_TIMEOUT = 30.0
# Most seconds a new worker may take to start (the interpreter, its imports, the zygote): charged
# to nobody's job, only to the wait for a free worker.
START_TIMEOUT = 30.0
STDERR_TAIL = 2000
DEFAULT_LIMITS = Limits()
# The run's failure for each way the supervision core could not judge a job.
_FAILURE = {"busy": BUSY, "timeout": TIMEOUT, "lost": SANDBOX_ERROR}


# Worker groups are named by process and a process-wide count: pools and forked children never share one.
_group_names = itertools.count()


class SandboxClosed(RuntimeError):
    """The pool was closed; it runs nothing more. Verifiers report it as "sandbox_error"."""

    verdict_reason = SANDBOX_ERROR


class Worker:
    """One sandbox worker process, its pipes and its stderr (a file, read back when it fails);
    the `Handle` of rlvr/workers/slots.py."""

    def __init__(self, slot: int, isolation: Isolation) -> None:
        self.slot = slot
        self.uid = sandbox_uid()
        self.tmp_root = "/tmp" if isolation.level == "namespaces" else tempfile.mkdtemp(prefix="rlvr-sandbox-")
        if isolation.level != "namespaces":
            os.chmod(self.tmp_root, 0o711)
        self.cgroup = cgroups.make_worker_group(f"{cgroups.WORKER_PREFIX}{os.getpid()}-{next(_group_names)}")
        command = worker_command(isolation, sys.executable, WORKER_SCRIPT, slot, self.tmp_root, self.uid, self.cgroup)
        self.stderr = tempfile.TemporaryFile()
        try:
            self.process = spawner.spawn(
                command,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=self.stderr,
                env=WORKER_ENV,
                start_new_session=True,
                cwd="/",
            )
        except OSError:
            cgroups.remove_group(self.cgroup)
            raise
        # Popen with PIPE always sets both; typed here once for the rest of the class.
        self.stdin = cast(IO[bytes], self.process.stdin)
        self.stdout = cast(IO[bytes], self.process.stdout)
        self.idle_since = time.monotonic()
        self.killed_at: float | None = None

    def wait_ready(self) -> None:
        """Wait (up to START_TIMEOUT) until the worker says it is ready, so that its start is
        never charged to a job's budget; OSError (the worker killed) when it does not."""
        try:
            if wire.loads(self._read_frame(time.monotonic() + START_TIMEOUT)) == {"ready": True}:
                return
            problem = "an unexpected first message"
        except (OSError, ValueError, TimeoutError, wire.WireError) as exc:
            problem = str(exc) or type(exc).__name__
        tail = self.stderr_tail()  # read before the file closes
        self.end()
        raise OSError(f"the sandbox worker did not start: {problem}{tail}")

    def run(self, job: dict, deadline: float) -> dict:
        """Send one job and wait for its reply until `deadline` (monotonic)."""
        try:
            wire.write_frame(self.stdin.fileno(), wire.dumps(job))
            return wire.loads(self._read_frame(deadline))
        except TimeoutError as exc:
            self.kill()
            raise WorkerLost(f"sandbox worker overran its time budget: {exc}", overran=True) from None
        except (OSError, ValueError, wire.WireError) as exc:
            self.kill()
            try:
                self.process.wait(EXIT_WAIT)  # so that its stderr is complete
            except subprocess.TimeoutExpired:
                pass
            raise WorkerLost(f"sandbox worker failed: {exc}{self.stderr_tail()}", overran=False) from None

    def _read_frame(self, deadline: float) -> bytes:
        """One reply frame, its size checked before it is read (wire.read_frame_until); TimeoutError
        when the deadline passes first."""
        try:
            return wire.read_frame_until(self.stdout.fileno(), deadline, wire.MAX_FRAME)
        except EOFError:
            raise OSError("the worker exited") from None

    def stderr_tail(self) -> str:
        """The end of what the worker wrote to stderr, as "; worker stderr: ..." (or "")."""
        try:
            self.stderr.seek(0, os.SEEK_END)
            self.stderr.seek(max(0, self.stderr.tell() - STDERR_TAIL))
            text = self.stderr.read().decode(errors="replace").strip()
        except (OSError, ValueError):
            return ""
        return f"; worker stderr: {text}" if text else ""

    def kill(self) -> None:
        """SIGKILL the worker's process group (the worker and every sandboxed process); never waits."""
        if self.killed_at is None:
            self.killed_at = time.monotonic()
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except OSError:
            pass

    def ended(self) -> bool:
        """Whether everything in the worker's sandbox has ended; never waits.

        Under bubblewrap the reaped process is only the outer bwrap: the worker lives in a pid
        namespace that the kernel tears down a moment later. The worker and the namespace's init
        hold the write end of its stdout, so its end of file says they have exited; the kernel
        has SIGKILLed the rest of the namespace by then (its init's exit does that). A pipe
        still open EXIT_WAIT seconds after the kill frees the slot all the same (the wait was
        bounded before this core too); `close` then removes what is left."""
        if self.process.poll() is None:
            return False
        try:
            while select.select([self.stdout], [], [], 0)[0]:
                if not os.read(self.stdout.fileno(), 1 << 16):
                    return True
        except (OSError, ValueError):  # our end is closed already
            return True
        return self.killed_at is not None and time.monotonic() - self.killed_at > EXIT_WAIT

    def close(self) -> None:
        """Free what the host holds for an ended worker: its pipes, its folder, its cgroups."""
        self.close_files()
        if self.tmp_root != "/tmp":  # weak isolation: this worker's own folder on the host
            shutil.rmtree(self.tmp_root, ignore_errors=True)
        cgroups.remove_group(self.cgroup, wait=EXIT_WAIT)

    def end(self) -> None:
        """Kill the worker, wait (up to EXIT_WAIT) until everything in its sandbox has ended, and close it."""
        self.kill()
        self.process.wait()
        wire.wait_closed(self.stdout.fileno(), time.monotonic() + EXIT_WAIT)
        self.close()

    def close_files(self) -> None:
        """Close this process's ends of the pipes (in a forked child: only its copies)."""
        for stream in (self.stdin, self.stdout, self.stderr):
            stream.close()

    forget = close_files


class SandboxPool:
    """Runs programs against tests in sandbox workers; `run` may be called from any thread.

    size: most workers at once (default: `rlvr.workers.budget.worker_budget()`); they start on
    demand and retire after `idle_timeout` seconds unused. allow_weak_isolation: accept running
    without namespaces when bubblewrap is unavailable (otherwise SandboxUnavailable is raised).
    isolation: force a level found by `detect` (benchmarks compare the levels with it).

    >>> pool = SandboxPool(size=1)
    >>> pool.run("print(input()[::-1])", [StdioTest("abc\\n")], timeout=5).outcomes[0].stdout
    'cba\\n'
    >>> pool.close()
    """

    def __init__(
        self,
        size: int | None = None,
        allow_weak_isolation: bool = False,
        isolation: Isolation | None = None,
        idle_timeout: float = IDLE_TIMEOUT,
    ) -> None:
        self.isolation = isolation or detect(allow_weak_isolation)
        self.size = size or worker_budget()
        self.idle_timeout = idle_timeout
        self._slots: Slots[Worker] = Slots(self.size, idle_timeout)
        self._slot_numbers = itertools.count()
        self._owner = os.getpid()
        supervise(self)
        self._self_check()

    def run(
        self,
        program: str,
        tests: Sequence[Test],
        limits: Limits = DEFAULT_LIMITS,
        timeout: float = 30.0,
        language: str = "python",
        wait: float | None = None,
    ) -> RunResult:
        """Run every test against `program` in sandboxed children (see harness.run_job) within
        `timeout` seconds from the moment a worker takes it; `wait` (default `timeout`) bounds
        the wait for a free worker. Never raises for anything the program does; a run that could
        not judge the program carries `failure` ("busy", "sandbox_error" or "timeout").
        Raises SandboxClosed after `close()`. `stats()` counts the runs."""
        if language not in LANGUAGES:
            raise ValueError(f"language {language!r} is not supported; supported: {list(LANGUAGES)}")
        started = time.monotonic()
        wire_tests = [t.to_wire() for t in tests]

        def job(worker: Worker, seconds: float) -> tuple[dict, bool]:
            message = {
                "program": program,
                "tests": wire_tests,
                "limits": limits.to_wire(),
                "budget": max(seconds - BUDGET_MARGIN, 0.01),
            }
            return worker.run(message, time.monotonic() + seconds + HOST_GRACE), True

        try:
            reply = self._slots.run(self._start, job, timeout, started + (timeout if wait is None else wait))
        except PoolClosed:
            raise SandboxClosed("this SandboxPool was closed") from None
        except JobFailed as exc:
            outcomes = tuple(TestOutcome(passed=False, ran=False, error=str(exc)) for _ in tests)
            return RunResult(
                outcomes, self.isolation.as_dict(), time.monotonic() - started, str(exc), _FAILURE[exc.kind]
            )
        outcomes = tuple(TestOutcome.from_wire(item) for item in reply["tests"])
        return RunResult(outcomes, self.isolation.as_dict(), time.monotonic() - started)

    def stats(self) -> PoolStats:
        """A snapshot of the counters (rlvr.workers.PoolStats: errors are "sandbox_error" runs,
        timeouts the runs whose worker overran the whole budget)."""
        return self._slots.stats()

    def _start(self) -> Worker:
        """A newly started worker, ready (its start is charged to no job); WorkerDied when none
        could start (the run's "sandbox_error")."""
        try:
            worker = Worker(next(self._slot_numbers), self.isolation)
            worker.wait_ready()
        except OSError as exc:
            raise WorkerDied(f"a sandbox worker could not start: {exc}") from None
        return worker

    def retire_idle(self) -> None:
        """Stop the workers idle for longer than `idle_timeout` now (the supervision core also
        does it every RETIRE_TICK seconds); their slots are freed once they have ended."""
        self._slots.retire_idle()

    def _self_check(self) -> None:
        """Run a trivial program through the full path; SandboxUnavailable (and no pool) if it fails."""
        result = self.run("print(6 * 7)", [StdioTest()], Limits(test_timeout=10), timeout=SELF_CHECK_TIMEOUT)
        outcome = result.outcomes[0]
        if result.failure is None and outcome.stdout == "42\n":
            return
        self.close()
        found = result.error or f"the program printed {outcome.stdout!r}; error {outcome.error!r}; {outcome.stderr!r}"
        raise SandboxUnavailable(
            f"the sandbox ({self.isolation.mechanism}) could not run a trivial program: {found[:3000]}"
        )

    def _forget_inherited(self) -> None:
        """In a forked child: drop the parent's workers without killing them (the parent still
        uses them), closing only this process's copies of their pipes."""
        self._slots.forget()
        self._owner = os.getpid()

    @property
    def owner_pid(self) -> int:
        """The process this pool's workers belong to."""
        return self._owner

    @property
    def closed(self) -> bool:
        """Whether `close()` was called (`shared_pool` then starts a new pool)."""
        return self._slots.closed

    def workers(self) -> list[Worker]:
        """The live workers, idle or running a job (for tests and diagnostics)."""
        return self._slots.workers()

    def idle_workers(self) -> list[Worker]:
        """The idle workers (for tests and diagnostics)."""
        return self._slots.idle()

    def uids(self) -> list[int]:
        """The uids the live workers' children run as (meaningful when isolation.uid_switch)."""
        return [worker.uid for worker in self._slots.workers()]

    def close(self) -> None:
        """Kill every worker (and with them every sandboxed process); later `run` calls raise
        SandboxClosed. In a forked child, the inherited workers are left to their owner."""
        self._slots.close(_end_all)


def _end_all(running: list[Worker], resting: list[Worker]) -> None:
    # A running worker too: its caller's wait for a reply ends at once, and a job's end after
    # close never closes anything twice (closing is idempotent).
    for worker in running + resting:
        worker.end()


_shared: SharedPools[bool, SandboxPool] = SharedPools(lambda weak: SandboxPool(allow_weak_isolation=weak))


def shared_pool(allow_weak_isolation: bool = False) -> SandboxPool:
    """The process-wide pool (started on first use, closed at exit, a new one after `close()`).
    Raises SandboxUnavailable when the sandbox cannot run programs here.

    >>> shared_pool() is shared_pool()
    True
    """
    return _shared.get(allow_weak_isolation)
