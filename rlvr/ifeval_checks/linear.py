"""Linear-time equivalents of the reference implementations' backtracking regexes.

Patterns such as `\\[.*?\\]` or `^\\s*\\*[^\\*].*$` (MULTILINE) are tried at every start position,
and each try can scan to the end of the line (or of a whitespace run): a run of "[" or of
newlines makes `findall` quadratic, 13 s for 40 KB. The functions below return exactly what the
reference's `re.findall` returns (tests/test_linear_regexes.py compares them on random text),
scanning each character a bounded number of times.
"""

from __future__ import annotations


def lazy_spans(text: str, opening: str, closing: str) -> list[str]:
    """`re.findall(re.escape(opening) + ".*?" + re.escape(closing), text)`, for an `opening` and a
    `closing` without newlines.

    Why linear: a match cannot cross a newline, and when the leftmost `opening` of a line has no
    `closing` after it on the line, no later `opening` of that line has one either.
    """
    spans = []
    for line in text.split("\n"):
        start = line.find(opening)
        while start != -1:
            end = line.find(closing, start + len(opening))
            if end == -1:
                break
            spans.append(line[start : end + len(closing)])
            start = line.find(opening, end + len(closing))
    return spans


def title_spans(text: str) -> list[str]:
    """`re.findall(r"<<[^\\n]+>>", text)`: per line, from the first "<<" to the last ">>" with at
    least one character between them (the greedy match), so at most one span per line."""
    spans = []
    for line in text.split("\n"):
        start = line.find("<<")
        if start == -1:
            continue
        end = line.rfind(">>", start + 3)
        if end != -1:
            spans.append(line[start : end + 2])
    return spans


def count_marker_lines(text: str, marker: str, not_followed_by: str | None = None) -> int:
    """`len(re.findall(r"^\\s*M.*$", text, re.MULTILINE))` for the one character M = `marker`, or
    with `not_followed_by` = N, of `r"^\\s*M[^N].*$"` (where that next character may be a newline,
    and the match then runs to the end of the following line, as the regex's does).

    Why linear: `\\s*` crosses newlines, so every line start inside one whitespace run reaches the
    same first non-space character; it is examined once, and the scan resumes after it.
    """
    count, start, size = 0, 0, len(text)
    while start < size:
        first = start
        while first < size and text[first].isspace():
            first += 1
        matched = first < size and text[first] == marker
        if matched and not_followed_by is not None:
            matched = first + 1 < size and text[first + 1] != not_followed_by
        if not matched:
            newline = text.find("\n", first)
            if newline == -1:
                break
            start = newline + 1
            continue
        count += 1
        end = text.find("\n", first + (1 if not_followed_by is None else 2))
        if end == -1:
            break
        # The match ends before that newline; the next line start is after it, or at it when the
        # character before it is itself a newline (an empty rest of the line after "M\n").
        start = end if text[end - 1] == "\n" else end + 1
    return count
