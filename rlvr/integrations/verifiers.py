"""rlvr rewards for the `verifiers` library's `Rubric` (its classic API, `import verifiers as vf`).

    import verifiers as vf
    from rlvr.integrations.verifiers import reward_func
    rubric = vf.Rubric(funcs=[reward_func("gsm8k", mode="boxed")], weights=[1.0])

A Rubric calls each reward function with the rollout's fields by keyword (`completion`,
`answer`, `prompt`, `state`, `info`, ...) and logs the result under the function's name, here
`rlvr_<task>`. `completion` is a string or a list of chat messages (the last assistant message is
verified); `answer` is the dataset's answer column. The function returns a float in [0, 1] and
never raises: the Rubric would turn an exception into 0.0 too, but only after logging an error
per sample. A verdict that could not judge (rlvr.FAILURE_REASONS) is logged as a warning, once
per reason, because the Rubric sees only the float. verifiers 0.4 replaced this API with
`verifiers.v1`, which has no Rubric; the classic API is in the 0.1 to 0.3 releases.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from rlvr.api import get_verifier
from rlvr.integrations.messages import completion_text
from rlvr.verdict import Verdict

__all__ = ["reward_func"]

logger = logging.getLogger(__name__)
_warned: set[tuple[str, str]] = set()


def reward_func(task: str, **options: Any) -> Callable[..., float]:
    """A Rubric reward function `(completion, answer, **kwargs) -> float` for rlvr `task`.
    Raises ValueError here for an unknown task or option."""
    verifier = get_verifier(task, **options)

    def rlvr_reward(completion: Any, answer: Any, **kwargs: Any) -> float:
        verdict = verifier.verify(completion_text(completion), answer)
        if verdict.failed:
            _warn_failure(task, verdict)
        return verdict.score

    rlvr_reward.__name__ = rlvr_reward.__qualname__ = f"rlvr_{task}"
    rlvr_reward.__doc__ = f"rlvr reward for task {task!r} with the verifiers Rubric contract."
    return rlvr_reward


def _warn_failure(task: str, verdict: Verdict) -> None:
    """A Rubric only sees the float, so a zero from a verifier that could not judge is logged
    (once per task and reason) instead of passing for a wrong answer."""
    if (task, verdict.reason) not in _warned:
        _warned.add((task, verdict.reason))
        logger.warning("rlvr %s could not judge a completion (%s): %.300s", task, verdict.reason, verdict.message)
