"""The public contract every task shares: the API surface, the never-crash boundary, batches."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys

import pytest

import rlvr
from rlvr.verdict import Verdict
from rlvr.verifiers.base import BadGroundTruth, VerificationTimeout, Verifier, VerifierOptions


def test_public_api_surface():
    assert callable(rlvr.compute_reward) and callable(rlvr.verify) and callable(rlvr.get_verifier)
    assert "gsm8k" in rlvr.available_tasks()
    assert rlvr.available_tasks() == sorted(rlvr.available_tasks())


def test_issue_example_prints_one():
    assert rlvr.compute_reward("So she has 18 eggs. The answer is 18.", "#### 18", task="gsm8k") == 1.0


def test_verdict_is_frozen_and_validated():
    verdict = Verdict(score=1, correct=True, extracted="3")
    assert verdict.score == 1.0 and isinstance(verdict.score, float)
    with pytest.raises(dataclasses.FrozenInstanceError):
        verdict.score = 0.5  # type: ignore[misc]
    for bad in (-0.1, 1.5, float("nan")):
        with pytest.raises(ValueError):
            Verdict(score=bad, correct=False)
    assert json.loads(json.dumps(verdict.to_dict()))["extracted"] == "3"


class _RaisingHash:
    def __hash__(self) -> int:
        raise RuntimeError("no hash")


class _RaisingHashStr(str):
    def __hash__(self) -> int:
        raise RuntimeError("no hash")


@pytest.mark.parametrize(
    "options",
    [
        {"task": "no-such-task"},
        {"task": []},
        {"task": None},
        {"task": "gsm8k", "mode": "nope"},
        {"task": "gsm8k", "mdoe": "strict"},
        {"task": "gsm8k", "timeout": -1},
        {"task": "gsm8k", "timeout": "1"},
        {"task": "gsm8k", "mode": _RaisingHash()},
        {"task": "gsm8k", "stop": [_RaisingHash()]},
    ],
)
def test_configuration_errors_raise_value_error_at_every_entry_point(options):
    with pytest.raises(ValueError):
        rlvr.verify("x", "1", **options)
    with pytest.raises(ValueError):
        rlvr.compute_reward("x", "1", **options)
    with pytest.raises(ValueError):
        rlvr.get_verifier(**options)


def test_a_str_subclass_names_its_task():
    assert rlvr.compute_reward("The answer is 1.", "1", task=_RaisingHashStr("gsm8k")) == 1.0


def test_module_level_factories_check_the_task_name():
    from rlvr.verifiers.reward import reward_function

    with pytest.raises(ValueError, match="unknown task"):
        reward_function("gsm8kk")


def test_get_verifier_raises_clear_errors_for_configuration():
    with pytest.raises(ValueError, match="unknown task"):
        rlvr.get_verifier("no-such-task")
    with pytest.raises(ValueError, match="valid options"):
        rlvr.get_verifier("gsm8k", modee="strict")


@pytest.mark.parametrize("completion", [None, 5, b"bytes", ["list"]])
def test_non_string_completion_is_an_error_verdict(completion):
    verdict = rlvr.verify(completion, "#### 5", task="gsm8k")  # type: ignore[arg-type]
    assert verdict.score == 0.0 and verdict.reason == "error"


class _Exploding(Verifier):
    """A verifier whose check fails in every way the boundary must absorb."""

    task = "exploding"

    def check(self, completion, ground_truth, deadline):
        if completion == "timeout":
            raise VerificationTimeout("too slow")
        if completion == "gt":
            raise BadGroundTruth("bad")
        if completion == "exit":
            raise SystemExit(3)
        if completion == "recursion":
            return self.check(completion, ground_truth, deadline)
        if completion == "not-a-verdict":
            return 1.0
        raise ZeroDivisionError("boom")


@pytest.mark.parametrize(
    "completion, reason",
    [
        ("timeout", "timeout"),
        ("gt", "bad_ground_truth"),
        ("exit", "error"),
        ("recursion", "error"),
        ("not-a-verdict", "error"),
        ("other", "error"),
    ],
)
def test_boundary_turns_every_failure_into_a_zero_verdict(completion, reason):
    verdict = _Exploding().verify(completion, None)
    assert verdict == Verdict.failure(reason, verdict.message)
    assert verdict.score == 0.0 and not verdict.correct


def test_options_are_frozen_and_timeout_validated():
    verifier = rlvr.get_verifier("gsm8k", timeout=2.5)
    assert verifier.options.timeout == 2.5
    with pytest.raises(dataclasses.FrozenInstanceError):
        verifier.options.timeout = 1  # type: ignore[misc]
    with pytest.raises(ValueError):
        VerifierOptions(timeout=0)


def test_verify_batch_keeps_order_and_refuses_length_mismatch():
    verifier = rlvr.get_verifier("gsm8k")
    completions = [f"The answer is {n}." for n in range(50)]
    golds = [str(n if n % 3 else n + 1) for n in range(50)]
    verdicts = verifier.verify_batch(completions, golds)
    assert [v.correct for v in verdicts] == [bool(n % 3) for n in range(50)]
    with pytest.raises(ValueError, match="50 completions but 49"):
        verifier.verify_batch(completions, golds[:-1])


def test_threaded_batch_matches_serial():
    class Threaded(type(rlvr.get_verifier("gsm8k"))):
        batch_concurrency = 4

    completions = [f"Step {n}. The answer is {n * 7}." for n in range(200)]
    golds = [f"#### {n * 7 if n % 2 else n}" for n in range(200)]
    assert Threaded().verify_batch(completions, golds) == rlvr.get_verifier("gsm8k").verify_batch(completions, golds)


def test_json_string_ground_truth_is_decoded():
    from rlvr.verifiers.base import structured_ground_truth

    assert structured_ground_truth('{"a": [1, 2]}') == {"a": [1, 2]}
    assert structured_ground_truth({"a": 1}) == {"a": 1}
    with pytest.raises(BadGroundTruth):
        structured_ground_truth("{not json")


def test_same_verdict_in_another_process():
    completions = ["The answer is 1,080.", "\\boxed{3/4}", "no number here", "#### -5"]
    here = [rlvr.verify(c, "0.75", task="gsm8k").to_dict() for c in completions]
    code = (
        "import json, sys, rlvr\n"
        "cs = json.loads(sys.argv[1])\n"
        "print(json.dumps([rlvr.verify(c, '0.75', task='gsm8k').to_dict() for c in cs]))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, json.dumps(completions)], capture_output=True, text=True, check=True
    )
    assert json.loads(out.stdout) == here
