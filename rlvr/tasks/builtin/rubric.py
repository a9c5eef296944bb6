"""Task "rubric": an LLM judge scores a response against its rubric criteria."""

from __future__ import annotations

from rlvr.tasks.spec import Fixture, TaskSpec

SPECS = [
    TaskSpec(
        "rubric",
        "rlvr.verifiers.rubric:RubricVerifier",
        "one LLM-judge call per response; score = fraction of criteria met",
        ground_truth=(
            'a list of criteria, or a record `{"prompt", "rubric - N. criterion"...}`'
            ' / `{"prompt", "rubrics"}` (or its JSON)'
        ),
        fixture=Fixture(
            ground_truth={"prompt": "Name the capital of France.", "rubrics": ['Names "Paris"']},
            right="Paris is the capital of France.",
            wrong="Lyon is the capital of France.",
            no_answer="",
            bad_ground_truth={"rubrics": []},
            service="judge",
        ),
    )
]
