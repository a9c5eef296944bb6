"""Which option a multiple-choice response commits to (mode "flexible").

A response names letters all the time: it weighs each option ("G. Adrenal insufficiency - not
typical"), rules some out ("Option (J) is incorrect"), and finally commits ("the correct answer
is:\\nC. <option text>"). Extraction therefore finds every letter *mention* in a strong shape
(see _SHAPES), keeps those that are *commitments* (a conclusion cue before it in its sentence, or
on the line ending in ":" above it; "is the correct answer" after it; never a ruled-out one), and
takes the last: a response that revises itself commits to its final choice.

The final commitment is no answer when it names several letters ("(D) and (H)", "(C, G, D)"; letters
before a turn such as "but" in its sentence are set aside, not named with it) or a letter that is
not an option, or when the response disowns it ("The closest option is (F), but it
is not the correct answer"). A hedge ("this is not exact") keeps it. Where no letter is committed
to, an answer statement ("the answer is 2.5 V") whose text is one option's text gives that option.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from rlvr.verifiers.extract import last_search

LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"

# A mention is a capital letter standing alone ("(C)", "C.", "option C", not "CO2" or "I'm") in one
# of these shapes: (form, what must come just before it, what must follow it). Finding the lone
# capitals first and then testing the short text around each keeps extraction linear and fast.
_CANDIDATE = re.compile(r"(?<![A-Za-z0-9_\\])[A-Z](?![A-Za-z0-9_'’])")
_SHAPES = (
    ("boxed", re.compile(r"\\boxed\s*\{\s*(?:\\text(?:bf)?\s*\{\s*)?(?:\*\*)?\(?$"), re.compile(r"")),
    ("paren", re.compile(r"\($"), re.compile(r"\)")),
    ("option_word", re.compile(r"(?i:\b(?:option|choice))\s*[(\[]?$"), re.compile(r"")),
    ("letter_text", re.compile(r"(?:^|\n)[ \t>#*-]*\(?$"), re.compile(r"(?:[.):]|\*\*[.):]?)(?=\s|\*|$)")),
    ("answer_is", re.compile(r"(?i:\banswer)[ \t]*(?:is|:|=)?[ \t]*(?:\*\*|\$|\\text\{)?$"), re.compile(r"(?!-)")),
    ("after_is", re.compile(r"(?i:\b(?:is|be|are|was))[ \t]*:?[ \t]*(?:\*\*|\$|\\text\{)?$"), re.compile(r"(?!-)")),
)
# "(C, G, D)": several letters in one pair of parentheses.
_GROUP = re.compile(r"\(([A-Z](?:\s*(?:,|and|or|&)\s*[A-Z])+)\)")
_LOOKBACK = 40

# A conclusion: what a committing sentence says before the letter (lower-case substrings, which
# are much cheaper to look for than a regex).
CUES = (
    "answer",
    "correct",
    "closest",
    "best",
    "most",
    "likely",
    "appropriate",
    "accurate",
    "therefore",
    "thus",
    "hence",
    "conclu",
    "correspond",
    "would be",
    "should be",
    "choose",
    "select",
    "option is",
    "choice is",
    "is:",
    "based on",
    "in summary",
    "overall",
    "final",
    "is option",
    "be option",
    "to option",
    "is choice",
)
# What follows a letter that commits to it, and what follows one that rules it out.
CUE_AFTER = re.compile(
    r"[\s)*.:]{0,4}(?:is|would be|seems to be|appears to be|remains)\s+(?:the\s+)?"
    r"(?:correct|right|best|most|only|closest|answer|true statement)",
    re.IGNORECASE,
)
RULED_OUT = re.compile(
    r"[\s)*.:]{0,4}(?:is|are|would be|seems)\s+(?:also\s+)?(?:incorrect|not\b|wrong|false|eliminated|unlikely|less)"
    r"|[^.\n]{0,60}?\s(?:is|are)\s+(?:incorrect|wrong|false)\b",
    re.IGNORECASE,
)
NEGATED_BEFORE = re.compile(
    r"(?:\bnot|rather than|instead of|except|eliminate|exclude|incorrect (?:in|for))\s*(?:(?:option|choice)\s*)?\(?$",
    re.IGNORECASE,
)
# Said after the final commitment, these take it back; a hedge ("not exact") does not.
DISOWNED = re.compile(
    r"(?:it|this|that|which)(?: option| answer| choice)?(?:\s+is|'s|’s)\s+not\s+(?:the\s+)?(?:correct|right)\s+answer"
    r"|(?:it|this|that)(?: option| answer| choice)?(?:\s+is|'s|’s)\s+(?:incorrect|wrong)\b"
    r"|(?:therefore|thus|hence|so),?\s+(?:none of the|there is no)"
    r"|there is no correct (?:answer|option)",
    re.IGNORECASE,
)
# A turn in the sentence before the final commitment ("closest to (D), but ... the correct answer
# is (H)"): letters named before it are set aside, not committed to with it.
_CONTRAST = re.compile(r"\b(?:but|however|instead|rather than)\b", re.IGNORECASE)
_SENTENCE_END = re.compile(r"[.!?](?=\s)|\n")
_SENTENCE_ENDS = ("\n", ". ", "? ", "! ", ".\t")
_ANSWER_STATEMENT = re.compile(
    r"(?:answer|option|choice)(?:\s+\w+){0,3}\s+(?:is|would be|should be)\s*:?\s*|\banswer\s*:\s*",
    re.IGNORECASE,
)
_NOT_TEXT = re.compile(r"[^0-9a-z.%/^+\-−]+")
# How far back a colon line may sit above its answer line, and how far a disowning may come after.
_COLON_LOOKBACK = 3
_WINDOW = 400
# Only the end of a longer response is read: its final commitment is there, and the work stays bounded.
MAX_CHARS = 100_000
_DISOWN_WINDOW = 400


@dataclass(frozen=True)
class Mention:
    """A letter named in a strong shape: letters (one, or several for "(C, D)"), where, how."""

    letters: str
    start: int
    end: int
    form: str


@dataclass(frozen=True)
class Commitment:
    """The option a response commits to (letter None: it commits to none), and the form it used."""

    letter: str | None
    form: str


def find_commitment(text: str, options: Sequence[str], n_letters: int) -> Commitment:
    """The option `text` finally commits to, among letters A.. up to `n_letters` with `options`'
    texts (empty when unknown); Commitment(None, why) when it commits to none or to several.

    >>> find_commitment("Weighing them up, the correct answer is:\\nC. Paris", ["Rome", "Oslo", "Paris"], 3)
    Commitment(letter='C', form='letter_text')
    >>> find_commitment("The answer is (B) and (C).", [], 4)
    Commitment(letter=None, form='several')
    """
    text = text[-MAX_CHARS:]
    every = _mentions(text)
    final = next((m for m in reversed(every) if _committed(text, m)), None)
    if final is None:
        return _text_commitment(text, options) or _bare_letter(text, n_letters)
    letters = set(final.letters)
    for other in _same_statement(text, final, every):
        letters.update(other.letters)
    if len(letters) > 1:
        return Commitment(None, "several")
    letter = letters.pop()
    if LETTERS.index(letter) >= n_letters:
        return Commitment(None, "not_an_option")
    if DISOWNED.search(text, final.end, final.end + _DISOWN_WINDOW):
        return Commitment(None, "disowned")
    later = _text_commitment(text[_statement_end(text, final.end) :], options)
    if later is not None and later.letter is not None:
        return later
    return Commitment(letter, final.form)


def _mentions(text: str) -> list[Mention]:
    """Every letter mention in `text`, in order."""
    found: list[Mention] = []
    skip_to = 0
    for candidate in _CANDIDATE.finditer(text):
        at = candidate.start()
        if at < skip_to:
            continue
        group = _GROUP.match(text, at - 1) if at and text[at - 1] == "(" else None
        if group is not None:
            letters = "".join(ch for ch in group.group(1) if ch in LETTERS)
            found.append(Mention(letters, at, group.end(), "paren"))
            skip_to = group.end()
            continue
        for form, before, after in _SHAPES:
            if before.search(text, max(0, at - _LOOKBACK), at) and (follow := after.match(text, at + 1)):
                found.append(Mention(text[at], at, follow.end(), form))
                break
    return found


def _committed(text: str, mention: Mention) -> bool:
    """Whether `mention` commits: boxed, or a conclusion cue before it (its sentence, or the line
    ending in ":" above an answer line) or after it, and not ruled out ("is incorrect")."""
    if RULED_OUT.match(text, mention.end) or NEGATED_BEFORE.search(text, max(0, mention.start - 40), mention.start):
        return False
    if mention.form == "boxed" or CUE_AFTER.match(text, mention.end):
        return True
    before = _sentence_before(text, mention.start)
    if _has_cue(before):
        return True
    starts_at = mention.start - len(before)
    if starts_at == 0 or text[starts_at - 1] == "\n":  # its sentence starts its line
        return _has_cue(_colon_line_above(text, mention.start))
    return False


def _has_cue(piece: str) -> bool:
    lower = piece.lower()
    return any(cue in lower for cue in CUES)


def _sentence_before(text: str, at: int) -> str:
    """The text of the sentence (or line) that `at` lies in, up to `at` (at most _WINDOW characters:
    every look-back is bounded, so a long line of letters costs linear time, not quadratic)."""
    piece = text[max(0, at - _WINDOW) : at]
    starts = [found + len(end) for end in _SENTENCE_ENDS if (found := piece.rfind(end)) != -1]
    return piece[max(starts, default=0) :]


def _colon_line_above(text: str, at: int) -> str:
    """The nearest non-blank line above `at` when it ends in ":" (blank lines between allowed), else ""."""
    end = text.rfind("\n", max(0, at - _WINDOW), at)
    for _ in range(_COLON_LOOKBACK):
        if end <= 0:
            return ""
        start = text.rfind("\n", max(0, end - _WINDOW), end) + 1 or max(0, end - _WINDOW)
        line = text[start:end].strip(" \t*$\\[]")
        if line:
            return _sentence_before(line, len(line)) if line.endswith(":") else ""
        end = start - 1
    return ""


def _statement_end(text: str, at: int) -> int:
    """Where the sentence that continues at `at` ends."""
    match = _SENTENCE_END.search(text, at)
    return match.start() if match else len(text)


def _same_statement(text: str, final: Mention, mentions: list[Mention]) -> list[Mention]:
    """Among all `mentions`, other letters the final commitment names with it: in its sentence ("(D) and (H)"), or
    answer lines of the same block below a ":" line ("(a) ... (Option F)\\n(b) ... (Option H)")."""
    before = _sentence_before(text, final.start)
    turn = last_search(_CONTRAST, before)
    sentence_start = final.start - len(before) + (turn.end() if turn else 0)
    block_end = text.find("\n\n", final.end)
    block_end = len(text) if block_end == -1 else block_end
    sentence_end = _statement_end(text, final.end)
    together = []
    for mention in mentions:
        start = mention.start
        if not sentence_start <= start < block_end or start == final.start or RULED_OUT.match(text, mention.end):
            continue
        same_sentence = start < sentence_end or start < final.end
        if same_sentence or mention.form == "letter_text" or _starts_line_below_colon(text, final, start):
            together.append(mention)
    return together


def _starts_line_below_colon(text: str, final: Mention, start: int) -> bool:
    """Whether `start` is on a later line of a list that a ":" line introduced above `final`."""
    return text.rfind("\n", 0, final.start) != text.rfind("\n", 0, start) and bool(_colon_line_above(text, final.start))


def _text_commitment(text: str, options: Sequence[str]) -> Commitment | None:
    """The option whose text the last answer statement gives ("the answer is 2.5 V"), or None."""
    if not options:
        return None
    last = last_search(_ANSWER_STATEMENT, text)
    if last is None:
        return None
    rest = text[last.end() : last.end() + 400].lstrip()
    said = _normalise(rest[: _statement_end(rest, 0)] if rest[:1] != "\n" else rest.split("\n", 1)[0])
    matches = [i for i, option in enumerate(options) if said and _normalise(option) == said]
    if not matches:
        matches = [i for i, option in enumerate(options) if _prefix_of(_normalise(option), said)]
    if len(matches) == 1:
        return Commitment(LETTERS[matches[0]], "option_text")
    return Commitment(None, "no_option_text") if said else None


def _prefix_of(option: str, said: str) -> bool:
    """Whether the statement starts with the whole option text (long enough to be that option)."""
    return len(option) >= 12 and said.startswith(option)


def _normalise(text: str) -> str:
    """Lower case, markup and punctuation runs folded to one space (units and signs kept)."""
    return _NOT_TEXT.sub(" ", text.lower().replace("−", "-")).strip(" .")


_BARE = re.compile(r"\W*([A-Z])\W*")


def _bare_letter(text: str, n_letters: int) -> Commitment:
    """A response that is one letter ("C", "(C).") commits to it."""
    match = _BARE.fullmatch(text.strip()[:20]) if len(text.strip()) <= 20 else None
    if match and LETTERS.index(match.group(1)) < n_letters:
        return Commitment(match.group(1), "bare_letter")
    return Commitment(None, "none")
