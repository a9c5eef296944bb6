"""A CPU demonstration that the loop learns: `python -m rlvr.grpo.demo [--quick] [--steps N] [--output DIR]`.

The task: addition, subtraction and multiplication word problems (a and b in 2..9) made from
templates, answered as GSM8K answers are ("7 * 4 = 28. #### 28") and scored by rlvr's gsm8k
verifier. A tiny Llama (built from a config, no download) is warm-started with a supervised run
on the answers of a careless demonstrator, who sets up the right equation but gets the result
wrong 40% of the time, so the warm start has the format and the method but not the accuracy
(as a base model that imitated noisy web solutions would). GRPO on the verifier's reward then
has to find the right results itself. Held-out accuracy (greedy) is measured before and after
GRPO; the session directory gets trace.jsonl and reward_curve.png. `--quick` runs a smaller
model, warm start and GRPO (a smoke test of the whole path in well under a minute).
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from tqdm import tqdm

from rlvr.api import get_verifier
from rlvr.clitools import DefaultsHelpFormatter, positive_int
from rlvr.testing.tiny_model import TinyModelConfig, build_tiny_model

TEMPLATES = [
    ("{name} has {a} {thing} and gets {b} more. How many {thing} does {name} have now?", "+"),
    ("{name} had {a} {thing} and gave away {b}. How many {thing} are left?", "-"),
    ("There are {a} {thing} in a box and {b} in a bag. How many {thing} are there in all?", "+"),
    ("A shop had {a} {thing} and sold {b}. How many {thing} does the shop have left?", "-"),
    ("{name} has {a} bags with {b} {thing} in each. How many {thing} does {name} have?", "*"),
    ("There are {a} rows of {b} {thing}. How many {thing} are there?", "*"),
]
NAMES = ["Tom", "Ana", "Li", "Sam", "Mia", "Raj"]
THINGS = ["apples", "books", "coins", "pens", "cards", "eggs"]


@dataclass(frozen=True)
class DemoConfig:
    """The demo's exact configuration (saved with the run)."""

    seed: int = 0
    train_problems: int = 40000
    held_out_problems: int = 200
    sft_examples: int = 31200
    sft_learning_rate: float = 2e-3
    demonstrator_error_rate: float = 0.4
    grpo_steps: int = 300
    prompts_per_step: int = 16
    group_size: int = 8
    learning_rate: float = 5e-4
    scheduler: str = "cosine"
    beta: float = 0.0
    temperature: float = 1.0
    max_tokens: int = 20
    warmup_steps: int = 10
    eval_every: int = 20
    threads: int = 1
    hidden_size: int = 128
    intermediate_size: int = 384
    num_layers: int = 4
    num_heads: int = 4
    vocab_size: int = 400

    def __post_init__(self) -> None:
        if self.grpo_steps < 1:
            raise ValueError(f"grpo_steps must be at least 1, got {self.grpo_steps}")
        if not 0 <= self.warmup_steps < self.grpo_steps:
            raise ValueError(f"warmup_steps must be in 0..grpo_steps-1, got {self.warmup_steps}")

    def with_steps(self, steps: int) -> DemoConfig:
        """This configuration with `steps` GRPO steps, the warmup shortened to fit."""
        return replace(self, grpo_steps=steps, warmup_steps=min(self.warmup_steps, steps - 1))


# --quick: the whole path (tokenizer, SFT warm start, GRPO, evaluation, plot) on a small scale.
QUICK = DemoConfig(
    train_problems=300,
    held_out_problems=20,
    sft_examples=300,
    grpo_steps=4,
    warmup_steps=1,
    prompts_per_step=4,
    group_size=4,
    eval_every=2,
    hidden_size=64,
    intermediate_size=128,
    num_layers=2,
)
# Files that mark an --output folder as holding a demo run.
RUN_MARKERS = ("trace.jsonl", "demo_summary.json")


def make_problem(rng: random.Random) -> dict[str, str]:
    template, op = rng.choice(TEMPLATES)
    a, b = rng.randint(2, 9), rng.randint(2, 9)
    if op == "-" and b > a:
        a, b = b, a
    answer = {"+": a + b, "-": a - b, "*": a * b}[op]
    prompt = "Q: " + template.format(name=rng.choice(NAMES), thing=rng.choice(THINGS), a=a, b=b) + "\nA:"
    return {"prompt": prompt, "response": solution(f"{a} {op} {b}", answer), "ground_truth": f"#### {answer}"}


def solution(equation: str, result: int) -> str:
    return f" {equation} = {result}. #### {result}"


def careless(problem: dict[str, str], rng: random.Random, error_rate: float) -> dict[str, str]:
    """The demonstrator's answer: the right equation, and with probability `error_rate` a result
    off by 1 to 3 either way (never negative)."""
    if rng.random() >= error_rate:
        return problem
    equation = problem["response"].split(" = ")[0].strip()
    answer = int(problem["ground_truth"].removeprefix("#### "))
    wrong = max(0, answer + rng.choice([-3, -2, -1, 1, 2, 3]))
    wrong = wrong if wrong != answer else answer + 1
    return {**problem, "response": solution(equation, wrong)}


def make_splits(config: DemoConfig) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """Disjoint train and held-out problems (no held-out prompt appears in training)."""
    rng = random.Random(config.seed)
    held_out: dict[str, dict[str, str]] = {}
    while len(held_out) < config.held_out_problems:
        problem = make_problem(rng)
        held_out[problem["prompt"]] = problem
    train: list[dict[str, str]] = []
    while len(train) < config.train_problems:
        problem = make_problem(rng)
        if problem["prompt"] not in held_out:
            train.append(problem)
    return train, list(held_out.values())


def accuracy(session: Any, problems: list[dict[str, str]]) -> float:
    """Greedy held-out accuracy under the gsm8k verifier."""
    completions = [c[0] for c in session.sample([p["prompt"] for p in problems], n=1, temperature=0)]
    verdicts = get_verifier("gsm8k").verify_batch(completions, [p["ground_truth"] for p in problems])
    return sum(v.correct for v in verdicts) / len(verdicts)


def run(config: DemoConfig, output: Path, progress: bool = True) -> dict[str, Any]:
    """Build the model, warm-start with SFT, train with GRPO; returns the summary it also writes."""
    import torch

    import rlvr.grpo

    # One thread: on a 2-core machine shared with other jobs, two OpenMP threads ran ~10x slower.
    torch.set_num_threads(config.threads)
    started = time.perf_counter()
    output.mkdir(parents=True, exist_ok=True)
    train, held_out = make_splits(config)
    corpus = [p["prompt"] + p["response"] for p in train[:2000]]
    model_dir = build_tiny_model(
        output / "base_model",
        corpus,
        TinyModelConfig(
            vocab_size=config.vocab_size,
            hidden_size=config.hidden_size,
            intermediate_size=config.intermediate_size,
            num_layers=config.num_layers,
            num_heads=config.num_heads,
            max_position_embeddings=128,
            seed=config.seed,
            split_digits=True,
        ),
    )
    sft = rlvr.grpo.init_sft(
        str(model_dir),
        learning_rate=config.sft_learning_rate,
        batch_size=32,
        micro_batch_size=32,
        seed=config.seed,
        output_dir=str(output / "sft"),
        max_tokens=config.max_tokens,
    )
    demonstrator = random.Random(f"{config.seed}:demonstrator")
    demonstrations = [careless(p, demonstrator, config.demonstrator_error_rate) for p in train[: config.sft_examples]]
    chunk = max(1, len(demonstrations) // 10)  # one pass in ten calls, so the warm start shows its progress
    for start in tqdm(range(0, len(demonstrations), chunk), desc="SFT warm start", disable=not progress):
        sft.train_sft_step(demonstrations[start : start + chunk])
    warm = sft.save("warm_start")
    before = accuracy(sft, held_out)
    sft.finish()

    session = rlvr.grpo.init_grpo(
        base_model=str(warm),
        reward="gsm8k",
        group_size=config.group_size,
        learning_rate=config.learning_rate,
        max_tokens=config.max_tokens,
        temperature=config.temperature,
        beta=config.beta,
        warmup_steps=config.warmup_steps,
        scheduler=config.scheduler,
        scheduler_total_steps=config.grpo_steps if config.scheduler != "constant" else None,
        micro_batch_size=64,
        seed=config.seed,
        output_dir=str(output),
        rollout_backend="hf",
    )
    curve = [(0, before)]
    pool = [{"prompt": p["prompt"], "ground_truth": p["ground_truth"]} for p in train]
    bar = tqdm(range(config.grpo_steps), desc="GRPO", disable=not progress)
    for step in bar:
        metrics = session.train_grpo_step(pool, subset_size=config.prompts_per_step)
        bar.set_postfix(reward=f"{metrics['reward_mean']:.2f}", no_signal=f"{metrics['no_signal_rate']:.2f}")
        if (step + 1) % config.eval_every == 0 or step + 1 == config.grpo_steps:
            curve.append((step + 1, accuracy(session, held_out)))
    after = curve[-1][1]
    trace = session.trace
    session.finish()
    grpo_time = sum(r["step_time_s"] for r in trace)
    summary = {
        "config": asdict(config),
        "held_out_accuracy_before": before,
        "held_out_accuracy_after": after,
        "held_out_curve": curve,
        "wall_time_s": time.perf_counter() - started,
        "grpo_time_s": grpo_time,
        "sampled_tokens_per_s": sum(r["completion_len_mean"] * r["samples"] for r in trace) / grpo_time,
        "advice": [str(a) for a in rlvr.grpo.diagnose(trace)],
    }
    (output / "demo_summary.json").write_text(json.dumps(summary, indent=1))
    plot_curve(trace, curve, output / "reward_curve.png")
    return summary


def plot_curve(trace: list[dict[str, Any]], curve: list[tuple[int, float]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    steps = [r["step"] + 1 for r in trace]
    rewards = [r["reward_mean"] for r in trace]
    smooth = [sum(rewards[max(0, i - 9) : i + 1]) / len(rewards[max(0, i - 9) : i + 1]) for i in range(len(rewards))]
    figure, axis = plt.subplots(figsize=(6, 3.4), dpi=90)
    axis.plot(steps, rewards, color="#9ecae1", linewidth=0.8, label="reward (train batch)")
    axis.plot(steps, smooth, color="#08519c", linewidth=1.6, label="reward, 10-step mean")
    axis.plot([s for s, _ in curve], [a for _, a in curve], "o-", color="#d94801", label="held-out accuracy (greedy)")
    axis.set_xlabel("GRPO step")
    axis.set_ylim(0, 1)
    axis.grid(alpha=0.3)
    axis.legend(loc="lower right", fontsize=8)
    axis.set_title("rlvr.grpo demo: tiny Llama on arithmetic word problems, CPU")
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m rlvr.grpo.demo", description=__doc__.splitlines()[0], formatter_class=DefaultsHelpFormatter
    )
    parser.add_argument(
        "--steps",
        type=positive_int,
        help=f"GRPO steps, warmup shortened to fit (default {DemoConfig.grpo_steps}, with --quick {QUICK.grpo_steps})",
    )
    parser.add_argument("--quick", action="store_true", help="smoke run: small model, small warm start, few steps")
    parser.add_argument("--output", type=Path, default=Path("runs/grpo-demo"), help="session directory")
    parser.add_argument("--overwrite", action="store_true", help="delete a previous demo run in --output first")
    parser.add_argument("--threads", type=positive_int, default=DemoConfig.threads, help="torch CPU threads")
    args = parser.parse_args(argv)
    if any((args.output / name).exists() for name in RUN_MARKERS):
        if not args.overwrite:
            parser.error(f"{args.output} holds a demo run: pass --overwrite to replace it, or choose another --output")
        # A second run appended to the first's trace drew a wrong curve: start from an empty folder.
        shutil.rmtree(args.output)
    base = QUICK if args.quick else DemoConfig()
    config = replace(base.with_steps(args.steps or base.grpo_steps), threads=args.threads)
    try:
        summary = run(config, args.output)
    except KeyboardInterrupt:
        print(
            f"python -m rlvr.grpo.demo: interrupted; the steps so far are in {args.output / 'trace.jsonl'}. "
            f"The demo does not resume: run it again with --overwrite (or another --output)",
            file=sys.stderr,
        )
        return 130
    print(outcome(summary, args.output, args.quick))
    return 0


def outcome(summary: dict[str, Any], output: Path, quick: bool) -> str:
    """What the run measured, in one line (two for --quick, whose near-zero accuracy is expected)."""
    line = (
        f"held-out accuracy: {summary['held_out_accuracy_before']:.1%} -> {summary['held_out_accuracy_after']:.1%} "
        f"in {summary['wall_time_s']:.0f} s ({summary['sampled_tokens_per_s']:.0f} sampled tokens/s); "
        f"trace: {output / 'trace.jsonl'}, curve: {output / 'reward_curve.png'}"
    )
    if quick:
        line += (
            "\n--quick is a smoke run of the whole path: its model is too small and trained too briefly to answer, "
            "so an accuracy near 0% is expected. The learning curve: python -m rlvr.grpo.demo (the full demo)"
        )
    return line


if __name__ == "__main__":
    sys.exit(main())
