"""Hugging Face transformers backend: the CPU fallback, and what the end-to-end tests run.

It decodes with its own loop over the model's KV cache instead of `generate`, because
`generate` draws every row of a batch from one global RNG: here each row has its own
torch.Generator seeded with its request's seed, so a sample does not depend on which other
requests share its batch, and runs repeat exactly. Stop sequences are matched on the decoded
text and cut off (finish reason "stop"), as vLLM does; EOS also gives "stop"; running out of
`max_tokens` gives "length". Padding is on the left and masked, never trimmed by token id.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rlvr.eval.backends.base import Backend, Generation, Request, SamplingConfig
from rlvr.eval.prompts import apply_chat_template, use_chat_template


class HFBackend(Backend):
    """Options: batch_size (requests decoded together), dtype ("float32", "bfloat16"), device."""

    name = "hf"

    def __init__(
        self, model: str, chat_template: str = "auto", batch_size: int = 16, dtype: str = "float32", device: str = "cpu"
    ) -> None:
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        self.model_path = model
        self.batch_size = batch_size
        self.device = device
        self.tokenizer = AutoTokenizer.from_pretrained(model)
        if self.tokenizer.pad_token_id is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        loaded: Any = AutoModelForCausalLM.from_pretrained(model, dtype=getattr(torch, dtype))  # .to() is mistyped
        self.model = loaded.to(device).eval()
        self.chat = use_chat_template(chat_template, self.tokenizer)
        eos = self.model.generation_config.eos_token_id
        eos = eos if isinstance(eos, list) else [eos]
        self.eos_ids = {i for i in eos + [self.tokenizer.eos_token_id] if i is not None}

    def format_prompt(self, prompt: str) -> str:
        return apply_chat_template(self.tokenizer, prompt) if self.chat else prompt

    def versions(self) -> dict[str, Any]:
        import torch
        import transformers

        return {
            "backend": self.name,
            "torch": torch.__version__,
            "transformers": transformers.__version__,
            "chat_template": self.chat,
        }

    def generate(self, requests: Sequence[Request], sampling: SamplingConfig) -> list[Generation]:
        results: list[Generation] = []
        for start in range(0, len(requests), self.batch_size):
            results.extend(self._generate_batch(requests[start : start + self.batch_size], sampling))
        return results

    def _generate_batch(self, batch: Sequence[Request], sampling: SamplingConfig) -> list[Generation]:
        import torch

        encoded = self.tokenizer([r.prompt for r in batch], return_tensors="pt", padding=True, padding_side="left")
        input_ids = encoded["input_ids"].to(self.device)
        attention = encoded["attention_mask"].to(self.device)
        positions = (attention.cumsum(-1) - 1).clamp(min=0)
        generators = [torch.Generator().manual_seed(r.seed) for r in batch]
        tokens: list[list[int]] = [[] for _ in batch]
        texts = [""] * len(batch)
        logprobs = [0.0] * len(batch)
        finish: list[str | None] = [None] * len(batch)
        past = None
        with torch.inference_mode():
            for _ in range(sampling.max_tokens):
                out = self.model(
                    input_ids=input_ids,
                    attention_mask=attention,
                    position_ids=positions,
                    past_key_values=past,
                    use_cache=True,
                )
                past = out.past_key_values
                logits = out.logits[:, -1, :].float().cpu()
                next_ids = []
                for i in range(len(batch)):
                    if finish[i] is not None:
                        next_ids.append(self.tokenizer.pad_token_id)
                        continue
                    token, logprob = pick_token(logits[i], sampling, generators[i])
                    next_ids.append(token)
                    tokens[i].append(token)
                    logprobs[i] += logprob
                    if token in self.eos_ids:
                        finish[i] = "stop"
                        continue
                    texts[i], stopped = cut_at_stop(
                        str(self.tokenizer.decode(tokens[i], skip_special_tokens=True)), sampling.stop
                    )
                    if stopped:
                        finish[i] = "stop"
                if all(f is not None for f in finish):
                    break
                input_ids = torch.tensor(next_ids, device=self.device).unsqueeze(1)
                attention = torch.cat([attention, torch.ones_like(input_ids)], dim=1)
                positions = positions[:, -1:] + 1
        return [Generation(texts[i], finish[i] or "length", len(tokens[i]), logprobs[i]) for i in range(len(batch))]


def pick_token(logits: Any, sampling: SamplingConfig, generator: Any) -> tuple[int, float]:
    """The next token and its log-probability under the temperature-scaled distribution
    (greedy at temperature 0, where the log-probability is the model's own)."""
    import torch

    if sampling.temperature <= 0:
        logprobs = torch.log_softmax(logits, dim=-1)
        token = int(torch.argmax(logits))
        return token, float(logprobs[token])
    scaled = logits / sampling.temperature
    logprobs = torch.log_softmax(scaled, dim=-1)
    filtered = scaled.clone()
    if sampling.top_k > 0:
        kth = torch.topk(filtered, min(sampling.top_k, filtered.numel())).values[-1]
        filtered[filtered < kth] = float("-inf")
    if sampling.top_p < 1.0:
        ordered, order = torch.sort(filtered, descending=True)
        cumulative = torch.softmax(ordered, dim=-1).cumsum(-1)
        # Keep the smallest prefix whose mass reaches top_p (the first token always stays).
        drop = cumulative - torch.softmax(ordered, dim=-1) >= sampling.top_p
        filtered[order[drop]] = float("-inf")
    token = int(torch.multinomial(torch.softmax(filtered, dim=-1), 1, generator=generator))
    return token, float(logprobs[token])


def cut_at_stop(text: str, stops: Sequence[str]) -> tuple[str, bool]:
    """The text before the first stop sequence, and whether one occurred."""
    cuts = [text.find(s) for s in stops if s and s in text]
    return (text[: min(cuts)], True) if cuts else (text, False)
