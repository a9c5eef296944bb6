"""Finding the program in a model's completion."""

from __future__ import annotations

import re

# An opening fence with its info string; the block runs to the next fence or, when the
# completion was cut off inside it, to the end of the text.
_FENCE = re.compile(r"^[ \t]*```[ \t]*([^\n`]*)\n", re.MULTILINE)
_CLOSING = re.compile(r"^[ \t]*```", re.MULTILINE)
PYTHON_TAGS = frozenset({"", "python", "python3", "py"})


def fenced_blocks(text: str) -> list[tuple[str, str]]:
    """(language tag, body) of every fenced code block, in order."""
    blocks: list[tuple[str, str]] = []
    position = 0
    while True:
        opening = _FENCE.search(text, position)
        if opening is None:
            return blocks
        closing = _CLOSING.search(text, opening.end())
        end = closing.start() if closing else len(text)
        blocks.append((opening.group(1).strip().lower(), text[opening.end() : end]))
        if closing is None:
            return blocks
        position = closing.end()


def extract_program(completion: str) -> tuple[str, bool]:
    """(program, found_in_fence): the last ```python (or bare ```) block, else the whole text.

    Windows line endings become "\\n" (Python reads them the same; this keeps offsets simple)."""
    text = completion.replace("\r\n", "\n")
    python_blocks = [body for tag, body in fenced_blocks(text) if (tag.split() or [""])[0] in PYTHON_TAGS]
    if python_blocks:
        return python_blocks[-1], True
    return text, False
