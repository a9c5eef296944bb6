"""What a sandboxed run reports: the tests to run and, per test, exactly what happened."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rlvr.sandbox import wire


@dataclass(frozen=True)
class StdioTest:
    """Run the program as a script with `stdin`; the caller judges the captured stdout."""

    stdin: str = ""

    def to_wire(self) -> dict:
        return {"kind": "stdio", "stdin": self.stdin}


@dataclass(frozen=True)
class CallTest:
    """Call the program's top-level `function` (or `Solution().function`) with `args`; the
    returned value comes back as plain data in `TestOutcome.value`."""

    function: str
    args: tuple = ()

    def to_wire(self) -> dict:
        return {"kind": "call", "function": self.function, "args": list(self.args)}


@dataclass(frozen=True)
class AssertTest:
    """Trusted test code (asserts, a `check(candidate)` call) run by the harness, outside the
    program's process, after the trusted `setup` code (HumanEval's prompt, MBPP's imports and
    setup). The test passes when this code runs to completion.

    Names resolve against trusted code first: `entry_points` (the functions under test) are the
    program's; a name the trusted code defines, a builtin or a standard-library module keeps its
    trusted meaning even when the program redefines it; only another name the trusted code uses
    but does not define (a helper of the solution) is taken from the program. The program's
    functions and classes are reached as proxies."""

    code: str
    setup: str = ""
    entry_points: tuple[str, ...] = ()

    def to_wire(self) -> dict:
        return {"kind": "assert", "code": self.code, "setup": self.setup, "entry_points": list(self.entry_points)}


class Opaque:
    """A value the program returned that is not plain data; equal to nothing but itself."""

    def __init__(self, type_name: str) -> None:
        self.type_name = type_name

    def __repr__(self) -> str:
        return f"<opaque {self.type_name}>"


@dataclass(frozen=True)
class TestOutcome:
    """One test. `passed` is None for stdio and call tests (the caller compares `stdout` or
    `value`). `ran` is False when the total budget ran out before the test started. `timed_out`:
    the program spent its CPU time or slept past the wall-clock cap; `starved` (with `timed_out`):
    it was runnable but the machine gave it too little CPU before the cap, so nothing was judged."""

    passed: bool | None
    ran: bool = True
    value: Any = None
    error: str | None = None
    exit_code: int | None = None
    signal: int | None = None
    timed_out: bool = False
    starved: bool = False
    memory_exceeded: bool = False
    output_limit: bool = False
    stdout: str = ""
    stderr: str = ""
    stdout_truncated: bool = False
    stderr_truncated: bool = False
    seconds: float = 0.0

    @classmethod
    def from_wire(cls, data: dict) -> TestOutcome:
        value = data.get("value")
        if value is not None:
            try:
                value = wire.decode(value, lambda index, name: Opaque(name))
            except wire.WireError as exc:  # the harness checked it already; never the caller's crash
                return cls(passed=False, error=f"malformed value: {exc}", output_limit=True)
        fields = {key: data[key] for key in cls.__dataclass_fields__ if key in data and key != "value"}
        return cls(**{**fields, "value": value})


@dataclass(frozen=True)
class RunResult:
    """All tests of one program, the isolation they ran under, and any pool-level failure:
    `failure` is the verdict reason when the pool could not judge the program ("busy",
    "sandbox_error", "timeout"; see rlvr.verdict) and `error` says why."""

    outcomes: tuple[TestOutcome, ...]
    isolation: dict = field(default_factory=dict)
    seconds: float = 0.0
    error: str | None = None
    failure: str | None = None
