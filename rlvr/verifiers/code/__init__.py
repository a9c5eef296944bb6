"""The code-verification core shared by the mbpp, humaneval and apps tasks.

A task turns its ground truth into sandbox tests (`tests`) and says how an outcome counts
(`judge`); this class extracts the program, runs the tests in sandboxed children through
the shared pool, and scores the fraction passed (or all-or-nothing). Every verdict's detail
carries per-test outcomes and the isolation in force.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from rlvr.sandbox import Limits, RunResult, TestOutcome, shared_pool
from rlvr.sandbox.guarantees import warn_if_weaker
from rlvr.sandbox.pool import Test
from rlvr.verdict import MESSAGE, MISMATCH, OK, PROGRAM_TIMEOUT, TIMEOUT, Verdict
from rlvr.verifiers.base import (
    BadGroundTruth,
    Deadline,
    Verifier,
    VerifierOptions,
    default_concurrency,
    structured_ground_truth,
)
from rlvr.verifiers.code.extract import extract_program


@dataclass(frozen=True)
class CodeOptions(VerifierOptions):
    """timeout: wall-clock seconds for all tests of one completion together. test_timeout: CPU
    seconds of the program's process tree per test (a wall-clock cap of twice that plus a second
    backs it up; see docs/sandbox.md). all_or_nothing: score 1 only when every test passes (else
    the fraction passed). memory_mb: memory of the whole job where cgroups are available (else
    the address space of each process; `python -m rlvr` says which). allow_weak_isolation: run programs with
    rlimits only when bubblewrap is unavailable (otherwise building the verifier raises
    SandboxUnavailable, saying so)."""

    timeout: float = 20.0
    test_timeout: float = 4.0
    all_or_nothing: bool = False
    memory_mb: int = 1024
    allow_weak_isolation: bool = False

    def limits(self) -> Limits:
        return Limits(test_timeout=self.test_timeout, memory_mb=self.memory_mb)

    def __post_init__(self) -> None:
        super().__post_init__()
        self.limits()  # validates test_timeout and memory_mb


CodeOptionsT = TypeVar("CodeOptionsT", bound=CodeOptions)


class CodeVerifier(Verifier[CodeOptionsT]):
    """Base of the code tasks: subclasses implement `tests` (and may override `program`, `judge`);
    generic over their options (MBPP adds `challenge_tests`)."""

    Options = CodeOptions
    batch_concurrency = default_concurrency()

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        # The pool checks itself when it starts: a sandbox that cannot run programs raises
        # SandboxUnavailable here, as configuration, instead of scoring every sample 0.
        warn_if_weaker(shared_pool(self.options.allow_weak_isolation).isolation)

    def ground_truth(self, ground_truth: Any) -> dict:
        """The ground truth as a dict (decoded from JSON when it arrives as a string)."""
        value = structured_ground_truth(ground_truth)
        if not isinstance(value, dict):
            raise BadGroundTruth(f"{self.task} ground truth must be a dict, got {type(value).__name__}")
        return value

    def program(self, completion: str, truth: dict) -> tuple[str, bool]:
        """(program, found_in_fence) for the completion."""
        return extract_program(completion)

    def tests(self, truth: dict) -> Sequence[Test]:
        raise NotImplementedError

    def judge(self, outcome: TestOutcome, index: int, truth: dict) -> bool:
        """Whether one test passed; by default the harness's own observation."""
        return outcome.passed is True

    def check(self, completion: str, ground_truth: Any, deadline: Deadline) -> Verdict:
        options = self.options
        truth = self.ground_truth(ground_truth)
        tests = list(self.tests(truth))
        if not tests:
            raise BadGroundTruth(f"{self.task} ground truth has no tests")
        program, fenced = self.program(completion, truth)
        pool = shared_pool(options.allow_weak_isolation)
        # The wait for a free worker is not charged to the program (a busy pool gives "busy").
        result = pool.run(
            program, tests, options.limits(), timeout=max(deadline.remaining(), 0.01), wait=options.timeout
        )
        passed = [self.judge(outcome, i, truth) for i, outcome in enumerate(result.outcomes)]
        return self.verdict(program, fenced, passed, result)

    def verdict(self, program: str, fenced: bool, passed: list[bool], result: RunResult) -> Verdict:
        options = self.options
        fraction = sum(passed) / len(passed)
        score = float(all(passed)) if options.all_or_nothing else fraction
        ran = [(ok, o) for ok, o in zip(passed, result.outcomes) if o.ran]
        message = result.error  # why it could not judge, when it could not
        if result.failure:
            reason = result.failure  # the pool could not run the program: no judgement
        elif any(o.starved for ok, o in ran if not ok) and not any(not ok and not o.starved for ok, o in ran):
            reason = TIMEOUT  # the only failures are tests the machine starved of CPU: the machine's fault
            message = "the machine starved every failing test of CPU"
        elif all(passed):
            reason = OK
        elif all(ok for ok, _ in ran):
            reason = TIMEOUT  # the tests that ran passed; the call's time ran out before the rest
            message = "the verification's time ran out before every test ran"
        elif not any(passed) and all(o.timed_out for _, o in ran):
            reason = PROGRAM_TIMEOUT
        else:
            reason = MISMATCH
        detail = {
            "passed": sum(passed),
            "total": len(passed),
            "fenced": fenced,
            "isolation": result.isolation,
            "tests": [_summary(ok, outcome) for ok, outcome in zip(passed, result.outcomes)],
        }
        if message:
            detail[MESSAGE] = message
        if result.failure:
            score = 0.0
        return Verdict(score=score, correct=all(passed), extracted=program, reason=reason, detail=detail)


def _summary(passed: bool, outcome: TestOutcome) -> dict:
    """What a log needs about one test: the verdict and the facts behind a failure."""
    summary: dict[str, Any] = {"passed": passed, "seconds": outcome.seconds}
    if not passed:
        for name in (
            "error",
            "exit_code",
            "signal",
            "timed_out",
            "starved",
            "memory_exceeded",
            "output_limit",
            "stdout_truncated",
        ):
            value = getattr(outcome, name)
            if value:
                summary[name] = value
        if outcome.stderr:
            summary["stderr_tail"] = outcome.stderr[-300:]
    return summary
