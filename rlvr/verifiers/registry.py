"""The one registry of tasks: task name -> the verifier class that implements it.

Classes are imported on first use, so `import rlvr` stays cheap and a task's heavy
dependencies (sympy, a sandbox) load only when that task is used.
"""

from __future__ import annotations

import importlib

from rlvr.verifiers.base import Verifier

TASKS: dict[str, str] = {
    "gsm8k": "rlvr.verifiers.gsm8k:GSM8KVerifier",
    "rubric": "rlvr.verifiers.rubric:RubricVerifier",
    "ifeval": "rlvr.verifiers.ifeval:IFEvalVerifier",
    "ifbench": "rlvr.verifiers.ifbench:IFBenchVerifier",
    "if_multi": "rlvr.verifiers.if_multi:IFMultiVerifier",
    "mbpp": "rlvr.verifiers.mbpp:MBPPVerifier",
    "humaneval": "rlvr.verifiers.humaneval:HumanEvalVerifier",
    "apps": "rlvr.verifiers.apps:APPSVerifier",
    "math": "rlvr.verifiers.math:MathVerifier",
    "mcq": "rlvr.verifiers.mcq:MCQVerifier",
}


def available_tasks() -> list[str]:
    """The task names `verify`, `compute_reward` and `get_verifier` accept."""
    return sorted(TASKS)


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
    if name not in TASKS:
        raise ValueError(f"unknown task {name[:100]!r}; available tasks: {available_tasks()}")
    return name


def verifier_class(task: str) -> type[Verifier]:
    """The verifier class registered for `task`; ValueError for an unknown task."""
    module_name, class_name = TASKS[task_name(task)].split(":")
    return getattr(importlib.import_module(module_name), class_name)
