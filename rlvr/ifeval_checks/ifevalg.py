"""The 29 instruction ids that exist only in open-instruct's IFEvalG training set
(open_instruct/IFEvalG/instructions.py): copying, first/last words, bigrams, letter and word
counts, paragraphs and punctuation. Only the task "if_multi" accepts them.

Sentences here are Google's rule-based splitter (`text.rule_sentences`), as IFEvalG uses it;
word tokens are NLTK's `word_tokenize`, as there.

Kept quirks of the reference (they change scores, so they stay):
- copy:repeat_phrase finds "<first word> ... <last word>" spans (non-greedy, on one line); every
  span must have the phrase's word count and at most one changed word, but only the last span
  must have exactly one.
- new:copy_span_idx slices prompt_to_repeat[n_start:n_end], n_end excluded (the instruction
  text says "including").
- detectable_format:sentence_hyphens compares the "-"-separated pieces with the sentences of
  the text with hyphens made spaces, pairwise up to the shorter list.
- keywords:no_adjacent_consecutive compares the first characters of whitespace tokens, letters
  or not ("1 2" fails).
- detectable_format:bigram_wrapping checks tokens pairwise (0-1, 2-3, ...); an odd last token
  is not checked.
- keywords:exclude_word_harder only rejects the keyword with a space on both sides (case-sensitive).
- keywords:keyword_specific_position compares the NLTK token case-sensitively.
- keywords:palindrome: any whitespace token equal to its reverse counts, one letter ("a") too.
- count:counting_composition splits paragraphs on "***" (the instruction says "* * *"), counts
  punctuation tokens as words, and fails on a blank paragraph at either end too.
- count:count_unique compares NLTK tokens, punctuation included, case-sensitively.
Fixed bugs:
- keywords:word_once, keywords:word_count_different_numbers, count:count_increment_word and
  copy:repeat_phrase used their keywords as regexes; here they match literally.
- Arguments the reference treats as "missing" when falsy (n_start=0, N=0) draw random values
  there; here 0 is taken as given, and truly missing ones are a bad ground truth.
"""

from __future__ import annotations

import re
from typing import Any

from rlvr.ifeval_checks import text as tx
from rlvr.ifeval_checks.base import BadKwargs, Check, Param, compare, integer, nonempty_text, relation, text
from rlvr.ifeval_checks.ifeval_content import KeywordFrequency, LetterFrequency
from rlvr.ifeval_checks.ifeval_structure import paragraph_count
from rlvr.ifeval_checks.linear import lazy_spans

NOT_WORD = re.compile(r"[^\w\s]")


def first_text(value: Any) -> str:
    """A non-empty string, or the first of a list of them (IFEvalG accepts both)."""
    if isinstance(value, (list, tuple)) and value:
        value = value[0]
    return nonempty_text(value).strip()


def count_literal(keyword: str, response: str) -> int:
    """Case-insensitive, non-overlapping occurrences of `keyword` as a substring."""
    return len(re.findall(re.escape(keyword), response, flags=re.IGNORECASE))


class RepeatPhrase(Check):
    """`small_n` spans from the phrase's first to its last word, each the phrase with at most
    one word changed (the last span exactly one)."""

    instruction_id = "copy:repeat_phrase"
    params = {"phrase": Param(nonempty_text), "small_n": Param(integer(minimum=1))}

    def validate(self) -> None:
        self._words = self.phrase.split()

    def follows(self, response: str) -> bool:
        # The reference's re.findall(first + " .*? " + last), in linear time.
        spans = lazy_spans(response, self._words[0] + " ", " " + self._words[-1])
        if len(spans) != self.small_n:
            return False
        changed = 0
        for span in spans:
            words = span.split()
            if len(words) != len(self._words):
                return False
            changed = sum(1 for mine, theirs in zip(words, self._words) if mine != theirs)
            if changed > 1:
                return False
        return changed == 1


class Copy(Check):
    """Exactly `prompt_to_repeat` (any case, outer whitespace ignored)."""

    instruction_id = "copy:copy"
    params = {"prompt_to_repeat": Param(nonempty_text)}

    def follows(self, response: str) -> bool:
        return response.strip().lower() == self.prompt_to_repeat.strip().lower()


class CopyingSimple(Copy):
    """Exactly `prompt_to_repeat` (any case, outer whitespace ignored)."""

    instruction_id = "copy:copying_simple"


class CopyingMultiple(Check):
    """`N` copies of `prompt_to_repeat` separated by ******, nothing else (any case)."""

    instruction_id = "copy:copying_multiple"
    params = {"prompt_to_repeat": Param(nonempty_text), "N": Param(integer(minimum=1))}

    def follows(self, response: str) -> bool:
        copies = response.split("******")
        prompt = self.prompt_to_repeat.strip().lower()
        return len(copies) == self.N and all(copy.strip().lower() == prompt for copy in copies)


class CopySpanIdx(Check):
    """Exactly prompt_to_repeat[n_start:n_end] (n_end excluded; any case, outer whitespace ignored)."""

    instruction_id = "new:copy_span_idx"
    params = {
        "prompt_to_repeat": Param(nonempty_text),
        "n_start": Param(integer()),
        "n_end": Param(integer()),
    }

    def validate(self) -> None:
        if self.n_end <= self.n_start:
            raise BadKwargs(f"{self.instruction_id}: n_end {self.n_end} <= n_start {self.n_start}")
        self._span = self.prompt_to_repeat[self.n_start : self.n_end].strip().lower()

    def follows(self, response: str) -> bool:
        return response.strip().lower() == self._span


class SentenceHyphens(Check):
    """Sentences joined by "-" with no spaces around them."""

    instruction_id = "detectable_format:sentence_hyphens"

    def follows(self, response: str) -> bool:
        sentences = tx.rule_sentences(response.replace("-", " "))
        return all(piece == piece.strip() == sentence for piece, sentence in zip(response.split("-"), sentences))


class NoAdjacentConsecutive(Check):
    """No two adjacent whitespace tokens start with consecutive characters ("a" then "b")."""

    instruction_id = "keywords:no_adjacent_consecutive"

    def follows(self, response: str) -> bool:
        firsts = [word[0].lower() for word in response.split()]
        for first, second in zip(firsts, firsts[1:]):
            if len(first) != 1 or len(second) != 1 or ord(second) - ord(first) == 1:
                return False
        return True


class SquareBrackets(Check):
    """Every whitespace token starts with "[" and ends with "]"."""

    instruction_id = "detectable_format:square_brackets"

    def follows(self, response: str) -> bool:
        return all(word.startswith("[") and word.endswith("]") for word in response.split())


class WordOnce(Check):
    """`keyword` occurs exactly once (case-insensitive substring)."""

    instruction_id = "keywords:word_once"
    params = {"keyword": Param(nonempty_text)}

    def follows(self, response: str) -> bool:
        return count_literal(self.keyword.strip(), response) == 1


class WordCountDifferentNumbers(KeywordFrequency):
    """The keyword appears "less than" / "at least" `frequency` times (keywords:frequency's rule)."""

    instruction_id = "keywords:word_count_different_numbers"


class ExcludeWordHarder(Check):
    """`keyword` never occurs with a space on both sides (case-sensitive). `instruction`, from
    which the reference draws a random keyword when none is given, is accepted and unused."""

    instruction_id = "keywords:exclude_word_harder"
    params = {"keyword": Param(nonempty_text), "instruction": Param(text, required=False)}

    def follows(self, response: str) -> bool:
        return f" {self.keyword.strip()} " not in response


class TwoParagraphsDivider(Check):
    """Exactly 2 paragraphs separated by the markdown divider *** (as length_constraints:number_paragraphs)."""

    instruction_id = "paragraphs:paragraphs"

    def follows(self, response: str) -> bool:
        return paragraph_count(re.split(r"\s?\*\*\*\s?", response)) == 2


class TwoParagraphsBlankLine(Check):
    """Exactly 2 paragraphs separated by a blank line ("\\n\\n"); a blank paragraph in the middle fails."""

    instruction_id = "paragraphs:paragraphs2"

    def follows(self, response: str) -> bool:
        return paragraph_count(response.split("\n\n")) == 2


class FirstWordSentence(Check):
    """Every sentence's first whitespace token is `first_word` (any case)."""

    instruction_id = "first_word:first_word_sent"
    params = {"first_word": Param(first_text)}

    def follows(self, response: str) -> bool:
        word = self.first_word.lower()
        return all(s.strip() and s.split()[0].lower() == word for s in tx.rule_sentences(response))


class FirstWordAnswer(Check):
    """The response's first whitespace token is `first_word` (any case)."""

    instruction_id = "first_word:first_word_answer"
    params = {"first_word": Param(nonempty_text)}

    def follows(self, response: str) -> bool:
        words = response.split()
        return bool(words) and words[0].lower() == self.first_word.strip().lower()


def _last_word(value: str) -> str:
    return NOT_WORD.sub("", value.split()[-1]).lower()


class LastWordSentence(Check):
    """Every sentence's last whitespace token, punctuation removed, is `last_word` (any case)."""

    instruction_id = "last_word:last_word_sent"
    params = {"last_word": Param(first_text)}

    def follows(self, response: str) -> bool:
        word = self.last_word.lower()
        return all(s.strip() and _last_word(s) == word for s in tx.rule_sentences(response))


class LastWordAnswer(Check):
    """The response's last whitespace token, punctuation removed, is `last_word` (any case)."""

    instruction_id = "last_word:last_word_answer"
    params = {"last_word": Param(nonempty_text)}

    def follows(self, response: str) -> bool:
        return bool(response.split()) and _last_word(response) == self.last_word.strip().lower()


class BigramWrapping(Check):
    """Whitespace tokens in pairs, each pair wrapped in << >>: <<I am>> <<at home>>."""

    instruction_id = "detectable_format:bigram_wrapping"

    def follows(self, response: str) -> bool:
        words = response.split()
        return all(words[i].startswith("<<") and words[i + 1].endswith(">>") for i in range(0, len(words) - 1, 2))


class NoDot(Check):
    """No "." anywhere."""

    instruction_id = "punctuation:punctuation_dot"

    def follows(self, response: str) -> bool:
        return "." not in response


class NoExclamation(Check):
    """No "!" anywhere."""

    instruction_id = "punctuation:punctuation_exclamation"

    def follows(self, response: str) -> bool:
        return "!" not in response


class LowercaseCounting(Check):
    r"""At most `N` all-lowercase ASCII words (`\b[a-z]+\b`)."""

    instruction_id = "count:lowercase_counting"
    params = {"N": Param(integer())}
    _WORD = re.compile(r"\b[a-z]+\b")

    def follows(self, response: str) -> bool:
        return len(self._WORD.findall(response)) <= self.N


class LetterCounting(Check):
    """ASCII letters number "less than" / "at least" `N`."""

    instruction_id = "letters:letter_counting"
    params = {"N": Param(integer()), "relation": Param(relation)}
    _LETTER = re.compile(r"[a-zA-Z]")

    def follows(self, response: str) -> bool:
        return compare(len(self._LETTER.findall(response)), self.relation, self.N)


class LetterCounting2(LetterFrequency):
    """The letter appears "less than" / "at least" `let_frequency` times (keywords:letter_frequency's rule)."""

    instruction_id = "letters:letter_counting2"


class CountingComposition(Check):
    """3 paragraphs split by ***, each of `n_sent` sentences of `n_words` NLTK tokens each."""

    instruction_id = "count:counting_composition"
    params = {"n_sent": Param(integer(minimum=1)), "n_words": Param(integer(minimum=1))}

    def follows(self, response: str) -> bool:
        paragraphs = re.split(r"\s?\*\*\*\s?", response)
        for paragraph in paragraphs:
            sentences = tx.rule_sentences(paragraph)
            if len(sentences) != self.n_sent:
                return False
            if any(len(tx.word_tokens(sentence)) != self.n_words for sentence in sentences):
                return False
        return paragraph_count(paragraphs) == 3


class CountUnique(Check):
    """No NLTK token occurs twice (case-sensitive; punctuation tokens count)."""

    instruction_id = "count:count_unique"

    def follows(self, response: str) -> bool:
        tokens = tx.word_tokens(response)
        return len(tokens) == len(set(tokens))


class CountIncrementWord(Check):
    """`keyword1` exactly once and `keyword2` exactly twice (case-insensitive substrings)."""

    instruction_id = "count:count_increment_word"
    params = {"keyword1": Param(nonempty_text), "keyword2": Param(nonempty_text)}

    def follows(self, response: str) -> bool:
        return (
            count_literal(self.keyword1.strip(), response) == 1 and count_literal(self.keyword2.strip(), response) == 2
        )


class Palindrome(Check):
    """Some whitespace token reads the same backwards (case-sensitive)."""

    instruction_id = "keywords:palindrome"

    def follows(self, response: str) -> bool:
        return any(word == word[::-1] for word in response.split())


class KeywordPosition(Check):
    """Token `m` of sentence `n` (1-based; NLTK tokens, punctuation included) is `keyword`, case-sensitive."""

    instruction_id = "keywords:keyword_specific_position"
    params = {"keyword": Param(first_text), "n": Param(integer(minimum=1)), "m": Param(integer(minimum=1))}

    def follows(self, response: str) -> bool:
        sentences = tx.rule_sentences(response)
        if len(sentences) < self.n:
            return False
        tokens = tx.word_tokens(sentences[self.n - 1])
        return len(tokens) >= self.m and tokens[self.m - 1] == self.keyword


class StartEnd(Check):
    """The first and last NLTK tokens are the same word (any case), so nothing may follow the last word."""

    instruction_id = "keywords:start_end"

    def follows(self, response: str) -> bool:
        tokens = tx.word_tokens(response)
        return len(tokens) >= 2 and tokens[0].lower() == tokens[-1].lower()


CHECKS = (
    RepeatPhrase,
    Copy,
    CopySpanIdx,
    SentenceHyphens,
    NoAdjacentConsecutive,
    SquareBrackets,
    WordOnce,
    WordCountDifferentNumbers,
    ExcludeWordHarder,
    TwoParagraphsDivider,
    TwoParagraphsBlankLine,
    FirstWordSentence,
    FirstWordAnswer,
    LastWordSentence,
    LastWordAnswer,
    BigramWrapping,
    CopyingSimple,
    CopyingMultiple,
    NoDot,
    NoExclamation,
    LowercaseCounting,
    LetterCounting,
    LetterCounting2,
    CountingComposition,
    CountUnique,
    CountIncrementWord,
    Palindrome,
    KeywordPosition,
    StartEnd,
)
