"""Requests and responses of `rlvr serve` as JSON: parsing and checking, with no I/O.

A request the server cannot use raises `RequestError` with the HTTP status and a one-line
message; the app answers `{"error": message}`. The completion and the ground truth are content,
never checked here: whatever they hold gets a verdict, as in-process.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from rlvr.verdict import Verdict


class RequestError(Exception):
    """A request the server refuses: `status` is the HTTP status, the message one line."""

    def __init__(self, status: int, message: str, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(" ".join(message.split()))
        self.status = status
        self.headers = dict(headers or {})


@dataclass(frozen=True)
class BatchRequest:
    """What a verification request asks for: a task, its options, and samples in order."""

    task: str
    options: dict[str, Any]
    completions: list[Any]
    ground_truths: list[Any]


def parse_json(body: bytes) -> dict[str, Any]:
    """The request body as a JSON object; RequestError(400) otherwise."""
    try:
        payload = json.loads(body)
    except (ValueError, RecursionError) as exc:  # RecursionError: nesting deeper than json can read
        raise RequestError(400, f"the body is not valid JSON: {exc}") from None
    if not isinstance(payload, dict):
        raise RequestError(400, f"the body must be a JSON object, got {type(payload).__name__}")
    return payload


def field_of(payload: Mapping[str, Any], name: str, kind: type | None = None) -> Any:
    """payload[name]; RequestError(400) when it is missing or not of `kind`."""
    if name not in payload:
        raise RequestError(400, f"missing field {name!r}")
    value = payload[name]
    if kind is not None and not isinstance(value, kind):
        raise RequestError(
            400, f"field {name!r} must be of JSON type {_json_type(kind)}, got {_json_type(type(value))}"
        )
    return value


def verify_request(payload: Mapping[str, Any]) -> BatchRequest:
    """POST /v1/verify: {task, completion, ground_truth, options?} as a batch of one."""
    task, options = _task_and_options(payload)
    return BatchRequest(task, options, [field_of(payload, "completion")], [field_of(payload, "ground_truth")])


def batch_request(payload: Mapping[str, Any]) -> BatchRequest:
    """POST /v1/verify_batch: {task, completions, ground_truths, options?}; the lists must pair up."""
    task, options = _task_and_options(payload)
    completions = field_of(payload, "completions", list)
    ground_truths = field_of(payload, "ground_truths", list)
    if len(completions) != len(ground_truths):
        raise RequestError(400, f"{len(completions)} completions but {len(ground_truths)} ground_truths")
    return BatchRequest(task, options, completions, ground_truths)


def query_options(raw: str | None) -> dict[str, Any]:
    """Verifier options given in a URL as `?options=<JSON object>` (the trainer-contract routes,
    whose bodies are the trainer's own and have no room for them)."""
    if raw is None:
        return {}
    try:
        options = json.loads(raw)
    except ValueError as exc:
        raise RequestError(400, f"query parameter 'options' is not valid JSON: {exc}") from None
    if not isinstance(options, dict):
        raise RequestError(400, "query parameter 'options' must be a JSON object")
    return options


def verdict_json(verdict: Verdict) -> dict[str, Any]:
    """A verdict as the server sends it: its fields plus `failed` (true: not judged, do not train on it)."""
    return {**verdict.to_dict(), "failed": verdict.failed}


def dumps(value: Any) -> bytes:
    """Compact JSON; a value JSON has no type for (in a verdict's detail) is sent as its str."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str).encode()


def _task_and_options(payload: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    options = payload.get("options")
    if options is None:
        options = {}
    if not isinstance(options, dict):
        raise RequestError(400, f"field 'options' must be an object, got {_json_type(type(options))}")
    return field_of(payload, "task", str), options


def _json_type(kind: type) -> str:
    names = {dict: "object", list: "array", str: "string", int: "number", float: "number", bool: "boolean"}
    return names.get(kind, "null" if kind is type(None) else kind.__name__)
