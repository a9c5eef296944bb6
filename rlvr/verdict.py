"""The result of one verification: `Verdict`, and the reason words it carries."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

# Machine-readable reasons, in two kinds. A zero for a judged answer is a training signal; a zero
# from a verifier that could not judge is not, and must never pass for one (see docs/reliability.md).

# The answer was judged.
OK = "ok"
MISMATCH = "mismatch"
NO_ANSWER = "no_answer"
PROGRAM_TIMEOUT = "program_timeout"  # the program ran past its per-test limit: a wrong program
# The completion drove the verifier past one of its bounds: judged wrong, never a failure, so a
# policy cannot learn to escape a wrong answer by making the verifier give up (the blame rule).
TOO_COMPLEX = "too_complex"  # a value too large or too complex to decide (a power tower, a 2^(2^40))
TOO_DEEP = "too_deep"  # nesting past the parser's depth (JSON 1,000 levels deep)
OUTPUT_LIMIT = "output_limit"  # output past the size the verifier accepts

# The verifier could not judge.
TIMEOUT = "timeout"
ERROR = "error"
BAD_GROUND_TRUTH = "bad_ground_truth"
UNKNOWN_TASK = "unknown_task"
JUDGE_ERROR = "judge_error"
SANDBOX_ERROR = "sandbox_error"
BUSY = "busy"

JUDGED_REASONS = frozenset({OK, MISMATCH, NO_ANSWER, PROGRAM_TIMEOUT, TOO_COMPLEX, TOO_DEEP, OUTPUT_LIMIT})
FAILURE_REASONS = frozenset({TIMEOUT, ERROR, BAD_GROUND_TRUTH, UNKNOWN_TASK, JUDGE_ERROR, SANDBOX_ERROR, BUSY})


# The key of a verdict's human-readable message in its `detail`: why it could not judge, or the
# bound a completion passed. Every verdict built by `Verdict.failure` has one.
MESSAGE = "message"


def is_failure(reason: str) -> bool:
    """Whether `reason` means the verifier could not judge. A word outside both sets counts as a
    failure, so a new reason is loud until someone classifies it.

    >>> is_failure("mismatch"), is_failure("judge_error")
    (False, True)
    """
    return reason not in JUDGED_REASONS


# Bounds on what a verdict carries: one string, the items of one list or dict, nesting, integers.
MAX_TEXT_CHARS = 20_000
MAX_ITEMS = 1_000
MAX_DEPTH = 8
MAX_INT_BITS = 10_000  # json.dumps refuses integers past 4300 digits


def safe_text(text: str, limit: int = MAX_TEXT_CHARS) -> str:
    """`text` cut to `limit` characters and made encodable as UTF-8 (a lone surrogate, which a
    program can print or raise, becomes "?"), so any writer can store it.

    >>> safe_text("bad \\ud800 byte"), safe_text("x" * 30, limit=10)
    ('bad ? byte', 'xxxxxxxxxx... [20 more characters]')
    """
    if len(text) > limit:
        text = f"{text[:limit]}... [{len(text) - limit} more characters]"
    if text.isascii():
        return text
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "replace").decode("utf-8")
    return text


def _safe_value(value: Any, depth: int) -> Any:
    """`value` with every string made safe and every container and integer bounded; other
    objects (verifier-made, not program-made) are kept as they are."""
    if isinstance(value, str):
        return safe_text(value)
    if isinstance(value, bool) or value is None or isinstance(value, float):
        return value
    if isinstance(value, int):
        return value if value.bit_length() <= MAX_INT_BITS else f"<integer of {value.bit_length()} bits>"
    if isinstance(value, bytes):
        return safe_text(value[: MAX_TEXT_CHARS * 4].decode("utf-8", "replace"))
    if isinstance(value, (dict, list, tuple)) and depth >= MAX_DEPTH:
        return f"<{type(value).__name__} nested past {MAX_DEPTH} levels>"
    if isinstance(value, dict):
        items = list(value.items())
        safe = {
            (safe_text(key) if isinstance(key, str) else key): _safe_value(item, depth + 1)
            for key, item in items[:MAX_ITEMS]
        }
        if len(items) > MAX_ITEMS:
            safe["..."] = f"{len(items) - MAX_ITEMS} more items"
        return safe
    if isinstance(value, (list, tuple)):
        safe_items = [_safe_value(item, depth + 1) for item in value[:MAX_ITEMS]]
        if len(value) > MAX_ITEMS:
            safe_items.append(f"... {len(value) - MAX_ITEMS} more items")
        return safe_items if isinstance(value, list) else tuple(safe_items)
    return value


@dataclass(frozen=True)
class Verdict:
    """What a verifier decided about one completion.

    score:     reward in [0, 1] (partial credit and format bonuses live here).
    correct:   whether the answer is right, independent of any bonus.
    extracted: the answer found in the completion, or None when none was found.
    reason:    a short machine-readable word ("ok", "mismatch", "no_answer", "timeout", "error", ...).
    detail:    a dict of facts for logs and reports (how the answer was found, what decided);
               `detail["message"]` (see MESSAGE, and the `message` property) is the human-readable
               message of a failure or of a bound the completion passed.

    A verdict whose reason is a failure has score 0.0 and correct False, whatever it was built
    with; `extracted` and every string in `detail` are valid UTF-8 and at most MAX_TEXT_CHARS.
    A detail that is not a dict raises ValueError, like a score outside [0, 1].
    """

    score: float
    correct: bool
    extracted: str | None = None
    reason: str = OK
    detail: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not (type(self.score) is float and 0.0 <= self.score <= 1.0):  # the common case, kept cheap
            if not isinstance(self.score, (int, float)) or math.isnan(self.score) or not 0.0 <= self.score <= 1.0:
                raise ValueError(f"Verdict score must be a float in [0, 1], got {self.score!r}")
            object.__setattr__(self, "score", float(self.score))
        if self.reason not in JUDGED_REASONS and (self.score or self.correct):
            # A verdict that could not judge carries no reward, whoever built it (a partial
            # score from the tests that ran before a failure would otherwise be trained on).
            object.__setattr__(self, "score", 0.0)
            object.__setattr__(self, "correct", False)
        if not isinstance(self.detail, dict):
            raise ValueError(f"Verdict detail must be a dict, got {type(self.detail).__name__}: {self.detail!r:.100}")
        # Programs and completions write into these: keep them valid UTF-8 and bounded, once, here.
        if self.extracted is not None:
            object.__setattr__(self, "extracted", safe_text(self.extracted))
        object.__setattr__(self, "detail", _safe_value(self.detail, 0))

    @classmethod
    def failure(
        cls, reason: str, message: str = "", detail: Mapping[str, Any] | None = None, extracted: str | None = None
    ) -> Verdict:
        """A zero-score verdict whose cause is a message: anything that stopped verification (a
        failure reason: timeout, error, bad input), or a bound the completion passed (a judged
        reason: too_complex, too_deep, output_limit). `message` goes in `detail["message"]`,
        beside the facts in `detail`.

        >>> Verdict.failure("timeout", "no verdict within 5 s", {"calls": 2}).detail
        {'calls': 2, 'message': 'no verdict within 5 s'}
        """
        return cls(0.0, False, extracted, reason, {**(detail or {}), MESSAGE: message})

    @property
    def failed(self) -> bool:
        """True when the verifier could not judge (reason in FAILURE_REASONS): the score is not a signal.

        >>> Verdict.failure("sandbox_error").failed, Verdict(0.0, False, reason="mismatch").failed
        (True, False)
        """
        return is_failure(self.reason)

    @property
    def message(self) -> str:
        """The human-readable message in `detail` ("" when it has none: a judged answer's facts).

        >>> Verdict.failure("bad_ground_truth", "empty gold answer").message
        'empty gold answer'
        """
        return str(self.detail.get(MESSAGE, ""))

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict of all fields."""
        return {
            "score": self.score,
            "correct": self.correct,
            "extracted": self.extracted,
            "reason": self.reason,
            "detail": self.detail,
        }
