"""`python -m rlvr`: the installation report a user pastes into a bug report."""

import subprocess
import sys

import rlvr
from rlvr.__main__ import extra_requirements, report_lines


def test_the_report_names_version_tasks_isolation_and_every_extra():
    lines = report_lines()
    assert lines[0] == f"rlvr {rlvr.__version__}"
    assert any(line.startswith("verifier tasks: ") and "rubric" in line for line in lines)
    assert any(line.startswith("sandbox isolation: ") for line in lines)
    extras = extra_requirements()
    assert {"hf", "vllm", "eval", "hub", "grpo", "trl", "verl"} <= set(extras) and "dev" not in extras
    assert extras["hub"] == ["datasets"]
    assert [line.split(":")[0] for line in lines if line.startswith("extra ")] == [f"extra {e}" for e in extras]


def test_python_m_rlvr_prints_the_report():
    run = subprocess.run([sys.executable, "-m", "rlvr"], capture_output=True, text=True, check=True)
    assert run.stdout.splitlines()[0] == f"rlvr {rlvr.__version__}"
