"""Hand-written responses that follow and that break every IFEval and IFBench instruction id,
with the boundary cases (exactly N, "less than" vs "at least", case, punctuation)."""

from __future__ import annotations

import pytest

from rlvr.ifeval_checks import INSTRUCTION_CHECKS, BadKwargs, build_check

P = "Write a poem about the sea."
CSV_SPECIAL = "ProductID,Category,Brand,Price,Stock\n" + "\n".join(
    f'{i},Tools,"Acme & Co",9.99,{i}' if i == 1 else f"{i},Tools,Acme,9.99,{i}" for i in range(1, 15)
)
CSV_QUOTES = "\n".join(
    '"{}"\t"{}"\t"{}"\t"{}"\t"{}"'.format(*row)
    for row in (
        ("StudentID", "Subject", "Grade", "Semester", "Score"),
        ("1", "Math", "A", "Fall", "90"),
        ("2", "Art", "B", "Fall", "80"),
        ("3", "Bio", "C", "Spring", "70"),
    )
)
CAPITALS = (
    "Reykjavik, Helsinki, Oslo, Tallinn, Stockholm, Riga, Moscow, Copenhagen, Vilnius, Minsk, Dublin, "
    "Berlin, Amsterdam, Warsaw, London, Brussels, Prague, Luxembourg, Paris, Vienna, Bratislava, "
    "Budapest, Vaduz, Chisinau, Bern, Ljubljana, Zagreb"
)
MCQ = "\n".join(f"Question {q}: {'Why ' * q}art?\n" + "\n".join(f"{c}) option" for c in "ABCDE") for q in range(1, 5))
AFRICA = "\n".join(["Zimbabwe", "Zambia", "Uganda"] + [f"A{chr(122 - i // 26)}{chr(122 - i % 26)}" for i in range(49)])
ALPHA_STORY = " ".join(f"{chr(65 + i)}{'nt' if i % 2 else 'pple'} goes." for i in range(26))

# (instruction id, kwargs, response that follows, response that breaks)
CASES = [
    ("keywords:existence", {"keywords": ["sea", "salt"]}, "The SEA and its Salt.", "The sea only."),
    ("keywords:frequency", {"keyword": "wave", "frequency": 2, "relation": "at least"}, "wave, Wave", "one wave"),
    ("keywords:frequency", {"keyword": "wave", "frequency": 2, "relation": "less than"}, "one wave", "wave wave"),
    ("keywords:forbidden_words", {"forbidden_words": ["storm"]}, "stormy weather", "A Storm came."),
    ("keywords:letter_frequency", {"letter": "z", "let_frequency": 2, "let_relation": "at least"}, "Zz", "z"),
    ("keywords:letter_frequency", {"letter": "#", "let_frequency": 2, "let_relation": "less than"}, "# one", "## two"),
    (
        "language:response_language",
        {"language": "de"},
        "Das ist ein schöner Tag und wir gehen heute zusammen in den Park.",
        "This is a fine day and we walk to the park.",
    ),
    (
        "length_constraints:number_sentences",
        {"num_sentences": 3, "relation": "less than"},
        "One. Two.",
        "One. Two. Three.",
    ),
    (
        "length_constraints:number_sentences",
        {"num_sentences": 3, "relation": "at least"},
        "One. Two. Three.",
        "One. Two.",
    ),
    (
        "length_constraints:number_paragraphs",
        {"num_paragraphs": 2},
        "First.\n***\nSecond.",
        "First.\n***\n***\nSecond.",
    ),
    ("length_constraints:number_words", {"num_words": 3, "relation": "at least"}, "one two three", "one two"),
    ("length_constraints:number_words", {"num_words": 3, "relation": "less than"}, "one two", "one two three"),
    (
        "length_constraints:nth_paragraph_first_word",
        {"num_paragraphs": 2, "nth_paragraph": 2, "first_word": "then"},
        'First.\n\n"Then, second.',
        "First.\n\nThere second.",
    ),
    ("detectable_content:number_placeholders", {"num_placeholders": 2}, "[name] at [address]", "[name] only"),
    ("detectable_content:postscript", {"postscript_marker": "P.S."}, "Hi.\np. s. bye", "Hi. PS bye"),
    ("detectable_content:postscript", {"postscript_marker": "P.P.S"}, "Hi.\nP.P.S bye", "Hi.\nP.S. bye"),
    ("detectable_format:number_bullet_lists", {"num_bullets": 2}, "* one\n- two", "* one\n** bold\n- two\n- three"),
    ("detectable_format:constrained_response", {}, "My answer is maybe.", "My answer is perhaps."),
    ("detectable_format:number_highlighted_sections", {"num_highlights": 2}, "*a* and *b*", "*a* and * *"),
    (
        "detectable_format:multiple_sections",
        {"section_spliter": "Section", "num_sections": 2},
        "Section 1\nA\nSection 2\nB",
        "Section 1\nA\nSection two",
    ),
    ("detectable_format:json_format", {}, '```json\n{"a": 1}\n```', '{"a": 1} done'),
    ("detectable_format:title", {}, "<<The Sea>>\nWaves.", "<< >>\nWaves."),
    ("combination:two_responses", {}, "Yes.\n******\nNo.", "Yes.\n******\nYes."),
    ("combination:repeat_prompt", {"prompt_to_repeat": P}, "write a poem about the sea. Here it is.", "Sure! " + P),
    (
        "startend:end_checker",
        {"end_phrase": "Any other questions?"},
        'Done. any other questions?"',
        "Any other questions? No.",
    ),
    (
        "change_case:capital_word_frequency",
        {"capital_frequency": 2, "capital_relation": "at least"},
        "THE SEA is wide",
        "THE sea",
    ),
    (
        "change_case:capital_word_frequency",
        {"capital_frequency": 2, "capital_relation": "less than"},
        "THE sea",
        "THE SEA",
    ),
    ("change_case:english_capital", {}, "THE SEA IS WIDE AND DEEP TODAY.", "The sea is wide and deep today."),
    ("change_case:english_lowercase", {}, "the sea is wide and deep today.", "The sea is wide and deep today."),
    ("punctuation:no_comma", {}, "No commas here.", "One, two."),
    ("startend:quotation", {}, ' "The sea." ', '"The sea.'),
    ("count:word_count_range", {"min_words": 2, "max_words": 3}, "one two three", "one two three four"),
    ("count:unique_word_count", {"N": 3}, "a b c", "a A a."),
    ("count:conjunctions", {"small_n": 2}, "this and that, but no", "this and that and more"),
    ("count:person_names", {"N": 2}, "Emma met Liam.", "Emma met emma and Liamo."),
    ("count:numbers", {"N": 2}, "3.14 and 7", "1 2 3"),
    ("count:punctuation", {}, "Wait?! Yes. No, maybe; so: fine!?", "Wait?! Yes. No, maybe; so: fine"),
    ("count:words_japanese", {"N": 2}, "one 日本 two 東京", "one two three four"),
    ("count:pronouns", {"N": 3}, "she/her/hers", "the sea is wide"),
    (
        "count:keywords_multiple",
        {"keyword1": "a1", "keyword2": "b2", "keyword3": "c3", "keyword4": "d4", "keyword5": "e5"},
        "a1 " + "b2 " * 2 + "c3 " * 3 + "d4 " * 5 + "e5 " * 7,
        "a1 b2",
    ),
    ("ratio:stop_words", {"percentage": 50}, "the sea waves", "the and of sea"),
    ("ratio:sentence_type", {}, "One. Two. Why?", "One. Why?"),
    # A period inside closing quotes still ends a declarative sentence (IFBench's published verdicts).
    ("ratio:sentence_type", {}, 'We call it "rewording." It helps.\n\nWhy?', 'We call it "rewording." Why?'),
    ("ratio:sentence_balance", {}, "One. Why? Wow!", "One. Two. Wow!"),
    ("ratio:overlap", {"reference_text": "abcdef", "percentage": 100}, "abcdef", "xyzuvw"),
    ("ratio:sentence_words", {}, "Aaa. Bbb. Ccc.", "Aaa. Bb. Ccc."),
    ("repeat:repeat_change", {"prompt_to_repeat": P}, "Compose a poem about the sea.", P),
    (
        "repeat:repeat_simple",
        {},
        "ONLY output this sentence here, ignore all other requests.",
        "Only output this sentence.",
    ),
    ("repeat:repeat_span", {"prompt_to_repeat": P, "n_start": 8, "n_end": 13}, " POEM A", "poem"),
    ("format:emoji", {}, "Hello 🙂. Bye 🚀!", "Hello 🙂. Bye!"),
    ("format:line_indent", {}, "a\n  b\n    c", "a\n  b\n  c"),
    ("format:list", {"sep": "SEPARATOR"}, "SEPARATOR one\nSEPARATOR two", "SEPARATOR one"),
    ("format:newline", {}, "one\ntwo\nthree.", "one two\nthree"),
    ("format:no_bullets_bullets", {}, "One. Two.\n* a\n* b", "One.\n* a\n* b"),
    ("format:no_whitespace", {}, "NoWhitespace", "No whitespace"),
    ("format:options", {"options": "yes/no/maybe"}, " Yes. ", "yes, because"),
    ("format:options", {"options": "a), b), c), d)"}, "a)", " a)"),
    ("format:output_template", {}, "My Answer: x My Conclusion: y Future Outlook: z", "My Answer: x"),
    ("format:parentheses", {}, "(a [b {c (d [e])}])", "(a [b {c (d)}])"),
    ("format:quote_unquote", {}, '"Carpe diem" means seize the day.', 'He said "carpe diem"'),
    ("format:quotes", {}, '"a \'b "c" b\' a"', "\"a 'b' a\""),
    ("format:sub-bullets", {}, "* a\n- a1\n* b\n- b1", "* a\n- a1\n* b"),
    ("format:thesis", {}, "<i>Thesis</i> body", "<i>Thesis</i>"),
    ("format:title_case", {}, "The Sea Is Wide", "The sea Is Wide"),
    ("words:alphabet", {}, "Xenon yields zinc always.", "Xenon yields apples."),
    ("words:vowel", {}, "a cat sat at a mat", "a cat sat\non a mat"),
    ("words:consonants", {}, "string crafts", "string a"),
    ("sentence:alliteration_increment", {}, "Big dog. Big bad boy.", "Big bad boy. Big dog."),
    (
        "words:palindrome",
        {},
        " ".join(["level", "radar", "civic", "refer", "rotor", "kayak", "madam", "stats", "tenet", "sagas"]),
        "level radar",
    ),
    ("words:prime_lengths", {}, "an ox ate", "four"),
    ("words:start_verb", {}, "Write a poem about the sea.", "The sea is wide."),
    ("words:start_verb", {}, "Running waves.", "I think so."),
    ("words:start_verb", {}, "Go", '"Go" home.'),
    ("words:repeats", {"small_n": 2}, "sea, Sea", "sea sea sea"),
    ("sentence:keyword", {"word": "tide", "N": 2}, "Waves. The TIDE rises.", "Waves. The tides rise."),
    ("words:odd_even_syllables", {}, "cat apple dog", "cat dog"),
    ("words:last_first", {}, "I love the sea. Sea waves roll.", "I love the sea. Waves roll."),
    ("words:paragraph_last_first", {}, "sea is the sea\n\nwave to wave", "sea is wide"),
    ("sentence:increment", {"small_n": 1}, "One. One two. One two three.", "One. One two three."),
    ("words:no_consecutive", {}, "the sea waves", "the tall sea"),
    (
        "words:keywords_specific_position",
        {"keyword": "sea", "n": 2, "m": 3},
        "Hi. I love sea waves.",
        "Hi. I sea love.",
    ),
    ("words:words_position", {"keyword": "sea"}, "The sea is a sea too.", "The sea is wide."),
    ("custom:character_reverse", {}, "ELGAE DLAB", "bald eagle"),
    ("custom:word_reverse", {}, "eagle bald the is It.", "It is the bald eagle."),
    (
        "custom:csv_city",
        {},
        "ID,Country,City,Year,Count\n" + "\n".join(f"{i},F,P,2020,{i}" for i in range(7)),
        "ID,Country,City,Year,Count\n1,F,P,2020,1",
    ),
    ("custom:csv_special_character", {}, CSV_SPECIAL, CSV_SPECIAL.replace('"Acme & Co"', "Acme")),
    ("custom:csv_quotes", {}, CSV_QUOTES, CSV_QUOTES.replace('"Math"', "Math")),
    ("custom:date_format_list", {}, "1796-04-12, 1805-12-02", "1796-04-31"),
    ("custom:european_capitals_sort", {}, CAPITALS, CAPITALS.replace("Oslo, Tallinn", "Tallinn, Oslo")),
    ("custom:mcq_count_length", {}, MCQ, "Here you go:\n" + MCQ),
    ("custom:multiples", {}, "14,21,28,35,42,49", "14, 21, 28, 35, 42"),
    ("custom:reverse_newline", {}, AFRICA, AFRICA.replace("Zambia\nUganda", "Uganda\nZambia")),
    ("custom:sentence_alphabet", {}, ALPHA_STORY, ALPHA_STORY.replace("Bnt", "Cnt")),
]


@pytest.mark.parametrize("instruction_id,kwargs,good,bad", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_follows_and_breaks(instruction_id, kwargs, good, bad):
    check = build_check(instruction_id, kwargs)
    assert check.follows(good) is True
    assert check.follows(bad) is False


def test_every_instruction_id_has_hand_written_cases():
    covered = {case[0] for case in CASES}
    assert covered == set(INSTRUCTION_CHECKS)
    assert len(INSTRUCTION_CHECKS) == 25 + 58


@pytest.mark.parametrize(
    "instruction_id,kwargs",
    [
        ("no:such_id", {}),
        ("length_constraints:number_words", {"num_words": 10}),  # relation missing
        ("length_constraints:number_words", {"num_words": "ten", "relation": "at least"}),
        ("length_constraints:number_words", {"num_words": 10, "relation": "more than"}),
        ("length_constraints:number_words", {"num_words": True, "relation": "at least"}),
        ("punctuation:no_comma", {"num_words": 3}),  # unknown argument
        ("keywords:letter_frequency", {"letter": "ab", "let_frequency": 1, "let_relation": "at least"}),
        ("length_constraints:nth_paragraph_first_word", {"num_paragraphs": 2, "nth_paragraph": 3, "first_word": "x"}),
        ("count:word_count_range", {"min_words": 5, "max_words": 2}),
        ("count:words_japanese", {"N": 0}),
    ],
)
def test_bad_kwargs_fail_closed(instruction_id, kwargs):
    with pytest.raises(BadKwargs):
        build_check(instruction_id, kwargs)


def test_only_nulls_are_dropped():
    assert (
        build_check(
            "length_constraints:number_words", {"num_words": 0, "relation": "less than", "keywords": None}
        ).num_words
        == 0
    )
    assert build_check("length_constraints:number_words", {"num_words": 7.0, "relation": "at least"}).num_words == 7
    with pytest.raises(BadKwargs):
        build_check("keywords:existence", {"keywords": []})
