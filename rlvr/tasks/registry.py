"""The registry of tasks: rlvr's own TaskSpecs, those other packages register through the
`rlvr.tasks` entry point group, and those registered in this process with `register_task`.

A package adds a task with one entry in its packaging metadata, e.g. in pyproject.toml:

    [project.entry-points."rlvr.tasks"]
    echo = "my_package.echo:SPEC"        # a TaskSpec, a list of them, or a function returning either

(docs/tasks.md has a worked example). Entry points are read once, on first use; one that fails
to load is skipped with a warning naming it, so a broken plugin never takes rlvr's own tasks down.
"""

from __future__ import annotations

import importlib
import threading
import warnings
from collections.abc import Iterable
from importlib.metadata import entry_points
from typing import Any

from rlvr.eval.prompts import FORMATS, PromptFormat
from rlvr.tasks.spec import EvalTask, TaskSpec

ENTRY_POINT_GROUP = "rlvr.tasks"
# rlvr's own task modules, each exposing SPECS.
BUILTIN_MODULES = (
    "rlvr.tasks.builtin.gsm8k",
    "rlvr.tasks.builtin.math",
    "rlvr.tasks.builtin.instructions",
    "rlvr.tasks.builtin.code",
    "rlvr.tasks.builtin.rubric",
    "rlvr.tasks.builtin.mcq",
)

# Re-entrant, so that a spec module that wrongly uses the registry while it loads gets a clear
# error (below) instead of a deadlock.
_lock = threading.RLock()
_loading = False
_specs: dict[str, TaskSpec] | None = None
_registered: dict[str, TaskSpec] = {}


def task_specs() -> dict[str, TaskSpec]:
    """Every registered task by name: rlvr's own, entry points', then `register_task`'s."""
    global _specs, _loading
    with _lock:
        if _specs is None:
            if _loading:
                raise RuntimeError(
                    "the task registry was used while it loads: a module that defines a TaskSpec must not "
                    "import its verifier's module (name the verifier as 'module:Class' instead)"
                )
            _loading = True
            try:
                specs: dict[str, TaskSpec] = {}
                for module in BUILTIN_MODULES:
                    _add(specs, importlib.import_module(module).SPECS, module)
                for point in entry_points(group=ENTRY_POINT_GROUP):
                    _add(specs, _load(point), f"entry point {point.name!r} ({point.value})")
                _specs = specs
            finally:
                _loading = False
        return {**_specs, **_registered}


def register_task(spec: TaskSpec) -> None:
    """Register `spec` in this process (a notebook, a test). ValueError if its name is taken.

    >>> register_task(TaskSpec("gsm8k", "x:Y", "taken"))  # doctest: +SKIP
    ValueError: task 'gsm8k' is already registered
    """
    if not isinstance(spec, TaskSpec):
        raise ValueError(f"register_task takes a TaskSpec, got {type(spec).__name__}")
    if spec.name in task_specs():
        raise ValueError(f"task {spec.name!r} is already registered")
    with _lock:
        _registered[spec.name] = spec


def unregister_task(name: str) -> None:
    """Remove a task `register_task` added (tests use it to clean up)."""
    with _lock:
        _registered.pop(name, None)


def reload_entry_points() -> None:
    """Read the entry points again (after installing a plugin into a running process)."""
    global _specs
    with _lock:
        _specs = None


def task_spec(name: str) -> TaskSpec:
    """The spec of task `name`; ValueError naming the known tasks otherwise."""
    specs = task_specs()
    if name not in specs:
        raise ValueError(f"unknown task {name[:100]!r}; available tasks: {sorted(specs)}")
    return specs[name]


def eval_tasks() -> dict[str, EvalTask]:
    """rlvr-eval's tasks by name, from every spec's `evals`."""
    return {task.name: task for spec in task_specs().values() for task in spec.evals}


def prompt_formats() -> dict[str, PromptFormat]:
    """rlvr-eval's prompt formats by name: its standard ones (rlvr.eval.prompts) and the tasks'."""
    return {**FORMATS, **{fmt.name: fmt for spec in task_specs().values() for fmt in spec.prompt_formats}}


def prompt_format(name: str | PromptFormat) -> PromptFormat:
    """The prompt format called `name` (a task's own format object is returned as it is)."""
    if isinstance(name, PromptFormat):
        return name
    formats = prompt_formats()
    if name not in formats:
        raise ValueError(f"unknown prompt format {name!r}; known formats: {sorted(formats)}")
    return formats[name]


def data_sources() -> dict[str, str]:
    """Trainer data-source name -> task: each spec's `data_sources`, and every task's own name."""
    aliases = {name: name for name in task_specs()}
    for spec in task_specs().values():
        aliases.update(dict.fromkeys(spec.data_sources, spec.name))
    return aliases


def _load(point: Any) -> Iterable[TaskSpec]:
    try:
        loaded = point.load()
        return loaded() if callable(loaded) and not isinstance(loaded, TaskSpec) else loaded
    except Exception as exc:  # a broken plugin is skipped, loudly
        warnings.warn(f"rlvr.tasks entry point {point.name!r} failed to load: {exc!r}", RuntimeWarning, stacklevel=3)
        return ()


def _add(specs: dict[str, TaskSpec], found: Any, source: str) -> None:
    for spec in [found] if isinstance(found, TaskSpec) else list(found):
        if not isinstance(spec, TaskSpec):
            warnings.warn(f"{source} gave {type(spec).__name__}, not a TaskSpec: skipped", RuntimeWarning, stacklevel=3)
        elif spec.name in specs:
            warnings.warn(f"{source}: task {spec.name!r} is already registered: skipped", RuntimeWarning, stacklevel=3)
        else:
            specs[spec.name] = spec
