"""The rollout/trainer agreement metric: near 0 with HF rollouts, and it (and diagnose's advice)
fires on the two bugs the seed experiments paid for: rollout logprobs at the wrong temperature,
and a completion cut short before the trainer sees it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import pytest

import rlvr.grpo
from rlvr.generation import Completion, Engine, Request, Sampler
from rlvr.grpo.diagnose import ROLLOUT_DIFF_LIMIT
from rlvr.testing.tiny_model import TinyModelConfig, build_tiny_model

POOL = [
    {"prompt": f"Question: what is {a} + {b}? Answer:", "ground_truth": f"#### {a + b}"}
    for a, b in [(1, 2), (3, 4), (5, 6), (7, 8)]
]


def byte_parity(completion: str, ground_truth: str) -> float:
    return float(sum(completion.encode()) % 2)


class Planted(Engine):
    """The session's own engine with one seed bug planted in what it returns."""

    def __init__(self, inner: Engine, temperature: float | None = None, cut: bool = False) -> None:
        self.inner, self.temperature, self.cut = inner, temperature, cut

    def generate(self, requests: Sequence[Request], sampler: Sampler) -> list[Completion]:
        if self.temperature is not None:  # rollouts sampled and scored at another temperature
            sampler = replace(sampler, temperature=self.temperature)
        completions = self.inner.generate(requests, sampler)
        if self.cut:  # the trainer gets half of each completion (a trim by pad id)
            completions = [replace(c, token_ids=c.token_ids[: max(1, len(c.token_ids) // 2)]) for c in completions]
        return completions


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory) -> str:
    return str(build_tiny_model(tmp_path_factory.mktemp("tiny"), config=TinyModelConfig(split_digits=True)))


def steps_until_trained(session, count: int = 2) -> list[dict]:
    """Steps until `count` of them trained (a step whose groups are all equal trains nothing)."""
    trained = []
    for _ in range(4 * count):
        metrics = session.train_grpo_step(POOL)
        if metrics["rollout_logprob_diff_mean"] is not None:
            trained.append(metrics)
        if len(trained) == count:
            return trained
    raise AssertionError("no step trained")


def session_for(tiny_model, tmp_path, **settings):
    return rlvr.grpo.init_grpo(
        base_model=tiny_model,
        reward=byte_parity,
        group_size=4,
        max_tokens=12,
        learning_rate=1e-3,
        temperature=0.5,
        rollout_backend="hf",
        device="cpu",
        output_dir=str(tmp_path / "run"),
        **settings,
    )


def test_hf_rollouts_agree_with_the_trainer(tiny_model, tmp_path):
    session = session_for(tiny_model, tmp_path)
    for metrics in steps_until_trained(session):
        assert metrics["rollout_logprob_diff_mean"] < 1e-4 and metrics["rollout_logprob_diff_max"] < 1e-3
    assert "rollout_mismatch" not in {a.kind for a in rlvr.grpo.diagnose(session.trace)}
    assert {"rollout_logprob_diff_mean", "rollout_logprob_diff_max"} <= set(session.trace[-1])


@pytest.mark.parametrize("bug", [{"temperature": 1.0}, {"cut": True}], ids=["wrong-temperature", "cut-completion"])
def test_a_planted_seed_bug_shows_in_the_metric_and_the_advice(tiny_model, tmp_path, bug):
    session = session_for(tiny_model, tmp_path)
    session.rollouts = Planted(session.rollouts, **bug)
    metrics = steps_until_trained(session, count=1)[0]
    assert metrics["rollout_logprob_diff_mean"] > ROLLOUT_DIFF_LIMIT
    advice = {a.kind: a for a in rlvr.grpo.diagnose(session.trace)}
    assert "rollout_mismatch" in advice and "temperature" in advice["rollout_mismatch"].action
