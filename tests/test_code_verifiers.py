"""Code verifiers: extraction, hand-checked APPS-style problems in both modes, options, properties."""

from __future__ import annotations

import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rlvr.api import compute_reward, verify
from rlvr.verifiers.apps import compute_reward as apps_reward
from rlvr.verifiers.code.apps_compare import call_match, stdio_match
from rlvr.verifiers.code.extract import extract_program
from rlvr.verifiers.humaneval import compute_reward as humaneval_reward
from rlvr.verifiers.mbpp import compute_reward as mbpp_reward


def test_extract_takes_the_last_python_or_bare_fence():
    text = "Plan:\n```python\nx = 1\n```\nthen\n```\ny = 2\n```\n```js\nz = 3\n```\n"
    assert extract_program(text) == ("y = 2\n", True)
    assert extract_program("def f():\r\n    return 1\r\n") == ("def f():\n    return 1\n", False)
    assert extract_program("```python\ndef f():\n    return 1") == ("def f():\n    return 1", True)


# Hand-checked stdin/stdout problem: sum of each line's integers (expected outputs computed by hand).
SUM_LINES = {
    "inputs": ["2\n1 2\n3 4\n", "1\n-5 5\n", "3\n0 0\n10 -3\n100 1\n"],
    "outputs": ["3\n7\n", "0\n", "0\n7\n101\n"],
}
SUM_LINES_SOLUTION = "n = int(input())\nfor _ in range(n):\n    a, b = map(int, input().split())\n    print(a + b)\n"
# Hand-checked float problem: the mean of the numbers, to any precision within APPS' tolerance.
MEAN = {"inputs": ["3\n1 2 4\n", "2\n0.1 0.2\n"], "outputs": ["2.3333333333\n", "0.15\n"]}
# Hand-checked call-based problems: a top-level function and a class Solution method.
GCD = {"fn_name": "gcd", "inputs": [[12, 18], [7, 5], [0, 9]], "outputs": [[6], [1], [9]]}
PAIRS = {"fn_name": "pairs", "inputs": [[[1, 2, 3]], [[]]], "outputs": [[[[1, 2], [2, 3]]], [[]]]}


def test_apps_stdio_mode_hand_checked():
    assert apps_reward(SUM_LINES_SOLUTION, SUM_LINES) == 1.0
    spaced = (
        "n = int(input())\nfor _ in range(n):\n    a, b = map(int, input().split())\n"
        "    print('  ', a + b, '  ')\nprint()\n"
    )
    assert apps_reward(spaced, SUM_LINES) == 1.0  # whitespace normalisation
    assert apps_reward(SUM_LINES_SOLUTION.replace("a + b", "a - b"), SUM_LINES) == 0.0
    assert apps_reward("print(3)\nprint(7)\n", SUM_LINES) == 1 / 3  # partial credit


def test_apps_float_tolerance_hand_checked():
    mean = "input()\nxs = list(map(float, input().split()))\nprint(sum(xs) / len(xs))\n"
    assert apps_reward(mean, MEAN) == 1.0  # 2.3333333333333335 vs 2.3333333333, 0.15000000000000002 vs 0.15
    assert (
        apps_reward("input()\nxs = list(map(float, input().split()))\nprint(round(sum(xs) / len(xs), 2))\n", MEAN)
        == 0.5
    )


def test_apps_call_mode_hand_checked():
    assert apps_reward("import math\ndef gcd(a, b):\n    return math.gcd(a, b)\n", GCD) == 1.0
    solution = "class Solution:\n    def pairs(self, xs):\n        return [(a, b) for a, b in zip(xs, xs[1:])]\n"
    assert apps_reward(solution, PAIRS) == 1.0  # tuples read as lists, outputs wrapped in a list
    assert apps_reward("def gcd(a, b):\n    return a * b\n", GCD) == 0.0
    assert apps_reward("def gcd(a, b):\n    return 1\n", GCD) == 1 / 3


def test_apps_comparison_rules():
    assert stdio_match("1 2\n\n3\n", "1  2\n3")
    assert stdio_match("0.3333333\n", "0.33333333")
    assert not stdio_match("0.34\n", "0.33")
    assert not stdio_match("2 1\n", "1 2\n")  # order matters (APPS' unordered set check is left out)
    assert call_match((1, 2), [1, 2]) and call_match(5, [5]) and not call_match(3, [1, 2])


def test_all_or_nothing_and_bad_ground_truth():
    partial = "def gcd(a, b):\n    return 1\n"
    assert verify(partial, GCD, task="apps", all_or_nothing=True).score == 0.0
    assert verify("x", {"inputs": [1], "outputs": []}, task="apps").reason == "bad_ground_truth"
    assert verify("x", "not json", task="mbpp").reason == "bad_ground_truth"
    assert compute_reward("x", {"test_list": []}, task="mbpp") == 0.0


def test_humaneval_completion_continues_the_prompt():
    truth = {
        "prompt": 'def inc(x):\n    """x + 1"""\n',
        "entry_point": "inc",
        "test": "def check(candidate):\n    assert candidate(1) == 2\n    assert candidate(-1) == 0\n",
    }
    assert humaneval_reward("    return x + 1\n", truth) == 1.0
    assert humaneval_reward("Sure:\n```python\ndef inc(x):\n    return x + 1\n```", truth) == 1.0
    assert humaneval_reward("    return x\n", truth) == 0.0


def test_mbpp_function_shadowing_a_builtin_is_tested_but_cannot_fake_a_builtin():
    truth = {"test_list": ["assert sum(10, 15) == 6", "assert sum(4, 6) == 3"]}
    program = (
        "import builtins\ndef sum(a, b):\n"
        "    return builtins.sum(i for i in range(1, min(a, b)) if a % i == b % i == 0)\n"
    )
    assert mbpp_reward(program, truth) == 1.0
    truth = {"test_list": ["assert abs(half(3) - 1.5) < 1e-9"]}
    assert mbpp_reward("def abs(x):\n    return 0\ndef half(x):\n    return 0\n", truth) == 0.0


def test_verdict_reports_isolation_and_per_test_facts():
    verdict = verify(
        "import time\ndef gcd(a, b):\n    time.sleep(10)\n", GCD, task="apps", test_timeout=0.5, timeout=10
    )
    # A program that hangs was judged: a wrong program, not a verifier that could not judge.
    assert verdict.score == 0.0 and verdict.reason == "program_timeout" and not verdict.failed
    assert verdict.detail["isolation"]["level"] == "namespaces"
    assert all(t["timed_out"] for t in verdict.detail["tests"])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(program=st.text(max_size=300))
def test_any_string_as_a_program_never_raises_and_keeps_its_budget(program):
    budget = 3.0
    started = time.monotonic()
    verdict = verify(
        program, {"test_list": ["assert f(1) == 1", "assert f(2) == 2"]}, task="mbpp", timeout=budget, test_timeout=1.0
    )
    assert time.monotonic() - started <= budget + 1.0
    assert 0.0 <= verdict.score <= 1.0


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    program=st.sampled_from(["while True: pass", "import time\ntime.sleep(60)", "print('x' * 10**8)"])
    | st.text(max_size=50)
)
def test_hostile_programs_keep_the_total_budget(program):
    budget = 2.0
    started = time.monotonic()
    verdict = verify(
        program,
        {"inputs": ["1\n", "2\n", "3\n"], "outputs": ["1\n", "2\n", "3\n"]},
        task="apps",
        timeout=budget,
        test_timeout=1.5,
    )
    assert time.monotonic() - started <= budget + 1.0
    assert verdict.score == 0.0


def test_a_humaneval_prompt_without_a_docstring_still_sets_up_the_tests():
    """A prompt that ends in a bare `def` header is trusted setup code too (it once failed to parse,
    scoring every program 0)."""
    record = {"prompt": "def add(a, b):\n", "test": "def check(f):\n    assert f(1, 2) == 3\n", "entry_point": "add"}
    assert verify("    return a + b\n", record, task="humaneval").score == 1.0
    assert verify("    return a - b\n", record, task="humaneval").reason == "mismatch"
