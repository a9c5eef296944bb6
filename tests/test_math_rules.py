"""The math rules of issue 25, each in both directions, on realistic completions written here
(tests/math_corpus/realistic.jsonl: Qwen, Llama and DeepSeek-R1 styles): for every category an
equal case that lenient must accept and a near miss it must reject; answers in words settled as
text, never by a sympy job; the `question` input of the ground truth.
"""

from __future__ import annotations

import collections
import json

import pytest
from math_data import CORPUS_DIR, load_labelled

import rlvr
from rlvr.verifiers.math.extraction import find_final_statement, find_parts, find_verdict
from rlvr.verifiers.math.grader import periodic_equal
from rlvr.verifiers.math.normalise import normalise, ray
from rlvr.verifiers.math.text import is_prose, text_equal

REALISTIC = load_labelled(CORPUS_DIR / "realistic.jsonl")
# Categories whose rows are all near misses that must stay unequal (a false positive each).
ONLY_NEGATIVE = {"part_label_cutoff"}


@pytest.fixture(scope="module")
def lenient():
    return rlvr.get_verifier("math", mode="lenient", sympy_timeout=20.0)


def test_every_category_has_both_directions():
    labels = collections.defaultdict(set)
    for case in REALISTIC:
        labels[case.case].add(case.label)
    assert len(labels) >= 23
    lopsided = [name for name, seen in labels.items() if seen != {True, False} and name not in ONLY_NEGATIVE]
    assert lopsided == []
    assert {case.note for case in REALISTIC} == {"qwen", "llama", "r1"}


@pytest.mark.parametrize("case", REALISTIC, ids=[f"{c.case}-{c.label}-{k}" for k, c in enumerate(REALISTIC)])
def test_realistic_completion_is_judged_by_its_label(lenient, case):
    verdict = lenient.verify(case.completion, case.ground_truth)
    assert not verdict.failed
    assert verdict.correct is case.label, (verdict.extracted, verdict.detail)


PROSE = [case for case in REALISTIC if case.case in ("text_answer", "prose", "verdict")]


@pytest.mark.parametrize("case", PROSE, ids=[f"{c.case}-{k}" for k, c in enumerate(PROSE)])
def test_answers_in_words_are_compared_as_text_without_sympy(lenient, case):
    verdict = lenient.verify(case.completion, case.ground_truth)
    if verdict.extracted is not None and (is_prose(verdict.extracted) or is_prose(case.gold)):
        assert verdict.detail["settled_by"] == "text"
        assert "sympy" not in verdict.detail


def test_a_sentence_is_not_a_product_of_symbols(lenient):
    """Sympy called these equal (both products contain the factor 0); as text they differ."""
    gold = "\\text{the sequence converges to } 0 \\text{ for all } a"
    verdict = lenient.verify("So $\\boxed{\\text{the sequence diverges to } 0 \\text{ for all } a}$.", gold)
    assert (verdict.correct, verdict.detail["settled_by"]) == (False, "text")


@pytest.mark.parametrize(
    ("gold", "predicted", "equal"),
    [
        ("\\text{Yes}", "\\text{yes, such a set exists}", True),
        ("\\text{No}", "\\text{Yes}", False),
        ("\\text{True}", "True", True),
        ("\\text{isosceles right triangle}", "\\text{a right isosceles triangle}", True),
        ("\\text{Alice wins if } n \\text{ is even}", "\\text{Alice wins when } n \\text{ is even}", True),
        ("\\text{Alice wins if } n \\text{ is even}", "\\text{Alice wins if } n \\text{ is odd}", False),
        ("\\text{no solution}", "\\text{none}", True),
        ("\\text{no solution}", "\\varnothing", True),
        ("\\text{no solution}", "\\mathbb{R}", False),
        ("\\text{all real numbers}", "(-\\infty, \\infty)", True),
        ("\\text{all real numbers}", "(0, \\infty)", False),
        ("\\text{all real numbers}", "\\text{all positive real numbers}", False),
        ("\\text{even}", "\\text{odd}", False),
    ],
)
def test_text_equal(gold, predicted, equal):
    assert text_equal(gold, predicted) is equal


@pytest.mark.parametrize(
    "answer", ["5\\text{ cm}", "abc", "\\frac{1}{2}", "\\begin{pmatrix}1&2\\end{pmatrix}", "x \\in \\mathbb{R}"]
)
def test_mathematics_is_not_prose(answer):
    assert not is_prose(answer)
    assert text_equal(answer, answer) is None


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("12 \\text { cm}", "12"),
        ("\\dfrac{3}{4}\\pi\\text{ inches}", "\\frac{3}{4}\\pi"),
        ("a_n = 2^{n} - 1 \\text{ for all } n \\geq 1", "2^{n}-1"),
        ("x = k\\pi, \\text{ where } k \\in \\mathbb{Z}", "k\\pi"),
        ("\\frac{\\pi}{4}+k\\pi, k \\in \\mathbb{Z}", "\\frac{\\pi}{4}+k\\pi"),
        ("x \\in \\mathbb{Z}", "\\mathbb{Z}"),
        ("\\text{4:30 PM}", "16:30"),
        ("\\text{2:15 AM}", "2:15"),
    ],
)
def test_normalise_strips_qualifiers_spaced_units_and_reads_times(raw, normalised):
    assert normalise(raw) == normalised


def test_rays_and_periodic_families():
    assert ray("t>3") == "(3,\\infty)" and ray("5\\geq x") == "(-\\infty,5]" and ray("a>b") is None
    assert periodic_equal("\\frac{\\pi}{3}+2k\\pi", "-\\frac{5\\pi}{3}+2k\\pi") is True
    assert periodic_equal("\\frac{\\pi}{3}+2k\\pi", "\\frac{4\\pi}{3}+2k\\pi") is False
    assert periodic_equal("\\frac{\\pi}{2}+k\\pi", "\\frac{\\pi}{2}+2k\\pi") is False
    assert periodic_equal("\\frac{\\pi}{2}", "\\frac{\\pi}{2}+k\\pi") is None


def test_extraction_rules():
    assert find_final_statement("Hence the probability is $\\frac{2}{3}$. Indeed, $2$ of $3$ doors win.") == (
        "\\frac{2}{3}"
    )
    assert find_final_statement("(1) We find $a = 5$.\n\n(2)") is None
    assert find_final_statement("$7$ is the smallest prime greater than $5$ that divides $1001$.") == "7"
    assert find_verdict("So the claim is false.") == "False" and find_verdict("The value is 5.") is None
    assert find_parts("- $p = 3$\n- $q = 5$", 2) == "p = 3, q = 5"
    assert find_parts("We try $\\boxed{3}$, but it fails.\n\nSo $\\boxed{5}$.", 2) is None
    assert find_parts("The roots are $2$ and $3$. The answer is $2$.", 2) is None  # a list, then a choice


def test_question_is_a_field_of_the_ground_truth(lenient):
    asks_for_one = "Give an example of a prime $p$ such that $p + 2$ is prime."
    gold = {"answer": "3, 5, 11", "question": asks_for_one}
    assert lenient.verify("Take $\\boxed{5}$.", gold).correct
    assert lenient.verify("Take $\\boxed{7}$.", json.dumps(gold)).correct is False  # JSON text too
    asks_for_all = {"answer": "3, 5, 11", "question": "Find all primes $p < 12$ such that $p + 2$ is prime."}
    assert lenient.verify("Take $\\boxed{5}$.", asks_for_all).correct is False
    fraction = "The probability is $\\frac{m}{n}$ with $m$ and $n$ coprime. Find $m + n$."
    assert lenient.verify("$\\boxed{\\frac{3}{8}}$", {"answer": "11", "question": fraction}).correct
    assert lenient.verify("$\\boxed{\\frac{6}{16}}$", {"answer": "22", "question": fraction}).correct is False
    assert lenient.verify("$\\boxed{5}$", {"answer": "5"}).correct  # the question is optional
    bad = lenient.verify("$\\boxed{5}$", {"answer": "5", "question": 7})
    assert bad.failed and bad.reason == "bad_ground_truth"


def test_a_trainer_adapter_passes_the_question_in_the_answer_column():
    """TRL's reward function hands each row's answer-column value to the verifier as it is, so a
    column of {"answer", "question"} mappings brings the question along."""
    from rlvr.integrations.trl import reward_func

    reward = reward_func("math", mode="lenient")
    question = "The probability is $m/n$ with $m$ and $n$ coprime. Find $m + n$."
    golds = [{"answer": "11", "question": question}] * 2
    assert reward(completions=["$\\boxed{\\frac{3}{8}}$", "$\\boxed{\\frac{3}{7}}$"], answer=golds) == [1.0, 0.0]
