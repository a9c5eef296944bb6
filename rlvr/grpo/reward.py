"""The reward a session trains on: an `rlvr` task's verifier or a user's callable, and
`preflight_reward`, which checks a reward before any training."""

from __future__ import annotations

import inspect
import json
import random
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from rlvr.api import get_verifier
from rlvr.verdict import ERROR, OK, Verdict, is_failure
from rlvr.verifiers.base import Verifier


@dataclass(frozen=True)
class Score:
    """One completion's reward. correct is None when a plain callable gave only a number."""

    score: float
    correct: bool | None
    reason: str
    extracted: str | None = None
    detail: str = ""

    @classmethod
    def from_verdict(cls, verdict: Verdict) -> Score:
        """The score of a verifier's verdict (its detail kept as short JSON text, unless it was judged right)."""
        detail = "" if verdict.reason == OK else json.dumps(verdict.detail, ensure_ascii=False, default=str)[:300]
        return cls(verdict.score, verdict.correct, verdict.reason, verdict.extracted, detail)

    @property
    def failed(self) -> bool:
        """True when the reward could not judge the completion (see rlvr.FAILURE_REASONS)."""
        return is_failure(self.reason)


class Reward:
    """Scores completions in batches. `reward` is a task name (its verifier's `verify_batch` with
    `options`) or a callable `compute_reward(completion, ground_truth) -> float`. A callable that
    raises or returns something outside [0, 1] scores 0 with reason "error": the step goes on,
    and the error rate in the metrics tells the researcher to fix the reward first."""

    def __init__(self, reward: str | Callable[[str, Any], float], options: dict[str, Any] | None = None) -> None:
        self.options = dict(options or {})
        if isinstance(reward, str):
            self.name = reward
            self.verifier: Verifier | None = get_verifier(reward, **self.options)
            self.function: Callable[[str, Any], float] | None = None
        elif callable(reward):
            if self.options:
                raise ValueError("reward_options apply to task names only, not to a reward callable")
            self.name = getattr(reward, "__qualname__", repr(reward))
            self.verifier, self.function = None, reward
        else:
            raise TypeError(f"reward must be an rlvr task name or a callable, got {type(reward).__name__}")

    def score(self, completions: Sequence[str], ground_truths: Sequence[Any]) -> list[Score]:
        if self.verifier is not None:
            return [Score.from_verdict(v) for v in self.verifier.verify_batch(completions, ground_truths)]
        function = self.function
        assert function is not None  # set whenever the verifier is not
        return [self._call(function, c, g) for c, g in zip(completions, ground_truths)]

    @staticmethod
    def _call(function: Callable[[str, Any], float], completion: str, ground_truth: Any) -> Score:
        try:
            value = function(completion, ground_truth)
        except Exception as exc:  # a user's reward: report it in the metrics, never stop training
            return Score(0.0, None, ERROR, detail=f"{type(exc).__name__}: {exc}"[:300])
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 <= float(value) <= 1.0:
            return Score(0.0, None, ERROR, detail=f"reward returned {value!r:.100}, not a float in [0, 1]")
        return Score(float(value), None, OK)

    def source(self) -> str:
        """The source code that computes this reward, saved in the session directory."""
        target = inspect.getmodule(type(self.verifier)) if self.verifier is not None else self.function
        header = f"# reward: {self.name}  options: {self.options}\n"
        if target is None:
            return header + "# source not available\n"
        try:
            return header + inspect.getsource(target)
        except (OSError, TypeError):
            return header + f"# source not available for {target!r}\n"


def failure_metrics(scores: Sequence[Score]) -> dict[str, Any]:
    """A step's `reward_error_rate` (the share of completions the reward could not judge) and
    `reward_failures` (their reasons), which `diagnose` reads.

    >>> failure_metrics([Score(0.0, False, "sandbox_error"), Score(1.0, True, "ok")])
    {'reward_error_rate': 0.5, 'reward_failures': {'sandbox_error': 1}}
    """
    failed = [s.reason for s in scores if s.failed]
    return {"reward_error_rate": len(failed) / len(scores) if scores else 0.0, "reward_failures": dict(Counter(failed))}


@dataclass
class PreflightReport:
    """What `preflight_reward` found. ok is False when any problem was found."""

    samples: int
    problems: list[str] = field(default_factory=list)
    mean: float = 0.0
    histogram: dict[float, int] = field(default_factory=dict)
    reasons: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems

    def __str__(self) -> str:
        status = "ok" if self.ok else "PROBLEMS: " + "; ".join(self.problems)
        return (
            f"reward preflight on {self.samples} examples: {status}; mean {self.mean:.3f}; "
            f"scores {self.histogram}; reasons {self.reasons}"
        )


def preflight_reward(
    reward: str | Callable[[str, Any], float] | Reward,
    examples: Sequence[dict[str, Any]],
    samples: int = 64,
    seed: int = 0,
    options: dict[str, Any] | None = None,
) -> PreflightReport:
    """Run the reward on up to `samples` examples ({"completion", "ground_truth"}), drawn with
    `seed`, twice, before any training. Reports problems: exceptions or out-of-range values
    (reason "error") and every other verdict that could not judge (rlvr.FAILURE_REASONS),
    different scores on the second run (not deterministic), one single score for everything
    (constant: no signal to learn from);
    and the distribution of scores and reasons."""
    scorer = reward if isinstance(reward, Reward) else Reward(reward, options)
    for index, example in enumerate(examples):
        if (
            not isinstance(example, dict)
            or not isinstance(example.get("completion"), str)
            or "ground_truth" not in example
        ):
            raise ValueError(
                f"examples[{index}] must be a dict with a str 'completion' and a 'ground_truth': {example!r:.200}"
            )
    chosen = random.Random(seed).sample(list(examples), min(samples, len(examples)))
    completions = [e["completion"] for e in chosen]
    truths = [e["ground_truth"] for e in chosen]
    first, second = scorer.score(completions, truths), scorer.score(completions, truths)
    report = PreflightReport(samples=len(chosen))
    if not chosen:
        report.problems.append("no examples")
        return report
    values = [s.score for s in first]
    report.mean = sum(values) / len(values)
    report.histogram = dict(sorted(Counter(round(v, 4) for v in values).items()))
    report.reasons = dict(Counter(s.reason for s in first).most_common())
    failures = [(i, s) for i, s in enumerate(first) if s.failed]
    if failures:
        i, s = failures[0]
        report.problems.append(
            f"{len(failures)} of {len(chosen)} scored as failures, e.g. {s.reason}: {s.detail} "
            f"(completion {completions[i]!r:.80})"
        )
    differing = sum(a.score != b.score for a, b in zip(first, second))
    if differing:
        report.problems.append(f"not deterministic: {differing} of {len(chosen)} scores changed on a second run")
    if len(set(values)) == 1:
        report.problems.append(f"constant: every example scored {values[0]}, so no group can carry a learning signal")
    return report
