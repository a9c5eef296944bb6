"""Reference solutions score 1.0 and mutated ones (every return value changed) score below 1.0.

The fast tests take a slice of each benchmark; the full sweeps are marked slow. Some references
need more than the default 4 s per test on a busy 2-core machine (MBPP 123 computes amicable
numbers below 9999 in O(n^2), about 12 s; APPS 4184 solution 5 sieves to 10^7 on its first call,
about 3 s), so the sweeps run with a 30 s limit.
"""

from __future__ import annotations

import ast
import json

import pytest
from code_data import apps_solutions, humaneval_rows, mbpp_rows, sanitized_mbpp_rows

from rlvr.api import get_verifier

SWEEP = {"test_timeout": 30.0, "timeout": 120.0}


def _change_returns(function: ast.FunctionDef) -> None:
    """Wrap the function's own return values (not those of functions nested in it) in __wrong__."""
    pending = list(function.body)
    while pending:
        node = pending.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            continue
        if isinstance(node, ast.Return):
            node.value = ast.Call(ast.Name("__wrong__", ast.Load()), [node.value or ast.Constant(None)], [])
        pending.extend(ast.iter_child_nodes(node))


WRONG_HELPER = """
def __wrong__(value):
    if isinstance(value, bool):
        return not value
    if isinstance(value, float):
        return value * 2 + 1  # beyond any test's tolerance
    if isinstance(value, int):
        return value + 1
    if isinstance(value, str):
        return value + "?"
    if isinstance(value, (list, tuple)):
        return type(value)([*value, "?"])
    return ("wrong", value)
"""


def wrong_program(code: str, name: str) -> str:
    """The program with every return value of the function(s) called `name` changed."""
    tree = ast.parse(code.replace("\r\n", "\n"))
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and node.name == name:
            _change_returns(node)
    return WRONG_HELPER + ast.unparse(ast.fix_missing_locations(tree))


def mbpp_function(row: dict) -> str:
    """The function under test: the defined function the first assert names."""
    defined = [n.name for n in ast.walk(ast.parse(row["code"].replace("\r\n", "\n"))) if isinstance(n, ast.FunctionDef)]
    return next(name for name in reversed(defined) if name + "(" in row["test_list"][0].replace(" (", "("))


def _sweep(task: str, completions: list[str], truths: list, expect_full: bool, **options) -> list:
    verifier = get_verifier(task, **{**SWEEP, **options})
    verdicts = verifier.verify_batch(completions, truths)
    if expect_full:
        return [(i, v.reason, v.detail) for i, v in enumerate(verdicts) if v.score != 1.0]
    return [(i, v.score) for i, v in enumerate(verdicts) if not v.score < 1.0]


def _mbpp_cases(rows: list[dict]) -> tuple[list[str], list[dict]]:
    return [row["code"] for row in rows], rows


# Fast subset: the first 40 tasks, the two with test_setup_code, and the sanitized tasks with test_imports.
def _mbpp_fast() -> list[dict]:
    rows = mbpp_rows()
    return rows[:40] + [row for row in rows if row["test_setup_code"]]


def _sanitized_fast() -> list[dict]:
    rows = sanitized_mbpp_rows()
    return rows[:15] + [row for row in rows if row["test_imports"]]


@pytest.mark.parametrize("rows", [_mbpp_fast, _sanitized_fast], ids=["mbpp", "sanitized"])
def test_mbpp_references_subset_score_one(rows):
    cases = rows()
    assert _sweep("mbpp", *_mbpp_cases(cases), expect_full=True, challenge_tests=True) == []


def test_mbpp_wrong_programs_subset_score_below_one():
    cases = _mbpp_fast()
    assert _sweep("mbpp", [wrong_program(r["code"], mbpp_function(r)) for r in cases], cases, expect_full=False) == []


def test_humaneval_canonical_subset_scores_one_and_wrong_below():
    rows = humaneval_rows()[:30]
    assert _sweep("humaneval", [r["canonical_solution"] for r in rows], rows, expect_full=True) == []
    wrong = [wrong_program(r["prompt"] + r["canonical_solution"], r["entry_point"]) for r in rows]
    # A full program in a fence replaces the prompt's stub (see rlvr.verifiers.humaneval).
    assert _sweep("humaneval", [f"```python\n{w}\n```" for w in wrong], rows, expect_full=False) == []


def test_apps_reference_solutions_subset_score_one():
    cases = [(row, code) for row, i, code in apps_solutions() if i < 3]
    assert _sweep("apps", [c for _, c in cases], [r for r, _ in cases], expect_full=True) == []


def test_apps_wrong_programs_score_below_one():
    cases = [(row, code) for row, i, code in apps_solutions() if i < 3]
    wrong = []
    for row, code in cases:
        fn_name = json.loads(row["input_output"]).get("fn_name")
        wrong.append(wrong_program(code, fn_name) if fn_name else code + "\nprint('extra line')\n")
    assert _sweep("apps", wrong, [r for r, _ in cases], expect_full=False) == []


@pytest.mark.slow
@pytest.mark.parametrize("rows", [mbpp_rows, sanitized_mbpp_rows], ids=["mbpp", "sanitized"])
def test_mbpp_all_references_score_one(rows):
    cases = rows()
    assert _sweep("mbpp", *_mbpp_cases(cases), expect_full=True, challenge_tests=True) == []


@pytest.mark.slow
@pytest.mark.parametrize("rows", [mbpp_rows, sanitized_mbpp_rows], ids=["mbpp", "sanitized"])
def test_mbpp_all_wrong_programs_score_below_one(rows):
    cases = rows()
    assert _sweep("mbpp", [wrong_program(r["code"], mbpp_function(r)) for r in cases], cases, expect_full=False) == []


@pytest.mark.slow
def test_humaneval_all_canonical_score_one_and_wrong_below():
    rows = humaneval_rows()
    assert _sweep("humaneval", [r["canonical_solution"] for r in rows], rows, expect_full=True) == []
    wrong = [f"```python\n{wrong_program(r['prompt'] + r['canonical_solution'], r['entry_point'])}\n```" for r in rows]
    assert _sweep("humaneval", wrong, rows, expect_full=False) == []


@pytest.mark.slow
def test_apps_all_reference_solutions_score_one():
    cases = apps_solutions()
    assert _sweep("apps", [c for _, _, c in cases], [r for r, _, _ in cases], expect_full=True) == []
