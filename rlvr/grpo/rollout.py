"""Rollouts: sample completions with a seed per request, through HF `generate` or vLLM.

HF `generate` draws every row of a batch from one random stream, so a per-request seed cannot be
passed to it directly. `PerRequestSampler` therefore samples by the Gumbel-max trick: it adds
Gumbel noise drawn from each row's own generator to logits / temperature and lets greedy search
take the argmax, which is an exact sample from softmax(logits / temperature). Rows are batched;
each one is reproducible from its seed alone.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import torch


@dataclass(frozen=True)
class Completion:
    """One sampled completion: its token ids up to and including the end-of-sequence token (if
    one was produced), the decoded text, and whether it ran out of the token budget."""

    token_ids: list[int]
    text: str
    truncated: bool


class PerRequestSampler:
    """A transformers LogitsProcessor that turns greedy search into sampling at `temperature`,
    with one torch.Generator per row seeded by that row's request seed."""

    def __init__(self, seeds: Sequence[int], temperature: float, device: torch.device) -> None:
        self.temperature = temperature
        self.generators = [torch.Generator(device=device).manual_seed(int(s)) for s in seeds]

    def __call__(self, input_ids: torch.Tensor, scores: torch.Tensor) -> torch.Tensor:
        if self.temperature == 0:
            return scores
        noise = torch.stack([torch.rand(scores.shape[1], generator=g, device=scores.device) for g in self.generators])
        gumbel = -torch.log(-torch.log(noise.clamp(min=1e-20, max=1.0 - 1e-7)))
        return scores / self.temperature + gumbel


def eos_ids(tokenizer: Any, model: Any) -> set[int]:
    """Every token id that ends a completion (the generation config may list several)."""
    ids = model.generation_config.eos_token_id if getattr(model, "generation_config", None) else None
    ids = ids if isinstance(ids, list) else [ids]
    return {i for i in [*ids, tokenizer.eos_token_id] if i is not None}


def cut_at_eos(generated: Sequence[int], stop_ids: set[int]) -> tuple[list[int], bool]:
    """The completion up to and including the first end token; truncated when there is none.
    What follows the end token is padding, found by position, never by its id."""
    for index, token in enumerate(generated):
        if token in stop_ids:
            return list(generated[: index + 1]), False
    return list(generated), True


class HFRollouts:
    """Batched sampling with transformers' `generate` on the policy itself (always in sync)."""

    def __init__(self, model: Any, tokenizer: Any, max_tokens: int, temperature: float, batch_size: int = 64) -> None:
        self.model, self.tokenizer = model, tokenizer
        self.max_tokens, self.temperature, self.batch_size = max_tokens, temperature, batch_size

    def sync(self) -> None:
        """Nothing to do: HF rollouts sample from the training model's own weights."""

    @torch.no_grad()
    def generate(
        self,
        prompt_ids: Sequence[list[int]],
        seeds: Sequence[int],
        temperature: float | None = None,
        max_tokens: int | None = None,
    ) -> list[Completion]:
        """One completion per prompt, sampled with its seed (temperature and budget default to the session's)."""
        temperature = self.temperature if temperature is None else temperature
        max_tokens = max_tokens or self.max_tokens
        out: list[Completion] = []
        for start in range(0, len(prompt_ids), self.batch_size):
            window = slice(start, start + self.batch_size)
            out += self._generate_batch(prompt_ids[window], seeds[window], temperature, max_tokens)
        return out

    def _generate_batch(
        self, prompt_ids: Sequence[list[int]], seeds: Sequence[int], temperature: float, max_tokens: int
    ) -> list[Completion]:
        from transformers import GenerationConfig, LogitsProcessorList

        device = next(self.model.parameters()).device
        width = max(len(p) for p in prompt_ids)
        filler = self.tokenizer.pad_token_id if self.tokenizer.pad_token_id is not None else 0
        # Left padding, so every row's next token follows its own last prompt token.
        input_ids = torch.full((len(prompt_ids), width), filler, dtype=torch.long)
        attention = torch.zeros((len(prompt_ids), width), dtype=torch.long)
        for row, ids in enumerate(prompt_ids):
            input_ids[row, width - len(ids) :] = torch.tensor(ids)
            attention[row, width - len(ids) :] = 1
        stop_ids = eos_ids(self.tokenizer, self.model)
        config = GenerationConfig(
            max_new_tokens=max_tokens,
            do_sample=False,
            num_beams=1,
            eos_token_id=sorted(stop_ids),
            pad_token_id=filler,
        )
        was_training = self.model.training
        self.model.eval()
        try:
            generated = self.model.generate(
                input_ids=input_ids.to(device),
                attention_mask=attention.to(device),
                generation_config=config,
                logits_processor=LogitsProcessorList([PerRequestSampler(seeds, temperature, device)]),
            )
        finally:
            self.model.train(was_training)
        completions = []
        for row in generated[:, width:].tolist():
            ids, truncated = cut_at_eos(row, stop_ids)
            completions.append(Completion(ids, self.tokenizer.decode(ids, skip_special_tokens=True), truncated))
        return completions


class VLLMRollouts:
    """Sampling with a vLLM engine in this process; `sync` copies the policy's weights into it
    before each rollout. vLLM's SamplingParams takes a seed per request, and its token ids stop
    at the end token, so lengths come straight from the output."""

    def __init__(
        self, model: Any, tokenizer: Any, max_tokens: int, temperature: float, model_path: str, **engine_options: Any
    ) -> None:
        # The engine must live in this process for the in-place weight copy below to reach it.
        os.environ.setdefault("VLLM_ENABLE_V1_MULTIPROCESSING", "0")
        from vllm import LLM

        self.model, self.tokenizer = model, tokenizer
        self.max_tokens, self.temperature = max_tokens, temperature
        engine_options.setdefault("dtype", str(model.dtype).removeprefix("torch."))
        self.llm = LLM(model=model_path, **engine_options)
        self.stop_ids = eos_ids(tokenizer, model)

    def sync(self) -> None:
        """Load the policy's current weights into the engine in place (names as in the HF
        checkpoint), through the worker's `reload_weights` (vLLM >= 0.32): once the engine has
        processed its weights, the model's own `load_weights` can no longer be called."""
        state = [(name, tensor.detach()) for name, tensor in self.model.state_dict().items()]
        self.llm.collective_rpc("reload_weights", kwargs={"weights_iterator": iter(state)})
        self.llm.reset_prefix_cache()

    def generate(
        self,
        prompt_ids: Sequence[list[int]],
        seeds: Sequence[int],
        temperature: float | None = None,
        max_tokens: int | None = None,
    ) -> list[Completion]:
        from vllm import SamplingParams

        temperature = self.temperature if temperature is None else temperature
        max_tokens = max_tokens or self.max_tokens
        params = [
            SamplingParams(
                n=1,
                temperature=temperature,
                top_p=1.0,
                top_k=-1,
                max_tokens=max_tokens,
                seed=int(seed),
                stop_token_ids=sorted(self.stop_ids),
            )
            for seed in seeds
        ]
        prompts = [{"prompt_token_ids": list(ids)} for ids in prompt_ids]
        outputs = self.llm.generate(prompts, params, use_tqdm=False)
        completions = []
        for output in outputs:
            sample = output.outputs[0]
            ids, _ = cut_at_eos(list(sample.token_ids), self.stop_ids)
            completions.append(
                Completion(ids, self.tokenizer.decode(ids, skip_special_tokens=True), sample.finish_reason == "length")
            )
        return completions


def vllm_usable() -> bool:
    """vLLM is importable and a GPU is present."""
    try:
        import vllm  # noqa: F401
    except ImportError:
        return False
    return torch.cuda.is_available()
