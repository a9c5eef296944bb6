"""`python -m rlvr.grpo --config`: the example config runs; a mistake in the config or its data is
one line before any model loads; Ctrl-C saves a checkpoint and the printed command resumes it."""

from __future__ import annotations

import json
import shutil
import signal
from pathlib import Path

import pytest

from rlvr.grpo import session as session_module
from rlvr.grpo.__main__ import main
from rlvr.testing.tiny_model import build_tiny_model

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
GOOD = {"prompt": "Question: 2 + 3?\nAnswer:", "ground_truth": "#### 5"}
# The model does not exist: a config error reported after loading it would be another message.
SESSION = "session: {base_model: no/such/model, reward: gsm8k}\n"

MISTAKES = {
    "not yaml": ("session: [unclosed\n", "run.yaml: not valid YAML"),
    "a list": ("- session\n", "the config must be a mapping"),
    "unknown key": (SESSION + "data: train.jsonl\nstep: 3\n", "unknown top-level key(s) ['step']"),
    "no data": (SESSION, "the config has no 'data'"),
    "missing data file": (SESSION + "data: missing.jsonl\n", "missing.jsonl"),
    "record without ground truth": (SESSION + "data: no_truth.jsonl\n", "record 2 has no 'ground_truth'"),
    "line not json": (SESSION + "data: broken.jsonl\n", "broken.jsonl, line 2: not JSON"),
    "steps zero": (SESSION + "data: train.jsonl\nsteps: 0\n", "steps must be a whole number >= 1, got 0"),
    "ill-typed setting": (
        "session: {base_model: m, reward: gsm8k, group_size: eight}\ndata: train.jsonl\n",
        "a setting has the wrong type",
    ),
    "unknown setting": ("session: {base_model: m, reward: gsm8k, groupsize: 4}\ndata: train.jsonl\n", "groupsize"),
}


@pytest.mark.parametrize("text, message", list(MISTAKES.values()), ids=list(MISTAKES))
def test_a_mistake_is_one_line_before_any_model_loads(tmp_path, monkeypatch, capsys, text, message):
    monkeypatch.chdir(tmp_path)
    Path("train.jsonl").write_text(json.dumps(GOOD) + "\n")
    Path("no_truth.jsonl").write_text(json.dumps(GOOD) + "\n" + json.dumps({"prompt": "Q"}) + "\n")
    Path("broken.jsonl").write_text(json.dumps(GOOD) + "\n{not json\n")
    Path("run.yaml").write_text(text)
    assert main(["--config", "run.yaml"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("python -m rlvr.grpo: error: run.yaml") and err.count("\n") == 1, err
    assert message in err


@pytest.fixture
def example_run(tmp_path, monkeypatch):
    """The repository's example config and data, run from a folder with the tiny model built."""
    monkeypatch.chdir(tmp_path)
    shutil.copytree(EXAMPLES, "examples")
    build_tiny_model("runs/tiny-model")
    return Path("runs/grpo-example")


def test_ctrl_c_saves_and_the_printed_command_resumes(example_run, monkeypatch, capsys):
    real_step = session_module.Session.train_grpo_step
    calls = []

    def step_then_ctrl_c(self, *args, **kwargs):
        metrics = real_step(self, *args, **kwargs)
        calls.append(1)
        if len(calls) == 1:
            signal.raise_signal(signal.SIGINT)  # as a user's Ctrl-C, after the first step
        return metrics

    monkeypatch.setattr(session_module.Session, "train_grpo_step", step_then_ctrl_c)
    assert main(["--config", "examples/grpo_config.yaml"]) == 130
    err = capsys.readouterr().err
    assert "interrupted after 1 of 2 steps" in err and "Traceback" not in err
    command = err.strip().splitlines()[-1]
    assert command.startswith("continue with: python -m rlvr.grpo --config examples/grpo_config.yaml --resume ")
    checkpoint = command.rsplit(" ", 1)[1]
    assert json.loads(Path(checkpoint, "session.json").read_text())["step"] == 1
    assert main(command.split("python -m rlvr.grpo ", 1)[1].split()) == 0
    trace = [json.loads(line) for line in (example_run / "trace.jsonl").read_text().splitlines()]
    assert [record["step"] for record in trace] == [0, 1]
    assert (example_run / "checkpoints" / "step2" / "session.json").exists()
