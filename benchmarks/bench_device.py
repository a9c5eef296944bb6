"""Generation throughput on a GPU at a realistic size: plain `model.generate` vs the rlvr-eval hf
backend vs GRPO rollouts (benchmarks/bench_generation.py's paths, side by side in one run) and the
vLLM engine where vLLM imports, on a random-weight model with Qwen2.5-0.5B's architecture (built
offline: no download), bfloat16. Writes a small JSON with tokens/s, the ratios and the device.

    bash benchmarks/device.sh OUT_DIR           # on a machine with a GPU: OUT_DIR/device.json
    PYTHONPATH=.:tests:benchmarks python benchmarks/bench_device.py --smoke --out /tmp/d.json  # CPU check

The tokenizer is a byte-level BPE trained here on GSM8K text, far smaller than the model's 151,936
ids: sampled ids past it decode to nothing, so stop strings rarely match and the eval path's text
handling costs, if anything, less than with Qwen's own tokenizer. docs/generation.md has the figures.
"""

from __future__ import annotations

import argparse
import json
import platform
import tempfile
import time
from pathlib import Path
from typing import Any

import torch
from bench_generation import EVAL_TOP_P, Setting, Timed, device_name, gsm8k_records, measure, run_benchmark, timed
from shared_data import data_file

from rlvr.generation import Request, Sampler
from rlvr.seeding import request_seed

# Qwen2.5-0.5B's config.json (architecture only; the weights here are random).
QWEN25_05B = {
    "vocab_size": 151936,
    "hidden_size": 896,
    "intermediate_size": 4864,
    "num_hidden_layers": 24,
    "num_attention_heads": 14,
    "num_key_value_heads": 2,
    "max_position_embeddings": 32768,
    "rope_theta": 1000000.0,
    "rms_norm_eps": 1e-6,
    "tie_word_embeddings": True,
}
# --smoke: the same code paths on a model small enough for a CPU.
SMOKE = {
    **QWEN25_05B,
    "hidden_size": 64,
    "intermediate_size": 128,
    "num_hidden_layers": 2,
    "num_attention_heads": 2,
    "num_key_value_heads": 1,
    "vocab_size": 4096,
}


def build_model(directory: Path, architecture: dict[str, Any]) -> Path:
    """A Qwen2 model with random weights (bfloat16 on disk) and a BPE tokenizer trained on GSM8K."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast, Qwen2Config, Qwen2ForCausalLM

    texts = [json.loads(line)["question"] for line in data_file("gsm8k/train.jsonl").read_text().splitlines()]
    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    special = {"bos_token": "<|endoftext|>", "eos_token": "<|im_end|>", "pad_token": "<|pad|>"}
    trainer = trainers.BpeTrainer(
        vocab_size=min(32000, architecture["vocab_size"]),
        special_tokens=list(special.values()),
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    bpe.train_from_iterator(texts, trainer=trainer)
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=bpe, **special)
    tokenizer.save_pretrained(directory)
    torch.manual_seed(0)
    config = Qwen2Config(
        **architecture,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )
    model = Qwen2ForCausalLM(config).to(torch.bfloat16)
    model.save_pretrained(directory)
    return directory


def vllm_path(model: str, prompts: list[str], setting: Setting) -> Timed | str:
    """vLLM's engine through rlvr.generation on the same requests, or why it cannot run here."""
    try:
        from rlvr.generation.vllm import VLLMEngine

        engine = VLLMEngine(model, dtype="bfloat16", gpu_memory_utilization=0.3)
    except Exception as exc:  # not installed, or no build for this machine: the figure is left out
        return f"{type(exc).__name__}: {str(exc)[:300]}"
    requests = [
        Request(str(i), j, p, request_seed(0, i, j)) for i, p in enumerate(prompts) for j in range(setting.samples)
    ]
    sampler = Sampler(temperature=1.0, top_p=EVAL_TOP_P, max_tokens=setting.max_tokens)
    return lambda: timed(lambda: sum(c.num_tokens for c in engine.generate(requests, sampler)), setting.device)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True, help="the JSON to write")
    parser.add_argument("--smoke", action="store_true", help="a tiny model on CPU: checks the script, measures nothing")
    parser.add_argument("--prompts", type=int, default=64)
    parser.add_argument("--samples", type=int, default=8)
    parser.add_argument("--max-tokens", type=int, default=256)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    device = "cpu" if args.smoke else "cuda"
    setting = Setting(
        prompts=4 if args.smoke else args.prompts,
        samples=2 if args.smoke else args.samples,
        max_tokens=8 if args.smoke else args.max_tokens,
        repeats=1 if args.smoke else args.repeats,
        device=device,
        dtype="float32" if args.smoke else "bfloat16",
        threads=1 if args.smoke else torch.get_num_threads(),
    )
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as workdir:
        model = str(build_model(Path(workdir) / "model", SMOKE if args.smoke else QWEN25_05B))
        rates = run_benchmark(model, setting, Path(workdir))
        if device == "cuda":
            torch.cuda.empty_cache()  # the paths above are done: leave vLLM the memory they held
        prompts = [r["prompt"] for r in gsm8k_records(setting.prompts)]
        vllm = vllm_path(model, prompts, setting) if not args.smoke else "not run with --smoke"
        if not isinstance(vllm, str):
            rates.update(measure({"vLLM engine (rlvr.generation)": vllm}, setting.repeats))
    plain = rates[f"plain generate, top_p {EVAL_TOP_P}"]
    result = {
        "device": device_name(device),
        "host": platform.node(),
        "torch": torch.__version__,
        "model": "random-weight Qwen2.5-0.5B architecture" if not args.smoke else "smoke: tiny Qwen2",
        "setting": setting.__dict__,
        "tokens_per_s": {name: round(rate, 1) for name, rate in rates.items()},
        "vs_plain_generate": {
            "rlvr HF engine": rates["rlvr HF engine"] / rates["plain generate"],
            "GRPO rollouts": rates["GRPO rollouts"] / rates["plain generate"],
            "rlvr-eval --backend hf": rates["rlvr-eval --backend hf"] / plain,
            **({"vLLM engine": rates["vLLM engine (rlvr.generation)"] / plain} if not isinstance(vllm, str) else {}),
        },
        "vllm": "measured" if not isinstance(vllm, str) else vllm,
        "seconds": time.perf_counter() - started,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps(result, indent=1))


def test_the_device_script_runs_its_paths_on_a_tiny_model(tmp_path):
    """The GPU figures cannot be checked here; the code that makes them can (--smoke, on CPU)."""
    main(["--smoke", "--out", str(tmp_path / "device.json")])
    result = json.loads((tmp_path / "device.json").read_text())
    assert set(result["vs_plain_generate"]) == {"rlvr HF engine", "GRPO rollouts", "rlvr-eval --backend hf"}
    assert all(rate > 0 for rate in result["tokens_per_s"].values())


if __name__ == "__main__":
    main()
