"""The cheap checks before sympy (rlvr/verifiers/math/bounds.py) on real golds and on any text:
no real answer is flagged, every value sympy cannot hold is, and neither check ever raises."""

from __future__ import annotations

import json
import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shared_data import data_file

from rlvr.verifiers.math.bounds import answer_bound, malformed
from rlvr.verifiers.math.extraction import gold_answer
from rlvr.verifiers.math.grader import parse_answer


def real_golds() -> list[str]:
    golds = []
    for name in ("math/test.jsonl", "math500/test.jsonl"):
        for line in data_file(name).read_text().splitlines():
            row = json.loads(line)
            golds.append(gold_answer(row.get("answer") or row["solution"], grouped=False))
    return golds


def test_no_real_gold_is_flagged():
    golds = real_golds()
    assert len(golds) == 5500
    assert [g for g in golds if malformed(g)] == []
    items = [item for gold in golds for item in parse_answer(gold).structure.items]
    assert [item for item in items if answer_bound(item)] == []


def test_values_past_sympy_are_flagged_and_small_ones_are_not():
    flagged = ["9^{9^{9^{9}}}", "2^{2^{40}}", "\\frac{1}{2^{2^{40}}}", "x^{2^{2^{40}}}", "10^{10^{7}}", "(10^9)!"]
    assert [answer_bound(t) for t in flagged] == ["too_complex"] * len(flagged)
    fine = ["2^{2^{20}}", "10^{100}", "1^{10^{100}}", "(-1)^{10^9}", "100000!", "x^{y^{z}}", "2^{1000}-1"]
    assert [answer_bound(t) for t in fine] == [None] * len(fine)
    assert answer_bound("(" * 150 + "1" + ")" * 150) == "too_deep"


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow], max_examples=300)
@given(st.lists(st.sampled_from(list("0123456789^{}()[]+-*/!x. ") + ["\\frac", "\\sqrt", "\\cdot"]), max_size=300))
def test_never_raises(pieces):
    text = "".join(pieces)
    assert answer_bound(text) in (None, "too_complex", "too_deep")
    assert malformed(text) is None or isinstance(malformed(text), str)


def test_linear_on_a_long_answer():
    text = "2^{3}+" * 20_000 + "\\frac{" * 20_000
    began = time.process_time()
    answer_bound(text)
    malformed(text)
    assert time.process_time() - began < 2.0
