"""The verifier base class and the never-crash boundary that every verification passes through.

A task's verifier subclasses `Verifier`, declares its frozen `Options` dataclass and implements
`check(completion, ground_truth, deadline)`. `check` may raise anything: `Verifier.verify` is
the one place where exceptions, timeouts and bad ground truths become zero-score Verdicts, so no
task module needs a try/except of its own.

Time budget: `check` receives a `Deadline` for the whole call (option `timeout`). Work that can
run unbounded (sympy, running programs, HTTP judges) must go to a killable worker with
`deadline.remaining()` as its limit; in-process work (regexes over text cut at stop sequences,
string normalisation) is linear in the input by construction.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from typing import Any, ClassVar, Generic, TypeVar, cast

from rlvr.verdict import BAD_GROUND_TRUTH, BUSY, ERROR, FAILURE_REASONS, NO_ANSWER, TIMEOUT, Verdict
from rlvr.verifiers.reasoning import answer_text, check_policy
from rlvr.workers.budget import worker_budget
from rlvr.workers.errors import JobTimeout


class VerificationTimeout(Exception):
    """Raised inside a verifier when its deadline passes; the boundary reports reason "timeout"."""


class VerifierBusy(Exception):
    """Raised inside a verifier when no worker was free in time: the answer was not judged; reason "busy"."""

    verdict_reason = BUSY


class BadGroundTruth(ValueError):
    """Raised inside a verifier when the ground truth cannot be used; reason "bad_ground_truth"."""


class PastBound(Exception):
    """Raised inside a verifier when the completion drove it past a bound (a value too large, a
    nesting too deep, a check that used its whole CPU budget): the answer is judged wrong, score 0
    with `reason` ("too_complex", "too_deep", "output_limit"), never a failure (the blame rule)."""

    def __init__(self, reason: str, why: str) -> None:
        super().__init__(why)
        self.reason = reason


# A job killed after using this share of its limit in CPU time was expensive, not starved.
CPU_SHARE_EXPENSIVE = 0.8


def spent_its_cpu(exc: JobTimeout, limit: float) -> bool:
    """Whether a job killed at `limit` seconds had used most of them in CPU time: its work was
    expensive (the completion's doing), where a job that got little CPU was starved by the machine."""
    return exc.cpu_seconds is not None and exc.cpu_seconds >= CPU_SHARE_EXPENSIVE * limit


@dataclass(frozen=True)
class VerifierOptions:
    """Options every verifier accepts.

    timeout: seconds one `verify` call may take before it returns a "timeout" verdict.
    reasoning: "strip" (default) reads only the text after the last closing think tag, and
        judges a completion whose think block never closes as no answer; "keep" reads it all
        (rlvr.verifiers.reasoning).
    """

    timeout: float = 10.0
    reasoning: str = "strip"

    def __post_init__(self) -> None:
        if not isinstance(self.timeout, (int, float)) or not self.timeout > 0:
            raise ValueError(f"timeout must be a positive number of seconds, got {self.timeout!r}")
        check_policy(self.reasoning)


OptionsT = TypeVar("OptionsT", bound=VerifierOptions)


class Deadline:
    """A point in time (monotonic clock) by which a verification must finish."""

    def __init__(self, seconds: float) -> None:
        self.expires_at = time.monotonic() + seconds

    def remaining(self) -> float:
        """Seconds left, never negative."""
        return max(0.0, self.expires_at - time.monotonic())

    def check(self, what: str = "verification") -> None:
        """Raise VerificationTimeout if the deadline has passed."""
        if time.monotonic() >= self.expires_at:
            raise VerificationTimeout(f"{what} ran past its deadline")


class Verifier(Generic[OptionsT]):
    """Base class of every task verifier, generic over its options class.

    Subclasses name their options class twice, as the type parameter (for type checkers) and as
    `Options` (to build it): `class GSM8KVerifier(Verifier[GSM8KOptions]): Options = GSM8KOptions`.
    They set `task` and implement `check`. Users build them through
    `rlvr.get_verifier(task, **options)` and call `verify`, `compute_reward` or `verify_batch`.
    """

    task: ClassVar[str] = ""
    Options: ClassVar[type[VerifierOptions]] = VerifierOptions
    # Environment variables that give option defaults: rlvr.api keys its shared verifiers by
    # their values too, so changing one takes effect on the next call.
    environment: ClassVar[tuple[str, ...]] = ()
    # How many calls verify_batch runs at once. 1 for cheap in-process work; verifiers whose
    # heavy work runs in worker processes (sympy, sandboxes, HTTP) raise it so that
    # threads keep those workers busy.
    batch_concurrency: int = 1
    options: OptionsT

    def __init__(self, **options: Any) -> None:
        valid = sorted(self.Options.__dataclass_fields__)
        unknown = sorted(set(options) - set(valid))
        if unknown:
            raise ValueError(f"unknown option(s) {unknown} for task {self.task!r}; valid options: {valid}")
        try:
            # Options is OptionsT's class (a ClassVar cannot name a type variable, hence the cast).
            self.options = cast(OptionsT, self.Options(**options))
        except ValueError:
            raise
        except Exception as exc:  # an ill-typed value failing a check: configuration, so ValueError
            raise ValueError(f"bad option value for task {self.task!r}: {type(exc).__name__}: {exc}") from None

    def check(self, completion: str, ground_truth: Any, deadline: Deadline) -> Verdict:
        """Verify one completion (its answer text: think blocks already removed, see
        VerifierOptions.reasoning). May raise: `verify` turns exceptions into verdicts."""
        raise NotImplementedError

    def verify(self, completion: str, ground_truth: Any) -> Verdict:
        """Verify one completion against its ground truth. Never raises."""
        deadline = Deadline(self.options.timeout)
        try:
            if not isinstance(completion, str):
                return Verdict.failure(ERROR, f"completion must be a str, got {type(completion).__name__}")
            answer = answer_text(completion, self.options.reasoning)
            if answer is None:  # cut off while reasoning: judged, there is no answer
                return Verdict(0.0, False, None, NO_ANSWER, {"form": "unclosed_think"})
            verdict = self.check(answer, ground_truth, deadline)
        except VerificationTimeout as exc:
            return Verdict.failure(TIMEOUT, _describe(exc))
        except BadGroundTruth as exc:
            return Verdict.failure(BAD_GROUND_TRUTH, _describe(exc))
        except PastBound as exc:
            return Verdict.failure(exc.reason, _describe(exc))
        except (Exception, SystemExit) as exc:  # the boundary: nothing escapes to the trainer
            return Verdict.failure(_reason(exc), f"{type(exc).__name__}: {_describe(exc)}")
        if not isinstance(verdict, Verdict):
            return Verdict.failure(ERROR, f"verifier returned {type(verdict).__name__}, not a Verdict")
        return verdict

    def compute_reward(self, completion: str, ground_truth: Any) -> float:
        """The verdict's score: a float in [0, 1]. Never raises."""
        return self.verify(completion, ground_truth).score

    def verify_batch(self, completions: Sequence[str], ground_truths: Sequence[Any]) -> list[Verdict]:
        """Verify many completions; verdicts come back in input order.

        Raises ValueError only when the two sequences differ in length, because pairing them
        up silently (broadcasting, truncating) would hand a trainer rewards for the wrong samples.
        """
        if len(completions) != len(ground_truths):
            raise ValueError(f"verify_batch got {len(completions)} completions but {len(ground_truths)} ground truths")
        workers = min(self.batch_concurrency, len(completions))
        if workers <= 1:
            return [self.verify(c, g) for c, g in zip(completions, ground_truths)]
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix=f"rlvr-{self.task}") as pool:
            return list(pool.map(self.verify, completions, ground_truths))

    async def averify(self, completion: str, ground_truth: Any) -> Verdict:
        """`verify` for asyncio code: the same Verdict, awaited on this verifier's thread lane so
        the event loop never blocks (see rlvr.aio). Never raises."""
        from rlvr.aio import verify_in_lane  # rlvr.aio imports this module

        return await verify_in_lane(self, completion, ground_truth)

    async def averify_batch(self, completions: Sequence[str], ground_truths: Sequence[Any]) -> list[Verdict]:
        """`verify_batch` for asyncio code: the same verdicts in input order, awaited without
        blocking the event loop. Raises ValueError when the lengths differ, as `verify_batch` does.

        >>> import asyncio, rlvr
        >>> [v.reason for v in asyncio.run(rlvr.get_verifier("gsm8k").averify_batch(["#### 4"], ["4"]))]
        ['ok']
        """
        from rlvr.aio import averify_batch

        return await averify_batch(self, completions, ground_truths)

    def describe_options(self) -> dict[str, Any]:
        """The options in force, for logs and run summaries."""
        return asdict(self.options)


def _describe(exc: BaseException, limit: int = 500) -> str:
    return str(exc)[:limit]


def _reason(exc: BaseException) -> str:
    """The failure reason an exception names (a closed sandbox: "sandbox_error"), else "error"."""
    reason = getattr(type(exc), "verdict_reason", ERROR)
    return reason if reason in FAILURE_REASONS else ERROR


def structured_ground_truth(ground_truth: Any) -> Any:
    """A dict/list ground truth, decoding it first when it arrives as a JSON string."""
    if isinstance(ground_truth, (str, bytes)):
        try:
            return json.loads(ground_truth)
        except ValueError as exc:
            raise BadGroundTruth(f"ground truth is a string but not valid JSON: {exc}") from None
    return ground_truth


def default_concurrency() -> int:
    """Threads for verify_batch of verifiers backed by worker processes: the worker budget, at least 2."""
    return max(2, worker_budget())
