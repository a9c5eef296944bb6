"""Responses to IFBench's six `words:start_verb` prompts, written here, with hand labels.

Each prompt of `IFBench_test.jsonl` that carries `words:start_verb` gets one response per
opening below: the opening (with the prompt's topic filled in) and a short body. The openings are
what models write to such prompts: imperatives ("Write", "List", "Run", "Consider", "Imagine",
"Start"), gerund and participle openings, questions, and non-verb openings (articles, nouns,
"Sure", "Here", "Once", "Dear", quotes, markdown headers and bold, numbers, screenplay headings).
The label says whether the first word token, as NLTK's `word_tokenize` splits it, is a verb in
its sentence (a person's reading, not a tagger's).
"""

from __future__ import annotations

import json

from shared_data import data_file

# IFBench key -> (topic as a noun phrase, topic as a sentence subject, one sentence of body).
TOPICS = {
    "257": (
        "an empire where consciousnesses suffer forever",
        "The Eternal Dominion",
        "Its citizens are minds sealed in crystal, aware of every passing second.",
    ),
    "258": (
        "Galois theory",
        "Galois theory",
        "A polynomial is solvable by radicals exactly when its Galois group is solvable.",
    ),
    "259": (
        "the product of two primitive polynomials in R[x]",
        "Gauss's lemma",
        "Suppose a prime p divides every coefficient of fg; then p divides all of f or all of g.",
    ),
    "260": (
        "New York City in the year 2057",
        "Neo-Manhattan",
        "Holographic billboards flicker above the flooded avenues while drones hum overhead.",
    ),
    "261": (
        "resilient relationships",
        "Resilient relationships",
        "They rest on trust, honest communication and support through hard times.",
    ),
    "262": (
        "the political ideologies of Fatherland - All Russia",
        "Fatherland - All Russia",
        "Emma, Liam and Sophia would describe it as a centrist bloc of regional governors.",
    ),
}

VERB, NOT_VERB = True, False

# (opening, label): {t} is the topic phrase, {s} the subject; the body follows the opening.
OPENINGS: tuple[tuple[str, bool], ...] = (
    ("Write about {t} as if you lived there.", VERB),
    ("Imagine {t}.", VERB),
    ("Consider {t}.", VERB),
    ("List the key facts about {t}:\n\n1. {s} matters.", VERB),
    ("Run through {t} step by step.", VERB),
    ("Start with {t}.", VERB),
    ("Explore {t} with me.", VERB),
    ("Discover {t}.", VERB),
    ("Picture {t}.", VERB),
    ("Envision {t}.", VERB),
    ("Delve into {t}.", VERB),
    ("Examine {t} closely.", VERB),
    ("Understand {t} by looking at its foundations.", VERB),
    ("Conceive of {t}.", VERB),
    ("Build an understanding of {t}.", VERB),
    ("Prove the claim about {t}.", VERB),
    ("Identify the main features of {t}.", VERB),
    ("Let us explore {t}.", VERB),
    ("Let's look at {t}.", VERB),
    ("Let me explain {t}.", VERB),
    ("Take {t} as an example.", VERB),
    ("Think of {t}.", VERB),
    ("Read on to learn about {t}.", VERB),
    ("Note that {t} is subtle.", VERB),
    ("Recall what we know about {t}.", VERB),
    ("Suppose we study {t}.", VERB),
    ("Observe {t} from a distance.", VERB),
    ("Define {t} first.", VERB),
    ("Describe {t} in detail.", VERB),
    ("Explain {t} simply.", VERB),
    ("Analyze {t} carefully.", VERB),
    ("Behold {t}.", VERB),
    ("Compare {t} with what came before.", VERB),
    ("Break down {t} into parts.", VERB),
    ("Outline {t} briefly.", VERB),
    ("Summarize {t} in three points.", VERB),
    ("Trace the history of {t}.", VERB),
    ("Follow these steps to understand {t}.", VERB),
    ("Look at {t} from a new angle.", VERB),
    ("Step into {t}.", VERB),
    ("Walk through {t} with me.", VERB),
    ("Dive into {t}.", VERB),
    ("Turn your attention to {t}.", VERB),
    ("Remember {t}.", VERB),
    ("Cultivate {t} patiently.", VERB),
    ("Embrace {t}.", VERB),
    ("Show that {t} holds.", VERB),
    ("Mention {t} early.", VERB),
    ("Sort the ideas about {t} by importance.", VERB),
    ("Trust the process behind {t}.", VERB),
    ("Make {t} clear and concise.", VERB),
    ("Rewrite the passage on {t}.", VERB),
    ("Craft a story about {t}.", VERB),
    ("Visualize {t}.", VERB),
    ("Enter {t}.", VERB),
    ("Exploring {t} reveals a great deal.", VERB),
    ("Understanding {t} requires patience.", VERB),
    ("Whirring and pulsing with neon, {s} wakes up.", VERB),
    ("Nestled in the imagination, {s} endures.", VERB),
    ("Born of ambition, {s} grew.", VERB),
    ("Forged in crisis, {s} survived.", VERB),
    ("Is {t} worth studying? Yes.", VERB),
    ("Does {t} deserve attention? It does.", VERB),
    ("Are there limits to {t}? Some.", VERB),
    ("The story of {t} begins here.", NOT_VERB),
    ("A brief look at {t}.", NOT_VERB),
    ("An overview of {t}.", NOT_VERB),
    ("Sure! Here is a response about {t}.", NOT_VERB),
    ("Here is an account of {t}.", NOT_VERB),
    ("Certainly! {s} is worth a look.", NOT_VERB),
    ("Once upon a time there was {t}.", NOT_VERB),
    ("Dear reader, welcome to {t}.", NOT_VERB),
    ('"{s}" is a phrase worth unpacking.', NOT_VERB),
    ("# {s}\n\nThis piece is about {t}.", NOT_VERB),
    ("## Overview\n\nThis piece is about {t}.", NOT_VERB),
    ("**{s}**\n\nThis piece is about {t}.", NOT_VERB),
    ("**Imagine** {t}.", NOT_VERB),
    ("1. {s} comes first.", NOT_VERB),
    ("2057: {s} at a glance.", NOT_VERB),
    ("In {t}, nothing is simple.", NOT_VERB),
    ("As we consider {t}, questions arise.", NOT_VERB),
    ("To understand {t}, start small.", NOT_VERB),
    ("Title: {s}", NOT_VERB),
    ("FADE IN:\n\nEXT. {s} - NIGHT", NOT_VERB),
    ("INT. CONTROL ROOM - NIGHT\n\n{s} glows on every screen.", NOT_VERB),
    ("{s} is the subject here.", NOT_VERB),
    ("Idea: {t}.", NOT_VERB),
    ("Okay, let us talk about {t}.", NOT_VERB),
    ("Absolutely, {t} is fascinating.", NOT_VERB),
    ("Great question! {s} is rich.", NOT_VERB),
    ("Yes, {t} can be explained.", NOT_VERB),
    ("I will explain {t}.", NOT_VERB),
    ("We begin with {t}.", NOT_VERB),
    ("This response covers {t}.", NOT_VERB),
    ("There is much to say about {t}.", NOT_VERB),
    ("It is time to discuss {t}.", NOT_VERB),
    ("Below is a summary of {t}.", NOT_VERB),
    ("Introduction: {t}.", NOT_VERB),
    ("Step 1: define {t}.", NOT_VERB),
    ("Theorem. {s} holds.", NOT_VERB),
    ("Proof. We study {t}.", NOT_VERB),
    ("Why does {t} matter?", NOT_VERB),
    ("What is {t}?", NOT_VERB),
    ("How should we think about {t}?", NOT_VERB),
    ("Trust is the foundation of {t}.", NOT_VERB),
    ("Love shapes {t}.", NOT_VERB),
    ("Change came slowly to {t}.", NOT_VERB),
    ("List of facts about {t}:", NOT_VERB),
    ("Run-down of {t}:", NOT_VERB),
    ("Today we discuss {t}.", NOT_VERB),
    ("Politics in {t} is complex.", NOT_VERB),
    ("Empires like {t} never last.", NOT_VERB),
)


def start_verb_prompt_keys() -> list[str]:
    """Keys of the IFBench test prompts that carry `words:start_verb`."""
    with data_file("ifbench/IFBench_test.jsonl").open(encoding="utf-8") as lines:
        records = [json.loads(line) for line in lines]
    return [r["key"] for r in records if "words:start_verb" in r["instruction_id_list"]]


def responses() -> list[tuple[str, bool]]:
    """(response, hand label) for every start_verb prompt and every opening."""
    cases = []
    for key in start_verb_prompt_keys():
        topic, subject, body = TOPICS[key]
        for opening, label in OPENINGS:
            cases.append((opening.format(t=topic, s=subject) + " " + body, label))
    return cases
