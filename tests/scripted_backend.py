"""A generation backend that answers from a script instead of a model: the runner's whole
path (prompts, per-request seeds, verification, results) without generating anything."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from rlvr.eval.backends import Generation


class ScriptedBackend:
    """Answers each request with `answer(prompt_id)`; records the requests and sampling seen."""

    name = "scripted"

    def __init__(self, answer: Callable[[str], str]) -> None:
        self.answer = answer
        self.requests: list[Any] = []
        self.sampling: Any = None

    def generate(self, requests: Sequence[Any], sampling: Any) -> list[Generation]:
        self.requests.extend(requests)
        self.sampling = sampling
        return [Generation(self.answer(r.prompt_id), "stop", 5) for r in requests]

    def format_prompt(self, prompt: str) -> str:
        return prompt

    def versions(self) -> dict[str, Any]:
        return {"backend": self.name}

    def close(self) -> None:
        pass
