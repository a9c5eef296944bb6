"""NLTK's English part-of-speech tagger (`nltk.pos_tag`), offline.

`nltk.pos_tag` is a greedy averaged perceptron (Matthew Honnibal's, as ported to NLTK) whose
model is the nltk_data package `averaged_perceptron_tagger_eng`, normally downloaded at run time.
rlvr ships that model (MIT licensed; `data/averaged_perceptron_tagger_eng.LICENSE`), repacked as
one gzipped JSON file of 1.4 MB, and scores it here with NLTK's features, word normalisation,
tag dictionary and tie-breaking, summing weights in the model's own order, so the tags are
`nltk.pos_tag`'s to the last bit. The model loads on first use (about 0.3 s).

    >>> tag(("Write", "a", "poem", "."))
    ('VB', 'DT', 'NN', '.')
"""

from __future__ import annotations

import gzip
import json
import threading
from collections import defaultdict
from dataclasses import dataclass
from importlib import resources

_MODEL_FILE = "averaged_perceptron_tagger_eng.json.gz"
_START = ("-START-", "-START2-")
_END = ("-END-", "-END2-")


@dataclass(frozen=True)
class _Model:
    weights: dict[str, dict[str, float]]  # feature -> {tag: weight}, in NLTK's summation order
    tagdict: dict[str, str]  # frequent, unambiguous words: tagged without scoring
    classes: tuple[str, ...]


def _normalise(word: str) -> str:
    """The word as the context features see it: hyphenated words, years and numbers collapse."""
    if "-" in word and word[0] != "-":
        return "!HYPHEN"
    if word.isdigit() and len(word) == 4:
        return "!YEAR"
    if word and word[0].isdigit():
        return "!DIGITS"
    return word.lower()


def _features(i: int, word: str, context: list[str], prev: str, prev2: str) -> tuple[str, ...]:
    """NLTK's feature names for token `i` (`context` is padded with two start and end markers)."""
    i += len(_START)
    return (
        "bias",
        f"i suffix {word[-3:]}",
        f"i pref1 {word[0] if word else ''}",
        f"i-1 tag {prev}",
        f"i-2 tag {prev2}",
        f"i tag+i-2 tag {prev} {prev2}",
        f"i word {context[i]}",
        f"i-1 tag+i word {prev} {context[i]}",
        f"i-1 word {context[i - 1]}",
        f"i-1 suffix {context[i - 1][-3:]}",
        f"i-2 word {context[i - 2]}",
        f"i+1 word {context[i + 1]}",
        f"i+1 suffix {context[i + 1][-3:]}",
        f"i+2 word {context[i + 2]}",
    )


def _predict(model: _Model, features: tuple[str, ...]) -> str:
    """The highest-scoring tag; ties go to the alphabetically last tag, as in NLTK."""
    scores: defaultdict[str, float] = defaultdict(float)
    for feature in features:
        for tag, weight in model.weights.get(feature, {}).items():
            scores[tag] += weight
    return max(model.classes, key=lambda tag: (scores[tag], tag))


def _tag(model: _Model, tokens: tuple[str, ...]) -> tuple[str, ...]:
    context = [*_START, *(_normalise(token) for token in tokens), *_END]
    prev, prev2 = _START
    tags = []
    for i, token in enumerate(tokens):
        tag = model.tagdict.get(token) or _predict(model, _features(i, token, context, prev, prev2))
        tags.append(tag)
        prev2, prev = prev, tag
    return tuple(tags)


class _Tagger:
    """The model, read from the package on first use under a lock (threads never see half of it)."""

    def __init__(self) -> None:
        self._model: _Model | None = None
        self._lock = threading.Lock()

    def model(self) -> _Model:
        with self._lock:
            if self._model is None:
                raw = (resources.files("rlvr.ifeval_checks") / "data" / _MODEL_FILE).read_bytes()
                data = json.loads(gzip.decompress(raw))
                self._model = _Model(data["weights"], data["tagdict"], tuple(data["classes"]))
            return self._model


_TAGGER = _Tagger()


def tag(tokens: tuple[str, ...]) -> tuple[str, ...]:
    """Penn Treebank tags ("VB", "NN", "DT", ...) of `tokens`, exactly as
    `nltk.pos_tag(list(tokens))` tags them."""
    return _tag(_TAGGER.model(), tokens)
