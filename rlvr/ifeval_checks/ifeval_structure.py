"""IFEval checks about the response's shape: length, paragraphs, bullets, sections, highlights,
JSON, titles, two responses, repeating the prompt, and how it starts and ends (Google's
instruction_following_eval semantics).

Kept quirks of the reference (they change scores, so they stay):
- detectable_format:number_bullet_lists counts every line starting with "-" (so a "---" rule
  is a bullet) and every line starting with "*" not followed by a second "*".
- detectable_format:number_highlighted_sections counts "*x*" and "**x**" separately, so one
  bold span counts twice (its inner "*x*" and the "**x**").
- detectable_format:json_format accepts what Python's json accepts (NaN, Infinity).
- length_constraints:number_paragraphs splits on "***" with at most one space around it; an
  empty paragraph in the middle fails the check.
"""

from __future__ import annotations

import json
import re

from rlvr.ifeval_checks import text as tx
from rlvr.ifeval_checks.base import BadKwargs, Check, Param, compare, integer, nonempty_text, relation
from rlvr.ifeval_checks.linear import count_marker_lines, title_spans


class NumberOfSentences(Check):
    """Punkt sentences number "less than" / "at least" `num_sentences`."""

    instruction_id = "length_constraints:number_sentences"
    params = {"num_sentences": Param(integer()), "relation": Param(relation)}

    def follows(self, response: str) -> bool:
        return compare(tx.count_sentences(response), self.relation, self.num_sentences)


def paragraph_count(paragraphs: list[str]) -> int | None:
    """How many paragraphs a split gives: blank ones at either end are not counted, and a blank
    one in the middle makes the count None (no number can match)."""
    count = len(paragraphs)
    for index, paragraph in enumerate(paragraphs):
        if not paragraph.strip():
            if index in (0, len(paragraphs) - 1):
                count -= 1
            else:
                return None
    return count


class NumberOfParagraphs(Check):
    """Exactly `num_paragraphs` paragraphs separated by the markdown divider ***."""

    instruction_id = "length_constraints:number_paragraphs"
    params = {"num_paragraphs": Param(integer())}

    def follows(self, response: str) -> bool:
        return paragraph_count(re.split(r"\s?\*\*\*\s?", response)) == self.num_paragraphs


class NumberOfWords(Check):
    r"""`\w+` words number "less than" / "at least" `num_words`."""

    instruction_id = "length_constraints:number_words"
    params = {"num_words": Param(integer()), "relation": Param(relation)}

    def follows(self, response: str) -> bool:
        return compare(tx.count_words(response), self.relation, self.num_words)


class NthParagraphFirstWord(Check):
    """Exactly `num_paragraphs` paragraphs separated by blank lines ("\\n\\n"), and paragraph
    `nth_paragraph` (1-based) starts with `first_word` (case-insensitive, leading quotes and
    trailing punctuation ignored)."""

    instruction_id = "length_constraints:nth_paragraph_first_word"
    params = {
        "num_paragraphs": Param(integer(minimum=1)),
        "nth_paragraph": Param(integer(minimum=1)),
        "first_word": Param(nonempty_text),
    }
    _STOP = frozenset(".,?!'\"")
    first_word: str

    def validate(self) -> None:
        if self.nth_paragraph > self.num_paragraphs:
            raise BadKwargs(f"{self.instruction_id}: nth_paragraph {self.nth_paragraph} > num_paragraphs")
        self.first_word = self.first_word.lower()

    def follows(self, response: str) -> bool:
        paragraphs = response.split("\n\n")
        count = sum(1 for paragraph in paragraphs if paragraph.strip())
        if self.nth_paragraph > count:
            return False
        paragraph = paragraphs[self.nth_paragraph - 1].strip()
        if not paragraph:
            return False
        word = paragraph.split()[0].strip().lstrip("'").lstrip('"')
        first = []
        for letter in word:
            if letter in self._STOP:
                break
            first.append(letter.lower())
        return count == self.num_paragraphs and "".join(first) == self.first_word


class BulletLists(Check):
    """Exactly `num_bullets` markdown bullet lines ("* ..." or "- ...")."""

    instruction_id = "detectable_format:number_bullet_lists"
    params = {"num_bullets": Param(integer())}

    def follows(self, response: str) -> bool:
        # The reference's findall of r"^\s*\*[^\*].*$" and r"^\s*-.*$" (MULTILINE), in linear time.
        return count_marker_lines(response, "*", "*") + count_marker_lines(response, "-") == self.num_bullets


class ConstrainedResponse(Check):
    """Contains "My answer is yes.", "My answer is no." or "My answer is maybe."."""

    instruction_id = "detectable_format:constrained_response"
    _OPTIONS = ("My answer is yes.", "My answer is no.", "My answer is maybe.")

    def follows(self, response: str) -> bool:
        stripped = response.strip()
        return any(option in stripped for option in self._OPTIONS)


class HighlightedSections(Check):
    """At least `num_highlights` non-empty markdown highlights *like this* (or **this**)."""

    instruction_id = "detectable_format:number_highlighted_sections"
    params = {"num_highlights": Param(integer())}
    _SINGLE = re.compile(r"\*[^\n\*]*\*")
    _DOUBLE = re.compile(r"\*\*[^\n\*]*\*\*")

    def follows(self, response: str) -> bool:
        count = sum(1 for h in self._SINGLE.findall(response) if h.strip("*").strip())
        count += sum(1 for h in self._DOUBLE.findall(response) if h[2:-2].strip())
        return count >= self.num_highlights


class MultipleSections(Check):
    """At least `num_sections` sections, each starting with "<section_spliter> <number>"."""

    instruction_id = "detectable_format:multiple_sections"
    params = {"section_spliter": Param(nonempty_text), "num_sections": Param(integer())}

    def validate(self) -> None:
        self._pattern = re.compile(r"\s?" + re.escape(self.section_spliter.strip()) + r"\s?\d+\s?")

    def follows(self, response: str) -> bool:
        return len(self._pattern.split(response)) - 1 >= self.num_sections


class JsonFormat(Check):
    """The whole response is JSON, optionally inside a ``` / ```json fence."""

    instruction_id = "detectable_format:json_format"

    def follows(self, response: str) -> bool:
        value = response.strip()
        # The reference removes the prefixes one after another, so "```json```" loses both.
        for prefix in ("```json", "```Json", "```JSON", "```"):
            value = value.removeprefix(prefix)
        value = value.removesuffix("```").strip()
        return parses_as_json(value)


MAX_JSON_DEPTH = 500  # Python's parser gives up near 1000 levels, at a depth that depends on the caller's stack


def parses_as_json(text: str) -> bool:
    """Whether `text` is JSON that Python's json reads, nested at most MAX_JSON_DEPTH levels.
    Deeper JSON does not count (a judged answer, the same in any process), where json.loads
    would raise RecursionError at a depth that depends on the stack it is called from.

    >>> parses_as_json('{"a": [1, 2]}'), parses_as_json("[" * 2000), parses_as_json("[" * 600 + "]" * 600)
    (True, False, False)
    """
    if _json_depth(text) > MAX_JSON_DEPTH:
        return False
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


def _json_depth(text: str) -> int:
    """The deepest nesting of [ and { outside JSON strings, by one linear scan."""
    if "[" not in text and "{" not in text:
        return 0
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


class Title(Check):
    """Contains a non-blank title in double angular brackets, <<like this>>, on one line."""

    instruction_id = "detectable_format:title"

    def follows(self, response: str) -> bool:
        # The reference's re.findall(r"<<[^\n]+>>"), in linear time.
        return any(title.lstrip("<").rstrip(">").strip() for title in title_spans(response))


class TwoResponses(Check):
    """Two different non-empty responses separated by ******."""

    instruction_id = "combination:two_responses"

    def follows(self, response: str) -> bool:
        parts = response.split("******")
        kept = []
        for index, part in enumerate(parts):
            if part.strip():
                kept.append(part)
            elif index not in (0, len(parts) - 1):
                return False
        return len(kept) == 2 and kept[0].strip() != kept[1].strip()


class RepeatPrompt(Check):
    """Starts with `prompt_to_repeat` (case-insensitive, surrounding whitespace ignored)."""

    instruction_id = "combination:repeat_prompt"
    params = {"prompt_to_repeat": Param(nonempty_text)}

    def follows(self, response: str) -> bool:
        return response.strip().lower().startswith(self.prompt_to_repeat.strip().lower())


class EndPhrase(Check):
    """Ends with `end_phrase` (case-insensitive; outer whitespace and double quotes ignored)."""

    instruction_id = "startend:end_checker"
    params = {"end_phrase": Param(nonempty_text)}

    def follows(self, response: str) -> bool:
        return response.strip().strip('"').lower().endswith(self.end_phrase.strip().lower())


class Quotation(Check):
    """The whole response is wrapped in double quotation marks."""

    instruction_id = "startend:quotation"

    def follows(self, response: str) -> bool:
        value = response.strip()
        return len(value) > 1 and value[0] == '"' and value[-1] == '"'


CHECKS = (
    NumberOfSentences,
    NumberOfParagraphs,
    NumberOfWords,
    NthParagraphFirstWord,
    BulletLists,
    ConstrainedResponse,
    HighlightedSections,
    MultipleSections,
    JsonFormat,
    Title,
    TwoResponses,
    RepeatPrompt,
    EndPhrase,
    Quotation,
)
