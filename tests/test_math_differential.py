"""(f) Differential tests against the installed peers, on the MATH answers and their rewritings.

- math-verify (`parse` + `verify`) against our default "boxed" mode. Every pair has a known
  truth by construction (a rewriting equals its answer; a different problem's answer does not),
  so each disagreement is settled by that truth: the test fails if ours is the wrong side, and
  prints the agreement table and every disagreement.
- lm-eval's minerva_math exact_match (its `get_unnormalized_answer`, `normalize_final_answer`,
  `last_boxed_only_string`, `remove_boxed` and `is_equiv`, exactly what `process_results` runs)
  against our "minerva" mode: the verdicts must be identical.
"""

from __future__ import annotations

import collections

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from math_data import different_answer, load_problems, rewritings, subset
from tqdm import tqdm

import rlvr
from rlvr.verifiers.math.extraction import find_minerva_final

math_verify = pytest.importorskip("math_verify")
minerva_utils = pytest.importorskip("lm_eval.tasks.minerva_math.utils")


def math_verify_pairs(problems, everything):
    """(gold answer, completion, truth, label) for each problem: its rewritings and one wrong answer."""
    positions = {id(problem): k for k, problem in enumerate(everything)}
    for problem in problems:
        for name, text in rewritings(problem.answer):
            yield problem.answer, f"The answer is $\\boxed{{{text}}}$.", True, name
        wrong = different_answer(everything, positions[id(problem)])
        yield problem.answer, f"The answer is $\\boxed{{{wrong}}}$.", False, "other_problem"


def math_verify_says(gold: str, completion: str) -> bool:
    return bool(math_verify.verify(math_verify.parse(f"$\\boxed{{{gold}}}$"), math_verify.parse(completion)))


def run_math_verify_differential(problems, everything):
    verifier = rlvr.get_verifier("math")
    table = collections.Counter()
    by_label = collections.defaultdict(collections.Counter)
    disagreements = []
    for gold, completion, truth, label in tqdm(
        list(math_verify_pairs(problems, everything)), desc="vs math-verify", disable=len(problems) < 1000
    ):
        ours = verifier.verify(completion, gold).correct
        theirs = math_verify_says(gold, completion)
        table[(ours, theirs)] += 1
        by_label[label][(ours, theirs)] += 1
        if ours != theirs:
            disagreements.append((label, gold, completion, truth, ours, theirs))
    total = sum(table.values())
    print(f"\nagreement with math-verify: {total - len(disagreements)}/{total} = {1 - len(disagreements) / total:.4f}")
    print("(ours, math-verify) counts:", dict(table))
    for label, counts in sorted(by_label.items()):
        print(f"  {label:14s} {dict(counts)}")
    for label, gold, completion, truth, ours, theirs in disagreements:
        right = "ours" if ours == truth else "MATH-VERIFY"
        verdicts = f"truth={truth} ours={ours} math-verify={theirs}"
        print(f"  [{label}] gold={gold!r} completion={completion!r} {verdicts}: {right} right")
    return [d for d in disagreements if d[4] != d[3]]


def test_math_verify_differential_on_a_subset():
    everything = load_problems()
    wrong_side = run_math_verify_differential(subset(everything, 100), everything)
    assert wrong_side == []


@pytest.mark.slow
def test_math_verify_differential_on_all_problems():
    everything = load_problems()
    assert run_math_verify_differential(everything, everything) == []


def lm_eval_gold(solution: str) -> str:
    """The doc["answer"] lm-eval's process_docs builds from a solution."""
    return minerva_utils.normalize_final_answer(
        minerva_utils.remove_boxed(minerva_utils.last_boxed_only_string(solution))
    )


def lm_eval_exact_match(completion: str, solution: str) -> bool:
    answer = minerva_utils.normalize_final_answer(minerva_utils.get_unnormalized_answer(completion))
    return bool(minerva_utils.is_equiv(answer, lm_eval_gold(solution)))


def minerva_completions(problems, everything):
    positions = {id(problem): k for k, problem in enumerate(everything)}
    for problem in problems:
        wrong = different_answer(everything, positions[id(problem)])
        candidates = [text for _, text in rewritings(problem.answer)] + [wrong]
        for text in candidates:
            yield (
                problem.solution,
                f"{problem.solution}\nFinal Answer: The final answer is ${text}$. I hope it is correct.",
            )
        yield problem.solution, problem.solution  # no "Final Answer" line: both give 0


def run_minerva_differential(problems, everything):
    verifier = rlvr.get_verifier("math", mode="minerva")
    table = collections.Counter()
    differences = []
    for solution, completion in tqdm(
        list(minerva_completions(problems, everything)), desc="vs lm-eval minerva", disable=len(problems) < 1000
    ):
        ours = verifier.verify(completion, solution)
        theirs = lm_eval_exact_match(completion, solution)
        table[(ours.correct, theirs)] += 1
        if ours.correct != theirs:
            differences.append((completion[-160:], ours.reason, theirs))
    total = sum(table.values())
    print(f"\nagreement with lm-eval minerva exact_match: {total - len(differences)}/{total}")
    print("(ours, lm-eval) counts:", dict(table))
    for difference in differences:
        print("  ", difference)
    return differences


def test_minerva_mode_matches_lm_eval_on_a_subset():
    everything = load_problems()
    assert run_minerva_differential(subset(everything, 60), everything) == []


@pytest.mark.slow
def test_minerva_mode_matches_lm_eval_on_all_problems():
    everything = load_problems()
    assert run_minerva_differential(everything, everything) == []


MINERVA_PIECES = st.sampled_from(
    [
        "Final Answer: The final answer is",
        " I hope it is correct",
        "I hope it is correct.",
        ".",
        "\n",
        " ",
        "x",
        "$\\frac{1}{2}$",
        "5",
    ]
)


@settings(max_examples=500, deadline=None)
@given(text=st.lists(MINERVA_PIECES, max_size=14).map("".join))
def test_minerva_extraction_equals_lm_eval_regex(text):
    found = find_minerva_final(text)
    assert (found if found is not None else "[invalidanswer]") == minerva_utils.get_unnormalized_answer(text)
