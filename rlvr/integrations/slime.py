"""rlvr rewards for slime (THUDM/slime): its custom reward function and its remote reward model.

slime loads `--custom-rm-path module.function` with `importlib` and awaits
`function(args, sample)`, or, with `--group-rm`, `function(args, samples)` for a whole group
(slime/rollout/rm_hub/__init__.py). This module's attribute named after an rlvr task is such a
function:

    --custom-rm-path rlvr.integrations.slime.math        # or .gsm8k, .ifeval, .mbpp, ...

It verifies `sample.response` against `sample.label` without blocking slime's event loop
(rlvr.aio), returns the score, and marks a sample whose verdict could not judge
(`Verdict.failed`) with `sample.remove_sample = True`, which slime turns into a zero loss mask:
such a sample is never trained on. `sample.metadata["rlvr"]` gets the verdict's reason and
whether it failed.

With `--rm-type remote_rm --rm-url http://127.0.0.1:8000/slime/<task> --reward-key score`, slime
POSTs {"prompt", "response", "label"} to `rlvr serve` instead and takes `score` from the answer
(`slime_reward`); over HTTP nothing can set remove_sample, but the answer carries `failed`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rlvr.api import shared_verifier
from rlvr.verdict import Verdict
from rlvr.verifiers.registry import available_tasks

__all__ = ["parse_request", "reward_for", "slime_reward"]


def parse_request(payload: Mapping[str, Any]) -> tuple[Any, Any]:
    """(completion, label) of a slime remote_rm request; ValueError when a field is missing."""
    for name in ("response", "label"):
        if name not in payload:
            raise ValueError(f"slime request needs the field {name!r}")
    return payload["response"], payload["label"]


def slime_reward(verdict: Verdict) -> dict[str, Any]:
    """The answer to a slime remote_rm request: `score` (the reward, for --reward-key score) and the verdict."""
    return {"score": verdict.score, "correct": verdict.correct, "reason": verdict.reason, "failed": verdict.failed}


def reward_for(task: str, **options: Any) -> Any:
    """slime's custom reward function for rlvr `task` with verifier `options`. Raises ValueError
    here for an unknown task or option."""
    verifier = shared_verifier(task, options)

    async def reward(args: Any, sample: Any, **kwargs: Any) -> float | list[float]:
        if isinstance(sample, list):  # --group-rm: the whole group at once
            verdicts = await verifier.averify_batch([s.response for s in sample], [s.label for s in sample])
            return [_record(s, v) for s, v in zip(sample, verdicts)]
        return _record(sample, await verifier.averify(sample.response, sample.label))

    reward.__name__ = reward.__qualname__ = task
    return reward


def _record(sample: Any, verdict: Verdict) -> float:
    if verdict.failed:
        sample.remove_sample = True
    if isinstance(getattr(sample, "metadata", None), dict):
        sample.metadata["rlvr"] = {"reason": verdict.reason, "failed": verdict.failed}
    return verdict.score


def __getattr__(name: str) -> Any:
    """`rlvr.integrations.slime.<task>`: the task's reward function with default options, the
    dotted path slime's --custom-rm-path loads."""
    if name in available_tasks():
        return reward_for(name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r} (rlvr tasks: {', '.join(available_tasks())})")
