"""Rollout/trainer agreement: how far the rollout engine's log-probabilities of the sampled
tokens are from the trainer's own, at the same weights and temperature, before the update.

The seed experiments lost days to a KL spike that was a logprob mismatch between the two
(rollouts scored at temperature 1, the trainer at T; completions trimmed at a pad id, which zeroed
real tokens' logprobs). For HF rollouts the difference is rounding (~1e-6); vLLM in bfloat16 gives
a small one; a jump means the two no longer see the same thing (rlvr.grpo.diagnose says so).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch


@dataclass
class Agreement:
    """Running totals of |rollout logprob - trainer logprob| over a step's tokens."""

    total: float = 0.0
    tokens: int = 0
    worst: float = 0.0

    def add(
        self, trainer: torch.Tensor, starts: Sequence[int], lengths: Sequence[int], rollout: Sequence[Sequence[float]]
    ) -> None:
        """Compare one micro-batch: trainer[i, starts[i] + j] is the trainer's logprob of completion
        token j of sample i (lengths[i] tokens were trained), rollout[i] the engine's. A token the
        engine sampled but the trainer never saw (a cut completion) counts as logprob 0 there.

        >>> agreement = Agreement()
        >>> agreement.add(torch.tensor([[-1.0, -2.0]]), [0], [1], [[-1.0, -2.5]])
        >>> agreement.mean, agreement.worst
        (1.25, 2.5)
        """
        rows = trainer.detach().float().cpu().tolist()
        for row, start, length, engine in zip(rows, starts, lengths, rollout):
            if not engine:
                continue
            seen = row[start : start + length]
            width = max(len(seen), len(engine))
            for ours, theirs in zip(_padded(seen, width), _padded(list(engine), width)):
                diff = abs(ours - theirs)
                self.total += diff
                self.worst = max(self.worst, diff)
            self.tokens += width

    @property
    def mean(self) -> float | None:
        return self.total / self.tokens if self.tokens else None

    @property
    def maximum(self) -> float | None:
        return self.worst if self.tokens else None


def _padded(values: list[float], width: int) -> list[float]:
    return values + [0.0] * (width - len(values))
