"""The session directory: what a researcher (or an agent) reads to follow and audit a run.

config.yaml        the session's settings
reward_source.py   the source of the reward function used
trace.jsonl        one JSON record per step (the metrics `train_*_step` returns)
training_debug.log one line per step and per micro-batch: losses, lr, gradient norm
sampling_debug.log one JSON line per sampled completion: step, prompt id, sample index, seed, text
reward_debug.log   one JSON line per scored completion: score, correct, reason, extracted answer
checkpoints/NAME/  what `save(NAME)` wrote
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import yaml


class RunDirectory:
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.mkdir(parents=True, exist_ok=True)

    @classmethod
    def fresh(cls, output_dir: str | None, kind: str) -> RunDirectory:
        return cls(output_dir or Path("runs") / f"{kind}-{time.strftime('%Y%m%d-%H%M%S')}")

    def write_config(self, config: dict[str, Any]) -> None:
        (self.path / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))

    def write_reward_source(self, source: str) -> None:
        (self.path / "reward_source.py").write_text(source)

    def trace(self, record: dict[str, Any]) -> None:
        self._append("trace.jsonl", json.dumps(record))

    def training(self, line: str) -> None:
        self._append("training_debug.log", f"{time.strftime('%H:%M:%S')} {line}")

    def sampling(self, records: list[dict[str, Any]]) -> None:
        self._append("sampling_debug.log", "\n".join(json.dumps(r) for r in records))

    def rewards(self, records: list[dict[str, Any]]) -> None:
        self._append("reward_debug.log", "\n".join(json.dumps(r) for r in records))

    def read_trace(self) -> list[dict[str, Any]]:
        path = self.path / "trace.jsonl"
        return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []

    def _append(self, name: str, text: str) -> None:
        if text:
            with open(self.path / name, "a", encoding="utf-8") as handle:
                handle.write(text + "\n")
