"""Tasks: one registration (`TaskSpec`) per task, read by everything that lists tasks.

    from rlvr.tasks import TaskSpec, Fixture, task_specs
    task_specs()["mcq"].fixture.right        # '2 + 2 = 4, so the answer is (B).'

See rlvr/tasks/registry.py for the `rlvr.tasks` entry point group, and docs/tasks.md.
"""

from rlvr.tasks.registry import (
    data_sources,
    eval_tasks,
    register_task,
    reload_entry_points,
    task_spec,
    task_specs,
    unregister_task,
)
from rlvr.tasks.spec import EvalTask, Example, Fixture, TaskSpec

__all__ = [
    "EvalTask",
    "Example",
    "Fixture",
    "TaskSpec",
    "data_sources",
    "eval_tasks",
    "register_task",
    "reload_entry_points",
    "task_spec",
    "task_specs",
    "unregister_task",
]
