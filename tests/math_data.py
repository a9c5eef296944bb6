"""The MATH test problems (5,000 + MATH-500) and mechanical rewritings of their answers,
shared by the math tests and benchmarks/bench_math.py."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from pathlib import Path

from shared_data import data_file

from rlvr.verifiers.extract import boxed_spans, last_boxed
from rlvr.verifiers.math.grader import parse_answer


@dataclass(frozen=True)
class Problem:
    source: str  # "math" (the 5,000) or "math500"
    index: int
    solution: str
    answer: str


@lru_cache(maxsize=1)
def load_problems() -> tuple[Problem, ...]:
    """All 5,500 problems: MATH's answer is the last \\boxed{} of the solution, MATH-500's is its `answer`."""
    problems = []
    with open(data_file("math/test.jsonl"), encoding="utf-8") as lines:
        for index, line in enumerate(lines):
            record = json.loads(line)
            answer = last_boxed(record["solution"])
            assert answer is not None, f"MATH problem {index} has no \\boxed answer"
            problems.append(Problem("math", index, record["solution"], answer))
    with open(data_file("math500/test.jsonl"), encoding="utf-8") as lines:
        for index, line in enumerate(lines):
            record = json.loads(line)
            problems.append(Problem("math500", index, record["solution"], record["answer"]))
    assert len(problems) == 5500
    return tuple(problems)


def subset(problems: tuple[Problem, ...], count: int) -> tuple[Problem, ...]:
    """`count` problems spread evenly over the list (all subjects and levels, both sources)."""
    step = len(problems) / count
    return tuple(problems[int(k * step)] for k in range(count))


def different_answer(problems: tuple[Problem, ...], position: int) -> str:
    """The answer of the nearest following problem whose answer differs in structure or items
    (so "5" and "x=5", which are one answer, are never paired as different)."""
    own = parse_answer(problems[position].answer).structure
    for step in range(1, len(problems)):
        other = problems[(position + step) % len(problems)].answer
        if parse_answer(other).structure != own:
            return other
    raise AssertionError("all answers are equal")


_SIMPLE_FRACTION = re.compile(r"(-?)\\frac\{(\d+)\}\{(\d+)\}")
_INTEGER = re.compile(r"-?\d+")


def rewritings(answer: str) -> list[tuple[str, str]]:
    """(name, rewritten answer) pairs, each mathematically equal to `answer` by construction."""
    out = [("identity", answer)]
    # No space inside a thousands group: "15, 600" is a list of two numbers, not 15600.
    spaced = re.sub(r"([=+]|,(?!\d{3}(?!\d)))", r"\1 ", answer)
    if spaced != answer:
        out.append(("spaces", spaced))
    if "\\frac" in answer and "\\dfrac" not in answer:
        out.append(("dfrac", answer.replace("\\frac", "\\dfrac")))
    fraction = _SIMPLE_FRACTION.fullmatch(answer)
    if fraction:
        value = Fraction(int(fraction.group(2)), int(fraction.group(3)))
        decimal = _terminating_decimal(value)
        if decimal is not None:
            out.append(("decimal", fraction.group(1) + decimal))
    if _INTEGER.fullmatch(answer):
        out.append(("point_zero", answer + ".0"))
        if abs(int(answer)) >= 1000:
            out.append(("thousands", f"{int(answer):,}"))
    structure = parse_answer(answer).structure
    if structure.kind == "ordered" and structure.brackets == "()" and answer.startswith("(") and answer.endswith(")"):
        out.append(("left_right", "\\left(" + answer[1:-1] + "\\right)"))
    if structure.kind == "set" and not structure.brackets and "\\{" not in answer and len(structure.items) > 1:
        out.append(("reordered", ", ".join(reversed(structure.items))))
    if parse_answer(answer).values[0] is not None and structure.kind == "scalar" and "=" not in answer:
        out.append(("variable", "x = " + answer))
    return out


def _terminating_decimal(value: Fraction) -> str | None:
    for digits in range(1, 7):
        scaled = value * 10**digits
        if scaled.denominator == 1:
            return f"{float(value):.{digits}f}"
    return None


CORPUS_DIR = Path(__file__).resolve().parent / "math_corpus"


@dataclass(frozen=True)
class LabelledCase:
    """One row of the labelled corpus (tests/math_corpus/README.md)."""

    source: str
    case: str
    gold: str
    completion: str
    label: bool
    note: str = ""
    math_verify: bool | None = None  # math-verify 0.9.0's verdict, recorded (tests/test_math_corpus.py)
    peer_expected: bool | None = None  # a peer table's own expectation, where the label differs from it
    question: str = ""  # the problem, where a rule needs it (rlvr gets {"answer": gold, "question": ...})

    @property
    def ground_truth(self) -> str | dict[str, str]:
        """The ground truth as rlvr is given it: the gold, with the question when the row has one."""
        return {"answer": self.gold, "question": self.question} if self.question else self.gold


MAX_BODY = 900
_ASY = re.compile(r"\[asy\].*?\[/asy\]", re.S)
# In completions.jsonl, "⟦i⟧" stands for paragraph i of the reasoning taken from the reference
# solution that the row's "ref" names in ../shared/data, and "⟦i:n⟧" for its first n characters:
# the benchmark's text is read from there, never copied into the repository.
_PARAGRAPH_REFERENCE = re.compile(r"⟦(\d+)(?::(\d+))?⟧")
MIN_PREFIX = 40


def unbox(text: str) -> str:
    """The text with every \\boxed{X} replaced by X."""
    for start, end, content in reversed(boxed_spans(text)):
        text = text[:start] + content + text[end:]
    return text


def reasoning(solution: str) -> str:
    """The reference solution up to the sentence that gives its final box (the conclusion is the
    model's own), without Asymptote code, at most about MAX_BODY characters of whole paragraphs."""
    solution = _ASY.sub("", solution)
    boxes = boxed_spans(solution)
    if boxes:
        cut = max(solution.rfind(". ", 0, boxes[-1][0]), solution.rfind("\n", 0, boxes[-1][0]))
        if cut > 40:
            solution = solution[: cut + 1]
    paragraphs = [p.strip() for p in unbox(solution).split("\n\n") if p.strip()]
    body: list[str] = []
    for paragraph in paragraphs:
        if body and sum(map(len, body)) + len(paragraph) > MAX_BODY:
            break
        body.append(paragraph)
    return "\n\n".join(body)


def reference_solution(ref: dict) -> str:
    """The reference solution a corpus row was written from: {"file", "line", "field"} in ../shared/data."""
    with open(data_file(ref["file"]), encoding="utf-8") as rows:
        row = json.loads(rows.read().splitlines()[ref["line"]])
    value = row[ref["field"]]
    return value[0] if isinstance(value, list) else value


def referenced(completion: str, body: str) -> str:
    """`completion` with the paragraphs of `body` (and the longest prefixes of them that remain,
    a cut-off text) replaced by references; `with_paragraphs` is its inverse."""
    paragraphs = body.split("\n\n")
    for i in sorted(range(len(paragraphs)), key=lambda i: -len(paragraphs[i])):
        completion = completion.replace(paragraphs[i], f"⟦{i}⟧")
    for i, paragraph in enumerate(paragraphs):
        low, high = MIN_PREFIX - 1, len(paragraph) - 1  # present prefixes are closed under shortening
        while low < high:
            middle = (low + high + 1) // 2
            low, high = (middle, high) if paragraph[:middle] in completion else (low, middle - 1)
        if low >= MIN_PREFIX:
            completion = completion.replace(paragraph[:low], f"⟦{i}:{low}⟧")
    return completion


def with_paragraphs(completion: str, body: str) -> str:
    paragraphs = body.split("\n\n")

    def expand(match: re.Match[str]) -> str:
        paragraph = paragraphs[int(match.group(1))]
        return paragraph[: int(match.group(2))] if match.group(2) else paragraph

    return _PARAGRAPH_REFERENCE.sub(expand, completion)


def load_labelled(path: Path) -> tuple[LabelledCase, ...]:
    """The labelled cases of one corpus file, in file order (references to ../shared/data expanded)."""
    cases = []
    with open(path, encoding="utf-8") as lines:
        for line in filter(str.strip, lines):
            row = json.loads(line)
            ref = row.pop("ref", None)
            if ref is not None:
                row["completion"] = with_paragraphs(row["completion"], reasoning(reference_solution(ref)))
            cases.append(LabelledCase(**row))
    return tuple(cases)


@lru_cache(maxsize=1)
def load_corpus() -> tuple[LabelledCase, ...]:
    """The development corpus: every labelled case of tests/math_corpus/*.jsonl, in file order.
    The rules were written and tuned on these."""
    return tuple(case for path in sorted(CORPUS_DIR.glob("*.jsonl")) for case in load_labelled(path))


# Realistic completions written before the rules of issue 25 were, and never tuned on: the
# held-out figures of docs/math.md.
HELD_OUT_FILE = CORPUS_DIR / "heldout" / "completions.jsonl"


@lru_cache(maxsize=1)
def load_held_out() -> tuple[LabelledCase, ...]:
    return load_labelled(HELD_OUT_FILE)


# Per-row verdicts of rlvr's lenient mode on every gated file (tests/math_corpus/record.py writes them).
VERDICTS_FILE = CORPUS_DIR / "rlvr_verdicts.json"
GATED_FILES = (*sorted(CORPUS_DIR.glob("*.jsonl")), HELD_OUT_FILE)


def row_key(case: LabelledCase) -> str:
    """A row's identity for the per-row gate: a hash of what is judged."""
    judged = json.dumps([case.gold, case.completion, case.question], ensure_ascii=False)
    return hashlib.sha256(judged.encode()).hexdigest()[:16]


def lenient_verdicts(cases: tuple[LabelledCase, ...] | list[LabelledCase]) -> list[bool | str]:
    """rlvr lenient's verdict on each case: `correct`, or the failure reason of a verdict that
    could not judge (only "bad_ground_truth" is allowed: a gold that does not parse). A few
    label-True rows need 0.3-0.8 s of sympy on an idle core; a generous limit keeps a loaded machine
    from turning them into timeouts, since this measures the comparison, not the machine (the time
    bounds have their own tests)."""
    import rlvr

    verifier = rlvr.get_verifier("math", mode="lenient", sympy_timeout=20.0)
    verdicts = [verifier.verify(case.completion, case.ground_truth) for case in cases]
    failed = [(case.gold, v.reason) for case, v in zip(cases, verdicts) if v.failed and v.reason != "bad_ground_truth"]
    assert failed == [], failed
    return [verdict.reason if verdict.failed else verdict.correct for verdict in verdicts]


def agrees(verdict: bool | str, label: bool) -> bool:
    """Whether a stored verdict agrees with the label (a failed verdict scores 0, like False)."""
    return (verdict is True) == label


def math_verify_gold(gold: str) -> str:
    """The gold as math-verify users pass it to `parse`: LaTeX needs "$...$" or \\boxed{} to be found."""
    return gold if "$" in gold or "\\boxed" in gold else f"${gold}$"


# Rows whose completion is an extracted answer, not a completion: math-verify gets it wrapped as the gold.
ANSWER_ROWS = ("hendrycks", "qwen2.5-math", "mario", "nemo-skills", "bare")


def math_verify_prediction(case: LabelledCase) -> str:
    """The completion as math-verify is given it: an extracted answer in "$...$" like the gold."""
    is_answer = case.source in ANSWER_ROWS or case.case in ANSWER_ROWS
    return math_verify_gold(case.completion) if is_answer else case.completion


def solution_cases(count: int) -> tuple[LabelledCase, ...]:
    """Real written-out solutions as completions: `count` MATH reference solutions (spread over
    subjects and levels), each against its own answer (label True) and another problem's (False)."""
    everything = load_problems()
    positions = {id(problem): k for k, problem in enumerate(everything)}
    cases = []
    for problem in subset(everything, count):
        case = f"{problem.source}/{problem.index}"
        cases.append(LabelledCase("math solutions", case, problem.answer, problem.solution, True))
        wrong = different_answer(everything, positions[id(problem)])
        cases.append(LabelledCase("math solutions", case, wrong, problem.solution, False))
    return tuple(cases)


def math_verify_verdict(case: LabelledCase) -> bool:
    """math-verify's `verify(parse(gold), parse(prediction))` on one labelled case."""
    import math_verify

    gold, prediction = math_verify_gold(case.gold), math_verify_prediction(case)
    return bool(math_verify.verify(math_verify.parse(gold), math_verify.parse(prediction)))
