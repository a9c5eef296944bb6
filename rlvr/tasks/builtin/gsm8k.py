"""Task "gsm8k": grade-school math word problems (the GSM8K test split for rlvr-eval)."""

from __future__ import annotations

from typing import Any

from rlvr.tasks.spec import EvalTask, Example, Fixture, TaskSpec


def _gsm8k(doc: dict[str, Any], index: int) -> Example:
    return Example(f"test-{index}", doc, doc["answer"])


SPECS = [
    TaskSpec(
        "gsm8k",
        "rlvr.verifiers.gsm8k:GSM8KVerifier",
        "`any` (default), `strict`, `hash`, `boxed`, `flexible`",
        ground_truth='a GSM8K answer (`"... #### 1,234"`) or a bare number',
        evals=(
            EvalTask(
                "gsm8k",
                "gsm8k",
                "gsm8k",
                _gsm8k,
                lambda d: d["answer"],
                ("openai/gsm8k", "main", "test"),
                required=("question", "answer"),
            ),
        ),
        data_sources=("openai/gsm8k",),
        fixture=Fixture(
            ground_truth="Natalia sold 48 clips in April and half as many in May. #### 72",
            right="48 + 24 = 72. The answer is 72.",
            wrong="48 + 20 = 68. The answer is 68.",
            no_answer="I am not able to work this out.",
            bad_ground_truth="#### no number",
        ),
    )
]
