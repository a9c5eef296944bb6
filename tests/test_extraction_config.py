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
