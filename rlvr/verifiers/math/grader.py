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

import math
import re
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache

from rlvr.verifiers.math.normalise import (
    MAX_ITEMS,
    NAME_PATTERN,
    Answer,
    different_functions,
    encloses,
    final_values,
    has_relation,
    normalise,
    ray,
    split_structure,
    stated_values,
    top_level_split,
)
from rlvr.verifiers.math.numeric import Number, evaluate, number_text, numbers_match
from rlvr.verifiers.math.text import clear_caches as clear_text_caches

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


def clear_caches() -> None:
    """Empty the parse caches (gold answers are parsed once per process): a benchmark's cold pass."""
    parse_answer.cache_clear()
    _parse_normalised.cache_clear()
    _as_equation.cache_clear()
    clear_text_caches()


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
    named = _named_in_order(gold_raw, predicted_raw)
    if named is not None:
        return named
    if question:
        gold, predicted = _as_the_question_asks(question, gold, predicted)
    gold, predicted = _as_interval_against(gold, predicted), _as_interval_against(predicted, gold)
    if _is_flat_list(gold) and _is_tuple(predicted):
        gold = _parse_normalised(f"({gold.normalised})")  # "(4, 6, 8)" answers "4, 6, 8" in order
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


def _as_interval_against(answer: ParsedAnswer, other: ParsedAnswer) -> ParsedAnswer:
    """`answer` as the ray it describes ("t>3" -> "(3,\\infty)") when `other` is a ray."""
    if other.structure.kind != "ordered" or "\\infty" not in other.normalised or len(answer.structure.items) != 1:
        return answer
    interval = ray(answer.normalised)
    return answer if interval is None else _parse_normalised(interval)


def _is_flat_list(answer: ParsedAnswer) -> bool:
    """A list of plain values ("4, 6, 8"), not of structures ("(4, 1), (8, 7)")."""
    items = answer.structure.items
    return (
        answer.structure.kind == "set"
        and not answer.structure.brackets
        and not any(item.startswith(("(", "[", "{", "\\{")) for item in items)
    )


def _is_tuple(answer: ParsedAnswer) -> bool:
    return answer.structure.kind == "ordered" and answer.structure.brackets == "()"


def named_values(text: str) -> tuple[list[str], list[str]] | None:
    """(names, values) of an answer that names two or more values: "a=3,b=5", "(a,b)=(3,5)",
    "(x=1,y=2)"; None otherwise.

    >>> named_values("(p,q)=(4,7)"), named_values("3,5")
    ((['p', 'q'], ['4', '7']), None)
    """
    sides = top_level_split(text, "=")
    if len(sides) == 2 and all(side[:1] == "(" and side[-1:] == ")" for side in sides):
        names, values = top_level_split(sides[0][1:-1], ","), top_level_split(sides[1][1:-1], ",")
        if len(names) == len(values) >= 2 and all(_NAME.fullmatch(name) for name in names):
            return names, values
        return None
    if text[:1] == "(" and text[-1:] == ")":
        text = text[1:-1]
    items = [top_level_split(item, "=") for item in top_level_split(text, ",")]
    if len(items) < 2 or any(len(item) != 2 or not _NAME.fullmatch(item[0]) for item in items):
        return None
    return [name for name, _ in items], [value for _, value in items]


def _named_in_order(gold_raw: str, predicted_raw: str) -> tuple[ParsedAnswer, ParsedAnswer] | None:
    """Distinct named quantities ("a=3,b=5") are ordered: a prediction that names them too is read
    in the gold's order of names ("b=5,a=3" is right, "a=5,b=3" wrong); one that gives only values
    ("(3,5)", "3, 5") gives them in the gold's order. None when the gold names no distinct values
    or the prediction names others."""
    gold = named_values(_as_equation(gold_raw))
    if gold is None or len(set(gold[0])) != len(gold[0]):
        return None
    gold_names, gold_values = gold
    predicted_text = _as_equation(predicted_raw)
    predicted = named_values(predicted_text)
    if predicted is not None:
        if sorted(predicted[0]) != sorted(gold_names):
            return None
        values = [predicted[1][predicted[0].index(name)] for name in gold_names]
    elif "=" in predicted_text:
        return None
    else:
        bracketed = predicted_text[:1] in "([" and encloses(predicted_text)
        values = top_level_split(predicted_text[1:-1] if bracketed else predicted_text, ",")
    return _parse_normalised(f"({','.join(gold_values)})"), _parse_normalised(f"({','.join(values)})")


@lru_cache(maxsize=65536)
def _as_equation(raw: str) -> str:
    """normalise(raw) with its names kept ("a=3,b=5"); cached like parse_answer."""
    return normalise(raw, keep_equation=True)


# "Give an example of ...", "find one such n": one of the gold's alternatives answers it.
_NAME = re.compile(NAME_PATTERN)
_ASKS_FOR_ONE = re.compile(
    r"\b(?:an example|one example|one such|one possible|a possible|any one)\b"
    r"|\b(?:give|find|provide|name) (?:a|an|one)\b",
    re.IGNORECASE,
)
_ASKS_FOR_ALL = re.compile(r"\b(?:all|every|each)\b", re.IGNORECASE)
# "... written as m/n where m and n are relatively prime ...": "find m and n", "find m + n".
_FRACTION_M_N = re.compile(r"\\frac\{m\}\{n\}|\bm\s*/\s*n\b|\\dfrac\{m\}\{n\}")
_ASKS_M_AND_N = re.compile(r"\bm\$?\s*(?:and|,)\s*\$?n\b")
_ASKS_M_PLUS_N = re.compile(r"\bm\s*\+\s*n\b")
_INTEGER_FRACTION = re.compile(r"\\frac\{(\d+)\}\{(\d+)\}|(\d+)/(\d+)")


def _as_the_question_asks(
    question: str, gold: ParsedAnswer, predicted: ParsedAnswer
) -> tuple[ParsedAnswer, ParsedAnswer]:
    """The pair as the question asks for it: the gold's alternative that the prediction gives,
    when the question asks for one example and the gold lists several; the numerator and
    denominator (or their sum) of a fraction in lowest terms, when the question asks for m and n
    (or m + n) of a fraction m/n."""
    items = gold.structure.items
    one = len(items) > 1 and len(predicted.structure.items) == 1
    if one and _ASKS_FOR_ONE.search(question) and not _ASKS_FOR_ALL.search(question):
        given = predicted.values[0]
        for item, value in zip(items, gold.values):
            if item == predicted.normalised or (value is not None and given is not None and value == given):
                return _parse_normalised(item), predicted
    fraction = _INTEGER_FRACTION.fullmatch(predicted.normalised)
    if fraction is None or not _FRACTION_M_N.search(question):
        return gold, predicted
    numerator, denominator = (int(group) for group in fraction.groups() if group is not None)
    if math.gcd(numerator, denominator) != 1:
        return gold, predicted
    if len(items) == 2 and _ASKS_M_AND_N.search(question):
        return gold, _parse_normalised(f"{numerator},{denominator}")
    if len(items) == 1 and _ASKS_M_PLUS_N.search(question):
        return gold, _parse_normalised(str(numerator + denominator))
    return gold, predicted


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
        elif _INFINITY.match(g) or _INFINITY.match(p):
            cheap[pair] = g.lstrip("+") == p.lstrip("+")  # an endless bound equals only itself
        elif (same_family := periodic_equal(g, p)) is not None:
            cheap[pair] = same_family
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


_INFINITY = re.compile(r"^[+-]?\\infty$")
# A family of solutions "base + c k \\pi" (k an integer parameter: k, n or m): "\\frac{\\pi}{4}+k\\pi",
# "-\\frac{5\\pi}{3}+2k\\pi", "2n\\pi", "\\pi+2\\pik".
_PERIODIC = re.compile(
    r"^(?P<base>.*?)(?P<sign>^|[+-])(?P<c>\d*)(?:(?P<k1>[knm])(?:\\cdot)?\\pi|\\pi(?:\\cdot)?(?P<k2>[knm]))$"
)


def periodic_equal(gold_item: str, predicted_item: str) -> bool | None:
    """Whether two families of solutions "a + c k pi" are one: the same period c pi, and bases that
    differ by a whole number of periods ("\\frac{\\pi}{4}+k\\pi" is "\\frac{5\\pi}{4}+k\\pi");
    None when either is not such a family or a base is not a plain number.

    >>> periodic_equal("\\\\frac{\\\\pi}{4}+k\\\\pi", "\\\\frac{5\\\\pi}{4}+k\\\\pi")
    True
    >>> periodic_equal("k\\\\pi", "2k\\\\pi")
    False
    """
    gold_family, predicted_family = _PERIODIC.match(gold_item), _PERIODIC.match(predicted_item)
    if gold_family is None or predicted_family is None:
        return None
    families = (gold_family, predicted_family)
    periods = [int(family.group("c") or 1) for family in families]
    bases = [evaluate(family.group("base")) if family.group("base") else Fraction(0) for family in families]
    if bases[0] is None or bases[1] is None:
        return None
    if periods[0] != periods[1]:
        return False
    shift = (float(bases[0]) - float(bases[1])) / (periods[0] * math.pi)
    return abs(shift - round(shift)) < 1e-9


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
