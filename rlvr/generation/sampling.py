"""Vectorised seeded sampling: one step's next tokens for a whole batch in a few kernels.

A request's randomness is counter-based: the uniform number that picks its token at completion
position t is a hash of (request seed, t), computed for all rows in one integer op on the device.
No per-row torch.Generator, and a sample never depends on which other requests share its batch,
on its row in the batch, or on the batch size. The token is then drawn by inverse-CDF sampling
from softmax(logits / temperature), cut by top-k and top-p as in vLLM and transformers.
"""

from __future__ import annotations

import torch

from rlvr.generation.base import Sampler

_MASK32 = 0xFFFFFFFF
_MULTIPLIER = 0x45D9F3B  # an odd constant of a well-mixing 32-bit integer hash; below 2**31, so no int64 overflow
_GOLDEN = 0x9E3779B9


def _mix32(x: torch.Tensor) -> torch.Tensor:
    """A 32-bit integer hash, elementwise on int64 tensors holding values below 2**32."""
    x = (((x >> 16) ^ x) * _MULTIPLIER) & _MASK32
    x = (((x >> 16) ^ x) * _MULTIPLIER) & _MASK32
    return (x >> 16) ^ x


def seed_tensor(seeds: list[int], device: torch.device) -> torch.Tensor:
    """Request seeds as one int64 tensor (any Python int: reduced to 64 bits first)."""
    return torch.tensor([s & 0x7FFFFFFFFFFFFFFF for s in seeds], dtype=torch.int64, device=device)


def uniforms(seeds: torch.Tensor, position: int) -> torch.Tensor:
    """One uniform number in (0, 1) per row, a function of (seed, position) only.

    >>> uniforms(torch.tensor([7, 7, 8]), 0).tolist()[0] == uniforms(torch.tensor([7]), 0).item()
    True
    """
    low, high = seeds & _MASK32, (seeds >> 32) & _MASK32
    key = _mix32(low ^ _mix32(high ^ _GOLDEN))
    bits = _mix32(key ^ _mix32(torch.full_like(key, position & _MASK32)))
    # 24 bits: exactly representable in float32; the half keeps the value off 0 and 1.
    return ((bits >> 8).float() + 0.5) / float(1 << 24)


def sample_step(
    logits: torch.Tensor, sampler: Sampler, seeds: torch.Tensor, position: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """The next token of every row and its log-probability under softmax(logits / temperature)
    (the model's own at temperature 0, where the token is the argmax).

    >>> tokens, logprobs = sample_step(torch.randn(2, 10), Sampler(), torch.tensor([1, 2]), 0)
    >>> tokens.shape, logprobs.shape
    (torch.Size([2]), torch.Size([2]))
    """
    logits = logits.float()
    if sampler.greedy:
        tokens = logits.argmax(dim=-1)
        return tokens, torch.log_softmax(logits, dim=-1).gather(1, tokens[:, None]).squeeze(1)
    scaled = logits / sampler.temperature
    logprobs = torch.log_softmax(scaled, dim=-1)
    if 0 < sampler.top_k < scaled.shape[-1]:
        kth = torch.topk(scaled, sampler.top_k, dim=-1).values[:, -1:]
        scaled = scaled.masked_fill(scaled < kth, float("-inf"))
    if sampler.top_p < 1.0:
        ordered, order = torch.sort(scaled, dim=-1, descending=True)
        probs = torch.softmax(ordered, dim=-1)
        # Keep the smallest prefix whose mass reaches top_p (the most likely token always stays).
        probs = probs.masked_fill(probs.cumsum(-1) - probs >= sampler.top_p, 0.0)
        tokens = order.gather(1, _inverse_cdf(probs, uniforms(seeds, position))[:, None]).squeeze(1)
    else:
        tokens = _inverse_cdf(torch.softmax(scaled, dim=-1), uniforms(seeds, position))
    return tokens, logprobs.gather(1, tokens[:, None]).squeeze(1)


def _inverse_cdf(probs: torch.Tensor, u: torch.Tensor) -> torch.Tensor:
    """The first index whose cumulative mass reaches u times the row's total: always an index of
    positive probability, since the cumulative sum rises there."""
    cdf = probs.cumsum(dim=-1)
    index = torch.searchsorted(cdf, (u * cdf[:, -1]).unsqueeze(1)).squeeze(1)
    return index.clamp(max=probs.shape[-1] - 1)
