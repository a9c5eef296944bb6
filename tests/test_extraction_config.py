"""Extraction as public configuration: a mode is an `Extraction` (finders in priority order); a
user composes one from a task's finders and passes it as the `mode` option."""

from __future__ import annotations

import pytest

import rlvr
from rlvr.verifiers.extract import Extraction
from rlvr.verifiers.gsm8k import FINDERS, MODES

TEXT = "Roughly 40 at first. #### 42\nSo the final answer is \\boxed{41}."


def test_builtin_modes_are_extractions_and_priority_order_decides():
    assert MODES["any"].find(TEXT) == ("41", "boxed")
    hash_first = Extraction("hash_first", (("hash", FINDERS["hash"]), ("boxed", FINDERS["boxed"])))
    assert hash_first.find(TEXT) == ("42", "hash")
    assert rlvr.verify(TEXT, "#### 42", task="gsm8k", mode=hash_first).reason == "ok"
    assert rlvr.verify(TEXT, "#### 42", task="gsm8k").reason == "mismatch"
    assert rlvr.verify(TEXT, "#### 42", task="gsm8k", mode=hash_first).detail["mode"] == "hash_first"


def test_a_user_finder_and_the_format_bonus_of_its_forms():
    def final_line(text: str) -> str | None:
        return text.strip().splitlines()[-1].strip() if text.strip() else None

    last_line = Extraction("last_line", (("boxed", FINDERS["boxed"]), ("line", final_line)), {"boxed"})
    assert rlvr.compute_reward("Work.\n42", "42", task="gsm8k", mode=last_line, format_bonus=0.2) == pytest.approx(0.8)
    assert rlvr.compute_reward("\\boxed{42}", "42", task="gsm8k", mode=last_line, format_bonus=0.2) == 1.0


@pytest.mark.parametrize("finders", [(), (("boxed",),), (("boxed", "not a function"),), ((1, FINDERS["boxed"]),)])
def test_a_malformed_extraction_is_a_configuration_error(finders):
    with pytest.raises(ValueError):
        Extraction("bad", finders)


def test_an_unknown_mode_name_still_raises():
    with pytest.raises(ValueError, match="Extraction"):
        rlvr.get_verifier("gsm8k", mode="loose")


def test_math_modes_are_extractions_and_a_user_mode_composes_their_finders():
    from rlvr.verifiers.math.extraction import FINDERS as MATH_FINDERS
    from rlvr.verifiers.math.extraction import MODES as MATH_MODES

    text = "So the total is **7**. A check: \\boxed{8}"
    assert MATH_MODES["lenient"].find(text) == ("8", "boxed")
    bold_first = Extraction("bold_first", (("bold", MATH_FINDERS["bold"]), ("boxed", MATH_FINDERS["boxed"])))
    verdict = rlvr.verify(text, "7", task="math", mode=bold_first)
    assert (verdict.reason, verdict.extracted, verdict.detail["mode"]) == ("ok", "7", "bold_first")
    assert rlvr.verify(text, "7", task="math", mode="lenient").reason == "mismatch"


def test_mcq_modes_are_extractions_and_a_declined_commitment_ends_the_search():
    from rlvr.verifiers.mcq import FINDERS as MCQ_FINDERS
    from rlvr.verifiers.mcq import MODES as MCQ_MODES

    truth = {"answer": "B", "options": ["1", "2", "3", "4"]}
    flexible_or_last = Extraction(
        "flexible_or_last", (("flexible", MCQ_FINDERS["flexible"]), ("last_letter", MCQ_FINDERS["last_letter"]))
    )
    assert MCQ_MODES["reference"].finders[-1][0] == "last_letter"
    # No commitment at all: the fallback reads the last letter.
    assert rlvr.verify("Between A and B, B", truth, task="mcq", mode=flexible_or_last).extracted == "B"
    assert rlvr.verify("Between A and B, B", truth, task="mcq").reason == "no_answer"
    # A commitment to several options is no answer; the fallback is not consulted.
    several = rlvr.verify("The answer is (A) and (B).", truth, task="mcq", mode=flexible_or_last)
    assert (several.reason, several.detail["form"]) == ("no_answer", "several")


@pytest.mark.parametrize("task", ["gsm8k", "math", "mcq"])
def test_a_user_mode_cannot_take_a_builtin_name_and_an_unknown_name_raises(task):
    from rlvr.verifiers.gsm8k import FINDERS as GSM8K_FINDERS

    with pytest.raises(ValueError, match="built-in mode name"):
        rlvr.get_verifier(
            task, mode=Extraction("boxed" if task != "mcq" else "strict", (("b", GSM8K_FINDERS["boxed"]),))
        )
    with pytest.raises(ValueError, match="mode must be one of"):
        rlvr.get_verifier(task, mode="loose")
