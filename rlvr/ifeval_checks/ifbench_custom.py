"""IFBench "custom:*" checks: one fixed task each (allenai/IFBench semantics).

Kept quirks of the reference:
- custom:reverse_newline needs the lines from the one naming Zimbabwe on to be in reverse
  alphabetical order and at least 52 of them; it does not check that they are countries.
- custom:csv_special_character doubles every quote before parsing, so quoted fields keep
  their quotes, and passes as soon as one row has a quoted field with a special character.
- custom:date_format_list accepts any dates from 1769 to 1821 in YYYY-MM-DD form.
"""

from __future__ import annotations

import csv
import io
import re
import string
import unicodedata

from rlvr.ifeval_checks import text as tx
from rlvr.ifeval_checks.base import Check

STRIP = string.punctuation + " "


def ascii_fold(value: str) -> str:
    """'São Tomé' -> 'Sao Tome': NFKD, then drop what is not ASCII."""
    return unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode("ascii")


class CharacterReverse(Check):
    """Contains "bald eagle" spelled backwards ("elgae dlab"), any case."""

    instruction_id = "custom:character_reverse"

    def follows(self, response: str) -> bool:
        return "elgae dlab" in response.lower()


class WordReverse(Check):
    """Read backwards word by word, the response is one sentence containing "bald eagle"."""

    instruction_id = "custom:word_reverse"

    def follows(self, response: str) -> bool:
        value = response.lower().strip().translate(str.maketrans("", "", string.punctuation))
        value = " ".join(value.split()[::-1])
        return "bald eagle" in value and value in tx.sentences(value)


class CityCsv(Check):
    """CSV with header ID,Country,City,Year,Count and exactly 7 rows of 5 fields."""

    instruction_id = "custom:csv_city"

    def follows(self, response: str) -> bool:
        rows = list(csv.reader(io.StringIO(response)))
        return (
            len(rows) == 8
            and rows[0] == ["ID", "Country", "City", "Year", "Count"]
            and all(len(row) == 5 for row in rows[1:])
        )


class SpecialCharacterCsv(Check):
    """CSV with header ProductID,Category,Brand,Price,Stock, 14 rows of 5 fields, and a quoted
    field holding a special character."""

    instruction_id = "custom:csv_special_character"
    _HEADER = re.compile(
        r'^(ProductID|"ProductID"),[ \t]*(Category|"Category"),[ \t]*(Brand|"Brand"),'
        r'[ \t]*(Price|"Price"),[ \t]*(Stock|"Stock")$'
    )
    _SPECIAL = re.compile(r'".*[^\d\w\s].*"')

    def follows(self, response: str) -> bool:
        if not self._HEADER.match(response.split("\n")[0].strip()):
            return False
        rows = list(csv.reader(io.StringIO(response.replace('"', '"""'))))
        if len(rows) != 15:
            return False
        for row in rows[1:]:
            if len(row) != 5:
                return False
            if any(self._SPECIAL.match(field) for field in row):
                return True
        return False


class QuotesCsv(Check):
    """Tab-separated StudentID, Subject, Grade, Semester, Score with 3 rows, every field quoted."""

    instruction_id = "custom:csv_quotes"
    _HEADER = re.compile(
        r'^(StudentID|"StudentID")\t *(Subject|"Subject")\t *(Grade|"Grade")\t *'
        r'(Semester|"Semester")\t *(Score|"Score")$'
    )

    @staticmethod
    def _quoted(field: str) -> bool:
        field = field.strip()
        return bool(field) and field[0] == '"' and field[-1] == '"'

    def follows(self, response: str) -> bool:
        if not self._HEADER.match(response.split("\n")[0].strip()):
            return False
        rows = list(csv.reader(io.StringIO(response.replace('"', '"""')), delimiter="\t"))
        return len(rows) == 4 and all(len(row) == 5 and all(map(self._quoted, row)) for row in rows)


class DateFormatList(Check):
    """Comma-separated YYYY-MM-DD dates between 1769 and 1821 with valid months and days."""

    instruction_id = "custom:date_format_list"
    _DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

    def follows(self, response: str) -> bool:
        for date in response.strip().split(","):
            date = date.strip()
            if not self._DATE.match(date):
                return False
            year, month, day = (int(part) for part in date.split("-"))
            if not 1769 <= year <= 1821 or month > 12:
                return False
            if day > (31 if month in (1, 3, 5, 7, 8, 10, 12) else 30 if month in (4, 6, 9, 11) else 29):
                return False
        return True


class EuropeanCapitals(Check):
    """Exactly the 27 European capitals north of 45°, comma-separated, north to south."""

    instruction_id = "custom:european_capitals_sort"
    ORDER = (
        "Reykjavik",
        "Helsinki",
        "Oslo",
        "Tallinn",
        "Stockholm",
        "Riga",
        "Moscow",
        "Copenhagen",
        "Vilnius",
        "Minsk",
        "Dublin",
        "Berlin",
        "Amsterdam",
        "Warsaw",
        "London",
        "Brussels",
        "Prague",
        "Luxembourg",
        "Paris",
        "Vienna",
        "Bratislava",
        "Budapest",
        "Vaduz",
        "Chisinau",
        "Bern",
        "Ljubljana",
        "Zagreb",
    )

    def follows(self, response: str) -> bool:
        capitals = [part.strip() for part in ascii_fold(response).split(",") if part.strip()]
        return tuple(capitals) == self.ORDER


class MultipleChoiceQuestions(Check):
    """Starts with "Question"; 4 questions of 5 options (A-E) each, getting longer."""

    instruction_id = "custom:mcq_count_length"
    _SPLIT = re.compile(r"\n*(?:Question \d+[\.|\):;]?\s*)")
    _OPTION = re.compile(r"^[A-Ea-e][\.|\)]\s*\w+")

    def follows(self, response: str) -> bool:
        if response[response.find("Question") :] != response:
            return False
        questions = self._SPLIT.split(response)
        if questions[0] == "":
            questions = questions[1:]
        questions = [q.strip() for q in questions if q.strip()]
        if len(questions) != 4:
            return False
        lengths = []
        for question in questions:
            text = ""
            options = 0
            for line in question.split("\n"):
                if self._OPTION.match(line.strip()):
                    options += 1
                elif options == 0:
                    text += " " + line.strip()
            if options != 5:
                return False
            lengths.append(len(text.strip()))
        return all(a < b for a, b in zip(lengths, lengths[1:]))


class Multiples(Check):
    """The numbers in the response are exactly 14, 21, 28, 35, 42, 49 in that order."""

    instruction_id = "custom:multiples"

    def follows(self, response: str) -> bool:
        return re.findall(r"\d+", response.replace(",", ", ")) == [str(i) for i in range(14, 51, 7)]


class ReverseNewline(Check):
    """From the line naming Zimbabwe on, at least 52 lines in reverse alphabetical order."""

    instruction_id = "custom:reverse_newline"

    def follows(self, response: str) -> bool:
        lines = [line.strip(STRIP) for line in response.split("\n") if line.strip(STRIP)]
        start = next((i for i, line in enumerate(lines) if "Zimbabwe" in line), None)
        if start is None or len(lines) - start < 52:
            return False
        folded = [ascii_fold(line) for line in lines[start:]]
        return folded == sorted(folded, reverse=True)


class SentenceAlphabet(Check):
    """26 Punkt sentences whose first words start with a, b, c, ... z in order (any case)."""

    instruction_id = "custom:sentence_alphabet"

    def follows(self, response: str) -> bool:
        sentences = tx.sentences(response)
        if len(sentences) != 26:
            return False
        for index, sentence in enumerate(sentences):
            words = sentence.lstrip().split()
            if not words or words[0].lower()[0] != chr(ord("a") + index):
                return False
        return True


CHECKS = (
    CharacterReverse,
    WordReverse,
    CityCsv,
    SpecialCharacterCsv,
    QuotesCsv,
    DateFormatList,
    EuropeanCapitals,
    MultipleChoiceQuestions,
    Multiples,
    ReverseNewline,
    SentenceAlphabet,
)
