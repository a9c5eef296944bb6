"""`rlvr-eval report` on the base install (no matplotlib) and across runs of different tasks."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from rlvr.eval.cli import main

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
