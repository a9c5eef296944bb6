"""rlvr.integrations.verl: verl's reward-function contract, without verl installed.

The same functions loaded and called by verl itself (its config loader and reward managers)
are tested in test_integrations_verl_real.py, which needs the `verl` extra.
"""

from __future__ import annotations

import json
import logging

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shared_data import data_file

import rlvr
from rlvr.integrations.verl import DATA_SOURCES, _plain, compute_score, compute_score_batch, task_for
from rlvr.tasks import data_sources

RESULT_KEYS = {"failed", "score", "acc", "pred", "correct", "extracted", "reason", "detail"}


def gsm8k_samples(n: int = 60):
    """(solution, ground truth) pairs on real GSM8K rows in verl's gsm8k format: its
    preprocessing keeps the number after "####" as ground truth and asks for "#### N"."""
    with open(data_file("gsm8k/test.jsonl"), encoding="utf-8") as handle:
        rows = [json.loads(line) for _, line in zip(range(n), handle)]
    samples = []
    for i, row in enumerate(rows):
        gold = row["answer"].rpartition("####")[2].strip().replace(",", "")
        solution = [f"Step by step.\n#### {gold}", f"#### {int(gold) + 3}", "No idea."][i % 3]
        samples.append((solution, gold))
    return samples


def test_verl_gsm8k_data_source_scores_like_rlvr():
    for solution, gold in gsm8k_samples():
        result = compute_score("openai/gsm8k", solution, gold, extra_info={"split": "test", "index": 0})
        verdict = rlvr.verify(solution, gold, task="gsm8k")
        assert set(result) == RESULT_KEYS
        assert result["score"] == verdict.score and result["correct"] == verdict.correct
        assert result["acc"] == float(verdict.correct) and result["reason"] == verdict.reason
        assert result["extracted"] == verdict.extracted and result["pred"] == (verdict.extracted or "")
        assert json.loads(result["detail"]) == verdict.detail


def test_default_mapping_covers_verl_names_and_rlvr_task_names():
    assert task_for("openai/gsm8k") == "gsm8k"
    for name in ("lighteval/MATH", "DigitalLearningGmbH/MATH-lighteval", "HuggingFaceH4/MATH-500", "math"):
        assert task_for(name) == "math"
    assert task_for("google/IFEval") == "ifeval"
    assert set(DATA_SOURCES.values()) == set(rlvr.available_tasks())
    assert all(task_for(task) == task for task in rlvr.available_tasks())
    assert task_for("searchR1_nq") is None and task_for(None) is None


def test_the_aliases_are_the_registered_tasks_data_sources():
    assert DATA_SOURCES == data_sources()
    assert task_for("TIGER-Lab/MMLU-Pro") == "mcq" and task_for("codeparrot/apps") == "apps"


def test_verl_math500_data_source_on_real_answers():
    # Passes once the math verifier is merged: MATH-500's answers, boxed, through verl's name.
    with open(data_file("math500/test.jsonl"), encoding="utf-8") as handle:
        rows = [json.loads(line) for _, line in zip(range(20), handle)]
    results = [compute_score("HuggingFaceH4/MATH-500", f"So \\boxed{{{r['answer']}}}.", r["solution"]) for r in rows]
    assert [r["score"] for r in results] == [1.0] * len(rows)


def test_task_map_and_options_come_as_reward_kwargs():
    solution, gold = "The answer is 18.", "18"
    assert compute_score("my/gsm8k-mirror", solution, gold)["reason"] == "unknown_task"
    mapped = compute_score("my/gsm8k-mirror", solution, gold, task_map={"my/gsm8k-mirror": "gsm8k"})
    assert mapped["score"] == 1.0
    strict_hash = compute_score("openai/gsm8k", solution, gold, options={"gsm8k": {"mode": "hash"}})
    assert strict_hash["reason"] == "no_answer"


@pytest.mark.parametrize(
    "options",
    [
        {"mode": "hash"},
        {"gsm8k": {"no_such": 1}},
        {"gsm8k": {"mode": "x"}},
        {"math": {"sympy_timeout": "2"}},
        ["gsm8k"],
    ],
)
def test_bad_options_raise_at_the_first_batch(options):
    with pytest.raises(ValueError):
        compute_score("openai/gsm8k", "#### 1", "1", options=options)
    with pytest.raises(ValueError):  # the batch has no math sample, yet math's bad option raises
        compute_score_batch(["openai/gsm8k"] * 2, ["#### 1"] * 2, ["1"] * 2, options=options)


@pytest.mark.parametrize("task_map", [{"my/gsm8k": "gsm8kk"}, {"my/gsm8k": 3}, ["gsm8k"], "gsm8k"])
def test_a_bad_task_map_raises(task_map):
    with pytest.raises(ValueError, match="task_map"):
        compute_score("my/gsm8k", "#### 1", "1", task_map=task_map)
    with pytest.raises(ValueError, match="task_map"):
        compute_score_batch(["my/gsm8k"], ["#### 1"], ["1"], task_map=task_map)


def test_unknown_data_source_scores_zero_and_warns_once(caplog):
    with caplog.at_level(logging.WARNING, logger="rlvr.integrations.verl"):
        results = [compute_score("hiyouga/geometry3k-unmapped", "#### 1", "1") for _ in range(3)]
    assert all(r["score"] == 0.0 and r["reason"] == "unknown_task" for r in results)
    assert len([r for r in caplog.records if "geometry3k-unmapped" in r.getMessage()]) == 1


def test_numpy_values_from_parquet_are_plain_values():
    # verl reads its parquet files with pandas: numbers arrive as numpy scalars and list-valued
    # ground truths (IFEval's instruction lists, code tests) as numpy object arrays.
    assert compute_score("openai/gsm8k", "#### 18", np.int64(18))["score"] == 1.0
    assert compute_score("openai/gsm8k", "#### 18", np.str_("18"))["score"] == 1.0
    gold = {
        "instruction_id_list": np.array(["a", "b"], dtype=object),
        "kwargs": np.array([{"n": np.int64(3)}, None], dtype=object),
    }
    assert _plain(gold) == {"instruction_id_list": ["a", "b"], "kwargs": [{"n": 3}, None]}
    assert type(_plain(gold)["kwargs"][0]["n"]) is int


def test_batch_form_equals_per_sample_form_in_input_order():
    samples = gsm8k_samples(30)
    sources = ["openai/gsm8k", "gsm8k", "unmapped/source"] * 10
    solutions = [s for s, _ in samples]
    golds = [g for _, g in samples]
    batch = compute_score_batch(sources, solutions, golds, extra_infos=[{}] * 30)
    assert batch == [compute_score(d, s, g) for d, s, g in zip(sources, solutions, golds)]
    with pytest.raises(ValueError, match="2 data_sources, 1 solutions"):
        compute_score_batch(["gsm8k"] * 2, ["1"], ["1", "2"])


_text = st.text(max_size=40)
_junk = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), _text),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(_text, inner, max_size=3)),
    max_leaves=6,
)
_source = st.one_of(st.sampled_from(sorted(DATA_SOURCES) + ["gsm8k", "unmapped"]), _junk)
# Valid options only: bad ones are configuration and raise (test_bad_options_raise_at_the_first_batch).
_options = st.one_of(st.none(), st.just({}), st.just({"gsm8k": {"mode": "boxed"}}))
# Valid task maps only: a bad one is configuration and raises (test_a_bad_task_map_raises).
_task_map = st.one_of(st.none(), st.dictionaries(_text, st.sampled_from(["gsm8k", "math"]), max_size=2))


@settings(max_examples=200, deadline=None)
@given(
    _source, st.one_of(_text, _junk), st.one_of(st.sampled_from(["18", "#### 7"]), _junk), _junk, _task_map, _options
)
def test_compute_score_never_raises(source, solution, ground_truth, extra_info, task_map, options):
    result = compute_score(source, solution, ground_truth, extra_info, task_map=task_map, options=options)
    assert set(result) == RESULT_KEYS and 0.0 <= result["score"] <= 1.0
    assert isinstance(result["reason"], str) and isinstance(result["detail"], str)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(_source, st.one_of(_text, _junk), _junk), max_size=6), _task_map, _options)
def test_compute_score_batch_never_raises(rows, task_map, options):
    results = compute_score_batch(
        [r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows], task_map=task_map, options=options
    )
    assert len(results) == len(rows) and all(0.0 <= r["score"] <= 1.0 for r in results)
