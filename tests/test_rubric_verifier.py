"""The rubric task against a real OpenAI-compatible HTTP server on 127.0.0.1 (ScriptedJudge),
playing valid judges and the faults real endpoints show."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import rlvr
from rlvr.testing.scripted_judge import ScriptedJudge
from rlvr.verdict import Verdict
from rlvr.verifiers.rubric import batch_stats
from rlvr.verifiers.rubric.cache import cache_key

RUBRICS = ['Mentions "apple"', 'Mentions "pear"', 'Says the fruit is "red"', 'Names a "price"']
GROUND_TRUTH = {"prompt": "Describe a fruit.", "rubrics": RUBRICS}
THREE_OF_FOUR = "An apple: red, crisp, at a fair price."


@pytest.fixture
def judge():
    with ScriptedJudge() as server:
        yield server


def make(judge: ScriptedJudge, **options):
    defaults = {"judge_base_url": judge.url, "judge_model": "judge-test", "judge_backoff": 0.0, "timeout": 10.0}
    return rlvr.get_verifier("rubric", **{**defaults, **options})


def test_score_is_the_fraction_of_rubrics_met(judge):
    verdict = make(judge).verify(THREE_OF_FOUR, GROUND_TRUTH)
    assert verdict.score == 0.75 and not verdict.correct and verdict.reason == "mismatch"
    assert verdict.detail["met"] == [1, 3, 4]
    assert [j["met"] for j in verdict.detail["judgements"]] == [True, False, True, True]
    assert (verdict.detail["calls"], verdict.detail["retries"], verdict.detail["cache_hit"]) == (1, 0, False)


def test_all_rubrics_met_is_correct(judge):
    verdict = make(judge).verify("A red apple and a pear, same price.", GROUND_TRUTH)
    assert (verdict.score, verdict.correct, verdict.reason) == (1.0, True, "ok")


def test_request_follows_the_chat_completions_protocol(judge, monkeypatch):
    monkeypatch.setenv("MY_JUDGE_KEY", "sk-test-123")
    make(judge, judge_api_key_env="MY_JUDGE_KEY").verify(THREE_OF_FOUR, GROUND_TRUTH)
    make(judge, judge_api_key_env="UNSET_JUDGE_KEY_VARIABLE", judge_temperature=None, judge_max_tokens=512).verify(
        "pear", GROUND_TRUTH
    )
    first, second = judge.requests
    assert first["model"] == "judge-test" and first["temperature"] == 0.0 and "max_tokens" not in first
    assert [m["role"] for m in first["messages"]] == ["system", "user"]
    assert "Describe a fruit." in first["messages"][1]["content"]
    assert "temperature" not in second and second["max_tokens"] == 512
    assert judge.authorizations == ["Bearer sk-test-123", None]
    assert "sk-test-123" not in repr(make(judge, judge_api_key_env="MY_JUDGE_KEY").judge)


def test_a_key_rotated_in_the_environment_reaches_the_next_call_of_a_built_verifier(judge, monkeypatch):
    monkeypatch.setenv("MY_JUDGE_KEY", "sk-old")
    verifier = make(judge, judge_api_key_env="MY_JUDGE_KEY")
    verifier.verify(THREE_OF_FOUR, GROUND_TRUTH)
    monkeypatch.setenv("MY_JUDGE_KEY", "sk-new")
    verifier.verify("pear", GROUND_TRUTH)
    assert judge.authorizations == ["Bearer sk-old", "Bearer sk-new"]


def test_tokens_are_counted_from_the_reported_usage(judge):
    verifier = make(judge, judge_max_retries=1)
    judge.push("malformed")
    verdict = verifier.verify(THREE_OF_FOUR, GROUND_TRUTH)
    # The scripted judge counts words: both calls (the malformed one too) are paid for.
    words = sum(len(m["content"].split()) for m in judge.requests[0]["messages"])
    assert verdict.detail["calls"] == 2 and verdict.detail["prompt_tokens"] == 2 * words
    assert verdict.detail["completion_tokens"] > 0
    assert verifier.stats()["prompt_tokens"] == 2 * words


@pytest.mark.parametrize("fault", ["malformed", "missing", "fenced-ok"])
def test_malformed_or_incomplete_output_is_asked_again(judge, fault):
    judge.push("fenced" if fault == "fenced-ok" else fault)
    verdict = make(judge).verify(THREE_OF_FOUR, GROUND_TRUTH)
    assert verdict.score == 0.75
    expected_calls = 1 if fault == "fenced-ok" else 2
    assert verdict.detail["calls"] == expected_calls == len(judge.requests)
    assert verdict.detail["retries"] == expected_calls - 1


def test_judge_error_after_the_retries(judge):
    judge.default = "missing"
    verdict = make(judge, judge_max_retries=2).verify(THREE_OF_FOUR, GROUND_TRUTH)
    assert (verdict.score, verdict.reason) == (0.0, "judge_error")
    assert verdict.detail["calls"] == 3 == len(judge.requests)
    assert verdict.detail["retries"] == 2
    assert "misses rubric(s) [4]" in verdict.detail["errors"][-1]


def test_server_errors_back_off_exponentially_then_succeed(judge):
    judge.push("500", "500")
    started = time.monotonic()
    verdict = make(judge, judge_backoff=0.1).verify(THREE_OF_FOUR, GROUND_TRUTH)
    elapsed = time.monotonic() - started
    assert verdict.score == 0.75 and verdict.detail["calls"] == 3
    assert 0.3 <= elapsed < 2.0  # waits of 0.1 s and 0.2 s


def test_persistent_server_errors_give_judge_error_after_max_retries(judge):
    judge.default = "500"
    verdict = make(judge, judge_max_retries=3).verify(THREE_OF_FOUR, GROUND_TRUTH)
    assert verdict.reason == "judge_error" and verdict.detail["calls"] == 4 == len(judge.requests)
    assert "HTTP 500" in verdict.detail["errors"][0]


def test_client_errors_are_not_retried(judge):
    judge.default = "400"
    verdict = make(judge).verify(THREE_OF_FOUR, GROUND_TRUTH)
    assert verdict.reason == "judge_error" and verdict.detail["calls"] == 1 == len(judge.requests)


def test_rate_limit_waits_for_retry_after(judge):
    judge.push("429:0.4")
    started = time.monotonic()
    verdict = make(judge).verify(THREE_OF_FOUR, GROUND_TRUTH)
    elapsed = time.monotonic() - started
    assert verdict.score == 0.75
    assert (verdict.detail["calls"], verdict.detail["rate_limited"]) == (2, 1)
    assert 0.4 <= elapsed < 2.0  # backoff is 0 here: only Retry-After made it wait


def test_retry_after_beyond_the_budget_returns_timeout_at_once(judge):
    judge.push("429:30")
    started = time.monotonic()
    verdict = make(judge, timeout=3.0).verify(THREE_OF_FOUR, GROUND_TRUTH)
    assert time.monotonic() - started < 1.0
    assert verdict.reason == "timeout" and verdict.detail["calls"] == 1


def test_a_hung_request_is_abandoned_after_judge_timeout_and_retried(judge):
    judge.push("hang:30")
    started = time.monotonic()
    verdict = make(judge, judge_timeout=0.5).verify(THREE_OF_FOUR, GROUND_TRUTH)
    elapsed = time.monotonic() - started
    assert verdict.score == 0.75 and verdict.detail["calls"] == 2
    assert 0.5 <= elapsed < 1.5
    assert verdict.detail["errors"] == ["call 1: TimeoutError: request took longer than 0.5s"]


@pytest.mark.parametrize("budget", [0.8, 1.3])
def test_a_hanging_judge_never_holds_a_verification_past_its_budget(judge, budget):
    judge.default = "hang:30"
    started = time.monotonic()
    verdict = make(judge, timeout=budget, judge_timeout=0.5, judge_max_retries=5).verify(THREE_OF_FOUR, GROUND_TRUTH)
    elapsed = time.monotonic() - started
    assert verdict.reason == "timeout" and verdict.score == 0.0
    assert budget <= elapsed < budget + 0.5
    # 0.5 s calls until the budget is spent: the last one gets the 0.3 s that remain.
    assert verdict.detail["calls"] == len(judge.requests) == (2 if budget == 0.8 else 3)


def test_an_unreachable_judge_gives_judge_error():
    with ScriptedJudge() as server:
        url = server.url  # the port is closed once the server stops
    verifier = rlvr.get_verifier("rubric", judge_base_url=url, judge_backoff=0.0, judge_max_retries=2)
    verdict = verifier.verify(THREE_OF_FOUR, GROUND_TRUTH)
    assert verdict.reason == "judge_error" and verdict.detail["calls"] == 3
    assert "ConnectionRefusedError" in verdict.detail["errors"][0]
    # The detail names the URL it tried and the fix.
    assert f"cannot reach the judge at {url}/chat/completions" in verdict.detail["errors"][0]
    assert "judge_base_url / RLVR_JUDGE_BASE_URL" in verdict.detail["errors"][0]


def test_the_cache_prevents_repeat_calls(judge):
    verifier = make(judge)
    first = verifier.verify(THREE_OF_FOUR, GROUND_TRUTH)
    again = verifier.verify(THREE_OF_FOUR, json.dumps(GROUND_TRUTH))
    assert len(judge.requests) == 1
    assert again.score == first.score and again.detail["judgements"] == first.detail["judgements"]
    assert again.detail["cache_hit"] and again.detail["calls"] == 0 and again.detail["prompt_tokens"] == 0
    verifier.verify(THREE_OF_FOUR + " ", GROUND_TRUTH)
    verifier.verify(THREE_OF_FOUR, {"prompt": "Describe a fruit.", "rubrics": RUBRICS[:3]})
    assert len(judge.requests) == 3
    assert verifier.stats()["cache_hits"] == 1 and verifier.stats()["calls"] == 3


def test_failures_are_not_cached(judge):
    verifier = make(judge, judge_max_retries=0)
    judge.push("500")
    assert verifier.verify(THREE_OF_FOUR, GROUND_TRUTH).reason == "judge_error"
    assert verifier.verify(THREE_OF_FOUR, GROUND_TRUTH).score == 0.75
    assert len(judge.requests) == 2


def test_cache_can_be_disabled(judge):
    verifier = make(judge, cache_size=0)
    verifier.verify(THREE_OF_FOUR, GROUND_TRUTH)
    assert not verifier.verify(THREE_OF_FOUR, GROUND_TRUTH).detail["cache_hit"]
    assert len(judge.requests) == 2


def test_cache_key_covers_model_prompt_response_and_rubrics():
    base = cache_key("m", "p", "r", ["a", "b"])
    assert base == cache_key("m", "p", "r", ("a", "b"))
    assert (
        len(
            {
                base,
                cache_key("m2", "p", "r", ["a", "b"]),
                cache_key("m", "p2", "r", ["a", "b"]),
                cache_key("m", "p", "r2", ["a", "b"]),
                cache_key("m", "p", "r", ["b", "a"]),
            }
        )
        == 5
    )


def test_batch_runs_within_the_concurrency_limit():
    with ScriptedJudge(latency=0.2) as judge:
        verifier = make(judge, judge_concurrency=4)
        completions = [f"apple number {i}" + (" and a pear" if i % 2 else "") for i in range(16)]
        started = time.monotonic()
        verdicts = verifier.verify_batch(completions, [GROUND_TRUTH] * 16)
        elapsed = time.monotonic() - started
    assert [v.score for v in verdicts] == [0.25, 0.5] * 8
    assert judge.max_in_flight == 4
    assert 0.8 <= elapsed < 2.5  # 16 calls of 0.2 s, 4 at a time
    stats = batch_stats(verdicts)
    assert (stats["n"], stats["calls"], stats["cache_hits"], stats["mean_score"]) == (16, 16, 0, 0.375)
    assert stats["prompt_tokens"] == verifier.stats()["prompt_tokens"] > 0


def test_a_large_concurrent_batch_through_mixed_faults_scores_every_response_exactly():
    """600 distinct responses, 16 calls at a time, with a 500, a malformed answer, a missing
    criterion or a 429 among every five requests: every verdict still matches the judge's rule."""
    faults = ["500", "malformed", "missing", "429:0"]
    with ScriptedJudge(script=[faults[i % 4] if i % 5 == 0 else "valid" for i in range(2000)]) as judge:
        verifier = make(judge, judge_concurrency=16, judge_max_retries=10)  # P(11 faults in a row) ~ 1e-7
        completions = [f"response {i}: " + " ".join(["apple", "pear", "red", "price"][: i % 5]) for i in range(600)]
        verdicts = verifier.verify_batch(completions, [GROUND_TRUTH] * 600)
    assert [v.score for v in verdicts] == [(i % 5) / 4 for i in range(600)]
    stats = batch_stats(verdicts)
    assert stats["judge_errors"] == stats["timeouts"] == 0
    assert stats["calls"] == len(judge.requests) == 600 + stats["retries"]
    assert stats["retries"] >= 100 and stats["rate_limited"] >= 25


def test_identical_completions_in_one_batch_share_one_judge_call():
    with ScriptedJudge(latency=0.2) as judge:
        verdicts = make(judge, judge_concurrency=8).verify_batch([THREE_OF_FOUR] * 8, [GROUND_TRUTH] * 8)
    assert len(judge.requests) == 1
    assert [v.score for v in verdicts] == [0.75] * 8
    assert batch_stats(verdicts)["cache_hits"] == 7 and batch_stats(verdicts)["calls"] == 1


@pytest.mark.parametrize(
    "ground_truth",
    [
        RUBRICS,
        json.dumps(RUBRICS),
        {
            "task_id": "t",
            "prompt": "Describe a fruit.",
            **{f"rubric - {i}. criterion": r for i, r in enumerate(RUBRICS, 1)},
            "rubric - 1. criterion_type": "metadata",
        },
    ],
)
def test_ground_truth_forms(judge, ground_truth):
    assert make(judge).verify(THREE_OF_FOUR, ground_truth).score == 0.75


@pytest.mark.parametrize("ground_truth", [[], {"prompt": "p"}, 7, "not json", {"rubrics": [1, 2]}, None])
def test_bad_ground_truth_scores_zero_without_calls(judge, ground_truth):
    assert make(judge).verify(THREE_OF_FOUR, ground_truth).reason == "bad_ground_truth"
    assert judge.requests == []


def test_empty_response_is_no_answer_without_a_call(judge):
    verdict = make(judge).verify("  \n", GROUND_TRUTH)
    assert (verdict.score, verdict.reason) == (0.0, "no_answer") and judge.requests == []
    assert make(judge).verify(None, GROUND_TRUTH).reason == "error"


def test_bad_options_are_reported(judge):
    with pytest.raises(ValueError):
        rlvr.get_verifier("rubric", judge_base_url="ftp://example")
    with pytest.raises(ValueError):
        rlvr.get_verifier("rubric", judge_concurrency=0)
    with pytest.raises(ValueError):
        rlvr.verify(THREE_OF_FOUR, RUBRICS, task="rubric", judge_max_retries=-1)


def test_two_argument_compute_reward_reads_the_judge_from_the_environment(judge, monkeypatch):
    monkeypatch.setenv("RLVR_JUDGE_BASE_URL", judge.url)
    monkeypatch.setenv("RLVR_JUDGE_MODEL", "env-judge")
    monkeypatch.setenv("RLVR_JUDGE_CONCURRENCY", "3")
    from rlvr.verifiers.rubric import compute_reward

    assert "rubric" in rlvr.available_tasks()
    assert compute_reward(THREE_OF_FOUR, json.dumps(GROUND_TRUTH)) == 0.75
    assert judge.requests[0]["model"] == "env-judge"
    assert rlvr.get_verifier("rubric").batch_concurrency == 3


ACTIONS = ["valid", "fenced", "malformed", "missing", "500", "429:0", "400", "hang:5"]


def expected_outcome(script: list[str], max_retries: int) -> tuple[str, int]:
    """(reason, calls) the retry policy promises for a script of server actions."""
    for calls, action in enumerate(script[: max_retries + 1], start=1):
        if action in ("valid", "fenced"):
            return "mismatch", calls
        if action == "400":
            return "judge_error", calls
    return "judge_error", min(len(script), max_retries + 1)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(script=st.lists(st.sampled_from(ACTIONS), min_size=1, max_size=6), max_retries=st.integers(0, 4))
def test_any_fault_sequence_gives_the_promised_verdict_and_never_raises(judge, script, max_retries):
    judge.reset(default="500")
    judge.push(*script)
    verifier = make(judge, judge_max_retries=max_retries, judge_timeout=0.5, cache_size=0)
    verdict = verifier.verify(THREE_OF_FOUR, GROUND_TRUTH)
    assert isinstance(verdict, Verdict)
    # A hang is a failed call like a 500: the request times out and the next one is made.
    padded = [a if not a.startswith("hang") else "500" for a in script] + ["500"] * 6
    reason, calls = expected_outcome(padded, max_retries)
    assert verdict.reason == reason and verdict.detail["calls"] == calls
    assert verdict.score == (0.75 if reason == "mismatch" else 0.0)
    assert len(judge.requests) == calls


def test_the_readme_example_runs_and_prints_its_verdicts():
    root = Path(__file__).resolve().parents[1]
    out = subprocess.run(
        [sys.executable, str(root / "examples" / "rubric_local_judge.py")],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)},
    )
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert [line.split()[0] for line in lines[:4]] == ["1.000", "0.667", "1.000", "1.000"]
    assert "calls=2" in lines[0] and "cache_hit=True" in lines[3]
    stats = json.loads(lines[4])
    assert (stats["calls"], stats["retries"], stats["rate_limited"], stats["cache_hits"]) == (4, 1, 1, 1)
