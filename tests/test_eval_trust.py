"""rlvr-eval and verdicts that could not judge: --resume judges them again, pass@k counts them
as wrong and the summary says how many; the pending-verification queue is bounded; a lone
surrogate in a saved text never stops the writer."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from scripted_backend import ScriptedBackend

from rlvr.eval import runner
from rlvr.eval.runner import EvalConfig, run_eval
from rlvr.rollouts import RolloutWriter, iter_rollouts

ROWS = [{"question": f"{i} + 2 - {i}?", "answer": "#### 2"} for i in range(12)]


@pytest.fixture
def data(tmp_path: Path) -> str:
    path = tmp_path / "data.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in ROWS))
    return str(path)


def answer(prompt_id: str) -> str:
    return "The answer is 2."


def config(data: str, out: Path, **changes) -> EvalConfig:
    settings = {"model": "m", "task": "gsm8k", "output": str(out), "backend": "openai", "k": (1,), "n": 2}
    return EvalConfig(**{**settings, "data": data, "chunk_size": 2, **changes})


def test_resume_judges_saved_failures_again_and_failures_count_as_wrong(data, tmp_path, capsys):
    out = tmp_path / "run"
    first = run_eval(config(data, out), backend=ScriptedBackend(answer))
    assert first["metrics"]["failures"] == 0
    # The run as a loaded machine leaves it: two verdicts saved as "busy" (no worker was free).
    path = out / "completions.jsonl"
    records = list(iter_rollouts(path))
    for record in records[:2]:
        response = record["responses"][0]
        response.update(score=0.0, correct=False)
        response["metadata"].update(reason="busy", detail={"message": "all 2 workers stayed busy"})
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    broken = runner.summarize_run(records, (1,), {})
    assert broken["metrics"]["failures"] == 2 and broken["metrics"]["pass@1"] < 1.0  # wrong, and said so

    resumed = run_eval(config(data, out, resume=True), backend=ScriptedBackend(answer))
    assert "judged 2 saved verdicts" in capsys.readouterr().out
    assert resumed["metrics"]["failures"] == 0 and resumed["metrics"]["pass@1"] == 1.0
    assert {r["metadata"]["reason"] for rec in iter_rollouts(path) for r in rec["responses"]} == {"ok"}


def test_pending_verification_is_bounded(data, tmp_path, monkeypatch):
    monkeypatch.setattr(runner, "MAX_PENDING_CHUNKS", 1)
    real = runner._verify_chunk

    def slow_verify(*args):
        time.sleep(0.2)  # verification slower than generation
        return real(*args)

    monkeypatch.setattr(runner, "_verify_chunk", slow_verify)
    out = tmp_path / "run"
    seen: list[int] = []

    class Watching(ScriptedBackend):
        def generate(self, requests, sampling):
            path = out / "completions.jsonl"
            written = len(path.read_text().splitlines()) if path.exists() else 0
            seen.append(len(self.requests) // 2 - written)  # prompts generated but not yet written
            return super().generate(requests, sampling)

    run_eval(config(data, out), backend=Watching(answer))
    assert max(seen) <= 2 * (1 + 1), f"more than MAX_PENDING_CHUNKS + 1 chunks waited: {seen}"


def test_the_writer_never_fails_on_a_lone_surrogate(tmp_path):
    record = {"id": "1", "prompt": "p", "ground_truth": "1", "responses": [{"text": "x\ud800y", "score": 0.0}]}
    with RolloutWriter(tmp_path / "r.jsonl") as writer:
        writer.write(record)
    assert next(iter_rollouts(tmp_path / "r.jsonl"))["responses"][0]["text"] == "x?y"
