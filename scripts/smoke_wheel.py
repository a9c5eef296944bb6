"""Smoke test of an installed rlvr wheel, run from outside the checkout (scripts/test-wheel.sh).

It checks what a user gets from `pip install rlvr`: the package imports from site-packages (not
the checkout), every task gives its verdict, `rlvr-eval score` runs on the example completions,
a few-shot prompt reads the shipped exemplars, and `python -m rlvr` reports the installation.

    python scripts/smoke_wheel.py examples/gsm8k_completions.jsonl OUTPUT_DIR
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import rlvr
from rlvr.eval.prompts import fewshot_examples
from rlvr.tasks.registry import prompt_format
from rlvr.testing.scripted_judge import ScriptedJudge

ADD = "def add(a, b):\n    return a + b\n"
# (task, a correct completion, its ground truth): one per verifier task, each must score 1.0.
CASES = [
    ("gsm8k", "So she has 18 eggs. The answer is 18.", "#### 18"),
    ("math", "Half of it: $\\boxed{\\frac{1}{2}}$.", "\\frac12"),
    ("ifeval", "all lower case here", {"instruction_id_list": ["change_case:english_lowercase"], "kwargs": [{}]}),
    ("ifbench", "7", {"instruction_id_list": ["count:numbers"], "kwargs": [{"N": 1}]}),
    ("if_multi", "all lower", {"func_name": "validate_lowercase"}),
    ("mbpp", ADD, {"test_list": ["assert add(1, 2) == 3"]}),
    (
        "humaneval",
        "    return a + b\n",
        {"prompt": "def add(a, b):\n", "test": "def check(f):\n    assert f(1, 2) == 3\n", "entry_point": "add"},
    ),
    ("apps", "print(int(input()) * 2)\n", {"inputs": ["2\n"], "outputs": ["4\n"]}),
]


def check(condition: bool, what: str) -> None:
    if not condition:
        sys.exit(f"wheel smoke test failed: {what}")
    print(f"ok  {what}")


def main(example: str, output: str) -> None:
    check(Path(sys.prefix) in Path(rlvr.__file__).parents, f"rlvr imports from the install ({rlvr.__file__})")
    for task, completion, truth in CASES:
        verdict = rlvr.verify(completion, truth, task)
        check(verdict.score == 1.0, f"{task}: {verdict.reason} {verdict.score}")
    with ScriptedJudge() as judge:
        truth = {"prompt": "Describe a fruit.", "rubrics": ['Mentions "apple"', 'Mentions "pear"']}
        verifier = rlvr.get_verifier("rubric", judge_base_url=judge.url, judge_model="scripted")
        verdict = verifier.verify("An apple, not a pear.", truth)
        check(verdict.score == 1.0, f"rubric against a local scripted judge: {verdict.reason}")
    shots = fewshot_examples(prompt_format("gsm8k_cot"), 8, None)
    check(len(shots) == 8, "gsm8k_cot few-shot prompt reads the shipped exemplars")
    score = [sys.executable, "-m", "rlvr.eval.cli", "score", "--task", "gsm8k", "--completions", example]
    subprocess.run([*score, "--output", output], check=True)
    summary = json.loads((Path(output) / "summary.json").read_text())
    check(summary["metrics"]["mean_score"] > 0.5, "rlvr-eval score on the example completions")
    doctor = subprocess.run([sys.executable, "-m", "rlvr"], capture_output=True, text=True, check=True).stdout
    check(doctor.startswith(f"rlvr {rlvr.__version__}"), "python -m rlvr reports the installation")
    print(doctor)


if __name__ == "__main__":
    main(*sys.argv[1:])
