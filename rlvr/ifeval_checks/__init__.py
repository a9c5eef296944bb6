"""Instruction-following checks: one class per instruction id of IFEval (25), IFBench (58) and
open-instruct's IFEvalG (29 more), and per function of open-instruct's func_name format (25).

    from rlvr.ifeval_checks import build_check, follows
    check = build_check("punctuation:no_comma", {})
    follows(check, "No commas here.").followed        # True; follows(..., loose=True) for loose

Semantics follow the reference implementations (Google's instruction_following_eval as in
lm-eval, and allenai/IFBench), including their quirks where changing them would change scores;
each module's docstring lists the quirks it keeps and the bugs it fixes.
"""

from rlvr.ifeval_checks.base import BadKwargs, Check
from rlvr.ifeval_checks.evaluate import Outcome, follow_all, follows, loose_variants
from rlvr.ifeval_checks.registry import (
    IF_FUNCTION_CHECKS,
    IFBENCH_CHECKS,
    IFEVAL_CHECKS,
    IFEVALG_CHECKS,
    INSTRUCTION_CHECKS,
    MULTI_CHECKS,
    build_check,
)

__all__ = [
    "BadKwargs",
    "Check",
    "IF_FUNCTION_CHECKS",
    "IFBENCH_CHECKS",
    "IFEVAL_CHECKS",
    "IFEVALG_CHECKS",
    "INSTRUCTION_CHECKS",
    "MULTI_CHECKS",
    "Outcome",
    "build_check",
    "follow_all",
    "follows",
    "loose_variants",
]
