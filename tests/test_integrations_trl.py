"""rlvr.integrations.trl: TRL's reward-function contract on real GSM8K data, and never raising.

The end-to-end run inside GRPOTrainer is in test_integrations_trl_grpo.py; here the function is
called with the keywords GRPOTrainer passes (see trl.GRPOTrainer._calculate_rewards).
"""

from __future__ import annotations

import asyncio
import json
import threading
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shared_data import data_file

import rlvr
from rlvr.integrations.messages import completion_text
from rlvr.integrations.trl import OUTCOMES, async_reward_func, outcome, reward_func


def gsm8k(n: int) -> list[dict]:
    with open(data_file("gsm8k/test.jsonl"), encoding="utf-8") as handle:
        return [json.loads(line) for _, line in zip(range(n), handle)]


def gold_number(answer: str) -> str:
    return answer.rpartition("####")[2].strip()


def real_batch(n: int = 120):
    """Completions for real GSM8K rows: right, wrong by one, and without an answer, in turn."""
    rows = gsm8k(n)
    completions = []
    for i, row in enumerate(rows):
        gold = gold_number(row["answer"]).replace(",", "")
        completions.append([f"The answer is {gold}.", f"The answer is {int(gold) + 1}.", "I cannot tell."][i % 3])
    return completions, [row["answer"] for row in rows]


def trl_call(function, completions, answers, log_metric=None, **extra):
    """The keywords GRPOTrainer passes to a custom reward function."""
    return function(
        prompts=["Question: ..."] * len(completions),
        completions=completions,
        completion_ids=[[1, 2, 3]] * len(completions),
        answer=answers,
        trainer_state=object(),
        log_extra=lambda column, values: None,
        log_metric=log_metric,
        **extra,
    )


def test_rewards_match_rlvr_per_completion_in_order():
    completions, answers = real_batch()
    rewards = trl_call(reward_func("gsm8k"), completions, answers)
    assert rewards == [rlvr.compute_reward(c, a, task="gsm8k") for c, a in zip(completions, answers)]
    assert rewards == [1.0, 0.0, 0.0] * 40


def test_conversational_completions_use_the_last_assistant_message():
    completions, answers = real_batch(30)
    conversations = [
        [
            {"role": "assistant", "content": "Let me call a tool."},
            {"role": "tool", "content": "The answer is 0."},
            {"role": "assistant", "content": [{"type": "text", "text": "Done. "}, {"type": "text", "text": c}]},
        ]
        for c in completions
    ]
    assert trl_call(reward_func("gsm8k"), conversations, answers) == trl_call(
        reward_func("gsm8k"), completions, answers
    )


def test_options_reach_the_verifier():
    rows = gsm8k(2)
    completions = [f"So it is {gold_number(r['answer'])}" for r in rows]  # a bare last number, no format
    answers = [r["answer"] for r in rows]
    assert trl_call(reward_func("gsm8k"), completions, answers) == [1.0, 1.0]
    assert trl_call(reward_func("gsm8k", mode="strict"), completions, answers) == [0.0, 0.0]


def test_answer_column_is_configurable_and_none_answers_give_none():
    completions, answers = real_batch(6)
    answers[1] = answers[4] = None  # rows of another task in a mixed dataset
    reward = reward_func("gsm8k", answer_column="solution")
    rewards = trl_call(reward, completions, [None] * 6, solution=answers)
    assert rewards == [1.0, None, 0.0, 1.0, None, 0.0]


def test_outcome_counts_are_logged_per_batch():
    completions, answers = real_batch(12)
    completions[2] = 12345  # not text: an "error" outcome, still one reward
    answers[5] = "#### not a number"  # a bad ground truth counts as "error" too
    logged = []
    rewards = trl_call(reward_func("gsm8k"), completions, answers, log_metric=lambda k, v: logged.append((k, v)))
    assert len(rewards) == 12
    assert dict(logged) == {
        "rlvr/gsm8k/correct": 4.0,
        "rlvr/gsm8k/wrong": 4.0,
        "rlvr/gsm8k/no_answer": 2.0,
        "rlvr/gsm8k/timeout": 0.0,
        "rlvr/gsm8k/error": 2.0,
    }
    assert [k for k, _ in logged] == [f"rlvr/gsm8k/{name}" for name in OUTCOMES]


def test_outcome_buckets():
    assert outcome(rlvr.Verdict(score=1.0, correct=True)) == "correct"
    assert outcome(rlvr.Verdict(score=0.1, correct=False, reason="mismatch")) == "wrong"
    for reason, bucket in [
        ("no_answer", "no_answer"),
        ("timeout", "timeout"),
        ("error", "error"),
        ("bad_ground_truth", "error"),
        ("unknown_task", "error"),
        ("judge_error", "error"),
        ("sandbox_error", "error"),
        ("busy", "error"),
        ("program_timeout", "wrong"),
    ]:
        assert outcome(rlvr.Verdict.failure(reason)) == bucket


def test_configuration_errors_raise_early_and_clearly():
    with pytest.raises(ValueError, match="unknown task"):
        reward_func("no-such-task")
    with pytest.raises(ValueError, match="unknown option"):
        reward_func("gsm8k", no_such_option=1)
    reward = reward_func("gsm8k")
    with pytest.raises(ValueError, match="no column 'answer'"):
        reward(prompts=["q"], completions=["1"], gold=["1"])
    with pytest.raises(ValueError, match="2 completions but 1 values"):
        reward(prompts=["q", "q"], completions=["1", "2"], answer=["1"])


def test_reward_function_names_are_what_trl_logs():
    assert reward_func("gsm8k").__name__ == "rlvr_gsm8k"
    assert async_reward_func("gsm8k").__name__ == "rlvr_gsm8k"
    assert asyncio.iscoroutinefunction(async_reward_func("gsm8k"))


def test_async_variant_gives_the_same_rewards():
    completions, answers = real_batch()
    expected = trl_call(reward_func("gsm8k"), completions, answers)
    assert asyncio.run(trl_call(async_reward_func("gsm8k"), completions, answers)) == expected


def test_async_variant_does_not_block_the_event_loop():
    # Long completions make verification take a while; a ticker on the same loop must keep
    # running meanwhile (verification runs on the verifier's lane), and log_metric is called on
    # the loop's own thread, as TRL calls it from a synchronous reward.
    rows = gsm8k(20)
    completions = [" 7" * 30_000 + f" {gold_number(r['answer'])}" for r in rows]
    answers = [r["answer"] for r in rows]
    threads: set[int] = set()

    def spy_metric(name, value):
        threads.add(threading.get_ident())

    async def main():
        ticks = 0
        done = asyncio.Event()

        async def ticker():
            nonlocal ticks
            while not done.is_set():
                ticks += 1
                await asyncio.sleep(0.001)

        task = asyncio.create_task(ticker())
        await asyncio.sleep(0)
        started = time.perf_counter()
        rewards = await trl_call(async_reward_func("gsm8k"), completions, answers, log_metric=spy_metric)
        elapsed = time.perf_counter() - started
        done.set()
        await task
        return rewards, ticks, elapsed

    rewards, ticks, elapsed = asyncio.run(main())
    assert rewards == [1.0] * len(rows)
    assert elapsed > 0.05, "the batch should take long enough to observe the loop"
    assert ticks >= 5 and threads == {threading.get_ident()}


# Values a trainer could hand over: text, chat messages (well- and ill-formed), and junk.
_text = st.text(max_size=60)
_scalar = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), _text, st.binary(max_size=8))
_content = st.one_of(
    _text,
    st.none(),
    st.integers(),
    st.lists(
        st.one_of(
            st.fixed_dictionaries(
                {"type": st.sampled_from(["text", "image"]), "text": st.one_of(_text, st.integers())}
            ),
            _text,
        ),
        max_size=3,
    ),
)
_message = st.fixed_dictionaries(
    {"role": st.sampled_from(["assistant", "user", "tool", "system"]), "content": _content}
)
_junk = st.recursive(
    _scalar,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(_text, inner, max_size=3)),
    max_leaves=6,
)
_completion = st.one_of(_text, st.lists(_message, max_size=4), _message, _junk)
_answer = st.one_of(
    st.none(),
    _text,
    st.integers(),
    st.floats(allow_nan=True),
    st.sampled_from(["#### 18", "72", "#### 1,080", "####", ""]),
    _junk,
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(_completion, _answer), max_size=8))
def test_never_raises_and_returns_one_value_per_completion(pairs):
    completions = [c for c, _ in pairs]
    answers = [a for _, a in pairs]
    logged = []
    for options in ({}, {"mode": "boxed", "format_bonus": 0.2}):
        function = reward_func("gsm8k", **options)
        rewards = trl_call(function, completions, answers, log_metric=lambda k, v: logged.append(v))
        assert len(rewards) == len(completions)
        for reward, completion, answer in zip(rewards, completions, answers):
            # None for rows without an answer and for verdicts that could not judge (a bad gold).
            failed = answer is not None and rlvr.verify(completion_text(completion), answer, "gsm8k", **options).failed
            assert (reward is None) == (answer is None or failed)
            assert reward is None or (isinstance(reward, float) and 0.0 <= reward <= 1.0)
    assert len(logged) == 2 * len(OUTCOMES)


def test_failed_verdicts_give_none_unless_on_failure_is_zero():
    completions, answers = ["#### 72", "#### 72", "#### 5"], ["#### 72", "@@@", "#### 72"]
    assert trl_call(reward_func("gsm8k"), completions, answers) == [1.0, None, 0.0]
    assert trl_call(reward_func("gsm8k", on_failure="zero"), completions, answers) == [1.0, 0.0, 0.0]
    with pytest.raises(ValueError, match="on_failure"):
        reward_func("gsm8k", on_failure="skip")


@settings(max_examples=200, deadline=None)
@given(_completion)
def test_completion_text_never_raises(completion):
    text = completion_text(completion)
    assert isinstance(text, str) or text is completion
