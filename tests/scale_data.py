"""Real GSM8K, MATH and MBPP batches (right and wrong completions) for the distributed tests and
benchmarks/bench_scale.py, and the verdict fields that must match between local and cluster runs."""

from __future__ import annotations

import json
from typing import Any

from code_data import mbpp_rows
from math_data import different_answer, load_problems, rewritings, subset
from shared_data import data_file

from rlvr.verdict import Verdict


def gsm8k_batch(count: int) -> tuple[list[str], list[str]]:
    """Reference solutions (right) and the same with the final number changed (wrong), alternating."""
    with open(data_file("gsm8k/test.jsonl"), encoding="utf-8") as handle:
        rows = [json.loads(line) for _, line in zip(range(count), handle)]
    completions = []
    for i, row in enumerate(rows):
        reasoning, final = row["answer"].rsplit("####", 1)
        completions.append(row["answer"] if i % 2 == 0 else f"{reasoning}#### {final.strip()}1")
    return completions, [row["answer"] for row in rows]


def math_batch(count: int) -> tuple[list[str], list[str]]:
    """Over MATH problems in turn: the reference solution, a rewritten answer (often settled by
    sympy) and another problem's answer, each in \\boxed{}."""
    problems = load_problems()
    chosen = subset(problems, count)
    completions, truths = [], []
    for i, problem in enumerate(chosen):
        if i % 3 == 0:
            completions.append(problem.solution)
        elif i % 3 == 1:
            completions.append(f"So the answer is $\\boxed{{{rewritings(problem.answer)[-1][1]}}}$.")
        else:
            completions.append(f"The answer is $\\boxed{{{different_answer(problems, problems.index(problem))}}}$.")
        truths.append(problem.answer)
    return completions, truths


def mbpp_batch(count: int) -> tuple[list[str], list[dict]]:
    """MBPP reference programs (right) and the next problem's program (wrong), alternating."""
    rows = mbpp_rows()[:count]
    completions = [
        f"```python\n{row['code'] if i % 2 == 0 else rows[(i + 1) % len(rows)]['code']}\n```"
        for i, row in enumerate(rows)
    ]
    return completions, rows


def comparable(verdict: Verdict) -> tuple[Any, ...]:
    """A verdict without the measured test durations, which differ from run to run."""
    detail = verdict.detail
    if "tests" in detail:
        detail = {**detail, "tests": [{k: v for k, v in t.items() if k != "seconds"} for t in detail["tests"]]}
    return (
        verdict.score,
        verdict.correct,
        verdict.extracted,
        verdict.reason,
        json.dumps(detail, sort_keys=True, default=str),
    )
