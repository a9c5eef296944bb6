"""Group-relative advantages and the accounting of groups that carry no signal.

Rewards come as a (prompts, group_size) tensor. A group whose rewards are all equal gives every
sample an advantage of 0, so it teaches nothing (with beta > 0 it would only pull towards the
reference): such groups are counted, split into all-0 (too hard, too strict a reward, or
truncation) and all-1 (solved), and skipped.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

GRPO_STD_EPS = 1e-4


@dataclass(frozen=True)
class GroupAdvantages:
    """advantages: (P, G); signal: (P,) bool, False for groups skipped as all-equal."""

    advantages: torch.Tensor
    signal: torch.Tensor
    no_signal_all0: int
    no_signal_all1: int
    no_signal_other: int

    @property
    def groups(self) -> int:
        return int(self.signal.numel())

    @property
    def no_signal(self) -> int:
        return self.no_signal_all0 + self.no_signal_all1 + self.no_signal_other

    @property
    def no_signal_rate(self) -> float:
        return self.no_signal / self.groups if self.groups else 0.0


def group_advantages(rewards: torch.Tensor, method: str = "grpo", eps: float = GRPO_STD_EPS) -> GroupAdvantages:
    """GRPO: (r - mean) / (std + eps), std the sample standard deviation (n - 1) of the group.
    Dr. GRPO: r - mean (no division, which overweights near-uniform groups).
    Groups of one sample have no baseline and count as no-signal."""
    if rewards.dim() != 2:
        raise ValueError(f"rewards must be (prompts, group_size), got shape {tuple(rewards.shape)}")
    rewards = rewards.double()
    centred = rewards - rewards.mean(dim=1, keepdim=True)
    if method == "grpo":
        std = rewards.std(dim=1, keepdim=True) if rewards.shape[1] > 1 else torch.zeros_like(centred[:, :1])
        advantages = centred / (std + eps)
    elif method == "dr_grpo":
        advantages = centred
    else:
        raise ValueError(f"unknown advantage method {method!r}")
    constant = rewards.max(dim=1).values == rewards.min(dim=1).values
    value = rewards[:, 0]
    all0 = int((constant & (value == 0)).sum())
    all1 = int((constant & (value == 1)).sum())
    advantages = torch.where(constant.unsqueeze(1), torch.zeros_like(advantages), advantages)
    return GroupAdvantages(
        advantages=advantages.float(),
        signal=~constant,
        no_signal_all0=all0,
        no_signal_all1=all1,
        no_signal_other=int(constant.sum()) - all0 - all1,
    )
