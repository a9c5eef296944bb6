"""Evaluation tasks: how each benchmark's upstream data is read and turned into examples.

The tasks are those the registered tasks declare (`TaskSpec.evals`, rlvr.tasks): rlvr's own in
rlvr/tasks/builtin/, and any a package registers through the `rlvr.tasks` entry point group.
`python -m rlvr` lists them; `rlvr-eval --task` takes their names.

Without `--data`, the data comes from the Hugging Face hub through `datasets` (`rlvr[hub]`,
needs network). Each task has a default generation budget (`max_tokens`): 4096 for competition
math, whose reasoning runs long, 512 for MBPP and HumanEval, 1024 otherwise. A record that lacks
a field its task reads is a one-line error naming the file, the record and the field.
Tasks defined by a data file and field names (`--task custom`, `--task-file`) are in custom.py.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from rlvr.eval.records import hub_records, read_records
from rlvr.tasks.registry import eval_tasks
from rlvr.tasks.spec import EvalTask, Example

__all__ = ["EvalTask", "Example", "check_fields", "eval_tasks", "get_task", "load_examples", "references"]


def get_task(name: str) -> EvalTask:
    """The evaluation task called `name`; ValueError naming the known ones otherwise."""
    tasks = eval_tasks()
    if name not in tasks:
        raise ValueError(f"unknown evaluation task {name!r}; known tasks: {sorted(tasks)}")
    return tasks[name]


def check_fields(records: Sequence[dict[str, Any]], fields: Iterable[str], source: str) -> None:
    """Raise a one-line ValueError naming the file, record and field when a record lacks a
    field (or holds null there), before any model is loaded.

    >>> check_fields([{"question": "1+1?"}], ["question", "answer"], "mine.jsonl")  # doctest: +SKIP
    ValueError: mine.jsonl: record 1 has no field 'answer' (its fields: question)
    """
    fields = list(fields)
    for index, record in enumerate(records):
        for name in fields:
            if record.get(name) is None:
                raise missing_field(source, index, record, name)


def missing_field(source: str, index: int, record: dict[str, Any], name: str) -> ValueError:
    """The one-line error for record `index` (0-based) of `source` lacking field `name`."""
    has = "no" if name not in record else "a null"
    return ValueError(
        f"{source}: record {index + 1} has {has} field {name!r} (its fields: {', '.join(map(str, record))})"
    )


def load_examples(
    task: str | EvalTask, data: str | Path | None = None, split: str | None = None, limit: int | None = None
) -> list[Example]:
    """The examples of a task (a name or an EvalTask), from `data` (a JSONL/JSON/CSV/Parquet
    file in the upstream format), else the task's own data file, else the hub.

    `split` selects the MBPP split by task_id (default "test") and the hub split; `limit`
    keeps the first N examples after the split. Ids must be unique: duplicates would make
    `--resume` and per-prompt seeds ambiguous, so they raise instead of being dropped.

    >>> load_examples("aime25", data="data/competition_math/aime25.jsonl")[0].ground_truth  # doctest: +SKIP
    '70'
    """
    task = get_task(task) if isinstance(task, str) else task
    path = data if data is not None else task.data
    if path is not None:
        records, source = read_records(path), str(path)
    elif task.hub is not None:
        hub_path, config, default_split = task.hub
        records, source = hub_records(hub_path, config, split or default_split), hub_path
    else:
        raise ValueError(f"task {task.name!r} has no single Hugging Face dataset: pass --data PATH")
    check_fields(records, task.required, source)
    examples = [task.to_example(doc, index) for index, doc in enumerate(records)]
    if task.split_filter is not None:
        examples = [e for e in examples if task.split_filter(e, split or "test")]
    seen: set[str] = set()
    for example in examples:
        if example.id in seen:
            raise ValueError(f"{source}: duplicate example id {example.id!r} in the {task.name} data")
        seen.add(example.id)
    return examples[:limit] if limit is not None else examples


def references(task: str | EvalTask, examples: Iterable[Example]) -> list[str]:
    """The reference solution of each example, as a completion the verifier should accept."""
    task = get_task(task) if isinstance(task, str) else task
    if task.reference is None:
        raise ValueError(f"task {task.name!r} has no reference responses in its data")
    return [task.reference(e.doc) for e in examples]
