"""`rlvr-eval report` on the base install (no matplotlib) and across runs of different tasks;
`score` on inputs a newcomer gets wrong."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from rlvr.eval.cli import main
from rlvr.eval.records import OFFLINE_SWITCHES, hub_unreachable

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "gsm8k_completions.jsonl"
# rlvr-eval's main with matplotlib unimportable, as on `pip install rlvr` without the eval extra.
WITHOUT_MATPLOTLIB = "import sys; sys.modules['matplotlib'] = None; from rlvr.eval.cli import main; sys.exit(main())"


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> tuple[Path, Path, Path]:
    top = tmp_path_factory.mktemp("runs")
    for name, task, options in [("any", "gsm8k", []), ("strict", "gsm8k", ["mode=strict"]), ("as-math", "math", [])]:
        flags = [arg for option in options for arg in ("--verifier-option", option)]
        argv = ["score", "--task", task, "--completions", str(EXAMPLE), "--output", str(top / name), *flags]
        assert main(argv) == 0
    return top / "any", top / "strict", top / "as-math"


def test_report_prints_its_table_without_matplotlib_and_says_how_to_get_plots(runs):
    done = subprocess.run(
        [sys.executable, "-c", WITHOUT_MATPLOTLIB, "report", str(runs[0]), str(runs[1])],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "pass@1" in done.stdout and "delta strict" in done.stdout
    assert "plots: none (they need matplotlib: pip install 'rlvr[eval]')" in done.stdout
    assert not list(runs[0].glob("*.png"))


def test_report_warns_when_the_runs_are_of_different_tasks(runs, capsys):
    assert main(["report", str(runs[0]), str(runs[1])]) == 0
    assert "warning" not in capsys.readouterr().err
    assert main(["report", str(runs[0]), str(runs[2])]) == 0
    err = capsys.readouterr().err
    assert "runs are of different tasks (any: gsm8k, as-math: math)" in err


def test_score_on_an_empty_file_is_an_error_not_a_table_of_dashes(tmp_path, capsys):
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n")
    assert main(["score", "--task", "gsm8k", "--completions", str(empty)]) == 2
    assert capsys.readouterr().err == f"rlvr-eval: error: {empty} holds no records: nothing to score\n"


def test_score_and_data_errors_count_records_alike_from_1(tmp_path, capsys):
    completions = tmp_path / "c.jsonl"
    completions.write_text(
        '{"id": "a", "prompt": "", "ground_truth": "1", "responses": [{"text": "1"}]}\n{"id": "b"}\n'
    )
    assert main(["score", "--task", "gsm8k", "--completions", str(completions)]) == 2
    assert "record 2 (id 'b'): 'prompt' must be a string" in capsys.readouterr().err


def test_without_bubblewrap_the_hint_names_the_command_line_flag(tmp_path):
    completions = tmp_path / "mbpp.jsonl"
    truth = {"test_list": ["assert f() == 1"]}
    completions.write_text(json.dumps({"id": "1", "prompt": "", "ground_truth": truth, "responses": [{"text": "x"}]}))
    done = subprocess.run(
        [sys.executable, "-m", "rlvr.eval.cli", "score", "--task", "mbpp", "--completions", str(completions)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PATH": str(tmp_path)},  # no bwrap on PATH
    )
    assert done.returncode == 2, done.stderr
    assert "pass --verifier-option allow_weak_isolation=true to run programs" in done.stderr


@pytest.fixture
def direct(monkeypatch):
    """An environment that reaches the network directly: no proxy, no offline switch."""
    for name in [*OFFLINE_SWITCHES, *(f"{kind}_proxy" for kind in ("http", "https", "all"))]:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)


@pytest.mark.parametrize(
    "env, reason",
    [({"HF_HUB_OFFLINE": "1"}, "offline mode is set"), ({"HF_ENDPOINT": "http://127.0.0.1:9"}, "cannot be reached")],
    ids=["offline mode", "hub unreachable"],
)
def test_without_data_and_offline_the_error_comes_at_once(direct, monkeypatch, capsys, env, reason):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    started = time.monotonic()
    argv = ["greedy", "--backend", "openai", "--model", "m", "--task", "gsm8k", "--output", "unused"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert time.monotonic() - started < 10 and reason in err and "pass --data FILE" in err, err


def test_behind_a_proxy_the_hub_is_not_probed_directly(direct, monkeypatch):
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")  # nothing listens: a direct probe fails
    assert "cannot be reached" in (hub_unreachable() or "")
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:9")  # datasets would go through the proxy
    assert hub_unreachable() is None
