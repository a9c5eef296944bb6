"""IFBench "count:*" checks (allenai/IFBench semantics): words, unique words, conjunctions,
person names, numbers, punctuation, Japanese words, pronouns, keyword multiplicities.

Kept quirks of the reference:
- count:unique_word_count strips punctuation from each whitespace token, so all-punctuation
  tokens ("-", "...") together count as one extra unique "word" (the empty string).
- count:conjunctions counts distinct surface forms: "and" and "And," are two conjunctions.
- count:numbers deletes punctuation first, so "3.14" and "1,000" are one number each.
- count:keywords_multiple counts substrings: "cat" is found in "category".
"""

from __future__ import annotations

import re
import string

from rlvr.ifeval_checks import text as tx
from rlvr.ifeval_checks.base import BadKwargs, Check, Param, integer, nonempty_text

STRIP = string.punctuation + " "
NO_PUNCTUATION = str.maketrans("", "", string.punctuation)


class WordCountRange(Check):
    r"""Between `min_words` and `max_words` `\w+` words, inclusive."""

    instruction_id = "count:word_count_range"
    params = {"min_words": Param(integer()), "max_words": Param(integer())}

    def validate(self) -> None:
        if self.min_words > self.max_words:
            raise BadKwargs(f"{self.instruction_id}: min_words {self.min_words} > max_words {self.max_words}")

    def follows(self, response: str) -> bool:
        return self.min_words <= tx.count_words(response) <= self.max_words


class UniqueWordCount(Check):
    """At least `N` distinct lower-cased whitespace tokens (punctuation stripped from their ends)."""

    instruction_id = "count:unique_word_count"
    params = {"N": Param(integer())}

    def follows(self, response: str) -> bool:
        return len({word.strip(STRIP) for word in response.lower().split()}) >= self.N


class Conjunctions(Check):
    """At least `small_n` different coordinating conjunctions (and, but, for, nor, or, so, yet)."""

    instruction_id = "count:conjunctions"
    params = {"small_n": Param(integer())}
    _CONJUNCTIONS = frozenset({"and", "but", "for", "nor", "or", "so", "yet"})

    def follows(self, response: str) -> bool:
        found = {word for word in response.split() if word.strip(STRIP).lower() in self._CONJUNCTIONS}
        return len(found) >= self.small_n


PERSON_NAMES = (
    "Emma",
    "Liam",
    "Sophia",
    "Jackson",
    "Olivia",
    "Noah",
    "Ava",
    "Lucas",
    "Isabella",
    "Mason",
    "Mia",
    "Ethan",
    "Charlotte",
    "Alexander",
    "Amelia",
    "Benjamin",
    "Harper",
    "Leo",
    "Zoe",
    "Daniel",
    "Chloe",
    "Samuel",
    "Lily",
    "Matthew",
    "Grace",
    "Owen",
    "Abigail",
    "Gabriel",
    "Ella",
    "Jacob",
    "Scarlett",
    "Nathan",
    "Victoria",
    "Elijah",
    "Layla",
    "Nicholas",
    "Audrey",
    "David",
    "Hannah",
    "Christopher",
    "Penelope",
    "Thomas",
    "Nora",
    "Andrew",
    "Aria",
    "Joseph",
    "Claire",
    "Ryan",
    "Stella",
    "Jonathan",
)
_NAME_PATTERNS = tuple(re.compile(r"\b" + name + r"\b") for name in PERSON_NAMES)


class PersonNames(Check):
    """At least `N` different names from IFBench's fixed list of 50, as whole, case-sensitive words."""

    instruction_id = "count:person_names"
    params = {"N": Param(integer())}

    def follows(self, response: str) -> bool:
        return sum(1 for pattern in _NAME_PATTERNS if pattern.search(response)) >= self.N


class NumbersCount(Check):
    """Exactly `N` digit runs once punctuation is deleted."""

    instruction_id = "count:numbers"
    params = {"N": Param(integer())}

    def follows(self, response: str) -> bool:
        return len(re.findall(r"\d+", response.translate(NO_PUNCTUATION))) == self.N


class PunctuationCover(Check):
    """Uses . , ! ? ; : and an interrobang ("?!", "!?" or "‽"); the interrobang's own marks do not count."""

    instruction_id = "count:punctuation"

    def follows(self, response: str) -> bool:
        if not ("!?" in response or "?!" in response or "‽" in response):
            return False
        rest = response.replace("?!", "", 1)
        if len(rest) == len(response):
            rest = response.replace("!?", "", 1)
        return {".", ",", "!", "?", ";", ":"} <= set(rest)


_JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


class WordsJapanese(Check):
    """Every `N`th whitespace token (other than bare numbers and punctuation) has Japanese script."""

    instruction_id = "count:words_japanese"
    params = {"N": Param(integer(minimum=1))}

    def follows(self, response: str) -> bool:
        for position, word in enumerate(response.split(), start=1):
            word = word.strip(STRIP)
            if position % self.N == 0 and word and not word.isdigit() and not _JAPANESE.search(word):
                return False
        return True


PRONOUNS = frozenset(
    {
        "i",
        "me",
        "we",
        "us",
        "you",
        "he",
        "him",
        "she",
        "her",
        "it",
        "they",
        "them",
        "my",
        "mine",
        "our",
        "ours",
        "your",
        "yours",
        "his",
        "hers",
        "its",
        "their",
        "theirs",
        "myself",
        "ourselves",
        "yourself",
        "yourselves",
        "himself",
        "herself",
        "itself",
        "themselves",
        "this",
        "that",
        "these",
        "those",
        "who",
        "whom",
        "whose",
        "which",
        "what",
        "whoever",
        "whomever",
        "whatever",
        "whichever",
        "anybody",
        "anyone",
        "anything",
        "everybody",
        "everyone",
        "everything",
        "nobody",
        "nothing",
        "somebody",
        "someone",
        "something",
        "each",
        "either",
        "neither",
        "both",
        "all",
        "some",
        "any",
        "none",
    }
)


class Pronouns(Check):
    """At least `N` pronoun tokens (NLTK word tokens of the lower-cased text; "/" splits words)."""

    instruction_id = "count:pronouns"
    params = {"N": Param(integer())}

    def follows(self, response: str) -> bool:
        tokens = tx.word_tokens(response.replace("/", " ").lower())
        return sum(1 for token in tokens if token in PRONOUNS) >= self.N


class KeywordsMultiple(Check):
    """keyword1 once, keyword2 twice, keyword3 three, keyword4 five and keyword5 seven times
    (case-insensitive substring counts, exactly)."""

    instruction_id = "count:keywords_multiple"
    params = {f"keyword{i}": Param(nonempty_text) for i in range(1, 6)}
    _TIMES = (1, 2, 3, 5, 7)

    def follows(self, response: str) -> bool:
        lowered = response.lower()
        keywords = (self.keyword1, self.keyword2, self.keyword3, self.keyword4, self.keyword5)
        return all(lowered.count(k.strip().lower()) == n for k, n in zip(keywords, self._TIMES))


CHECKS = (
    WordCountRange,
    UniqueWordCount,
    Conjunctions,
    PersonNames,
    NumbersCount,
    PunctuationCover,
    WordsJapanese,
    Pronouns,
    KeywordsMultiple,
)
