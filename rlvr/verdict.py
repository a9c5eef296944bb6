"""The result of one verification: `Verdict`, and the reason words it carries."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

# Machine-readable reasons. Verifiers may add task-specific ones; these are shared.
OK = "ok"
MISMATCH = "mismatch"
NO_ANSWER = "no_answer"
TIMEOUT = "timeout"
ERROR = "error"
BAD_GROUND_TRUTH = "bad_ground_truth"
BAD_OPTIONS = "bad_options"
UNKNOWN_TASK = "unknown_task"
BUSY = "busy"


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

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict of all fields."""
        return {
            "score": self.score,
            "correct": self.correct,
            "extracted": self.extracted,
            "reason": self.reason,
            "detail": self.detail,
        }
