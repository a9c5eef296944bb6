"""The public functions: compute_reward, verify, get_verifier, available_tasks.

Configuration is not content: an unknown task, an unknown or ill-typed option, or a sandbox that
cannot start raises (ValueError, SandboxUnavailable) at every entry point, at once. The completion
and the ground truth never make anything raise: they get a Verdict (see rlvr.verdict for reasons).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Hashable
from functools import cache
from typing import Any

from rlvr.verdict import Verdict
from rlvr.verifiers.base import Verifier
from rlvr.verifiers.registry import available_tasks, build_verifier, task_name, verifier_class

__all__ = ["available_tasks", "compute_reward", "get_verifier", "shared_verifier", "verify"]

# One lock guards the dicts only, never a build: a verifier's build can take seconds (a code
# task's sandbox self-check up to 30 s), so each key is built under its own lock, and other
# tasks, and other option sets, go on meanwhile.
_cache_lock = threading.Lock()
_build_locks: dict[Hashable, threading.Lock] = {}
_verifier_cache: dict[Hashable, Verifier] = {}


def _reset_locks_after_fork() -> None:
    # A lock held by another thread at fork time stays held for ever in the child (that thread
    # does not exist there): the child starts with fresh locks, keeping the verifiers built.
    global _cache_lock, _build_locks
    _cache_lock = threading.Lock()
    _build_locks = {}


os.register_at_fork(after_in_child=_reset_locks_after_fork)


def get_verifier(task: str, **options: Any) -> Verifier:
    """A new verifier for `task` with `options`.

    Raises ValueError for an unknown task or an unknown or ill-typed option, and SandboxUnavailable
    when the task's sandbox cannot start: this is configuration, checked before any sample is
    scored. The verifier's own methods never raise for content.

    >>> get_verifier("gsm8k", mode="strict").compute_reward("The answer is 18.", "#### 18")
    1.0
    """
    return build_verifier(task, **options)


def verify(completion: str, ground_truth: Any, task: str, **options: Any) -> Verdict:
    """Verify one completion against its ground truth for `task`. Never raises for content (the
    completion, the ground truth); raises for configuration, as `get_verifier` does.

    Verifiers are built once per (task, options) and reused, so worker pools stay warm.

    >>> verify("The answer is 18.", "#### 18", task="gsm8k").reason
    'ok'
    """
    return shared_verifier(task, options).verify(completion, ground_truth)


def compute_reward(completion: str, ground_truth: Any, task: str, **options: Any) -> float:
    """The reward (a float in [0, 1]) for one completion. Raises only for configuration, like `verify`.

    >>> compute_reward("The answer is 18.", "#### 18", task="gsm8k")
    1.0
    """
    return verify(completion, ground_truth, task, **options).score


def shared_verifier(task: str, options: dict[str, Any]) -> Verifier:
    """The process-wide verifier for (task, options), built on first use. Raises like `get_verifier`."""
    key = _cache_key(task, options)
    verifier = _verifier_cache.get(key)
    if verifier is not None:
        return verifier
    with _cache_lock:
        build_lock = _build_locks.setdefault(key, threading.Lock())
    with build_lock:  # one build per key; callers of the same key wait for it, no one else does
        verifier = _verifier_cache.get(key)
        if verifier is None:
            verifier = get_verifier(key[0], **options)
            with _cache_lock:
                _verifier_cache[key] = verifier
        return verifier


def _cache_key(task: Any, options: dict[str, Any]) -> tuple[str, Hashable]:
    """A hashable key for (task, options); ValueError when a value cannot be one (an unhashable
    task, an option object whose __hash__ raises): that is configuration, never a raw TypeError."""
    name = task_name(task)
    try:
        key = (name, (_freeze(options), _environment(name)))
        hash(key)
    except Exception as exc:  # any __hash__ or __eq__ of a user's object
        raise ValueError(
            f"options of task {task!r} must be plain values (str, numbers, lists, dicts): {exc!r}"
        ) from None
    return key


def _environment(task: str) -> tuple[str | None, ...]:
    """The values of the environment variables that give `task`'s option defaults."""
    return tuple(os.environ.get(name) for name in _environment_names(task))


@cache
def _environment_names(task: str) -> tuple[str, ...]:
    return verifier_class(task).environment


def _freeze(value: Any) -> Hashable:
    """A hashable stand-in for option values (lists and dicts become tuples)."""
    if isinstance(value, dict):
        return tuple(sorted((str(k), _freeze(v)) for k, v in value.items()))
    if isinstance(value, (list, tuple, set, frozenset)):
        return tuple(_freeze(v) for v in value)
    if isinstance(value, Hashable):
        return value
    return repr(value)
