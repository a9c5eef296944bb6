"""Task "mcq": multiple choice (MMLU-Pro, GPQA, MMLU, ARC), options lettered A, B, C, ... up to Z.

Ground truth: an MMLU-Pro style record {"answer": "C", "options": ["...", ...]} ("answer_index"
instead of "answer" works too), its JSON string, or a bare letter ("C") when the options are not
at hand (then only letters are read, not option texts). As for every task, text inside a think
block is never read (option `reasoning`, rlvr.verifiers.reasoning).

Modes (option `mode`):

    flexible   (default) the option the response finally commits to, in any form: "the answer is
               (C)", "**C. <text>**", "answer is:" then "C. <text>" on the next line, "(C)" or
               "option C" after a conclusion, \\boxed{C}, the option's text or value alone; no
               answer when it commits to none, disowns its closest option, or names several
               (extraction.py)
    strict     the benchmark's first pattern only: the first "answer is (X)" / "answer is X"
    reference  the MMLU-Pro benchmark's extractor exactly (reference.py): "answer is (X)", then
               "Answer: X", then the last standalone letter A-J (no random guess when all fail)

`verdict.extracted` is the letter; `detail["form"]` the form it was found in.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from rlvr.verdict import MISMATCH, NO_ANSWER, OK, Verdict
from rlvr.verifiers.base import BadGroundTruth, Deadline, Verifier, VerifierOptions
from rlvr.verifiers.mcq.extraction import LETTERS, Commitment, find_commitment
from rlvr.verifiers.mcq.reference import reference_letter, strict_letter
from rlvr.verifiers.reward import reward_function

MODES = ("flexible", "strict", "reference")


@dataclass(frozen=True)
class MCQOptions(VerifierOptions):
    """mode: flexible|strict|reference."""

    mode: str = "flexible"

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.mode not in MODES:
            raise ValueError(f"mcq mode must be one of {list(MODES)}, got {self.mode!r}")


@dataclass(frozen=True)
class Question:
    """The gold letter and the option texts (empty when the ground truth was a bare letter)."""

    answer: str
    options: tuple[str, ...]

    @property
    def n_letters(self) -> int:
        return len(self.options) or len(LETTERS)


def parse_ground_truth(ground_truth: Any) -> Question:
    """The Question a ground truth describes; BadGroundTruth when it describes none.

    >>> parse_ground_truth({"answer": "B", "options": ["1", "2", "3"]})
    Question(answer='B', options=('1', '2', '3'))
    >>> parse_ground_truth("C")
    Question(answer='C', options=())
    """
    if isinstance(ground_truth, str) and ground_truth.strip()[:1] in "{[" and ground_truth.strip():
        try:
            ground_truth = json.loads(ground_truth)
        except ValueError as exc:
            raise BadGroundTruth(f"mcq ground truth is not a letter and not valid JSON: {exc}") from None
    if isinstance(ground_truth, str):
        return Question(_letter(ground_truth, len(LETTERS)), ())
    if not isinstance(ground_truth, dict):
        raise BadGroundTruth(f"mcq ground truth must be a letter or a dict, got {type(ground_truth).__name__}")
    options = _options(ground_truth.get("options"))
    n_letters = len(options) or len(LETTERS)
    if "answer" in ground_truth:
        return Question(_letter(ground_truth["answer"], n_letters), options)
    index = ground_truth.get("answer_index")
    if isinstance(index, int) and not isinstance(index, bool) and 0 <= index < n_letters:
        return Question(LETTERS[index], options)
    raise BadGroundTruth(f"mcq ground truth has no usable 'answer' or 'answer_index': {str(ground_truth)[:120]}")


def _options(options: Any) -> tuple[str, ...]:
    if options is None:
        return ()
    if not isinstance(options, Sequence) or isinstance(options, str) or not all(isinstance(o, str) for o in options):
        raise BadGroundTruth("mcq options must be a list of strings")
    if len(options) > len(LETTERS):
        raise BadGroundTruth(f"mcq has {len(options)} options; letters A-Z name at most {len(LETTERS)}")
    return tuple(options)


def _letter(answer: Any, n_letters: int) -> str:
    letter = answer.strip().upper() if isinstance(answer, str) else None
    if letter is None or len(letter) != 1 or letter not in LETTERS[:n_letters]:
        raise BadGroundTruth(f"mcq answer must be one of the letters A-{LETTERS[n_letters - 1]}, got {answer!r}")
    return letter


def extract(text: str, question: Question, mode: str) -> Commitment:
    """The letter `text` answers with under `mode` (letter None: no answer)."""
    if mode == "flexible":
        return find_commitment(text, question.options, question.n_letters)
    if mode == "strict":
        letter = strict_letter(text)
        return Commitment(letter, "answer_is" if letter else "none")
    letter, step = reference_letter(text)
    return Commitment(letter, step or "none")


class MCQVerifier(Verifier[MCQOptions]):
    """Task "mcq"; see the module docstring for ground truths and modes."""

    task = "mcq"
    Options = MCQOptions

    def check(self, completion: str, ground_truth: Any, deadline: Deadline) -> Verdict:
        question = parse_ground_truth(ground_truth)
        found = extract(completion, question, self.options.mode)
        detail = {"mode": self.options.mode, "form": found.form}
        if found.letter is None:
            return Verdict(0.0, False, None, NO_ANSWER, detail)
        correct = found.letter == question.answer
        return Verdict(float(correct), correct, found.letter, OK if correct else MISMATCH, detail)


compute_reward = reward_function("mcq")
