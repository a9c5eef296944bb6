"""The MMLU-Pro benchmark's own answer extractor, for published-number parity.

TIGER-AI-Lab/MMLU-Pro (evaluate_from_local.py, evaluate_from_api.py, compute_accuracy.py) reads
a letter A-J in three steps: the first "answer is (X)" / "answer is X"; else the first line with
"Answer: X" (its last one on that line); else the last standalone capital A-J in the text. The
patterns below are the benchmark's, character for character. The benchmark then guesses a random
letter where all three find nothing; here that is "no answer" instead, so the score never
depends on a random draw.
"""

from __future__ import annotations

import re
from collections import deque

# The benchmark's patterns (its extract_answer, extract_again, extract_final).
ANSWER_IS = re.compile(r"answer is \(?([A-J])\)?")
ANSWER_COLON = re.compile(r".*[aA]nswer:\s*([A-J])")
LAST_LETTER = re.compile(r"\b[A-J]\b(?!.*\b[A-J]\b)", re.DOTALL)
# The same matches found in linear time: the last standalone letter is LAST_LETTER's match (its
# lookahead rescans the rest of the text for every letter, quadratic on long texts).
_LETTER = re.compile(r"\b[A-J]\b")
_ANSWER_COLON_AT = re.compile(r"[aA]nswer:\s*([A-J])")


def strict_letter(text: str) -> str | None:
    """The benchmark's first step alone ("level 1" in its compute_accuracy.py).

    >>> strict_letter("so the answer is (C).")
    'C'
    """
    match = ANSWER_IS.search(text)
    return match.group(1) if match else None


def last_letter(text: str) -> str | None:
    """The benchmark's third step: the last standalone capital A-J.

    >>> last_letter("Between B and C, C.")
    'C'
    """
    last = deque(_LETTER.finditer(text), maxlen=1)
    return last[0].group(0) if last else None


def first_line_answer_colon(text: str) -> str | None:
    """The benchmark's second step, what ANSWER_COLON.search finds: its greedy ".*" (no DOTALL)
    takes the last "Answer: X" that starts on the first line where one starts ("\\s*" may still
    run on over line breaks). Found in linear time; the pattern's own search retries every start
    position, quadratic on a long line."""
    matches = list(_ANSWER_COLON_AT.finditer(text))
    if not matches:
        return None
    line_end = text.find("\n", matches[0].start())
    on_first_line = [m for m in matches if line_end == -1 or m.start() < line_end]
    return on_first_line[-1].group(1)
