"""MATH / Minerva: competition mathematics with LaTeX answers.

Ground truth: a bare LaTeX answer ("\\frac{1}{2}") or a whole reference solution, whose answer
is its rightmost \\boxed{}; or a mapping {"answer": that, "question": the problem} (a JSON string of
one too). The question is optional: rules that need it (docs/math.md) use it where it is given. Modes (option `mode`):

    boxed    (default) only a \\boxed{} / \\fbox{} answer counts; compared by equivalence
    lenient  the last announced answer ("the answer is X", "Answer: X") after the last box,
             \\boxed (adjacent boxes as one answer), a bare answer, a bold value, then the value
             the final statement gives (extraction.py; docs/math.md); by equivalence
    answer   the completion is an already extracted answer, compared directly by equivalence
    minerva  lm-eval minerva_math's exact_match: "Final Answer: The final answer is X. I hope it
             is correct.", Minerva normalisation, string equality then sympy's parse_latex check

Each mode is an `Extraction` (extraction.MODES, made of the finders in extraction.FINDERS); a mode
of one's own is an Extraction passed as `mode`. It is compared as lenient is (several boxes of the
gold read as one answer, equivalence), without lenient's one-value-per-part rule.

Equivalence (grader.py), cheapest first: answers in words as text (text.py), normalised
strings, then plain numbers (relative tolerance `rel_tol` for irrational values, exact for
rationals), then sympy in a `WatchdogPool` worker that is killed past `sympy_timeout` seconds.
One pool serves every option value: each job carries its own `sympy_timeout` and `memory_limit_mb`.

The blame rule (docs/reliability.md): a completion whose answer is too large or deep for sympy
(bounds.py, checked before sympy) or that used a sympy job's whole CPU budget is judged wrong,
reason "too_complex" / "too_deep"; a job starved of CPU by the machine is tried once more with
a fresh budget and then gives "timeout" (a failure); "busy" when no worker was free in time. A
gold that sympy cannot parse because it is broken LaTeX (unbalanced braces, an unclosed
environment, no digit or letter), or that is itself too large, gives "bad_ground_truth"; a
well-formed gold that sympy's LaTeX parser does not read (a cases environment, "4:30 p.m.")
equals nothing in sympy (the string and number steps still compare it). Running out of
memory or stack gives "error", never a judged mismatch.
The Verdict's `extracted` is the raw answer string; `detail` has the form it was found in
(`form`) and the comparison that settled it (`settled_by`: string, numeric, sympy, structure, text).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from rlvr.verdict import MISMATCH, NO_ANSWER, OK, TOO_COMPLEX, Verdict
from rlvr.verifiers.base import (
    BadGroundTruth,
    Deadline,
    PastBound,
    VerificationTimeout,
    Verifier,
    VerifierBusy,
    VerifierOptions,
    default_concurrency,
    spent_its_cpu,
)
from rlvr.verifiers.extract import Extraction
from rlvr.verifiers.math import grader, symbolic
from rlvr.verifiers.math.bounds import answer_bound, malformed
from rlvr.verifiers.math.extraction import extraction_of, find_parts, gold_answer
from rlvr.verifiers.math.minerva import normalize_final_answer
from rlvr.verifiers.math.text import text_equal
from rlvr.verifiers.reward import reward_function
from rlvr.workers import JobTimeout, PoolBusy, WatchdogPool
from rlvr.workers.shared import shared_pool as shared_pool_for

# The zygote imports these once; every worker forked from it starts warm.
PRELOAD = ("sympy", "latex2sympy2_extended", "rlvr.verifiers.math.symbolic:warm_up")
MAX_EXTRACTED_CHARS = 2000


@dataclass(frozen=True)
class MathOptions(VerifierOptions):
    """mode: boxed|lenient|answer|minerva, or an Extraction of one's own. sympy_timeout: seconds one
    sympy job may run before its worker is killed. rel_tol: relative tolerance for irrational numeric values.
    memory_limit_mb: address-space limit of each sympy worker."""

    mode: str | Extraction = "boxed"
    sympy_timeout: float = 2.0
    rel_tol: float = 1e-6
    memory_limit_mb: int = 1024

    def __post_init__(self) -> None:
        super().__post_init__()
        if extraction_of(self.mode).name == "minerva" and (problem := symbolic.minerva_unavailable()):
            raise ValueError(f"math mode 'minerva' cannot run here: {problem}")
        if not isinstance(self.sympy_timeout, (int, float)) or not self.sympy_timeout > 0:
            raise ValueError(f"sympy_timeout must be a positive number of seconds, got {self.sympy_timeout!r}")
        if not isinstance(self.rel_tol, (int, float)) or not 0 <= self.rel_tol < 1:
            raise ValueError(f"rel_tol must be in [0, 1), got {self.rel_tol!r}")
        if not isinstance(self.memory_limit_mb, int) or self.memory_limit_mb < 0:
            raise ValueError(f"memory_limit_mb must be a non-negative int, got {self.memory_limit_mb!r}")


def shared_pool() -> WatchdogPool:
    """The process-wide sympy pool (`worker_budget()` workers), whatever the options."""
    return shared_pool_for(PRELOAD)


class MathVerifier(Verifier[MathOptions]):
    """Task "math"; see the module docstring for modes and options."""

    task = "math"
    Options = MathOptions
    batch_concurrency = default_concurrency()

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        shared_pool().start()

    @property
    def pool(self) -> WatchdogPool:
        """The sympy pool this verifier's jobs run in."""
        return shared_pool()

    def check(self, completion: str, ground_truth: Any, deadline: Deadline) -> Verdict:
        options = self.options
        ground_truth, question = _answer_and_question(ground_truth)
        if isinstance(ground_truth, (int, float)) and not isinstance(ground_truth, bool):
            ground_truth = str(ground_truth)
        if not isinstance(ground_truth, str) or not ground_truth.strip():
            raise BadGroundTruth(f"math ground truth must be a non-empty string, got {ground_truth!r:.80}")
        mode = extraction_of(options.mode)
        answer, form = mode.find(completion)
        detail: dict[str, Any] = {"mode": mode.name, "form": form}
        if answer is None:
            return Verdict(score=0.0, correct=False, extracted=None, reason=NO_ANSWER, detail=detail)
        extracted = answer if len(answer) <= MAX_EXTRACTED_CHARS else answer[:MAX_EXTRACTED_CHARS] + "..."
        try:
            if mode.name == "minerva":
                correct, settled_by = self._minerva_equal(answer, ground_truth, deadline)
            else:
                # Boxed keeps the dataset's convention (the last box); the others read several boxes as one answer.
                gold = gold_answer(ground_truth, grouped=mode.name != "boxed")
                correct, settled_by = self._equivalent(answer, gold, deadline, detail, question)
                parts = None if correct or mode.name != "lenient" else _parts_for(completion, answer, gold)
                if parts is not None:
                    # One value per requested quantity, stated apart (a box or a sentence each).
                    parts_equal, parts_settled_by = self._equivalent(parts, gold, deadline, {}, question)
                    if parts_equal:
                        extracted, correct, settled_by, detail["form"] = parts, True, parts_settled_by, "parts"
        except PastBound as exc:
            return Verdict.failure(exc.reason, str(exc), detail, extracted)
        detail["settled_by"] = settled_by
        return Verdict(
            score=float(correct),
            correct=correct,
            extracted=extracted,
            reason=OK if correct else MISMATCH,
            detail=detail,
        )

    def _equivalent(
        self, answer: str, gold: str, deadline: Deadline, detail: dict[str, Any], question: str = ""
    ) -> tuple[bool, str]:
        if len(answer) > grader.MAX_ANSWER_CHARS:
            detail["structure"] = f"answer longer than {grader.MAX_ANSWER_CHARS} characters: not parsed"
            return answer.strip() == gold.strip(), "string"
        same_text = text_equal(gold, answer)
        if same_text is not None:  # words are compared as words: sympy would multiply their letters
            return same_text, "text"
        comparison = grader.compare(*grader.parse_pair(gold, answer, question), self.options.rel_tol)
        if comparison.structure_mismatch:
            detail["structure"] = comparison.structure_mismatch
        sympy_results: dict[tuple[int, int], bool] = {}
        if comparison.pending:
            items_g, items_p = comparison.gold.structure.items, comparison.predicted.structure.items
            pairs = [(items_g[i], items_p[j]) for i, j in comparison.pending]
            _check_bounds(pairs)
            results = self._in_worker(symbolic.equal_pairs, pairs, self.options.rel_tol, deadline=deadline)
            gold_unparsed = any(how == symbolic.GOLD_UNPARSED for _, how in results)
            if gold_unparsed and (problem := malformed(gold)):
                raise BadGroundTruth(f"the gold answer {gold!r:.200} does not parse: {problem}")
            sympy_results = {pair: equal for pair, (equal, _) in zip(comparison.pending, results)}
            detail["sympy"] = [how for _, how in results][:8]
        return grader.decide(comparison, sympy_results)

    def _minerva_equal(self, answer: str, ground_truth: str, deadline: Deadline) -> tuple[bool, str]:
        predicted = normalize_final_answer(answer)
        gold = _minerva_gold(ground_truth)
        if predicted and predicted == gold:
            return True, "string"
        _check_bounds([(gold, predicted)])
        return self._in_worker(symbolic.minerva_equal, predicted, gold, deadline=deadline), "sympy"

    def _in_worker(self, function: Any, *args: Any, deadline: Deadline) -> Any:
        """`function(*args)` in a sympy worker. A job killed at its limit is judged too complex
        when it used the limit in CPU time; starved by the machine, it runs once more with a
        fresh budget (within the call's deadline) before the verdict is a "timeout" failure."""
        options = self.options
        for attempt in range(2):
            limit = min(options.sympy_timeout, deadline.remaining())
            try:
                return self.pool.call(
                    function,
                    *args,
                    timeout=options.sympy_timeout,
                    memory_limit_mb=options.memory_limit_mb,
                    deadline=deadline.expires_at,
                )
            except JobTimeout as exc:
                if spent_its_cpu(exc, limit):
                    raise PastBound(TOO_COMPLEX, f"sympy used its whole budget: {exc}") from None
                if attempt or deadline.remaining() <= 0:
                    raise VerificationTimeout(str(exc)) from None
            except PoolBusy as exc:
                raise VerifierBusy(str(exc)) from None
        raise AssertionError("unreachable")


def _check_bounds(pairs: list[tuple[str, str]]) -> None:
    """Raise before sympy when an item is too large or deep for it: the gold's fault
    (BadGroundTruth) or the answer's (PastBound, a judged verdict)."""
    for gold, predicted in pairs:
        if problem := answer_bound(gold):
            raise BadGroundTruth(f"the gold answer item {gold!r:.200} is {problem.replace('_', ' ')} for sympy")
        if problem := answer_bound(predicted):
            raise PastBound(problem, f"{predicted!r:.200} is {problem.replace('_', ' ')} for sympy")


def _parts_for(completion: str, answer: str, gold: str) -> str | None:
    """The gold's several parts as the completion states them one by one, when the answer found
    is a single value and the gold has more (find_parts)."""
    count = len(grader.parse_answer(gold).structure.items)
    if count < 2 or len(answer) > grader.MAX_ANSWER_CHARS or len(grader.parse_answer(answer).structure.items) != 1:
        return None
    return find_parts(completion, count)


def _answer_and_question(ground_truth: Any) -> tuple[Any, str]:
    """(the gold, the question or "") of a ground truth that may be {"answer": ..., "question": ...}."""
    if isinstance(ground_truth, str) and ground_truth.lstrip().startswith('{"'):
        try:
            ground_truth = json.loads(ground_truth)
        except ValueError:
            return ground_truth, ""  # a LaTeX set such as {"a", "b"} is an answer, not a mapping
    if not isinstance(ground_truth, Mapping):
        return ground_truth, ""
    question = ground_truth.get("question")
    if question is not None and not isinstance(question, str):
        raise BadGroundTruth(f"math ground truth's question must be a string, got {question!r:.80}")
    return ground_truth.get("answer"), question or ""


@lru_cache(maxsize=65536)
def _minerva_gold(ground_truth: str) -> str:
    return normalize_final_answer(gold_answer(ground_truth))


compute_reward = reward_function("math")
