"""Task "math": competition mathematics with LaTeX answers (MATH, MATH-500, AIME, AMC, OlympiadBench)."""

from __future__ import annotations

import re
from typing import Any

from rlvr.eval.records import canonical_answer
from rlvr.tasks.spec import EvalTask, Example, Fixture, TaskSpec

# Long chains of thought: lm-eval's 256-token default truncated reasoning and lowered scores.
COMPETITION_MAX_TOKENS = 4096


def _math_level(level: Any) -> str:
    """ "Level 5" as MATH writes it, from MATH's "Level 5" or MATH-500's 5."""
    return level if isinstance(level, str) else f"Level {level}"


def with_question(answer: Any, doc: dict[str, Any]) -> Any:
    """The math ground truth of a record: {"answer": answer, "question": its problem} where the
    record has the problem ("problem", else "question"), so that the rules that read the question
    (docs/math.md) work in evaluation too; the answer alone where it has none.

    >>> with_question("6", {"problem": "How many faces has a cube?"})
    {'answer': '6', 'question': 'How many faces has a cube?'}
    >>> with_question("6", {})
    '6'
    """
    question = doc.get("problem") if doc.get("problem") is not None else doc.get("question")
    if not isinstance(question, str) or not question.strip():
        return answer
    return {"answer": answer, "question": question}


def _math(doc: dict[str, Any], index: int) -> Example:
    fields = {"level": _math_level(doc["level"]), "subject": doc["type"]}
    return Example(str(doc.get("idx", index)), doc, with_question(doc["solution"], doc), fields)


def _math500(doc: dict[str, Any], index: int) -> Example:
    fields = {"level": _math_level(doc["level"]), "subject": doc["subject"]}
    return Example(str(doc.get("unique_id", index)), doc, with_question(doc["answer"], doc), fields)


def _competition(doc: dict[str, Any], index: int) -> Example:
    return Example(str(doc.get("id", index)), doc, with_question(canonical_answer(doc["answer"]), doc))


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
    return Example(str(doc.get("id", index)), doc, with_question(_olympiad_answer(doc), doc), fields)


def _olympiad_reference(doc: dict[str, Any]) -> str:
    return f"The final answer is \\boxed{{{_MATH_DELIMITER.sub('', _olympiad_answer(doc))}}}."


SPECS = [
    TaskSpec(
        "math",
        "rlvr.verifiers.math:MathVerifier",
        "`boxed` (default), `lenient`, `answer`, `minerva`",
        ground_truth='a bare LaTeX answer (`"\\\\frac{1}{2}"`) or a whole solution (its last `\\\\boxed{}`)',
        evals=(
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
        ),
        data_sources=(
            "lighteval/MATH",
            "DigitalLearningGmbH/MATH-lighteval",
            "HuggingFaceH4/MATH-500",
            "EleutherAI/hendrycks_math",
            "math_dapo",
        ),
        fixture=Fixture(
            ground_truth="\\frac{1}{2}",
            right="Half of the cake is left, so the answer is $\\boxed{\\frac{1}{2}}$.",
            wrong="So the answer is $\\boxed{\\frac{1}{3}}$.",
            no_answer="I could not finish this problem.",
            bad_ground_truth="",
        ),
    )
]
