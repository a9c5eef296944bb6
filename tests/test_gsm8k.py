"""GSM8K verifier: modes, normalisation, stop sequences, format bonus, the whole dataset,
properties of the contract, and extraction parity with lm-eval's own filters."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shared_data import data_file

import rlvr
from rlvr.verifiers.gsm8k import MODES as MODE_TABLE
from rlvr.verifiers.gsm8k import compute_reward, extract_answer, parse_number

MODES = sorted(MODE_TABLE)


def gsm8k_gold_answers() -> list[tuple[str, str]]:
    """(full reference answer, the number after ####) for all 8,792 train and test problems."""
    rows = []
    for split in ("train", "test"):
        with open(data_file(f"gsm8k/{split}.jsonl")) as handle:
            for line in handle:
                answer = json.loads(line)["answer"]
                rows.append((answer, answer.rpartition("####")[2].strip()))
    return rows


# How each mode expects the answer to be stated.
STATED_IN_FORMAT = {
    "strict": "Adding them up gives the total. The answer is {}.",
    "hash": "Adding them up gives the total.\n#### {}",
    "boxed": "Adding them up gives the total, so the result is $\\boxed{{{}}}$.",
    "flexible": "Adding 2 and 3 and the rest gives {}",
}


@pytest.mark.parametrize(
    "completion, mode, extracted",
    [
        ("So 3 + 4 = 7. The answer is 7.", "strict", "7"),
        ("The answer is 1,234.56. Done", "strict", "1,234.56."),
        ("I think so. the answer is 7.", "strict", None),
        ("Natalia sold 48/2 = <<48/2=24>>24 clips.\n#### 72", "hash", "72"),
        ("#### 5 and later #### 6", "hash", "5"),
        ("We get $\\boxed{\\frac{1}{2}}$ and \\boxed{12}", "boxed", "12"),
        ("no box here, 12", "boxed", None),
        ("It costs $1,080 in total, or 1080.", "flexible", "1080."),
        ("Subtract: -5", "flexible", "-5"),
        ("\\boxed{3}. The answer is 4.", "any", "3"),
        ("The answer is 4. Wait, the final answer is **5**.", "any", "5"),
        ("#### 8", "any", "8"),
        ("She has 9 apples and 10 pears", "any", "10"),
        ("No digits at all.", "any", None),
    ],
)
def test_extraction_by_mode(completion, mode, extracted):
    assert extract_answer(completion, mode)[0] == extracted


@pytest.mark.parametrize(
    "text, value",
    [
        ("1,080", "1080"),
        ("$1,080.", "1080"),
        ("72.0", "72"),
        ("-5", "-5"),
        ("1/2", "0.5"),
        ("\\frac{3}{4}", "0.75"),
        ("\\dfrac{3}{4}", "0.75"),
        ("18 eggs", "18"),
        ("x = 3", "3"),
        ("50%", "50"),
        ("\\$20", "20"),
        ("12 \\text{ dollars}", "12"),
        ("−7", "-7"),
        (".5", "0.5"),
    ],
)
def test_parse_number_normalises(text, value):
    from fractions import Fraction

    assert parse_number(text) == Fraction(value)


@pytest.mark.parametrize("text", ["", "abc", "5 x 3", "1/0", "1" * 200, "3, 4", "2^{10}"])
def test_parse_number_rejects_non_numbers(text):
    assert parse_number(text) is None


@pytest.mark.parametrize(
    "completion, gold, score",
    [
        ("The answer is 72.", "#### 72", 1.0),
        ("The answer is 72.0.", "72", 1.0),
        ("The answer is 0.5.", "1/2", 1.0),
        ("The answer is 1,080.", "Step one.\n#### 1,080", 1.0),
        ("The answer is 1081.", "#### 1,080", 0.0),
        ("The answer is 0.3333333.", "1/3", 1.0),
        ("The answer is 0.33.", "1/3", 0.0),
        ("The answer is 100000001.", "100000000", 0.0),  # integers compare exactly
        ("\\boxed{-3}", "#### -3", 1.0),
        ("\\boxed{3}", "#### -3", 0.0),
    ],
)
def test_scores(completion, gold, score):
    assert compute_reward(completion, gold) == score


def test_stop_sequences_cut_a_run_on_completion():
    completion = "She pays 5 + 7 = 12 dollars. The answer is 12.\n\nQuestion: Tom has 3 cats. The answer is 3."
    assert rlvr.verify(completion, "12", task="gsm8k").correct
    verdict = rlvr.verify(completion, "12", task="gsm8k", stop=[])
    assert not verdict.correct and verdict.extracted == "3"
    assert rlvr.verify("The answer is 5. Q: next", "5", task="gsm8k", stop="Q:").detail["cut_at_stop"]


def test_format_bonus_pays_for_format_not_for_wrong_answers():
    def score(completion, gold="12"):
        return rlvr.compute_reward(completion, gold, task="gsm8k", format_bonus=0.1)

    assert score("The answer is 12.") == 1.0
    assert score("The answer is 13.") == pytest.approx(0.1)
    assert score("I count 12") == pytest.approx(0.9)  # right, but only as a bare last number
    assert score("I count 13") == 0.0
    assert score("nothing") == 0.0
    strict = rlvr.get_verifier("gsm8k", mode="strict", format_bonus=0.2)
    assert strict.compute_reward("It is 12", "12") == 0.0


def test_verdict_reports_form_for_format_rates():
    verdicts = rlvr.get_verifier("gsm8k").verify_batch(
        ["\\boxed{1}", "The answer is 1.", "#### 1", "1", "none"], ["1"] * 5
    )
    assert [v.detail["form"] for v in verdicts] == ["boxed", "answer_is", "hash", "last_number", None]
    assert [v.reason for v in verdicts] == ["ok"] * 4 + ["no_answer"]


def test_bad_ground_truth_is_reported():
    for gold in ["#### seventy", "", {"answer": 3}, None, ["1"]]:
        verdict = rlvr.verify("The answer is 3.", gold, task="gsm8k")
        assert verdict.score == 0.0 and verdict.reason == "bad_ground_truth"
    assert rlvr.compute_reward("The answer is 3.", 3, task="gsm8k") == 1.0


@pytest.mark.parametrize("mode", MODES)
def test_every_gsm8k_answer_stated_in_the_mode_format_scores_one(mode):
    templates = [STATED_IN_FORMAT[mode]] if mode != "any" else list(STATED_IN_FORMAT.values())
    verifier = rlvr.get_verifier("gsm8k", mode=mode)
    rows = gsm8k_gold_answers()
    assert len(rows) == 8792
    failures = [
        (template, gold)
        for template in templates
        for answer, gold in rows
        if verifier.compute_reward(template.format(gold), answer) != 1.0
    ]
    assert failures == []


def test_reference_solutions_score_one_in_hash_and_any_modes():
    rows = gsm8k_gold_answers()
    for mode in ("hash", "any", "flexible"):
        verifier = rlvr.get_verifier("gsm8k", mode=mode)
        scores = [verifier.compute_reward(answer, answer) for answer, _ in rows]
        assert sum(scores) == len(rows), mode


ground_truths = st.one_of(
    st.text(max_size=30),
    st.integers(),
    st.floats(allow_nan=True),
    st.none(),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
    st.integers(-(10**6), 10**6).map(lambda n: f"#### {n:,}"),
)
numberish_text = st.text(alphabet=st.sampled_from(list("0123456789.,$- \n#*:/\\{}boxedThe answer is")), max_size=80)
completions = st.one_of(st.text(max_size=200), numberish_text)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(completion=completions, ground_truth=ground_truths, mode=st.sampled_from(MODES))
def test_never_raises_score_in_range_and_deterministic(completion, ground_truth, mode):
    first = rlvr.verify(completion, ground_truth, task="gsm8k", mode=mode)
    assert 0.0 <= first.score <= 1.0
    assert first == rlvr.verify(completion, ground_truth, task="gsm8k", mode=mode)


@settings(max_examples=300, deadline=None)
@given(
    completion=completions,
    gold=st.integers(-(10**5), 10**5),
    mode=st.sampled_from(MODES),
    whitespace=st.text(alphabet=" \n\t", min_size=1, max_size=5),
    tail=st.text(max_size=40),
    stop=st.sampled_from(["Question:", "Q:", "\n\n\n"]),
)
def test_trailing_whitespace_or_stop_tail_never_changes_score(completion, gold, mode, whitespace, tail, stop):
    score = rlvr.compute_reward(completion, str(gold), task="gsm8k", mode=mode)
    assert rlvr.compute_reward(completion + whitespace, str(gold), task="gsm8k", mode=mode) == score
    assert rlvr.compute_reward(completion + "\n" + stop + tail, str(gold), task="gsm8k", mode=mode) == score


# --- parity with lm-eval's filters, built from the installed lm-eval's own task files ---------------


@cache
def lm_eval_filter(task_file: str, name: str):
    """lm-eval's RegexFilter configured exactly as the installed task YAML configures it."""
    import lm_eval.tasks
    from lm_eval.filters.extraction import RegexFilter

    config = yaml.safe_load((Path(lm_eval.tasks.__file__).parent / "gsm8k" / task_file).read_text())
    (pipeline,) = [f["filter"] for f in config["filter_list"] if f["name"] == name]
    regex_step = pipeline[0]
    assert regex_step["function"] == "regex" and pipeline[1]["function"] == "take_first"
    return RegexFilter(regex_pattern=regex_step["regex_pattern"], group_select=regex_step.get("group_select", 0))


LM_EVAL_FILTER_OF_MODE = {
    "strict": ("gsm8k-cot.yaml", "strict-match"),
    "hash": ("gsm8k.yaml", "strict-match"),
    "flexible": ("gsm8k-cot.yaml", "flexible-extract"),
}


def lm_eval_extract(mode: str, completion: str) -> str | None:
    extracted = lm_eval_filter(*LM_EVAL_FILTER_OF_MODE[mode]).apply([[completion]], [{}])[0][0]
    return None if extracted == "[invalid]" else extracted


def cot_style_completions() -> list[str]:
    """Completions in the shapes models produce: reference solutions, "The answer is" endings
    with and without a period or a line after them, and run-ons."""
    rows = gsm8k_gold_answers()[::7]
    out = []
    for index, (answer, gold) in enumerate(rows):
        reasoning = answer.rpartition("####")[0].strip()
        out += [
            answer,
            f"{reasoning} The answer is {gold}.",
            f"{reasoning}\nThe answer is ${gold}. Next question",
            f"{reasoning} The answer is {gold}" + ("\n" if index % 2 else ""),
            f"{reasoning} The answer is {gold}.\n\nQ: another one? A: The answer is {index}.",
        ]
    return out


@pytest.mark.parametrize("mode", sorted(LM_EVAL_FILTER_OF_MODE))
def test_extraction_identical_to_lm_eval_on_realistic_completions(mode):
    completions = cot_style_completions()
    assert len(completions) > 6000
    differences = [c for c in completions if extract_answer(c, mode)[0] != lm_eval_extract(mode, c)]
    assert differences == []


@settings(max_examples=400, deadline=None)
@given(completion=completions, mode=st.sampled_from(sorted(LM_EVAL_FILTER_OF_MODE)))
def test_extraction_identical_to_lm_eval_on_any_text(completion, mode):
    assert extract_answer(completion, mode)[0] == lm_eval_extract(mode, completion)
