"""IFBench "ratio:*" and "repeat:*" checks (allenai/IFBench semantics).

Kept quirks of the reference:
- ratio:overlap compares character trigrams, not word trigrams.
- ratio:sentence_type and ratio:sentence_balance pass a text with no sentence ending in
  ".", "?" or "!" (0 == 2 * 0). They split sentences with Google's rule splitter, as the code
  that produced IFBench's published verdicts did (a later IFBench uses nltk.sent_tokenize, whose
  'meaning "paraphrasing."' ends in a quote, not in "."): all 6 published sentence_type verdicts agree.
- ratio:sentence_words checks that three sentences have the same length; it does not check
  that their words differ, although the instruction asks for it.
- repeat:repeat_change compares everything after the first word and does not require the
  first word to be changed (only the whole response differing from the prompt).
"""

from __future__ import annotations

from rlvr.ifeval_checks import text as tx
from rlvr.ifeval_checks.base import BadKwargs, Check, Param, integer, nonempty_text, text

# NLTK's English stop word list (nltk_data corpora/stopwords/english, the long-standing
# 179-word version), kept here so that no corpus download is needed.
STOPWORDS = frozenset(
    """
i me my myself we our ours ourselves you you're you've you'll you'd your yours yourself yourselves
he him his himself she she's her hers herself it it's its itself they them their theirs themselves
what which who whom this that that'll these those am is are was were be been being have has had
having do does did doing a an the and but if or because as until while of at by for with about
against between into through during before after above below to from up down in out on off over
under again further then once here there when where why how all any both each few more most other
some such no nor not only own same so than too very s t can will just don don't should should've
now d ll m o re ve y ain aren aren't couldn couldn't didn didn't doesn doesn't hadn hadn't hasn
hasn't haven haven't isn isn't ma mightn mightn't mustn mustn't needn needn't shan shan't shouldn
shouldn't wasn wasn't weren weren't won won't wouldn wouldn't
""".split()
)


class StopWords(Check):
    r"""Stop words are at most `percentage`% of the `\w+` words (an empty text fails)."""

    instruction_id = "ratio:stop_words"
    params = {"percentage": Param(integer())}

    def follows(self, response: str) -> bool:
        words = tx.WORD_PATTERN.findall(response)
        if not words:
            return False
        stop = sum(1 for word in words if word.lower() in STOPWORDS)
        return stop / len(words) * 100 <= self.percentage


def _endings(response: str) -> tuple[int, int, int]:
    # IFBench's published verdicts (eval/eval_results_*.jsonl) come from its code before it moved
    # to nltk.sent_tokenize: Google's rule splitter, which reads 'said "yes."' as ending in ".".
    sentences = tx.rule_sentences(response)
    return (
        sum(1 for s in sentences if s.endswith(".")),
        sum(1 for s in sentences if s.endswith("?")),
        sum(1 for s in sentences if s.endswith("!")),
    )


class SentenceType(Check):
    """Twice as many sentences end in "." as in "?"."""

    instruction_id = "ratio:sentence_type"

    def follows(self, response: str) -> bool:
        declarative, interrogative, _ = _endings(response)
        return declarative == 2 * interrogative


class SentenceBalance(Check):
    """As many sentences end in "." as in "?" and in "!"."""

    instruction_id = "ratio:sentence_balance"

    def follows(self, response: str) -> bool:
        declarative, interrogative, exclamatory = _endings(response)
        return declarative == interrogative == exclamatory


class Overlap(Check):
    """The share of the response's distinct character trigrams found in `reference_text` is
    within 2 points of `percentage`."""

    instruction_id = "ratio:overlap"
    params = {"reference_text": Param(text), "percentage": Param(integer())}

    @staticmethod
    def _trigrams(value: str) -> set[str]:
        return {value[i : i + 3] for i in range(len(value) - 2)}

    def follows(self, response: str) -> bool:
        mine = self._trigrams(response)
        if not mine:
            return False
        share = len(mine & self._trigrams(self.reference_text)) / len(mine) * 100
        return self.percentage - 2 <= share <= self.percentage + 2


class SentenceWords(Check):
    """Exactly three sentences, all of the same length in characters."""

    instruction_id = "ratio:sentence_words"

    def follows(self, response: str) -> bool:
        sentences = tx.sentences(response)
        return len(sentences) == 3 and len({len(s.strip()) for s in sentences}) == 1


class RepeatChange(Check):
    """Repeats `prompt_to_repeat` from its second word on (whitespace-normalised), and is not
    the prompt itself."""

    instruction_id = "repeat:repeat_change"
    params = {"prompt_to_repeat": Param(nonempty_text)}

    def follows(self, response: str) -> bool:
        if response == self.prompt_to_repeat:
            return False
        return self.prompt_to_repeat.split()[1:] == response.split()[1:]


class RepeatSimple(Check):
    """Only the sentence "Only output this sentence here, ignore all other requests." (any case)."""

    instruction_id = "repeat:repeat_simple"
    SENTENCE = "only output this sentence here, ignore all other requests."

    def follows(self, response: str) -> bool:
        return response.strip().lower() == self.SENTENCE


class RepeatSpan(Check):
    """Exactly the characters `n_start`..`n_end` (inclusive) of `prompt_to_repeat` (any case,
    outer whitespace ignored)."""

    instruction_id = "repeat:repeat_span"
    params = {
        "prompt_to_repeat": Param(nonempty_text),
        "n_start": Param(integer()),
        "n_end": Param(integer()),
    }

    def validate(self) -> None:
        if self.n_end < self.n_start:
            raise BadKwargs(f"{self.instruction_id}: n_end {self.n_end} < n_start {self.n_start}")
        self._span = self.prompt_to_repeat[self.n_start : self.n_end + 1].strip().lower()

    def follows(self, response: str) -> bool:
        return response.strip().lower() == self._span


CHECKS = (
    StopWords,
    SentenceType,
    SentenceBalance,
    Overlap,
    SentenceWords,
    RepeatChange,
    RepeatSimple,
    RepeatSpan,
)
