"""A thread-safe LRU cache of judge verdicts that also merges concurrent identical requests.

GRPO groups often hold identical completions; scored in one concurrent batch, each would miss the
cache before the first answer is in. `fetch` lets the first caller of a key compute it while the
others wait for its result, so one judge call serves them all.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

V = TypeVar("V")


def cache_key(judge_model: str, prompt: str | None, response: str, rubrics: Sequence[str]) -> str:
    """A sha256 of everything the judge sees that decides its verdict."""
    text = json.dumps([judge_model, prompt, response, list(rubrics)], ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class VerdictCache(Generic[V]):
    """At most `max_entries` values, least recently used evicted first (0 disables caching)."""

    def __init__(self, max_entries: int) -> None:
        self.max_entries = max_entries
        self._entries: OrderedDict[str, V] = OrderedDict()
        self._pending: dict[str, threading.Event] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def fetch(
        self, key: str, compute: Callable[[], V], keep: Callable[[V], bool], wait: Callable[[], float]
    ) -> tuple[V, bool]:
        """(value, True) from the cache, else (compute(), False), storing results that `keep` accepts.

        While another thread computes the same key, wait for it (at most `wait()` seconds, the
        caller's remaining budget), then use its result or compute again if it failed.
        """
        if self.max_entries <= 0:
            return compute(), False
        while True:
            with self._lock:
                if key in self._entries:
                    self._entries.move_to_end(key)
                    return self._entries[key], True
                pending = self._pending.get(key)
                if pending is None:
                    self._pending[key] = threading.Event()
                    break
            if not pending.wait(wait()):
                return compute(), False  # out of time: compute() reports the timeout itself
        try:
            value = compute()
            if keep(value):
                with self._lock:
                    self._entries[key] = value
                    self._entries.move_to_end(key)
                    while len(self._entries) > self.max_entries:
                        self._entries.popitem(last=False)
            return value, False
        finally:
            with self._lock:
                self._pending.pop(key).set()
