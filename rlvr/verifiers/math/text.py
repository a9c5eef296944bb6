"""Answers in words ("\\text{all odd integers}", "Yes", "the first player wins"), compared as
normalised text, and as Yes/No/True/False verdicts where the gold is one; never by sympy.

Sympy reads a sentence as a product of one-letter symbols: it runs until the timeout on long
ones, and calls two sentences equal when both multiply by a 0 they mention. Here a sentence is
its lower-case words and math tokens, without articles or punctuation, with a few synonyms
("every" -> "all", "when" -> "if") and plurals folded; short phrases compare as bags of words
("right isosceles triangle" is "isosceles right triangle"), longer ones in order (who wins when
n is even is not who wins when n is odd).
"""

from __future__ import annotations

import re
from functools import lru_cache

from rlvr.verifiers.math.normalise import FRAC_MACRO, normalise

_TEXT_COMMAND = re.compile(r"\\(?:text|textbf|textit|textrm|textnormal|mbox|mathrm|operatorname)\s*\{([^{}]*)\}")
# Commands whose braces hold a name, not text: "\\begin{pmatrix}", "\\mathbb{Z}".
_NAMING_COMMAND = re.compile(r"\\(?:begin|end|mathbb|mathcal|mathfrak|mathscr)\s*\{[^{}]*\}")
# A leading name: "x = \\text{No}" says No.
_LEADING_NAME = re.compile(r"^\s*[A-Za-z](?:_\{?\w+\}?)?\s*=(?!=)")
_SPACING = re.compile(r"\\[,;:! ]|~|\$|\\(?:left|right)(?![A-Za-z])")
# A word of the answer's text outside LaTeX commands (two letters or more: "no", "is").
_WORD = re.compile(r"(?<![\\A-Za-z])[A-Za-z]{2,}")
# A run of letters that survives normalisation and is not a command: the answer has words in it.
_LETTER_RUN = re.compile(r"(?<![\\A-Za-z])[A-Za-z]{3,}")
_FUNCTIONS = frozenset(
    "sin cos tan cot sec csc log ln exp max min gcd lcm det arcsin arccos arctan sinh cosh tanh mod lim".split()
)
_TOKEN = re.compile(r"[a-z]+|\d+(?:\.\d+)?|\\[a-z]+|[^\sa-z\d.,;:!?'\"]")
_ARTICLES = frozenset(("a", "an", "the"))
_SYNONYMS = {"every": "all", "each": "all", "any": "all", "when": "if", "whenever": "if", "positive": "positive"}
VERDICTS = frozenset(("yes", "no", "true", "false"))
# Ways of saying that there is no answer: one meaning.
_NOTHING = frozenset(("none", "no solution", "no real solution", "nonexistent", "empty set", "there is no solution"))
_EMPTY_SETS = frozenset(("\\emptyset", "\\varnothing", "\\{\\}"))
_ALL_REALS = frozenset(("all real number", "real number", "all real", "all real value", "all real x"))
_REALS = frozenset(("\\mathbb{R}", "(-\\infty,\\infty)", "(-\\infty,+\\infty)"))
_BAG_WORDS = 4


def is_prose(answer: str) -> bool:
    """Whether an answer is words rather than mathematics: a verdict word, or a word of three
    letters or more (not a function name) that normalisation leaves, written in a text command
    or between spaces.

    >>> is_prose("\\\\text{all odd integers}"), is_prose("\\\\text{Yes}"), is_prose("5\\\\text{ cm}"), is_prose("abc")
    (True, True, False, False)
    """
    return _is_prose(answer)


@lru_cache(maxsize=65536)
def _is_prose(answer: str) -> bool:
    tokens = words(answer)
    if tokens and tokens[0] in VERDICTS:
        return True
    answer = _NAMING_COMMAND.sub(" ", answer)
    written = _TEXT_COMMAND.search(answer) is not None or len(_WORD.findall(answer)) >= 2
    if not written:
        return False
    runs = _LETTER_RUN.findall(normalise(answer))
    return any(run.lower() not in _FUNCTIONS for run in runs)


def clear_caches() -> None:
    _is_prose.cache_clear()
    words.cache_clear()


@lru_cache(maxsize=65536)
def words(answer: str) -> tuple[str, ...]:
    """An answer as lower-case words and math tokens, without articles and punctuation, synonyms
    and plurals folded.

    >>> words("\\\\text{The sets of all odd integers.}")
    ('set', 'of', 'all', 'odd', 'integer')
    """
    text = _LEADING_NAME.sub("", _NAMING_COMMAND.sub(" ", answer))
    text = _SPACING.sub(" ", _TEXT_COMMAND.sub(r" \1 ", FRAC_MACRO.sub(r"\\frac", text))).lower()
    tokens = []
    for token in _TOKEN.findall(text):
        if token in _ARTICLES:
            continue
        token = _SYNONYMS.get(token, token)
        if len(token) >= 4 and token.endswith("s") and not token.endswith("ss") and token.isalpha():
            token = token[:-1]
        tokens.append(token)
    return tuple(tokens)


def text_equal(gold: str, predicted: str) -> bool | None:
    """Whether two answers are equal as text, when either is prose; None when neither is (the
    ordinary comparison decides). A gold verdict (Yes/No/True/False) is matched by the verdict
    the prediction opens with ("Yes, such a set exists").

    >>> text_equal("\\\\text{Yes}", "\\\\text{yes, such a set exists}"), text_equal("\\\\text{odd}", "\\\\text{even}")
    (True, False)
    >>> text_equal("\\\\frac{1}{2}", "0.5") is None
    True
    """
    if not (is_prose(gold) or is_prose(predicted)):
        return None
    ours, theirs = words(gold), words(predicted)
    meanings = _meaning(gold, ours), _meaning(predicted, theirs)
    if meanings[0] or meanings[1]:
        return meanings[0] == meanings[1]
    if not ours or not theirs:
        return False
    if ours[0] in VERDICTS and (len(ours) == 1 or theirs[0] in VERDICTS):
        return theirs[0] == ours[0]
    if ours == theirs:
        return True
    return len(ours) <= _BAG_WORDS and sorted(ours) == sorted(theirs)


def _meaning(answer: str, tokens: tuple[str, ...]) -> str | None:
    """ "nothing" or "all reals" for the ways of saying those in words or symbols, else None."""
    said, written = " ".join(tokens), normalise(answer)
    if said in _NOTHING or written in _EMPTY_SETS:
        return "nothing"
    if said in _ALL_REALS or written in _REALS:
        return "all reals"
    return None
