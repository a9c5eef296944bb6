"""(a) Reflexivity on the real MATH data: every reference solution, and every answer in \\boxed{},
scores 1.0 against its own problem's answer; a different problem's answer scores 0.0.

The full 5,500-problem sweep is marked slow; an evenly spread subset runs in the normal suite.
Exceptions (pairs that are allowed to differ) must be listed here with the reason; there are none.
"""

from __future__ import annotations

import pytest
from math_data import different_answer, load_problems, subset
from tqdm import tqdm

import rlvr

# (source, index) -> why that pair may not score as above. Empty: every problem passes.
EXCEPTIONS: dict[tuple[str, int], str] = {}


def sweep(problems, everything) -> list[str]:
    verifier = rlvr.get_verifier("math")
    failures = []
    positions = {id(problem): k for k, problem in enumerate(everything)}
    for problem in tqdm(problems, desc="MATH reflexivity", disable=len(problems) < 1000):
        key = (problem.source, problem.index)
        own = verifier.verify(problem.solution, problem.answer)
        boxed = verifier.verify(f"\\boxed{{{problem.answer}}}", problem.solution)
        other_answer = different_answer(everything, positions[id(problem)])
        other = verifier.verify(f"\\boxed{{{other_answer}}}", problem.answer)
        results = (own.score, boxed.score, other.score)
        if results != (1.0, 1.0, 0.0) and key not in EXCEPTIONS:
            failures.append(
                f"{key} answer={problem.answer!r} other={other_answer!r} scores={results} "
                f"reasons={(own.reason, boxed.reason, other.reason)}"
            )
    return failures


def test_reflexivity_on_a_spread_subset():
    everything = load_problems()
    assert sweep(subset(everything, 300), everything) == []


@pytest.mark.slow
def test_reflexivity_on_all_5500_problems():
    everything = load_problems()
    assert sweep(everything, everything) == []
