"""One GRPO update and one SFT update over packed sequences, with micro-batches whose gradients
accumulate into one optimizer step (per GRPO iteration, per SFT batch)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import torch

from rlvr.grpo.config import SessionConfig
from rlvr.grpo.loss import (
    clipped_surrogate,
    completion_target_mask,
    k3_kl,
    normalised_sum,
    sequence_mask,
    token_entropy,
    token_logprobs,
)


@dataclass(frozen=True)
class Packed:
    """Right-padded [prompt | completion] rows with their lengths, on the model's device."""

    input_ids: torch.Tensor
    attention_mask: torch.Tensor
    prompt_lens: torch.Tensor
    completion_lens: torch.Tensor

    @property
    def target_mask(self) -> torch.Tensor:
        return completion_target_mask(self.prompt_lens, self.completion_lens, self.input_ids.shape[1])


def pack(prompts: Sequence[list[int]], completions: Sequence[list[int]], device: torch.device) -> Packed:
    lengths = [len(p) + len(c) for p, c in zip(prompts, completions)]
    ids = torch.zeros((len(lengths), max(lengths)), dtype=torch.long)  # the filler is never looked at
    for row, (p, c) in enumerate(zip(prompts, completions)):
        ids[row, : lengths[row]] = torch.tensor(p + c)
    total = torch.tensor(lengths)
    return Packed(
        input_ids=ids.to(device),
        attention_mask=sequence_mask(total, ids.shape[1]).long().to(device),
        prompt_lens=torch.tensor([len(p) for p in prompts], device=device),
        completion_lens=torch.tensor([len(c) for c in completions], device=device),
    )


def logits_of(model: Any, packed: Packed) -> torch.Tensor:
    return model(input_ids=packed.input_ids, attention_mask=packed.attention_mask).logits


def micro_batches(count: int, size: int) -> list[slice]:
    """Consecutive slices of at most `size`; the last may be smaller and is used like the rest."""
    return [slice(start, min(start + size, count)) for start in range(0, count, size)]


def grpo_update(
    model: Any,
    reference_logits: Callable[[Packed], torch.Tensor] | None,
    optimizer_step: Callable[[], tuple[float, float]],
    prompts: Sequence[list[int]],
    completions: Sequence[list[int]],
    advantages: torch.Tensor,
    config: SessionConfig,
    num_iterations: int,
) -> dict[str, float | None]:
    """Train on the given samples for `num_iterations` optimizer steps. The rollout ("old")
    logprobs are the policy's own at the sampling temperature, taken in the first iteration
    before any weight changes, so the first ratio is exactly 1. Returns summed statistics."""
    device = next(model.parameters()).device
    count = len(prompts)
    slices = micro_batches(count, config.micro_batch_size)
    packs = [pack(prompts[s], completions[s], device) for s in slices]
    old_logps: list[torch.Tensor] = []
    ref_logps: list[torch.Tensor | None] = []
    stats = {"loss": 0.0, "tokens": 0.0, "kl_sum": 0.0, "kl_max": 0.0, "clipped": 0.0, "entropy_sum": 0.0}
    norms, rates = [], []
    for iteration in range(num_iterations):
        for index, (window, packed) in enumerate(zip(slices, packs)):
            mask = packed.target_mask.float()
            logits = logits_of(model, packed)
            logp = token_logprobs(logits, packed.input_ids, config.temperature)
            if iteration == 0:
                old_logps.append(logp.detach())
                with torch.no_grad():
                    stats["entropy_sum"] += float((token_entropy(logits.detach(), config.temperature) * mask).sum())
                    ref_logps.append(
                        token_logprobs(reference_logits(packed), packed.input_ids, config.temperature)
                        if reference_logits is not None
                        else None
                    )
            token_loss, clipped = clipped_surrogate(
                logp, old_logps[index], advantages[window].to(device), config.clip_eps, config.clip_high
            )
            reference = ref_logps[index]
            if reference is not None:
                kl = k3_kl(logp, reference)
                token_loss = token_loss + config.beta * kl
                stats["kl_sum"] += float((kl.detach() * mask).sum())
                stats["kl_max"] = max(stats["kl_max"], float((kl.detach() * mask).max()))
            # Divided by the whole step's sample count, so accumulated micro-batches sum to the mean.
            loss = normalised_sum(token_loss, mask, config.advantage, config.max_tokens).sum() / count
            loss.backward()
            stats["loss"] += float(loss.detach())
            stats["tokens"] += float(mask.sum())
            stats["clipped"] += float((clipped.float() * mask).sum())
        norm, rate = optimizer_step()
        norms.append(norm)
        rates.append(rate)
    tokens_first = stats["tokens"] / num_iterations
    return {
        "loss": stats["loss"] / num_iterations,
        "kl_mean": stats["kl_sum"] / stats["tokens"] if reference_logits is not None else None,
        "kl_max": stats["kl_max"] if reference_logits is not None else None,
        "clip_frac": stats["clipped"] / stats["tokens"],
        "entropy": stats["entropy_sum"] / max(tokens_first, 1.0),
        "grad_norm": sum(norms) / len(norms),
        "lr": rates[-1],
        "trained_tokens": stats["tokens"],
    }


def sft_update(
    model: Any,
    optimizer_step: Callable[[], tuple[float, float]],
    prompts: Sequence[list[int]],
    responses: Sequence[list[int]],
    micro_batch_size: int,
) -> dict[str, float]:
    """One optimizer step of next-token cross-entropy on the response tokens (mean per token)."""
    device = next(model.parameters()).device
    total_tokens = sum(len(r) for r in responses)
    loss_sum = 0.0
    for window in micro_batches(len(prompts), micro_batch_size):
        packed = pack(prompts[window], responses[window], device)
        logp = token_logprobs(logits_of(model, packed), packed.input_ids, 1.0)
        loss = -(logp * packed.target_mask).sum() / total_tokens
        loss.backward()
        loss_sum += float(loss.detach())
    norm, rate = optimizer_step()
    return {"loss": loss_sum, "grad_norm": norm, "lr": rate, "trained_tokens": float(total_tokens)}


def frozen_logits(model: Any, adapter_off: bool = False) -> Callable[[Packed], torch.Tensor]:
    """Reference logits: a frozen copy, or (LoRA) the policy with its adapters switched off."""

    def compute(packed: Packed) -> torch.Tensor:
        context = model.disable_adapter() if adapter_off else contextlib.nullcontext()
        with torch.no_grad(), context:
            return logits_of(model, packed)

    return compute
