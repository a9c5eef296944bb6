"""Minerva's answer normalisation (Lewkowycz et al. 2022, appendix D) as lm-eval 0.4.13's
minerva_math task applies it, so that mode "minerva" gives lm-eval's exact_match verdicts.

lm-eval's exact_match is: normalise both answers, equal if the strings are equal (and
non-empty), else if sympy's `parse_latex` of both simplifies to a zero difference (that step
runs in the worker pool: `symbolic.minerva_equal`). tests/test_math_differential.py checks
this module against the installed lm-eval on the MATH test set.
"""

from __future__ import annotations

import re

# (before, after) plain replacements, applied in this order.
SUBSTITUTIONS: tuple[tuple[str, str], ...] = (
    ("an ", ""),
    ("a ", ""),
    (".$", "$"),
    ("\\$", ""),
    (r"\ ", ""),
    (" ", ""),
    ("mbox", "text"),
    (",\\text{and}", ","),
    ("\\text{and}", ","),
    ("\\text{m}", "\\text{}"),
)
# Removed after the substitutions; the alphabetic ones are unit words.
REMOVED_EXPRESSIONS: tuple[str, ...] = (
    "square",
    "ways",
    "integers",
    "dollars",
    "mph",
    "inches",
    "ft",
    "hours",
    "km",
    "units",
    "\\ldots",
    "sue",
    "points",
    "feet",
    "minutes",
    "digits",
    "cents",
    "degrees",
    "cm",
    "gm",
    "pounds",
    "meters",
    "meals",
    "edges",
    "students",
    "childrentickets",
    "multiples",
    "\\text{s}",
    "\\text{.}",
    "\\text{\ns}",
    "\\text{}^2",
    "\\text{}^3",
    "\\text{\n}",
    "\\text{}",
    r"\mathrm{th}",
    r"^\circ",
    r"^{\circ}",
    r"\;",
    r",\!",
    "{,}",
    '"',
    "\\dots",
)
_UNIT_WORDS = tuple(expr for expr in REMOVED_EXPRESSIONS if expr.isalpha())
_WORD_PATTERNS = tuple(re.compile(rf"(?<!\\)\b{word}\b") for word in _UNIT_WORDS)
_COMMAND = re.compile(r"(\\[a-zA-Z]+)")
# Wrappers whose content is kept: first $...$, \text{}, \textbf{}, \overline{}, \boxed{}.
_UNWRAP: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"(.*?)(\$)(.*?)(\$)(.*)"), "$\\3$"),
    (re.compile(r"(\\text\{)(.*?)(\})"), "\\2"),
    (re.compile(r"(\\textbf\{)(.*?)(\})"), "\\2"),
    (re.compile(r"(\\overline\{)(.*?)(\})"), "\\2"),
    (re.compile(r"(\\boxed\{)(.*)(\})"), "\\2"),
)
# Shorthand TeX: \fracab -> \frac{a}{b}, \sqrt[3]a -> \sqrt[3]{a}, \sqrta -> \sqrt{a}.
_SHORTHAND: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"(frac)([^{])(.)"), "frac{\\2}{\\3}"),
    (re.compile(r"(sqrt)(\[[^\]]*\])(\w)"), "\\1\\2{\\3}"),
    (re.compile(r"(sqrt)(?!\[)([^{])"), "sqrt{\\2}"),
)
_GROUPED_NUMBER = re.compile(r"-?\d{1,3}(,\d{3})+")


def normalize_final_answer(answer: str) -> str:
    """The Minerva-normalised form of an answer string."""
    text = answer.split("=")[-1]
    # Unit words first while spaces still delimit them (and never inside a command name).
    for pattern in _WORD_PATTERNS:
        text = pattern.sub("", text)
    for before, after in SUBSTITUTIONS:
        text = text.replace(before, after)
    for expr in REMOVED_EXPRESSIONS:
        text = _remove_outside_commands(text, expr) if expr.isalpha() else text.replace(expr, "")
    for pattern, replacement in _UNWRAP:
        text = pattern.sub(replacement, text)
    for pattern, replacement in _SHORTHAND:
        text = pattern.sub(replacement, text)
    text = text.replace("$", "")
    if _GROUPED_NUMBER.fullmatch(text):
        text = text.replace(",", "")
    return text


def _remove_outside_commands(text: str, word: str) -> str:
    """Remove `word` everywhere except inside LaTeX command names ("ft" must not break "\\left")."""
    segments = _COMMAND.split(text)
    segments[0::2] = [segment.replace(word, "") for segment in segments[0::2]]
    return "".join(segments)
