"""Finding the answer in a completion, by mode, and the gold answer in a ground truth.

Each mode is an `Extraction` (rlvr.verifiers.extract, shared with gsm8k and mcq): (form, finder)
pairs in priority order; the first finder that finds something gives the answer. MODES holds the
built-in modes, FINDERS the finders they are made of; a mode of one's own is an Extraction of
those (or of any function text -> answer or None), passed as the `mode` option.

boxed    only the rightmost \\boxed{...} / \\fbox{...} counts (no fallbacks)
lenient  the last announced answer ("final answer is X", "the answer is X", "Answer: X",
         "X is the answer") when no \\boxed comes at or after it and no later paragraph
         concludes with a value of its own; \\boxed (with the boxes just before it that only
         separators, part labels, a variable's name or a short "and" phrase part); the whole completion when it is a
         short bare answer; the last bold value; then the final statement: in the last sentence
         or clause that holds a value (check and remark lines after the answer passed over; none
         when the text was cut off mid-sentence), the first value after its last
         "is/are/equals/=", else its last value (a $...$ span, a bold span, a number or a list of them)
answer   the completion is an already extracted answer (a \\boxed{} in it still wins)
minerva  lm-eval minerva_math's "Final Answer: The final answer is X. I hope it is correct."
"""

from __future__ import annotations

import re
from collections import deque

from rlvr.verifiers.extract import Extraction, Finder, boxed_spans, last_boxed, resolve_mode
from rlvr.verifiers.math.normalise import GLUED_CONJUNCTION, normalise, top_level_split

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
_FINAL = re.compile(r"final\W+answer", re.IGNORECASE)
_PHRASE_TRIES = 5
# The value follows on the same line, or, after "is" ends the line, on the next line or display.
_FINAL_ANSWER_IS = re.compile(
    r"(?:final answer|the answer) is:?(?:[ \t]*([^\n]{1,500}?)(?:\.?[ \t]*(?:I hope|$)|\.\s)"
    r"|[ \t]*\n\s*(\$\$[^$]{1,500}\$\$|\\\[(?:(?!\\\]).){1,500}?\\\]|[^\n]{1,500}))",
    re.IGNORECASE | re.MULTILINE | re.S,
)
_ANSWER_COLON = re.compile(r"answer[ \t]*\**:\**[ \t]*([^\n]{1,500}?)[ \t]*$", re.IGNORECASE | re.MULTILINE)
# "So $x = 33$ is the answer.", "we get 8 as the answer": the value is what the clause before states.
_IS_THE_ANSWER = re.compile(r"\b(?:is|as) (?:the|our) (?:final )?answer\b", re.IGNORECASE)
_CLAUSE_START = re.compile(r"[.!?:\n](?=\s)|\n")
# A later line that concludes with a value supersedes an earlier announcement ("the answer is 4320"
# inside the reasoning, then "Thus, the final result is $4220$.").
_CONCLUSION = re.compile(
    r"^[\W_]*(?:therefore|thus|hence|so|in conclusion|in summary|putting|finally|consequently|we conclude"
    r"|this (?:means|gives)|the (?:final |required |desired )?(?:result|value)s?)\b",
    re.IGNORECASE,
)
# Lines after the answer that check or comment on it ("Check: ...", "Note: the other root, $-1$, ...",
# "I hope this helps!") are not the final statement.
_REMARK = re.compile(
    r"^[\W_]*(?:check|verif|sanity check|quick check|double[- ]check|note\b|remark|i hope|hope this|let me know"
    r"|(?:let me|let's|let us|we can|we could) (?:verify|check|double|confirm)"
    r"|this (?:matches|agrees|is consistent|checks out|confirms))",
    re.IGNORECASE,
)
# A completion that ends mid-sentence was cut off: its last words are not a conclusion.
_CUT_OFF = re.compile(
    r"(?:\b(?:is|are|was|be|of|the|a|an|and|or|to|for|by|with|that|we|as|in|on|at|from|then|get|gives)|[,;:(=+\-])\s*$",
    re.IGNORECASE,
)
# A sentence after the answer sentence that justifies or comments on it.
_REMARK_SENTENCE = re.compile(
    r"[\W_]*(?:this (?:uses|used|follows|is because|works|holds|is consistent|matches|agrees|checks|confirms)"
    r"|indeed|here we|we (?:can |could )?(?:verify|check|used|confirm)|note that|because|since|recall|as a check"
    r"|for example|in particular)\b",
    re.IGNORECASE,
)
# A part label opening a paragraph: "(2)", "**(b)**", "Part (1):", "Part 2.", "2. ".
_PART_LABEL = re.compile(
    r"[\W_]*(?:part\s*)?\(?(?:\d{1,2}|[a-h]|i{1,3}|iv|vi?)\)[\W_]*|[\W_]*part\s*\d{1,2}\b[\W_]*|\s*\d{1,2}\.\s",
    re.IGNORECASE,
)
# Before a sentence's subject value only punctuation and marks; after its copula, what it is.
_OPENING = re.compile(r"[\W_]*")
_DESCRIBED = re.compile(r"\s+(?:the|a|an|our)\s+[A-Za-z]", re.IGNORECASE)
_VERDICT = re.compile(
    r"(?:\b(?:is|are)\s+(?:\*\*)?(true|false)|\banswer is:?\s+(?:\*\*)?(yes|no))\b\W*$", re.IGNORECASE
)
# Words that take back a value stated before them.
_TAKEN_BACK = re.compile(r"\b(?:but|wait|wrong|incorrect|however|instead|fails?|mistake|not)\b", re.IGNORECASE)
# A line that gives one name's value: "- $p = 3$", "$A = 30^\\circ$".
_NAMED_VALUE_LINE = re.compile(r"[\s\-*•]*\$?\s*[A-Za-z](?:_\{?\w+\}?)?\s*=\s*[^=\n]{1,200}?\$?\s*\.?\s*")
_ANSWER_HEADING = re.compile(r"^[\W_]*(?:final )?answer[\W_]*$", re.IGNORECASE)
_LIST_JOIN = re.compile(r"\s*(?:,\s*(?:and|or)?|and|or)\s*")
_LIST_WORDS = re.compile(r"\b(?:and|or)\b")
# A span ends at its closer and never runs over another opener, so that a text full of openers
# costs linear time.
_MATH_SPAN = r"\$\$[^$]{1,500}\$\$|\$[^$]{1,500}\$|\\\((?:(?!\\[()]).){1,500}\\\)|\\\[(?:(?!\\[\[\]]).){1,500}\\\]"
# A value at the start of an announced answer that words or a remark follow (not another item).
_LEADING_VALUE = re.compile(
    rf"(?:{_MATH_SPAN}|-?\d+(?:,\d{{3}})*(?:\.\d+)?(?:/\d+)?%?)(?=\s*,?\s*(?:[A-Za-z]{{2}}|i\.e|e\.g|\())", re.S
)
_LIST_GAP = re.compile(r"\s*,?\s*(?:and|or)\b")
_BOLD = re.compile(r"\*\*([^*\n]{1,200})\*\*")
# Bold headings ("**Step 2:**", "**Case 1**") are not answers.
_HEADING = re.compile(r"^(?:step|case|part|method|approach|solution|final answer|answer)\b|:\s*$", re.IGNORECASE)
# One token of the final statement: a math span, a bold span, a plain number, a copula or the
# end of a sentence or clause ("so", "thus": what follows is the conclusion). Numbers keep
# thousands groups ("3,628,800", "1 000"), a decimal comma ("2,74"), a fraction, "%" or a degree
# sign, a root or pi in plain text ("2√3", "4π"); a list of numbers ("2, 4, 3", "5 and 15") is one token.
_STATEMENT_TOKEN = re.compile(
    rf"(?P<math>{_MATH_SPAN})"
    r"|(?P<bold>\*\*[^*\n]{1,200}\*\*)"
    r"|(?P<number>(?<![\w.])-?(?:\d{1,3}(?:,\d{3})+|\d{1,3}(?: \d{3})+(?!\d)|\d+,\d{1,2}(?![\d,])"
    r"|\d+(?:\.\d+)?(?:(?:, ?|,? (?:and|or) )-?\d+(?:\.\d+)?)+(?!\.?\d)|\d+|\.\d+)"
    r"(?:\.\d+)?(?:/\d+)?(?:√\d+(?:\.\d+)?)?π?(?:\s*(?:%|°|\\%))?)"
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
# What may stand between the boxes of one answer: spaces, commas, "and"/"or", math delimiters,
# bold marks, part labels ("(a)", "part (b):") and a variable's name ("$x = \boxed{2}$ or $x = \boxed{3}$").
_BOX_SEPARATOR = re.compile(
    r"(?:\s|[,;$]|\\[()\[\]]|\\q?quad|\\[,;]|\\text\{\s*(?:and|or|,)?\s*\}|\b(?:and|or)\b|\*\*"
    r"|\((?:[a-h]|i{1,3}|iv|vi?)\)|\bpart\s*\(?[a-h0-9]\)?:?|[A-Za-z](?:_\{?\w{1,3}\}?)?\s*=)*",
    re.IGNORECASE,
)
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


def find_announced(text: str) -> str | None:
    """The last announced answer in the tail: "final answer is X" / "the answer is X" (without a
    trailing period), "Answer: X" (the rest of its line) or "X is the answer"; None when a
    \\boxed{} comes at or after it (the box is the answer: boxes before it held intermediate
    results) or, unless it is a "final answer", when a later paragraph concludes with a value of
    its own.

    >>> find_announced("So the answer is $\\\\frac{1}{2}$."), find_announced("The answer is $\\\\boxed{2}$")
    ('\\\\frac{1}{2}', None)
    >>> find_announced("**Final Answer:** 17"), find_announced("So $x = 33$ is the answer.")
    ('17', 'x = 33')
    """
    tail = text[-LENIENT_TAIL:]
    found = [
        (match.start(), match.end(), _value_of(match.group(1) or match.group(2) or ""))
        for match in (
            _last_announcement(_ANSWER_PHRASE, _FINAL_ANSWER_IS, tail),
            _last_announcement(_ANSWER_WORD, _ANSWER_COLON, tail),
        )
        if match
    ]
    stated = deque(_IS_THE_ANSWER.finditer(tail), maxlen=1)
    if stated:
        clause_start = max(
            (m.end() for m in _CLAUSE_START.finditer(tail, max(0, stated[0].start() - 500), stated[0].start())),
            default=max(0, stated[0].start() - 500),
        )
        found.append((clause_start, stated[0].end(), find_final_statement(tail[clause_start : stated[0].start()])))
    if not found:
        return None
    start, end, answer = max(found, key=lambda item: item[0])
    # A "final answer" is the model's last word; a plain "the answer is" may be a step of the reasoning.
    final = _FINAL.search(tail, max(0, start - 6), end) is not None
    if _BOX_START.search(tail, start) or (not final and _concluded_later(tail[end:])):
        return None
    return answer


def _concluded_later(text: str) -> bool:
    """Whether a paragraph of `text` that starts a line with a conclusion ("Thus", "The final result
    is") holds a value (remarks after the answer aside), or a value comes under an "Answer" heading."""
    lines = drop_remarks(text).split("\n")[1:]
    concluding = headed = False
    for line in lines:
        concluding = (concluding and bool(line.strip())) or _CONCLUSION.search(line) is not None
        if (headed or concluding) and _is_value(line):
            return True
        headed = headed or _ANSWER_HEADING.search(line) is not None
    return False


def _last_announcement(phrase: re.Pattern[str], pattern: re.Pattern[str], text: str) -> re.Match[str] | None:
    """The match of `pattern` at the last of the last few places where `phrase` occurs. Trying
    `pattern` everywhere would cost 500 steps at each of thousands of places in a hostile text."""
    for place in list(phrase.finditer(text))[-_PHRASE_TRIES:][::-1]:
        found = pattern.match(text, place.start())
        if found:
            return found
    return None


def drop_remarks(text: str) -> str:
    """The text without the lines at its end that check or comment on the answer.

    >>> drop_remarks("So the total is $12$.\\n\\nCheck: $3 \\\\cdot 4 = 12$ ✓")
    'So the total is $12$.'
    """
    lines = text.rstrip().split("\n")
    while lines and (not lines[-1].strip() or _REMARK.search(lines[-1])):
        lines.pop()
    return "\n".join(lines).rstrip()


def _value_of(answer: str) -> str | None:
    """An announced answer: the value it starts with when words follow it ("12 since there are 3
    groups of 4" -> "12", "$\\frac{3}{4}$, i.e. 0.75" -> "\\frac{3}{4}"), or the value its sentence
    states when it is prose ("Final Answer: The largest $n$ is 34." -> "34"); None when nothing is left.

    >>> _value_of("12 since there are 3 groups of 4"), _value_of("5 and 15"), _value_of("The largest $n$ is 34.")
    ('12', '5 and 15', '34')
    """
    answer = strip_delimiters(answer)
    lead = _LEADING_VALUE.match(answer)
    if lead and not _LIST_GAP.match(answer, lead.end()):
        return strip_delimiters(lead.group())
    if _is_prose(answer):
        answer = find_final_statement(answer) or answer
    return answer or None


def _is_prose(text: str) -> bool:
    """Whether words other than "and"/"or" (which join the values of a list) stand outside math."""
    return _WORD.search(_LIST_WORDS.sub("", _LATEX_COMMAND.sub("", _MATH_SPANS.sub("", text)))) is not None


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
    copula ("is", "are", "equals", "="), else its last value, with the values that commas, "and"
    or "or" join to it (one list); the value a sentence opens with when it is the subject ("$8$
    is the number of sides"). Lines that check or comment on the answer at the end are passed
    over, and so are remark sentences after the answer sentence ("This uses ...", "Indeed, ...");
    a text that ends mid-sentence ("... the conjugate of $1+2i$ is") or in a new part that states
    nothing yet ("(2) Next we ...") was cut off and states nothing; a part label is not a value.

    >>> find_final_statement("With $n = 6$ people, there are 720 orders.\\nThat is all.")
    '720'
    >>> find_final_statement("So the roots are $2$ and $5$."), find_final_statement("When $x = 2$, $y = 5$.")
    ('2, 5', 'y = 5')
    >>> find_final_statement("So the area is $36$. This uses $AB = 4$."), find_final_statement("(1) $a = 9$.\\n\\n(2)")
    ('36', None)
    """
    text = drop_remarks(text[-LENIENT_TAIL:])
    if _cut_off(text):
        return None
    paragraphs = text.split("\n\n")
    if _PART_LABEL.match(paragraphs[-1]) and _statement_of(paragraphs[-1]) is None:
        return None  # a new part begun and cut off before it states anything
    # Paragraph by paragraph from the end: a stray "$" earlier in the text cannot pair the
    # dollars of the last paragraph wrongly.
    for paragraph in reversed(paragraphs):
        value = _statement_of(paragraph)
        if value is not None:
            return value
    return None


def _sentences(text: str) -> list[tuple[int, list[re.Match[str]]]]:
    """The sentences (and clauses after "so", "thus", ...) of one paragraph that hold a value:
    (where the sentence starts, its value and copula tokens). A part label opening the
    paragraph ("(2)", "**Part 1:**") is not a value."""
    label = _PART_LABEL.match(text)
    label_end = label.end() if label else 0
    sentences: list[tuple[int, list[re.Match[str]]]] = []
    sentence: list[re.Match[str]] = []
    start = 0
    for token in _STATEMENT_TOKEN.finditer(text):
        kind = token.lastgroup or ""
        if kind == "end":
            if any(t.lastgroup != "copula" for t in sentence):
                sentences.append((start, sentence))
            sentence, start = [], token.end()
        elif token.start() >= label_end and (kind != "bold" or _is_value(token.group()[2:-2])):
            sentence.append(token)
    if any(t.lastgroup != "copula" for t in sentence):
        sentences.append((start, sentence))
    return sentences


def _statement_of(text: str) -> str | None:
    """find_final_statement within one paragraph."""
    sentences = _sentences(text)
    if not sentences:
        return None
    start, stated = next(
        ((start, tokens) for start, tokens in reversed(sentences) if not _REMARK_SENTENCE.match(text, start)),
        sentences[-1],
    )
    return _value_stated(text, start, stated)


def _value_stated(text: str, start: int, stated: list[re.Match[str]]) -> str:
    """The value one sentence states (see find_final_statement)."""
    if (
        len(stated) > 1
        and stated[0].lastgroup != "copula"
        and stated[1].lastgroup == "copula"
        and _OPENING.fullmatch(text, start, stated[0].start())
        and _DESCRIBED.match(text, stated[1].end())
    ):
        return strip_delimiters(stated[0].group().strip("*"))  # "$8$ is the number of sides of ..."
    values = [k for k, token in enumerate(stated) if token.lastgroup != "copula"]
    copulas = [k for k, token in enumerate(stated) if token.lastgroup == "copula" and k + 1 < len(stated)]
    after = [k for k in values if copulas and k > copulas[-1]]
    first = last = after[0] if after else values[-1]
    joins = []
    if after:
        while last + 1 < len(stated) and _joined(text, stated[last], stated[last + 1]):
            joins.append(text[stated[last].end() : stated[last + 1].start()])
            last += 1
    else:
        while first > 0 and _joined(text, stated[first - 1], stated[first]):
            joins.append(text[stated[first - 1].end() : stated[first].start()])
            first -= 1
        # Without a copula only "and" / "or" make a list: "when $x = 2$, $y = 5$" is not one.
        first = first if any(_LIST_WORDS.search(join) for join in joins) else last
    return ", ".join(strip_delimiters(token.group().strip("*")) for token in stated[first : last + 1])


def find_verdict(text: str) -> str | None:
    """A Yes/No/True/False verdict that the last line states in words ("Therefore the statement
    is true.", "so the answer is no"), capitalised; None otherwise.

    >>> find_verdict("Both sides agree.\\n\\nTherefore the statement is true."), find_verdict("It is 5.")
    ('True', None)
    """
    lines = drop_remarks(text[-LENIENT_TAIL:]).rsplit("\n", 1)
    match = _VERDICT.search(lines[-1])
    return None if match is None else (match.group(1) or match.group(2)).capitalize()


def find_parts(text: str, count: int) -> str | None:
    """The answers of a question in `count` parts, each stated on its own, as one list: the last
    `count` boxes ("The width is $\\boxed{3}$. ... The length is $\\boxed{12}$."), the last
    `count` lines that each give a name's value ("- $p = 3$"), or the last `count` sentences of the
    final paragraph that each state a value ("The minimum value is $2$. The maximum value is
    $10$."). None when there are fewer, or words between them take a value back ("but", "wait").

    >>> find_parts("The minimum is $2$. The maximum is $10$.", 2), find_parts("So $x = \\boxed{5}$.", 2)
    ('2, 10', None)
    """
    tail = drop_remarks(text[-LENIENT_TAIL:])
    boxes = boxed_spans(tail)
    if boxes:
        chosen = boxes[-count:]
        if len(chosen) < count or _TAKEN_BACK.search(tail, chosen[0][1], chosen[-1][0]):
            return None
        return _one_each([content for _, _, content in chosen])
    lines = [line for line in tail.split("\n") if line.strip()][-count:]
    if len(lines) == count and all(_NAMED_VALUE_LINE.fullmatch(line) for line in lines):
        return _one_each([strip_delimiters(line.strip().lstrip("-*•").strip()) for line in lines])
    paragraph = tail.rsplit("\n\n", 1)[-1]
    sentences = _sentences(paragraph)[-count:]
    stating = [tokens for _, tokens in sentences if any(token.lastgroup == "copula" for token in tokens)]
    if len(stating) < count or _TAKEN_BACK.search(paragraph, sentences[0][0]):
        return None
    return _one_each([_value_stated(paragraph, start, tokens) for start, tokens in sentences])


def _one_each(values: list[str]) -> str | None:
    """The parts joined as one list, when each part is one value: "The roots are 2 and 3. The
    answer is 2." states a list and a choice from it, not two parts."""
    if any(len(top_level_split(normalise(value), ",")) != 1 for value in values):
        return None
    return ", ".join(values)


def _joined(text: str, left: re.Match[str], right: re.Match[str]) -> bool:
    """Whether two tokens of a statement are values of one list ("$2$, $3$ and $5$")."""
    both = left.lastgroup != "copula" and right.lastgroup != "copula"
    return both and _LIST_JOIN.fullmatch(text, left.end(), right.start()) is not None


def _cut_off(text: str) -> bool:
    """Whether the text ends mid-sentence ("... the conjugate of $1+2i$ is") or inside a display
    that its last paragraph opens."""
    last = text.rsplit("\n\n", 1)[-1]
    unclosed = last.count("$$") % 2 or last.count("\\[") > last.count("\\]")
    return bool(unclosed) or _CUT_OFF.search(text) is not None


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


# The finders modes are made of (public: a user composes a mode of their own from them, or from
# any function text -> answer or None; see rlvr.verifiers.extract.Extraction and docs/tasks.md).
FINDERS: dict[str, Finder] = {
    "announced": find_announced,
    "boxed": find_boxed_group,
    "last_boxed": last_boxed,
    "bare": find_bare,
    "bold": find_bold,
    "verdict": find_verdict,
    "final_statement": find_final_statement,
    "answer": find_given_answer,
    "minerva_final": find_minerva_final,
}
MODES: dict[str, Extraction] = {
    mode.name: mode
    for mode in [
        Extraction("boxed", (("boxed", FINDERS["last_boxed"]),)),
        Extraction(
            "lenient",
            tuple(
                (form, FINDERS[form]) for form in ("announced", "boxed", "bare", "bold", "verdict", "final_statement")
            ),
        ),
        Extraction("answer", (("answer", FINDERS["answer"]),)),
        Extraction("minerva", (("minerva_final", FINDERS["minerva_final"]),)),
    ]
}


def extraction_of(mode: str | Extraction) -> Extraction:
    """The Extraction a math `mode` option names or is (ValueError for an unknown name)."""
    return resolve_mode("math", mode, MODES)


def extract_answer(text: str, mode: str | Extraction) -> tuple[str | None, str | None]:
    """(answer, form it was found in) for the first form of `mode` present in `text`.

    >>> extract_answer("so the total is **8**.", "lenient")
    ('8', 'bold')
    """
    return extraction_of(mode).find(text)


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
        boxed = find_announced(ground_truth)  # a solution that announces its answer without a box
    return boxed if boxed is not None else ground_truth
