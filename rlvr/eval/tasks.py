"""Evaluation tasks: how each benchmark's upstream data is read and turned into examples.

An `Example` has a stable `id` (used for per-request seeds and `--resume`), the raw record
(`doc`, which the prompt formats read), the `ground_truth` in the form the task's verifier
takes, and the strata `fields` reports break accuracy down by (level, subject, difficulty).

| eval task | verifier | data file (upstream format)            | id            | strata             |
|-----------|----------|-----------------------------------------|---------------|--------------------|
| gsm8k     | gsm8k    | gsm8k/test.jsonl                        | "test-<line>" |                    |
| math      | math     | math/test.jsonl (Hendrycks MATH)        | idx           | level, subject     |
| math500   | math     | math500/test.jsonl (PRM800K split)      | unique_id     | level, subject     |
| ifeval    | ifeval   | ifeval/input_data.jsonl                 | key           |                    |
| ifbench   | ifbench  | ifbench/IFBench_test.jsonl              | key           |                    |
| mbpp      | mbpp     | mbpp/mbpp.jsonl or sanitized-mbpp.json  | task_id       |                    |
| humaneval | humaneval| humaneval/HumanEval.jsonl.gz            | task_id       |                    |
| apps      | apps     | apps/*.jsonl (codeparrot/apps schema)   | problem_id    | difficulty         |

Without `--data`, the data comes from the Hugging Face hub through `datasets` (needs network).
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# The official MBPP split by task_id (Austin et al., 2021).
MBPP_SPLITS = {"prompt": range(1, 11), "test": range(11, 511), "validation": range(511, 601), "train": range(601, 975)}


@dataclass(frozen=True)
class Example:
    """One evaluation item; see the module docstring."""

    id: str
    doc: dict[str, Any]
    ground_truth: Any
    fields: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class EvalTask:
    """An evaluation task: its verifier task, default prompt format, record converter,
    reference solution (None where the data has none), and its Hugging Face hub copy."""

    name: str
    verifier: str
    prompt_format: str
    to_example: Callable[[dict[str, Any], int], Example]
    reference: Callable[[dict[str, Any]], str] | None
    hub: tuple[str, str | None, str] | None  # (dataset path, config name, split)
    split_filter: Callable[[Example, str], bool] | None = None


def _gsm8k(doc: dict[str, Any], index: int) -> Example:
    return Example(f"test-{index}", doc, doc["answer"])


def _math_level(level: Any) -> str:
    """ "Level 5" as MATH writes it, from MATH's "Level 5" or MATH-500's 5."""
    return level if isinstance(level, str) else f"Level {level}"


def _math(doc: dict[str, Any], index: int) -> Example:
    return Example(
        str(doc.get("idx", index)), doc, doc["solution"], {"level": _math_level(doc["level"]), "subject": doc["type"]}
    )


def _math500(doc: dict[str, Any], index: int) -> Example:
    fields = {"level": _math_level(doc["level"]), "subject": doc["subject"]}
    return Example(str(doc.get("unique_id", index)), doc, doc["answer"], fields)


def _instructions(doc: dict[str, Any], index: int) -> Example:
    # kwargs stay as in the data (IFBench's nulls included): the verifier drops the nulls.
    truth = {"instruction_id_list": doc["instruction_id_list"], "kwargs": doc["kwargs"], "prompt": doc["prompt"]}
    return Example(str(doc["key"]), doc, truth)


def _mbpp(doc: dict[str, Any], index: int) -> Example:
    # The sanitized file names the task text `prompt` and lists imports apart from the tests.
    setup = doc.get("test_setup_code") or "\n".join(doc.get("test_imports") or [])
    truth = {
        "test_list": doc["test_list"],
        "test_setup_code": setup,
        "challenge_test_list": doc.get("challenge_test_list") or [],
    }
    return Example(str(doc["task_id"]), doc, truth)


def _mbpp_split(example: Example, split: str) -> bool:
    if split not in MBPP_SPLITS:
        raise ValueError(f"MBPP split must be one of {sorted(MBPP_SPLITS)}, got {split!r}")
    return int(example.id) in MBPP_SPLITS[split]


def _humaneval(doc: dict[str, Any], index: int) -> Example:
    truth = {"prompt": doc["prompt"], "test": doc["test"], "entry_point": doc["entry_point"]}
    return Example(doc["task_id"], doc, truth)


def _apps(doc: dict[str, Any], index: int) -> Example:
    io = doc["input_output"]
    io = json.loads(io) if isinstance(io, str) else io
    truth = {"inputs": io["inputs"], "outputs": io["outputs"]}
    if io.get("fn_name"):
        truth["fn_name"] = io["fn_name"]
    return Example(str(doc.get("problem_id", index)), doc, truth, {"difficulty": doc.get("difficulty")})


def _apps_reference(doc: dict[str, Any]) -> str:
    solutions = doc["solutions"]
    return (json.loads(solutions) if isinstance(solutions, str) else solutions)[0]


TASKS: dict[str, EvalTask] = {
    task.name: task
    for task in [
        EvalTask("gsm8k", "gsm8k", "gsm8k", _gsm8k, lambda d: d["answer"], ("openai/gsm8k", "main", "test")),
        EvalTask("math", "math", "minerva_math", _math, lambda d: d["solution"], None),
        EvalTask(
            "math500",
            "math",
            "minerva_math",
            _math500,
            lambda d: d["solution"],
            ("HuggingFaceH4/MATH-500", None, "test"),
        ),
        EvalTask("ifeval", "ifeval", "raw", _instructions, None, ("google/IFEval", None, "train")),
        EvalTask("ifbench", "ifbench", "raw", _instructions, None, ("allenai/IFBench_test", None, "train")),
        EvalTask(
            "mbpp",
            "mbpp",
            "mbpp",
            _mbpp,
            lambda d: d["code"],
            ("google-research-datasets/mbpp", "full", "test"),
            _mbpp_split,
        ),
        EvalTask(
            "humaneval",
            "humaneval",
            "humaneval",
            _humaneval,
            lambda d: d["canonical_solution"],
            ("openai/openai_humaneval", None, "test"),
        ),
        EvalTask("apps", "apps", "apps", _apps, _apps_reference, ("codeparrot/apps", "all", "test")),
    ]
}


def get_task(name: str) -> EvalTask:
    """The evaluation task called `name`; ValueError naming the known ones otherwise."""
    try:
        return TASKS[name]
    except KeyError:
        raise ValueError(f"unknown evaluation task {name!r}; known tasks: {sorted(TASKS)}") from None


def read_records(path: str | Path) -> list[dict[str, Any]]:
    """Records of a JSONL file (optionally .gz) or of a JSON array file."""
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as handle:
        text = handle.read()
    if text.lstrip().startswith("["):
        try:
            return json.loads(text)
        except ValueError as exc:
            raise ValueError(f"{path}: not a valid JSON array ({exc})") from None
    records = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            records.append(json.loads(line))
        except ValueError as exc:
            raise ValueError(f"{path}: line {number} is not valid JSON ({exc.args[0].split(':')[0]})") from None
        if not isinstance(records[-1], dict):
            raise ValueError(f"{path}: line {number} is not a JSON object")
    return records


def _hub_records(task: EvalTask, split: str | None) -> list[dict[str, Any]]:
    if task.hub is None:
        raise ValueError(f"task {task.name!r} has no single Hugging Face dataset: pass --data PATH")
    from datasets import load_dataset  # optional, and needs network

    path, config, default_split = task.hub
    return [dict(row) for row in load_dataset(path, config, split=split or default_split)]


def load_examples(
    task_name: str, data: str | Path | None = None, split: str | None = None, limit: int | None = None
) -> list[Example]:
    """The examples of a task, from `data` (a file in the upstream format) or the hub.

    `split` selects the MBPP split by task_id (default "test") and the hub split; `limit`
    keeps the first N examples after the split. Ids must be unique: duplicates would make
    `--resume` and per-prompt seeds ambiguous, so they raise instead of being dropped.
    """
    task = get_task(task_name)
    records = read_records(data) if data is not None else _hub_records(task, split)
    examples = []
    for index, doc in enumerate(records):
        try:
            examples.append(task.to_example(doc, index))
        except KeyError as exc:
            source = data if data is not None else "the hub data"
            raise ValueError(
                f"{source}: record {index + 1} has no field {exc.args[0]!r}, which task {task_name} reads"
            ) from None
    if task.split_filter is not None:
        examples = [e for e in examples if task.split_filter(e, split or "test")]
    seen: set[str] = set()
    for example in examples:
        if example.id in seen:
            raise ValueError(f"duplicate example id {example.id!r} in the {task_name} data")
        seen.add(example.id)
    return examples[:limit] if limit is not None else examples


def references(task_name: str, examples: Iterable[Example]) -> list[str]:
    """The reference solution of each example, as a completion the verifier should accept."""
    task = get_task(task_name)
    if task.reference is None:
        raise ValueError(f"task {task_name!r} has no reference responses in its data")
    return [task.reference(e.doc) for e in examples]
