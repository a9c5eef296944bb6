"""The registry: instruction id -> check class, for IFEval's 25 ids and IFBench's 58, the 29
ids only open-instruct's IFEvalG has, and open-instruct's 25 older func_name functions."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rlvr.ifeval_checks import (
    if_functions,
    ifbench_count,
    ifbench_custom,
    ifbench_format,
    ifbench_ratio,
    ifbench_words,
    ifeval_content,
    ifeval_structure,
    ifevalg,
)
from rlvr.ifeval_checks.base import BadKwargs, Check

IFEVAL_CHECKS: dict[str, type[Check]] = {
    check.instruction_id: check for check in ifeval_content.CHECKS + ifeval_structure.CHECKS
}
IFBENCH_CHECKS: dict[str, type[Check]] = {
    check.instruction_id: check
    for module in (ifbench_count, ifbench_format, ifbench_ratio, ifbench_words, ifbench_custom)
    for check in module.CHECKS
}
INSTRUCTION_CHECKS: dict[str, type[Check]] = {**IFEVAL_CHECKS, **IFBENCH_CHECKS}
IFEVALG_CHECKS: dict[str, type[Check]] = {check.instruction_id: check for check in ifevalg.CHECKS}
IF_FUNCTION_CHECKS: dict[str, type[Check]] = {check.instruction_id: check for check in if_functions.CHECKS}
# Everything the task "if_multi" accepts: instruction ids, and func_name names (no id has both).
MULTI_CHECKS: dict[str, type[Check]] = {**INSTRUCTION_CHECKS, **IFEVALG_CHECKS, **IF_FUNCTION_CHECKS}


def build_check(
    instruction_id: Any, kwargs: Mapping[str, Any] | None, registry: Mapping[str, type[Check]] | None = None
) -> Check:
    """The check for one instruction of a record; BadKwargs for an unknown id or bad arguments."""
    registry = INSTRUCTION_CHECKS if registry is None else registry
    if not isinstance(instruction_id, str) or instruction_id not in registry:
        raise BadKwargs(f"unknown instruction id {instruction_id!r}")
    return registry[instruction_id].from_kwargs(kwargs)
