"""Pure text helpers shared by the answer-extracting verifiers (gsm8k, math, mcq), and `Extraction`:
a mode as public configuration (finders in priority order)."""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Found:
    """What a finder returns when it names the form itself, or when it decides that the text
    gives no answer: answer None stops the search, so a later, looser finder cannot read one (an
    mcq response that commits to several options has no answer, not its last letter)."""

    answer: str | None
    form: str


# A finder reads one form of answer out of a text ("\\boxed{5}" -> "5") or returns None (not
# found here: the next finder is tried). Finders of a task whose answers depend on the question
# (mcq: the options) take it as a second argument; see Extraction.find.
Finder = Callable[..., "str | Found | None"]

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
    r"""The content of the rightmost \boxed{...} or \fbox{...} (braces matched), or None.

    The brace-less form "\boxed 5" gives the token after the space. A \boxed whose brace
    never closes is skipped, not guessed at.

    >>> last_boxed("\\boxed{1} then \\boxed{\\frac{1}{2}}")
    '\\frac{1}{2}'
    """
    boxes = boxed_spans(text)
    return boxes[-1][2] if boxes else None


def boxed_spans(text: str) -> list[tuple[int, int, str]]:
    """(start, end, content) of every \\boxed{...} / \\fbox{...} / "\\boxed 5" in `text`, in order."""
    closing: dict[int, int] | None = None
    spans = []
    for match in _BOXED.finditer(text):
        start = match.end()
        if text.startswith("{", start):
            closing = closing_braces(text) if closing is None else closing
            if start in closing:
                spans.append((match.start(), closing[start] + 1, text[start + 1 : closing[start]]))
        elif match.group(1):
            bare = _BARE_ARGUMENT.match(text, start)
            if bare:
                spans.append((match.start(), bare.end(), bare.group(0)))
    return spans


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


@dataclass(frozen=True)
class Extraction:
    """A mode as configuration: (form, finder) pairs in priority order. The first finder that
    finds an answer gives it, named by its form; `formatted` are the forms that count as
    answering in the mode's format (format bonus, format rates). A task's built-in modes are
    Extractions (gsm8k.MODES), and a user makes one from its finders (gsm8k.FINDERS) or any
    function text -> answer or None, then passes it as the `mode` option:

    >>> from rlvr.verifiers.gsm8k import FINDERS
    >>> hash_then_box = Extraction("hash_then_box", (("hash", FINDERS["hash"]), ("boxed", FINDERS["boxed"])))
    >>> hash_then_box.find("#### 4 or \\boxed{5}")
    ('4', 'hash')
    """

    name: str
    finders: tuple[tuple[str, Finder], ...]
    formatted: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise ValueError(f"an Extraction needs a name, got {self.name!r}")
        if not self.finders or not all(
            isinstance(pair, tuple) and len(pair) == 2 and isinstance(pair[0], str) and callable(pair[1])
            for pair in self.finders
        ):
            raise ValueError(f"Extraction {self.name!r}: finders must be (form, function) pairs, got {self.finders!r}")
        object.__setattr__(self, "formatted", frozenset(self.formatted))

    def find(self, text: str, *context: object) -> tuple[str | None, str | None]:
        """(answer, form) from the first finder that finds one; (None, None) when none does.
        `context` (mcq: the question) is passed on to every finder after the text."""
        return find_first(self.finders, text, *context)


def find_first(finders: Sequence[tuple[str, Finder]], text: str, *context: object) -> tuple[str | None, str | None]:
    r"""(answer, form) from the first (form, finder) pair whose finder finds something in `text`;
    a finder that returns a `Found` names the form itself, and with answer None ends the search.

    >>> find_first((("boxed", last_boxed),), "so $\\boxed{5}$")
    ('5', 'boxed')
    """
    for form, finder in finders:
        found = finder(text, *context)
        if isinstance(found, Found):
            return found.answer, found.form
        if found is not None:
            return found, form
    return None, None


def resolve_mode(task: str, mode: str | Extraction, modes: Mapping[str, Extraction]) -> Extraction:
    """The Extraction a `mode` option names or is. A configuration mistake raises ValueError: an
    unknown name, or an Extraction of one's own that takes a built-in mode's name (the name is
    what the verdict's detail reports, and what a task may key behaviour on).

    >>> from rlvr.verifiers.gsm8k import MODES
    >>> resolve_mode("gsm8k", "hash", MODES).name
    'hash'
    """
    if isinstance(mode, Extraction):
        if mode.name in modes and modes[mode.name] != mode:
            raise ValueError(f"{task}: an Extraction of one's own cannot take the built-in mode name {mode.name!r}")
        return mode
    if isinstance(mode, str) and mode in modes:
        return modes[mode]
    raise ValueError(f"{task} mode must be one of {sorted(modes)} or an Extraction, got {mode!r}")


def first_match(pattern: re.Pattern[str], text: str) -> str | None:
    """Group 1 of the first match, stripped (lm-eval's take_first over group_select=0)."""
    match = pattern.search(text)
    return match.group(1).strip() if match else None


def last_match(pattern: re.Pattern[str], text: str) -> str | None:
    """Group 1 of the last match, stripped: a model's final statement wins over earlier drafts."""
    last = last_search(pattern, text)
    return last.group(1).strip() if last else None


def last_search(pattern: re.Pattern[str], text: str) -> re.Match[str] | None:
    """The last non-overlapping match of `pattern` in `text`, or None."""
    found = deque(pattern.finditer(text), maxlen=1)
    return found[0] if found else None
