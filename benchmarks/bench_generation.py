"""Generation throughput: plain transformers `model.generate` sampling vs rlvr's HF engine, the
rlvr-eval hf backend and the GRPO loop's rollouts, on the same model, prompts (GSM8K questions)
and settings, in one run: the paths alternate over the repeats and the median is reported, with
the device it ran on. Each path at its default settings: the engine and GRPO at temperature 1,
rlvr-eval at temperature 1 with top_p 0.95 (its default), each compared with plain `generate` at
the same top_p.

In CI (pytest) it runs on CPU with a small random-weight model and checks the engine keeps up
loosely (a shared CPU is noisy). As a script it takes a checkpoint and a device:

    PYTHONPATH=.:tests python benchmarks/bench_generation.py      # the CI setting, with the table
    PYTHONPATH=.:tests python benchmarks/bench_generation.py --model PATH --device cuda --dtype bfloat16 \\
        --prompts 256 --samples 1 --max-tokens 256

docs/generation.md has the figures.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import torch
from shared_data import data_file

import rlvr.grpo
from rlvr.eval.runner import EvalConfig, run_eval
from rlvr.generation import Request, Sampler
from rlvr.generation.hf import HFEngine
from rlvr.seeding import request_seed
from rlvr.testing.tiny_model import TinyModelConfig, build_tiny_model

SMALL = TinyModelConfig(hidden_size=128, intermediate_size=256, num_heads=2)
EVAL_TOP_P = EvalConfig(model="", task="", output="").top_p

# A path runs once and returns (tokens generated, seconds spent generating them).
Timed = Callable[[], tuple[int, float]]


@dataclass(frozen=True)
class Setting:
    prompts: int = 32
    samples: int = 8
    max_tokens: int = 48
    repeats: int = 3
    device: str = "cpu"
    dtype: str = "float32"
    threads: int = 1


def gsm8k_records(count: int) -> list[dict]:
    lines = data_file("gsm8k/test.jsonl").read_text().splitlines()[:count]
    rows = [json.loads(line) for line in lines]
    return [{"prompt": f"Question: {r['question']}\nAnswer:", "ground_truth": r["answer"]} for r in rows]


def timed(run: Callable[[], int], device: str) -> tuple[int, float]:
    """Tokens `run` made and the seconds it took: CPU seconds of this process on a CPU (other jobs
    on a shared machine do not count), wall seconds on an accelerator."""
    if device == "cpu":
        started = time.process_time()
        return run(), time.process_time() - started
    torch.cuda.synchronize()
    started = time.perf_counter()
    tokens = run()
    torch.cuda.synchronize()
    return tokens, time.perf_counter() - started


def plain_generate(engine: HFEngine, prompts: list[str], setting: Setting, top_p: float) -> Timed:
    """transformers' own sampling on every request in one left-padded batch."""
    tokenizer, model = engine.tokenizer, engine.model
    tokenizer.pad_token = tokenizer.pad_token or tokenizer.eos_token
    texts = [p for p in prompts for _ in range(setting.samples)]
    batch = tokenizer(texts, return_tensors="pt", padding=True, padding_side="left").to(model.device)
    end_ids = torch.tensor(sorted(engine.end_ids), device=model.device)

    def run() -> int:
        with torch.no_grad():
            out = model.generate(
                **batch,
                do_sample=True,
                temperature=1.0,
                top_k=0,
                top_p=top_p,
                max_new_tokens=setting.max_tokens,
                eos_token_id=end_ids.tolist(),
                pad_token_id=engine.pad_id,
            )
        ended = torch.isin(out[:, batch["input_ids"].shape[1] :], end_ids)
        return int(torch.where(ended.any(1), ended.int().argmax(1) + 1, ended.shape[1]).sum())

    return lambda: timed(run, setting.device)


def engine_generate(engine: HFEngine, prompts: list[str], setting: Setting) -> Timed:
    """rlvr's HF engine at its defaults (batch size from free memory)."""
    requests = [
        Request(str(i), j, p, request_seed(0, i, j)) for i, p in enumerate(prompts) for j in range(setting.samples)
    ]
    sampler = Sampler(temperature=1.0, max_tokens=setting.max_tokens)
    return lambda: timed(lambda: sum(c.num_tokens for c in engine.generate(requests, sampler)), setting.device)


def eval_backend(engine: HFEngine, model: str, setting: Setting, workdir: Path) -> Timed:
    """rlvr-eval pass@k on GSM8K with the hf backend at its defaults, timed end to end."""
    runs = iter(range(1_000_000))

    def run() -> int:
        config = EvalConfig(
            model=model,
            task="gsm8k",
            output=str(workdir / f"eval{next(runs)}"),
            backend="hf",
            data=str(data_file("gsm8k/test.jsonl")),
            limit=setting.prompts,
            n=setting.samples,
            k=(1,),
            max_tokens=setting.max_tokens,
        )
        return run_eval(config, backend=engine)["timing"]["generated_tokens"]

    return lambda: timed(run, setting.device)


def grpo_rollouts(model: str, records: list[dict], setting: Setting, workdir: Path) -> Timed:
    """One GRPO step (learning rate 0) on every prompt, timed whole: a random model's groups all
    score 0 and train nothing, so the step is its rollouts and their scoring."""
    session = rlvr.grpo.init_grpo(
        base_model=model,
        reward="gsm8k",
        group_size=setting.samples,
        max_tokens=setting.max_tokens,
        learning_rate=0.0,
        rollout_backend="hf",
        device=setting.device,
        dtype=setting.dtype,
        output_dir=str(workdir / "grpo"),
    )

    def run() -> int:
        metrics = session.train_grpo_step(records)
        return round(metrics["completion_len_mean"] * metrics["samples"])

    return lambda: timed(run, setting.device)


def measure(paths: dict[str, Timed], repeats: int) -> dict[str, float]:
    """tokens/s of each path: one warm-up each, then `repeats` rounds in rotating order; the median."""
    for run in paths.values():
        run()
    rates: dict[str, list[float]] = {name: [] for name in paths}
    names = list(paths)
    for round_ in range(repeats):
        for name in names[round_ % len(names) :] + names[: round_ % len(names)]:
            tokens, seconds = paths[name]()
            rates[name].append(tokens / seconds)
    return {name: statistics.median(values) for name, values in rates.items()}


def run_benchmark(model: str, setting: Setting, workdir: Path) -> dict[str, float]:
    """tokens/s of every path (see the module docstring)."""
    torch.set_num_threads(setting.threads)
    engine = HFEngine.from_pretrained(model, dtype=setting.dtype, device=setting.device)
    records = gsm8k_records(setting.prompts)
    prompts = [r["prompt"] for r in records]
    paths = {
        "plain generate": plain_generate(engine, prompts, setting, top_p=1.0),
        "rlvr HF engine": engine_generate(engine, prompts, setting),
        "GRPO rollouts": grpo_rollouts(model, records, setting, workdir),
        f"plain generate, top_p {EVAL_TOP_P}": plain_generate(engine, prompts, setting, top_p=EVAL_TOP_P),
        "rlvr-eval --backend hf": eval_backend(engine, model, setting, workdir),
    }
    return measure(paths, setting.repeats)


def table(rates: dict[str, float], setting: Setting, device_name: str) -> str:
    baseline = {
        "rlvr HF engine": "plain generate",
        "GRPO rollouts": "plain generate",
        "rlvr-eval --backend hf": f"plain generate, top_p {EVAL_TOP_P}",
    }
    lines = [
        f"device: {device_name}; {setting.prompts} prompts x {setting.samples} samples x {setting.max_tokens} tokens, "
        f"temperature 1, {setting.dtype}, torch threads {setting.threads}; "
        + ("CPU seconds of this process" if setting.device == "cpu" else "wall seconds"),
        "| path | tokens/s | vs plain `model.generate` |",
        "|---|---|---|",
    ]
    for name, rate in rates.items():
        ratio = rate / rates[baseline[name]] if name in baseline else 1.0
        lines.append(f"| {name} | {rate:,.0f} | {ratio:.2f}x |")
    return "\n".join(lines)


def device_name(device: str) -> str:
    if device.startswith("cuda"):
        return torch.cuda.get_device_name(torch.device(device))
    return f"CPU ({torch.get_num_threads()} torch threads of {torch.multiprocessing.cpu_count()} cores)"


def ratios(rates: dict[str, float]) -> tuple[float, float, float]:
    plain, plain_top_p = rates["plain generate"], rates[f"plain generate, top_p {EVAL_TOP_P}"]
    return (
        rates["rlvr HF engine"] / plain,
        rates["GRPO rollouts"] / plain,
        rates["rlvr-eval --backend hf"] / plain_top_p,
    )


def test_engine_keeps_up_with_plain_generate(tmp_path):
    setting = Setting(prompts=4, samples=4, max_tokens=16, repeats=1)
    model = str(build_tiny_model(tmp_path / "model", config=SMALL))
    rates = run_benchmark(model, setting, tmp_path)
    print("\n" + table(rates, setting, device_name(setting.device)))
    # Loose on a shared CPU; the figures in docs/generation.md are what the target is judged by.
    assert min(ratios(rates)) > 0.5


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", help="a checkpoint (default: a small random-weight model built here)")
    defaults = Setting()
    for name in ("prompts", "samples", "max_tokens", "repeats", "threads"):
        parser.add_argument("--" + name.replace("_", "-"), type=int, default=getattr(defaults, name))
    parser.add_argument("--device", default=defaults.device)
    parser.add_argument("--dtype", default=defaults.dtype)
    args = parser.parse_args()
    setting = Setting(**{k: v for k, v in vars(args).items() if k != "model"})
    with tempfile.TemporaryDirectory() as workdir:
        model = args.model or str(build_tiny_model(Path(workdir) / "model", config=SMALL))
        rates = run_benchmark(model, setting, Path(workdir))
    print(table(rates, setting, device_name(setting.device)))


if __name__ == "__main__":
    main()
