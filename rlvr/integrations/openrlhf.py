"""rlvr rewards for OpenRLHF, through its remote reward model contract (`--remote_rm_url`).

OpenRLHF's rollout workers POST, per request,

    {"query": [prompt + response, decoded with special tokens], "prompts": [prompt], "labels": [label]}

to every URL of `--remote_rm_url` and read `rewards` (the reward), `scores` (the 0-1 score its
dynamic filtering uses) and `extra_logs` (each key logged per sample) from the JSON answer
(openrlhf/utils/agent.py, `SingleTurnAgentExecutor._fetch_rewards_via_http`). Two ways to use it:

    python -m rlvr serve --port 5000         # then: --remote_rm_url http://127.0.0.1:5000/openrlhf/math
    # or, in the file given as --remote_rm_url /path/reward.py (OpenRLHF's in-process mode):
    from rlvr.integrations.openrlhf import reward_func_for
    reward_func = reward_func_for("math")

The completion verified is the query with its prompt cut off (OpenRLHF decodes prompt and
response together). OpenRLHF has no way to skip a sample, so a verdict that could not judge
scores 0 there; `extra_logs` carries `rlvr_failed` (1.0 for such a sample) and `rlvr_correct`
so a run shows how often that happened. The label is the dataset's `--label_key` column: the
task's ground truth (for structured tasks, its JSON string).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from rlvr.api import get_verifier
from rlvr.verdict import Verdict

__all__ = ["completion_of", "parse_request", "response", "reward_func_for"]


def completion_of(query: str, prompt: str) -> str:
    """The response part of an OpenRLHF query: the text after the prompt. When decoding changed the
    prompt's text (so it is not a prefix), the text after its last occurrence; else the whole query.

    >>> completion_of("<s>Q: 1+1?\\nA: 2</s>", "Q: 1+1?\\nA:")
    ' 2</s>'
    """
    if query.startswith(prompt):
        return query[len(prompt) :]
    at = query.rfind(prompt) if prompt else -1
    return query[at + len(prompt) :] if at >= 0 else query


def parse_request(payload: Mapping[str, Any]) -> tuple[list[str], list[Any]]:
    """(completions, labels) of an OpenRLHF request. ValueError when it does not follow the
    contract: missing lists, or lists whose lengths differ (pairing them up would misplace rewards)."""
    lists = {}
    for name in ("query", "prompts", "labels"):
        value = payload.get(name)
        if not isinstance(value, list):
            raise ValueError(f"OpenRLHF request needs a list {name!r}, got {type(value).__name__}")
        lists[name] = value
    queries, prompts, labels = lists["query"], lists["prompts"], lists["labels"]
    if not len(queries) == len(prompts) == len(labels):
        raise ValueError(f"OpenRLHF request has {len(queries)} queries, {len(prompts)} prompts, {len(labels)} labels")
    completions = [
        completion_of(q, p) if isinstance(q, str) and isinstance(p, str) else q for q, p in zip(queries, prompts)
    ]
    return completions, labels


def response(verdicts: Sequence[Verdict]) -> dict[str, Any]:
    """OpenRLHF's answer for `verdicts`, in request order."""
    scores = [verdict.score for verdict in verdicts]
    return {
        "rewards": scores,
        "scores": scores,
        "extra_logs": {
            "rlvr_correct": [float(verdict.correct) for verdict in verdicts],
            "rlvr_failed": [float(verdict.failed) for verdict in verdicts],
        },
    }


def reward_func_for(task: str, **options: Any) -> Callable[..., dict[str, Any]]:
    """OpenRLHF's in-process `reward_func(queries, prompts, labels, **kwargs)` for rlvr `task`.
    Raises ValueError here for an unknown task or option; the function raises only for a
    request that breaks the contract (see `parse_request`)."""
    verifier = get_verifier(task, **options)

    def reward_func(queries: Sequence[str], prompts: Sequence[str], labels: Sequence[Any], **kwargs: Any) -> dict:
        completions, truths = parse_request({"query": list(queries), "prompts": list(prompts), "labels": list(labels)})
        return response(verifier.verify_batch(completions, truths))

    return reward_func
