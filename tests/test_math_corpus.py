"""The labelled corpus (tests/math_corpus/) against rlvr's lenient mode: a per-row no-regression gate,
and agreement with the labels beside math-verify's, on the development corpus (the rules were
tuned on it) and the held-out completions (never tuned on) separately.

The gate: rlvr's verdict on every row is stored in tests/math_corpus/rlvr_verdicts.json. A change
that flips any row fails until the stored verdicts are updated on purpose with
    PYTHONPATH=. python tests/math_corpus/record.py rlvr
which lists every flip (to go in the commit message). Math-verify's verdicts are recorded in the
corpus (it runs at a few items/s); the slow test reruns it and checks the record, and mode "answer".
"""

from __future__ import annotations

import collections
import json

import pytest
from math_data import (
    GATED_FILES,
    VERDICTS_FILE,
    agrees,
    lenient_verdicts,
    load_corpus,
    load_held_out,
    load_labelled,
    math_verify_verdict,
    row_key,
)

import rlvr

RECORD = "PYTHONPATH=. python tests/math_corpus/record.py rlvr"


@pytest.fixture(scope="module")
def gated():
    """(case, lenient verdict) for every row of every gated file."""
    cases = [case for path in GATED_FILES for case in load_labelled(path)]
    return list(zip(cases, lenient_verdicts(cases)))


@pytest.fixture(scope="module")
def lenient(gated) -> list[bool | str]:
    """Lenient's verdict on every case of the development corpus, in load_corpus order."""
    verdicts = {row_key(case): verdict for case, verdict in gated}
    return [verdicts[row_key(case)] for case in load_corpus()]


def agreement(cases_and_verdicts) -> dict[str, list[int]]:
    """{group: [rlvr agreeing, math-verify agreeing, cases]} for (group, case, rlvr verdict) triples, plus "all"."""
    table: dict[str, list[int]] = collections.defaultdict(lambda: [0, 0, 0])
    for group, case, ours in cases_and_verdicts:
        for key in (group, "all"):
            table[key][0] += agrees(ours, case.label)
            table[key][1] += case.math_verify == case.label
            table[key][2] += 1
    return dict(table)


def print_agreement(title: str, table: dict[str, list[int]], mode: str = "lenient") -> None:
    print(f"\n{title}\n| group | cases | rlvr {mode} | math-verify |\n|---|---|---|---|")
    for group, (ours, theirs, count) in sorted(table.items(), key=lambda item: (item[0] == "all", item[0])):
        print(f"| {group} | {count} | {100 * ours / count:.1f}% | {100 * theirs / count:.1f}% |")


def test_no_row_flips_from_its_stored_verdict(gated):
    """Every row's lenient verdict is the stored one, and every stored verdict has its row."""
    stored = json.loads(VERDICTS_FILE.read_text())
    flips = [
        f"{'wrong -> right' if agrees(ours, case.label) else 'right -> wrong'} ({ours}): {case.source} / {case.case}: "
        f"gold {case.gold[:40]!r}, completion ...{case.completion[-60:]!r}"
        for case, ours in gated
        if stored.get(row_key(case)) != ours
    ]
    assert flips == [], f"{len(flips)} row(s) flipped; if on purpose, run {RECORD} and list them in the commit"
    assert set(stored) == {row_key(case) for case, _ in gated}, f"stale rows in {VERDICTS_FILE.name}: run {RECORD}"


def test_agreement_on_development_and_held_out_completions(gated):
    """Reports agreement per source, per style and per category, development and held-out apart
    (docs/math.md has the figures); rlvr never takes a held-out wrong completion for a right one."""
    held_out = {row_key(case) for case in load_held_out()}
    development = [(case, ours) for case, ours in gated if row_key(case) not in held_out]
    kept_out = [(case, ours) for case, ours in gated if row_key(case) in held_out]
    print_agreement("development corpus, per source", agreement((c.source, c, ours) for c, ours in development))
    print_agreement("held-out completions, per source", agreement((c.source, c, ours) for c, ours in kept_out))
    print_agreement("held-out completions, per category", agreement((c.case, c, ours) for c, ours in kept_out))
    assert len(kept_out) == len(load_held_out()) >= 70
    assert all(case.math_verify is not None for case, _ in kept_out)


def test_every_handwritten_case_is_judged_right_in_lenient_mode(lenient):
    wrong = [
        (case.case, case.gold, case.completion)
        for case, ours in zip(load_corpus(), lenient)
        if case.source == "handwritten" and not agrees(ours, case.label)
    ]
    assert wrong == []


def test_answer_mode_compares_bare_answers_directly():
    verifier = rlvr.get_verifier("math", mode="answer")
    bare = [case for case in load_corpus() if case.case == "bare"]
    wrong = [
        (case.gold, case.completion)
        for case in bare
        if verifier.verify(case.completion, case.gold).correct != case.label
    ]
    assert wrong == []
    assert verifier.verify("The answer is 5", "5").correct is False  # the whole text is the answer: prose is not 5


@pytest.mark.slow
def test_recorded_math_verify_verdicts_and_answer_mode():
    """Math-verify rerun live gives the recorded verdicts; mode "answer" agrees with the labels
    at least as often as math-verify on the bare answers and on every peer's table."""
    pytest.importorskip("math_verify")
    everything = load_corpus() + load_held_out()
    assert [math_verify_verdict(case) for case in everything] == [case.math_verify for case in everything]
    corpus = load_corpus()
    verifier = rlvr.get_verifier("math", mode="answer")
    groups = [(case.case if case.source == "handwritten" else case.source, case) for case in corpus]
    table = agreement((group, case, verifier.verify(case.completion, case.gold).correct) for group, case in groups)
    print_agreement("per source (hand-written: per category)", table, mode="answer")
    for group in ("bare", "hendrycks", "qwen2.5-math", "mario", "nemo-skills"):
        assert table[group][0] >= table[group][1], (group, table[group])
