"""The Hugging Face transformers engine: the CPU fallback, the GRPO loop's default rollouts, and
what the end-to-end tests run.

It runs transformers' own `generate` (its KV cache, attention masks and end-of-sequence handling,
for every architecture transformers supports) with sampling replaced by `SeededSampling`, which
draws every row's token in a few batched kernels from counter-based noise of (request seed,
position) (see rlvr.generation.sampling): a sample depends on its seed alone, not on its batch.
Stop strings end a row through `StopStrings`; rows that finished are masked by `generate`.
Requests are decoded longest prompt first, in batches as large as the free memory allows
(rlvr.generation.memory) unless `batch_size` is set. Padding is on the left and masked, and a
completion's end is found by position, never by trimming a pad id.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch

from rlvr.generation.base import Completion, Engine, Request, Sampler
from rlvr.generation.chat import apply_chat_template, use_chat_template
from rlvr.generation.memory import auto_batch_size
from rlvr.generation.sampling import sample_step, seed_tensor
from rlvr.generation.stop import StopStrings, cut_at_stop, eos_ids


class SeededSampling:
    """A transformers LogitsProcessor that picks each row's next token itself (sample_step) and
    hands greedy search scores whose argmax is that token; it keeps the tokens' log-probabilities."""

    def __init__(self, sampler: Sampler, seeds: torch.Tensor, prompt_width: int) -> None:
        self.sampler, self.seeds, self.prompt_width = sampler, seeds, prompt_width
        self.logprobs: list[torch.Tensor] = []

    def __call__(self, input_ids: torch.Tensor, scores: torch.Tensor) -> torch.Tensor:
        tokens, logprobs = sample_step(scores, self.sampler, self.seeds, input_ids.shape[1] - self.prompt_width)
        self.logprobs.append(logprobs)
        if self.sampler.greedy:
            return scores
        return torch.full_like(scores, float("-inf")).scatter_(1, tokens[:, None], 0.0)


class HFEngine(Engine):
    """Generation with a transformers model held in this process (for GRPO: the policy itself).

    >>> engine = HFEngine.from_pretrained("path/to/checkpoint")  # doctest: +SKIP
    >>> request = Request("p0", 0, "Question: 1 + 1?\\nAnswer:", seed=7)
    >>> engine.generate([request], Sampler(max_tokens=32))  # doctest: +SKIP
    [Completion(text=' 2', finish_reason='stop', num_tokens=2, ...)]
    """

    name = "hf"

    def __init__(self, model: Any, tokenizer: Any, chat: bool = False, batch_size: int | None = None) -> None:
        if batch_size is not None and batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        self.model, self.tokenizer, self.chat, self.batch_size = model, tokenizer, chat, batch_size
        self.end_ids = eos_ids(tokenizer, model)
        pad = tokenizer.pad_token_id
        self.pad_id = pad if pad is not None else min(self.end_ids, default=0)

    @classmethod
    def from_pretrained(
        cls,
        path: str,
        chat_template: str = "auto",
        batch_size: int | None = None,
        dtype: str = "float32",
        device: str = "cpu",
    ) -> HFEngine:
        """Load a checkpoint. Options (rlvr-eval's --backend-option): batch_size (default: as
        many requests as fit in memory), dtype ("float32", "bfloat16"), device."""
        from transformers import AutoModelForCausalLM, AutoTokenizer

        tokenizer = AutoTokenizer.from_pretrained(path)
        loaded: Any = AutoModelForCausalLM.from_pretrained(path, dtype=getattr(torch, dtype))  # .to() is mistyped
        model = loaded.to(device).eval()
        return cls(model, tokenizer, chat=use_chat_template(chat_template, tokenizer), batch_size=batch_size)

    def format_prompt(self, prompt: str) -> str:
        return apply_chat_template(self.tokenizer, prompt) if self.chat else prompt

    def versions(self) -> dict[str, Any]:
        import transformers

        return {
            "backend": self.name,
            "torch": torch.__version__,
            "transformers": transformers.__version__,
            "chat_template": self.chat,
            "batch_size": self.batch_size or "auto",
        }

    def generate(self, requests: Sequence[Request], sampler: Sampler) -> list[Completion]:
        prompts = [self._token_ids(r.prompt) for r in requests]
        # Longest first, so a batch's rows need little padding and the memory estimate of its
        # first (longest) row holds for the rest.
        order = sorted(range(len(requests)), key=lambda i: -len(prompts[i]))
        results: list[Completion | None] = [None] * len(requests)
        start = 0
        while start < len(order):
            size = self.batch_size or auto_batch_size(
                self.model, len(prompts[order[start]]), sampler.max_tokens, len(order) - start
            )
            batch = order[start : start + size]
            completions = self._generate_batch([prompts[i] for i in batch], [requests[i].seed for i in batch], sampler)
            for index, completion in zip(batch, completions):
                results[index] = completion
            start += size
        return [c for c in results if c is not None]

    def _token_ids(self, prompt: str | Sequence[int]) -> list[int]:
        return self.tokenizer(prompt).input_ids if isinstance(prompt, str) else list(prompt)

    def _generate_batch(self, prompts: list[list[int]], seeds: list[int], sampler: Sampler) -> list[Completion]:
        from transformers import GenerationConfig, LogitsProcessorList, StoppingCriteriaList

        device = next(self.model.parameters()).device
        width = max(len(p) for p in prompts)
        input_ids = torch.full((len(prompts), width), self.pad_id, dtype=torch.long)
        attention = torch.zeros((len(prompts), width), dtype=torch.long)
        for row, ids in enumerate(prompts):
            input_ids[row, width - len(ids) :] = torch.tensor(ids, dtype=torch.long)
            attention[row, width - len(ids) :] = 1
        end_ids = sorted(self.end_ids | set(sampler.stop_token_ids))
        config = GenerationConfig(
            max_new_tokens=sampler.max_tokens,
            do_sample=False,
            num_beams=1,
            eos_token_id=end_ids,
            pad_token_id=self.pad_id,
        )
        sampling = SeededSampling(sampler, seed_tensor(seeds, device), width)
        stops = StopStrings(self.tokenizer, sampler.stop, width, len(prompts), device) if sampler.stop else None
        was_training = self.model.training
        self.model.eval()
        try:
            with torch.no_grad():
                output = self.model.generate(
                    input_ids=input_ids.to(device),
                    attention_mask=attention.to(device),
                    generation_config=config,
                    logits_processor=LogitsProcessorList([sampling]),
                    stopping_criteria=StoppingCriteriaList([stops] if stops else []),
                )
        finally:
            self.model.train(was_training)
        generated = output[:, width:]
        ended = torch.isin(generated, torch.tensor(end_ids, device=generated.device))
        has_end = ended.any(dim=1).tolist()
        lengths = torch.where(ended.any(dim=1), ended.int().argmax(dim=1) + 1, generated.shape[1]).tolist()
        logprobs = torch.stack(sampling.logprobs, dim=1).tolist()
        rows = generated.tolist()
        completions = []
        for row, (length, ended_by_token) in enumerate(zip(lengths, has_end)):
            finish = "stop" if ended_by_token else "length"
            stopped_at = stops.stopped_at[row] if stops else -1
            if 0 <= stopped_at < length:
                length, finish = stopped_at + 1, "stop"
            tokens, token_logprobs = rows[row][:length], logprobs[row][:length]
            text, _ = cut_at_stop(self.tokenizer.decode(tokens, skip_special_tokens=True), sampler.stop)
            completions.append(
                Completion(
                    text,
                    finish,
                    length,
                    sum(token_logprobs),
                    tuple(tokens),
                    tuple(token_logprobs) if sampler.logprobs else None,
                )
            )
        return completions
