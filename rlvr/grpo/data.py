"""Validating the records a step is given, and walking a prompt pool in fresh subsets."""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Sequence
from typing import Any


def validate_records(data: Any, fields: Sequence[str], call: str) -> None:
    """Raise ValueError naming the first bad record (counted from 1, as a JSONL file's lines): data
    must be a non-empty list of dicts with each of `fields`; "prompt" and "response" must be
    non-empty strings."""
    if not isinstance(data, (list, tuple)) or not data:
        raise ValueError(
            f"{call} needs a non-empty list of records {{{', '.join(map(repr, fields))}}}, got {type(data).__name__}"
        )
    for index, record in enumerate(data, 1):
        if not isinstance(record, dict):
            raise ValueError(f"{call}: record {index} is a {type(record).__name__}, not a dict: {record!r:.200}")
        for name in fields:
            if name not in record or record[name] is None:
                raise ValueError(f"{call}: record {index} has no {name!r}: {record!r:.200}")
            if name in ("prompt", "response") and (not isinstance(record[name], str) or not record[name]):
                raise ValueError(f"{call}: record {index} has {name!r} that is not a non-empty string: {record!r:.200}")


class PoolWalker:
    """Hands out subsets of a pool in passes: each pass is a fresh shuffle (from the session's
    seeded random stream) cut into subsets; the last subset of a pass may be smaller and is
    returned as it is (partial batches are trained on, never waited for or padded)."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.passes: dict[str, list[int]] = {}

    def next_subset(self, data: Sequence[dict[str, Any]], size: int | None) -> list[int]:
        if size is None or size >= len(data):
            return list(range(len(data)))
        if size < 1:
            raise ValueError(f"subset_size must be >= 1, got {size}")
        key = pool_key(data)
        remaining = self.passes.get(key) or self.rng.sample(range(len(data)), len(data))
        chosen, self.passes[key] = remaining[:size], remaining[size:]
        return chosen


def pool_key(data: Sequence[dict[str, Any]]) -> str:
    """A fingerprint of a pool's prompts, so each pool keeps its own position."""
    digest = hashlib.blake2b(digest_size=12)
    for record in data:
        digest.update(json.dumps(record.get("prompt"), ensure_ascii=False).encode())
    return digest.hexdigest()
