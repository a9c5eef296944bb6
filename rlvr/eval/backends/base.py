"""The interface every generation backend implements, and the factory that picks one.

A backend turns `Request`s (one prompt, one sample, one seed) into `Generation`s in the same
order. Each request carries its own seed, derived by rlvr.seeding.request_seed from (run seed,
prompt id, sample index): a fixed seed for all requests made rollouts collapse into a few
distinct sets in the seed experiments.
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class SamplingConfig:
    """Sampling settings shared by all requests of a run. temperature 0 is greedy;
    top_k -1 (or 0) means no top-k cut."""

    temperature: float = 1.0
    top_p: float = 1.0
    top_k: int = -1
    max_tokens: int = 1024
    stop: tuple[str, ...] = ()


@dataclass(frozen=True)
class Request:
    """One sample to generate: the (already formatted) prompt text and its seed."""

    prompt_id: str
    sample_index: int
    prompt: str
    seed: int


@dataclass(frozen=True)
class Generation:
    """A generated completion. finish_reason: "stop" (EOS or a stop sequence) or "length"
    (max_tokens reached); logprob: the summed log-probability of the sampled tokens, where
    the backend reports it."""

    text: str
    finish_reason: str
    num_tokens: int
    logprob: float | None = None


class Backend:
    """Base class: `generate` in request order, `format_prompt` (chat template), `versions`."""

    name = ""

    def __init__(self, model: str, chat_template: str = "auto", **options: Any) -> None:
        """Load `model`; each backend names its own options (see check_backend_options)."""

    def generate(self, requests: Sequence[Request], sampling: SamplingConfig) -> list[Generation]:
        raise NotImplementedError

    def format_prompt(self, prompt: str) -> str:
        """The prompt as sent to the model (wrapped in the chat template where it applies)."""
        return prompt

    def versions(self) -> dict[str, Any]:
        """Library versions and settings to record in summary.json."""
        return {"backend": self.name}

    def close(self) -> None:
        """Release the model (and its memory)."""


def backend_class(name: str) -> type[Backend]:
    """The backend class called `name` (vllm, hf or openai), imported only when asked for."""
    if name == "vllm":
        from rlvr.eval.backends.vllm import VLLMBackend

        return VLLMBackend
    if name == "hf":
        from rlvr.eval.backends.hf import HFBackend

        return HFBackend
    if name == "openai":
        from rlvr.eval.backends.openai import OpenAIBackend

        return OpenAIBackend
    raise ValueError(f"unknown backend {name!r}; choose vllm, hf or openai")


def check_backend_options(name: str, options: dict[str, Any]) -> None:
    """ValueError naming the valid options when `options` has one the backend does not take
    (vLLM passes unknown ones on to its engine, which checks them itself)."""
    parameters = inspect.signature(backend_class(name).__init__).parameters
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values()):
        return
    valid = sorted(set(parameters) - {"self", "model", "chat_template"})
    unknown = sorted(set(options) - set(valid))
    if unknown:
        raise ValueError(f"the {name} backend has no option {', '.join(unknown)}; valid options: {', '.join(valid)}")


def make_backend(name: str, model: str, chat_template: str = "auto", **options: Any) -> Backend:
    """The backend called `name` for `model`; options go to its constructor. A misspelt option
    is a ValueError naming the valid ones, before any model loads."""
    check_backend_options(name, options)
    return backend_class(name)(model, chat_template=chat_template, **options)
