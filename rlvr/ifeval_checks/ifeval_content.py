"""IFEval checks about what the response contains: keywords, letters, language, case, commas,
placeholders and postscripts (Google's instruction_following_eval semantics).

Kept quirks of the reference (they change scores, so they stay):
- keywords:existence and keywords:frequency match substrings, case-insensitively: the keyword
  "cat" is found in "category".
- language:response_language, change_case:english_capital and change_case:english_lowercase
  pass when langdetect finds no language features at all (a response of digits or punctuation).
Fixed bugs (documented in README "IFEval checks"):
- keywords:*, detectable_format:multiple_sections: keywords were regexes in the reference
  ("C++" raised, "$5" never matched); here they match literally.
- keywords:letter_frequency: a `letter` that is not an ASCII letter (the data has "!" and "#")
  was replaced by a random letter in the reference; here that character is counted.
"""

from __future__ import annotations

import re
from collections import Counter

from rlvr.ifeval_checks import text as tx
from rlvr.ifeval_checks.base import BadKwargs, Check, Param, compare, integer, nonempty_text, relation, text_list
from rlvr.ifeval_checks.linear import lazy_spans


class KeywordExistence(Check):
    """Every keyword appears (case-insensitive substring)."""

    instruction_id = "keywords:existence"
    params = {"keywords": Param(text_list)}

    def follows(self, response: str) -> bool:
        return all(re.search(re.escape(k), response, flags=re.IGNORECASE) for k in self.keywords)


class KeywordFrequency(Check):
    """The keyword appears "less than" / "at least" `frequency` times (case-insensitive substring)."""

    instruction_id = "keywords:frequency"
    params = {"keyword": Param(nonempty_text), "frequency": Param(integer()), "relation": Param(relation)}

    def follows(self, response: str) -> bool:
        count = len(re.findall(re.escape(self.keyword.strip()), response, flags=re.IGNORECASE))
        return compare(count, self.relation, self.frequency)


class ForbiddenWords(Check):
    """None of the words appears as a whole word (case-insensitive)."""

    instruction_id = "keywords:forbidden_words"
    params = {"forbidden_words": Param(text_list)}

    def follows(self, response: str) -> bool:
        return not any(
            re.search(r"\b" + re.escape(word) + r"\b", response, flags=re.IGNORECASE) for word in self.forbidden_words
        )


class LetterFrequency(Check):
    """The letter (case-insensitive) appears "less than" / "at least" `let_frequency` times."""

    instruction_id = "keywords:letter_frequency"
    params = {"letter": Param(nonempty_text), "let_frequency": Param(integer()), "let_relation": Param(relation)}
    letter: str

    def validate(self) -> None:
        self.letter = self.letter.strip().lower()
        if len(self.letter) != 1:
            raise BadKwargs(f"{self.instruction_id}: letter must be one character, got {self.letter!r}")

    def follows(self, response: str) -> bool:
        return compare(Counter(response.lower())[self.letter], self.let_relation, self.let_frequency)


class ResponseLanguage(Check):
    """langdetect names `language` (an ISO 639-1 code); passes when no language is detectable."""

    instruction_id = "language:response_language"
    params = {"language": Param(nonempty_text)}

    def follows(self, response: str) -> bool:
        detected = tx.detect_language(response)
        return detected is None or detected == self.language


class EnglishCapital(Check):
    """All cased characters are upper case, and the text is English (or undetectable)."""

    instruction_id = "change_case:english_capital"

    def follows(self, response: str) -> bool:
        return response.isupper() and tx.detect_language(response) in ("en", None)


class EnglishLowercase(Check):
    """All cased characters are lower case, and the text is English (or undetectable)."""

    instruction_id = "change_case:english_lowercase"

    def follows(self, response: str) -> bool:
        return response.islower() and tx.detect_language(response) in ("en", None)


class CapitalWordFrequency(Check):
    """NLTK word tokens in all capitals number "less than" / "at least" `capital_frequency`."""

    instruction_id = "change_case:capital_word_frequency"
    params = {"capital_frequency": Param(integer()), "capital_relation": Param(relation)}

    def follows(self, response: str) -> bool:
        capitals = sum(1 for word in tx.word_tokens(response) if word.isupper())
        return compare(capitals, self.capital_relation, self.capital_frequency)


class NoComma(Check):
    """No comma anywhere."""

    instruction_id = "punctuation:no_comma"

    def follows(self, response: str) -> bool:
        return "," not in response


class Placeholders(Check):
    """At least `num_placeholders` square-bracket spans such as [address]."""

    instruction_id = "detectable_content:number_placeholders"
    params = {"num_placeholders": Param(integer())}

    def follows(self, response: str) -> bool:
        # The reference's re.findall(r"\[.*?\]"), in linear time.
        return len(lazy_spans(response, "[", "]")) >= self.num_placeholders


class Postscript(Check):
    """A line (after optional spaces) starts with the marker: "P.S." also accepts "p. s.",
    "P.P.S" also "p. p. s"; case-insensitive."""

    instruction_id = "detectable_content:postscript"
    params = {"postscript_marker": Param(nonempty_text)}

    def validate(self) -> None:
        marker = self.postscript_marker.strip()
        if marker == "P.P.S":
            self._pattern = re.compile(r"\s*p\.\s?p\.\s?s.*$", flags=re.MULTILINE)
        elif marker == "P.S.":
            self._pattern = re.compile(r"\s*p\.\s?s\..*$", flags=re.MULTILINE)
        else:
            self._pattern = re.compile(r"\s*" + re.escape(marker.lower()) + r".*$", flags=re.MULTILINE)

    def follows(self, response: str) -> bool:
        return self._pattern.search(response.lower()) is not None


CHECKS = (
    KeywordExistence,
    KeywordFrequency,
    ForbiddenWords,
    LetterFrequency,
    ResponseLanguage,
    EnglishCapital,
    EnglishLowercase,
    CapitalWordFrequency,
    NoComma,
    Placeholders,
    Postscript,
)
