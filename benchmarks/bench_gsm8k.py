"""GSM8K verification throughput, side by side with lm-eval's gsm8k filters on the same completions.

The peer is what lm-eval does to score a GSM8K generation: its regex filter (configured from the
installed task YAML) and its exact_match metric with the task's regexes_to_ignore; the filter
alone is measured too. Each benchmark
scores all 1,319 test-set completions once per round; items/s = 1319 / mean time.

    python -m pytest benchmarks/bench_gsm8k.py --benchmark-enable
"""

from __future__ import annotations

import json
from functools import cache

import pytest
from shared_data import data_file

import rlvr

PEER_FILTERS = {
    "strict": ("gsm8k-cot.yaml", "strict-match"),
    "hash": ("gsm8k.yaml", "strict-match"),
    "flexible": ("gsm8k-cot.yaml", "flexible-extract"),
}


@cache
def completions_and_golds() -> tuple[list[str], list[str]]:
    """Chain-of-thought completions ending in the forms each mode reads, one per test problem."""
    completions, golds = [], []
    with open(data_file("gsm8k/test.jsonl")) as handle:
        for index, line in enumerate(handle):
            answer = json.loads(line)["answer"]
            reasoning, _, gold = answer.rpartition("####")
            gold = gold.strip()
            ending = [f"The answer is {gold}.", f"#### {gold}", f"So the result is \\boxed{{{gold}}}."][index % 3]
            completions.append(f"{reasoning.strip()}\n{ending}")
            golds.append(answer)
    return completions, golds


def lm_eval_extract_all(filter_name: tuple[str, str], completions: list[str]) -> list[str]:
    from test_gsm8k import lm_eval_filter

    return [r[0] for r in lm_eval_filter(*filter_name).apply([[c] for c in completions], [{}] * len(completions))]


def lm_eval_score(filter_name: tuple[str, str], completions: list[str], golds: list[str]) -> float:
    from lm_eval.api.metrics import exact_match_hf_evaluate

    extracted = lm_eval_extract_all(filter_name, completions)
    # The gsm8k task's metric settings: ignore case, strip commas, "$", everything up to "#### ", a final ".".
    return exact_match_hf_evaluate(
        predictions=extracted,
        references=golds,
        ignore_case=True,
        regexes_to_ignore=[",", "\\$", "(?s).*#### ", "\\.$"],
    )["exact_match"]


@pytest.mark.parametrize("mode", ["any", "strict", "hash", "boxed", "flexible"])
def test_rlvr_gsm8k(benchmark, mode):
    completions, golds = completions_and_golds()
    verifier = rlvr.get_verifier("gsm8k", mode=mode)
    benchmark.group = "gsm8k"
    benchmark.extra_info["items"] = len(completions)
    verdicts = benchmark(verifier.verify_batch, completions, golds)
    assert len(verdicts) == len(completions)
    if mode == "any":
        assert all(v.correct for v in verdicts)


@pytest.mark.parametrize("mode", sorted(PEER_FILTERS))
def test_lm_eval_gsm8k(benchmark, mode):
    completions, golds = completions_and_golds()
    benchmark.group = "gsm8k"
    benchmark.extra_info["items"] = len(completions)
    accuracy = benchmark(lm_eval_score, PEER_FILTERS[mode], completions, golds)
    assert 0.0 < accuracy <= 1.0


@pytest.mark.parametrize("mode", sorted(PEER_FILTERS))
def test_lm_eval_gsm8k_filter_only(benchmark, mode):
    completions, _ = completions_and_golds()
    benchmark.group = "gsm8k"
    benchmark.extra_info["items"] = len(completions)
    extracted = benchmark(lm_eval_extract_all, PEER_FILTERS[mode], completions)
    assert len(extracted) == len(completions)
