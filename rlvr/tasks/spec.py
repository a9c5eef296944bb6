"""What one task registration holds: `TaskSpec`, its evaluation entries (`EvalTask`) and its `Fixture`.

Everything that lists tasks reads these: the verifier registry (`rlvr.available_tasks`,
`rlvr.get_verifier`), rlvr-eval's task table, its prompt formats, verl's data-source aliases,
the README's task table and the conformance suite (tests/test_task_conformance.py).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from rlvr.eval.prompts import PromptFormat

if TYPE_CHECKING:
    from rlvr.verifiers.base import Verifier


@dataclass(frozen=True)
class Example:
    """One evaluation item: a stable `id` (per-request seeds, `--resume`), the raw record
    (`doc`, which prompt formats read), the `ground_truth` in the form the task's verifier takes,
    and the strata `fields` reports break accuracy down by (level, subject, difficulty)."""

    id: str
    doc: dict[str, Any]
    ground_truth: Any
    fields: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class EvalTask:
    """An evaluation task: its verifier task, default prompt format (a name in
    rlvr.tasks.registry.prompt_formats() or a format of its own), record converter, reference
    solution (None where the data has none), its Hugging Face hub copy, the fields every record
    must have, its strata fields, default generation budget, default verifier options and
    default data file."""

    name: str
    verifier: str
    prompt_format: str | PromptFormat
    to_example: Callable[[dict[str, Any], int], Example]
    reference: Callable[[dict[str, Any]], str] | None
    hub: tuple[str, str | None, str] | None  # (dataset path, config name, split)
    split_filter: Callable[[Example, str], bool] | None = None
    required: tuple[str, ...] = ()
    strata: tuple[str, ...] = ()
    max_tokens: int = 1024
    verifier_options: dict[str, Any] = field(default_factory=dict)
    data: str | None = None


@dataclass(frozen=True)
class Fixture:
    """The smallest proof that a task works: a ground truth, a completion that is right, one that
    is wrong, one that gives no answer (judged, score 0, reason `no_answer_reason`), and a ground
    truth the verifier cannot use (reason "bad_ground_truth"). `options` are verifier options the
    fixture runs with; `service` names what it needs running ("judge": a chat-completions judge
    at `judge_base_url`, which the conformance suite starts from rlvr.testing)."""

    ground_truth: Any
    right: str
    wrong: str
    no_answer: str
    bad_ground_truth: Any
    no_answer_reason: str = "no_answer"
    options: Mapping[str, Any] = field(default_factory=dict)
    service: str | None = None


@dataclass(frozen=True)
class TaskSpec:
    """One task, registered once.

    name:          the task name `rlvr.verify(..., task=name)` takes
    verifier:      the verifier class, as "module:Class" (imported on first use, so listing tasks
                   stays cheap and a task's heavy dependencies load only when it is used)
    summary:       what it checks and its modes (the README task table's "modes" column)
    ground_truth:  what the ground truth looks like (the table's "ground truth" column)
    options:       default verifier options (a user's options override them)
    evals:         the rlvr-eval tasks that score with this verifier (loader, prompt, hub id)
    prompt_formats: prompt formats this task adds to rlvr-eval's (by name)
    data_sources:  trainer data-source names that mean this task (verl's `data_source`)
    fixture:       see Fixture; a task without one fails the conformance suite

    >>> TaskSpec("echo", "my_pkg.echo:EchoVerifier", "exact string match").name
    'echo'
    """

    name: str
    verifier: str
    summary: str
    ground_truth: str = ""
    options: Mapping[str, Any] = field(default_factory=dict)
    evals: tuple[EvalTask, ...] = ()
    prompt_formats: tuple[PromptFormat, ...] = ()
    data_sources: tuple[str, ...] = ()
    fixture: Fixture | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.isidentifier():
            raise ValueError(f"task name must be an identifier, got {self.name!r}")
        module, _, attribute = self.verifier.partition(":") if isinstance(self.verifier, str) else ("", "", "")
        if not module or not attribute:
            raise ValueError(f"task {self.name!r}: verifier must be 'module:Class', got {self.verifier!r}")
        for task in self.evals:
            if task.verifier != self.name:
                raise ValueError(f"task {self.name!r}: eval task {task.name!r} scores with {task.verifier!r}")
        object.__setattr__(self, "options", MappingProxyType(dict(self.options)))

    def verifier_class(self) -> type[Verifier]:
        """The verifier class (importing its module now)."""
        module, _, attribute = self.verifier.partition(":")
        return getattr(importlib.import_module(module), attribute)
