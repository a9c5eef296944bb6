"""The two-argument `compute_reward(completion, ground_truth) -> float` each task module exposes.

It lives beside the registry, not in the `rlvr.api` facade, so that task modules never import
the facade that imports them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from rlvr.verifiers.base import Verifier
from rlvr.verifiers.registry import build_verifier, task_name


def reward_function(task: str) -> Callable[[str, Any], float]:
    """The two-argument `compute_reward(completion, ground_truth) -> float` for one task, with
    default options: the form training harnesses import from a task module. The task name is
    checked here; the verifier is built on the first call (so importing a code task's module
    starts no sandbox), which raises SandboxUnavailable when the sandbox cannot start.

    >>> reward_function("gsm8k")("The answer is 18.", "#### 18")
    1.0
    """
    name = task_name(task)
    lock = threading.Lock()
    built: list[Verifier] = []

    def compute_reward(completion: str, ground_truth: Any) -> float:
        if not built:
            with lock:
                if not built:
                    built.append(build_verifier(name))
        return built[0].compute_reward(completion, ground_truth)

    compute_reward.__doc__ = f"Reward in [0, 1] for one {name} completion; never raises."
    return compute_reward
