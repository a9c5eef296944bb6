"""Cheap checks before sympy: that an answer is small enough to decide, and that a gold is LaTeX.

sympy evaluates numbers eagerly: `2^{2^{40}}` asks for a 2^40-bit integer (the worker runs out
of memory) and `9^{9^{9^{9}}}` for one of about 10^9 digits (the worker runs past its time).
A completion that writes such a value is judged wrong (reason "too_complex"; "too_deep" for
nesting past MAX_DEPTH) rather than left to fail, so a policy cannot escape a wrong answer by
making the verifier give up (docs/reliability.md, the blame rule).

`answer_bound` reads normalised LaTeX with a small recursive-descent pass that tracks an upper
bound on the number of bits of every numeric subexpression (numbers, + - * /, \\frac, \\sqrt,
powers, factorials); symbols and unknown commands have no bound and never count against a
value. It is linear in the text and never raises.
"""

from __future__ import annotations

import math
import re

MAX_BITS = 10_000_000  # about 3 million digits: far past any answer, well within a worker's budget
MAX_DEPTH = 100  # brackets nested deeper than this: past what the LaTeX parser recurses through

_TOKEN = re.compile(r"\d+(?:\.\d*)?|\.\d+|\\[A-Za-z]+|\s+|.", re.DOTALL)
_OPEN, _CLOSE = "{([", "})]"
_PRODUCT = {"*", "/", "\\cdot", "\\times", "\\div"}
_SUM = {"+", "-", "\\pm", "\\mp"}


_ENVIRONMENT = re.compile(r"\\(begin|end)\s*\{([^{}]*)\}")


class _TooLarge(Exception):
    pass


def malformed(text: str) -> str | None:
    """Why `text` is broken LaTeX (no digit or letter, unbalanced braces, an environment never
    closed), or None. A gold answer like that is a broken dataset row, not an answer to compare.

    >>> malformed("\\\\frac{1}{"), malformed("@@@"), malformed("\\\\begin{pmatrix} 1 & 2"), malformed("(1, 2]")
    ('unbalanced braces', 'no digit or letter', 'an unclosed pmatrix environment', None)
    """
    if not any(char.isalnum() for char in text):
        return "no digit or letter"
    depth = 0
    for index, char in enumerate(text):
        if char in "{}" and index and text[index - 1] == "\\":
            continue  # \{ and \} are set braces, not groups
        depth += 1 if char == "{" else -1 if char == "}" else 0
        if depth < 0:
            break
    if depth:
        return "unbalanced braces"
    open_environments: list[str] = []
    for kind, name in _ENVIRONMENT.findall(text):
        if kind == "begin":
            open_environments.append(name)
        elif not open_environments or open_environments.pop() != name:
            return f"an \\end{{{name}}} without its \\begin"
    if open_environments:
        return f"an unclosed {open_environments[-1]} environment"
    return None


def answer_bound(text: str) -> str | None:
    """None when `text` is small enough for sympy; otherwise "too_complex" or "too_deep".

    >>> answer_bound("9^{9^{9^{9}}}"), answer_bound("2^{2^{40}}-2^{2^{40}}+3"), answer_bound("x^{2^{10}}+1")
    ('too_complex', 'too_complex', None)
    >>> answer_bound("{" * 200 + "1" + "}" * 200)
    'too_deep'
    """
    depth = deepest = 0
    for char in text:
        if char in _OPEN:
            depth += 1
            deepest = max(deepest, depth)
        elif char in _CLOSE:
            depth = max(0, depth - 1)
    if deepest > MAX_DEPTH:
        return "too_deep"
    tokens = [token for token in _TOKEN.findall(text) if not token.isspace()]
    reader = _Reader(tokens)
    try:
        while reader.position < len(tokens):
            reader.sum()
            reader.position += 1  # a token no rule takes (a stray bracket, "=", ","): read on past it
    except _TooLarge:
        return "too_complex"
    except RecursionError:  # a chain of thousands of \frac or signs: nested past any parser
        return "too_deep"
    return None


def _checked(bits: float | None) -> float | None:
    if bits is not None and bits > MAX_BITS:
        raise _TooLarge
    return bits


class _Reader:
    """sum := product (+|- product)*; product := power ((* | / | implicit) power)*;
    power := atom (^ atom | !)*. Each returns an upper bound on the bits of its value, or None
    when it has a symbol."""

    def __init__(self, tokens: list[str]) -> None:
        self.tokens = tokens
        self.position = 0

    def peek(self) -> str:
        return self.tokens[self.position] if self.position < len(self.tokens) else ""

    def sum(self) -> float | None:
        bits = self.product()
        while self.peek() in _SUM and self.peek():
            self.position += 1
            bits = _combine(bits, self.product(), lambda a, b: max(a, b) + 1)
        return bits

    def product(self) -> float | None:
        bits = self.power()
        while (token := self.peek()) and token not in _SUM and token not in _CLOSE and token not in "^!=,":
            if token in _PRODUCT:
                self.position += 1
            bits = _combine(bits, self.power(), lambda a, b: a + b)
        return bits

    def power(self) -> float | None:
        bits = self.atom()
        while (token := self.peek()) in ("^", "!") and token:
            self.position += 1
            if token == "!":
                bits = None if bits is None else _checked(_factorial_bits(bits))
                continue
            exponent = self.atom()
            if bits is not None and exponent is not None:
                # The exponent's value is at most 2^exponent bits; 0 and 1 stay small under any power.
                bits = _checked(0.0 if bits == 0 else bits * 2.0 ** min(exponent, 1024.0))
            else:
                bits = None
        return bits

    def atom(self) -> float | None:
        token = self.peek()
        if not token:
            return None
        self.position += 1
        if token in _OPEN:
            bits = self.sum()
            if self.peek() in _CLOSE and self.peek():
                self.position += 1
            return bits
        if token[0].isdigit() or token[0] == ".":
            return _checked(_literal_bits(token))
        if token in ("-", "+"):
            return self.atom()
        if token == "\\frac":
            return _combine(self.atom(), self.atom(), lambda a, b: a + b)
        if token == "\\sqrt":
            if self.peek() == "[":
                self.atom()
            return self.atom()
        return None  # a letter, a command, punctuation: a symbol without a bound


def _combine(a: float | None, b: float | None, how: object) -> float | None:
    if a is None or b is None:
        return None
    return _checked(how(a, b))  # type: ignore[operator]


def _literal_bits(token: str) -> float:
    """Bits of a number written out: 0 for 0 and 1 (they stay small under any power)."""
    whole, _, decimals = token.partition(".")
    digits = (whole + decimals).lstrip("0")
    if not decimals.strip("0") and whole.lstrip("0") in ("", "1"):
        return 0.0
    if len(digits) > 300:
        return len(digits) * math.log2(10) + len(decimals) * math.log2(10)
    return math.log2(max(int(digits or "1"), 2)) + len(decimals) * math.log2(10)


def _factorial_bits(bits: float) -> float:
    """Bits of n! for n below 2^bits (Stirling: about n log2 n)."""
    n = 2.0 ** min(bits, 1024.0)
    return n * max(math.log2(n), 1.0)
