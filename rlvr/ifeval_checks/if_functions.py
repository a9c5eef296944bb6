"""open-instruct's older "func_name" ground truths (allenai/RLVR-IFeval): one check per function
of open_instruct/if_functions.py, keyed by the function's name, taking its keyword arguments.

    {"func_name": "validate_word_constraint", "N": 100, "quantifier": "at least", "word": null}

These are simpler rules than IFEval's checks of the same idea (substring keywords, whitespace
words, exact case), so most are checks of their own; validate_no_commas and
validate_placeholders are the IFEval checks punctuation:no_comma and
detectable_content:number_placeholders, whose rules are the same.

Kept quirks of the reference:
- verify_keyword_frequency counts `\\b\\w+\\b` words equal to `word` (any case), exactly N.
- verify_letter_frequency counts the character case-sensitively, exactly N.
- validate_paragraphs wants exactly N "\\n\\n"-separated parts, and part i to start with
  `first_word` as a prefix, case-sensitively ("The" passes "Then").
- verify_postscript passes when the marker occurs anywhere and something follows it.
- validate_title accepts an empty <<>>; validate_highlighted_sections counts empty ** too.
- validate_uppercase / validate_lowercase only compare the text with its upper / lower case
  (a text without letters passes); no language check.
- validate_choice passes when any option occurs as a substring.
Fixed bugs:
- validate_response_language: langdetect unseeded in the reference (random answers); seeded here.
  Text with no language features raised there; here it does not follow the instruction.
- A ground truth with only a func_name was checked on the raw prediction (reasoning included);
  here, like every other, on the answer after "</think>".
- validate_choice with `options` given as one string tested its characters; here a string
  must be a Python / JSON list of options, else the ground truth is bad.
- An unknown quantifier made the reference answer False; here it is a bad ground truth.
"""

from __future__ import annotations

import ast
import re
from typing import Any

from rlvr.ifeval_checks import text as tx
from rlvr.ifeval_checks.base import BadKwargs, Check, Param, integer, nonempty_text, text, text_list
from rlvr.ifeval_checks.ifeval_content import NoComma, Placeholders
from rlvr.ifeval_checks.ifeval_structure import parses_as_json
from rlvr.ifeval_checks.linear import lazy_spans

QUANTIFIERS = ("at least", "around", "at most")


def quantifier(value: Any) -> str:
    """ "at least", "around" or "at most"."""
    if value not in QUANTIFIERS:
        raise BadKwargs(f"quantifier must be one of {QUANTIFIERS}, got {value!r}")
    return value


def within(count: int, quantifier_word: str, target: int, tolerance: int) -> bool:
    """at least: count >= target; at most: count <= target; around: |count - target| <= tolerance."""
    if quantifier_word == "at least":
        return count >= target
    if quantifier_word == "at most":
        return count <= target
    return abs(count - target) <= tolerance


def ten_percent(target: int) -> int:
    """The "around" tolerance of word counts: 10% of the target (Python's round), at least 1."""
    return max(round(target * 0.1), 1)


def option_list(value: Any) -> tuple[str, ...]:
    """A non-empty list of strings, or a string holding one as a Python or JSON literal."""
    if isinstance(value, str):
        try:
            value = ast.literal_eval(value.strip())
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            raise BadKwargs(f"options must be a list of strings, got the string {value!r:.100}") from None
    return text_list(value)


class VerifyKeywords(Check):
    """Every keyword occurs (case-insensitive substring)."""

    instruction_id = "verify_keywords"
    params = {"keyword_list": Param(text_list)}

    def follows(self, response: str) -> bool:
        lowered = response.lower()
        return all(keyword.lower() in lowered for keyword in self.keyword_list)


class VerifyKeywordFrequency(Check):
    r"""Exactly `N` `\b\w+\b` words equal to `word` (any case)."""

    instruction_id = "verify_keyword_frequency"
    params = {"word": Param(nonempty_text), "N": Param(integer())}
    _WORD = re.compile(r"\b\w+\b")

    def follows(self, response: str) -> bool:
        word = self.word.lower()
        return sum(1 for found in self._WORD.findall(response.lower()) if found == word) == self.N


class ValidateForbiddenWords(Check):
    """None of the words occurs (case-insensitive substring)."""

    instruction_id = "validate_forbidden_words"
    params = {"forbidden_words": Param(text_list)}

    def follows(self, response: str) -> bool:
        lowered = response.lower()
        return not any(word.lower() in lowered for word in self.forbidden_words)


class VerifyLetterFrequency(Check):
    """The character `letter` occurs exactly `N` times (case-sensitive)."""

    instruction_id = "verify_letter_frequency"
    params = {"letter": Param(text), "N": Param(integer())}

    def validate(self) -> None:
        if len(self.letter) != 1:
            raise BadKwargs(f"{self.instruction_id}: letter must be one character, got {self.letter!r}")

    def follows(self, response: str) -> bool:
        return response.count(self.letter) == self.N


class ValidateResponseLanguage(Check):
    """langdetect (seeded) names `language`; text with no language features does not follow."""

    instruction_id = "validate_response_language"
    params = {"language": Param(nonempty_text)}

    def follows(self, response: str) -> bool:
        return tx.detect_language(response) == self.language


class VerifyParagraphCount(Check):
    """Exactly `N` non-blank paragraphs separated by "* * *" (lines stripped first)."""

    instruction_id = "verify_paragraph_count"
    params = {"N": Param(integer())}

    def follows(self, response: str) -> bool:
        cleaned = "\n".join(line.strip() for line in response.splitlines()).strip()
        paragraphs = cleaned.split("* * *")
        return all(p.strip() for p in paragraphs) and len(paragraphs) == self.N


class ValidateWordConstraint(Check):
    """Whitespace words number at least / at most / around (within 10%, at least 1) `N`."""

    instruction_id = "validate_word_constraint"
    params = {"N": Param(integer()), "quantifier": Param(quantifier)}

    def follows(self, response: str) -> bool:
        return within(len(response.split()), self.quantifier, self.N, ten_percent(self.N))


class VerifySentenceConstraint(Check):
    """Sentences (split after . ? ! and a space) number at least / at most / around (within 1) `N`."""

    instruction_id = "verify_sentence_constraint"
    params = {"N": Param(integer()), "quantifier": Param(quantifier)}
    _BOUNDARY = re.compile(r"(?<!\w\.\w.)(?<![A-Z][a-z]\.)(?<=\.|\?|!)\s")

    def follows(self, response: str) -> bool:
        return within(len(self._BOUNDARY.split(response)), self.quantifier, self.N, 1)


class ValidateParagraphs(Check):
    """Exactly `N` parts split by "\\n\\n", and part `i` (1-based) starts with `first_word`
    (case-sensitive prefix)."""

    instruction_id = "validate_paragraphs"
    params = {"N": Param(integer(minimum=1)), "first_word": Param(nonempty_text), "i": Param(integer(minimum=1))}

    def validate(self) -> None:
        if self.i > self.N:
            raise BadKwargs(f"{self.instruction_id}: i {self.i} > N {self.N}")

    def follows(self, response: str) -> bool:
        paragraphs = response.split("\n\n")
        return len(paragraphs) == self.N and paragraphs[self.i - 1].strip().startswith(self.first_word)


class VerifyPostscript(Check):
    """The marker occurs, and something other than whitespace follows its first occurrence."""

    instruction_id = "verify_postscript"
    params = {"postscript_marker": Param(nonempty_text)}

    def follows(self, response: str) -> bool:
        at = response.find(self.postscript_marker)
        return at >= 0 and len(response[at:].strip()) > len(self.postscript_marker)


class ValidatePlaceholders(Placeholders):
    """At least `N` square-bracket spans (detectable_content:number_placeholders's rule)."""

    instruction_id = "validate_placeholders"
    params = {"N": Param(integer())}

    def validate(self) -> None:
        self.num_placeholders = self.N


class VerifyBulletPoints(Check):
    """Exactly `N` lines that start with "*" or "-" (after leading spaces)."""

    instruction_id = "verify_bullet_points"
    params = {"N": Param(integer())}

    def follows(self, response: str) -> bool:
        return sum(1 for line in response.split("\n") if line.strip().startswith(("*", "-"))) == self.N


class ValidateTitle(Check):
    """Contains << >> on one line (an empty title counts)."""

    instruction_id = "validate_title"

    def follows(self, response: str) -> bool:
        # The reference's re.search(r"<<(.*?)>>"), in linear time.
        return bool(lazy_spans(response, "<<", ">>"))


class ValidateChoice(Check):
    """One of `options` occurs (substring)."""

    instruction_id = "validate_choice"
    params = {"options": Param(option_list)}

    def follows(self, response: str) -> bool:
        return any(option in response for option in self.options)


class ValidateHighlightedSections(Check):
    """At least `N` spans *between asterisks* on one line (empty ones count)."""

    instruction_id = "validate_highlighted_sections"
    params = {"N": Param(integer())}
    _SPAN = re.compile(r"\*(.*?)\*")

    def follows(self, response: str) -> bool:
        return len(self._SPAN.findall(response)) >= self.N


class ValidateSections(Check):
    """At least `N` section headers "<section_splitter> <number>" (any case)."""

    instruction_id = "validate_sections"
    params = {"N": Param(integer()), "section_splitter": Param(nonempty_text)}

    def validate(self) -> None:
        self._pattern = re.compile(r"\s?" + re.escape(self.section_splitter) + r"\s?\d+\s?", flags=re.IGNORECASE)

    def follows(self, response: str) -> bool:
        return len(self._pattern.split(response)) - 1 >= self.N


class ValidateJsonFormat(Check):
    """The whole response is JSON (no code fence allowed)."""

    instruction_id = "validate_json_format"

    def follows(self, response: str) -> bool:
        return parses_as_json(response)


class ValidateRepeatPrompt(Check):
    """Starts with `original_prompt` exactly (case-sensitive)."""

    instruction_id = "validate_repeat_prompt"
    params = {"original_prompt": Param(nonempty_text)}

    def follows(self, response: str) -> bool:
        return response.startswith(self.original_prompt)


class ValidateTwoResponses(Check):
    """Exactly one ****** and two different (stripped) responses around it."""

    instruction_id = "validate_two_responses"

    def follows(self, response: str) -> bool:
        if response.count("******") != 1:
            return False
        first, second = response.split("******")
        return first.strip() != second.strip()


class ValidateUppercase(Check):
    """The response equals its upper-case form."""

    instruction_id = "validate_uppercase"

    def follows(self, response: str) -> bool:
        return response == response.upper()


class ValidateLowercase(Check):
    """The response equals its lower-case form."""

    instruction_id = "validate_lowercase"

    def follows(self, response: str) -> bool:
        return response == response.lower()


class ValidateFrequencyCapitalWords(Check):
    r"""`\b[A-Z]+\b` words number at least / at most / around (within 10%, at least 1) `N`."""

    instruction_id = "validate_frequency_capital_words"
    params = {"N": Param(integer()), "quantifier": Param(quantifier)}
    _CAPITALS = re.compile(r"\b[A-Z]+\b")

    def follows(self, response: str) -> bool:
        return within(len(self._CAPITALS.findall(response)), self.quantifier, self.N, ten_percent(self.N))


class ValidateEnd(Check):
    """Ends with `end_phrase` exactly (case-sensitive)."""

    instruction_id = "validate_end"
    params = {"end_phrase": Param(nonempty_text)}

    def follows(self, response: str) -> bool:
        return response.endswith(self.end_phrase)


class ValidateQuotation(Check):
    """Starts and ends with a double quote (a lone '"' too)."""

    instruction_id = "validate_quotation"

    def follows(self, response: str) -> bool:
        return response.startswith('"') and response.endswith('"')


class ValidateNoCommas(NoComma):
    """No comma anywhere (punctuation:no_comma's rule)."""

    instruction_id = "validate_no_commas"


CHECKS = (
    VerifyKeywords,
    VerifyKeywordFrequency,
    ValidateForbiddenWords,
    VerifyLetterFrequency,
    ValidateResponseLanguage,
    VerifyParagraphCount,
    ValidateWordConstraint,
    VerifySentenceConstraint,
    ValidateParagraphs,
    VerifyPostscript,
    ValidatePlaceholders,
    VerifyBulletPoints,
    ValidateTitle,
    ValidateChoice,
    ValidateHighlightedSections,
    ValidateSections,
    ValidateJsonFormat,
    ValidateRepeatPrompt,
    ValidateTwoResponses,
    ValidateUppercase,
    ValidateLowercase,
    ValidateFrequencyCapitalWords,
    ValidateEnd,
    ValidateQuotation,
    ValidateNoCommas,
)
