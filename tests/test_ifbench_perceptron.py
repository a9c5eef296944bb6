"""rlvr's offline copy of `nltk.pos_tag` (rlvr/ifeval_checks/perceptron.py) and the
`words:start_verb` check built on it, against NLTK's own tagger run on the same model."""

from __future__ import annotations

import hashlib
import json
import threading

import pytest
from ifbench_start_verb_responses import responses
from nltk.tag.perceptron import PerceptronTagger
from shared_data import data_file

from rlvr.ifeval_checks import build_check, perceptron
from rlvr.ifeval_checks import text as tx

# sha256 of the weights and tag dictionary files of NLTK's averaged_perceptron_tagger_eng package.
NLTK_WEIGHTS_SHA256 = "789e8e35f6fac656d9b7eccea29ba4e8a137cbb5b525dd31f39e4291a9e80832"
NLTK_TAGDICT_SHA256 = "4c713731cb06727736962bc8cd94ad919217a040e76691059af99bc0c2c9c246"


@pytest.fixture(scope="module")
def nltk_tagger() -> PerceptronTagger:
    """NLTK's own tagger code, given the model rlvr ships instead of a downloaded one."""
    model = perceptron._TAGGER.model()
    tagger = PerceptronTagger(load=False)
    tagger.model.weights = model.weights
    tagger.tagdict = model.tagdict
    tagger.classes = tagger.model.classes = set(model.classes)
    return tagger


def test_the_shipped_model_is_nltks_package():
    model = perceptron._TAGGER.model()
    # NLTK wrote its files with json.dump's defaults; the same dump of our copy gives the same bytes.
    assert hashlib.sha256(json.dumps(model.weights).encode()).hexdigest() == NLTK_WEIGHTS_SHA256
    assert hashlib.sha256(json.dumps(model.tagdict).encode()).hexdigest() == NLTK_TAGDICT_SHA256
    assert len(model.classes) == 45 and {"VB", "VBG", "NNP", "``"} <= set(model.classes)


def _nltk_tags(tagger: PerceptronTagger, tokens: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(tag for _, tag in tagger.tag(list(tokens)))


def test_tags_every_ifbench_prompt_as_nltk_does(nltk_tagger):
    with data_file("ifbench/IFBench_test.jsonl").open(encoding="utf-8") as lines:
        prompts = [json.loads(line)["prompt"] for line in lines]
    token_lists = [tx.word_tokens(prompt) for prompt in prompts]
    assert len(prompts) == 300 and sum(map(len, token_lists)) > 15_000
    mismatches = [t for t in token_lists if perceptron.tag(t) != _nltk_tags(nltk_tagger, t)]
    assert not mismatches


def test_start_verb_follows_nltk_on_written_responses(nltk_tagger):
    cases = responses()
    assert len(cases) > 600
    check = build_check("words:start_verb", {})
    for response, _ in cases:
        tokens = tx.word_tokens(response)
        assert perceptron.tag(tokens) == _nltk_tags(nltk_tagger, tokens), response
        assert check.follows(response) == ("VB" in _nltk_tags(nltk_tagger, tokens)[0]), response


@pytest.mark.parametrize(
    ("response", "follows"),
    [
        # allenai/IFBench's own unit test of the instruction.
        ("Does this sentence start with a verb?", True),
        ("This sentence does not start with a verb.", False),
        ("Imagine a city under the sea.", True),
        ("List the key facts about resilient relationships:\n\n1. Trust matters.", True),
        ("Read on to learn about Galois theory.", True),
        ("Whirring and pulsing with neon, the city wakes up.", True),
        ("Sure! Here is a response.", False),
        ('"Go" home.', False),
        ("# Galois theory\n\nThis piece is about symmetry.", False),
        # The reference's model reads these imperatives as nouns: a capitalised word before
        # another capitalised word or a number is taken for a name, "Start" and "Note" for nouns.
        ("Imagine Galois theory.", False),
        ("List three facts.", False),
        ("Build an understanding of Galois theory.", False),
        ("Start with Galois theory.", False),
        ("Note that Galois theory is subtle.", False),
    ],
)
def test_start_verb_verdicts(response, follows):
    assert build_check("words:start_verb", {}).follows(response) is follows


def test_first_use_from_many_threads_loads_one_model():
    tagger = perceptron._Tagger()
    models = []
    threads = [threading.Thread(target=lambda: models.append(tagger.model())) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(models) == 4 and all(model is models[0] for model in models)
