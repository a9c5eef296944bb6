"""Tasks ifeval, ifbench and if_multi on the real data: every record loads and every check runs;
ground-truth forms, scoring options, never-raise and determinism properties; offline tokenisation."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shared_data import data_file

import rlvr
from rlvr.verdict import BAD_GROUND_TRUTH, MISMATCH, NO_ANSWER, OK

ROOT = Path(__file__).resolve().parents[1]


def load(relative: str) -> list[dict]:
    with open(data_file(relative), encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]


@pytest.fixture(scope="module")
def ifeval_records():
    return load("ifeval/input_data.jsonl")


@pytest.fixture(scope="module")
def ifbench_records():
    return load("ifbench/IFBench_test.jsonl")


@pytest.mark.parametrize(
    "task,relative,count", [("ifeval", "ifeval/input_data.jsonl", 541), ("ifbench", "ifbench/IFBench_test.jsonl", 300)]
)
def test_every_record_loads_and_every_check_runs(task, relative, count):
    records = load(relative)
    assert len(records) == count
    ids = set()
    for record in records:
        for loose in (False, True):
            verdict = rlvr.verify(record["prompt"], record, task, loose=loose)
            assert verdict.reason in (OK, MISMATCH), (record["key"], verdict)
            listed = [item["id"] for item in verdict.detail["instructions"]]
            assert listed == record["instruction_id_list"]
        ids.update(record["instruction_id_list"])
    assert len(ids) == (25 if task == "ifeval" else 58)


def test_hugging_face_style_nulls_and_json_strings(ifeval_records):
    record = next(r for r in ifeval_records if "length_constraints:number_words" in r["instruction_id_list"])
    all_names = {name for r in ifeval_records for kwargs in r["kwargs"] for name in kwargs}
    with_nulls = dict(record, kwargs=[{name: kwargs.get(name) for name in all_names} for kwargs in record["kwargs"]])
    response = "word " * 400
    expected = rlvr.verify(response, record, "ifeval")
    assert rlvr.verify(response, with_nulls, "ifeval") == expected
    assert rlvr.verify(response, json.dumps(with_nulls), "ifeval") == expected


def test_partial_credit_all_or_nothing_and_detail():
    truth = {"instruction_id_list": ["punctuation:no_comma", "change_case:english_lowercase"], "kwargs": [{}, {}]}
    verdict = rlvr.verify("No commas Here at all today my friend.", truth, "ifeval")
    assert verdict.score == 0.5 and not verdict.correct and verdict.reason == MISMATCH
    assert verdict.detail["instructions"] == [
        {"id": "punctuation:no_comma", "followed": True},
        {"id": "change_case:english_lowercase", "followed": False},
    ]
    assert rlvr.verify("No commas Here at all today my friend.", truth, "ifeval", all_or_nothing=True).score == 0.0
    assert rlvr.verify("no commas here at all today my friend.", truth, "ifeval").reason == OK
    assert rlvr.verify("   ", truth, "ifeval").reason == NO_ANSWER


def test_loose_forgives_a_preamble_line():
    truth = {"instruction_id_list": ["punctuation:no_comma"], "kwargs": [{}]}
    response = "Sure, here it is:\nNo commas in the answer."
    assert rlvr.compute_reward(response, truth, "ifeval") == 0.0
    assert rlvr.compute_reward(response, truth, "ifeval", loose=True) == 1.0


@pytest.mark.parametrize(
    "truth",
    [
        {"instruction_id": ["punctuation:no_comma", "count:numbers"], "kwargs": [None, {"N": 2}]},
        [{"instruction_id": ["punctuation:no_comma", "count:numbers"], "kwargs": [{}, {"N": 2}]}],
        str([{"instruction_id": ["punctuation:no_comma", "count:numbers"], "kwargs": [{}, {"N": 2}]}]),
        json.dumps(
            [json.dumps({"instruction_id": ["punctuation:no_comma", "count:numbers"], "kwargs": [{}, {"N": 2}]})]
        ),
        [
            {"instruction_id": ["punctuation:no_comma"], "kwargs": [{}]},
            {"instruction_id": ["count:numbers"], "kwargs": [{"N": 2}]},
        ],
    ],
)
def test_if_multi_ground_truth_forms(truth):
    from rlvr.verifiers.if_multi import compute_reward

    assert compute_reward("<think>a, b, 1 2 3</think><answer>Take 1 and 2.</answer>", truth) == 1.0
    assert compute_reward("Take 1, 2 and 3.", truth) == 0.0


@pytest.mark.parametrize("task", ["ifeval", "ifbench", "if_multi"])
@pytest.mark.parametrize(
    "truth",
    [
        None,
        3,
        "not json",
        "[]",
        {"instruction_id_list": []},
        {"instruction_id_list": ["punctuation:no_comma"], "kwargs": [{}, {}]},
        {"instruction_id_list": ["no:such"], "kwargs": [{}]},
        {"instruction_id_list": ["count:numbers"], "kwargs": [{}]},
    ],
)
def test_bad_ground_truths(task, truth):
    verdict = rlvr.verify("text", truth, task)
    assert verdict.score == 0.0 and verdict.reason == BAD_GROUND_TRUTH


def test_tasks_accept_only_their_ids():
    ifbench_truth = {"instruction_id_list": ["count:numbers"], "kwargs": [{"N": 1}]}
    assert rlvr.verify("7", ifbench_truth, "ifeval").reason == BAD_GROUND_TRUTH
    assert rlvr.verify("7", ifbench_truth, "ifbench").reason == OK
    assert rlvr.verify("7", ifbench_truth, "if_multi").reason == OK


def test_module_level_two_argument_compute_reward():
    from rlvr.verifiers import if_multi, ifbench, ifeval

    no_comma = {"instruction_id_list": ["punctuation:no_comma"], "kwargs": [{}]}
    two_numbers = {"instruction_id_list": ["count:numbers"], "kwargs": [{"N": 2}]}
    assert [
        ifeval.compute_reward("a b", no_comma),
        ifbench.compute_reward("1 and 2", two_numbers),
        if_multi.compute_reward("a b", no_comma),
    ] == [1.0, 1.0, 1.0]
    assert ifbench.compute_reward("1, 2 and 3", two_numbers) == 0.0


@settings(max_examples=60, deadline=None)
@given(index=st.integers(0, 540), response=st.text(max_size=300), loose=st.booleans())
def test_never_raises_deterministic_score_in_range(ifeval_records, index, response, loose):
    record = ifeval_records[index]
    first = rlvr.verify(response, record, "ifeval", loose=loose)
    assert 0.0 <= first.score <= 1.0
    assert first == rlvr.verify(response, json.dumps(record), "ifeval", loose=loose)


@settings(max_examples=40, deadline=None)
@given(index=st.integers(0, 299), response=st.text(max_size=300))
def test_ifbench_never_raises(ifbench_records, index, response):
    verdict = rlvr.verify(response, ifbench_records[index], "ifbench", loose=True)
    assert 0.0 <= verdict.score <= 1.0 and verdict.reason != "error"


def test_language_detection_is_the_same_in_fresh_processes():
    code = textwrap.dedent("""
        from rlvr.ifeval_checks.text import detect_language
        texts = ["Ciao", "Hola amigo", "ok ok", "Das ist gut", "merci beaucoup", "tak", "si"]
        print([detect_language(t) for t in texts])
    """)
    outputs = {
        subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True).stdout
        for _ in range(3)
    }
    assert len(outputs) == 1


def test_tokenisation_needs_no_nltk_data_and_no_network(tmp_path):
    """In a fresh process with an empty NLTK data path, no sockets and nltk.download refused,
    sentence and word tokenisation and part-of-speech tagging still work (and tokenisation
    gives NLTK's answers)."""
    code = textwrap.dedent(f"""
        import socket, nltk
        def refuse(*a, **k):
            raise SystemExit("network or download attempted")
        socket.socket = refuse
        socket.create_connection = refuse
        nltk.download = refuse
        nltk.data.path[:] = [{str(tmp_path)!r}]
        from rlvr.ifeval_checks import text as tx
        assert tx.sentences("Dr. Smith went home. He was tired.") == ("Dr. Smith went home.", "He was tired.")
        assert tx.word_tokens("Don't stop.") == ("Do", "n't", "stop", ".")
        import rlvr
        truth = {{"instruction_id_list": ["length_constraints:number_sentences", "change_case:capital_word_frequency"],
                  "kwargs": [{{"num_sentences": 2, "relation": "at least"}},
                             {{"capital_frequency": 1, "capital_relation": "at least"}}]}}
        verdict = rlvr.verify("I saw the U.S. flag. It was BIG.", truth, "ifeval")
        assert verdict.score == 1.0, verdict
        start_verb = {{"instruction_id_list": ["words:start_verb"], "kwargs": [{{}}]}}
        assert rlvr.verify("Write it down.", start_verb, "ifbench").score == 1.0
        assert rlvr.verify("The sea.", start_verb, "ifbench").score == 0.0
        print("ok")
    """)
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0 and result.stdout.strip() == "ok", result.stderr[-2000:]
