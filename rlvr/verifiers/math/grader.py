"""Deciding whether a predicted answer equals the gold one, cheapest comparison first.

1. the normalised strings are equal                        -> settled by "string"
2. both sides are plain numbers (numeric.evaluate)         -> settled by "numeric"
3. otherwise sympy, in the worker pool (symbolic.py)       -> settled by "sympy"

Structures compare item by item: tuples and intervals in order with the same brackets, sets of
solutions ("3, 5", \\{3, 5\\}, unions) as a one-to-one matching, matrices cell by cell with
the same shape. A different number of items is a mismatch (settled by "structure"): several
candidate answers never match a single gold because one of them does.
`compare` does steps 1-2 for every item pair and returns the pairs still undecided; the
caller sends those to sympy in one job and calls `decide` with the results.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache

from rlvr.verifiers.math.normalise import (
    MAX_ITEMS,
    Answer,
    different_functions,
    final_values,
    has_relation,
    normalise,
    split_structure,
    stated_values,
)
from rlvr.verifiers.math.numeric import Number, evaluate, number_text, numbers_match

# Above this many characters an answer is not normalised or parsed (the caller compares the raw strings).
MAX_ANSWER_CHARS = 1000


@dataclass(frozen=True)
class ParsedAnswer:
    """A normalised answer, its structure and the numeric value of each item (None where the
    item is not a plain number)."""

    normalised: str
    structure: Answer
    values: tuple[Number | None, ...]


@lru_cache(maxsize=65536)
def parse_answer(raw: str) -> ParsedAnswer:
    """Normalise and split one answer. Cached: gold answers are parsed once per process."""
    return _parse_normalised(normalise(raw))


@lru_cache(maxsize=65536)
def _parse_normalised(text: str) -> ParsedAnswer:
    structure = split_structure(text)
    return ParsedAnswer(text, structure, tuple(evaluate(item) for item in structure.items))


_DECIMAL_COMMA = re.compile(r"-?\d+,\d+")
_PERCENT_SIGN = re.compile(r"%|\bpercent|\bpct\b")
_INEQUALITY = re.compile(r"\\(?:geq?|leq?|neq?|gt|lt)(?![A-Za-z])|[<>]")
PERCENT_TOLERANCE = 1e-12  # 100 times a float: 28.000000000000004


def parse_pair(gold_raw: str, predicted_raw: str, question: str = "") -> tuple[ParsedAnswer, ParsedAnswer]:
    """The gold and predicted answers, each read against the other: a final equation
    ("\\frac{36}{4}=9", "BC=14", "x=-3,x=1") stands for its right-hand side(s) when the gold
    states no relation; a gold that names its values ("|AB|=1", "z=1+1=2") stands for them,
    and then a prediction's equation for its right-hand side; and "1000,99" is a decimal comma
    when the other side is a non-integer number.

    >>> [p.normalised for p in parse_pair("9", "3+3+3=9")], parse_pair("1000.99", "1000,99")[1].normalised
    (['9', '9'], '1000.99')
    """
    gold, predicted = parse_answer(gold_raw), parse_answer(predicted_raw)
    if different_functions(gold.normalised, predicted.normalised):
        pass  # "\\sin(x)=a" against "\\cos(x)=a": compared as the equations they are
    elif "=" in predicted.normalised and not has_relation(gold.normalised):
        predicted = _parse_normalised(final_values(predicted.normalised))
    elif "=" in gold.normalised and (values := stated_values(gold.normalised)) is not None:
        gold = _parse_normalised(values)
        if "=" in predicted.normalised:
            predicted = _parse_normalised(final_values(predicted.normalised))
    elif "=" in gold.normalised and "=" in predicted_raw and "=" not in predicted.normalised:
        # "y=-\\frac{1}{2}x+\\frac{3}{4}" against the line "2x+4y-3=0": the "y=" is part of the equation.
        equation = normalise(predicted_raw, keep_equation=True)
        predicted = ParsedAnswer(equation, Answer("scalar", (equation,)), (None,))
    gold, predicted = _decimal_comma(gold, predicted), _decimal_comma(predicted, gold)
    return _percent(gold, gold_raw, predicted, predicted_raw), _percent(predicted, predicted_raw, gold, gold_raw)


def _percent(answer: ParsedAnswer, raw: str, other: ParsedAnswer, other_raw: str) -> ParsedAnswer:
    """`answer` as the fraction its percentage is ("10%" -> 0.1) when `other` has no percent sign
    and is that fraction: a percentage equals its fraction, and also its number of percent."""
    if _PERCENT_SIGN.search(raw) is None or _PERCENT_SIGN.search(other_raw) is not None:
        return answer
    if len(answer.values) != 1 or len(other.values) != 1 or answer.values[0] is None or other.values[0] is None:
        return answer
    fraction = answer.values[0] / 100
    if not numbers_match(fraction, other.values[0], PERCENT_TOLERANCE):
        return answer
    return _parse_normalised(number_text(fraction))


def _decimal_comma(answer: ParsedAnswer, other: ParsedAnswer) -> ParsedAnswer:
    """`answer` with "a,b" read as the decimal a.b when `other` is one non-integer number."""
    value = other.values[0] if len(other.values) == 1 else None
    if value is None or (isinstance(value, Fraction) and value.denominator == 1):
        return answer
    if _DECIMAL_COMMA.fullmatch(answer.normalised) is None:
        return answer
    return _parse_normalised(answer.normalised.replace(",", "."))


@dataclass(frozen=True)
class Comparison:
    """The state of one comparison: `cheap[(i, j)]` is True/False where steps 1-2 decided the
    pair (gold item i, predicted item j), None where sympy must; `pending` lists those pairs."""

    gold: ParsedAnswer
    predicted: ParsedAnswer
    cheap: dict[tuple[int, int], bool | None]
    pending: tuple[tuple[int, int], ...]
    used_numeric: bool
    structure_mismatch: str | None = None


def compare(gold: ParsedAnswer, predicted: ParsedAnswer, rel_tol: float) -> Comparison:
    """Steps 1-2 for every item pair the structures need."""
    if gold.normalised == predicted.normalised and gold.normalised:
        return Comparison(gold, predicted, {}, (), False)
    mismatch = _shape_mismatch(gold.structure, predicted.structure)
    if mismatch:
        return Comparison(gold, predicted, {}, (), False, mismatch)
    cheap: dict[tuple[int, int], bool | None] = {}
    used_numeric = False
    for pair in _pairs_needed(gold.structure):
        i, j = pair
        g, p = gold.structure.items[i], predicted.structure.items[j]
        gv, pv = gold.values[i], predicted.values[j]
        if g == p:
            cheap[pair] = True
        elif gv is not None and pv is not None:
            cheap[pair] = numbers_match(gv, pv, rel_tol)
            used_numeric = True
        elif (gv is None) != (pv is None) and _INEQUALITY.search(g if gv is None else p):
            cheap[pair] = False  # a condition such as x >= 0 is never the number it is compared with
        else:
            cheap[pair] = _nested_equal(g, p, rel_tol)
            used_numeric = used_numeric or cheap[pair] is not None
    comparison = Comparison(gold, predicted, cheap, (), used_numeric)
    if _structure_equal(comparison, {pair: bool(value) for pair, value in cheap.items()}):
        return comparison
    pending = tuple(pair for pair, value in cheap.items() if value is None)
    return Comparison(gold, predicted, cheap, pending, used_numeric)


def _nested_equal(gold_item: str, predicted_item: str, rel_tol: float) -> bool | None:
    """Items that are structures themselves (the pairs of "(4, 1), (8, 7)", the intervals of a
    union) compared by steps 1-2 when those settle them; None leaves the pair to sympy. A set of
    number tuples then never needs sympy, where each of its n x n item pairs used to.

    >>> _nested_equal("(4,1)", "(4,3)", 1e-9), _nested_equal("(x,1)", "(y,1)", 1e-9)
    (False, None)
    """
    gold, predicted = _parse_normalised(gold_item), _parse_normalised(predicted_item)
    if gold.structure.kind == "scalar" and predicted.structure.kind == "scalar":
        return None
    inner = compare(gold, predicted, rel_tol)
    if inner.structure_mismatch or inner.pending:
        return None
    return decide(inner, {})[0]


def decide(comparison: Comparison, sympy_results: dict[tuple[int, int], bool]) -> tuple[bool, str]:
    """(equal?, settled by "string" | "numeric" | "sympy" | "structure")."""
    if comparison.structure_mismatch:
        return False, "structure"
    if not comparison.cheap:
        return True, "string"
    results = {pair: bool(value) for pair, value in comparison.cheap.items()}
    results.update(sympy_results)
    equal = _structure_equal(comparison, results)
    if comparison.pending:
        return equal, "sympy"
    return equal, "numeric" if comparison.used_numeric else "string"


def _shape_mismatch(gold: Answer, predicted: Answer) -> str | None:
    if len(gold.items) != len(predicted.items):
        return f"{len(predicted.items)} item(s) against {len(gold.items)} in the gold answer"
    if len(gold.items) > MAX_ITEMS:
        return f"more than {MAX_ITEMS} items"
    if gold.kind == "ordered" and predicted.kind == "set" and gold.brackets == "()":
        return None  # "1, 2" answers the tuple "(1, 2)", in order
    if {gold.kind, predicted.kind} == {"matrix", "ordered"} and 1 in gold.shape + predicted.shape:
        return None  # a vector: one column or row of a matrix, or a tuple in brackets
    if gold.kind != predicted.kind:
        return f"a {predicted.kind} against a {gold.kind} gold answer"
    if gold.kind == "ordered" and gold.brackets != predicted.brackets:
        return f"brackets {predicted.brackets} against {gold.brackets}"
    if gold.kind == "matrix" and gold.shape != predicted.shape:
        return f"a {predicted.shape} matrix against {gold.shape}"
    return None


def _pairs_needed(gold: Answer) -> list[tuple[int, int]]:
    count = len(gold.items)
    if gold.kind == "set":
        return [(i, j) for i in range(count) for j in range(count)]
    return [(i, i) for i in range(count)]


def _structure_equal(comparison: Comparison, results: dict[tuple[int, int], bool]) -> bool:
    if comparison.gold.structure.kind == "set":
        return _perfect_matching(len(comparison.gold.structure.items), results)
    return all(results.values())


def _perfect_matching(count: int, equal: dict[tuple[int, int], bool]) -> bool:
    """Whether every gold item can be paired with a different equal predicted item (Kuhn's
    augmenting paths; sets of answers are small)."""
    owner: dict[int, int] = {}

    def assign(i: int, seen: set[int]) -> bool:
        for j in range(count):
            if equal.get((i, j)) and j not in seen:
                seen.add(j)
                if j not in owner or assign(owner[j], seen):
                    owner[j] = i
                    return True
        return False

    return all(assign(i, set()) for i in range(count))
