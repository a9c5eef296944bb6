"""`python -m rlvr.grpo --config FILE.yaml`: a whole GRPO loop from a config file.

session:            # the settings of init_grpo (see rlvr.grpo.SessionConfig)
  base_model: path/or/hub-id
  reward: gsm8k
  group_size: 8
  learning_rate: 1.0e-6
data: train.jsonl   # records {"prompt", "ground_truth", "id"?}
steps: 100
subset_size: 16     # prompts per step (null: the whole pool every step)
num_iterations: 1
save_every: 50      # checkpoint every N steps (and at the end); null: only at the end
sft:                # optional warm start first: records {"prompt", "response"}
  data: sft.jsonl
  num_epochs: 1
  learning_rate: 1.0e-5
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import yaml
from tqdm import tqdm

import rlvr.grpo

RUN_KEYS = {"session", "data", "steps", "subset_size", "num_iterations", "save_every", "sft"}


def read_jsonl(path: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]


def run(config: dict[str, Any]) -> Path:
    unknown = sorted(set(config) - RUN_KEYS)
    if unknown:
        raise ValueError(f"unknown top-level key(s) {unknown}; valid: {sorted(RUN_KEYS)}")
    settings = dict(config["session"])
    if config.get("sft"):
        sft_config = dict(config["sft"])
        sft_dir = Path(settings.get("output_dir") or "runs/grpo-from-config") / "sft"
        sft = rlvr.grpo.init_sft(
            settings["base_model"], learning_rate=sft_config.get("learning_rate", 1e-5), output_dir=str(sft_dir)
        )
        sft.train_sft_step(read_jsonl(sft_config["data"]), num_epochs=sft_config.get("num_epochs", 1))
        settings["base_model"] = str(sft.save("warm_start"))
        sft.finish()
    reward = settings.pop("reward")
    session = rlvr.grpo.init_grpo(reward=reward, **settings)
    pool = read_jsonl(config["data"])
    steps, save_every = int(config.get("steps", 1)), config.get("save_every")
    bar = tqdm(range(steps), desc="GRPO")
    for step in bar:
        metrics = session.train_grpo_step(
            pool, num_iterations=config.get("num_iterations", 1), subset_size=config.get("subset_size")
        )
        bar.set_postfix(reward=f"{metrics['reward_mean']:.3f}", no_signal=f"{metrics['no_signal_rate']:.2f}")
        if save_every and (step + 1) % save_every == 0:
            session.save(f"step{step + 1}")
    if not save_every or steps % save_every:
        session.save(f"step{steps}")
    for advice in rlvr.grpo.diagnose(session.trace):
        print(advice)
    return session.finish()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Run a GRPO loop from a YAML config (see the module docstring).")
    parser.add_argument("--config", required=True, type=Path)
    args = parser.parse_args(argv)
    print(f"session directory: {run(yaml.safe_load(args.config.read_text()))}")


if __name__ == "__main__":
    main()
