"""Differential test: our IFEval checks against lm-eval's own implementation (the installed
package, imported at test time and run offline), on responses built for all 541 IFEval prompts.

Instruction-level verdicts must be identical, strict and loose, except where the reference is
not deterministic: keywords:letter_frequency with a `letter` that is not an ASCII letter (the
data has "!" and "#"), for which lm-eval draws a random letter; those are counted apart.
"""

from __future__ import annotations

import json
import random
import string
from dataclasses import dataclass, field

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ifeval_reference import load_reference
from ifeval_responses import make_response
from shared_data import data_file

from rlvr.ifeval_checks import IFEVAL_CHECKS, build_check, follows


@pytest.fixture(scope="session")
def records() -> list[dict]:
    with open(data_file("ifeval/input_data.jsonl"), encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]


@pytest.fixture(scope="session")
def reference(tmp_path_factory):
    return load_reference(tmp_path_factory.mktemp("nltk_data"))


def reference_is_random(instruction_id: str, kwargs: dict) -> bool:
    return instruction_id == "keywords:letter_frequency" and kwargs["letter"] not in string.ascii_letters


@dataclass
class Agreement:
    instructions: int = 0
    prompts: int = 0
    same: dict = field(default_factory=lambda: {"strict": 0, "loose": 0})
    same_prompts: dict = field(default_factory=lambda: {"strict": 0, "loose": 0})
    followed: dict = field(default_factory=lambda: {"strict": 0, "loose": 0})
    excluded: int = 0
    differences: list = field(default_factory=list)

    def rates(self) -> dict[str, float]:
        return {
            f"{level}_{mode}": round(100.0 * same[mode] / total, 3)
            for level, same, total in (
                ("instruction", self.same, self.instructions),
                ("prompt", self.same_prompts, self.prompts),
            )
            for mode in ("strict", "loose")
        }


def compare(reference, pairs) -> Agreement:
    utils, _ = reference
    result = Agreement()
    for record, response in pairs:
        example = utils.InputExample(
            key=record["key"],
            instruction_id_list=record["instruction_id_list"],
            prompt=record["prompt"],
            kwargs=record["kwargs"],
        )
        kept = [not reference_is_random(i, k) for i, k in zip(record["instruction_id_list"], record["kwargs"])]
        checks = [build_check(i, k, IFEVAL_CHECKS) for i, k in zip(record["instruction_id_list"], record["kwargs"])]
        result.excluded += kept.count(False)
        result.prompts += 1
        result.instructions += kept.count(True)
        for mode, run in (
            ("strict", utils.test_instruction_following_strict),
            ("loose", utils.test_instruction_following_loose),
        ):
            theirs = run(example, response).follow_instruction_list
            ours = [follows(check, response, loose=mode == "loose").followed for check in checks]
            pairs_kept = [(o, t) for o, t, k in zip(ours, theirs, kept) if k]
            same = sum(o == t for o, t in pairs_kept)
            result.same[mode] += same
            result.followed[mode] += sum(o for o, _ in pairs_kept)
            result.same_prompts[mode] += all(o == t for o, t in pairs_kept)
            for (o, t), instruction_id in zip(
                pairs_kept, [i for i, k in zip(record["instruction_id_list"], kept) if k]
            ):
                if o != t:
                    result.differences.append((mode, record["key"], instruction_id, o, t, response[:200]))
    return result


def built_pairs(records, per_prompt: int, seed: int):
    rng = random.Random(seed)
    return [(record, make_response(rng, record)) for record in records for _ in range(per_prompt)]


def report(name: str, agreement: Agreement) -> None:
    print(
        f"\n{name}: {agreement.prompts} responses, {agreement.instructions} instruction verdicts "
        f"(+{agreement.excluded} excluded), followed strict {agreement.followed['strict']} loose "
        f"{agreement.followed['loose']}; agreement % {agreement.rates()}"
    )


def test_every_response_agrees_with_lm_eval_on_all_541_prompts(records, reference):
    agreement = compare(reference, built_pairs(records, per_prompt=2, seed=1))
    report("differential (2 responses per prompt)", agreement)
    assert agreement.prompts == 2 * 541
    assert agreement.differences == []
    # The responses must exercise both verdicts, or agreement would prove little.
    assert 0.2 * agreement.instructions < agreement.followed["strict"] < 0.9 * agreement.instructions


@pytest.mark.slow
def test_agreement_with_lm_eval_many_responses(records, reference):
    agreement = compare(reference, built_pairs(records, per_prompt=10, seed=7))
    report("differential (10 responses per prompt)", agreement)
    assert agreement.differences == []


MARKUP = st.sampled_from(
    [
        "*",
        "**",
        "***",
        "-",
        "\n",
        "\n\n",
        ",",
        ".",
        "!",
        "?",
        '"',
        "'",
        "<<",
        ">>",
        "[x]",
        "P.S.",
        "Section 1",
        "******",
        "{",
        "}",
        "```",
        "  ",
        "THE",
        "the",
        "é",
        "über",
    ]
)
WORDISH = st.text(alphabet=st.characters(codec="utf-8", categories=("L", "N", "P", "Zs")), max_size=12)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(index=st.integers(0, 540), pieces=st.lists(st.one_of(MARKUP, WORDISH), max_size=40))
def test_generated_text_agrees_with_lm_eval(records, reference, index, pieces):
    agreement = compare(reference, [(records[index], "".join(pieces))])
    assert agreement.differences == []


def test_reference_import_attempted_no_download(reference):
    import nltk
    from ifeval_reference import refuse_download

    assert nltk.download is refuse_download
