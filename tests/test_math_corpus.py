"""The labelled corpus (tests/math_corpus/) against rlvr's lenient and answer modes and math-verify,
in one run: agreement with the labels per source and per case, and every disagreement with who is
right. rlvr's lenient mode must agree with the labels at least as often as math-verify on every
source, and on every hand-written case."""

from __future__ import annotations

import collections
from collections.abc import Callable

import pytest
from math_data import LabelledCase, load_corpus, math_verify_gold

import rlvr

math_verify = pytest.importorskip("math_verify")
GRADERS = ("rlvr lenient", "rlvr answer", "math-verify")


def math_verify_says(case: LabelledCase) -> bool:
    return bool(math_verify.verify(math_verify.parse(math_verify_gold(case.gold)), math_verify.parse(case.completion)))


def graders() -> dict[str, Callable[[LabelledCase], bool]]:
    lenient = rlvr.get_verifier("math", mode="lenient")
    answer = rlvr.get_verifier("math", mode="answer")
    return {
        "rlvr lenient": lambda case: lenient.verify(case.completion, case.gold).correct,
        "rlvr answer": lambda case: answer.verify(case.completion, case.gold).correct,
        "math-verify": math_verify_says,
    }


@pytest.fixture(scope="module")
def verdicts() -> dict[str, list[bool]]:
    corpus = load_corpus()
    return {name: [grade(case) for case in corpus] for name, grade in graders().items()}


def agreement_table(corpus, verdicts, key) -> dict[str, dict[str, tuple[int, int]]]:
    """{group: {grader: (agreeing, total)}} for groups given by key(case), plus "all"."""
    table: dict[str, dict[str, list[int]]] = collections.defaultdict(lambda: collections.defaultdict(lambda: [0, 0]))
    for position, case in enumerate(corpus):
        for name in GRADERS:
            for group in (key(case), "all"):
                cell = table[group][name]
                cell[0] += verdicts[name][position] == case.label
                cell[1] += 1
    return {group: {name: tuple(cell) for name, cell in row.items()} for group, row in table.items()}


def print_table(title, table) -> None:
    print(f"\n{title}\n| group | cases | " + " | ".join(GRADERS) + " |\n|---|---|" + "---|" * len(GRADERS))
    for group, row in sorted(table.items(), key=lambda item: (item[0] == "all", item[0])):
        cells = " | ".join(f"{100 * row[name][0] / row[name][1]:.1f}%" for name in GRADERS)
        print(f"| {group} | {row[GRADERS[0]][1]} | {cells} |")


def test_lenient_agrees_with_the_labels_at_least_as_often_as_math_verify(verdicts):
    corpus = load_corpus()
    by_source = agreement_table(corpus, verdicts, lambda case: case.source)
    print_table("agreement with the labels, per source", by_source)
    print_table(
        "hand-written cases, per category",
        agreement_table(corpus, verdicts, lambda case: case.case if case.source == "handwritten" else "(peers)"),
    )
    print("\ndisagreements (rlvr lenient vs math-verify)\n| source | gold | completion | label | rlvr | math-verify | right |")
    print("|---|---|---|---|---|---|---|")
    for position, case in enumerate(corpus):
        ours, theirs = verdicts["rlvr lenient"][position], verdicts["math-verify"][position]
        if ours != theirs:
            right = "rlvr" if ours == case.label else "math-verify"
            print(
                f"| {case.source} | `{case.gold[:40]}` | `{case.completion[-60:]!r}` | {case.label} | {ours} | {theirs} | {right} |"
            )
    for source, row in by_source.items():
        assert row["rlvr lenient"][0] >= row["math-verify"][0], f"{source}: {row}"


def test_every_handwritten_case_is_judged_right_in_lenient_mode(verdicts):
    corpus = load_corpus()
    wrong = [
        (case.case, case.gold, case.completion)
        for position, case in enumerate(corpus)
        if case.source == "handwritten" and verdicts["rlvr lenient"][position] != case.label
    ]
    assert wrong == []
