"""Tasks "ifeval", "ifbench" and "if_multi": verifiable instruction following."""

from __future__ import annotations

from typing import Any

from rlvr.tasks.spec import EvalTask, Example, Fixture, TaskSpec


def _instructions(doc: dict[str, Any], index: int) -> Example:
    # kwargs stay as in the data (IFBench's nulls included): the verifier drops the nulls.
    truth = {"instruction_id_list": doc["instruction_id_list"], "kwargs": doc["kwargs"], "prompt": doc["prompt"]}
    return Example(str(doc["key"]), doc, truth)


def _fixture(truth: dict[str, Any], right: str, wrong: str) -> Fixture:
    return Fixture(
        ground_truth=truth,
        right=right,
        wrong=wrong,
        no_answer="",
        bad_ground_truth={"instruction_id_list": ["no_such:instruction"], "kwargs": [{}]},
    )


_NO_COMMA = {"instruction_id_list": ["punctuation:no_comma"], "kwargs": [{}]}
_WORD_COUNT = {"instruction_id_list": ["count:word_count_range"], "kwargs": [{"min_words": 2, "max_words": 5}]}

SPECS = [
    TaskSpec(
        "ifeval",
        "rlvr.verifiers.ifeval:IFEvalVerifier",
        "strict (default), loose",
        ground_truth='an IFEval record `{"instruction_id_list": [...], "kwargs": [...]}` (25 ids) or its JSON',
        evals=(
            EvalTask(
                "ifeval",
                "ifeval",
                "raw",
                _instructions,
                None,
                ("google/IFEval", None, "train"),
                required=("key", "prompt", "instruction_id_list", "kwargs"),
            ),
        ),
        data_sources=("google/IFEval",),
        fixture=_fixture(_NO_COMMA, "Hello world", "Hello, world"),
    ),
    TaskSpec(
        "ifbench",
        "rlvr.verifiers.ifbench:IFBenchVerifier",
        "strict (default), loose",
        ground_truth="an IFBench record (58 ids; null kwargs dropped) or its JSON",
        evals=(
            EvalTask(
                "ifbench",
                "ifbench",
                "raw",
                _instructions,
                None,
                ("allenai/IFBench_test", None, "train"),
                required=("key", "prompt", "instruction_id_list", "kwargs"),
            ),
        ),
        data_sources=("allenai/IFBench_test",),
        fixture=_fixture(_WORD_COUNT, "one two three", "one two three four five six seven"),
    ),
    TaskSpec(
        "if_multi",
        "rlvr.verifiers.if_multi:IFMultiVerifier",
        "strict (default), loose",
        ground_truth=(
            'open-instruct / RLVR-IFEval: `{"instruction_id": [...], "kwargs": [...]}` '
            "(IFEval's 25, IFBench's 58 and IFEvalG's 29 more ids) or "
            '`{"func_name": "validate_lowercase", ...arguments}` (25 functions), a list of them '
            "(forms may mix), or their JSON / Python-literal string; `<answer>` tags removed"
        ),
        fixture=_fixture({"instruction_id": ["punctuation:no_comma"], "kwargs": [{}]}, "Hello world", "Hello, world"),
    ),
]
