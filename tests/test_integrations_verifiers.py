"""rlvr.integrations.verifiers inside a real `verifiers` Rubric (the library's classic API).

Rollout states are built as the library's Environment.init_state builds them (input row with
prompt/answer/example_id, task, empty trajectory), plus the completion, on real GSM8K data,
and scored by the Rubric's own score_group / score_rollout.
"""

from __future__ import annotations

import asyncio
import json
import logging

import verifiers as vf
from hypothesis import given, settings
from hypothesis import strategies as st
from shared_data import data_file
from verifiers.types import AssistantMessage, State, UserMessage

import rlvr
from rlvr.integrations.verifiers import reward_func


def gsm8k(n: int) -> list[dict]:
    with open(data_file("gsm8k/test.jsonl"), encoding="utf-8") as handle:
        return [json.loads(line) for _, line in zip(range(n), handle)]


def rollout_state(example_id: int, row: dict, completion) -> State:
    """A State with the fields Environment.init_state sets that scoring reads, after generation."""
    task = {"prompt": [UserMessage(content=row["question"])], "answer": row["answer"], "example_id": example_id}
    state = State(input=dict(task))
    state["task"] = task
    state["trajectory"] = []
    state["completion"] = completion
    return state


def boxed_answers(rows):
    """Right, wrong and missing \\boxed{} answers in turn, as the model's message."""
    out = []
    for i, row in enumerate(rows):
        gold = int(row["answer"].rpartition("####")[2].replace(",", ""))
        out.append(
            [f"So the result is \\boxed{{{gold}}}.", f"So the result is \\boxed{{{gold - 1}}}.", "I am not sure."][
                i % 3
            ]
        )
    return out


def test_rubric_scores_rollouts_with_the_rlvr_reward():
    rows = gsm8k(30)
    texts = boxed_answers(rows)
    states = [rollout_state(i, row, [AssistantMessage(content=text)]) for i, (row, text) in enumerate(zip(rows, texts))]
    rubric = vf.Rubric(funcs=[reward_func("gsm8k", mode="boxed")], weights=[0.5])
    asyncio.run(rubric.score_group(states))
    expected = [rlvr.compute_reward(t, r["answer"], task="gsm8k", mode="boxed") for t, r in zip(texts, rows)]
    assert expected == [1.0, 0.0, 0.0] * 10
    assert [s["metrics"]["rlvr_gsm8k"] for s in states] == expected
    assert [s["reward"] for s in states] == [0.5 * e for e in expected]  # the Rubric applied its weight


def test_rubric_score_rollout_with_string_and_dict_completions():
    rows = gsm8k(6)
    texts = boxed_answers(rows)
    rubric = vf.Rubric(funcs=[reward_func("gsm8k")])
    for i, (row, text) in enumerate(zip(rows, texts)):
        for completion in (text, [{"role": "assistant", "content": text}]):
            state = rollout_state(i, row, completion)
            asyncio.run(rubric.score_rollout(state))
            assert state["reward"] == rlvr.compute_reward(text, row["answer"], task="gsm8k")


def test_rubric_logs_no_error_for_bad_samples(caplog):
    # The Rubric would catch an exception, log it and score 0; rlvr's reward never gets there.
    row = gsm8k(1)[0]
    bad = [None, 42, [{"role": "assistant", "content": None}], [AssistantMessage(content=[{"type": "image"}])]]
    states = [
        rollout_state(i, {**row, "answer": answer}, completion)
        for i, completion in enumerate(bad)
        for answer in (row["answer"], "", "#### x")
    ]
    rubric = vf.Rubric(funcs=[reward_func("gsm8k")])
    with caplog.at_level(logging.ERROR):
        asyncio.run(rubric.score_group(states))
    assert [s["reward"] for s in states] == [0.0] * len(states)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


_text = st.text(max_size=60)
_junk = st.recursive(
    st.one_of(st.none(), st.integers(), st.floats(), _text),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(_text, inner, max_size=3)),
    max_leaves=6,
)
_message = st.builds(
    lambda role, content: {"role": role, "content": content},
    st.sampled_from(["assistant", "user", "tool"]),
    st.one_of(_text, st.none(), _junk),
)


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(_text, st.lists(_message, max_size=4), _junk), st.one_of(_text, st.sampled_from(["#### 18", "7"]), _junk)
)
def test_never_raises(completion, answer):
    reward = reward_func("gsm8k")(completion=completion, answer=answer, prompt=[], state={}, info={})
    assert isinstance(reward, float) and 0.0 <= reward <= 1.0


def test_readme_example_single_turn_env_scores_with_rlvr():
    from datasets import Dataset

    rows = gsm8k(6)
    rubric = vf.Rubric(funcs=[reward_func("gsm8k", mode="boxed")], weights=[1.0])
    env = vf.SingleTurnEnv(
        dataset=Dataset.from_list(rows), system_prompt="Put the final answer in \\boxed{}.", rubric=rubric
    )
    dataset = env.get_dataset()
    assert list(dataset["answer"]) == [row["answer"] for row in rows]
    texts = boxed_answers(rows)
    states = [
        rollout_state(i, {"question": row["question"], "answer": row["answer"]}, [AssistantMessage(content=t)])
        for i, (row, t) in enumerate(zip(dataset, texts))
    ]
    asyncio.run(env.rubric.score_group(states))  # the env's rubric group around ours
    expected = [rlvr.compute_reward(t, r["answer"], task="gsm8k", mode="boxed") for t, r in zip(texts, rows)]
    assert [s["metrics"]["rlvr_gsm8k"] for s in states] == expected == [1.0, 0.0, 0.0] * 2
    assert [s["reward"] for s in states] == expected
