"""A job's own budget, as the trusted harness measures it: CPU time of the program's process tree.

Runs inside the worker (a plain module there, standard library only).

`JobGroup` is the worker's control group (cgroups.py, bound at cgroups.SANDBOX_ROOT) when there
is one: the zygote joins it once, so each child is born in it; the harness sets each child's
memory and process limits there, and its CPU time counts every process the program started, dead
ones too (and the zygote's forks of the child: a fraction of a millisecond each). Without one, the CPU time
is the child's own plus its reaped children's (/proc/PID/stat) plus that of the sandbox uid's
other live processes.

`Clock` is one test's time limit: `test_timeout` seconds of that CPU time, with a wall-clock cap
(WALL_FACTOR times it) as a backstop, and the job's own deadline (the call's `timeout`) as the end
of everything. The blame rule decides who spent the time:

- the CPU time is spent: the program's doing (`cpu`, judged);
- the cap counts the program's own time, the wall clock less the run-queue wait the machine
  imposed (`machine_wait`): a program that ran or slept that long is judged (`slept`). One kept
  runnable but unscheduled is given more time, with its CPU budget still in force, up to the job's
  deadline: a fresh chance to spend its budget or reach the cap on its own time;
- the job's deadline comes first: the machine's fault (`starved`, a failure) when the machine's
  wait was at least STARVED_SHARE of the test's time, else the program's (`slept`).

The wait of the job's threads behind each other is not the machine's: while one thread waits for
a sibling, that sibling runs and its CPU time counts, so at most (threads - 1) x the CPU time used
of the measured wait can be self-inflicted, and that much is not credited.
"""

from __future__ import annotations

import os
import select
import signal
import time

# The wall-clock cap of a test: this many times its CPU-time limit, plus a second.
WALL_FACTOR = 2.0
# At the job's deadline, a test whose tree the machine kept waiting this share of its time was starved.
STARVED_SHARE = 0.25
POLL = 0.05
_TICKS = os.sysconf("SC_CLK_TCK")


class JobGroup:
    """The worker's control group folders per controller (none: no group)."""

    def __init__(self, folders: dict[str, str]) -> None:
        self.folders = folders

    def __bool__(self) -> bool:
        return bool(self.folders)

    def prepare(self, memory_bytes: int, processes: int) -> None:
        """Before a child starts: this child's limits (the zygote is one more process). A limit
        already in force is not written again (a write to a v1 limit costs a resize)."""
        memory, pids = self.folders["memory"], os.path.join(self.folders["pids"], "pids.max")
        limit = os.path.join(memory, "memory.limit_in_bytes")
        if _read(limit).strip() != str(memory_bytes):
            swap = os.path.join(memory, "memory.memsw.limit_in_bytes")  # where swap is counted
            _write(swap, "-1", optional=True)  # lifted first: it may never be below the memory limit
            _write(limit, str(memory_bytes))
            _write(swap, str(memory_bytes), optional=True)
        if _read(pids).strip() != str(processes + 1):
            _write(pids, str(processes + 1))

    def join(self) -> None:
        """Move the calling process (the zygote) into the group."""
        for folder in self.folders.values():
            _write(os.path.join(folder, "cgroup.procs"), str(os.getpid()))

    def cpu_seconds(self) -> float:
        return int(_read(os.path.join(self.folders["cpuacct"], "cpuacct.usage")) or 0) / 1e9

    def oom_kills(self) -> int:
        for line in _read(os.path.join(self.folders["memory"], "memory.oom_control")).splitlines():
            if line.startswith("oom_kill "):
                return int(line.split()[1])
        return 0

    def threads(self) -> list[int]:
        return [int(tid) for tid in _read(os.path.join(self.folders["pids"], "tasks")).split()]

    def kill(self, spare: int) -> None:
        """SIGKILL every process in the group but `spare` (the zygote) until none is left (a fork
        racing the kill is caught by the next round; pids.max bounds how many there can be)."""
        procs = os.path.join(self.folders["pids"], "cgroup.procs")
        for _ in range(100):
            pids = [int(pid) for pid in _read(procs).split() if int(pid) != spare]
            if not pids:
                return
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
            time.sleep(0.002)


class Tree:
    """The program's process tree as this worker can see it: its group, else its uid, else its pid."""

    def __init__(self, group: JobGroup, uid: int | None, pid: int | None, spare: int | None = None) -> None:
        self.group, self.uid, self.pid, self.spare = group, uid, pid, spare  # spare: the zygote, not the program

    def cpu_seconds(self) -> float:
        if self.group:
            return self.group.cpu_seconds()
        total = 0.0
        for pid in self._pids():
            fields = _read(f"/proc/{pid}/stat").rsplit(")", 1)[-1].split()
            if len(fields) > 14:
                counted = fields[11:15] if pid == self.pid else fields[11:13]  # utime stime (cutime cstime)
                total += sum(int(value) for value in counted) / _TICKS
        return total

    def run_queue_wait(self) -> tuple[float, int]:
        """Seconds the tree's live threads have waited for a CPU while runnable, and how many
        threads were read (one snapshot)."""
        tids = (
            self.group.threads() if self.group else [int(t) for p in self._pids() for t in _listdir(f"/proc/{p}/task")]
        )
        waited, threads = 0, 0
        for tid in tids:
            fields = _read(f"/proc/{tid}/schedstat").split() if tid != self.spare else []
            if len(fields) >= 2:
                waited, threads = waited + int(fields[1]), threads + 1
        return waited / 1e9, threads

    def _pids(self) -> list[int]:
        if self.uid is None:
            return [self.pid] if self.pid else []
        found = []
        for entry in _listdir("/proc"):
            try:
                if entry.isdigit() and os.stat(f"/proc/{entry}").st_uid == self.uid:
                    found.append(int(entry))
            except OSError:
                pass
        return found


class Clock:
    """One test's budget: `cpu_limit` seconds of the tree's CPU time, `wall_cap` seconds of its own
    time (wall clock less the machine's run-queue wait), all before the job's `deadline`
    (time.monotonic())."""

    def __init__(self, tree: Tree, cpu_limit: float, wall_cap: float, deadline: float) -> None:
        self.tree, self.cpu_limit, self.wall_cap = tree, cpu_limit, wall_cap
        self.started = time.monotonic()
        self.deadline = deadline
        # Until the cap only the CPU time is read; the run-queue wait only past it (rarely).
        self.cap_deadline = min(self.started + wall_cap, deadline)
        self.cpu_start = tree.cpu_seconds()
        # Read at the first poll, not here: a test shorter than one poll reads no wait at all, and
        # one poll's wait (at most POLL seconds) is never credited to the machine.
        self.wait_start: float | None = None
        self.spent: str | None = None  # "cpu", "slept" or "starved" once the budget is gone
        # The machine's wait as last read (each poll): the threads of a child that has ended are
        # gone, and their wait with them.
        self.machine = 0.0

    def cpu_used(self) -> float:
        return max(self.tree.cpu_seconds() - self.cpu_start, 0.0)

    def machine_wait(self) -> float:
        """Seconds of this test the machine kept the tree runnable but off every CPU: the run-queue
        wait of its threads less what its own threads can have imposed on each other."""
        waited, threads = self.tree.run_queue_wait()
        if self.wait_start is None:
            self.wait_start = waited
        own = max(threads - 1, 0) * self.cpu_used()
        machine = min(max(waited - self.wait_start - own, 0.0), time.monotonic() - self.started)
        self.machine = max(self.machine, machine)
        return self.machine

    def own_time(self) -> float:
        """Seconds since the test started that were the program's own (not the machine's wait as
        last read: a test shorter than one poll has none)."""
        return time.monotonic() - self.started - self.machine

    def reply_deadline(self) -> float:
        """Until when an answer that has begun to arrive may take to finish."""
        return max(self.cap_deadline, min(time.monotonic() + POLL, self.deadline))

    def wait(self, fd) -> bool:
        """True once `fd` is readable; False (and `spent` set) when the budget ran out first."""
        while True:
            now = time.monotonic()
            left = self.cpu_limit - self.cpu_used()
            if left <= 0 or now >= self.deadline:
                self.expire()
                return False
            if now >= self.cap_deadline:
                own = now - self.started - self.machine_wait()
                if own >= self.wall_cap:
                    self.spent = "slept"
                    return False
                # Starved: a fresh stretch of wall clock, as long as the machine took from it.
                self.cap_deadline = min(now + max(self.wall_cap - own, POLL), self.deadline)
            timeout = min(max(left / 2, 0.005), POLL, self.cap_deadline - now)
            if select.select([fd], [], [], max(timeout, 0))[0]:
                return True
            self.machine_wait()

    def expire(self) -> str:
        """Why the budget is gone now (set as `spent`): the CPU time was used; the job's deadline
        came while the machine kept the program waiting (`starved`); else the program's own time
        ran out (`slept`: sleeping, or an answer begun and never finished)."""
        now = time.monotonic()
        elapsed = now - self.started
        if self.cpu_used() >= self.cpu_limit:
            self.spent = "cpu"
        else:
            machine = self.machine_wait()
            waiting = elapsed - machine < self.wall_cap and machine >= STARVED_SHARE * elapsed
            self.spent = "starved" if now >= self.deadline and waiting else "slept"
        return self.spent


def _read(path: str) -> str:
    try:
        with open(path) as handle:
            return handle.read()
    except OSError:
        return ""


def _listdir(path: str) -> list[str]:
    try:
        return os.listdir(path)
    except OSError:
        return []


def _write(path: str, value: str, optional: bool = False) -> None:
    try:
        with open(path, "w") as handle:
            handle.write(value)
    except OSError:
        if not optional:
            raise
