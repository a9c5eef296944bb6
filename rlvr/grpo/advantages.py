"""Group-relative advantages and the accounting of groups that carry no signal.

Rewards come as a (prompts, group_size) tensor. A group whose rewards are all equal gives every
sample an advantage of 0, so it teaches nothing (with beta > 0 it would only pull towards the
reference): such groups are counted, split into all-0 (too hard, too strict a reward, or
truncation) and all-1 (solved), and skipped.

Samples the reward could not judge (`failed`, a (prompts, group_size) bool tensor: a judge
outage, a broken gold) are never trained on: they get advantage 0 and stay out of their group's
mean and standard deviation, and a group with fewer than two judged samples carries no signal
(counted as `no_signal_failed`).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

GRPO_STD_EPS = 1e-4


@dataclass(frozen=True)
class GroupAdvantages:
    """advantages: (P, G), 0 for failed samples; signal: (P,) bool, False for groups skipped as
    all-equal or with fewer than two judged samples."""

    advantages: torch.Tensor
    signal: torch.Tensor
    no_signal_all0: int
    no_signal_all1: int
    no_signal_other: int
    no_signal_failed: int = 0

    @property
    def groups(self) -> int:
        return int(self.signal.numel())

    @property
    def no_signal(self) -> int:
        return self.no_signal_all0 + self.no_signal_all1 + self.no_signal_other + self.no_signal_failed

    @property
    def no_signal_rate(self) -> float:
        return self.no_signal / self.groups if self.groups else 0.0


def group_advantages(
    rewards: torch.Tensor, method: str = "grpo", eps: float = GRPO_STD_EPS, failed: torch.Tensor | None = None
) -> GroupAdvantages:
    """GRPO: (r - mean) / (std + eps), std the sample standard deviation (n - 1) of the group.
    Dr. GRPO: r - mean (no division, which overweights near-uniform groups).
    Mean and std are over the judged samples only (`failed` False); groups of fewer than two
    judged samples have no baseline and count as no-signal.

    >>> rewards = torch.tensor([[1.0, 0.0, 0.0, 0.0]])
    >>> group_advantages(rewards, failed=torch.tensor([[False, False, True, True]])).advantages
    tensor([[ 0.7070, -0.7070,  0.0000,  0.0000]])
    """
    if rewards.dim() != 2:
        raise ValueError(f"rewards must be (prompts, group_size), got shape {tuple(rewards.shape)}")
    if method not in ("grpo", "dr_grpo"):
        raise ValueError(f"unknown advantage method {method!r}")
    rewards = rewards.double()
    judged = torch.ones_like(rewards, dtype=torch.bool) if failed is None else ~failed.to(torch.bool)
    weight = judged.double()
    count = weight.sum(dim=1, keepdim=True)
    mean = (rewards * weight).sum(dim=1, keepdim=True) / count.clamp(min=1)
    centred = torch.where(judged, rewards - mean, torch.zeros_like(rewards))
    advantages = centred
    if method == "grpo":
        std = ((centred**2).sum(dim=1, keepdim=True) / (count - 1).clamp(min=1)).sqrt()
        advantages = centred / (std + eps)
    # Equal judged rewards: the largest and smallest judged values agree (failed ones set aside).
    high = torch.where(judged, rewards, torch.full_like(rewards, -torch.inf)).max(dim=1).values
    low = torch.where(judged, rewards, torch.full_like(rewards, torch.inf)).min(dim=1).values
    starved = count.squeeze(1) < 2
    constant = (high == low) & ~starved
    all0 = int((constant & (high == 0)).sum())
    all1 = int((constant & (high == 1)).sum())
    no_signal = constant | starved
    advantages = torch.where(no_signal.unsqueeze(1), torch.zeros_like(advantages), advantages)
    return GroupAdvantages(
        advantages=advantages.float(),
        signal=~no_signal,
        no_signal_all0=all0,
        no_signal_all1=all1,
        no_signal_other=int(constant.sum()) - all0 - all1,
        no_signal_failed=int(starved.sum()),
    )
