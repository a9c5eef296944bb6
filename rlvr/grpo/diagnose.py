"""`diagnose(metrics)`: the decision policy of the step-wise recipe, as advice on what to do next.

It reads the recent GRPO steps of a metric history (the dicts train_grpo_step returns, or the
records of trace.jsonl) and says, most urgent first: fix the reward (errors); lower the learning
rate (KL spikes, oscillating reward); the task is too hard / the reward too strict / answers are
cut off (mostly all-0 groups); converged or too easy (mostly all-1 groups); or carry on.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

WINDOW = 5
MOSTLY = 0.6
KL_SPIKE_FACTOR = 5.0
KL_SPIKE_FLOOR = 0.05
KL_MAX_LIMIT = 10.0
OSCILLATION_SWING = 0.15
TRUNCATION_LIMIT = 0.1


@dataclass(frozen=True)
class Advice:
    """kind: "reward_errors", "kl_spike", "oscillating_reward", "mostly_all0", "mostly_all1" or
    "healthy"; action: what to do; evidence: the numbers that triggered it."""

    kind: str
    action: str
    evidence: str

    def __str__(self) -> str:
        return f"[{self.kind}] {self.action} ({self.evidence})"


def diagnose(metrics: Sequence[dict[str, Any]] | dict[str, Any], window: int = WINDOW) -> list[Advice]:
    """Advice for the last `window` GRPO steps of `metrics` (a history, or one step's dict)."""
    history = [metrics] if isinstance(metrics, dict) else list(metrics)
    history = [m for m in history if m.get("kind", "grpo") == "grpo"]
    if not history:
        return [Advice("healthy", "no GRPO steps yet: run preflight_reward, then train_grpo_step", "empty history")]
    recent = history[-window:]
    advice: list[Advice] = []
    errors = _mean(recent, "reward_error_rate")
    if errors > 0:
        failures: Counter[str] = Counter()
        for step in recent:
            failures.update(step.get("reward_failures") or {})
        reasons = f"; reasons {dict(failures.most_common())}" if failures else ""
        advice.append(
            Advice(
                "reward_errors",
                "fix the reward first: it could not judge some completions (raised, timed out, judge or sandbox "
                "down, busy, bad ground truth); their zeros are not a signal; read reward_debug.log",
                f"reward_error_rate {errors:.2f} over the last {len(recent)} steps{reasons}",
            )
        )
    spike = _kl_spike(history, recent)
    if spike:
        advice.append(Advice("kl_spike", "lower the learning rate (or raise beta); check adam_eps is not tiny", spike))
    swing = _oscillation(recent)
    if swing:
        advice.append(Advice("oscillating_reward", "lower the learning rate", swing))
    all0, all1 = _share(recent, "no_signal_all0"), _share(recent, "no_signal_all1")
    if all0 >= MOSTLY:
        truncation = _mean(recent, "truncation_rate")
        hint = (
            f"; {truncation:.0%} of completions hit max_tokens: raise max_tokens"
            if truncation > TRUNCATION_LIMIT
            else ""
        )
        advice.append(
            Advice(
                "mostly_all0",
                "too hard or the reward too strict: use easier prompts (or SFT first), check the reward on "
                f"sampled completions, check truncation{hint}",
                f"{all0:.0%} of groups all-0",
            )
        )
    if all1 >= MOSTLY:
        advice.append(
            Advice(
                "mostly_all1",
                "converged or too easy: sample held-out prompts and save; raise the difficulty to continue",
                f"{all1:.0%} of groups all-1",
            )
        )
    if not advice:
        advice.append(
            Advice(
                "healthy",
                "carry on",
                f"reward {_mean(recent, 'reward_mean'):.3f}, no-signal {_mean(recent, 'no_signal_rate'):.0%}",
            )
        )
    return advice


def _values(records: Sequence[dict[str, Any]], key: str) -> list[float]:
    return [float(r[key]) for r in records if r.get(key) is not None]


def _mean(records: Sequence[dict[str, Any]], key: str) -> float:
    values = _values(records, key)
    return sum(values) / len(values) if values else 0.0


def _share(records: Sequence[dict[str, Any]], key: str) -> float:
    groups = sum(r.get("groups") or 0 for r in records)
    return sum(r.get(key) or 0 for r in records) / groups if groups else 0.0


def _kl_spike(history: Sequence[dict[str, Any]], recent: Sequence[dict[str, Any]]) -> str | None:
    """The last window's KL far above the earlier median, or any token's KL above a hard limit."""
    worst = max(_values(recent, "kl_max"), default=0.0)
    if worst > KL_MAX_LIMIT:
        return f"kl_max {worst:.2f} > {KL_MAX_LIMIT}"
    earlier = _values(history[: -len(recent)], "kl_mean")
    latest = max(_values(recent, "kl_mean"), default=0.0)
    if earlier:
        baseline = statistics.median(earlier)
        if latest > KL_SPIKE_FLOOR and latest > KL_SPIKE_FACTOR * baseline:
            return f"kl_mean {latest:.3f} vs earlier median {baseline:.3f}"
    return None


def _oscillation(recent: Sequence[dict[str, Any]]) -> str | None:
    """Reward that jumps up and down by large amounts step after step."""
    rewards = _values(recent, "reward_mean")
    steps = [b - a for a, b in zip(rewards, rewards[1:])]
    if len(steps) < 3:
        return None
    flips = sum(1 for a, b in zip(steps, steps[1:]) if a * b < 0)
    swing = sum(abs(s) for s in steps) / len(steps)
    if flips >= len(steps) - 1 and swing > OSCILLATION_SWING:
        return f"reward changed direction {flips} times in {len(rewards)} steps, mean swing {swing:.2f}"
    return None
