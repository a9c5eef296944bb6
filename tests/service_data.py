"""Mixed real samples (GSM8K, MATH-500, IFEval, MBPP) for the async and `rlvr serve` tests.

Completions are real text from the benchmarks: a reference solution paired with its own gold
answer (usually judged right) or with another problem's (judged wrong), a reference program or
another task's program, an IFEval prompt answered with another prompt's text. What the tests
compare is the same verdict by two paths, so neither the data nor the expected outcome comes
from rlvr.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from code_data import mbpp_rows
from shared_data import data_file


@dataclass(frozen=True)
class Sample:
    task: str
    completion: str
    ground_truth: Any


def _jsonl(relative: str) -> list[dict]:
    with open(data_file(relative), encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]


def gsm8k_samples(count: int) -> list[Sample]:
    rows = _jsonl("gsm8k/test.jsonl")[:count]
    return [
        Sample("gsm8k", row["answer"], rows[i if i % 2 else (i + 1) % count]["answer"]) for i, row in enumerate(rows)
    ]


def math_samples(count: int) -> list[Sample]:
    rows = _jsonl("math500/test.jsonl")[:count]
    return [
        Sample("math", row["solution"], rows[i if i % 3 else (i + 1) % count]["answer"]) for i, row in enumerate(rows)
    ]


def ifeval_samples(count: int) -> list[Sample]:
    rows = _jsonl("ifeval/input_data.jsonl")[: count + 1]
    truth = [{"instruction_id_list": row["instruction_id_list"], "kwargs": row["kwargs"]} for row in rows]
    return [Sample("ifeval", rows[i + 1]["prompt"], truth[i]) for i in range(count)]


def mbpp_samples(count: int) -> list[Sample]:
    rows = mbpp_rows()[:count]
    return [Sample("mbpp", rows[i if i % 2 else (i + 1) % count]["code"], row) for i, row in enumerate(rows)]


def mixed_samples(count: int) -> list[Sample]:
    """`count` samples, interleaved: mostly math and gsm8k, some IFEval, one MBPP in ten."""
    pools = [math_samples(count), gsm8k_samples(count), ifeval_samples(count), mbpp_samples(max(1, count // 10))]
    order = ["math", "gsm8k", "math", "ifeval", "gsm8k", "math", "gsm8k", "ifeval", "math", "mbpp"]
    taken = {name: 0 for name in order}
    by_task = {pool[0].task: pool for pool in pools}
    samples = []
    for i in range(count):
        task = order[i % len(order)]
        samples.append(by_task[task][taken[task]])
        taken[task] += 1
    return samples


def judgement(verdict: Any) -> tuple:
    """What a verdict decided (score, correct, extracted, reason) from a Verdict or its JSON dict;
    `detail` is left out because code verdicts carry the programs' run times there."""
    fields = verdict if isinstance(verdict, dict) else verdict.to_dict()
    return fields["score"], fields["correct"], fields["extracted"], fields["reason"]
