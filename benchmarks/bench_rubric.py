"""Rubric verification throughput against a judge server on localhost (ScriptedJudge), uncached
(one judge call per response, sequential and concurrent; an instant judge and one that takes
50 ms) versus cached (re-scoring).

    python -m pytest benchmarks/bench_rubric.py --benchmark-enable

The server answers at once, so the uncached figures measure our client and protocol overhead
(HTTP, JSON, prompt building, parsing), the ceiling a real judge's latency then divides.
Each test reports verifications/s in extra_info; the cached test adds its speed-up over uncached.
"""

from __future__ import annotations

import pytest

import rlvr
from rlvr.testing.scripted_judge import ScriptedJudge

N = 32
RUBRICS = [f'The response mentions "topic {i}"' for i in range(20)]
GROUND_TRUTH = {"prompt": "Write about topics.", "rubrics": RUBRICS}
COMPLETIONS = [" ".join(f"topic {j}" for j in range(i % 20)) + f" (answer {i})" for i in range(N)]
RESULTS: dict[str, float] = {}


@pytest.fixture(scope="module")
def judge():
    with ScriptedJudge() as server:
        yield server


def run(benchmark, name: str, verifier, warm: bool = False) -> None:
    if warm:
        verifier.verify_batch(COMPLETIONS, [GROUND_TRUTH] * N)
    benchmark.group = "rubric"
    verdicts = benchmark(verifier.verify_batch, COMPLETIONS, [GROUND_TRUTH] * N)
    assert [v.score for v in verdicts] == [(i % 20) / 20 for i in range(N)]
    assert all(v.detail["cache_hit"] == warm for v in verdicts)
    if benchmark.stats is not None:
        RESULTS[name] = N / benchmark.stats.stats.mean
        benchmark.extra_info["verifications_per_s"] = round(RESULTS[name], 1)
        if name == "cached" and "uncached_concurrent" in RESULTS:
            benchmark.extra_info["cached_over_uncached"] = round(RESULTS["cached"] / RESULTS["uncached_concurrent"], 1)


def test_uncached_sequential(benchmark, judge):
    verifier = rlvr.get_verifier("rubric", judge_base_url=judge.url, cache_size=0, judge_concurrency=1)
    run(benchmark, "uncached_sequential", verifier)


def test_uncached_concurrent(benchmark, judge):
    verifier = rlvr.get_verifier("rubric", judge_base_url=judge.url, cache_size=0, judge_concurrency=8)
    run(benchmark, "uncached_concurrent", verifier)


def test_uncached_concurrent_judge_50ms(benchmark):
    """A judge that takes 50 ms per call: 8 calls at a time should near 8 / 0.05 = 160 per second."""
    with ScriptedJudge(latency=0.05) as slow_judge:
        verifier = rlvr.get_verifier("rubric", judge_base_url=slow_judge.url, cache_size=0, judge_concurrency=8)
        run(benchmark, "uncached_concurrent_judge_50ms", verifier)


def test_cached(benchmark, judge):
    verifier = rlvr.get_verifier("rubric", judge_base_url=judge.url, judge_concurrency=8)
    run(benchmark, "cached", verifier, warm=True)
