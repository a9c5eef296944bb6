"""rlvr: deterministic, never-crash reward functions for RL with verifiable rewards.

import rlvr
rlvr.compute_reward("... The answer is 18.", "#### 18", task="gsm8k")   # 1.0
rlvr.verify(completion, ground_truth, task="math")                    # a Verdict
verifier = rlvr.get_verifier("gsm8k", mode="strict")                  # .verify_batch(...)
await rlvr.averify(completion, ground_truth, task="math")             # from asyncio code
"""

from rlvr.aio import averify
from rlvr.api import available_tasks, compute_reward, get_verifier, verify
from rlvr.verdict import FAILURE_REASONS, JUDGED_REASONS, Verdict

__all__ = [
    "FAILURE_REASONS",
    "JUDGED_REASONS",
    "Verdict",
    "available_tasks",
    "averify",
    "compute_reward",
    "get_verifier",
    "verify",
]
__version__ = "0.1.0"
