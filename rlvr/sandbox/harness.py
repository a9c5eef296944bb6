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
from typing import Any

import child
import wire

_BUILTIN_NAMES = frozenset(dir(builtins))


class TestTimeout(Exception):
    """The test ran past its time limit."""


class ProgramError(Exception):
    """The program raised, died or answered nonsense during a call."""


class Channel:
    """Requests to the child's rpc loop, each answered before `deadline` (monotonic)."""

    def __init__(self, request_fd: int, answer_fd: int, deadline: float, answer_limit: int) -> None:
        self.request_fd, self.answer_fd = request_fd, answer_fd
        self.deadline, self.answer_limit = deadline, answer_limit
        self.buffer = b""
        # Set once a request went unanswered (exit, timeout, oversized or malformed answer):
        # the child cannot serve another test, even if the test code caught the error.
        self.broken = False

    def request(self, message: tuple):
        self.broken = True
        try:
            wire.write_frame(self.request_fd, pickle.dumps(_to_refs(message)))
        except BrokenPipeError:
            raise ProgramError("the program exited before answering") from None
        answer = wire.loads(self._read_frame())
        if type(answer) is list and answer and answer[0] == "ok" and len(answer) == 2:
            self.broken = bool(self.buffer)
            return wire.decode(answer[1], lambda index, name: Remote(("h", index), self, name))
        if type(answer) is list and len(answer) == 3 and answer[0] == "raise":
            self.broken = bool(self.buffer)
            raise ProgramError(f"{str(answer[1])[:100]}: {str(answer[2])[:500]}")
        raise ProgramError("malformed answer from the program")

    def _read_frame(self) -> bytes:
        while True:
            if len(self.buffer) >= 4:
                size = int.from_bytes(self.buffer[:4], "big")
                if size > self.answer_limit:
                    raise ProgramError(f"answer of {size} bytes exceeds the output limit")
                if len(self.buffer) >= 4 + size:
                    frame, self.buffer = self.buffer[4 : 4 + size], self.buffer[4 + size :]
                    return frame
            remaining = self.deadline - time.monotonic()
            if remaining <= 0 or not select.select([self.answer_fd], [], [], remaining)[0]:
                raise TestTimeout("the program did not answer in time")
            chunk = os.read(self.answer_fd, 1 << 20)
            if not chunk:
                raise ProgramError("the program exited before answering")
            self.buffer += chunk


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


class Drain(threading.Thread):
    """Reads one output pipe to its end, keeping the first `cap` bytes."""

    def __init__(self, fd: int, cap: int, on_overflow) -> None:
        super().__init__(daemon=True)
        self.fd, self.cap, self.on_overflow = fd, cap, on_overflow
        self.data, self.truncated = bytearray(), False

    def run(self) -> None:
        while True:
            chunk = os.read(self.fd, 1 << 16)
            if not chunk:
                return
            room = self.cap - len(self.data)
            self.data += chunk[: max(room, 0)]
            if len(chunk) > room and not self.truncated:
                self.truncated = True
                self.on_overflow()

    def text(self) -> str:
        return bytes(self.data).decode("utf-8", errors="replace")


def kill_tree(uid: int | None, pid: int | None) -> None:
    """SIGKILL every process of the child's uid (the child, its children, setsid escapees);
    without a uid switch, the child's own process group."""
    if uid is None:
        if pid:
            try:
                os.killpg(pid, signal.SIGKILL)
            except OSError:
                pass
        return
    reaper = os.fork()
    if reaper == 0:
        try:
            os.setresuid(uid, uid, uid)
            for _ in range(50):
                os.kill(-1, signal.SIGKILL)  # every process this uid may signal; ESRCH when none
        except BaseException:
            pass
        os._exit(0)
    os.waitpid(reaper, 0)


def run_job(job: dict, zygote: socket.socket, slot: int, out) -> None:
    """Run every test of the job and write one JSON line per test to `out` as it finishes.

    A stdin/stdout test runs the program in a fresh child of its own. Call and assert tests
    share one child, as MBPP's and HumanEval's own harnesses run all asserts in one process:
    the program's top level runs once and each test calls into it. A test that leaves the child
    unusable (a timeout, a crash or exit, too much output, a malformed answer) retires it, and
    the next test gets a fresh one, so no test is charged for another's damage."""
    deadline = time.monotonic() + job["budget"]
    shared: Child | None = None
    for index, test in enumerate(job["tests"]):
        remaining = deadline - time.monotonic()
        time_limit = min(job["limits"]["test_timeout"], remaining)
        if remaining <= 0.05:
            outcome = {"passed": False, "ran": False, "timed_out": True, "error": "the total time budget ran out"}
        elif test["kind"] == "stdio":
            if shared is not None:
                shared.finish(time_limit)
                shared = None
            started = time.monotonic()
            fresh = Child(job, zygote, slot, "stdio", test.get("stdin", ""), serves=1)
            outcome = _ended(
                {"passed": None, "value": None, "error": None, "timed_out": False}, fresh.finish(time_limit)
            )
            outcome["seconds"] = round(time.monotonic() - started, 6)
        else:
            shared = shared or Child(job, zygote, slot, "rpc", "", serves=len(job["tests"]) - index)
            outcome = shared.drive(test, time_limit)
            if not shared.healthy:
                outcome = _ended(outcome, shared.finish(time_limit))
                shared = None
        out.write(json.dumps(outcome) + "\n")
        out.flush()
    if shared is not None:
        shared.finish(max(deadline - time.monotonic(), 0.05))


def _ended(outcome: dict, end: dict) -> dict:
    """A test's outcome with how its child ended added: a timeout or an error at the end adds to
    what the test itself saw, never replaces it."""
    timed_out, error = end.pop("timed_out"), end.pop("error")
    outcome.update(timed_out=outcome["timed_out"] or timed_out, error=outcome["error"] or error)
    outcome.update(end, memory_exceeded=end["memory_exceeded"] or "MemoryError" in (outcome["error"] or ""))
    return outcome


class Child:
    """One sandboxed child running the program: its output drained, its calls driven, its end
    observed. `serves` is how many tests it may run, which scales its CPU-time limit (each test
    keeps its own wall-clock limit)."""

    def __init__(self, job: dict, zygote: socket.socket, slot: int, mode: str, stdin: str, serves: int) -> None:
        limits = job["limits"]
        self.uid, self.limits, self.started = job.get("uid"), limits, time.monotonic()
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
        self.overflow = threading.Event()
        self.drains = [
            Drain(self.pipes[name][0], limits["output_bytes"], self._on_overflow) for name in ("stdout", "stderr")
        ]
        for drain in self.drains:
            drain.start()
        threading.Thread(target=_feed, args=(self.pipes, job["program"], stdin), daemon=True).start()
        self.healthy = True

    def _on_overflow(self) -> None:
        self.overflow.set()
        kill_tree(self.uid, self.pid)

    def drive(self, test: dict, time_limit: float) -> dict:
        """Run one call or assert test against the program within `time_limit` seconds."""
        started = time.monotonic()
        channel = Channel(
            self.pipes["request"][1], self.pipes["answer"][0], started + time_limit, self.limits["output_bytes"]
        )
        outcome: dict[str, Any] = {"passed": None, "value": None, "error": None, "timed_out": False}
        try:
            _drive(test, channel, outcome)
        except TestTimeout as exc:
            outcome.update(passed=False, timed_out=True, error=str(exc))
        except BaseException as exc:  # the test's failure, whatever it raised, is the observation
            outcome.update(passed=False, error=f"{type(exc).__name__}: {_describe(exc)}")
        self.healthy = not (channel.broken or self.overflow.is_set())
        outcome["memory_exceeded"] = "MemoryError" in (outcome["error"] or "")
        outcome["seconds"] = round(time.monotonic() - started, 6)
        return outcome

    def finish(self, time_limit: float) -> dict:
        """End the child within `time_limit` (an rpc child's loop ends when its request pipe
        closes; a script ends by itself), kill whatever is left of its tree, and say how it ended."""
        deadline = time.monotonic() + time_limit
        os.close(self.pipes["request"][1])
        status = self.replies.next(deadline)
        if status is None or _has_processes(self.uid):
            kill_tree(self.uid, self.pid)
        timed_out = status is None
        status = status or self.replies.next(time.monotonic() + 5) or {}
        for drain in self.drains:
            drain.join(timeout=1)
            if not drain.is_alive():
                os.close(drain.fd)
        os.close(self.pipes["answer"][0])
        self.reply.close()
        shutil.rmtree(self.cwd, ignore_errors=True)
        code, sig = status.get("exit_code"), status.get("signal")
        return {
            "timed_out": timed_out or sig == signal.SIGXCPU,
            "error": "time limit exceeded" if timed_out else None,
            "exit_code": code,
            "signal": sig,
            "output_limit": self.overflow.is_set(),
            "memory_exceeded": code == child.EXIT_MEMORY,
            "stdout": self.drains[0].text(),
            "stderr": self.drains[1].text(),
            "stdout_truncated": self.drains[0].truncated,
            "stderr_truncated": self.drains[1].truncated,
        }


def _drive(test: dict, channel: Channel, outcome: dict) -> None:
    callables, modules = channel.request(("names",))
    if test["kind"] == "call":
        name = test["function"]
        ref = ("method", ("Solution", name)) if "Solution" in callables and name not in callables else ("g", name)
        value = Remote(ref, channel, "function")(*test["args"])
        outcome.update(value=wire.encode(value, []), passed=None)
        return
    namespace = {"__name__": "__test__", "__builtins__": builtins}
    for alias, module in modules.items():
        if str(module).split(".")[0] in sys.stdlib_module_names:
            try:
                namespace[alias] = importlib.import_module(module)
            except ImportError:
                pass
    tree = ast.parse(test["code"])
    for name in callables:
        if name not in _BUILTIN_NAMES or _called_with_literals_only(tree, name):
            namespace[name] = Remote(("g", name), channel, "function")
    exec(compile(tree, "<test>", "exec"), namespace)
    outcome["passed"] = True


def _has_processes(uid: int | None) -> bool:
    """Whether any process of `uid` is left (a child of the child, say). Without a uid switch
    this cannot be told apart from the host's own processes, so the answer is yes."""
    if uid is None:
        return True
    for entry in os.listdir("/proc"):
        try:
            if entry.isdigit() and os.stat(f"/proc/{entry}").st_uid == uid:
                return True
        except OSError:
            pass
    return False


def _called_with_literals_only(tree: ast.AST, name: str) -> bool:
    """Whether the test calls `name`, and only ever with literal arguments.

    A program name that shadows a builtin (MBPP's `def sum(a, b)`) is exposed to the test only
    then: it is the function under test. A test that applies the builtin to the program's
    results (`abs(candidate(x) - y) < 1e-6`) keeps the real builtin, so a program cannot
    pass by redefining `abs`."""
    uses = [node for node in ast.walk(tree) if isinstance(node, ast.Name) and node.id == name]
    calls = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == name
    ]
    if not calls or len(calls) != len(uses):
        return False
    for call in calls:
        for argument in [*call.args, *(keyword.value for keyword in call.keywords)]:
            try:
                ast.literal_eval(argument)
            except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
                return False
    return True


def _feed(pipes: dict, program: str, stdin: str) -> None:
    for name, data in (("program", program), ("stdin", stdin)):
        try:
            wire_fd = pipes[name][1]
            view = memoryview(data.encode("utf-8", errors="replace"))
            while view:
                view = view[os.write(wire_fd, view) :]
        except OSError:
            pass
        finally:
            os.close(pipes[name][1])


class Replies:
    """JSON lines from the zygote about one child: {"pid": ...}, then {"exit_code", "signal"}."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock, self.buffer = sock, b""

    def next(self, deadline: float) -> dict | None:
        """The next message; None when `deadline` passes first, {} when the zygote hung up."""
        while b"\n" not in self.buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([self.sock], [], [], remaining)[0]:
                return None
            chunk = self.sock.recv(4096)
            if not chunk:
                return {}
            self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\n", 1)
        return json.loads(line)


def _describe(exc: BaseException) -> str:
    return str(exc)[:500]
