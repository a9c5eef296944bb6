"""Every task's `verify` returns within its `timeout` + 1 s on adversarial completions of 40 KB
and 1 MB: long runs of "[", "<<", newlines, repeated phrases, nested braces, fences, sentence
ends. The instruction tasks get a ground truth with every instruction id they accept, so one
call runs every check. CI runs the attacks the issue named and one mixed completion per task at
40 KB; the full matrix (every task, every pattern, 40 KB and 1 MB) is marked slow."""

from __future__ import annotations

import time

import pytest
from test_ifeval_checks import CASES
from test_ifeval_open_instruct import FUNCTION_CASES, IFEVALG_CASES
from test_rubric_verifier import GROUND_TRUTH as RUBRIC_GROUND_TRUTH

import rlvr
from rlvr.ifeval_checks import IF_FUNCTION_CHECKS, IFBENCH_CHECKS, IFEVAL_CHECKS, IFEVALG_CHECKS
from rlvr.verdict import MISMATCH, NO_ANSWER, OK
from rlvr.verifiers import instructions
from rlvr.verifiers import math as math_verifier

TIMEOUT = 2.0
KB40, MB1 = 40_000, 1_000_000
# The contract is TIMEOUT + 1 s. On top, an allowance for a loaded machine (eight test processes
# on two cores run everything about ten times slower): the linear in-process work on a megabyte
# (answer extraction, sending it to a worker) takes about 0.3 s on an idle core. Before the
# linear rewrites the named attacks took 7-60 s at 40 KB, and hours at 1 MB.
LOAD_ALLOWANCE = {KB40: 1.0, MB1: 3.0}
UNITS = (
    "[",
    "<<",
    "\n",
    "{",
    "}",
    "\\boxed{",
    "\\frac{",
    "$",
    "\\(",
    "the early bird catches the worm ",
    "The early bird catches the worm. ",
    "1. ",
    "P.S. ",
    "Question 1\n",
    "* a\n",
    "- ",
    "*",
    "```python\n",
    "#### 1,",
    "a ",
    "Aa, ",
)


def _record(registry, *case_lists) -> dict:
    """A ground truth with every instruction id of `registry`, arguments from the hand-written cases."""
    kwargs = {}
    for cases in case_lists:
        for instruction_id, arguments, _, _ in cases:
            kwargs.setdefault(instruction_id, arguments)
    ids = sorted(registry)
    return {"instruction_id_list": ids, "kwargs": [kwargs[i] for i in ids]}


GROUND_TRUTHS = {
    "gsm8k": "#### 72",
    "math": "\\frac{1}{2}",
    "ifeval": _record(IFEVAL_CHECKS, CASES),
    "ifbench": _record(IFBENCH_CHECKS, CASES),
    "if_multi": _record({**IFEVALG_CHECKS, **IF_FUNCTION_CHECKS}, IFEVALG_CASES, FUNCTION_CASES),
    "mbpp": {"test_list": ["assert f(1) == 1"]},
    "humaneval": {
        "prompt": "def f(x):\n",
        "test": "def check(candidate):\n    assert candidate(1) == 1\n",
        "entry_point": "f",
    },
    "apps": {"inputs": ["1\n"], "outputs": ["1\n"]},
    "rubric": RUBRIC_GROUND_TRUTH,
}
# A judge that refuses connections: the rubric task must give up by its deadline too.
OPTIONS = {"rubric": {"judge_base_url": "http://127.0.0.1:9/v1", "judge_backoff": 0.0}}
# The measurements: (task, instruction id, kwargs, repeated unit), 2.6-13 s at 40 KB.
NAMED_ATTACKS = [
    ("ifeval", "detectable_content:number_placeholders", {"num_placeholders": 2}, "["),
    ("if_multi", "validate_title", {}, "<<"),
    ("ifeval", "detectable_format:number_bullet_lists", {"num_bullets": 2}, "\n"),
    ("if_multi", "copy:repeat_phrase", {"phrase": "The early bird catches the worm", "small_n": 2}, "The early "),
]


def _text(unit: str, size: int) -> str:
    return (unit * (size // len(unit) + 1))[:size]


@pytest.fixture(scope="module", autouse=True)
def warm_pools():
    """Both zygotes up before anything is timed (their first start imports sympy / NLTK)."""
    for pool in (math_verifier.shared_pool(), instructions.InstructionVerifier.pool()):
        pool.call(abs, 1, timeout=5, deadline=time.monotonic() + 300)


def _timed_verify(completion: str, task: str, ground_truth) -> rlvr.Verdict:
    started = time.monotonic()
    verdict = rlvr.verify(completion, ground_truth, task=task, timeout=TIMEOUT, **OPTIONS.get(task, {}))
    elapsed = time.monotonic() - started
    bound = TIMEOUT + 1.0 + LOAD_ALLOWANCE[len(completion)]
    assert elapsed < bound, f"{task}: {elapsed:.2f} s for {len(completion)} characters ({verdict.reason})"
    return verdict


@pytest.mark.parametrize("task,instruction_id,kwargs,unit", NAMED_ATTACKS, ids=[a[1] for a in NAMED_ATTACKS])
def test_named_attacks_are_judged_quickly_at_40_kb(task, instruction_id, kwargs, unit):
    truth = {"instruction_id_list": [instruction_id], "kwargs": [kwargs]}
    verdict = _timed_verify(_text(unit, KB40), task, truth)
    assert verdict.reason in (OK, MISMATCH, NO_ANSWER), verdict  # judged, not timed out: the checks are linear now


@pytest.mark.parametrize("task", sorted(GROUND_TRUTHS))
def test_every_task_is_bounded_on_a_mixed_40_kb_completion(task):
    _timed_verify(_text("".join(UNITS), KB40), task, GROUND_TRUTHS[task])


@pytest.mark.slow
@pytest.mark.parametrize("size", [KB40, MB1], ids=["40KB", "1MB"])
@pytest.mark.parametrize("unit", UNITS)
@pytest.mark.parametrize("task", sorted(GROUND_TRUTHS))
def test_every_task_every_pattern_is_bounded(task, unit, size):
    _timed_verify(_text(unit, size), task, GROUND_TRUTHS[task])
