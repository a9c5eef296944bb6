"""open-instruct's instruction forms for the task "if_multi": the 29 ids only IFEvalG has and the
25 func_name functions of if_functions.py. Hand-written responses that follow and break each,
with boundary cases; bad arguments; ground-truth forms; never-raise, deterministic, in-range
properties; and Google's rule-based sentence splitter against lm-eval's own copy."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ifeval_reference import load_reference

import rlvr
from rlvr.ifeval_checks import IF_FUNCTION_CHECKS, IFEVALG_CHECKS, MULTI_CHECKS, BadKwargs, build_check
from rlvr.ifeval_checks.text import rule_sentences
from rlvr.verdict import BAD_GROUND_TRUTH, MISMATCH, NO_ANSWER, OK

PROMPT = "Write a poem about the sea."
PHRASE = "The early bird catches the worm"
COMPOSITION = "\n***\n".join(["Go home. Be good."] * 3)
GERMAN = "Das ist ein schöner Tag und wir gehen heute zusammen in den Park."
ENGLISH = "This is a fine day and we walk to the park together."

# (instruction id, kwargs, response that follows, response that breaks)
IFEVALG_CASES = [
    (
        "copy:repeat_phrase",
        {"phrase": PHRASE, "small_n": 2},
        "The early cat catches the worm. The early bird eats the worm.",
        f"{PHRASE}. {PHRASE}.",
    ),
    (
        "copy:repeat_phrase",
        {"phrase": PHRASE, "small_n": 2},  # only the last span must change
        f"{PHRASE}. The early cat catches the worm.",
        "The early cat catches the worm. The early cat eats the worm.",
    ),
    (
        "copy:repeat_phrase",
        {"phrase": PHRASE, "small_n": 1},
        "The early cat catches the worm",
        "The early cat catches the worm. The early bird eats the worm.",
    ),
    ("copy:copy", {"prompt_to_repeat": PROMPT}, " WRITE A POEM ABOUT THE SEA. ", "Write a poem about the sea"),
    ("copy:copying_simple", {"prompt_to_repeat": PROMPT}, PROMPT.lower(), "Sure. " + PROMPT),
    (
        "copy:copying_multiple",
        {"prompt_to_repeat": "Hi there", "N": 2},
        "Hi there\n******\nhi there",
        "Hi there\n******\nHi there\n******\nHi there",
    ),
    ("new:copy_span_idx", {"prompt_to_repeat": PROMPT, "n_start": 8, "n_end": 13}, "POEM", "poem a"),
    ("detectable_format:sentence_hyphens", {}, "I am here.-You are there.", "I am here. - You are there."),
    ("detectable_format:sentence_hyphens", {}, "One sentence only.", "One. Two."),
    ("keywords:no_adjacent_consecutive", {}, "apple cherry banana", "apple Banana"),
    ("detectable_format:square_brackets", {}, "[Hello] [world!]", "[Hello] world"),
    ("keywords:word_once", {"keyword": "sea"}, "The SEA is wide.", "sea and seaside"),
    ("keywords:word_once", {"keyword": "C++"}, "I like C++.", "I like C."),
    (
        "keywords:word_count_different_numbers",
        {"keyword": "wave", "frequency": 2, "relation": "at least"},
        "wave Wave",
        "one wave",
    ),
    (
        "keywords:word_count_different_numbers",
        {"keyword": "wave", "frequency": 2, "relation": "less than"},
        "one wave",
        "wave wave",
    ),
    (
        "keywords:exclude_word_harder",
        {"keyword": "sea", "instruction": PROMPT},
        "sea, the Sea, seaside",
        "the sea is wide",
    ),
    ("paragraphs:paragraphs", {}, "One.\n***\nTwo.", "One.\n***\nTwo.\n***\nThree."),
    ("paragraphs:paragraphs", {}, "***\nOne.\n***\nTwo.\n***", "One.\n***\n***\nTwo."),
    ("paragraphs:paragraphs2", {}, "One.\n\nTwo.", "One.\n\n\n\nTwo."),
    ("first_word:first_word_sent", {"first_word": "I"}, "I came. i saw! I won?", "I came. You saw."),
    (
        "first_word:first_word_sent",
        {"first_word": ["Mr."]},
        "Mr. Smith came. Mr. Jones left.",
        "Mr Smith came. Mr Jones left.",
    ),
    ("first_word:first_word_answer", {"first_word": "Hello"}, "HELLO world", "Hello, world"),
    ("last_word:last_word_sent", {"last_word": "end"}, "This is the end. Or is it the END?", "The end. Not here."),
    ("last_word:last_word_answer", {"last_word": "bye"}, "Say goodbye and BYE!", "bye now"),
    ("detectable_format:bigram_wrapping", {}, "<<I am>> <<at home>> <<with you>>", "<<I am at>> <<home>>"),
    ("detectable_format:bigram_wrapping", {}, "<<I am>> alone", "I <<am>>"),
    ("punctuation:punctuation_dot", {}, "No dots here!", "A dot."),
    ("punctuation:punctuation_exclamation", {}, "Calm.", "Wow!"),
    ("count:lowercase_counting", {"N": 2}, "Two words HERE", "three small words"),
    ("letters:letter_counting", {"N": 5, "relation": "less than"}, "abcd 123", "abcde"),
    ("letters:letter_counting", {"N": 5, "relation": "at least"}, "ab-cd-E", "ab cd"),
    ("letters:letter_counting2", {"letter": "z", "let_frequency": 2, "let_relation": "at least"}, "Zz", "z"),
    ("count:counting_composition", {"n_sent": 2, "n_words": 3}, COMPOSITION, COMPOSITION.replace("***", "* * *")),
    (
        "count:counting_composition",
        {"n_sent": 2, "n_words": 3},
        COMPOSITION,
        COMPOSITION.replace("Be good.", "Be very good."),
    ),
    ("count:count_unique", {}, "One two three.", "Hi. Bye."),
    ("count:count_increment_word", {"keyword1": "cat", "keyword2": "dog"}, "cat dog DOG", "cat cat dog dog"),
    ("keywords:palindrome", {}, "I saw a racecar", "no such words here"),
    (
        "keywords:keyword_specific_position",
        {"keyword": "sea", "n": 2, "m": 3},
        "Hi there. I love sea waves.",
        "Hi there. I love Sea waves.",
    ),
    ("keywords:start_end", {}, "Sea is the sea", "Sea is the sea."),
]

FUNCTION_CASES = [
    ("verify_keywords", {"keyword_list": ["sea", "Salt"]}, "the SEA and salty water", "the sea only"),
    ("verify_keyword_frequency", {"word": "sea", "N": 2}, "Sea, sea! seaside", "sea sea sea"),
    ("validate_forbidden_words", {"forbidden_words": ["storm"]}, "calm weather", "Stormy weather"),
    ("verify_letter_frequency", {"letter": "a", "N": 2}, "a cAt sat", "a cat sat"),
    ("validate_response_language", {"language": "de"}, GERMAN, ENGLISH),
    ("validate_response_language", {"language": "en"}, ENGLISH, "12345 678"),
    ("verify_paragraph_count", {"N": 2}, "One.\n  * * *  \nTwo.", "One.\n***\nTwo."),
    ("verify_paragraph_count", {"N": 2}, "One.\n* * *\nTwo.", "One.\n* * *\n* * *\nTwo."),
    ("validate_word_constraint", {"N": 20, "quantifier": "around"}, " ".join(["w"] * 22), " ".join(["w"] * 23)),
    ("validate_word_constraint", {"N": 3, "quantifier": "at most"}, "a b c", "a b c d"),
    ("validate_word_constraint", {"N": 3, "quantifier": "at least"}, "a b c", "a b"),
    ("verify_sentence_constraint", {"N": 2, "quantifier": "at most"}, "Mr. Smith came. He left.", "One. Two. Three."),
    ("verify_sentence_constraint", {"N": 4, "quantifier": "around"}, "One. Two. Three.", "One. Two."),
    (
        "validate_paragraphs",
        {"N": 2, "first_word": "Then", "i": 2},
        "First.\n\nThenceforth more.",
        "First.\n\nthen more.",
    ),
    (
        "validate_paragraphs",
        {"N": 2, "first_word": "Then", "i": 2},
        "First.\n\n  Then more.",
        "First.\n\nThen.\n\nMore.",
    ),
    ("verify_postscript", {"postscript_marker": "P.S."}, "Hi.\nP.S. see you", "Hi.\nP.S.  "),
    ("validate_placeholders", {"N": 2}, "[a] [b]", "[a] only"),
    ("verify_bullet_points", {"N": 2}, "* a\n  - b", "* a\n** b\n- c"),
    ("validate_title", {}, "<<>> x", "<< x\n>>"),
    ("validate_choice", {"options": ["yes", "no"]}, "I say yes", "maybe"),
    (
        "validate_choice",
        {"options": "('My answer is yes.', 'My answer is no.')"},
        "My answer is no.",
        "My answer is maybe.",
    ),
    ("validate_highlighted_sections", {"N": 2}, "** and *a*", "*a* only"),
    ("validate_sections", {"N": 2, "section_splitter": "Section"}, "SECTION 1 a section 2 b", "Section 1 a Section b"),
    ("validate_json_format", {}, ' {"a": 1} ', '```json\n{"a": 1}\n```'),
    ("validate_repeat_prompt", {"original_prompt": PROMPT}, PROMPT + " Sure.", PROMPT.lower()),
    ("validate_two_responses", {}, "A\n******\nB", "A\n******\nB\n******"),
    ("validate_two_responses", {}, "A\n******\nB", "A \n******\n A"),
    ("validate_uppercase", {}, "HELLO 123", "HELLo"),
    ("validate_lowercase", {}, "hello 123", "Hello"),
    ("validate_frequency_capital_words", {"N": 2, "quantifier": "at least"}, "NASA and USA", "NASA and Usa"),
    ("validate_frequency_capital_words", {"N": 10, "quantifier": "around"}, " ".join(["A"] * 9), " ".join(["A"] * 12)),
    ("validate_end", {"end_phrase": "Bye."}, "Ok. Bye.", "Ok. bye."),
    ("validate_quotation", {}, '"hi"', '"hi" '),
    ("validate_no_commas", {}, "no commas", "a, b"),
]


def _ids(cases):
    return [f"{case[0]}-{index}" for index, case in enumerate(cases)]


@pytest.mark.parametrize(
    "instruction_id,kwargs,good,bad", IFEVALG_CASES + FUNCTION_CASES, ids=_ids(IFEVALG_CASES + FUNCTION_CASES)
)
def test_follows_and_breaks(instruction_id, kwargs, good, bad):
    check = build_check(instruction_id, kwargs, MULTI_CHECKS)
    assert check.follows(good) is True
    assert check.follows(bad) is False


def test_every_new_id_and_function_has_cases():
    assert {case[0] for case in IFEVALG_CASES} == set(IFEVALG_CHECKS) and len(IFEVALG_CHECKS) == 29
    assert {case[0] for case in FUNCTION_CASES} == set(IF_FUNCTION_CHECKS) and len(IF_FUNCTION_CHECKS) == 25
    assert len(MULTI_CHECKS) == 25 + 58 + 29 + 25


@pytest.mark.parametrize(
    "instruction_id,kwargs",
    [
        ("new:copy_span_idx", {"prompt_to_repeat": PROMPT, "n_start": 5, "n_end": 5}),
        ("copy:repeat_phrase", {"phrase": PHRASE, "small_n": 0}),
        ("copy:copying_multiple", {"prompt_to_repeat": PROMPT}),  # N missing
        ("count:counting_composition", {"n_sent": 0, "n_words": 3}),
        ("letters:letter_counting", {"N": 3, "relation": "at most"}),
        ("keywords:keyword_specific_position", {"keyword": [], "n": 1, "m": 1}),
        ("keywords:exclude_word_harder", {"instruction": PROMPT}),  # keyword missing
        ("validate_word_constraint", {"N": 3, "quantifier": "exactly"}),
        ("verify_letter_frequency", {"letter": "ab", "N": 1}),
        ("validate_paragraphs", {"N": 2, "first_word": "x", "i": 3}),
        ("validate_choice", {"options": "yes"}),
        ("validate_lowercase", {"N": 3}),  # takes no arguments
        ("validate_placeholders", {"N": float("nan")}),
        ("count:lowercase_counting", {"N": float("inf")}),
    ],
)
def test_bad_arguments_fail_closed(instruction_id, kwargs):
    with pytest.raises(BadKwargs):
        build_check(instruction_id, kwargs, MULTI_CHECKS)


# allenai/RLVR-IFeval stores every argument of every function, null where unused.
ALL_ARGUMENTS = (
    "N",
    "quantifier",
    "end_phrase",
    "keyword_list",
    "word",
    "forbidden_words",
    "letter",
    "i",
    "first_word",
    "postscript_marker",
    "options",
    "section_splitter",
    "original_prompt",
)


def rlvr_ifeval_record(func_name: str, **arguments) -> str:
    return json.dumps({"func_name": func_name, **{name: arguments.get(name) for name in ALL_ARGUMENTS}})


def test_func_name_ground_truth_as_stored_in_rlvr_ifeval():
    from rlvr.verifiers.if_multi import compute_reward

    truth = rlvr_ifeval_record("validate_word_constraint", N=3, quantifier="at most")
    assert compute_reward("<think>a b c d e f</think>one two three", truth) == 1.0
    assert compute_reward("one two three four", truth) == 0.0
    verdict = rlvr.verify("one two", truth, "if_multi")
    assert verdict.detail["instructions"] == [{"id": "validate_word_constraint", "followed": True}]


def test_func_name_without_arguments_is_checked_on_the_answer():
    # open-instruct checked a bare func_name on the raw prediction, reasoning included.
    verdict = rlvr.verify("<think>Thinking, Aloud</think>all lower", {"func_name": "validate_lowercase"}, "if_multi")
    assert verdict.score == 1.0 and verdict.reason == OK


@pytest.mark.parametrize(
    "truth",
    [
        [{"func_name": "validate_no_commas"}, {"func_name": "verify_keywords", "keyword_list": ["sea"]}],
        json.dumps(
            [
                {"func_name": "validate_no_commas"},
                {"instruction_id": ["keywords:word_once"], "kwargs": [{"keyword": "sea"}]},
            ]
        ),
        str(
            [
                {
                    "instruction_id": ["punctuation:no_comma", "keywords:existence"],
                    "kwargs": [None, {"keywords": ["sea"]}],
                }
            ]
        ),
        [rlvr_ifeval_record("validate_no_commas"), rlvr_ifeval_record("verify_keywords", keyword_list=["sea"])],
    ],
)
def test_lists_and_mixed_forms(truth):
    assert rlvr.compute_reward("waves meet the sea", truth, "if_multi") == 1.0
    assert rlvr.compute_reward("waves, meet", truth, "if_multi") == 0.0
    assert rlvr.compute_reward("waves, meet the sea", truth, "if_multi") == 0.5


@pytest.mark.parametrize("task", ["ifeval", "ifbench"])
def test_open_instruct_forms_only_in_if_multi(task):
    assert rlvr.verify("a b", {"func_name": "validate_no_commas"}, task).reason == BAD_GROUND_TRUTH
    assert (
        rlvr.verify("a b", {"instruction_id_list": ["keywords:palindrome"], "kwargs": [{}]}, task).reason
        == BAD_GROUND_TRUTH
    )


@pytest.mark.parametrize(
    "truth",
    [
        {"func_name": "no_such_function"},
        {"func_name": 7},
        {"func_name": None},
        {"func_name": "verify_keywords"},
        {"func_name": "verify_keywords", "keyword_list": "sea"},
        [{"func_name": "validate_no_commas"}, {"func_name": "validate_end"}],
    ],
)
def test_bad_func_name_ground_truths(truth):
    verdict = rlvr.verify("text", truth, "if_multi")
    assert verdict.score == 0.0 and verdict.reason == BAD_GROUND_TRUTH


GOOD_RECORDS = [{"func_name": name, **kwargs} for name, kwargs, _, _ in FUNCTION_CASES] + [
    {"instruction_id": [name], "kwargs": [kwargs]} for name, kwargs, _, _ in IFEVALG_CASES
]
ENCODINGS = (lambda value: value, json.dumps, repr)


@settings(max_examples=120, deadline=None)
@given(
    picks=st.lists(st.integers(0, len(GOOD_RECORDS) - 1), min_size=1, max_size=4),
    encoding=st.sampled_from(ENCODINGS),
    response=st.text(max_size=300),
    loose=st.booleans(),
    reasoning=st.booleans(),
)
def test_new_forms_never_raise_deterministic_in_range(picks, encoding, response, loose, reasoning):
    records = [GOOD_RECORDS[i] for i in picks]
    truth = encoding(records if len(records) > 1 else records[0])
    completion = f"<think>{response[::-1]}</think>{response}" if reasoning else response
    first = rlvr.verify(completion, truth, "if_multi", loose=loose)
    assert first.reason in (OK, MISMATCH, NO_ANSWER), first
    assert 0.0 <= first.score <= 1.0
    assert len(first.detail["instructions"]) == len(records)
    assert first == rlvr.verify(completion, truth, "if_multi", loose=loose)


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-3, 30)
    | st.floats()
    | st.sampled_from([float("nan"), float("inf")])
    | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner, max_size=3),
    max_leaves=8,
)


@settings(max_examples=150, deadline=None)
@given(
    name=st.sampled_from(sorted(MULTI_CHECKS)),
    arguments=st.dictionaries(
        st.sampled_from(ALL_ARGUMENTS + ("keyword", "phrase", "small_n", "n", "m", "prompt_to_repeat", "relation")),
        JSON_VALUES,
        max_size=4,
    ),
    response=st.text(max_size=200),
)
def test_arbitrary_arguments_never_error(name, arguments, response):
    truth = (
        {"func_name": name, **arguments}
        if name in IF_FUNCTION_CHECKS
        else {"instruction_id": [name], "kwargs": [arguments]}
    )
    verdict = rlvr.verify(response, truth, "if_multi")
    assert verdict.reason in (OK, MISMATCH, NO_ANSWER, BAD_GROUND_TRUTH), verdict
    assert 0.0 <= verdict.score <= 1.0


@pytest.fixture(scope="module")
def lm_eval_util(tmp_path_factory):
    load_reference(tmp_path_factory.mktemp("nltk_data"))
    from lm_eval.tasks.ifeval import instructions_util

    return instructions_util


SPLITTER_PIECES = [
    "Mr.",
    " Smith",
    " Dr. No",
    " U.S.A.",
    " He",
    " went",
    ". ",
    "? ",
    "! ",
    "...",
    '"',
    "\u201d",
    " x.com",
    " 3.14",
    " Ph.D.",
    " Inc.",
    " This",
    "\n",
    " a. ",
    " J. K.",
    " <stop>",
    "It",
]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pieces=st.lists(st.sampled_from(SPLITTER_PIECES) | st.text(max_size=6), max_size=14))
def test_rule_sentences_equal_lm_evals_split_into_sentences(lm_eval_util, pieces):
    text = "".join(pieces)
    assert list(rule_sentences(text)) == lm_eval_util.split_into_sentences(text)
