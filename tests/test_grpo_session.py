"""The step-wise API end to end on a tiny random-weight Llama built offline: the session
directory and trace keys, learning rate 0, warmup across calls and after load, per-request
seeds, partial batches, data validation, SFT, the reward preflight and the YAML entry point."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch
import yaml
from shared_data import data_file

import rlvr.grpo
from rlvr.generation import Request, Sampler
from rlvr.generation.hf import HFEngine
from rlvr.generation.sampling import sample_step
from rlvr.testing.tiny_model import TinyModelConfig, build_tiny_model

TRACE_KEYS = {
    "step",
    "reward_mean",
    "no_signal_rate",
    "no_signal_all0",
    "no_signal_all1",
    "kl_mean",
    "kl_max",
    "clip_frac",
    "grad_norm",
    "entropy",
    "lr",
    "completion_len_mean",
    "truncation_rate",
    "tokens_per_s",
    "step_time_s",
}
POOL = [
    {"prompt": f"Question: what is {a} + {b}? Answer:", "ground_truth": f"#### {a + b}"}
    for a, b in [(1, 2), (3, 4), (5, 6), (7, 8), (9, 9)]
]


def byte_parity(completion: str, ground_truth: str) -> float:
    """A deterministic reward that varies between the random model's samples."""
    return float(sum(completion.encode()) % 2)


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory) -> str:
    return str(build_tiny_model(tmp_path_factory.mktemp("tiny"), config=TinyModelConfig(split_digits=True)))


def grpo(tiny_model: str, tmp_path: Path, **settings):
    options = {
        "reward": byte_parity,
        "group_size": 4,
        "max_tokens": 8,
        "learning_rate": 1e-3,
        "output_dir": str(tmp_path / "run"),
    }
    return rlvr.grpo.init_grpo(base_model=tiny_model, **{**options, **settings})


def test_grpo_step_writes_the_session_directory(tiny_model, tmp_path):
    session = grpo(tiny_model, tmp_path, beta=0.1)
    metrics = session.train_grpo_step(POOL, subset_size=3)
    assert TRACE_KEYS <= set(metrics)
    assert metrics["samples"] == 12 and metrics["groups"] == 3 and metrics["trained_samples"] > 0
    assert 0 <= metrics["truncation_rate"] <= 1 and metrics["kl_mean"] == pytest.approx(0.0, abs=1e-6)
    assert metrics["clip_frac"] == 0.0  # first iteration: ratio exactly 1
    run = session.finish()
    for name in (
        "trace.jsonl",
        "training_debug.log",
        "sampling_debug.log",
        "reward_debug.log",
        "config.yaml",
        "reward_source.py",
    ):
        assert (run / name).stat().st_size > 0, name
    assert "def byte_parity" in (run / "reward_source.py").read_text()
    assert TRACE_KEYS <= set(json.loads((run / "trace.jsonl").read_text().splitlines()[0]))
    assert yaml.safe_load((run / "config.yaml").read_text())["adam_eps"] == 1e-5
    with pytest.raises(RuntimeError, match="finished"):
        session.train_grpo_step(POOL)


def test_learning_rate_zero_leaves_weights_unchanged_and_kl_zero(tiny_model, tmp_path):
    session = grpo(tiny_model, tmp_path, learning_rate=0.0, beta=0.5, advantage="dr_grpo")
    before = {k: v.clone() for k, v in session.model.state_dict().items()}
    for _ in range(2):
        metrics = session.train_grpo_step(POOL, num_iterations=2)
        assert metrics["trained_samples"] > 0 and metrics["grad_norm"] > 0
        assert metrics["kl_mean"] == 0.0 and metrics["kl_max"] == 0.0
    assert all(torch.equal(before[k], v) for k, v in session.model.state_dict().items())


def test_training_changes_weights_and_beta_zero_has_no_reference(tiny_model, tmp_path):
    session = grpo(tiny_model, tmp_path)
    assert session.reference is None
    before = [p.detach().clone() for p in session.model.parameters()]
    metrics = session.train_grpo_step(POOL)
    assert metrics["kl_mean"] is None and metrics["trained_samples"] > 0
    assert any(not torch.equal(a, b) for a, b in zip(before, session.model.parameters()))


def test_warmup_happens_once_across_calls_and_not_again_after_load(tiny_model, tmp_path):
    session = grpo(tiny_model, tmp_path, warmup_steps=3, learning_rate=1e-3)
    rates = [session.train_grpo_step(POOL)["lr"] for _ in range(5)]
    assert rates == pytest.approx([1e-3 / 3, 2e-3 / 3, 1e-3, 1e-3, 1e-3])
    checkpoint = session.save("five")
    session.finish()
    resumed = rlvr.grpo.load(checkpoint, reward=byte_parity)
    assert resumed.optimizer_steps == 5 and resumed.step == 5
    assert resumed.train_grpo_step(POOL)["lr"] == pytest.approx(1e-3)
    assert [r["step"] for r in resumed.trace] == [0, 1, 2, 3, 4, 5]
    with pytest.raises(ValueError, match="reward callable"):
        rlvr.grpo.load(checkpoint)


def test_partial_batches_at_the_end_of_the_pool_are_trained_on(tiny_model, tmp_path):
    session = grpo(tiny_model, tmp_path)
    sizes = [session.train_grpo_step(POOL, subset_size=2)["samples"] // 4 for _ in range(4)]
    assert sizes == [2, 2, 1, 2]
    prompts = [json.loads(line) for line in (session.run.path / "sampling_debug.log").read_text().splitlines()]
    first_pass = {p["prompt_id"] for p in prompts if p["step"] < 3}
    assert first_pass == {"0", "1", "2", "3", "4"}


def test_per_request_seeds_differ_and_reproduce_regardless_of_batch(tiny_model, tmp_path):
    session = grpo(tiny_model, tmp_path, group_size=6)
    session.train_grpo_step(POOL[:2])
    logged = [json.loads(line) for line in (session.run.path / "sampling_debug.log").read_text().splitlines()]
    assert len({r["seed"] for r in logged}) == 12
    rollouts = HFEngine(session.model, session.tokenizer)
    sampler = Sampler(temperature=1.0, max_tokens=8)
    ids = [session.tokenizer(p["prompt"]).input_ids for p in POOL[:3]]
    together = rollouts.generate(
        [Request(str(i), 0, p, seed) for i, (p, seed) in enumerate(zip(ids, [11, 22, 33]))], sampler
    )
    alone = rollouts.generate([Request("2", 0, ids[2], 33)], sampler)
    assert together[2].token_ids == alone[0].token_ids
    assert len({c.token_ids for c in rollouts.generate([Request("0", j, ids[0], j) for j in range(8)], sampler)}) > 1


def test_per_request_sampler_draws_from_softmax_at_temperature():
    logits = torch.tensor([[1.0, 0.0, -1.0, 0.5]]).repeat(4000, 1)
    tokens, _ = sample_step(logits, Sampler(temperature=0.7), torch.arange(4000), position=0)
    counts = torch.bincount(tokens, minlength=4).float() / 4000
    assert counts.tolist() == pytest.approx(torch.softmax(logits[0] / 0.7, dim=0).tolist(), abs=0.03)


def test_data_validation_names_the_bad_record(tiny_model, tmp_path):
    session = grpo(tiny_model, tmp_path)
    with pytest.raises(ValueError, match="record 2 has no 'ground_truth'"):
        session.train_grpo_step([POOL[0], {"prompt": "x"}])
    with pytest.raises(ValueError, match="record 1 has 'prompt' that is not a non-empty string"):
        session.train_grpo_step([{"prompt": 3, "ground_truth": "1"}])
    with pytest.raises(ValueError, match="non-empty list"):
        session.train_grpo_step([])
    with pytest.raises(ValueError, match="record 3 has no 'response'"):
        session.train_sft_step([{"prompt": "a", "response": "b"}] * 2 + [{"prompt": "a"}])
    with pytest.raises(ValueError, match="subset_size"):
        session.train_grpo_step(POOL, subset_size=0)


def test_sft_lowers_the_loss_and_has_no_reward(tiny_model, tmp_path):
    session = rlvr.grpo.init_sft(tiny_model, learning_rate=3e-3, batch_size=4, output_dir=str(tmp_path / "sft"))
    data = [{"prompt": p["prompt"], "response": f" {p['ground_truth']}"} for p in POOL]
    losses = [session.train_sft_step(data, num_epochs=3)["loss"] for _ in range(4)]
    assert losses[-1] < losses[0] * 0.8
    with pytest.raises(ValueError, match="no reward"):
        session.train_grpo_step(POOL)
    assert len(session.sample(["Question: what is 1 + 2? Answer:"], n=3)[0]) == 3


def test_reward_errors_are_counted_not_raised(tiny_model, tmp_path):
    def broken(completion, ground_truth):
        raise KeyError("oops")

    session = grpo(tiny_model, tmp_path, reward=broken)
    metrics = session.train_grpo_step(POOL[:2])
    assert metrics["reward_error_rate"] == 1.0 and metrics["no_signal_failed"] == 2 and metrics["trained_samples"] == 0
    assert metrics["no_signal_all0"] == 0, "failed zeros are not a group of judged zeros"
    assert [a.kind for a in rlvr.grpo.diagnose(metrics)][0] == "reward_errors"
    assert "KeyError: 'oops'" in (session.run.path / "reward_debug.log").read_text()


def test_failed_samples_get_no_advantage_and_leave_the_group_baseline(tiny_model, tmp_path):
    def sometimes_fails(completion, ground_truth):
        if sum(completion.encode()) % 3 == 0:
            raise RuntimeError("judge down")
        return byte_parity(completion, ground_truth)

    session = grpo(tiny_model, tmp_path, reward=sometimes_fails, group_size=8)
    metrics = session.train_grpo_step(POOL)
    log = [json.loads(line) for line in (session.run.path / "reward_debug.log").read_text().splitlines()]
    failed = [r for r in log if r["failed"]]
    assert failed and metrics["reward_failures"] == {"error": len(failed)}
    assert all(r["advantage"] == 0.0 and r["score"] == 0.0 for r in failed)
    trained = 0
    for prompt_id in {r["prompt_id"] for r in log}:
        judged = [r for r in log if r["prompt_id"] == prompt_id and not r["failed"]]
        scores = torch.tensor([r["score"] for r in judged])
        if len(judged) < 2 or scores.max() == scores.min():
            assert all(r["advantage"] == 0.0 for r in judged)
            continue
        trained += len(judged)
        expected = (scores - scores.mean()) / (scores.std() + 1e-4)  # the judged samples' own baseline
        assert torch.allclose(torch.tensor([r["advantage"] for r in judged]), expected, atol=1e-4)
    assert metrics["trained_samples"] == trained


def test_preflight_reward_on_real_gsm8k_answers():
    rows = [json.loads(line) for line in data_file("gsm8k/test.jsonl").read_text().splitlines()[:40]]
    examples = [{"completion": r["answer"], "ground_truth": r["answer"]} for r in rows[:20]]
    examples += [
        {"completion": r["answer"], "ground_truth": rows[(i + 1) % 20]["answer"]} for i, r in enumerate(rows[:20])
    ]
    report = rlvr.grpo.preflight_reward("gsm8k", examples, samples=40)
    assert report.ok, report.problems
    assert report.samples == 40 and 0.4 <= report.mean <= 0.6 and set(report.histogram) == {0.0, 1.0}
    assert set(report.reasons) <= {"ok", "mismatch"}
    assert any("constant" in p for p in rlvr.grpo.preflight_reward(lambda c, g: 0.5, examples).problems)
    raising = rlvr.grpo.preflight_reward(lambda c, g: 1 / 0, examples)
    assert any("ZeroDivisionError" in p for p in raising.problems)
    flaky = iter(range(10**6))
    assert any(
        "not deterministic" in p
        for p in rlvr.grpo.preflight_reward(lambda c, g: (next(flaky) % 3) / 2, examples).problems
    )


def test_yaml_entry_point_runs_a_loop(tiny_model, tmp_path):
    data = tmp_path / "pool.jsonl"
    data.write_text("\n".join(json.dumps(r) for r in POOL))
    config = tmp_path / "run.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "session": {
                    "base_model": tiny_model,
                    "reward": "gsm8k",
                    "group_size": 2,
                    "max_tokens": 6,
                    "output_dir": str(tmp_path / "cli"),
                },
                "data": str(data),
                "steps": 2,
                "subset_size": 2,
                "save_every": 2,
            }
        )
    )
    done = subprocess.run(
        [sys.executable, "-m", "rlvr.grpo", "--config", str(config)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=Path(__file__).resolve().parents[1],
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert len((tmp_path / "cli" / "trace.jsonl").read_text().splitlines()) == 2
    assert (tmp_path / "cli" / "checkpoints" / "step2" / "session.json").exists()
