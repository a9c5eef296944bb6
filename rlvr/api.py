"""The public functions: compute_reward, verify, get_verifier, available_tasks."""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Any

from rlvr.verdict import BAD_OPTIONS, UNKNOWN_TASK, Verdict
from rlvr.verifiers.base import Verifier
from rlvr.verifiers.registry import TASKS, available_tasks, verifier_class

__all__ = ["available_tasks", "compute_reward", "get_verifier", "reward_function", "verify"]

_cache_lock = threading.Lock()
_verifier_cache: dict[Hashable, Verifier] = {}


def get_verifier(task: str, **options: Any) -> Verifier:
    """A new verifier for `task` with `options`.

    Raises ValueError for an unknown task or option: this is configuration, checked once,
    before any sample is scored. The verifier's own methods never raise.
    """
    return verifier_class(task)(**options)


def verify(completion: str, ground_truth: Any, task: str, **options: Any) -> Verdict:
    """Verify one completion against its ground truth for `task`. Never raises.

    Verifiers are built once per (task, options) and reused, so worker pools stay warm.
    """
    if task not in TASKS:
        return Verdict.failure(UNKNOWN_TASK, f"unknown task {task!r}; available tasks: {available_tasks()}")
    try:
        verifier = _shared_verifier(task, options)
    except (ValueError, TypeError) as exc:
        return Verdict.failure(BAD_OPTIONS, str(exc))
    return verifier.verify(completion, ground_truth)


def compute_reward(completion: str, ground_truth: Any, task: str, **options: Any) -> float:
    """The reward (a float in [0, 1]) for one completion. Never raises."""
    return verify(completion, ground_truth, task, **options).score


def reward_function(task: str) -> Callable[[str, Any], float]:
    """The two-argument `compute_reward(completion, ground_truth) -> float` for one task,
    with default options: the form training harnesses import from a task module."""

    def task_compute_reward(completion: str, ground_truth: Any) -> float:
        return compute_reward(completion, ground_truth, task=task)

    task_compute_reward.__name__ = "compute_reward"
    task_compute_reward.__doc__ = f"Reward in [0, 1] for one {task} completion; never raises."
    return task_compute_reward


def _shared_verifier(task: str, options: dict[str, Any]) -> Verifier:
    key = (task, _freeze(options))
    with _cache_lock:
        verifier = _verifier_cache.get(key)
        if verifier is None:
            verifier = _verifier_cache[key] = get_verifier(task, **options)
        return verifier


def _freeze(value: Any) -> Hashable:
    """A hashable stand-in for option values (lists and dicts become tuples)."""
    if isinstance(value, dict):
        return tuple(sorted((str(k), _freeze(v)) for k, v in value.items()))
    if isinstance(value, (list, tuple, set, frozenset)):
        return tuple(_freeze(v) for v in value)
    if isinstance(value, Hashable):
        return value
    return repr(value)
