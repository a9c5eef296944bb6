"""Sympy comparisons. Everything here runs inside a `WatchdogPool` worker, never in the caller:
parsing and simplifying untrusted LaTeX can take unbounded time and memory.

`equal_pairs` decides a batch of (gold, predicted) scalar pairs with latex2sympy2_extended and
sympy: two constants by a relative-tolerance comparison at 30 digits; expressions that
differ at a fixed sample point are different; otherwise simplify(a - b) == 0, then `a.equals(b)`.
Equations compare as equations: both sides pairwise, or their differences equal up to a nonzero
numeric factor; an equation never equals a non-equation.
A text that does not parse equals nothing (no falling back to a number found inside it).
`minerva_equal` is lm-eval minerva_math's `is_equiv` step: sympy's own `parse_latex` on both
sides and `simplify(a - b) == 0`, every failure meaning "not equal".
`bounded_str` renders a parsed expression for logs in bounded time and size.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import sympy
from latex2sympy2_extended import latex2sympy
from sympy.core.relational import Relational

# Parse failures in latex2sympy2_extended are plain `Exception`s with a message; comparison
# failures are sympy's ordinary errors. Either means "not shown equal". Running out of memory or
# stack is not a property of the answer: MemoryError and RecursionError propagate (the verdict
# is a failure, and a failed parse of a gold is never cached).
_PARSE_ERRORS = (Exception,)
_RESOURCE_ERRORS = (MemoryError, RecursionError)
_COMPARE_ERRORS = (TypeError, ValueError, AttributeError, NotImplementedError, ZeroDivisionError)
_PRECISION = 30
MAX_STR_CHARS = 200
MAX_STR_NODES = 500
_MAX_INTEGER_BITS = 1000


def parse(latex: str) -> Any:
    """The sympy object of a normalised LaTeX answer, or None when it does not parse."""
    try:
        return latex2sympy(latex)
    except _RESOURCE_ERRORS:
        raise
    except _PARSE_ERRORS:
        return None


# Gold answers are parsed once per worker, not once per completion (a GRPO group scores many
# completions against one gold). Predictions are not cached: they rarely repeat.
parse_gold = lru_cache(maxsize=4096)(parse)


GOLD_UNPARSED = "gold does not parse"


def equal_pairs(pairs: list[tuple[str, str]], rel_tol: float) -> list[tuple[bool, str]]:
    """For each (gold, predicted) pair: (equal?, how it was decided, with the parsed prediction);
    how is GOLD_UNPARSED when the gold item does not parse."""
    results = []
    for gold_text, predicted_text in pairs:
        gold = parse_gold(gold_text)
        if gold is None:
            results.append((False, GOLD_UNPARSED))
            continue
        predicted = parse(predicted_text)
        if predicted is None:
            results.append((False, "unparsed"))
            continue
        equal, how = _equal(gold, predicted, rel_tol)
        results.append((equal, f"{how}; parsed {bounded_str(predicted)}"))
    return results


def _equal(gold: Any, predicted: Any, rel_tol: float) -> tuple[bool, str]:
    gold_eq, predicted_eq = isinstance(gold, Relational), isinstance(predicted, Relational)
    if gold_eq != predicted_eq:
        return False, "equation vs expression"
    try:
        gold, predicted = _imaginary_unit(gold, predicted)
        if gold_eq:
            return _equations_equal(gold, predicted, rel_tol), "equation"
        return _expressions_equal(gold, predicted, rel_tol)
    except _COMPARE_ERRORS as exc:
        return False, f"sympy error: {type(exc).__name__}"


def _imaginary_unit(a: Any, b: Any) -> tuple[Any, Any]:
    """With no other variable on either side, "i" is the imaginary unit: "i(2-i)" is 1+2i."""
    i = sympy.Symbol("i")
    if (a.free_symbols | b.free_symbols) != {i}:
        return a, b
    return a.subs(i, sympy.I), b.subs(i, sympy.I)


def _exact_decimals(expression: sympy.Expr) -> sympy.Expr:
    """Decimals in an expression as the rationals they write ("x^{0.5}" is the square root of x),
    so that simplify can cancel them."""
    return expression.xreplace({f: sympy.Rational(str(f)) for f in expression.atoms(sympy.Float)})


def _expressions_equal(a: Any, b: Any, rel_tol: float) -> tuple[bool, str]:
    if not (isinstance(a, sympy.Expr) and isinstance(b, sympy.Expr)):
        return bool(a == b), "structural"
    if a.is_number and b.is_number:
        # Two constants: 30-digit evaluation decides, far faster than simplify on a mismatch.
        return _numbers_close(a, b, rel_tol), "numeric"
    if _differ_at_a_point(a, b):
        return False, "differ at a sample point"
    a, b = _exact_decimals(a), _exact_decimals(b)
    if sympy.simplify(a - b) == 0:
        return True, "simplify"
    return a.equals(b) is True, "equals"


def _differ_at_a_point(a: sympy.Expr, b: sympy.Expr) -> bool:
    """Whether a and b take clearly different values at one fixed point (the same point for
    every call, so verdicts stay deterministic). Rejects most mismatches without simplify;
    equal values prove nothing, and simplify decides those."""
    point = {
        symbol: sympy.Rational(2 * k + 3, 7)
        for k, symbol in enumerate(sorted(a.free_symbols | b.free_symbols, key=str))
    }
    x, y = sympy.N(a.subs(point), 15), sympy.N(b.subs(point), 15)
    if not (x.is_number and y.is_number and x.is_finite and y.is_finite):
        return False
    return bool(abs(x - y) > 1e-6 * max(abs(x), abs(y), 1))


def _numbers_close(a: sympy.Expr, b: sympy.Expr, rel_tol: float) -> bool:
    x, y = sympy.N(a, _PRECISION), sympy.N(b, _PRECISION)
    if not (x.is_finite and y.is_finite):
        return False
    # Relative to the magnitude: 1/2004! and 1/2006! differ by a factor of ~4e6, not by ~0.
    return bool(abs(x - y) <= rel_tol * max(abs(x), abs(y)))


def _equations_equal(a: Relational, b: Relational, rel_tol: float) -> bool:
    # "5 \\geq x" is "x \\leq 5": an inequality is also tried with its sides swapped.
    candidates = (b,) if isinstance(a, sympy.Eq) else (b, b.reversed)
    return any(type(a) is type(c) and _same_relation(a, c, rel_tol) for c in candidates)


def _same_relation(a: Relational, b: Relational, rel_tol: float) -> bool:
    if _expressions_equal(a.lhs, b.lhs, rel_tol)[0] and _expressions_equal(a.rhs, b.rhs, rel_tol)[0]:
        return True
    # x + y = 2 and 2x + 2y = 4 are one equation; x - 1 = 0 and y - 2 = 0 are not, although
    # both "collapse to 0" when each side is moved over. An inequality keeps its direction only
    # under a positive factor: -x < -1 is not x < 1.
    ratio = sympy.simplify((a.lhs - a.rhs) / (b.lhs - b.rhs))
    if not (ratio.is_number and ratio.is_finite and ratio != 0):
        return False
    return isinstance(a, sympy.Eq) or bool(ratio.is_positive)


@lru_cache(maxsize=1)
def minerva_unavailable() -> str | None:
    """Why sympy's parse_latex cannot run here (None when it can). It needs antlr4 runtime 4.11;
    an environment with verl's hydra/omegaconf has 4.9.3, which serves latex2sympy2_extended (the
    other modes) but would make every minerva sympy step quietly count as "not equal"."""
    from sympy.parsing.latex import parse_latex

    try:
        parse_latex("1")
    except ImportError as exc:
        return f"{exc} (pip install 'antlr4-python3-runtime~=4.11.0')"
    return None


def minerva_equal(a: str, b: str) -> bool:
    """lm-eval minerva_math's sympy step: parse both with sympy's parse_latex, simplify(a - b) == 0."""
    from sympy.parsing.latex import parse_latex

    try:
        return bool(sympy.simplify(parse_latex(a) - parse_latex(b)) == 0)
    except Exception:  # lm-eval counts every parse or simplify failure as "not equal"
        return False


def bounded_str(expression: Any, max_chars: int = MAX_STR_CHARS, max_nodes: int = MAX_STR_NODES) -> str:
    """A short text of a sympy object, in time bounded by `max_nodes`.

    str() of a huge Integer converts billions of digits (and Python refuses past 4300), and a
    large tree prints for ever: those become a summary instead."""
    nodes = 0
    for node in sympy.preorder_traversal(expression):
        nodes += 1
        if nodes > max_nodes:
            return f"<{type(expression).__name__} with more than {max_nodes} nodes>"
        if isinstance(node, sympy.Integer) and int(node).bit_length() > _MAX_INTEGER_BITS:
            return (
                f"<{type(expression).__name__} with an integer of about {int(int(node).bit_length() * 0.30103)} digits>"
            )
    text = str(expression)
    return text if len(text) <= max_chars else text[: max_chars - 3] + "..."


def warm_up() -> None:
    """Run one parse and comparison so a forked worker starts with sympy's caches and lazy
    imports (the ANTLR parser, simplify's machinery) already loaded."""
    equal_pairs([("\\frac{1}{2}", "x^2-1=0"), ("\\sqrt{2}", "2^{1/2}")], 1e-6)
    minerva_equal("\\frac{1}{2}", "0.5")
    parse_gold.cache_clear()
