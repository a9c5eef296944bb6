"""How many requests fit in one HF decoding batch, from the free memory of the device.

Bigger batches are what makes HF decoding fast on a GPU (a GRPO step's samples in one batch
instead of several); the limit is the KV cache and the per-step logits of every row.
"""

from __future__ import annotations

import os
from typing import Any

import torch

# Share of the free memory a batch may plan to use: the estimate below leaves out allocator
# slack and the prefill's transient activations.
MEMORY_FRACTION = 0.5
# Float32 copies of one row's logits a sampling step holds at once (logits, scaled, logprobs,
# probabilities, cumulative sums, the sort for top-p).
LOGIT_COPIES = 8


def free_memory(device: torch.device) -> int:
    """Bytes free on `device`: the CUDA driver's count, or the host's available memory."""
    if device.type == "cuda":
        free, _ = torch.cuda.mem_get_info(device)
        return int(free + torch.cuda.memory_reserved(device) - torch.cuda.memory_allocated(device))
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")


def bytes_per_row(model: Any, prompt_tokens: int, max_tokens: int) -> int:
    """A row's KV cache at full length plus its sampling step's logits and prefill activations.

    >>> bytes_per_row(model, prompt_tokens=100, max_tokens=256)  # doctest: +SKIP
    4734976
    """
    config = model.config.get_text_config() if hasattr(model.config, "get_text_config") else model.config
    heads = config.num_attention_heads
    head_dim = getattr(config, "head_dim", None) or config.hidden_size // heads
    kv_heads = getattr(config, "num_key_value_heads", None) or heads
    width = next(model.parameters()).element_size()
    kv_per_token = 2 * config.num_hidden_layers * kv_heads * head_dim * width
    intermediate = getattr(config, "intermediate_size", None) or 4 * config.hidden_size
    prefill = prompt_tokens * (3 * config.hidden_size + 2 * intermediate) * width
    return kv_per_token * (prompt_tokens + max_tokens) + LOGIT_COPIES * 4 * config.vocab_size + prefill


def auto_batch_size(model: Any, prompt_tokens: int, max_tokens: int, requests: int) -> int:
    """The most requests (up to `requests`) whose decoding fits in MEMORY_FRACTION of the free memory.

    >>> auto_batch_size(model, prompt_tokens=100, max_tokens=256, requests=256)  # doctest: +SKIP
    256
    """
    device = next(model.parameters()).device
    fits = int(MEMORY_FRACTION * free_memory(device) // bytes_per_row(model, prompt_tokens, max_tokens))
    return max(1, min(requests, fits))
