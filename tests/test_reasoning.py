"""The reasoning-text policy every task shares (rlvr.verifiers.reasoning)."""

from __future__ import annotations

import pytest

import rlvr
from rlvr.verifiers.reasoning import answer_text


@pytest.mark.parametrize(
    ("completion", "answer"),
    [
        ("<think>The answer is 3.</think>The answer is 4.", "The answer is 4."),
        ("<THINK>a</THINK>b", "b"),
        ("<thinking>a</thinking>b", "b"),
        ("<reasoning>a</reasoning>b", "b"),
        ("<thought>a</thought>b", "b"),
        ("◁think▷a◁/think▷b", "b"),
        ("<think>a</think>b<think>c</think>d", "d"),
        ("Closing tag only: a</think>b", "b"),  # chat templates that open the block in the prompt
        ("no block at all", "no block at all"),
        ("<think>never closed", None),
        ("", ""),
    ],
)
def test_answer_text(completion, answer):
    assert answer_text(completion) == answer


def test_keep_reads_everything():
    assert answer_text("<think>never closed", "keep") == "<think>never closed"


def test_every_task_follows_it_with_an_option_to_turn_it_off():
    hidden = "<think>The answer is 18.</think>I give up."
    assert rlvr.verify(hidden, "#### 18", task="gsm8k").reason == "no_answer"
    assert rlvr.verify(hidden, "#### 18", task="gsm8k", reasoning="keep").reason == "ok"
    assert rlvr.verify("<think>The answer is 18.", "#### 18", task="gsm8k").detail == {"form": "unclosed_think"}
