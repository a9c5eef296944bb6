"""APPS: competitive-programming problems, judged on input/output examples.

Ground truth: {"inputs": [...], "outputs": [...], "fn_name": optional} (APPS' input_output;
a JSON string, or a whole APPS record whose "input_output" holds it, works too). Without
fn_name each input is fed to the program's stdin and its stdout is compared after whitespace
normalisation and with float tolerance (see code/apps_compare.py); with fn_name each input is a
list of arguments for the top-level function or `Solution().fn_name`, and the returned value,
which crosses back as plain data, is compared with the expected one as APPS does.
"""

from __future__ import annotations

import json

from rlvr.sandbox import CallTest, StdioTest, TestOutcome
from rlvr.sandbox.pool import Test
from rlvr.verifiers.base import BadGroundTruth
from rlvr.verifiers.code import CodeOptions, CodeVerifier
from rlvr.verifiers.code.apps_compare import call_match, int_keys, stdio_match
from rlvr.verifiers.reward import reward_function


class APPSVerifier(CodeVerifier[CodeOptions]):
    """Task "apps"."""

    task = "apps"

    def ground_truth(self, ground_truth) -> dict:
        truth = super().ground_truth(ground_truth)
        if "input_output" in truth:
            inner = truth["input_output"]
            truth = json.loads(inner) if isinstance(inner, str) else inner
        inputs, outputs = truth.get("inputs"), truth.get("outputs")
        if not isinstance(inputs, list) or not isinstance(outputs, list) or len(inputs) != len(outputs):
            raise BadGroundTruth("apps ground truth needs lists 'inputs' and 'outputs' of equal length")
        fn_name = truth.get("fn_name")
        if fn_name is not None and (not isinstance(fn_name, str) or not fn_name.isidentifier()):
            raise BadGroundTruth(f"apps fn_name {fn_name!r} is not a Python name")
        return {"inputs": inputs, "outputs": outputs, "fn_name": fn_name}

    def tests(self, truth: dict) -> list[Test]:
        if truth["fn_name"] is None:
            return [StdioTest("\n".join(map(str, i)) if isinstance(i, list) else str(i)) for i in truth["inputs"]]
        tests: list[Test] = []
        for arguments in truth["inputs"]:
            arguments = int_keys(arguments) if isinstance(arguments, list) else [arguments]
            tests.append(CallTest(truth["fn_name"], tuple(arguments)))
        return tests

    def judge(self, outcome: TestOutcome, index: int, truth: dict) -> bool:
        if outcome.error or outcome.timed_out or outcome.output_limit:
            return False
        expected = truth["outputs"][index]
        if truth["fn_name"] is None:
            return outcome.exit_code == 0 and not outcome.stdout_truncated and stdio_match(outcome.stdout, expected)
        return call_match(outcome.value, int_keys(expected))


compute_reward = reward_function("apps")
