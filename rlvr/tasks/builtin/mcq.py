"""Task "mcq": multiple choice, options lettered A-Z; eval tasks mmlu_pro and gpqa_diamond.

mmlu_pro: MMLU-Pro's 12,032 test questions (TIGER-Lab/MMLU-Pro, or `--data` a copy with its
fields: question_id, question, options, answer, category), strata by category. Prompt format
"mmlu_pro" is the benchmark's own chain-of-thought prompt (its evaluate_from_local.py: the
instruction naming the category, the shots, then "Answer: Let's think step by step."): zero-shot
by default, 5-shot as published with `--shots 5 --fewshot-data <validation split>`, each question
getting the first five validation exemplars of its own category.

gpqa_diamond: GPQA's 198 diamond questions (Idavidrein/gpqa, config gpqa_diamond; gated on the hub:
pip install 'rlvr[hub]' and a token) or `--data` a file in its schema ("Question", "Correct
Answer", "Incorrect Answer 1..3", "Record ID"). The four answers are shuffled by a permutation
seeded from the record id (GPQA_SEED), so every run presents the same order; the ground truth
records it ("permutation": the original answer index at each letter, the correct answer is 0).
Prompt format "gpqa" is OpenAI simple-evals' zero-shot template ("Answer: $LETTER").
"""

from __future__ import annotations

import hashlib
import random
import string
from collections.abc import Sequence
from typing import Any

from rlvr.eval.prompts import PromptFormat
from rlvr.tasks.spec import EvalTask, Example, Fixture, TaskSpec

# MMLU-Pro's cot_prompt_lib/initial_prompt.txt, byte for byte ("{$}" is the category).
MMLU_PRO_INSTRUCTION = (
    "The following are multiple choice questions (with answers) about {$}. Think step by step and then finish "
    'your answer with "the answer is (X)" where X is the correct letter choice.\n\n\n'
)
COT_START = "Answer: Let's think step by step."
LETTERS = string.ascii_uppercase
GPQA_SEED = 0
GPQA_TEMPLATE = (
    "Answer the following multiple choice question. The last line of your response should be of the following "
    "format: 'Answer: $LETTER' (without quotes) where LETTER is one of ABCD. Think step by step before "
    "answering.\n\n{question}\n\nA) {A}\nB) {B}\nC) {C}\nD) {D}"
)


def _mmlu_pro_options(doc: dict[str, Any]) -> list[str]:
    # The benchmark drops "N/A" padding before lettering the options.
    return [option for option in doc["options"] if option != "N/A"]


def _mmlu_pro(doc: dict[str, Any], index: int) -> Example:
    truth = {"answer": doc["answer"], "options": _mmlu_pro_options(doc)}
    return Example(str(doc["question_id"]), doc, truth, {"category": doc["category"]})


def _mmlu_pro_question(doc: dict[str, Any]) -> str:
    """MMLU-Pro's format_cot_example without the answer: question, then the lettered options."""
    options = "".join(f"{LETTERS[i]}. {option}\n" for i, option in enumerate(_mmlu_pro_options(doc)))
    return f"Question:\n{doc['question']}\nOptions:\n{options}{COT_START}"


def _mmlu_pro_cot(shot: dict[str, Any]) -> str:
    """A validation exemplar's reasoning after "Let's think step by step." (its cot_content
    starts "A: Let's think step by step.", which the benchmark rewrites to COT_START)."""
    return shot["cot_content"].replace("A: Let's think step by step.", "", 1)


def _same_category(doc: dict[str, Any], pool: Sequence[dict[str, Any]], shots: int) -> list[dict[str, Any]]:
    chosen = [shot for shot in pool if shot.get("category") == doc["category"]][:shots]
    if len(chosen) < shots:
        raise ValueError(
            f"the few-shot data has {len(chosen)} exemplars of category {doc['category']!r}, {shots} asked"
        )
    return chosen


MMLU_PRO_FORMAT = PromptFormat(
    "mmlu_pro",
    _mmlu_pro_question,
    _mmlu_pro_cot,
    ("Question:",),
    target_delimiter="",
    header=lambda doc: MMLU_PRO_INSTRUCTION.replace("{$}", doc["category"]) + "\n",
    shots_for=_same_category,
)


def gpqa_permutation(record_id: str, seed: int = GPQA_SEED) -> list[int]:
    """The order GPQA's four answers are shown in (original indices; 0 is the correct answer),
    the same in every process and run for a record id and seed.

    >>> sorted(gpqa_permutation("rec1")) == [0, 1, 2, 3] and gpqa_permutation("rec1") == gpqa_permutation("rec1")
    True
    """
    digest = hashlib.sha256(f"{seed}:{record_id}".encode()).digest()
    order = [0, 1, 2, 3]
    random.Random(int.from_bytes(digest[:8], "big")).shuffle(order)
    return order


def _gpqa(doc: dict[str, Any], index: int) -> Example:
    answers = [doc["Correct Answer"], *(doc[f"Incorrect Answer {i}"] for i in (1, 2, 3))]
    answers = [str(answer).strip() for answer in answers]
    record_id = str(doc.get("Record ID") or index)
    order = gpqa_permutation(record_id)
    options = [answers[i] for i in order]
    truth = {"answer": LETTERS[order.index(0)], "options": options, "permutation": order, "seed": GPQA_SEED}
    shown = {**doc, "options": options}
    return Example(record_id, shown, truth, {"domain": doc.get("High-level domain")})


def _gpqa_text(doc: dict[str, Any]) -> str:
    letters = dict(zip("ABCD", doc["options"]))
    return GPQA_TEMPLATE.format(question=str(doc["Question"]).strip(), **letters)


GPQA_FORMAT = PromptFormat("gpqa", _gpqa_text, None, ())


def _gpqa_reference(doc: dict[str, Any]) -> str:
    """The oracle response for a shown record (its options already in the recorded order)."""
    return f"Answer: {LETTERS[doc['options'].index(str(doc['Correct Answer']).strip())]}"


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
        evals=(
            EvalTask(
                "mmlu_pro",
                "mcq",
                MMLU_PRO_FORMAT,
                _mmlu_pro,
                lambda doc: f"The answer is ({doc['answer']}).",
                ("TIGER-Lab/MMLU-Pro", None, "test"),
                required=("question_id", "question", "options", "answer", "category"),
                strata=("category",),
                max_tokens=2048,
            ),
            EvalTask(
                "gpqa_diamond",
                "mcq",
                GPQA_FORMAT,
                _gpqa,
                _gpqa_reference,
                ("Idavidrein/gpqa", "gpqa_diamond", "train"),
                required=(
                    "Question",
                    "Correct Answer",
                    "Incorrect Answer 1",
                    "Incorrect Answer 2",
                    "Incorrect Answer 3",
                ),
                strata=("domain",),
                max_tokens=4096,
            ),
        ),
        prompt_formats=(MMLU_PRO_FORMAT, GPQA_FORMAT),
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
