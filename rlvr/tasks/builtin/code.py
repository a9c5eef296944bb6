"""Tasks "mbpp", "humaneval" and "apps": programs run against tests in the sandbox."""

from __future__ import annotations

import json
from typing import Any

from rlvr.tasks.spec import EvalTask, Example, Fixture, TaskSpec

# The official MBPP split by task_id (Austin et al., 2021).
MBPP_SPLITS = {"prompt": range(1, 11), "test": range(11, 511), "validation": range(511, 601), "train": range(601, 975)}


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


SPECS = [
    TaskSpec(
        "mbpp",
        "rlvr.verifiers.mbpp:MBPPVerifier",
        "fraction of asserts passed",
        ground_truth='`{"test_list", "test_setup_code", "challenge_test_list", "test_imports"}` (an MBPP record)',
        evals=(
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
        ),
        data_sources=("google-research-datasets/mbpp",),
        fixture=Fixture(
            ground_truth={"test_list": ["assert add(1, 2) == 3"]},
            right="def add(a, b):\n    return a + b",
            wrong="def add(a, b):\n    return a - b",
            no_answer="I cannot write this function.",
            bad_ground_truth={"test_list": []},
            no_answer_reason="mismatch",
        ),
    ),
    TaskSpec(
        "humaneval",
        "rlvr.verifiers.humaneval:HumanEvalVerifier",
        "`check(candidate)` passes or not",
        ground_truth='`{"prompt", "test", "entry_point"}`; the completion continues the prompt',
        evals=(
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
        ),
        data_sources=("openai/openai_humaneval", "openai_humaneval"),
        fixture=Fixture(
            ground_truth={
                "prompt": "def add(a, b):\n",
                "test": "def check(candidate):\n    assert candidate(1, 2) == 3\n",
                "entry_point": "add",
            },
            right="    return a + b\n",
            wrong="    return a - b\n",
            no_answer="",
            bad_ground_truth={"prompt": "def add(a, b):\n"},
            no_answer_reason="mismatch",
        ),
    ),
    TaskSpec(
        "apps",
        "rlvr.verifiers.apps:APPSVerifier",
        "stdin/stdout, or call-based with `fn_name`",
        ground_truth='`{"inputs", "outputs", "fn_name"?}` (APPS `input_output`, or a whole APPS record)',
        evals=(
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
        ),
        data_sources=("codeparrot/apps",),
        fixture=Fixture(
            ground_truth={"inputs": ["1 2\n"], "outputs": ["3\n"]},
            right="a, b = map(int, input().split())\nprint(a + b)",
            wrong="print(0)",
            no_answer="I cannot solve this.",
            bad_ground_truth={"inputs": ["1 2\n"]},
            no_answer_reason="mismatch",
        ),
    ),
]
