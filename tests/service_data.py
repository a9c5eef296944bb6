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
from math_data import load_problems
from shared_data import data_file

import rlvr
from rlvr.verdict import Verdict


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
        Sample("gsm8k", row["answer"], rows[i if i % 2 else (i + 1) % len(rows)]["answer"])
        for i, row in enumerate(rows)
    ]


def math_samples(count: int) -> list[Sample]:
    """MATH test solutions (then MATH-500's), each against its own answer, every third against the next one's."""
    rows = load_problems()[:count]
    return [Sample("math", p.solution, rows[i if i % 3 else (i + 1) % len(rows)].answer) for i, p in enumerate(rows)]


def ifeval_samples(count: int) -> list[Sample]:
    rows = _jsonl("ifeval/input_data.jsonl")[: count + 1]
    truth = [{"instruction_id_list": row["instruction_id_list"], "kwargs": row["kwargs"]} for row in rows]
    return [Sample("ifeval", rows[i + 1]["prompt"], truth[i]) for i in range(count)]


def mbpp_samples(count: int) -> list[Sample]:
    rows = mbpp_rows()[:count]
    return [Sample("mbpp", rows[i if i % 2 else (i + 1) % len(rows)]["code"], row) for i, row in enumerate(rows)]


def mixed_samples(count: int) -> list[Sample]:
    """`count` samples, interleaved: 4 in 10 math, 3 gsm8k, 2 IFEval, 1 MBPP (up to 1,800 samples)."""
    order = ["math", "gsm8k", "math", "ifeval", "gsm8k", "math", "gsm8k", "ifeval", "math", "mbpp"]
    tasks = [order[i % len(order)] for i in range(count)]
    makers = {"math": math_samples, "gsm8k": gsm8k_samples, "ifeval": ifeval_samples, "mbpp": mbpp_samples}
    pools = {task: iter(make(tasks.count(task))) for task, make in makers.items()}
    return [next(pools[task]) for task in tasks]


def in_process_verdicts(samples: list[Sample]) -> list[Verdict]:
    """The in-process verdicts of `samples`, each task's through its verifier's verify_batch."""
    verdicts: list[Verdict | None] = [None] * len(samples)
    for task in {s.task for s in samples}:
        rows = [i for i, s in enumerate(samples) if s.task == task]
        batch = rlvr.get_verifier(task).verify_batch(
            [samples[i].completion for i in rows], [samples[i].ground_truth for i in rows]
        )
        for i, verdict in zip(rows, batch):
            verdicts[i] = verdict
    return [v for v in verdicts if v is not None]


def judgement(verdict: Any) -> tuple:
    """What a verdict decided (score, correct, extracted, reason) from a Verdict or its JSON dict;
    `detail` is left out because code verdicts carry the programs' run times there."""
    fields = verdict if isinstance(verdict, dict) else verdict.to_dict()
    return fields["score"], fields["correct"], fields["extracted"], fields["reason"]
