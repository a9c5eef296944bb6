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

Each mode is an `Extraction` (rlvr.verifiers.extract): finders in priority order, each called with
the response and the Question. MODES holds the built-in modes, FINDERS the finders they are made
of; a mode of one's own is an Extraction of those (or of any function (text, question) -> letter
or None), passed as `mode`. The flexible finder returns Found(None, why) when the response commits
to none or to several options, which ends the search: a later, looser finder is not consulted.

`verdict.extracted` is the letter; `detail["form"]` the form it was found in.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from rlvr.verdict import MISMATCH, NO_ANSWER, OK, Verdict
from rlvr.verifiers.base import BadGroundTruth, Deadline, Verifier, VerifierOptions
from rlvr.verifiers.extract import Extraction, Finder, Found, resolve_mode
from rlvr.verifiers.mcq.extraction import LETTERS, Commitment, find_commitment
from rlvr.verifiers.mcq.reference import first_line_answer_colon, last_letter, strict_letter
from rlvr.verifiers.reward import reward_function


@dataclass(frozen=True)
class MCQOptions(VerifierOptions):
    """mode: flexible|strict|reference, or an Extraction of one's own."""

    mode: str | Extraction = "flexible"

    def __post_init__(self) -> None:
        super().__post_init__()
        resolve_mode("mcq", self.mode, MODES)


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


def find_flexible(text: str, question: Question) -> Found | None:
    """The option the response finally commits to (extraction.py); Found(None, why) when it commits
    to none or to several, None when it names no option at all."""
    found = find_commitment(text, question.options, question.n_letters)
    return None if found.form == "none" else Found(found.letter, found.form)


def _text_only(finder: Callable[[str], str | None]) -> Finder:
    """A finder that reads the text alone, as an mcq finder (which is also given the question)."""
    return partial(_call_with_text, finder)


def _call_with_text(finder: Callable[[str], str | None], text: str, question: Question) -> str | None:
    return finder(text)


# The finders modes are made of (public: a user composes a mode of their own from them).
FINDERS: dict[str, Finder] = {
    "flexible": find_flexible,
    "answer_is": _text_only(strict_letter),
    "answer_colon": _text_only(first_line_answer_colon),
    "last_letter": _text_only(last_letter),
}
MODES: dict[str, Extraction] = {
    mode.name: mode
    for mode in [
        Extraction("flexible", (("flexible", FINDERS["flexible"]),)),
        Extraction("strict", (("answer_is", FINDERS["answer_is"]),)),
        Extraction("reference", tuple((form, FINDERS[form]) for form in ("answer_is", "answer_colon", "last_letter"))),
    ]
}


def extract(text: str, question: Question, mode: str | Extraction) -> Commitment:
    """The letter `text` answers with under `mode` (letter None: no answer).

    >>> extract("Answer: B", parse_ground_truth("B"), "reference")
    Commitment(letter='B', form='answer_colon')
    """
    letter, form = resolve_mode("mcq", mode, MODES).find(text, question)
    return Commitment(letter, form or "none")


class MCQVerifier(Verifier[MCQOptions]):
    """Task "mcq"; see the module docstring for ground truths and modes."""

    task = "mcq"
    Options = MCQOptions

    def check(self, completion: str, ground_truth: Any, deadline: Deadline) -> Verdict:
        question = parse_ground_truth(ground_truth)
        mode = resolve_mode("mcq", self.options.mode, MODES)
        found = extract(completion, question, mode)
        detail = {"mode": mode.name, "form": found.form}
        if found.letter is None:
            return Verdict(0.0, False, None, NO_ANSWER, detail)
        correct = found.letter == question.answer
        return Verdict(float(correct), correct, found.letter, OK if correct else MISMATCH, detail)


compute_reward = reward_function("mcq")
