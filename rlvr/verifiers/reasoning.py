"""The one reasoning-text policy: what a model writes inside a think block is never read for its answer.

Reasoning models write their scratch work between <think> and </think> (also <thinking>,
<reasoning>, <thought>, and the "◁think▷ ... ◁/think▷" form), and try answers there that they
later drop. Every task reads only the text after the last closing tag. A completion that opens a
think block and never closes it was cut off while thinking: it has no answer.
A task's option `reasoning="keep"` turns this off (the text is read as it is).
"""

from __future__ import annotations

import re

from rlvr.verifiers.extract import last_search

REASONING_POLICIES = ("strip", "keep")

# Tag names in use: DeepSeek-R1/Qwen3 <think>, others <thinking>/<reasoning>/<thought>, Kimi ◁think▷.
_OPEN = re.compile(r"<(?:think|thinking|reasoning|thought)>|◁think▷", re.IGNORECASE)
_CLOSE = re.compile(r"</(?:think|thinking|reasoning|thought)>|◁/think▷", re.IGNORECASE)


def answer_text(completion: str, policy: str = "strip") -> str | None:
    """The part of `completion` a verifier may read for the answer; None when the completion
    opened a think block and never closed it (it was cut off while reasoning).

    >>> answer_text("<think>maybe (A)</think>The answer is (B).")
    'The answer is (B).'
    >>> answer_text("<think>maybe (A)") is None
    True
    >>> answer_text("<think>maybe (A)", policy="keep")
    '<think>maybe (A)'
    """
    if policy == "keep":
        return completion
    last_close = last_search(_CLOSE, completion)
    if last_close is not None:
        return completion[last_close.end() :]
    return None if _OPEN.search(completion) else completion


def check_policy(policy: object) -> None:
    """ValueError unless `policy` is one of REASONING_POLICIES (configuration, checked at once)."""
    if policy not in REASONING_POLICIES:
        raise ValueError(f"reasoning must be one of {list(REASONING_POLICIES)}, got {policy!r}")
