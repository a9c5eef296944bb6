"""Task "mcq": multiple choice, options lettered A-Z (MMLU-Pro, GPQA)."""

from __future__ import annotations

from rlvr.tasks.spec import Fixture, TaskSpec

SPECS = [
    TaskSpec(
        "mcq",
        "rlvr.verifiers.mcq:MCQVerifier",
        "`flexible` (default: the option the response commits to, in any form), `strict`, "
        "`reference` (MMLU-Pro's own extractor)",
        ground_truth=(
            'an MMLU-Pro record `{"answer": "C", "options": [...]}` (A-Z; or `answer_index`), '
            "its JSON, or a bare letter"
        ),
        data_sources=("TIGER-Lab/MMLU-Pro", "Idavidrein/gpqa"),
        fixture=Fixture(
            ground_truth={"answer": "B", "options": ["3", "4", "5"]},
            right="2 + 2 = 4, so the answer is (B).",
            wrong="The answer is (C).",
            no_answer="None of the options is right.",
            bad_ground_truth={"answer": "Z", "options": ["3", "4", "5"]},
        ),
    )
]
