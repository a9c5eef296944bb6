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
| aime24    | math     | competition_math/aime24.jsonl           | id            |                    |
| aime25    | math     | competition_math/aime25.jsonl           | id            |                    |
| amc23     | math     | competition_math/amc23.jsonl            | id            |                    |
| olympiadbench | math | competition_math/olympiadbench.jsonl    | id            | subfield, answer_type |

Without `--data`, the data comes from the Hugging Face hub through `datasets` (`rlvr[hub]`,
needs network). Each task has a default generation budget (`max_tokens`): 4096 for competition
math, whose reasoning runs long, 512 for MBPP and HumanEval, 1024 otherwise. A record that lacks
a field its task reads is a one-line error naming the file, the record and the field.
Tasks defined by a data file and field names (`--task custom`, `--task-file`) are in custom.py.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rlvr.eval.prompts import PromptFormat
from rlvr.eval.records import hub_records, read_records

# The official MBPP split by task_id (Austin et al., 2021).
MBPP_SPLITS = {"prompt": range(1, 11), "test": range(11, 511), "validation": range(511, 601), "train": range(601, 975)}
# Long chains of thought: lm-eval's 256-token default truncated reasoning and lowered scores.
COMPETITION_MAX_TOKENS = 4096


@dataclass(frozen=True)
class Example:
    """One evaluation item; see the module docstring."""

    id: str
    doc: dict[str, Any]
    ground_truth: Any
    fields: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class EvalTask:
    """An evaluation task: its verifier task, default prompt format (a name in prompts.FORMATS
    or a format of its own), record converter, reference solution (None where the data has
    none), its Hugging Face hub copy, the fields every record must have, its strata fields,
    default generation budget, default verifier options and default data file."""

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


def canonical_answer(value: Any) -> Any:
    """The answer as the verifier should receive it: a whole number stored as a float (AIME 2025
    and AMC 2023 write 70.0) becomes "70", any other number its shortest string; strings and
    structured answers stay as they are.

    >>> canonical_answer(70.0), canonical_answer(-1), canonical_answer(2.5), canonical_answer("025")
    ('70', '-1', '2.5', '025')
    """
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _competition(doc: dict[str, Any], index: int) -> Example:
    return Example(str(doc.get("id", index)), doc, canonical_answer(doc["answer"]))


def _boxed_answer(doc: dict[str, Any]) -> str:
    return f"The final answer is $\\boxed{{{canonical_answer(doc['answer'])}}}$."


# OlympiadBench writes its answers with math delimiters ("$69$,$84$"); \$ is a dollar sign.
_MATH_DELIMITER = re.compile(r"(?<!\\)\$")


def _olympiad_answer(doc: dict[str, Any]) -> str:
    """The final answers as one string, e.g. "$69$,$84$"; several answers (is_multiple_answer)
    are a comma-separated list, which the math verifier matches in any order."""
    answers = doc["final_answer"]
    return ", ".join(answers) if isinstance(answers, list) else str(answers)


def _olympiadbench(doc: dict[str, Any], index: int) -> Example:
    fields = {"subfield": doc.get("subfield"), "answer_type": doc.get("answer_type")}
    return Example(str(doc.get("id", index)), doc, _olympiad_answer(doc), fields)


def _olympiad_reference(doc: dict[str, Any]) -> str:
    return f"The final answer is \\boxed{{{_MATH_DELIMITER.sub('', _olympiad_answer(doc))}}}."


TASKS: dict[str, EvalTask] = {
    task.name: task
    for task in [
        EvalTask(
            "gsm8k",
            "gsm8k",
            "gsm8k",
            _gsm8k,
            lambda d: d["answer"],
            ("openai/gsm8k", "main", "test"),
            required=("question", "answer"),
        ),
        EvalTask(
            "math",
            "math",
            "minerva_math",
            _math,
            lambda d: d["solution"],
            None,
            required=("problem", "solution", "level", "type"),
            strata=("level", "subject"),
        ),
        EvalTask(
            "math500",
            "math",
            "minerva_math",
            _math500,
            lambda d: d["solution"],
            ("HuggingFaceH4/MATH-500", None, "test"),
            required=("problem", "answer", "level", "subject"),
            strata=("level", "subject"),
        ),
        EvalTask(
            "ifeval",
            "ifeval",
            "raw",
            _instructions,
            None,
            ("google/IFEval", None, "train"),
            required=("key", "prompt", "instruction_id_list", "kwargs"),
        ),
        EvalTask(
            "ifbench",
            "ifbench",
            "raw",
            _instructions,
            None,
            ("allenai/IFBench_test", None, "train"),
            required=("key", "prompt", "instruction_id_list", "kwargs"),
        ),
        EvalTask(
            "mbpp",
            "mbpp",
            "mbpp",
            _mbpp,
            lambda d: d["code"],
            ("google-research-datasets/mbpp", "full", "test"),
            _mbpp_split,
            required=("task_id", "test_list", "code"),
            max_tokens=512,
        ),
        EvalTask(
            "humaneval",
            "humaneval",
            "humaneval",
            _humaneval,
            lambda d: d["canonical_solution"],
            ("openai/openai_humaneval", None, "test"),
            required=("task_id", "prompt", "test", "entry_point"),
            max_tokens=512,
        ),
        EvalTask(
            "apps",
            "apps",
            "apps",
            _apps,
            _apps_reference,
            ("codeparrot/apps", "all", "test"),
            required=("question", "input_output"),
            strata=("difficulty",),
        ),
        *(
            EvalTask(
                name,
                "math",
                "competition_math",
                _competition,
                _boxed_answer,
                hub,
                required=("answer",),
                max_tokens=COMPETITION_MAX_TOKENS,
            )
            for name, hub in [
                ("aime24", ("HuggingFaceH4/aime_2024", None, "train")),
                ("aime25", ("math-ai/aime25", None, "test")),
                ("amc23", ("math-ai/amc23", None, "test")),
            ]
        ),
        EvalTask(
            "olympiadbench",
            "math",
            "competition_math",
            _olympiadbench,
            _olympiad_reference,
            ("Hothan/OlympiadBench", "OE_TO_maths_en_COMP", "train"),
            required=("question", "final_answer"),
            strata=("subfield", "answer_type"),
            max_tokens=COMPETITION_MAX_TOKENS,
        ),
    ]
}


def get_task(name: str) -> EvalTask:
    """The evaluation task called `name`; ValueError naming the known ones otherwise."""
    try:
        return TASKS[name]
    except KeyError:
        raise ValueError(f"unknown evaluation task {name!r}; known tasks: {sorted(TASKS)}") from None


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
