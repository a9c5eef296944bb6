"""Task "ifeval": IFEval's 25 instruction ids (Google's instruction_following_eval semantics).

Ground truth: an IFEval record {"instruction_id_list": [...], "kwargs": [...]} or its JSON
string. Options: loose, all_or_nothing, timeout. See rlvr/verifiers/instructions.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rlvr.ifeval_checks import IFEVAL_CHECKS
from rlvr.verifiers.instructions import InstructionVerifier, decode, parse_record
from rlvr.verifiers.reward import reward_function


class IFEvalVerifier(InstructionVerifier):
    """Task "ifeval": IFEval's 25 instruction ids."""

    task = "ifeval"
    registry = IFEVAL_CHECKS

    def instructions(self, ground_truth: Any) -> list[tuple[str, Mapping[str, Any] | None]]:
        return parse_record(decode(ground_truth))


compute_reward = reward_function("ifeval")
