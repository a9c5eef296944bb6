"""Responses verified per second on the 541 IFEval prompts (strict and loose), ours side by side
with lm-eval's implementation in the same run. Every round starts with empty caches, so the
memoisation inside one response (eight loose variants, several instructions) is all we gain."""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from ifeval_reference import load_reference  # noqa: E402
from ifeval_responses import make_response  # noqa: E402
from shared_data import data_file  # noqa: E402

from rlvr.ifeval_checks import IFEVAL_CHECKS, build_check, follows  # noqa: E402
from rlvr.ifeval_checks.text import clear_caches  # noqa: E402


@pytest.fixture(scope="module")
def workload():
    with open(data_file("ifeval/input_data.jsonl"), encoding="utf-8") as handle:
        records = [json.loads(line) for line in handle]
    rng = random.Random(3)
    return records, [make_response(rng, record) for record in records]


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    return load_reference(tmp_path_factory.mktemp("nltk_data"))


def ours(records, responses):
    clear_caches()
    verdicts = []
    for record, response in zip(records, responses):
        checks = [build_check(i, k, IFEVAL_CHECKS) for i, k in zip(record["instruction_id_list"], record["kwargs"])]
        verdicts.append(
            (
                [follows(c, response).followed for c in checks],
                [follows(c, response, loose=True).followed for c in checks],
            )
        )
    return verdicts


def theirs(utils, records, responses):
    verdicts = []
    for record, response in zip(records, responses):
        example = utils.InputExample(
            key=record["key"],
            instruction_id_list=record["instruction_id_list"],
            prompt=record["prompt"],
            kwargs=record["kwargs"],
        )
        verdicts.append(
            (
                utils.test_instruction_following_strict(example, response).follow_instruction_list,
                utils.test_instruction_following_loose(example, response).follow_instruction_list,
            )
        )
    return verdicts


def test_ifeval_ours(benchmark, workload):
    records, responses = workload
    assert len(benchmark(ours, records, responses)) == 541


def test_ifeval_lm_eval(benchmark, workload, reference):
    records, responses = workload
    utils, _ = reference
    assert len(benchmark(theirs, utils, records, responses)) == 541
