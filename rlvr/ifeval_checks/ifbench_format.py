"""IFBench "format:*" checks (allenai/IFBench semantics).

Kept quirks of the reference:
- format:line_indent drops blank lines while iterating over the same list, so of two
  consecutive blank lines the second survives (and then fails the staircase).
- format:list passes any text with two occurrences of the separator, anywhere.
- format:sub-bullets passes a text with no "*" at all; after each "*" it wants a "-" somewhere
  before the next "*".
- format:quote_unquote only rejects two quotes in a row (whitespace removed) and a final quote.
- format:thesis looks only at the first <i> (or <em>) element, and slices the tag lengths of
  <i>/</i> even for <em>.
"""

from __future__ import annotations

import re
import string

from rlvr.ifeval_checks import text as tx
from rlvr.ifeval_checks.base import Check, Param, nonempty_text

NO_PUNCTUATION = str.maketrans("", "", string.punctuation)


def _is_emoji(character: str) -> bool:
    import emoji  # imported on first use: its tables take a moment to load

    return emoji.is_emoji(character)


class EmojiEnding(Check):
    """Every Punkt sentence ends with an emoji (before its final punctuation), or the next
    sentence starts with one."""

    instruction_id = "format:emoji"

    def follows(self, response: str) -> bool:
        sentences = tx.sentences(response)
        for index, sentence in enumerate(sentences):
            stripped = sentence.translate(NO_PUNCTUATION).strip()
            if not stripped:
                return False
            last = stripped[-1]
            second_last = stripped[-2] if len(stripped) > 1 else last
            if _is_emoji(last) or _is_emoji(second_last):
                continue
            if index == len(sentences) - 1:
                return False
            following = sentences[index + 1].translate(NO_PUNCTUATION).strip()
            if not following or not _is_emoji(following[0]):
                return False
        return True


class LineIndent(Check):
    """Each non-blank line is indented with more spaces than the one before (a staircase)."""

    instruction_id = "format:line_indent"

    def follows(self, response: str) -> bool:
        lines = response.split("\n")
        for line in lines:  # removing while iterating skips an element, as the reference does
            if not line.strip():
                lines.remove(line)
        indents = [len(line) - len(line.lstrip(" ")) for line in lines]
        return all(after > before for before, after in zip(indents, indents[1:]))


class SpecialList(Check):
    """The separator `sep` (used instead of bullet points) occurs at least twice."""

    instruction_id = "format:list"
    params = {"sep": Param(nonempty_text)}

    def follows(self, response: str) -> bool:
        return response.count(self.sep) >= 2


class NewlineWords(Check):
    """One word per line (punctuation deleted; empty lines ignored)."""

    instruction_id = "format:newline"

    def follows(self, response: str) -> bool:
        value = response.translate(NO_PUNCTUATION).strip()
        lines = [line for line in value.split("\n") if line != ""]
        return len(lines) == len(value.split())


class SentencesThenBullets(Check):
    """At least two sentences, then at least two "*" bullet lines, and nothing after them."""

    instruction_id = "format:no_bullets_bullets"

    def follows(self, response: str) -> bool:
        in_sentences = True
        sentence_count = bullet_count = 0
        for line in response.split("\n"):
            if line.strip().startswith("*"):
                in_sentences = False
                if sentence_count < 2:
                    return False
                bullet_count += 1
            elif in_sentences:
                sentence_count += len(tx.sentences(line.strip()))
            else:
                return False
        return bullet_count >= 2


class NoWhitespace(Check):
    """No whitespace character at all."""

    instruction_id = "format:no_whitespace"

    def follows(self, response: str) -> bool:
        return not any(character.isspace() for character in response)


class Options(Check):
    """The response is one of the `options` ("yes/no/maybe", "I know or I don't know",
    "a), b), c), d)"): exactly for lettered options, else ignoring case and outer punctuation."""

    instruction_id = "format:options"
    params = {"options": Param(nonempty_text)}
    _STRIP = string.punctuation + " "

    def validate(self) -> None:
        self._strict = re.match(r"\W*[aA]\W*[bB]\W*[cC]\W*", self.options) is not None
        if "/" in self.options:
            separator = "/"
        elif "or" in self.options:
            separator = "or"
        else:
            separator = ","
        self._choices = [option.strip() for option in self.options.split(separator)]

    def follows(self, response: str) -> bool:
        if self._strict:
            return response in self._choices
        value = response.strip(self._STRIP).lower()
        return any(option.strip(self._STRIP).lower() == value for option in self._choices)


class OutputTemplate(Check):
    """Contains "My Answer:", "My Conclusion:" and "Future Outlook:"."""

    instruction_id = "format:output_template"

    def follows(self, response: str) -> bool:
        return all(part in response for part in ("My Answer:", "My Conclusion:", "Future Outlook:"))


class NestedParentheses(Check):
    """Some correctly matched group of (), [] and {} nests at least 5 levels deep."""

    instruction_id = "format:parentheses"
    _PAIRS = {")": "(", "]": "[", "}": "{"}

    def follows(self, response: str) -> bool:
        stack: list[str] = []
        deepest = 0
        for character in response:
            if character in "([{":
                stack.append(character)
                deepest = max(deepest, len(stack))
            elif character in self._PAIRS:
                if stack and stack[-1] == self._PAIRS[character]:
                    stack.pop()
                    if deepest >= 5 and len(stack) < deepest:
                        return True
                else:  # a mismatch starts the count again
                    stack = []
                    deepest = 0
        return False


class QuoteExplanation(Check):
    """No two quotation marks in a row (whitespace ignored) and no quote at the very end."""

    instruction_id = "format:quote_unquote"
    _TRAILING = string.digits + string.punctuation.replace('"', "")

    def follows(self, response: str) -> bool:
        value = "".join(response.replace("'\"'", "").split())
        if '""' in value:
            return False
        stripped = value.strip(self._TRAILING)
        return not (stripped and stripped[-1] == '"')


class NestedQuotes(Check):
    """Quotes nested at least 3 levels deep, alternating " and '."""

    instruction_id = "format:quotes"

    def follows(self, response: str) -> bool:
        open_quotes: list[str] = []
        deepest = 0
        for character in response:
            if open_quotes and character == open_quotes[-1]:
                open_quotes.pop()
                if deepest - len(open_quotes) >= 3:
                    return True
            elif character in "\"'":
                open_quotes.append(character)
                deepest = max(deepest, len(open_quotes))
        return False


class SubBullets(Check):
    """After every "*" there is a "-" before the next "*"."""

    instruction_id = "format:sub-bullets"

    def follows(self, response: str) -> bool:
        return all("-" in part for part in response.split("*")[1:])


class ItalicThesis(Check):
    """The first <i>...</i> (or <em>...</em>) holds text and is followed by more text."""

    instruction_id = "format:thesis"

    def follows(self, response: str) -> bool:
        start = response.find("<i>")
        if start == -1:
            start = response.find("<em>")
            if start == -1:
                return False
        value = response[start:]
        end = value.find("</i>")
        if end == -1:
            end = value.find("</em>")
            if end == -1:
                return False
        return value[3:end].strip() != "" and value[end + 4 :].strip() != ""


class TitleCase(Check):
    """Every alphabetic NLTK word token is capitalised (one-letter words upper case)."""

    instruction_id = "format:title_case"

    def follows(self, response: str) -> bool:
        for word in tx.word_tokens(response):
            if not word or not word[0].isalpha():
                continue
            if len(word) == 1:
                if word.islower():
                    return False
                continue
            if word[0].islower() and (word[1:].isupper() or word[1:].islower()):
                return False
        return True


CHECKS = (
    EmojiEnding,
    LineIndent,
    SpecialList,
    NewlineWords,
    SentencesThenBullets,
    NoWhitespace,
    Options,
    OutputTemplate,
    NestedParentheses,
    QuoteExplanation,
    NestedQuotes,
    SubBullets,
    ItalicThesis,
    TitleCase,
)
