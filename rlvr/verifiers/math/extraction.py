"""Finding the answer in a completion, by mode, and the gold answer in a ground truth.

Each mode is one ordered list of (form, finder) pairs; the first finder that finds something
gives the answer (`rlvr.verifiers.extract.find_first`, shared with gsm8k).

boxed    only the rightmost \\boxed{...} / \\fbox{...} counts (no fallbacks)
lenient  "final answer is X" / "the answer is X" with no \\boxed at or after it; \\boxed (with
         the boxes just before it that separators or a short "and" phrase part); the whole completion when it is
         a short bare answer; "Answer: X"; the last bold value; then the final statement: in
         the last sentence or clause that holds a value, the first value after its last
         "is/are/equals/=", else its last value (a $...$ span, a bold span or a plain number)
answer   the completion is an already extracted answer (a \\boxed{} in it still wins)
minerva  lm-eval minerva_math's "Final Answer: The final answer is X. I hope it is correct."
"""

from __future__ import annotations

import re

from rlvr.verifiers.extract import Finder, boxed_spans, find_first, last_boxed
from rlvr.verifiers.math.normalise import GLUED_CONJUNCTION

# lm-eval minerva_math finds r"Final Answer: The final answer is(.*?). I hope it is correct."
# in the text with "I hope it is correct." appended. That regex is quadratic on a line full of
# prefixes; find_minerva_final gives its exact result in linear time.
_MINERVA_PREFIX = "Final Answer: The final answer is"
_MINERVA_HOPE = " I hope it is correct"
_MINERVA_END = "I hope it is correct."
# The lenient forms other than \boxed are looked for in the completion's tail, with bounded
# answer lengths, so that no pattern can go quadratic on a hostile megabyte of text.
LENIENT_TAIL = 20_000
# A completion up to this long that reads as a formula (no words) is itself the answer.
BARE_MAX_CHARS = 200
_ANSWER_PHRASE = re.compile(r"(?:final answer|the answer) is", re.IGNORECASE)
_ANSWER_WORD = re.compile("answer", re.IGNORECASE)
_PHRASE_TRIES = 5
_FINAL_ANSWER_IS = re.compile(
    r"(?:final answer|the answer) is:?[ \t]*([^\n]{1,500}?)(?:\.?[ \t]*(?:I hope|$)|\.\s)",
    re.IGNORECASE | re.MULTILINE,
)
_ANSWER_COLON = re.compile(r"answer[ \t]*\**:\**[ \t]*([^\n]{1,500}?)[ \t]*$", re.IGNORECASE | re.MULTILINE)
# A span ends at its closer and never runs over another opener, so that a text full of openers
# costs linear time.
_MATH_SPAN = r"\$\$[^$]{1,500}\$\$|\$[^$]{1,500}\$|\\\((?:(?!\\[()]).){1,500}\\\)|\\\[(?:(?!\\[\[\]]).){1,500}\\\]"
_BOLD = re.compile(r"\*\*([^*\n]{1,200})\*\*")
# Bold headings ("**Step 2:**", "**Case 1**") are not answers.
_HEADING = re.compile(r"^(?:step|case|part|method|approach|solution|final answer|answer)\b|:\s*$", re.IGNORECASE)
# One token of the final statement: a math span, a bold span, a plain number, a copula or the
# end of a sentence or clause ("so", "thus": what follows is the conclusion). Numbers keep
# thousands groups ("3,628,800", "1 000"), a decimal comma ("2,74"), a fraction, "%" or a degree sign.
_STATEMENT_TOKEN = re.compile(
    rf"(?P<math>{_MATH_SPAN})"
    r"|(?P<bold>\*\*[^*\n]{1,200}\*\*)"
    r"|(?P<number>(?<![\w.])-?(?:\d{1,3}(?:,\d{3})+|\d{1,3}(?: \d{3})+(?!\d)|\d+,\d{1,2}(?![\d,])|\d+)"
    r"(?:\.\d+)?(?:/\d+)?(?:\s*(?:%|°|\\%))?)"
    r"|(?P<copula>\b(?:is|are|was|were|equals?|be|becomes|gives|yields)\b|=|≈)"
    r"|(?P<end>[.!?](?=\s|$)|\n|\b(?:so|thus|hence|therefore)\b)",
    re.S,
)
# A gold with at most this much text outside its boxes, joined by "and" or symbols, is a
# many-part answer, every box a part.
GOLD_LABEL_CHARS = 40
# More boxes in a row than a set of answers can hold are not read as one answer.
MAX_GROUPED_BOXES = 64
_BOX_START = re.compile(r"\\(?:boxed|fbox)(?![A-Za-z])")
# What may stand between the boxes of one answer: spaces, commas, "and"/"or", math delimiters.
_BOX_SEPARATOR = re.compile(r"(?:\s|[,;$]|\\[()\[\]]|\\q?quad|\\[,;]|\\text\{\s*(?:and|or|,)?\s*\}|\b(?:and|or)\b)*")
MAX_LINK_CHARS = 40
_LETTER = re.compile("[A-Za-z]")
# The name a box is given: "$y_1 = \boxed", "x =\boxed".
_LINK_NAME = re.compile(r"([A-Za-z](?:_\{?\w+\}?)?)\s*=\s*(?:\$|\\[(\[])?\s*$")
_AND_WORD = re.compile(r"\band\b")
_LINK_STOP = re.compile(r"[.!?](?:\s|$)|\b(?:is|are|was|were|but|so|then|not|or)\b")
_MATH_DELIMITERS = re.compile(r"^(?:\$\$|\$|\\\(|\\\[)(.*?)(?:\$\$|\$|\\\)|\\\])$", re.S)
_LATEX_COMMAND = re.compile(r"\\(?:text|begin|end)\{[^{}]*\}|\\[A-Za-z]+")
_MATH_SPANS = re.compile(_MATH_SPAN, re.S)
_WORD = re.compile(r"[A-Za-z]{3,}")
_GLUED_CONJUNCTION = re.compile(GLUED_CONJUNCTION)


def find_minerva_final(text: str) -> str | None:
    """X of "Final Answer: The final answer is X. I hope it is correct." (first match), exactly
    as lm-eval's regex finds it: X and the character after it stay on the prefix's line.

    >>> find_minerva_final("Final Answer: The final answer is $5$. I hope it is correct.")
    '$5$'
    """
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


def find_boxed_group(text: str) -> str | None:
    r"""The last \boxed{} together with the boxes just before it that only separators part
    ("\boxed{1}, \boxed{2} and \boxed{3}" -> "1, 2, 3"): one answer in several boxes.

    >>> find_boxed_group("so $\\boxed{-2}$ and $\\boxed{1}$.")
    '-2, 1'
    """
    boxes = boxed_spans(text)
    if not boxes:
        return None
    group = [boxes[-1]]
    for box in reversed(boxes[-MAX_GROUPED_BOXES:-1]):
        gap = text[box[1] : group[-1][0]]
        before = text[max(0, box[0] - MAX_LINK_CHARS) : box[0]]
        if box[1] > group[-1][0] or not _joins_parts(gap, before):
            break
        group.append(box)
    return ", ".join(content for _, _, content in reversed(group))


def _joins_parts(gap: str, before: str = "") -> bool:
    r"""Whether the text between two boxes joins parts of one answer: separators, or a short
    phrase with "and" that states nothing itself ("\text{ for part (a) and }", "\) and \( y_2 = ").
    `before` is the text before the first box: "x = \boxed{1} and x = \boxed{2}" gives two
    candidate values of one unknown, and MATH's answer is then the last box alone."""
    if _BOX_SEPARATOR.fullmatch(gap):
        return True
    if len(gap) > MAX_LINK_CHARS or _AND_WORD.search(gap) is None or _LINK_STOP.search(gap) is not None:
        return False
    named, named_before = _LINK_NAME.search(gap), _LINK_NAME.search(before)
    return named is None or named_before is None or named.group(1) != named_before.group(1)


def find_final_answer_is(text: str) -> str | None:
    """The last "final answer is X" / "the answer is X" (any case, in the tail), without a
    trailing period, unless a \\boxed{} comes at or after it (then the box is the answer: boxes
    that come before it held intermediate results).

    >>> find_final_answer_is("So the answer is $\\\\frac{1}{2}$."), find_final_answer_is("The answer is $\\\\boxed{2}$")
    ('\\\\frac{1}{2}', None)
    """
    tail = text[-LENIENT_TAIL:]
    found = _last_announcement(_ANSWER_PHRASE, _FINAL_ANSWER_IS, tail)
    if found is None or _BOX_START.search(tail, found.start()):
        return None
    return _value_of(found.group(1))


def _last_announcement(phrase: re.Pattern[str], pattern: re.Pattern[str], text: str) -> re.Match[str] | None:
    """The match of `pattern` at the last of the last few places where `phrase` occurs. Trying
    `pattern` everywhere would cost 500 steps at each of thousands of places in a hostile text."""
    for place in list(phrase.finditer(text))[-_PHRASE_TRIES:][::-1]:
        found = pattern.match(text, place.start())
        if found:
            return found
    return None


def find_answer_colon(text: str) -> str | None:
    """The rest of the line after the last "Answer:" (in the tail).

    >>> find_answer_colon("**Final Answer:** 17")
    '17'
    """
    found = _last_announcement(_ANSWER_WORD, _ANSWER_COLON, text[-LENIENT_TAIL:])
    return _value_of(found.group(1)) if found else None


def _value_of(answer: str) -> str | None:
    """An announced answer, or the value its sentence states when it is prose
    ("Final Answer: The largest $n$ is 34." -> "34"); None when nothing is left."""
    answer = strip_delimiters(answer)
    if _is_prose(answer):
        answer = find_final_statement(answer) or answer
    return answer or None


def _is_prose(text: str) -> bool:
    return _WORD.search(_LATEX_COMMAND.sub("", _MATH_SPANS.sub("", text))) is not None


def find_bare(text: str) -> str | None:
    """The whole completion when it is short and reads as a formula rather than prose.

    >>> find_bare(" \\\\frac{2}{7} "), find_bare("The answer is 7")
    ('\\\\frac{2}{7}', None)
    """
    answer = strip_delimiters(text)
    if not answer or len(answer) > BARE_MAX_CHARS or "\n" in answer or "$" in answer:
        return None
    return None if _WORD.search(_GLUED_CONJUNCTION.sub(" ", _LATEX_COMMAND.sub("", answer))) else answer


def find_bold(text: str) -> str | None:
    """The last bold value ("**8**", "**3,628,800**"; not a bold heading) in the tail.

    >>> find_bold("**Step 1:** count. The total is **17**.")
    '17'
    """
    for match in reversed(list(_BOLD.finditer(text[-LENIENT_TAIL:]))):
        content = match.group(1).strip()
        if _HEADING.search(content) is None and _is_value(content):
            return strip_delimiters(content)
    return None


def find_final_statement(text: str) -> str | None:
    """The value the last sentence that holds one states: the first value after its last
    copula ("is", "are", "equals", "="), else its last value.

    >>> find_final_statement("With $n = 6$ people, there are 720 orders.\\nThat is all.")
    '720'
    """
    sentence: list[tuple[str, str]] = []
    stated: list[tuple[str, str]] = []
    for token in _STATEMENT_TOKEN.finditer(text[-LENIENT_TAIL:]):
        kind = token.lastgroup or ""
        if kind == "end":
            if any(k != "copula" for k, _ in sentence):
                stated = sentence
            sentence = []
        elif kind != "bold" or _is_value(token.group()[2:-2]):
            sentence.append((kind, token.group()))
    if any(k != "copula" for k, _ in sentence):
        stated = sentence
    if not stated:
        return None
    copulas = [k for k, (kind, _) in enumerate(stated) if kind == "copula" and k + 1 < len(stated)]
    after = [value for kind, value in stated[copulas[-1] + 1 :] if kind != "copula"] if copulas else []
    value = after[0] if after else next(value for kind, value in reversed(stated) if kind != "copula")
    return strip_delimiters(value.strip("*"))


def _is_value(text: str) -> bool:
    return any(char.isdigit() for char in text) or "$" in text or "\\" in text


def strip_delimiters(answer: str) -> str:
    """An answer without surrounding spaces, bold stars, a final period or math delimiters.

    >>> strip_delimiters(" **$\\\\frac{1}{2}$.** ")
    '\\\\frac{1}{2}'
    """
    answer = answer.strip().strip("*").strip().rstrip(".").strip()
    match = _MATH_DELIMITERS.fullmatch(answer)
    return match.group(1).strip().rstrip(".").strip() if match else answer


def find_given_answer(text: str) -> str | None:
    """Mode "answer": the completion itself (its \\boxed{} content when it has one).

    >>> find_given_answer("$x^2 + 1$"), find_given_answer("\\\\boxed{315}")
    ('x^2 + 1', '315')
    """
    answer = find_boxed_group(text)
    answer = strip_delimiters(text if answer is None else answer)
    return answer or None


MODE_FINDERS: dict[str, tuple[tuple[str, Finder], ...]] = {
    "boxed": (("boxed", last_boxed),),
    "lenient": (
        ("final_answer_is", find_final_answer_is),
        ("boxed", find_boxed_group),
        ("bare", find_bare),
        ("answer_colon", find_answer_colon),
        ("bold", find_bold),
        ("final_statement", find_final_statement),
    ),
    "answer": (("answer", find_given_answer),),
    "minerva": (("minerva_final", find_minerva_final),),
}


def extract_answer(text: str, mode: str) -> tuple[str | None, str | None]:
    """(answer, form it was found in) for the first form of `mode` present in `text`.

    >>> extract_answer("so the total is **8**.", "lenient")
    ('8', 'bold')
    """
    return find_first(MODE_FINDERS[mode], text)


def gold_answer(ground_truth: str, grouped: bool = False) -> str:
    """The answer of a ground truth: its rightmost \\boxed{} when it is a whole solution, else
    the text itself (a bare answer such as "\\frac{1}{2}"). When `grouped`: the boxes just
    before the last one too, as find_boxed_group; every box of a gold that is little more than
    its boxes joined by "and" or symbols ("\\boxed{1} papers and \\boxed{2} bins"); and for a
    solution without a box, the answer it announces ("The final answer is $28\\%$.").

    >>> gold_answer("so $\\\\boxed{4}$"), gold_answer("4")
    ('4', '4')
    >>> gold_answer("\\\\boxed{1} and \\\\boxed{2} bins", grouped=True)
    '1, 2'
    """
    if not grouped:
        boxed = last_boxed(ground_truth)
        return boxed if boxed is not None else ground_truth
    boxes = boxed_spans(ground_truth)
    gaps = [ground_truth[left[1] : right[0]] for left, right in zip(boxes, boxes[1:])]
    outside = len(ground_truth) - sum(end - start for start, end, _ in boxes)
    if gaps and outside <= GOLD_LABEL_CHARS and all(_joins_parts(gap) or not _LETTER.search(gap) for gap in gaps):
        return ", ".join(content for _, _, content in boxes)
    boxed = find_boxed_group(ground_truth)
    if boxed is None and _is_prose(ground_truth):
        boxed = find_final_answer_is(ground_truth)  # a solution that announces its answer without a box
    return boxed if boxed is not None else ground_truth
