"""rlvr.integrations.verl loaded and called by verl itself (needs the `verl` extra).

verl pins transformers<5.11, so it lives in its own environment (scripts/setup_verl.sh makes
.venv-verl); these tests are marked slow and skipped where verl is not installed. They cover
verl's loader for `custom_reward_function` (file path and pkg:// path, with reward_kwargs as
OmegaConf), its per-sample NaiveRewardManager and its BatchRewardManager on DataProto batches
tokenized with a real tokenizer, its validation-metric code on our extra fields, and a
differential check against verl's own gsm8k scorer on real GSM8K rows.
"""

from __future__ import annotations

import json
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from shared_data import data_file
from transformers import AutoTokenizer

import rlvr
import rlvr.integrations.verl as rlvr_verl
from rlvr.testing.tiny_model import build_tiny_model

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def verl_api():
    """verl's pieces, imported only when a test here runs (CI deselects them and has no verl)."""
    pytest.importorskip("verl", reason="needs the verl extra in its own venv: bash scripts/setup_verl.sh")
    from omegaconf import OmegaConf
    from verl import DataProto
    from verl.experimental.reward_loop.reward_manager.naive import NaiveRewardManager
    from verl.trainer.ppo.metric_utils import process_validation_metrics
    from verl.trainer.ppo.reward import get_custom_reward_fn
    from verl.utils.reward_score import default_compute_score
    from verl.workers.reward_manager.batch import BatchRewardManager

    return SimpleNamespace(
        OmegaConf=OmegaConf,
        DataProto=DataProto,
        NaiveRewardManager=NaiveRewardManager,
        process_validation_metrics=process_validation_metrics,
        get_custom_reward_fn=get_custom_reward_fn,
        default_compute_score=default_compute_score,
        BatchRewardManager=BatchRewardManager,
    )


def gsm8k_samples(n: int = 45):
    """Real GSM8K rows in verl's gsm8k preprocessing format (ground truth: the bare number),
    with a right, a wrong and an unanswered solution in turn."""
    with open(data_file("gsm8k/test.jsonl"), encoding="utf-8") as handle:
        rows = [json.loads(line) for _, line in zip(range(n), handle)]
    samples = []
    for i, row in enumerate(rows):
        gold = row["answer"].rpartition("####")[2].strip().replace(",", "")
        solution = [
            f"{row['answer'].rpartition('####')[0].strip()}\n#### {gold}",
            f"#### {int(gold) + 3}",
            "I do not know.",
        ][i % 3]
        samples.append({"question": row["question"], "solution": solution, "ground_truth": gold})
    return samples


def reward_config(verl_api, path: str, name: str, **reward_kwargs):
    return verl_api.OmegaConf.create(
        {"reward": {"custom_reward_function": {"path": path, "name": name, "reward_kwargs": reward_kwargs}}}
    )


@pytest.fixture(scope="module")
def tokenizer(tmp_path_factory):
    directory = build_tiny_model(tmp_path_factory.mktemp("tiny-verl"))
    return AutoTokenizer.from_pretrained(directory)


def data_proto(verl_api, tokenizer, samples, data_sources):
    """A rollout batch as verl's trainer hands it to a reward manager: left-padded prompts,
    right-padded responses, one attention mask, and the dataset's non-tensor fields."""
    prompts = [tokenizer(s["question"], add_special_tokens=False)["input_ids"][:32] for s in samples]
    responses = [tokenizer(s["solution"], add_special_tokens=False)["input_ids"] for s in samples]
    p_len, r_len, pad = max(map(len, prompts)), max(map(len, responses)), tokenizer.pad_token_id
    prompt_ids = torch.tensor([[pad] * (p_len - len(p)) + p for p in prompts])
    response_ids = torch.tensor([r + [pad] * (r_len - len(r)) for r in responses])
    mask = torch.tensor(
        [
            [0] * (p_len - len(p)) + [1] * len(p) + [1] * len(r) + [0] * (r_len - len(r))
            for p, r in zip(prompts, responses)
        ]
    )
    return verl_api.DataProto.from_dict(
        tensors={
            "prompts": prompt_ids,
            "responses": response_ids,
            "attention_mask": mask,
            "input_ids": torch.cat([prompt_ids, response_ids], dim=1),
        },
        non_tensors={
            "data_source": np.array(data_sources, dtype=object),
            "reward_model": np.array([{"ground_truth": s["ground_truth"], "style": "rule"} for s in samples]),
            "extra_info": np.array([{"split": "test", "index": i} for i in range(len(samples))]),
        },
    )


@pytest.mark.parametrize("path", ["file", "pkg"])
def test_verl_loads_compute_score_by_path_with_reward_kwargs(path, verl_api):
    module_path = rlvr_verl.__file__ if path == "file" else "pkg://rlvr.integrations.verl"
    fn = verl_api.get_custom_reward_fn(
        reward_config(
            verl_api, module_path, "compute_score", task_map={"my/gsm8k": "gsm8k"}, options={"gsm8k": {"mode": "hash"}}
        )
    )
    # reward_kwargs arrive as OmegaConf containers; the options must still take effect.
    assert fn(data_source="my/gsm8k", solution_str="#### 18", ground_truth="18", extra_info={})["score"] == 1.0
    hash_only = fn(data_source="openai/gsm8k", solution_str="The answer is 18.", ground_truth="18", extra_info={})
    assert hash_only["reason"] == "no_answer"


def test_differential_with_verls_gsm8k_scorer_on_real_rows(verl_api):
    default_compute_score = verl_api.default_compute_score
    for s in gsm8k_samples():
        ours = rlvr_verl.compute_score(
            "openai/gsm8k", s["solution"], s["ground_truth"], options={"gsm8k": {"mode": "hash"}}
        )
        assert ours["score"] == default_compute_score("openai/gsm8k", s["solution"], s["ground_truth"])
    # Where they differ on purpose: verl compares strings, rlvr compares numbers.
    assert default_compute_score("openai/gsm8k", "#### 18.0", "18") == 0.0
    assert rlvr_verl.compute_score("openai/gsm8k", "#### 18.0", "18")["score"] == 1.0


@pytest.mark.parametrize("name", ["compute_score", "compute_score_async"])
def test_naive_reward_manager_calls_compute_score_per_sample(verl_api, tokenizer, name):
    # The manager awaits a coroutine function on its loop, and runs a plain one on its executor.
    samples = gsm8k_samples(9)
    fn = verl_api.get_custom_reward_fn(reward_config(verl_api, "pkg://rlvr.integrations.verl", name))
    manager = verl_api.NaiveRewardManager(verl_api.OmegaConf.create({}), tokenizer, fn)
    batch = data_proto(verl_api, tokenizer, samples, ["openai/gsm8k"] * len(samples))
    for i, sample in enumerate(samples):
        out = manager.loop.run_until_complete(manager.run_single(batch[i : i + 1]))
        expected = rlvr.verify(sample["solution"], sample["ground_truth"], task="gsm8k")
        assert out["reward_score"] == expected.score
        assert out["reward_extra_info"]["reason"] == expected.reason
        assert out["reward_extra_info"]["extracted"] == expected.extracted


def test_batch_reward_manager_with_compute_score_batch(verl_api, tokenizer):
    samples = gsm8k_samples(30)
    sources = ["openai/gsm8k", "gsm8k", "searchR1_nq"] * 10  # the last is not an rlvr task
    fn = verl_api.get_custom_reward_fn(reward_config(verl_api, rlvr_verl.__file__, "compute_score_batch"))
    manager = verl_api.BatchRewardManager(tokenizer, num_examine=0, compute_score=fn)
    batch = data_proto(verl_api, tokenizer, samples, sources)
    out = manager(batch, return_dict=True)
    rewards = out["reward_tensor"].sum(dim=1).tolist()
    expected = [
        rlvr.compute_reward(s["solution"], s["ground_truth"], task="gsm8k") if src != "searchR1_nq" else 0.0
        for s, src in zip(samples, sources)
    ]
    assert rewards == expected and 0 < sum(expected) < len(expected)
    # The reward sits on the last valid response token, as verl's advantage code expects.
    last = batch.batch["attention_mask"][:, batch.batch["prompts"].shape[1] :].sum(dim=1) - 1
    assert out["reward_tensor"][torch.arange(len(samples)), last].tolist() == expected
    info = out["reward_extra_info"]
    assert info["reason"][2::3] == ["unknown_task"] * 10
    # verl's validation metrics accept our extra fields (numbers averaged, strings skipped).
    metrics = verl_api.process_validation_metrics(list(sources), [str(i // 3) for i in range(30)], dict(info))
    assert metrics["openai/gsm8k"]["acc"]["mean@1"] == pytest.approx(
        sum(e for e, s in zip(expected, sources) if s == "openai/gsm8k") / 10
    )
    assert "reason" not in metrics["openai/gsm8k"] and "detail" not in metrics["openai/gsm8k"]


def test_math_rewards_work_beside_verls_hydra(verl_api):
    """verl's trainer needs hydra-core 1.x, which pins antlr4 4.9.3: rlvr installs beside it,
    its default math mode scores real MATH answers, and mode "minerva" (sympy's parse_latex
    needs antlr4 4.11) refuses to start with a clear reason instead of scoring wrongly."""
    from importlib.metadata import version

    import hydra
    from math_data import load_problems, subset

    assert int(hydra.__version__.split(".")[0]) >= 1
    problems = subset(load_problems(), 60)
    for problem in problems:
        right = rlvr_verl.compute_score(
            "lighteval/MATH", f"So the answer is $\\boxed{{{problem.answer}}}$.", problem.solution
        )
        assert right["score"] == 1.0, (problem.index, right["reason"])
    wrong = rlvr_verl.compute_score("lighteval/MATH", "\\boxed{-12345}", problems[0].solution)
    assert wrong["score"] == 0.0
    if version("antlr4-python3-runtime").startswith("4.9"):
        with pytest.raises(ValueError, match="minerva.*antlr"):
            rlvr.get_verifier("math", mode="minerva")
