"""The result of one verification: `Verdict`, and the reason words it carries."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

# Machine-readable reasons, in two kinds. A zero for a judged answer is a training signal; a zero
# from a verifier that could not judge is not, and must never pass for one (see docs/reliability.md).

# The answer was judged.
OK = "ok"
MISMATCH = "mismatch"
NO_ANSWER = "no_answer"
PROGRAM_TIMEOUT = "program_timeout"  # the program ran past its per-test limit: a wrong program

# The verifier could not judge.
TIMEOUT = "timeout"
ERROR = "error"
BAD_GROUND_TRUTH = "bad_ground_truth"
BAD_OPTIONS = "bad_options"
UNKNOWN_TASK = "unknown_task"
JUDGE_ERROR = "judge_error"
SANDBOX_ERROR = "sandbox_error"
BUSY = "busy"

JUDGED_REASONS = frozenset({OK, MISMATCH, NO_ANSWER, PROGRAM_TIMEOUT})
FAILURE_REASONS = frozenset(
    {TIMEOUT, ERROR, BAD_GROUND_TRUTH, BAD_OPTIONS, UNKNOWN_TASK, JUDGE_ERROR, SANDBOX_ERROR, BUSY}
)


def is_failure(reason: str) -> bool:
    """Whether `reason` means the verifier could not judge. A word outside both sets counts as a
    failure, so a new reason is loud until someone classifies it.

    >>> is_failure("mismatch"), is_failure("judge_error")
    (False, True)
    """
    return reason not in JUDGED_REASONS


@dataclass(frozen=True)
class Verdict:
    """What a verifier decided about one completion.

    score:     reward in [0, 1] (partial credit and format bonuses live here).
    correct:   whether the answer is right, independent of any bonus.
    extracted: the answer found in the completion, or None when none was found.
    reason:    a short machine-readable word ("ok", "mismatch", "no_answer", "timeout", "error", ...).
    detail:    free-form facts for logs and reports (how the answer was found, what decided).
    """

    score: float
    correct: bool
    extracted: str | None = None
    reason: str = OK
    detail: dict[str, Any] | str = field(default_factory=dict)

    def __post_init__(self) -> None:
        if type(self.score) is float and 0.0 <= self.score <= 1.0:  # the common case, kept cheap
            return
        if not isinstance(self.score, (int, float)) or math.isnan(self.score) or not 0.0 <= self.score <= 1.0:
            raise ValueError(f"Verdict score must be a float in [0, 1], got {self.score!r}")
        object.__setattr__(self, "score", float(self.score))

    @classmethod
    def failure(cls, reason: str, detail: dict[str, Any] | str = "", extracted: str | None = None) -> Verdict:
        """A zero-score verdict for anything that stopped verification (timeout, error, bad input)."""
        return cls(score=0.0, correct=False, extracted=extracted, reason=reason, detail=detail)

    @property
    def failed(self) -> bool:
        """True when the verifier could not judge (reason in FAILURE_REASONS): the score is not a signal.

        >>> Verdict.failure("sandbox_error").failed, Verdict(0.0, False, reason="mismatch").failed
        (True, False)
        """
        return is_failure(self.reason)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict of all fields."""
        return {
            "score": self.score,
            "correct": self.correct,
            "extracted": self.extracted,
            "reason": self.reason,
            "detail": self.detail,
        }
