"""Finding the answer in a completion, by mode, and the gold answer in a ground truth.

boxed    only the rightmost \\boxed{...} / \\fbox{...} counts (no fallbacks)
lenient  \\boxed, then "final answer is X", then "answer: X", then the last $...$
minerva  lm-eval minerva_math's "Final Answer: The final answer is X. I hope it is correct."
"""

from __future__ import annotations

import re
from collections.abc import Callable

from rlvr.verifiers.extract import last_boxed

# lm-eval minerva_math finds r"Final Answer: The final answer is(.*?). I hope it is correct."
# in the text with "I hope it is correct." appended. That regex is quadratic on a line full of
# prefixes; find_minerva_final gives its exact result in linear time.
_MINERVA_PREFIX = "Final Answer: The final answer is"
_MINERVA_HOPE = " I hope it is correct"
_MINERVA_END = "I hope it is correct."
# The lenient forms other than \boxed are looked for in the completion's tail, with bounded
# answer lengths, so that no pattern can go quadratic on a hostile megabyte of text.
LENIENT_TAIL = 20_000
_FINAL_ANSWER_IS = re.compile(
    r"final answer is:?[ \t]*([^\n]{1,500}?)(?:\.?[ \t]*(?:I hope|$)|\.\s)", re.IGNORECASE | re.MULTILINE
)
_ANSWER_COLON = re.compile(r"answer[ \t]*:[ \t]*([^\n]{1,500}?)[ \t]*$", re.IGNORECASE | re.MULTILINE)
_INLINE_MATH = re.compile(
    r"\$\$([^$]{1,500})\$\$|\$([^$]{1,500})\$|\\\(((?:(?!\\\)).){1,500})\\\)|\\\[((?:(?!\\\]).){1,500})\\\]", re.S
)


def find_minerva_final(text: str) -> str | None:
    """X of "Final Answer: The final answer is X. I hope it is correct." (first match), exactly
    as lm-eval's regex finds it: X and the character after it stay on the prefix's line."""
    text += _MINERVA_END
    start = text.find(_MINERVA_PREFIX)
    while start != -1:
        begin = start + len(_MINERVA_PREFIX)
        line_end = text.find("\n", begin)
        line_end = len(text) if line_end == -1 else line_end
        hope = text.find(_MINERVA_HOPE, begin + 1, line_end)
        if hope != -1 and hope + len(_MINERVA_HOPE) < line_end:
            return text[begin : hope - 1].strip()
        # A later prefix on the same line would meet the same failing " I hope" (or none).
        start = text.find(_MINERVA_PREFIX, line_end)
    return None


def find_final_answer_is(text: str) -> str | None:
    """The last "final answer is X" (case-insensitive, in the tail), without a trailing period."""
    found = None
    for match in _FINAL_ANSWER_IS.finditer(text[-LENIENT_TAIL:]):
        found = match
    return _strip_math(found.group(1)) if found else None


def find_answer_colon(text: str) -> str | None:
    """The rest of the line after the last "Answer:" (in the tail)."""
    found = None
    for match in _ANSWER_COLON.finditer(text[-LENIENT_TAIL:]):
        found = match
    return _strip_math(found.group(1)) if found else None


def find_last_math(text: str) -> str | None:
    """The content of the last $...$, $$...$$, \\(...\\) or \\[...\\] (in the tail)."""
    found = None
    for match in _INLINE_MATH.finditer(text[-LENIENT_TAIL:]):
        found = match
    if found is None:
        return None
    return next(group for group in found.groups() if group is not None).strip()


def _strip_math(answer: str) -> str:
    answer = answer.strip().rstrip(".").strip()
    if len(answer) >= 2 and answer[0] == answer[-1] == "$":
        answer = answer.strip("$").strip()
    return answer


FINDERS: dict[str, Callable[[str], str | None]] = {
    "boxed": last_boxed,
    "final_answer_is": find_final_answer_is,
    "answer_colon": find_answer_colon,
    "last_math": find_last_math,
    "minerva_final": find_minerva_final,
}

MODE_FORMS: dict[str, tuple[str, ...]] = {
    "boxed": ("boxed",),
    "lenient": ("boxed", "final_answer_is", "answer_colon", "last_math"),
    "minerva": ("minerva_final",),
}


def extract_answer(text: str, mode: str) -> tuple[str | None, str | None]:
    """(answer, form it was found in) for the first form of `mode` present in `text`."""
    for form in MODE_FORMS[mode]:
        answer = FINDERS[form](text)
        if answer is not None:
            return answer, form
    return None, None


def gold_answer(ground_truth: str) -> str:
    """The answer of a ground truth: its rightmost \\boxed{} when it is a whole solution,
    else the text itself (a bare answer such as "\\frac{1}{2}")."""
    boxed = last_boxed(ground_truth)
    return boxed if boxed is not None else ground_truth
