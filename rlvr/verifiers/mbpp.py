"""MBPP: short Python functions checked by assert statements.

Ground truth: an MBPP record or its test fields, {"test_list": [...], "test_setup_code": "...",
"challenge_test_list": [...], "test_imports": [...]} (mbpp.jsonl has test_setup_code, the
sanitized file has test_imports). The program is the last ```python block of the completion,
else the whole text. Each assert is one test, run by the trusted harness outside the program's
process after the imports and the setup code; option `challenge_tests` adds the challenge asserts.
The function under test is the one the first assert calls (see `function_under_test`).
"""

from __future__ import annotations

import ast
import builtins
from dataclasses import dataclass

from rlvr.sandbox import AssertTest
from rlvr.verifiers.base import BadGroundTruth
from rlvr.verifiers.code import CodeOptions, CodeVerifier
from rlvr.verifiers.reward import reward_function


@dataclass(frozen=True)
class MBPPOptions(CodeOptions):
    """challenge_tests: also run `challenge_test_list`."""

    challenge_tests: bool = False


def _strings(truth: dict, key: str) -> list[str]:
    value = truth.get(key) or []
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise BadGroundTruth(f"mbpp {key} must be a list of strings")
    return [item.replace("\r\n", "\n") for item in value]


class MBPPVerifier(CodeVerifier[MBPPOptions]):
    """Task "mbpp"."""

    task = "mbpp"
    Options = MBPPOptions

    def tests(self, truth: dict) -> list[AssertTest]:
        setup = truth.get("test_setup_code") or ""
        if not isinstance(setup, str):
            raise BadGroundTruth("mbpp test_setup_code must be a string")
        prelude = "\n".join(_strings(truth, "test_imports") + [setup.replace("\r\n", "\n")])
        asserts = _strings(truth, "test_list")
        if self.options.challenge_tests:
            asserts += _strings(truth, "challenge_test_list")
        entry_points = (function_under_test(asserts[0]),) if asserts else ()
        return [AssertTest(f"{assertion}\n", setup=prelude, entry_points=entry_points) for assertion in asserts]


def function_under_test(assertion: str) -> str:
    """The function an MBPP assert tests: the first function it calls that is not a builtin, else
    the first it calls (task 126 tests a `sum`). Every other name keeps its trusted meaning."""
    try:
        tree = ast.parse(assertion)
    except SyntaxError:
        raise BadGroundTruth(f"mbpp assert is not Python: {assertion[:80]!r}") from None
    calls = sorted(
        (node for node in ast.walk(tree) if isinstance(node, ast.Call)), key=lambda c: (c.lineno, c.col_offset)
    )
    names = [call.func.id for call in calls if isinstance(call.func, ast.Name)]
    if not names:
        raise BadGroundTruth(f"mbpp assert calls no function: {assertion[:80]!r}")
    return next((name for name in names if not hasattr(builtins, name)), names[0])


compute_reward = reward_function("mbpp")
