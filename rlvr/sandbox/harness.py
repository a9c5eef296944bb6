"""The trusted per-test harness: starts one sandboxed child, drives it, observes the outcome.

Runs inside the worker in a process forked for one test (a plain module there, standard library
only). The harness never executes untrusted code: it asks the clean zygote for a child, feeds
it the program and stdin, drains its output up to a cap, and for rpc tests runs the trusted test
code itself with the program's functions replaced by `Remote` proxies. A test passes only when
that trusted code ran to completion here; nothing the program prints or exits with counts.
"""

from __future__ import annotations

import ast
import builtins
import functools
import gc
import importlib
import json
import os
import pickle
import select
import shutil
import signal
import socket
import sys
import threading
import time
import types
from typing import Any

import child
import meter
import reaper
import wire

_BUILTIN_NAMES = frozenset(dir(builtins))
# Names a program never redefines for trusted test code: the builtins and the standard library's modules.
_TRUSTED_NAMES = _BUILTIN_NAMES | sys.stdlib_module_names
# What a child's output may add to one test's outcome, counted in bytes as the reply sends them
# (a NUL byte the program prints is 6 bytes of JSON): stdio tests keep their stdout (it is the
# answer), call tests their value, logs a tail of LOG_TAIL_BYTES. JOB_OUTPUT_BYTES bounds the
# stdout and values of all tests of a job together, far below wire.MAX_FRAME with every log.
LOG_TAIL_BYTES = 4096
JOB_OUTPUT_BYTES = 32 * 1024 * 1024
# Seconds a child that no test needs any more may take to end by itself before it is killed.
END_WAIT = 0.5
MIB = 1024 * 1024


class TestTimeout(Exception):
    """The test ran past its time limit."""


class ProgramError(Exception):
    """The program raised, died or answered nonsense during a call."""


class Channel:
    """Requests to the child's rpc loop, each answered by one frame within the test's `clock`."""

    def __init__(self, request_fd: int, answer_fd: int, clock: meter.Clock, answer_limit: int) -> None:
        self.request_fd, self.answer_fd = request_fd, answer_fd
        self.clock, self.answer_limit = clock, answer_limit
        # Set once a request went unanswered (exit, timeout, oversized or malformed answer) or the
        # child wrote more than its answer: it cannot serve another test, even if the test code
        # caught the error.
        self.broken = False

    def request(self, message: tuple):
        if self.broken or self._pending():
            self.broken = True
            raise ProgramError("the program wrote to the answer channel unasked")
        self.broken = True
        try:
            wire.write_frame(self.request_fd, pickle.dumps(_to_refs(message)))
        except BrokenPipeError:
            raise ProgramError("the program exited before answering") from None
        try:
            if not self.clock.wait(self.answer_fd):
                raise TimeoutError
            answer = wire.loads(wire.read_frame_until(self.answer_fd, self.clock.reply_deadline(), self.answer_limit))
        except TimeoutError:
            raise TestTimeout(_timeout_message(self.clock.spent or self.clock.expire())) from None
        except EOFError:
            raise ProgramError("the program exited before answering") from None
        except (wire.WireError, ValueError) as exc:
            raise ProgramError(f"malformed answer from the program: {exc}") from None
        self.broken = self._pending()
        if type(answer) is list and answer and answer[0] == "ok" and len(answer) == 2:
            return wire.decode(answer[1], lambda index, name: Remote(("h", index), self, name))
        if type(answer) is list and len(answer) == 3 and answer[0] == "raise":
            raise ProgramError(f"{str(answer[1])[:100]}: {str(answer[2])[:500]}")
        raise ProgramError("malformed answer from the program")

    def _pending(self) -> bool:
        """Whether the child wrote anything that no request asked for."""
        return bool(select.select([self.answer_fd], [], [], 0)[0])


class Remote:
    """A function, class or object that lives in the sandboxed child."""

    __slots__ = ("_ref", "_channel", "_type")

    def __init__(self, ref, channel: Channel, type_name: str) -> None:
        object.__setattr__(self, "_ref", ref)
        object.__setattr__(self, "_channel", channel)
        object.__setattr__(self, "_type", type_name)

    def __call__(self, *args, **kwargs):
        return self._channel.request(("call", self._ref, args, kwargs))

    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        return self._channel.request(("getattr", self._ref, name))

    def __setattr__(self, name: str, value) -> None:
        self._channel.request(("setattr", self._ref, name, value))

    def __repr__(self) -> str:
        return f"<remote {self._type}>"


def _to_refs(value):
    """`value` with every Remote replaced by the child-side reference it stands for."""
    if isinstance(value, Remote):
        return child._Ref(object.__getattribute__(value, "_ref"))
    if type(value) in (list, tuple, set, frozenset):
        return type(value)(_to_refs(v) for v in value)
    if type(value) is dict:
        return {_to_refs(k): _to_refs(v) for k, v in value.items()}
    return value


class Drain:
    """What one output pipe delivered: its first `cap` bytes."""

    def __init__(self, fd: int, cap: int) -> None:
        self.fd, self.cap = fd, cap
        self.data, self.truncated = bytearray(), False

    def take(self, chunk: bytes) -> bool:
        """Keep what fits of `chunk`; True the first time something did not."""
        room = self.cap - len(self.data)
        self.data += chunk[: max(room, 0)]
        overflowed = len(chunk) > room and not self.truncated
        self.truncated = self.truncated or overflowed
        return overflowed

    def text(self) -> str:
        return bytes(self.data).decode("utf-8", errors="replace")


class Drains(threading.Thread):
    """Reads the child's output pipes to their ends, one thread for all of them."""

    def __init__(self, drains: list[Drain], on_overflow) -> None:
        super().__init__(daemon=True)
        self.drains, self.on_overflow = drains, on_overflow

    def run(self) -> None:
        reading = {drain.fd: drain for drain in self.drains}
        while reading:
            for fd in select.select(list(reading), [], [])[0]:
                chunk = os.read(fd, 1 << 16)
                if not chunk:
                    del reading[fd]
                elif reading[fd].take(chunk):
                    self.on_overflow()


def run_job(job: dict, zygote: socket.socket, slot: int, out) -> None:
    """Run every test of the job and write one JSON line per test to `out` as it finishes.

    A stdin/stdout test runs the program in a fresh child of its own. Call and assert tests
    share one child, as MBPP's and HumanEval's own harnesses run all asserts in one process:
    the program's top level runs once and each test calls into it. A test that leaves the child
    unusable (a timeout, a crash or exit, too much output, a malformed answer) retires it, and
    the next test gets a fresh one, so no test is charged for another's damage."""
    # This process was forked for the job: a collection would walk (and copy, page by page) every
    # object inherited from the worker. Only what the job itself allocates is collected.
    gc.freeze()
    started = time.monotonic()
    deadline = started + job["budget"]
    test_timeout = job["limits"]["test_timeout"]
    wall_cap = test_timeout * meter.WALL_FACTOR + 1
    shared: Child | None = None
    output_left = JOB_OUTPUT_BYTES
    own = 0.0  # seconds of the job that were the program's own (running or sleeping), test by test
    for index, test in enumerate(job["tests"]):
        if deadline - time.monotonic() <= 0.05:
            outcome = _not_run(time.monotonic() - started, own)
        elif test["kind"] == "stdio":
            if shared is not None:
                shared.finish(None, deadline)
                shared = None
            fresh = Child(job, zygote, slot, "stdio", test.get("stdin", ""), serves=1)
            clock = fresh.clock(test_timeout, wall_cap, deadline)
            fresh_outcome = {"passed": None, "value": None, "error": None, "timed_out": False}
            outcome = _ended(fresh_outcome, fresh.finish(clock, deadline))
            outcome["seconds"] = round(time.monotonic() - clock.started, 6)
            own += clock.own_time()
        else:
            shared = shared or Child(job, zygote, slot, "rpc", "", serves=len(job["tests"]) - index)
            clock = shared.clock(test_timeout, wall_cap, deadline)
            outcome = shared.drive(test, clock)
            own += clock.own_time()
            if not shared.healthy:
                outcome = _ended(outcome, shared.finish(None, deadline))
                shared = None
        output_left -= _bound_output(outcome, test["kind"], output_left)
        out.write(json.dumps(outcome, ensure_ascii=False) + "\n")
        out.flush()
    if shared is not None:
        shared.finish(None, deadline)


def _not_run(elapsed: float, own: float) -> dict:
    """A test the job's deadline left no time for. Whose fault: the machine's (`starved`) when at
    least meter.STARVED_SHARE of the job's time went to the machine's run-queue wait or the
    sandbox's own work, else the program's, which spent it running or sleeping."""
    starved = elapsed - own >= meter.STARVED_SHARE * elapsed
    error = "the machine took the call's time before this test" if starved else "the program used the call's time"
    return {"passed": False, "ran": False, "timed_out": True, "starved": starved, "error": error}


def _bound_output(outcome: dict, kind: str, room: int) -> int:
    """Trim what an outcome carries to the `room` (bytes) left of the job's share: a stdio test's
    stdout and a call test's value (past the room it is an output limit, which fails the test),
    every log to its tail. Returns how many bytes of the share it used."""
    for name in ("stdout", "stderr"):
        text = outcome.get(name) or ""
        if name == "stdout" and kind == "stdio":
            if _sent(text) > room:
                outcome.update(stdout=text[: _fitting(text, room)], output_limit=True, stdout_truncated=True)
        elif _sent(text) > LOG_TAIL_BYTES:
            outcome[name] = text[len(text) - _fitting(text[::-1], LOG_TAIL_BYTES) :]
    used = _sent(outcome.get("stdout") or "") if kind == "stdio" else 0
    value = _sent(outcome.get("value"))
    if value > room - used:
        error = outcome.get("error") or "the program's answer is larger than a job's reply may carry"
        outcome.update(value=None, passed=False, output_limit=True, error=error)
        value = 0
    return used + value


def _sent(value) -> int:
    """Bytes `value` takes in the reply."""
    return len(wire.dumps(value))


def _fitting(text: str, room: int) -> int:
    """The most leading characters of `text` that take at most `room` bytes in the reply (the
    same count of trailing characters of the reversed text: each character's size is its own)."""
    low, high = 0, min(len(text), room)
    while low < high:
        middle = (low + high + 1) // 2
        if _sent(text[:middle]) <= room:
            low = middle
        else:
            high = middle - 1
    return low


def _ended(outcome: dict, end: dict) -> dict:
    """A test's outcome with how its child ended added: a timeout or an error at the end adds to
    what the test itself saw, never replaces it."""
    timed_out, error, starved = end.pop("timed_out"), end.pop("error"), end.pop("starved")
    outcome.update(timed_out=outcome["timed_out"] or timed_out, error=outcome["error"] or error)
    outcome["starved"] = outcome.get("starved", False) or starved
    outcome.update(end, memory_exceeded=end["memory_exceeded"] or "MemoryError" in (outcome["error"] or ""))
    return outcome


class Child:
    """One sandboxed child running the program: its output drained, its calls driven, its end
    observed. `serves` is how many tests it may run, which scales its CPU-time limit (each test
    keeps its own wall-clock limit)."""

    def __init__(self, job: dict, zygote: socket.socket, slot: int, mode: str, stdin: str, serves: int) -> None:
        limits = job["limits"]
        self.uid, self.limits, self.started = job.get("uid"), limits, time.monotonic()
        self.group, self.zygote = meter.JobGroup(job["cgroup"]), job["zygote"]
        if self.group:
            self.group.prepare(limits["memory_mb"] * MIB, limits["max_processes"])
        self.oom_kills = self.group.oom_kills() if self.group else 0
        self.cwd = os.path.join(job["tmp_root"], f"run-{os.getpid()}-{slot}")
        os.mkdir(self.cwd, 0o700)
        if self.uid is not None:
            os.chown(self.cwd, self.uid, self.uid)
        self.pipes = {name: os.pipe() for name in ("stdin", "stdout", "stderr", "program", "request", "answer")}
        self.reply, reply_child = socket.socketpair()
        spec = {
            "cwd": self.cwd,
            "limits": {**limits, "cpu_seconds": limits["cpu_seconds"] * serves},
            "uid": self.uid,
            "mode": mode,
            "cgroup": job["cgroup"],
        }
        child_fds = [
            self.pipes["stdin"][0],
            self.pipes["stdout"][1],
            self.pipes["stderr"][1],
            self.pipes["program"][0],
            self.pipes["request"][0],
            self.pipes["answer"][1],
        ]
        socket.send_fds(zygote, [json.dumps(spec).encode()], [reply_child.fileno(), *child_fds])
        reply_child.close()
        for fd in child_fds:
            os.close(fd)
        self.replies = Replies(self.reply)
        self.pid = (self.replies.next(self.started + limits["test_timeout"]) or {}).get("pid")
        self.tree = meter.Tree(self.group, self.uid, self.pid, spare=self.zygote)
        self.overflow = threading.Event()
        self.drains = [Drain(self.pipes[name][0], limits["output_bytes"]) for name in ("stdout", "stderr")]
        self.reader = Drains(self.drains, self._on_overflow)
        self.reader.start()
        inputs = [
            (self.pipes[name][1], text.encode("utf-8", errors="replace"))
            for name, text in (("program", job["program"]), ("stdin", stdin))
        ]
        if all(len(data) <= select.PIPE_BUF for _, data in inputs):
            _feed(inputs)  # each fits an empty pipe: written at once, without a thread
        else:
            threading.Thread(target=_feed, args=(inputs,), daemon=True).start()
        self.healthy = True

    def _on_overflow(self) -> None:
        self.overflow.set()
        self.kill()

    def kill(self) -> None:
        """SIGKILL the child's whole tree: its group, its uid's processes (or its process group)."""
        if self.group:
            self.group.kill(spare=self.zygote)
        reaper.kill_tree(self.uid, self.pid)

    def clock(self, cpu_limit: float, wall_cap: float, deadline: float) -> meter.Clock:
        """A test's budget: `cpu_limit` seconds of this child's tree's CPU time, `wall_cap` of its
        own time, before the job's `deadline` (meter.Clock)."""
        return meter.Clock(self.tree, cpu_limit, wall_cap, deadline)

    def drive(self, test: dict, clock: meter.Clock) -> dict:
        """Run one call or assert test against the program within `clock`."""
        started = time.monotonic()
        channel = Channel(self.pipes["request"][1], self.pipes["answer"][0], clock, self.limits["output_bytes"])
        outcome: dict[str, Any] = {"passed": None, "value": None, "error": None, "timed_out": False}
        try:
            _drive(test, channel, outcome)
        except TestTimeout as exc:
            outcome.update(passed=False, timed_out=True, error=str(exc))
        except BaseException as exc:  # the test's failure, whatever it raised, is the observation
            outcome.update(passed=False, error=f"{type(exc).__name__}: {_describe(exc)}")
        self.healthy = not (channel.broken or self.overflow.is_set())
        outcome["memory_exceeded"] = "MemoryError" in (outcome["error"] or "")
        outcome["starved"] = clock.spent == "starved"
        outcome["seconds"] = round(time.monotonic() - started, 6)
        return outcome

    def finish(self, clock: meter.Clock | None, deadline: float) -> dict:
        """End the child within `clock` (a script's test), or END_WAIT seconds (never past the
        job's `deadline`) when no test needs it any more (an rpc child's loop ends when its
        request pipe closes); kill whatever is left of its tree, and say how it ended."""
        os.close(self.pipes["request"][1])
        end_wait = min(time.monotonic() + END_WAIT, deadline)
        status = self.replies.wait(clock.wait) if clock else self.replies.next(end_wait)
        if status is None or reaper.has_processes(self.uid) or any(map(reaper.ipc_ids, reaper.IPC_KINDS)):
            self.kill()
        timed_out = status is None and clock is not None
        status = status or self.replies.next(time.monotonic() + 5) or {}
        self.reader.join(timeout=1)
        if not self.reader.is_alive():
            for drain in self.drains:
                os.close(drain.fd)
        os.close(self.pipes["answer"][0])
        self.reply.close()
        shutil.rmtree(self.cwd, ignore_errors=True)
        code, sig = status.get("exit_code"), status.get("signal")
        spent = clock.spent if clock and timed_out else None
        return {
            "timed_out": timed_out or sig == signal.SIGXCPU,
            "starved": spent == "starved",
            "error": _timeout_message(spent) if spent else None,
            "exit_code": code,
            "signal": sig,
            "output_limit": self.overflow.is_set(),
            "memory_exceeded": code == child.EXIT_MEMORY
            or (bool(self.group) and self.group.oom_kills() > self.oom_kills),
            "stdout": self.drains[0].text(),
            "stderr": self.drains[1].text(),
            "stdout_truncated": self.drains[0].truncated,
            "stderr_truncated": self.drains[1].truncated,
        }


def _drive(test: dict, channel: Channel, outcome: dict) -> None:
    if test["kind"] == "call":
        program_names = _program_names(channel.request(("names",)))
        name = test["function"]
        ref = (
            ("method", ("Solution", name)) if "Solution" in program_names and name not in program_names else ("g", name)
        )
        value = Remote(ref, channel, "function")(*test["args"])
        outcome.update(value=wire.encode(value, []), passed=None)
        return
    (setup, setup_names), (code, code_names) = _trusted(test["setup"], "<setup>"), _trusted(test["code"], "<test>")
    entry_points = set(test["entry_points"])
    free = setup_names | code_names
    # The program's names matter only for a name that is neither an entry point nor trusted (a
    # helper of the solution): only then are they asked for (a round trip to the child).
    helpers = any(name not in entry_points and name not in _TRUSTED_NAMES for name in free)
    program_names = _program_names(channel.request(("names",))) if helpers else frozenset()
    namespace = {"__name__": "__test__", "__builtins__": builtins}
    for name in sorted(free):
        namespace.update(_resolve(name, entry_points, program_names, channel))
    exec(setup, namespace)
    # HumanEval's prompt defines a stub of the entry point: the program's replaces it.
    namespace.update({name: Remote(("g", name), channel, "function") for name in entry_points})
    exec(code, namespace)
    outcome["passed"] = True


@functools.lru_cache(maxsize=16)
def _trusted(source: str, filename: str) -> tuple[types.CodeType, frozenset[str]]:
    """Trusted code compiled, with its free names: once per job for the setup all its tests share."""
    tree = ast.parse(source)
    return compile(tree, filename, "exec"), frozenset(_free_names(tree))


def _resolve(name: str, entry_points: set, program_names: frozenset, channel: Channel) -> dict:
    """What a name the trusted code uses but does not define means: the task's entry points are
    the program's; builtins and standard-library modules are the real ones, imported here because
    the trusted code names them; any other name the program defines is the program's (MBPP tests
    call helper functions of the solution); anything else stays undefined."""
    if name in entry_points or (name in program_names and name not in _TRUSTED_NAMES):
        return {name: Remote(("g", name), channel, "function")}
    if name in sys.stdlib_module_names and name not in _BUILTIN_NAMES:
        return {name: importlib.import_module(name)}
    return {}


def _free_names(tree: ast.AST) -> set[str]:
    """Names `tree` reads but binds nowhere (as a variable, parameter, function, class, import,
    exception or pattern name), whatever the scope: a name bound anywhere in trusted code is
    never taken from the program."""
    read: set[str] = set()
    bound: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (read if isinstance(node.ctx, ast.Load) else bound).add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, ast.alias):
            bound.add((node.asname or node.name).split(".")[0])
        elif isinstance(node, (ast.ExceptHandler, ast.MatchAs, ast.MatchStar)) and node.name:
            bound.add(node.name)
        elif isinstance(node, ast.MatchMapping) and node.rest:
            bound.add(node.rest)
    return read - bound


def _program_names(answer) -> frozenset:
    """The program's top-level callables, as the child lists them (checked: plain names only)."""
    if type(answer) is not list or not all(type(name) is str and name.isidentifier() for name in answer):
        raise ProgramError("malformed list of names from the program")
    return frozenset(answer)


def _feed(inputs: list[tuple[int, bytes]]) -> None:
    """Write each input to its pipe and close it (the child may stop reading: then it is dropped)."""
    for fd, data in inputs:
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
        except OSError:
            pass
        finally:
            os.close(fd)


class Replies:
    """JSON lines from the zygote about one child: {"pid": ...}, then {"exit_code", "signal"}."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock, self.buffer = sock, b""

    def next(self, deadline: float) -> dict | None:
        """The next message; None when `deadline` passes first, {} when the zygote hung up."""
        return self.wait(lambda sock: select.select([sock], [], [], max(deadline - time.monotonic(), 0))[0] != [])

    def wait(self, readable) -> dict | None:
        """The next message; None when `readable(sock)` says False first, {} when the zygote hung up."""
        while b"\n" not in self.buffer:
            if not readable(self.sock):
                return None
            chunk = self.sock.recv(4096)
            if not chunk:
                return {}
            self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\n", 1)
        return json.loads(line)


def _describe(exc: BaseException) -> str:
    return str(exc)[:500]


def _timeout_message(spent: str) -> str:
    return {
        "cpu": "time limit exceeded (CPU time of the program's processes)",
        "slept": "time limit exceeded (the program's own time, running or waiting, reached the wall-clock cap"
        " or the call's timeout)",
        "starved": "the machine kept the program waiting for a CPU until the call's time ran out",
    }[spent]
