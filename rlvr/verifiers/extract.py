"""Pure text helpers shared by the answer-extracting verifiers (gsm8k, math)."""

from __future__ import annotations

import re
from collections.abc import Sequence

# \boxed or \fbox, not a longer macro name; group 1 is the spacing after the name.
_BOXED = re.compile(r"\\(?:boxed|fbox)(?![A-Za-z])(\s*)")
_BARE_ARGUMENT = re.compile(r"[^\s$]+")
_BRACE = re.compile(r"[{}]")


def truncate_at_stops(text: str, stops: Sequence[str]) -> str:
    """The text up to the first occurrence of any stop sequence.

    Completions that run on into a made-up next "Question:" bury the real answer under later
    numbers, so extraction looks only at what comes before the first stop.
    """
    cut = len(text)
    for stop in stops:
        if stop:
            at = text.find(stop, 0, cut)
            if at != -1:
                cut = at
    return text[:cut]


def last_boxed(text: str) -> str | None:
    """The content of the rightmost \\boxed{...} or \\fbox{...} (braces matched), or None.

    The brace-less form "\\boxed 5" gives the token after the space. A \\boxed whose brace
    never closes is skipped, not guessed at.
    """
    matches = list(_BOXED.finditer(text))
    if not matches:
        return None
    closing = closing_braces(text)
    for match in reversed(matches):
        start = match.end()
        if text.startswith("{", start):
            if start in closing:
                return text[start + 1 : closing[start]]
        elif match.group(1):
            bare = _BARE_ARGUMENT.match(text, start)
            if bare:
                return bare.group(0)
    return None


def closing_braces(text: str) -> dict[int, int]:
    """For every "{" that is closed, the index of its matching "}". One linear pass, so that
    adversarial texts with thousands of unclosed groups cost no more than their length."""
    open_stack: list[int] = []
    closing: dict[int, int] = {}
    for brace in _BRACE.finditer(text):
        if brace.group() == "{":
            open_stack.append(brace.start())
        elif open_stack:
            closing[open_stack.pop()] = brace.start()
    return closing
