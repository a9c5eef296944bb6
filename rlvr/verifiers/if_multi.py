"""Task "if_multi": RLVR-IFEval / open-instruct multi-constraint rewards over all instruction ids
(IFEval's 25, IFBench's 58, IFEvalG's 29 more) and open-instruct's 25 func_name functions.

Ground truth: {"instruction_id": [...], "kwargs": [...]} (or "instruction_id_list"), as
open-instruct's IF_multi_constraints data stores it; {"func_name": "verify_keywords",
"keyword_list": [...], ...} (nulls for unused arguments), as allenai/RLVR-IFeval stores it; a
list of such records, mixed forms allowed (all their instructions are checked); or the JSON /
Python-literal string of any of these. As for every task, the reasoning in a think
block is not read (option `reasoning`); <answer> tags are removed too.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rlvr.ifeval_checks import MULTI_CHECKS
from rlvr.verifiers.base import BadGroundTruth
from rlvr.verifiers.instructions import InstructionVerifier, decode, parse_record, strip_answer_tags
from rlvr.verifiers.reward import reward_function


class IFMultiVerifier(InstructionVerifier):
    """Task "if_multi": RLVR-IFEval / open-instruct ground truths over all instruction ids."""

    task = "if_multi"
    registry = MULTI_CHECKS

    def instructions(self, ground_truth: Any) -> list[tuple[str, Mapping[str, Any] | None]]:
        decoded = decode(ground_truth)
        records = decoded if isinstance(decoded, list) else [decoded]
        if not records:
            raise BadGroundTruth("if_multi ground truth is an empty list")
        pairs = []
        for record in records:
            pairs.extend(parse_record(decode(record)))
        return pairs

    def response(self, completion: str) -> str:
        return strip_answer_tags(completion)


compute_reward = reward_function("if_multi")
