"""OpenAI-compatible HTTP client engine, for a running `vllm serve` (or any server speaking the API).

Requests go to `{base_url}/completions` (or `/chat/completions` when the chat template is on;
`auto` means off here, since the server's model cannot be inspected), one HTTP request per
sample with its own `seed`, several in flight at once (`concurrency`). Uses only the standard
library. The API key, if the server needs one, comes from the environment variable named by
`api_key_env` (default OPENAI_API_KEY), never from the command line.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from rlvr.generation.base import Completion, Engine, Request, Sampler


class OpenAIEngine(Engine):
    """Options: base_url (e.g. http://127.0.0.1:8000/v1), concurrency, timeout, api_key_env."""

    name = "openai"

    def __init__(
        self,
        model: str,
        chat_template: str = "auto",
        base_url: str = "http://127.0.0.1:8000/v1",
        concurrency: int = 8,
        timeout: float = 600.0,
        api_key_env: str = "OPENAI_API_KEY",
    ) -> None:
        if chat_template not in ("auto", "on", "off"):
            raise ValueError(f"--chat-template must be auto, on or off, got {chat_template!r}")
        self.model = model
        self.base_url = base_url.rstrip("/")
        self.chat = chat_template == "on"
        self.concurrency = concurrency
        self.timeout = timeout
        self.api_key = os.environ.get(api_key_env)

    def versions(self) -> dict[str, Any]:
        return {"backend": self.name, "base_url": self.base_url, "chat_template": self.chat}

    def generate(self, requests: Sequence[Request], sampler: Sampler) -> list[Completion]:
        with ThreadPoolExecutor(max_workers=max(1, min(self.concurrency, len(requests)))) as pool:
            return list(pool.map(lambda r: self._one(r, sampler), requests))

    def _one(self, request: Request, sampler: Sampler) -> Completion:
        body: dict[str, Any] = {
            "model": self.model,
            "temperature": sampler.temperature,
            "top_p": sampler.top_p,
            "max_tokens": sampler.max_tokens,
            "seed": request.seed,
            "n": 1,
            "logprobs": 1 if not self.chat else None,
        }
        if sampler.top_k > 0:
            body["top_k"] = sampler.top_k  # a vLLM extension of the API
        if sampler.stop:
            body["stop"] = list(sampler.stop)
        if sampler.stop_token_ids:
            body["stop_token_ids"] = list(sampler.stop_token_ids)  # a vLLM extension of the API
        if self.chat:
            body["messages"] = [{"role": "user", "content": request.prompt}]
            body["logprobs"] = True
        else:
            body["prompt"] = request.prompt
        reply = self._post("/chat/completions" if self.chat else "/completions", body)
        choice = reply["choices"][0]
        text = choice["message"]["content"] if self.chat else choice["text"]
        num_tokens = (reply.get("usage") or {}).get("completion_tokens", 0)
        finish = "length" if choice.get("finish_reason") == "length" else "stop"
        logprobs = _token_logprobs(choice, self.chat)
        return Completion(
            text,
            finish,
            num_tokens,
            sum(logprobs) if logprobs else None,
            token_logprobs=tuple(logprobs) if sampler.logprobs and logprobs else None,
        )

    def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        headers = {"Content-Type": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        data = json.dumps({k: v for k, v in body.items() if v is not None}).encode()
        url = self.base_url + path
        http_request = urllib.request.Request(url, data=data, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(http_request, timeout=self.timeout) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError:
            raise  # the server answered: its status says what is wrong
        except urllib.error.URLError as exc:
            raise ConnectionError(
                f"cannot reach the OpenAI-compatible server at {url} ({exc.reason}): start it "
                "(e.g. vllm serve MODEL --port 8000) or pass --backend-option base_url=http://HOST:PORT/v1"
            ) from exc


def _token_logprobs(choice: dict[str, Any], chat: bool) -> list[float]:
    logprobs = choice.get("logprobs")
    if not logprobs:
        return []
    values = [t["logprob"] for t in logprobs.get("content") or []] if chat else logprobs.get("token_logprobs") or []
    return [v for v in values if v is not None]
