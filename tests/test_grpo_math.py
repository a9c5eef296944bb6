"""The loop's tensor math against hand-computed values: advantages, no-signal accounting,
masks from lengths, temperature logprobs, k3 KL, clipping, normalisers, schedules, diagnose."""

from __future__ import annotations

import math

import pytest
import torch

from rlvr.grpo.advantages import GRPO_STD_EPS, group_advantages
from rlvr.grpo.config import SessionConfig
from rlvr.grpo.diagnose import diagnose
from rlvr.grpo.loss import clipped_surrogate, completion_target_mask, k3_kl, normalised_sum, token_logprobs
from rlvr.grpo.optim import learning_rate_at
from rlvr.seeding import request_seed


def test_grpo_advantages_by_hand():
    out = group_advantages(torch.tensor([[1.0, 0.0, 0.0, 1.0]]), "grpo")
    std = math.sqrt(((0.5**2) * 4) / 3)  # sample std of [1, 0, 0, 1]
    expected = [0.5 / (std + GRPO_STD_EPS), -0.5 / (std + GRPO_STD_EPS)] * 2
    assert out.advantages[0].tolist() == pytest.approx([expected[0], expected[1], expected[1], expected[0]], rel=1e-6)


def test_dr_grpo_advantages_are_centred_rewards_without_std():
    out = group_advantages(torch.tensor([[1.0, 0.0, 0.0, 0.0], [0.5, 1.0, 0.0, 0.5]]), "dr_grpo")
    assert out.advantages.flatten().tolist() == pytest.approx([0.75, -0.25, -0.25, -0.25, 0.0, 0.5, -0.5, 0.0])


def test_no_signal_groups_counted_split_and_zeroed():
    rewards = torch.tensor([[0.0, 0.0, 0.0], [1.0, 1.0, 1.0], [0.1, 0.1, 0.1], [0.0, 1.0, 0.0], [1.0, 1.0, 1.0]])
    out = group_advantages(rewards, "grpo")
    assert (out.no_signal_all0, out.no_signal_all1, out.no_signal_other) == (1, 2, 1)
    assert out.no_signal_rate == pytest.approx(4 / 5)
    assert out.signal.tolist() == [False, False, False, True, False]
    assert out.advantages[[0, 1, 2, 4]].abs().sum() == 0
    assert out.advantages[3].abs().sum() > 0


def test_mask_comes_from_lengths_even_where_tokens_equal_pad_id():
    # prompt of 2, completion of 3 whose tokens are all 0 (a real token in some vocabularies)
    mask = completion_target_mask(torch.tensor([2, 3]), torch.tensor([3, 1]), width=6)
    assert mask.int().tolist() == [[0, 1, 1, 1, 0], [0, 0, 1, 0, 0]]


def test_token_logprobs_use_the_sampling_temperature():
    logits = torch.tensor([[[2.0, 0.0, -1.0], [0.0, 0.0, 0.0]]])
    ids = torch.tensor([[0, 1]])
    at_half = token_logprobs(logits, ids, temperature=0.5)
    expected = 0.0 - math.log(math.exp(4.0) + math.exp(0.0) + math.exp(-2.0))
    assert at_half.item() == pytest.approx(expected, rel=1e-6)
    assert token_logprobs(logits, ids, 1.0).item() == pytest.approx(
        0.0 - math.log(math.exp(2) + 1 + math.exp(-1)), rel=1e-6
    )


def test_k3_kl_by_hand():
    logp, ref = torch.tensor([math.log(0.5), math.log(0.2)]), torch.tensor([math.log(0.25), math.log(0.2)])
    assert k3_kl(logp, ref).tolist() == pytest.approx([0.5 - math.log(0.5) - 1.0, 0.0], abs=1e-7)
    assert (k3_kl(torch.randn(100), torch.randn(100)) >= 0).all()


def test_clipped_surrogate_by_hand():
    old = torch.zeros(1, 4)
    logp = torch.log(torch.tensor([[1.5, 0.5, 1.1, 0.7]]))
    loss, clipped = clipped_surrogate(logp, old, torch.tensor([2.0]), clip_low=0.2, clip_high=0.2)
    # A > 0: min(r * A, clip(r) * A) = [1.2, 0.5, 1.1, 0.7] * 2
    assert (-loss).tolist()[0] == pytest.approx([2.4, 1.0, 2.2, 1.4], rel=1e-6)
    assert clipped.tolist() == [[True, False, False, False]]
    loss, clipped = clipped_surrogate(logp, old, torch.tensor([-1.0]), clip_low=0.2, clip_high=0.28)
    # A < 0: min(-r, -clip(r)) = -max(r, clip(r)) = [-1.5, -0.8, -1.1, -0.8]
    assert (-loss).tolist()[0] == pytest.approx([-1.5, -0.8, -1.1, -0.8], rel=1e-6)
    assert clipped.tolist() == [[False, True, False, True]]


def test_normalisers_grpo_per_sequence_mean_and_dr_grpo_constant():
    token_loss = torch.tensor([[1.0, 2.0, 3.0, 9.0], [4.0, 9.0, 9.0, 9.0]])
    mask = torch.tensor([[1.0, 1.0, 1.0, 0.0], [1.0, 0.0, 0.0, 0.0]])
    assert normalised_sum(token_loss, mask, "grpo", 8).tolist() == [2.0, 4.0]
    assert normalised_sum(token_loss, mask, "dr_grpo", 8).tolist() == [6 / 8, 4 / 8]


def test_schedules_and_warmup():
    config = SessionConfig(
        base_model="m", learning_rate=1.0, warmup_steps=4, scheduler="cosine", scheduler_total_steps=14
    )
    rates = [learning_rate_at(s, config) for s in range(16)]
    assert rates[:4] == [0.25, 0.5, 0.75, 1.0]
    assert (
        rates[4] == 1.0
        and rates[9] == pytest.approx(0.5)
        and rates[14] == pytest.approx(0.0)
        and rates[15] == pytest.approx(0.0)
    )
    linear = SessionConfig(base_model="m", learning_rate=2.0, scheduler="linear", scheduler_total_steps=4)
    assert [learning_rate_at(s, linear) for s in range(5)] == [2.0, 1.5, 1.0, 0.5, 0.0]
    assert all(learning_rate_at(s, SessionConfig(base_model="m", learning_rate=0.3)) == 0.3 for s in range(50))


@pytest.mark.parametrize("scheduler", ["cosine", "linear"])
def test_decaying_scheduler_without_total_steps_is_refused(scheduler):
    with pytest.raises(ValueError, match="scheduler_total_steps"):
        SessionConfig(base_model="m", scheduler=scheduler)


def test_config_defaults_and_validation():
    config = SessionConfig(base_model="m")
    assert config.adam_eps == 1e-5 and config.scheduler == "constant" and config.beta == 0.0
    for bad in ({"advantage": "ppo"}, {"group_size": 0}, {"temperature": -1}, {"rollout_backend": "sglang"}):
        with pytest.raises(ValueError):
            SessionConfig(base_model="m", **bad)
    with pytest.raises(ValueError, match="unknown session setting"):
        SessionConfig.from_dict({"base_model": "m", "learning_rte": 1e-6})


def test_request_seeds_differ_across_samples_prompts_and_steps():
    seeds = {request_seed(0, f"step{s}/{p}", j) for s in range(3) for p in range(10) for j in range(8)}
    assert len(seeds) == 3 * 10 * 8


def _step(**values):
    base = {
        "kind": "grpo",
        "reward_mean": 0.5,
        "no_signal_rate": 0.2,
        "no_signal_all0": 1,
        "no_signal_all1": 1,
        "groups": 10,
        "kl_mean": 0.01,
        "kl_max": 0.5,
        "reward_error_rate": 0.0,
        "truncation_rate": 0.0,
    }
    return {**base, **values}


def test_diagnose_on_synthetic_histories():
    assert [a.kind for a in diagnose([_step() for _ in range(8)])] == ["healthy"]
    hard = diagnose([_step(no_signal_all0=9, no_signal_all1=0, truncation_rate=0.4) for _ in range(6)])
    assert [a.kind for a in hard] == ["mostly_all0"] and "max_tokens" in hard[0].action
    assert [a.kind for a in diagnose([_step(no_signal_all0=0, no_signal_all1=8) for _ in range(6)])] == ["mostly_all1"]
    spiky = [_step() for _ in range(10)] + [_step(kl_mean=0.4)]
    assert "kl_spike" in [a.kind for a in diagnose(spiky)]
    assert "kl_spike" in [a.kind for a in diagnose([_step(kl_max=50.0)])]
    wobbly = [_step(reward_mean=r) for r in (0.2, 0.7, 0.1, 0.8, 0.2, 0.75)]
    assert "oscillating_reward" in [a.kind for a in diagnose(wobbly)]
    broken = diagnose([_step(reward_error_rate=0.3, no_signal_all0=10, no_signal_all1=0)])
    assert [a.kind for a in broken] == ["reward_errors", "mostly_all0"]
    assert [a.kind for a in diagnose([{"kind": "sft", "loss": 1.0}])] == ["healthy"]
