"""LoRA sessions (lora_rank, with peft): only the adapters train, the reference is the base model
with the adapters switched off, and a saved LoRA session loads back as the same policy."""

from __future__ import annotations

import pytest
import torch

import rlvr.grpo
from rlvr.testing.tiny_model import TinyModelConfig, build_tiny_model

pytest.importorskip("peft", reason="the grpo extra installs peft")

POOL = [
    {"prompt": f"Question: what is {a} + {b}? Answer:", "ground_truth": f"#### {a + b}"}
    for a, b in [(1, 2), (3, 4), (5, 6), (7, 8)]
]


def byte_parity(completion: str, ground_truth: str) -> float:
    return float(sum(completion.encode()) % 2)


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory) -> str:
    return str(build_tiny_model(tmp_path_factory.mktemp("tiny"), config=TinyModelConfig(split_digits=True)))


def lora_session(tiny_model: str, tmp_path, **settings):
    options = {
        "reward": byte_parity,
        "group_size": 4,
        "max_tokens": 8,
        "learning_rate": 1e-2,
        "lora_rank": 4,
        "beta": 0.1,
        "output_dir": str(tmp_path / "run"),
    }
    return rlvr.grpo.init_grpo(base_model=tiny_model, **{**options, **settings})


def weights(session, adapter: bool) -> dict[str, torch.Tensor]:
    return {k: v.detach().clone() for k, v in session.model.named_parameters() if ("lora_" in k) == adapter}


def test_lora_trains_only_the_adapters_against_the_adapter_free_reference(tiny_model, tmp_path):
    session = lora_session(tiny_model, tmp_path)
    trainable = [k for k, v in session.model.named_parameters() if v.requires_grad]
    assert trainable and all("lora_" in k for k in trainable)
    base, adapters = weights(session, adapter=False), weights(session, adapter=True)
    first = session.train_grpo_step(POOL)
    # LoRA's B matrices start at zero, so before the first update the policy is the reference.
    assert first["trained_samples"] > 0 and first["kl_mean"] == pytest.approx(0.0, abs=1e-6)
    second = session.train_grpo_step(POOL)
    assert second["kl_mean"] > 0
    assert all(torch.equal(v, weights(session, adapter=False)[k]) for k, v in base.items())
    assert any(not torch.equal(v, weights(session, adapter=True)[k]) for k, v in adapters.items())
    session.finish()


def test_saved_lora_session_loads_back_as_the_same_policy(tiny_model, tmp_path):
    session = lora_session(tiny_model, tmp_path)
    session.train_grpo_step(POOL)
    session.train_grpo_step(POOL)
    path = session.save("lora")
    adapters = weights(session, adapter=True)
    prompts = [r["prompt"] for r in POOL]
    greedy = session.sample(prompts, temperature=0)
    session.finish()

    loaded = rlvr.grpo.load(path, reward=byte_parity)
    assert loaded.step == 2
    restored = weights(loaded, adapter=True)
    assert restored.keys() == adapters.keys()
    assert all(torch.equal(v, restored[k]) for k, v in adapters.items())
    assert loaded.sample(prompts, temperature=0) == greedy
    assert loaded.train_grpo_step(POOL)["step"] == 2
    loaded.finish()


def test_lora_with_vllm_rollouts_is_refused(tiny_model, tmp_path):
    with pytest.raises(ValueError, match="LoRA"):
        lora_session(tiny_model, tmp_path, rollout_backend="vllm")
