"""Task "ifbench": IFBench's 58 out-of-distribution instruction ids (allenai/IFBench semantics).

Ground truth: an IFBench record {"instruction_id_list": [...], "kwargs": [...]} (nulls for unused
arguments) or its JSON string. Options: loose, all_or_nothing, timeout.
"""

from __future__ import annotations

from rlvr.ifeval_checks import IFBENCH_CHECKS
from rlvr.verifiers.ifeval import IFEvalVerifier
from rlvr.verifiers.reward import reward_function


class IFBenchVerifier(IFEvalVerifier):
    """Task "ifbench": IFBench's 58 instruction ids."""

    task = "ifbench"
    registry = IFBENCH_CHECKS


compute_reward = reward_function("ifbench")
