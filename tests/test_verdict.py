"""Verdict construction: a failure never carries reward, and what a program or completion writes
into a verdict is valid UTF-8 and bounded."""

from __future__ import annotations

import json

import pytest

import rlvr
from rlvr.verdict import FAILURE_REASONS, JUDGED_REASONS, MAX_ITEMS, MAX_TEXT_CHARS, Verdict


@pytest.mark.parametrize("reason", sorted(FAILURE_REASONS) + ["a_word_nobody_classified"])
def test_a_failed_verdict_scores_zero_however_it_is_built(reason: str) -> None:
    verdict = Verdict(score=0.5, correct=True, reason=reason, detail={"passed": 2, "total": 4})
    assert verdict.failed
    assert (verdict.score, verdict.correct) == (0.0, False)
    assert verdict.detail == {"passed": 2, "total": 4}


@pytest.mark.parametrize("reason", sorted(JUDGED_REASONS))
def test_a_judged_verdict_keeps_its_score(reason: str) -> None:
    verdict = Verdict(score=0.5, correct=False, reason=reason)
    assert not verdict.failed and verdict.score == 0.5


def test_bound_reasons_are_judged() -> None:
    assert {"too_complex", "too_deep", "output_limit"} <= rlvr.JUDGED_REASONS


def test_program_text_becomes_writable_and_bounded() -> None:
    lone = "ValueError: \ud800"
    huge = "x" * (MAX_TEXT_CHARS * 3)
    verdict = Verdict(
        0.0,
        False,
        extracted="print('\udcff')" + huge,
        reason="mismatch",
        detail={"tests": [{"stderr_tail": lone}] * (MAX_ITEMS + 5), "bytes": b"\xff\xfe", "big": 7**20000},
    )
    text = json.dumps(verdict.to_dict())
    text.encode("utf-8")  # raises if a lone surrogate survived
    assert len(verdict.extracted or "") < MAX_TEXT_CHARS + 100
    assert verdict.detail["tests"][0] == {"stderr_tail": "ValueError: ?"}
    assert len(verdict.detail["tests"]) == MAX_ITEMS + 1
    assert verdict.detail["bytes"] == "\ufffd\ufffd"
    assert verdict.detail["big"].startswith("<integer of")


def test_deep_detail_is_cut() -> None:
    deep: list = []
    for _ in range(50):
        deep = [deep]
    json.dumps(Verdict(0.0, False, reason="mismatch", detail={"deep": deep}).to_dict())


def test_a_failing_program_message_reaches_the_writer_intact_except_the_surrogate() -> None:
    verdict = Verdict.failure("error", "ValueError('\ud800') and é ü 中")
    assert verdict.detail == {"message": "ValueError('?') and é ü 中"}


@pytest.mark.parametrize("detail", ["a message", None, ["a", "list"]])
def test_a_detail_that_is_not_a_dict_is_refused(detail) -> None:
    with pytest.raises(ValueError, match="detail must be a dict"):
        Verdict(0.0, False, reason="mismatch", detail=detail)


def test_a_failure_keeps_its_facts_beside_its_message() -> None:
    verdict = Verdict.failure("judge_error", "HTTP 500", {"calls": 3, "message": "overwritten"}, extracted="x")
    assert verdict.detail == {"calls": 3, "message": "HTTP 500"} and verdict.message == "HTTP 500"
    assert (verdict.score, verdict.correct, verdict.extracted, verdict.failed) == (0.0, False, "x", True)
    assert Verdict(1.0, True, reason="ok", detail={"form": "boxed"}).message == ""
