"""HumanEval: complete a Python function from its signature and docstring.

Ground truth: {"prompt", "test", "entry_point"} as in HumanEval.jsonl. The completion continues
the prompt (program = prompt + completion); when it holds a fenced code block instead, that
block is appended to the prompt, so a restated full function replaces the prompt's stub while
the prompt's imports and helpers stay. The test is HumanEval's `check(candidate)`, run as one
test by the trusted harness after the prompt (its imports and helpers, such as `poly` or
`encode_cyclic`, keep the prompt's meaning whatever the program redefines), with `candidate` a
proxy for the program's entry point.
"""

from __future__ import annotations

import ast

from rlvr.sandbox import AssertTest
from rlvr.verifiers.base import BadGroundTruth
from rlvr.verifiers.code import CodeOptions, CodeVerifier
from rlvr.verifiers.code.extract import extract_program
from rlvr.verifiers.reward import reward_function


def _field(truth: dict, key: str) -> str:
    value = truth.get(key)
    if not isinstance(value, str) or not value.strip():
        raise BadGroundTruth(f"humaneval ground truth needs a non-empty string {key!r}")
    return value


class HumanEvalVerifier(CodeVerifier[CodeOptions]):
    """Task "humaneval"."""

    task = "humaneval"

    def program(self, completion: str, truth: dict) -> tuple[str, bool]:
        code, fenced = extract_program(completion)
        prompt = _field(truth, "prompt")
        return (f"{prompt}\n{code}" if fenced else prompt + completion), fenced

    def tests(self, truth: dict) -> list[AssertTest]:
        entry_point = _field(truth, "entry_point")
        if not entry_point.isidentifier():
            raise BadGroundTruth(f"humaneval entry_point {entry_point!r} is not a Python name")
        test = f"{_field(truth, 'test')}\n\ncheck({entry_point})\n"
        return [AssertTest(test, setup=trusted_setup(_field(truth, "prompt")), entry_points=(entry_point,))]


def trusted_setup(prompt: str) -> str:
    """The prompt as the tests' trusted setup code, which must parse on its own: a prompt that ends
    in a bare `def f(...):` header (no docstring) gets a `pass` body; the program's entry point
    replaces that stub anyway.

    >>> trusted_setup("def add(a, b):\n")
    'def add(a, b):\n    pass\n'
    """
    for candidate in (prompt, prompt.rstrip() + "\n    pass\n"):
        try:
            ast.parse(candidate)
        except SyntaxError:
            continue
        return candidate
    return prompt


compute_reward = reward_function("humaneval")
