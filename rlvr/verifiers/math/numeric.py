"""A small, safe evaluator for the numeric answers most comparisons need, without sympy.

It reads normalised LaTeX made only of numbers, \\frac, \\sqrt (and \\sqrt[n]), \\pi, + - * /,
\\cdot, \\times, ^ with small integer exponents, parentheses and braces, implicit multiplication
("2\\pi", "3\\sqrt{2}") and mixed numbers ("2\\frac{1}{2}" = 5/2, as latex2sympy reads them).
Anything else ("\\bmod", "!", a letter, a huge power) gives None: the caller then asks sympy,
never a number found somewhere inside the text. Rationals stay exact (Fraction); values with
roots or pi become floats.
"""

from __future__ import annotations

import math
import re
from fractions import Fraction

Number = Fraction | float

_TOKEN = re.compile(r"\d+\.?\d*|\.\d+|\\frac|\\sqrt|\\pi|\\cdot|\\times|\\div|[-+*/^(){}\[\]]")
# Exponents and results beyond these bounds go to sympy, which runs in a killable worker.
MAX_EXPONENT = 1000
MAX_BITS = 4096
MAX_TEXT = 200


class _Unsupported(Exception):
    pass


def evaluate(text: str) -> Number | None:
    """The value of a normalised answer, or None when it is not a plain number expression."""
    if not text or len(text) > MAX_TEXT:
        return None
    tokens = _TOKEN.findall(text)
    if "".join(tokens) != text:
        return None
    parser = _Parser(tokens)
    try:
        value = parser.expression()
        if parser.position != len(tokens):
            return None
    except (_Unsupported, ZeroDivisionError, OverflowError, ValueError, IndexError):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def numbers_match(a: Number, b: Number, rel_tol: float) -> bool:
    """Exact for two rationals, unless one is a decimal and the other has no finite decimal
    expansion ("0.0833333333333333" for 1/12: the decimal can only approximate it); otherwise
    within `rel_tol` of the larger magnitude.

    >>> numbers_match(Fraction(1, 12), Fraction("0.0833333333333333"), 1e-6)
    True
    >>> numbers_match(Fraction(1, 2), Fraction("0.5000001"), 1e-6)
    False
    """
    if isinstance(a, Fraction) and isinstance(b, Fraction):
        if a == b or _terminates(a) == _terminates(b):
            return a == b
    # Not both exact, or a decimal approximating a non-terminating fraction: compare in floats.
    x, y = float(a), float(b)
    return abs(x - y) <= rel_tol * max(abs(x), abs(y))


def _terminates(value: Fraction) -> bool:
    """Whether `value` has a finite decimal expansion (its denominator has no prime but 2 and 5)."""
    denominator = value.denominator
    for prime in (2, 5):
        while denominator % prime == 0:
            denominator //= prime
    return denominator == 1


class _Parser:
    """Recursive descent over the token list: expression := term (+|- term)*, and so on."""

    def __init__(self, tokens: list[str]) -> None:
        self.tokens = tokens
        self.position = 0

    def peek(self) -> str | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def take(self, expected: str | None = None) -> str:
        token = self.tokens[self.position]
        if expected is not None and token != expected:
            raise _Unsupported(token)
        self.position += 1
        return token

    def expression(self) -> Number:
        value = self.term()
        while self.peek() in ("+", "-"):
            value = value + self.term() if self.take() == "+" else value - self.term()
        return value

    def term(self) -> Number:
        value = self.unary()
        while True:
            token = self.peek()
            if token in ("*", "\\cdot", "\\times"):
                self.take()
                value = value * self.unary()
            elif token in ("/", "\\div"):
                self.take()
                value = _divide(value, self.unary())
            elif token is not None and _starts_factor(token):
                value = value * self.power()
            else:
                return value

    def unary(self) -> Number:
        if self.peek() == "-":
            self.take()
            return -self.unary()
        if self.peek() == "+":
            self.take()
            return self.unary()
        return self.power()

    def power(self) -> Number:
        base = self.atom()
        if self.peek() != "^":
            return base
        self.take()
        exponent = self.atom() if self.peek() != "-" else self.unary()
        return _power(base, exponent)

    def atom(self) -> Number:
        token = self.take()
        if token[0].isdigit() or token[0] == ".":
            value = Fraction(token)
            if self.peek() == "\\frac" and value.denominator == 1:
                fraction = self.atom()
                if isinstance(fraction, Fraction) and 0 < fraction < 1:
                    return value + fraction
                raise _Unsupported("mixed number")
            return value
        if token in ("(", "{", "["):
            inner = self.expression()
            self.take({"(": ")", "{": "}", "[": "]"}[token])
            return inner
        if token == "\\frac":
            return _divide(self.group(), self.group())
        if token == "\\sqrt":
            index: Number = Fraction(2)
            if self.peek() == "[":
                self.take()
                index = self.expression()
                self.take("]")
            return _root(self.group(), index)
        if token == "\\pi":
            return math.pi
        raise _Unsupported(token)

    def group(self) -> Number:
        self.take("{")
        value = self.expression()
        self.take("}")
        return value


def _starts_factor(token: str) -> bool:
    return token[0].isdigit() or token in ("(", "{", "\\frac", "\\sqrt", "\\pi")


def _divide(a: Number, b: Number) -> Number:
    if b == 0:
        raise ZeroDivisionError
    return a / b


def _power(base: Number, exponent: Number) -> Number:
    if isinstance(exponent, Fraction) and exponent.denominator == 1:
        if abs(exponent) > MAX_EXPONENT:
            raise _Unsupported("large exponent")
        if isinstance(base, Fraction):
            bits = max(abs(base.numerator), base.denominator).bit_length() * abs(int(exponent))
            if bits > MAX_BITS:
                raise _Unsupported("large power")
            return base ** int(exponent)
        return float(base) ** int(exponent)
    if isinstance(exponent, Fraction) and exponent.denominator == 2 and base >= 0:
        return float(base) ** float(exponent)
    raise _Unsupported("non-integer exponent")


def _root(value: Number, index: Number) -> Number:
    if index != int(index) or index < 2 or index > MAX_EXPONENT:
        raise _Unsupported("root index")
    if value < 0:
        if int(index) % 2 == 0:
            raise _Unsupported("root of a negative number")
        return -_root(-value, index)
    root = float(value) ** (1.0 / int(index))
    exact = round(root)
    if isinstance(value, Fraction) and value.denominator == 1 and exact ** int(index) == value:
        return Fraction(exact)
    return root


# ---------------------------------------------------------------- matrix arithmetic

_MATRIX_TERM = re.compile(r"\\begin\{([pbvB]?matrix)\}(.*?)\\end\{\1\}|\\cdot|\\times|[-+]|\s+", re.S)
Matrix = list[list[Number]]


def evaluate_matrix_expression(text: str) -> str | None:
    r"""The matrix that sums and products of number matrices give, as one pmatrix; None when
    `text` is not such an expression (one matrix alone, a letter in a cell, shapes that do not fit).

    >>> evaluate_matrix_expression("\\begin{pmatrix}1&2\\end{pmatrix}+\\begin{pmatrix}3&4\\end{pmatrix}")
    '\\begin{pmatrix}4&6\\end{pmatrix}'
    """
    terms: list[tuple[int, list[Matrix]]] = [(1, [])]
    end = 0
    for token in _MATRIX_TERM.finditer(text):
        if token.start() != end:
            return None
        end = token.end()
        if token.group(1):
            matrix = _matrix_cells(token.group(2))
            if matrix is None:
                return None
            terms[-1][1].append(matrix)
        elif token.group() in "+-":
            if not terms[-1][1]:
                return None
            terms.append((1 if token.group() == "+" else -1, []))
    if end != len(text) or not terms[-1][1] or sum(len(factors) for _, factors in terms) < 2:
        return None
    try:
        total = _scaled(terms[0][0], _product(terms[0][1]))
        for sign, factors in terms[1:]:
            total = _sum(total, _scaled(sign, _product(factors)))
    except ValueError:
        return None
    rows = "\\\\".join("&".join(number_text(cell) for cell in row) for row in total)
    return f"\\begin{{pmatrix}}{rows}\\end{{pmatrix}}"


def _matrix_cells(body: str) -> Matrix | None:
    rows = [row for row in body.split("\\\\") if row.strip()]
    cells = [[evaluate(cell.strip()) for cell in row.split("&")] for row in rows]
    if not cells or any(len(row) != len(cells[0]) for row in cells):
        return None
    if any(cell is None for row in cells for cell in row):
        return None
    return cells  # type: ignore[return-value]


def _product(factors: list[Matrix]) -> Matrix:
    result = factors[0]
    for factor in factors[1:]:
        if len(result[0]) != len(factor):
            raise ValueError("shapes do not fit")
        columns = list(zip(*factor))
        result = [[sum((a * b for a, b in zip(row, column)), Fraction(0)) for column in columns] for row in result]
    return result


def _sum(a: Matrix, b: Matrix) -> Matrix:
    if len(a) != len(b) or len(a[0]) != len(b[0]):
        raise ValueError("shapes do not fit")
    return [[x + y for x, y in zip(row_a, row_b)] for row_a, row_b in zip(a, b)]


def _scaled(sign: int, matrix: Matrix) -> Matrix:
    return [[sign * cell for cell in row] for row in matrix]


def number_text(value: Number) -> str:
    """A number as normalised LaTeX: "3", "-\\frac{1}{2}", or a float's repr."""
    if isinstance(value, Fraction):
        if value.denominator == 1:
            return str(value.numerator)
        sign = "-" if value < 0 else ""
        return f"{sign}\\frac{{{abs(value.numerator)}}}{{{value.denominator}}}"
    return repr(value)
