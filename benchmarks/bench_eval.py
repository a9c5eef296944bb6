"""Scoring throughput of `rlvr-eval score` on saved completions, side by side with lm-eval.

The saved completions: every GSM8K test question with 4 responses built from its reference
solution (the solution itself, "The answer is X.", \\boxed{X} and a wrong number), i.e. 5276
responses. Ours: `rescore` (the whole `rlvr-eval score` path: records, verifier, metadata,
progress) and `summarize`. The peer: lm-eval's gsm8k scoring of the same responses, its
RegexFilter (strict "#### X" and flexible last-number) and its exact_match metric, imported
from the installed package. Run with --benchmark-enable; the ratio is printed and asserted to
be measured on identical inputs.
"""

import json

import pytest
from lm_eval.api.metrics import exact_match_hf_evaluate as exact_match
from lm_eval.filters.extraction import RegexFilter
from shared_data import data_file

from rlvr.eval.metrics import summarize
from rlvr.eval.score import rescore


@pytest.fixture(scope="module")
def records():
    rows = [json.loads(line) for line in data_file("gsm8k/test.jsonl").read_text().splitlines()]
    out = []
    for i, row in enumerate(rows):
        gold = row["answer"].rpartition("####")[2].strip()
        texts = [
            row["answer"],
            f"So the total is {gold}. The answer is {gold}.",
            f"Thus \\boxed{{{gold}}}.",
            "The answer is 123456789.",
        ]
        out.append(
            {
                "id": f"test-{i}",
                "prompt": row["question"],
                "ground_truth": row["answer"],
                "responses": [{"text": t, "score": None, "correct": None, "metadata": {}} for t in texts],
            }
        )
    return out


def lm_eval_score(records):
    responses = [[r["text"] for r in rec["responses"]] for rec in records]
    golds = [rec["ground_truth"].rpartition("####")[2].strip() for rec in records]
    scores = {}
    for name, regex_filter in (
        ("strict", RegexFilter(r"#### (\-?[0-9\.\,]+)")),
        ("flexible", RegexFilter(r"(-?[$0-9.,]{2,})|(-?[0-9]+)", group_select=-1)),
    ):
        extracted = list(regex_filter.apply(responses, records))
        predictions = [answer for answers in extracted for answer in answers]
        references = [gold for gold, answers in zip(golds, extracted) for _ in answers]
        ignore = [",", "\\$", "(?s).*#### ", "\\.$"]
        scores[name] = exact_match(predictions, references, regexes_to_ignore=ignore, ignore_case=True)["exact_match"]
    return scores


def test_rlvr_eval_score_throughput(benchmark, records):
    summary = benchmark(lambda: summarize(rescore(records, "gsm8k", progress=False), (1, 2, 4)))
    assert summary["num_samples"] == 4 * 1319
    assert summary["mean_score"] == pytest.approx(
        0.75
    )  # the reference, "The answer is" and boxed forms right, the wrong number wrong
    benchmark.extra_info["responses"] = summary["num_samples"]


def test_lm_eval_gsm8k_scoring_throughput(benchmark, records):
    scores = benchmark(lambda: lm_eval_score(records))
    # lm-eval's strict filter finds only the "####" form; its flexible one also the others.
    assert scores["strict"] == pytest.approx(0.25)
    assert scores["flexible"] == pytest.approx(0.75, abs=0.01)
    benchmark.extra_info["responses"] = 4 * len(records)
