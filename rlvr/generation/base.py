"""The interface every generation engine implements: `Sampler` settings, `Request`s in,
`Completion`s out (in request order), and the factory that picks an engine by name.

Each request carries its own seed, derived by rlvr.seeding.request_seed from (run seed, prompt id,
sample index): a fixed seed for all requests made rollouts collapse into a few distinct sets in
the seed experiments.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

FINISH_REASONS = ("stop", "length")


@dataclass(frozen=True)
class Sampler:
    """Sampling settings shared by the requests of one `generate` call.

    temperature 0 is greedy; top_k <= 0 means no top-k cut; `stop` strings end a completion (the
    text is cut before them), as do `stop_token_ids` and the model's end-of-sequence tokens;
    `logprobs` asks for the per-token log-probabilities of the sampled tokens as well as their sum.
    Log-probabilities are those of the temperature-scaled distribution (before top-k/top-p), the
    same the GRPO trainer computes: a mismatch inflated the KL in the seed experiments.

    >>> Sampler(temperature=0.7, max_tokens=64, stop=("Question:",)).greedy
    False
    """

    temperature: float = 1.0
    top_p: float = 1.0
    top_k: int = -1
    max_tokens: int = 1024
    stop: tuple[str, ...] = ()
    stop_token_ids: tuple[int, ...] = ()
    logprobs: bool = False

    def __post_init__(self) -> None:
        if self.temperature < 0:
            raise ValueError(f"temperature must be >= 0, got {self.temperature}")
        if not 0 < self.top_p <= 1:
            raise ValueError(f"top_p must be in (0, 1], got {self.top_p}")
        if self.max_tokens < 1:
            raise ValueError(f"max_tokens must be >= 1, got {self.max_tokens}")
        object.__setattr__(self, "stop", tuple(s for s in self.stop if s))
        object.__setattr__(self, "stop_token_ids", tuple(int(i) for i in self.stop_token_ids))

    @property
    def greedy(self) -> bool:
        return self.temperature == 0


@dataclass(frozen=True)
class Request:
    """One sample to generate: the prompt (text as sent to the model, or its token ids) and its seed.

    >>> Request("gsm8k-0", 3, "Question: 1 + 1?\\nAnswer:", seed=1234).sample_index
    3
    """

    prompt_id: str
    sample_index: int
    prompt: str | Sequence[int]
    seed: int


@dataclass(frozen=True)
class Completion:
    """A generated completion.

    token_ids: the sampled tokens up to and including the one that ended it (an end-of-sequence
    token, or the last token of a stop string); empty where the backend does not report them (the
    OpenAI-compatible client). text: the decoded completion, cut before a stop string.
    finish_reason: "stop" (end token or stop string) or "length" (max_tokens reached).
    logprob: the summed log-probability of the sampled tokens; token_logprobs: one per token when
    the sampler asked for them.
    """

    text: str
    finish_reason: str
    num_tokens: int
    logprob: float | None = None
    token_ids: tuple[int, ...] = ()
    token_logprobs: tuple[float, ...] | None = None

    @property
    def truncated(self) -> bool:
        """The completion ran out of its token budget."""
        return self.finish_reason == "length"


class Engine:
    """Base class: `generate` in request order, `format_prompt` (chat template), `sync` (GRPO:
    sample from the policy's current weights), `versions`, `close`."""

    name = ""

    def generate(self, requests: Sequence[Request], sampler: Sampler) -> list[Completion]:
        raise NotImplementedError

    def format_prompt(self, prompt: str) -> str:
        """The prompt as sent to the model (wrapped in the chat template where it applies)."""
        return prompt

    def sync(self, model: Any) -> None:
        """Sample from `model`'s current weights from now on (engines that hold their own copy)."""

    def versions(self) -> dict[str, Any]:
        """Library versions and settings to record in summary.json."""
        return {"backend": self.name}

    def close(self) -> None:
        """Release the model (and its memory)."""


def engine_factory(name: str) -> Callable[..., Engine]:
    """What builds the engine called `name` (vllm, hf or openai), imported only when asked for."""
    if name == "vllm":
        from rlvr.generation.vllm import VLLMEngine

        return VLLMEngine
    if name == "hf":
        from rlvr.generation.hf import HFEngine

        return HFEngine.from_pretrained
    if name == "openai":
        from rlvr.generation.openai import OpenAIEngine

        return OpenAIEngine
    raise ValueError(f"unknown backend {name!r}; choose vllm, hf or openai")


def check_engine_options(name: str, options: dict[str, Any]) -> None:
    """ValueError naming the valid options when `options` has one the engine does not take
    (vLLM passes unknown ones on to its engine arguments, which check them themselves).

    >>> check_engine_options("hf", {"batchsize": 4})
    Traceback (most recent call last):
    ValueError: the hf backend has no option batchsize; valid options: batch_size, device, dtype
    """
    parameters = inspect.signature(engine_factory(name)).parameters
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values()):
        return
    positional = list(parameters)[:1]  # the model or checkpoint path
    valid = sorted(set(parameters) - {*positional, "chat_template"})
    unknown = sorted(set(options) - set(valid))
    if unknown:
        raise ValueError(f"the {name} backend has no option {', '.join(unknown)}; valid options: {', '.join(valid)}")


def make_engine(name: str, model: str, chat_template: str = "auto", **options: Any) -> Engine:
    """The engine called `name` (vllm, hf or openai) for the checkpoint or served model `model`;
    options go to its constructor. A misspelt option is a ValueError naming the valid ones,
    before any model loads.

    >>> engine = make_engine("hf", "path/to/checkpoint", dtype="bfloat16")  # doctest: +SKIP
    """
    check_engine_options(name, options)
    return engine_factory(name)(model, chat_template=chat_template, **options)
