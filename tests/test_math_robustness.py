"""(c) property tests, (d) adversarial inputs and (e) threads for the math verifier."""

from __future__ import annotations

import threading
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from math_data import load_problems, subset

import rlvr

TIMEOUT = 3.0
# Generous for a shared 2-core machine; what matters is that no call hangs.
SLACK = 0.5


@pytest.fixture(scope="module")
def verifier():
    verifier = rlvr.get_verifier("math", timeout=TIMEOUT, sympy_timeout=1.0)
    verifier.pool.call(abs, 1)  # wait (up to the pool's start timeout) until the zygote is up
    assert verifier.compute_reward("\\boxed{x^2}", "x \\cdot x") == 1.0
    return verifier


LATEX_PIECES = st.sampled_from(
    [
        "\\frac",
        "\\sqrt",
        "\\boxed",
        "\\fbox",
        "{",
        "}",
        "(",
        ")",
        "[",
        "]",
        "^",
        "_",
        "\\pi",
        "\\infty",
        "x",
        "y",
        "=",
        ",",
        "+",
        "-",
        "\\cdot",
        "!",
        "\\bmod",
        "\\text{",
        "\\left(",
        "\\right)",
        "$",
        "\\%",
        "\\begin{pmatrix}",
        "\\end{pmatrix}",
        "&",
        "\\\\",
        "\\cup",
        "\\{",
        "\\}",
        "0",
        "1",
        "2",
        "9",
        ".",
        " ",
        "^\\circ",
        "\\dfrac",
        "Final Answer: The final answer is ",
        ". I hope it is correct.",
        "answer: ",
        "the answer is ",
        "**",
        " so ",
        " and ",
        "\\pm",
        "<",
        "\\leq",
        "\\approx",
        ";",
        "°",
    ]
)
latex_like = st.lists(LATEX_PIECES, max_size=30).map("".join)
any_text = st.one_of(st.text(max_size=200), latex_like)
modes = st.sampled_from(["boxed", "lenient", "answer", "minerva"])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(completion=any_text, gold=any_text, mode=modes)
def test_never_raises_is_deterministic_and_bounded(verifier, completion, gold, mode):
    checker = verifier if mode == "boxed" else rlvr.get_verifier("math", mode=mode, timeout=TIMEOUT, sympy_timeout=1.0)
    for text in (completion, f"\\boxed{{{completion}}}"):
        started = time.monotonic()
        first = checker.verify(text, gold)
        assert time.monotonic() - started < TIMEOUT + SLACK
        assert 0.0 <= first.score <= 1.0
        second = checker.verify(text, gold)
        if "timeout" not in (first.reason, second.reason):  # a timeout depends on the machine's load
            assert second == first


ADVERSARIAL = {
    "power tower": "\\boxed{9^{9^{9^{9}}}}",
    "factorial of a huge power": "\\boxed{10^{10^{10}}!}",
    "5,000 nested braces": "\\boxed{" + "{" * 5000 + "1" + "}" * 5000 + "}",
    "5,000 unclosed braces": "\\boxed{" + "{" * 5000,
    "1 MB completion": "x + " * 250_000 + "\\boxed{" + "1+" * 2000 + "1}",
    "1 MB boxed answer": "\\boxed{" + "9" * 1_000_000 + "}",
    "deep fraction": "\\boxed{" + "\\frac{1}{" * 300 + "2" + "}" * 300 + "}",
}


@pytest.mark.parametrize("name", sorted(ADVERSARIAL))
def test_adversarial_inputs_return_in_time_with_zero(verifier, name):
    started = time.monotonic()
    verdict = verifier.verify(ADVERSARIAL[name], "7")
    elapsed = time.monotonic() - started
    assert verdict.score == 0.0, verdict
    assert elapsed < TIMEOUT + SLACK, f"{name}: {elapsed:.2f} s"
    assert verifier.compute_reward("\\boxed{\\frac{14}{2}}", "7") == 1.0  # the pool still answers
    assert verifier.compute_reward("\\boxed{(x+1)^2}", "x^2+2x+1") == 1.0


# Texts that would cost the lenient finders quadratic time if a pattern were tried at every place.
LENIENT_ADVERSARIAL = {
    "announcements without an end": "the answer is " * 80_000,
    "answer colons on one line": "Final Answer: " * 50_000,
    "math openers": "\\(" * 100_000 + "\\[" * 100_000,
    "dollar signs": "$1" * 200_000,
    "bold markers": "**1" * 100_000,
    "20,000 boxes in a row": "\\boxed{1} and " * 20_000,
    "copulas": "x is " * 100_000 + "1",
}


@pytest.mark.parametrize("mode", ["lenient", "answer"])
@pytest.mark.parametrize("name", sorted(LENIENT_ADVERSARIAL))
def test_lenient_and_answer_modes_return_in_time_on_hostile_text(name, mode):
    checker = rlvr.get_verifier("math", mode=mode, timeout=TIMEOUT, sympy_timeout=1.0)
    started = time.monotonic()
    verdict = checker.verify(LENIENT_ADVERSARIAL[name], "7")
    elapsed = time.monotonic() - started
    assert verdict.score == 0.0, verdict
    assert elapsed < 1.0 + 1.0, f"{name} ({mode}): {elapsed:.2f} s"  # sympy_timeout + 1 s


def test_eight_threads_give_the_same_verdicts_as_one():
    verifier = rlvr.get_verifier("math")
    problems = subset(load_problems(), 40)
    pairs = [(f"\\boxed{{{p.answer}}}", p.solution) for p in problems]
    pairs += [(f"\\boxed{{{q.answer}}}", p.answer) for p, q in zip(problems, problems[1:])]
    pairs += [("\\boxed{(x+1)^2}", "x^2+2x+1"), ("\\boxed{x-1=0}", "y-2=0"), ("\\boxed{\\sqrt{8}}", "2\\sqrt2")]
    expected = [verifier.verify(c, g) for c, g in pairs]
    results: list[list] = [[] for _ in range(8)]

    def work(slot: int) -> None:
        results[slot] = [verifier.verify(c, g) for c, g in pairs]

    threads = [threading.Thread(target=work, args=(slot,)) for slot in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(result == expected for result in results)
    assert verifier.verify_batch([c for c, _ in pairs], [g for _, g in pairs]) == expected
