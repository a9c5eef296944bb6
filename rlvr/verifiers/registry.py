"""Task name -> verifier, read from the task registry (rlvr.tasks: one TaskSpec per task).

Classes are imported on first use, so `import rlvr` stays cheap and a task's heavy
dependencies (sympy, a sandbox) load only when that task is used.
"""

from __future__ import annotations

from typing import Any

from rlvr.tasks.registry import task_spec, task_specs
from rlvr.verifiers.base import Verifier


def available_tasks() -> list[str]:
    """The task names `verify`, `compute_reward` and `get_verifier` accept."""
    return sorted(task_specs())


def task_name(task: object) -> str:
    """`task` as a plain str when it names a registered task; ValueError otherwise (also for a
    non-str or unhashable task, which is configuration, never a raw TypeError).

    >>> task_name("gsm8k")
    'gsm8k'
    """
    # str.__str__ gives an exact str even for a str subclass, whose own __hash__ could raise.
    if not isinstance(task, str):
        raise ValueError(f"task must be a str naming a task, got {type(task).__name__}; available: {available_tasks()}")
    name = str.__str__(task)
    task_spec(name)
    return name


def verifier_class(task: str) -> type[Verifier]:
    """The verifier class registered for `task`; ValueError for an unknown task."""
    return task_spec(task_name(task)).verifier_class()


def build_verifier(task: str, **options: Any) -> Verifier:
    """A new verifier for `task`: the task's default options, overridden by `options`."""
    spec = task_spec(task_name(task))
    return spec.verifier_class()(**{**spec.options, **options})
