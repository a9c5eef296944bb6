"""AdamW and the learning-rate schedule, driven by the session's count of optimizer steps.

The schedule is a pure function of that count, which lives in the session (and in its saved
checkpoints), not in a scheduler object made per call: so warmup happens once, over the first
optimizer steps of a fresh session, and never restarts when training continues with another
`train_*_step` call or after `load`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import torch

from rlvr.grpo.config import SessionConfig


def build_optimizer(parameters: Iterable[torch.nn.Parameter], config: SessionConfig) -> torch.optim.AdamW:
    return torch.optim.AdamW(
        [p for p in parameters if p.requires_grad],
        lr=config.learning_rate,
        eps=config.adam_eps,
        betas=config.adam_betas,
        weight_decay=config.weight_decay,
    )


def learning_rate_at(step: int, config: SessionConfig) -> float:
    """The rate for optimizer step `step` (0-based): linear warmup to learning_rate over
    warmup_steps, then constant, or cosine/linear decay to 0 at scheduler_total_steps."""
    base = config.learning_rate
    if step < config.warmup_steps:
        return base * (step + 1) / config.warmup_steps
    if config.scheduler == "constant":
        return base
    total = config.scheduler_total_steps
    assert total is not None  # SessionConfig requires it for cosine and linear
    span = total - config.warmup_steps
    progress = min(1.0, (step - config.warmup_steps) / span)
    if config.scheduler == "cosine":
        return base * 0.5 * (1.0 + math.cos(math.pi * progress))
    return base * (1.0 - progress)


def optimizer_step(
    optimizer: torch.optim.Optimizer, parameters: list[torch.nn.Parameter], lr: float, max_grad_norm: float | None
) -> float:
    """Clip gradients, set the rate, step, zero the gradients; returns the pre-clip gradient norm."""
    grads = [p.grad for p in parameters if p.grad is not None]
    norm = (
        torch.nn.utils.clip_grad_norm_(parameters, max_grad_norm if max_grad_norm else float("inf"))
        if grads
        else torch.tensor(0.0)
    )
    for group in optimizer.param_groups:
        group["lr"] = lr
    optimizer.step()
    optimizer.zero_grad(set_to_none=True)
    return float(norm)
