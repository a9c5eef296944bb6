"""`python -m rlvr.grpo --config FILE.yaml`: a whole GRPO loop from a config file.

The format (a runnable example: examples/grpo_config.yaml in the repository):

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

Relative data paths are read from the current directory. The whole file and its data are checked
before any model loads; a mistake is one line and exit status 2. Ctrl-C saves a checkpoint and
prints the command that continues from it (`--resume CHECKPOINT`).
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import rlvr.grpo
from rlvr.grpo.config import SessionConfig
from rlvr.grpo.data import validate_records

RUN_KEYS = {"session", "data", "steps", "subset_size", "num_iterations", "save_every", "sft"}
SFT_KEYS = {"data", "num_epochs", "learning_rate"}


@dataclass(frozen=True)
class RunPlan:
    """A config file, checked, with its data read."""

    session: dict[str, Any]
    pool: list[dict[str, Any]]
    steps: int = 1
    subset_size: int | None = None
    num_iterations: int = 1
    save_every: int | None = None
    sft_data: list[dict[str, Any]] | None = None
    sft_epochs: int = 1
    sft_learning_rate: float = 1e-5


def read_jsonl(path: str, what: str) -> list[dict[str, Any]]:
    """The records of a JSONL file; a line that is not JSON is named by file and line."""
    records = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise ValueError(f"{what} {path}, line {number}: not JSON ({exc.msg})") from None
    return records


def plan(config: Any) -> RunPlan:
    """Check a loaded config (the YAML's top-level mapping) and read its data, before any model
    loads. Raises ValueError (or OSError for a missing file) naming the first mistake."""
    if not isinstance(config, dict):
        raise ValueError(f"the config must be a mapping with keys {sorted(RUN_KEYS)}, got {type(config).__name__}")
    unknown = sorted(set(config) - RUN_KEYS)
    if unknown:
        raise ValueError(f"unknown top-level key(s) {unknown}; valid: {sorted(RUN_KEYS)}")
    for key in ("session", "data"):
        if key not in config:
            raise ValueError(f"the config has no {key!r} (see python -m rlvr.grpo --help for the format)")
    session = config["session"]
    if not isinstance(session, dict) or "reward" not in session:
        raise ValueError("'session' must be a mapping with at least base_model and reward")
    try:
        SessionConfig.from_dict(session)
    except TypeError as exc:  # a value of the wrong type met a comparison
        raise ValueError(f"session: a setting has the wrong type ({exc})") from None
    counts = {key: config.get(key) for key in ("steps", "subset_size", "num_iterations", "save_every")}
    for key, value in counts.items():
        if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 1):
            raise ValueError(f"{key} must be a whole number >= 1, got {value!r}")
    pool = read_jsonl(str(config["data"]), "data")
    validate_records(pool, ("prompt", "ground_truth"), f"data {config['data']}")
    sft = config.get("sft")
    sft_data = None
    if sft:
        if not isinstance(sft, dict) or "data" not in sft or set(sft) - SFT_KEYS:
            raise ValueError(f"'sft' must be a mapping with 'data' and optionally num_epochs, learning_rate: {sft!r}")
        sft_data = read_jsonl(str(sft["data"]), "sft data")
        validate_records(sft_data, ("prompt", "response"), f"sft data {sft['data']}")
    return RunPlan(
        session=dict(session),
        pool=pool,
        steps=counts["steps"] or 1,
        subset_size=counts["subset_size"],
        num_iterations=counts["num_iterations"] or 1,
        save_every=counts["save_every"],
        sft_data=sft_data,
        sft_epochs=(sft or {}).get("num_epochs", 1),
        sft_learning_rate=(sft or {}).get("learning_rate", 1e-5),
    )


def run(run_plan: RunPlan, config_path: str = "FILE.yaml", resume: Path | None = None) -> Path:
    """Train as `run_plan` says (from checkpoint `resume` when given); returns the session directory."""
    from tqdm import tqdm

    settings = dict(run_plan.session)
    reward = settings.pop("reward")
    if resume is not None:
        session = rlvr.grpo.load(resume, reward=reward)
    else:
        if run_plan.sft_data is not None:
            sft_dir = Path(settings.get("output_dir") or "runs/grpo-from-config") / "sft"
            sft = rlvr.grpo.init_sft(
                settings["base_model"], learning_rate=run_plan.sft_learning_rate, output_dir=str(sft_dir)
            )
            sft.train_sft_step(run_plan.sft_data, num_epochs=run_plan.sft_epochs)
            settings["base_model"] = str(sft.save("warm_start"))
            sft.finish()
        session = rlvr.grpo.init_grpo(reward=reward, **settings)
    steps, save_every = run_plan.steps, run_plan.save_every
    bar = tqdm(range(session.step, steps), desc="GRPO", initial=session.step, total=steps)
    try:
        for step in bar:
            metrics = session.train_grpo_step(
                run_plan.pool, num_iterations=run_plan.num_iterations, subset_size=run_plan.subset_size
            )
            bar.set_postfix(reward=f"{metrics['reward_mean']:.3f}", no_signal=f"{metrics['no_signal_rate']:.2f}")
            if save_every and (step + 1) % save_every == 0:
                session.save(f"step{step + 1}")
    except KeyboardInterrupt:
        bar.close()
        saved = session.save(f"step{session.step}")
        session.finish()
        print(
            f"python -m rlvr.grpo: interrupted after {session.step} of {steps} steps; saved {saved}\n"
            f"continue with: python -m rlvr.grpo --config {config_path} --resume {saved}",
            file=sys.stderr,
        )
        raise
    if not save_every or steps % save_every:
        session.save(f"step{steps}")
    for advice in rlvr.grpo.diagnose(session.trace):
        print(advice)
    return session.finish()


def main(argv: list[str] | None = None) -> int:
    """Exit status 0; 2 for a mistake in the config or its data (one line on stderr); 130 on Ctrl-C."""
    parser = argparse.ArgumentParser(
        prog="python -m rlvr.grpo",
        description=__doc__.split("\n\n")[0],
        epilog=__doc__.split("\n\n", 1)[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--config", required=True, type=Path, help="the YAML run config")
    parser.add_argument("--resume", type=Path, help="a checkpoint folder of this run to continue from")
    args = parser.parse_args(argv)
    try:
        import yaml
    except ImportError:
        print("python -m rlvr.grpo: error: pyyaml is missing: pip install 'rlvr[grpo]'", file=sys.stderr)
        return 2
    try:
        try:
            loaded = yaml.safe_load(args.config.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            raise ValueError(f"not valid YAML: {exc}") from None
        run_plan = plan(loaded)
        if args.resume is not None and not (args.resume / "session.json").is_file():
            raise ValueError(f"--resume {args.resume} is not a checkpoint folder (it has no session.json)")
    except (ValueError, OSError) as exc:
        print(f"python -m rlvr.grpo: error: {args.config}: {' '.join(str(exc).split())}", file=sys.stderr)
        return 2
    try:
        print(f"session directory: {run(run_plan, str(args.config), args.resume)}")
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
