"""Score responses with the `rubric` task against a judge server on localhost.

The judge here is `ScriptedJudge`: a real OpenAI-compatible chat-completions server that decides
each criterion by whether the phrases it quotes occur in the response, and that answers the first
request with HTTP 429 to show the retry. Point `judge_base_url` at `vllm serve` or a hosted API
to use a real model instead.

    python examples/rubric_local_judge.py
"""

from __future__ import annotations

import json

import rlvr
from rlvr.testing.scripted_judge import ScriptedJudge
from rlvr.verifiers.rubric import batch_stats

RECORD = {
    "task_id": "demo-1",
    "prompt": "Recommend one healthy breakfast in under 60 words.",
    "rubric - 1. criterion": 'The response recommends "oatmeal"',
    "rubric - 2. criterion": 'The response mentions a protein source such as "yogurt"',
    "rubric - 3. criterion": 'The response mentions "fruit"',
}
RESPONSES = [
    "Try oatmeal topped with fruit and a spoon of Greek yogurt: fibre, protein and vitamins.",
    "Have oatmeal with fresh fruit.",
    "Oatmeal with fruit and a spoon of Greek yogurt.",
    "Try oatmeal topped with fruit and a spoon of Greek yogurt: fibre, protein and vitamins.",  # a cache hit
]


def main() -> None:
    with ScriptedJudge(script=["429:0.5"]) as judge:
        # One call at a time keeps the printout in a fixed order; raise judge_concurrency for speed.
        verifier = rlvr.get_verifier("rubric", judge_base_url=judge.url, judge_model="scripted", judge_concurrency=1)
        verdicts = verifier.verify_batch(RESPONSES, [RECORD] * len(RESPONSES))
    for response, verdict in zip(RESPONSES, verdicts):
        detail = verdict.detail
        print(
            f"{verdict.score:.3f} {verdict.reason:8} met={detail['met']} calls={detail['calls']} "
            f"cache_hit={detail['cache_hit']} :: {response[:50]}"
        )
    print(json.dumps(batch_stats(verdicts)))


if __name__ == "__main__":
    main()
