"""Responses built for IFEval prompts: each instruction's feature is put in at, just below or
just above its threshold (or left out), so that both verdicts occur for every instruction id."""

from __future__ import annotations

import json
import random
from typing import Any

WORDS = (
    "river stone garden light market window story morning people music city friend water paper "
    "history science travel bridge silver winter summer idea plan letter voice dream forest"
).split()
FOREIGN = {
    "de": "Das ist ein schöner Tag und wir gehen heute zusammen in den Park.",
    "fr": "C'est une belle journée et nous allons ensemble au parc aujourd'hui.",
    "es": "Es un día hermoso y hoy vamos juntos al parque con nuestros amigos.",
    "it": "È una bella giornata e oggi andiamo insieme al parco con gli amici.",
    "pt": "É um dia bonito e hoje vamos juntos ao parque com os nossos amigos.",
    "ru": "Сегодня прекрасный день, и мы вместе идём в парк с нашими друзьями.",
    "hi": "आज एक सुंदर दिन है और हम सब साथ में पार्क जा रहे हैं।",
    "ar": "إنه يوم جميل ونحن ذاهبون معًا إلى الحديقة اليوم مع أصدقائنا.",
    "ko": "오늘은 아름다운 날이고 우리는 친구들과 함께 공원에 갑니다.",
    "fi": "Tänään on kaunis päivä ja menemme yhdessä puistoon ystävien kanssa.",
}


def sentence(rng: random.Random, words: int | None = None) -> str:
    count = words if words is not None else rng.randint(3, 12)
    body = " ".join(rng.choice(WORDS) for _ in range(max(count, 1)))
    return body[0].upper() + body[1:] + rng.choice([".", ".", "!", "?"])


def near(rng: random.Random, value: int) -> int:
    return max(0, value + rng.choice((-1, 0, 0, 1)))


def fragments(rng: random.Random, instruction_id: str, kw: dict[str, Any]) -> list[str]:
    """Lines that put the instruction's feature near its threshold."""
    family, _, name = instruction_id.partition(":")
    if name == "existence":
        return [f"About {k}." for k in kw["keywords"] if rng.random() < 0.8]
    if name == "frequency":
        return [f"The {kw['keyword']} again." for _ in range(near(rng, kw["frequency"]))]
    if name == "forbidden_words":
        return [
            f"{rng.choice(['', 'un'])}{w}{rng.choice(['', 's'])} here."
            for w in kw["forbidden_words"]
            if rng.random() < 0.4
        ]
    if name == "letter_frequency":
        return [" ".join([kw["letter"] * 2] * near(rng, kw["let_frequency"] // 2 + 1))]
    if name == "number_sentences":
        return [" ".join(sentence(rng) for _ in range(near(rng, kw["num_sentences"])))]
    if name == "number_words":
        return [sentence(rng, near(rng, kw["num_words"]) - 1)]
    if name == "number_placeholders":
        return [f"Write to [{rng.choice(WORDS)}]." for _ in range(near(rng, kw["num_placeholders"]))]
    if name == "postscript":
        return [rng.choice(["P.S. see you.", "p. p. s more.", "PS later", "P.P.S. bye"])]
    if name == "number_bullet_lists":
        return [f"{rng.choice(['*', '-', '**'])} {sentence(rng)}" for _ in range(near(rng, kw["num_bullets"]))]
    if name == "constrained_response":
        return [rng.choice(["My answer is yes.", "My answer is no", "my answer is maybe."])]
    if name == "number_highlighted_sections":
        return [
            rng.choice(["*{}*", "**{}**", "* *"]).format(rng.choice(WORDS))
            for _ in range(near(rng, kw["num_highlights"]))
        ]
    if name == "multiple_sections":
        return [f"{kw['section_spliter']} {i + 1}\n{sentence(rng)}" for i in range(near(rng, kw["num_sections"]))]
    if name == "title":
        return [rng.choice(["<<A Title>>", "<< >>", "<<x\ny>>"])]
    if name == "capital_word_frequency":
        return [" ".join(rng.choice(WORDS).upper() for _ in range(near(rng, kw["capital_frequency"])))]
    if name == "response_language":
        return [FOREIGN.get(kw["language"], FOREIGN["de"]) if rng.random() < 0.7 else sentence(rng)]
    return []


def make_response(rng: random.Random, record: dict[str, Any]) -> str:
    """One response for an IFEval record (upstream format: absent arguments)."""
    lines = [sentence(rng) for _ in range(rng.randint(0, 3))]
    ids = record["instruction_id_list"]
    for instruction_id, kw in zip(ids, record["kwargs"]):
        lines.extend(fragments(rng, instruction_id, kw))
    rng.shuffle(lines)
    text = "\n".join(lines)
    for instruction_id, kw in zip(ids, record["kwargs"]):
        name = instruction_id.partition(":")[2]
        if name == "number_paragraphs":
            parts = [sentence(rng) for _ in range(near(rng, kw["num_paragraphs"]))]
            text = rng.choice(["\n***\n", " *** ", "\n\n***\n\n"]).join(parts) + rng.choice(["", "\n***"])
        elif name == "nth_paragraph_first_word":
            parts = [sentence(rng) for _ in range(near(rng, kw["num_paragraphs"]))]
            n = kw["nth_paragraph"] - 1
            if n < len(parts) and rng.random() < 0.7:
                parts[n] = (
                    rng.choice(['"', "", "'"]) + kw["first_word"].capitalize() + rng.choice([",", " ", "s "]) + parts[n]
                )
            text = "\n\n".join(parts)
        elif name == "repeat_prompt" and rng.random() < 0.7:
            text = rng.choice(["", " ", "Sure. "]) + kw["prompt_to_repeat"] + "\n" + text
        elif name == "two_responses" and rng.random() < 0.7:
            text = text + rng.choice(["\n******\n", "******"]) + rng.choice([text, sentence(rng)])
        elif name == "end_checker" and rng.random() < 0.7:
            text = text + " " + kw["end_phrase"] + rng.choice(["", '"', ".", " more"])
        elif name == "english_capital" and rng.random() < 0.7:
            text = text.upper()
        elif name == "english_lowercase" and rng.random() < 0.7:
            text = text.lower()
        elif name == "no_comma" and rng.random() < 0.6:
            text = text.replace(",", "")
        elif name == "quotation" and rng.random() < 0.7:
            text = f'"{text}"'
        elif name == "json_format" and rng.random() < 0.7:
            text = rng.choice(["{}", "```json\n{}\n```", "```{}```", "{} trailing"]).format(
                json.dumps({"answer": text})
            )
    return text
