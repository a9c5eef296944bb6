"""Rollouts: which rlvr.generation engine a GRPO session samples with, and the requests it sends.

The HF engine samples from the policy itself (always in sync, LoRA included); vLLM holds its own
copy, which `Engine.sync(policy)` refreshes before every rollout. Both take a seed per request, so
the same (seed, prompt, sample index) gives the same completion here as in rlvr-eval.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch

from rlvr.generation import Engine, Request
from rlvr.generation.hf import HFEngine
from rlvr.grpo.config import SessionConfig


def rollout_engine(config: SessionConfig, model: Any, tokenizer: Any, weights: str) -> Engine:
    """The engine config.rollout_backend names ("auto": vLLM when usable and no LoRA, else HF),
    for the policy `model` loaded from `weights`.

    >>> rollout_engine(SessionConfig(base_model=path, rollout_backend="hf"), model, tokenizer, path)  # doctest: +SKIP
    <rlvr.generation.hf.HFEngine object at ...>
    """
    backend = config.rollout_backend
    if backend == "auto":
        backend = "vllm" if vllm_usable() and config.lora_rank is None else "hf"
    if backend == "hf":
        return HFEngine(model, tokenizer, batch_size=config.rollout_batch_size)
    if config.lora_rank is not None:
        raise ValueError("vLLM rollouts with LoRA are not supported; use rollout_backend='hf'")
    from rlvr.generation.vllm import VLLMEngine

    options = {
        "dtype": str(model.dtype).removeprefix("torch."),
        "gpu_memory_utilization": config.vllm_gpu_memory_utilization,
        **config.vllm_options,
    }
    return VLLMEngine(weights, chat_template="off", **options)


def rollout_requests(
    prompt_ids: Sequence[list[int]], keys: Sequence[str], seeds: Sequence[int], n: int
) -> list[Request]:
    """`n` requests per prompt (sample j of prompt i gets seeds[i * n + j]), prompts as token ids.

    >>> [r.sample_index for r in rollout_requests([[1, 2]], ["p0"], [5, 6], n=2)]
    [0, 1]
    """
    return [
        Request(key, j, ids, seeds[i * n + j]) for i, (key, ids) in enumerate(zip(keys, prompt_ids)) for j in range(n)
    ]


def vllm_usable() -> bool:
    """vLLM is importable and a GPU is present."""
    try:
        import vllm  # noqa: F401
    except ImportError:
        return False
    return torch.cuda.is_available()
