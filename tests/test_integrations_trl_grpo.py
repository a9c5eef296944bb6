"""A real TRL GRPOTrainer run with an rlvr reward: 2 steps on CPU, tiny random-weight model.

The model is built offline with rlvr.testing.tiny_model. Its sampling is restricted (GenerationConfig
`suppress_tokens`) to three one-token completions, "3", "5" and "a", so that within a few
samples the reward sees right answers, wrong answers and no answer on real GSM8K questions
whose gold answers are 3 and 5. Both prompt forms run: standard text with the synchronous
reward, conversational messages with the async reward. Everything else is TRL's own path:
dataset columns, generation, the reward call, advantages, the optimizer step, logged metrics.
"""

from __future__ import annotations

import json
import statistics

import pytest
import torch
from datasets import Dataset
from shared_data import data_file
from transformers import AutoModelForCausalLM, AutoTokenizer
from trl import GRPOConfig, GRPOTrainer

import rlvr
from rlvr.integrations.trl import OUTCOMES, async_reward_func, reward_func
from rlvr.testing.tiny_model import TinyModelConfig, build_tiny_model

GSM8K_ROWS = (1, 51)  # test-split rows whose gold answers are 3 and 5
ALLOWED = ("3", "5", "a")
GENERATIONS = 4


def gsm8k_rows():
    with open(data_file("gsm8k/test.jsonl"), encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle]
    return [rows[i] for i in GSM8K_ROWS]


class Spy:
    """Calls the rlvr reward exactly as TRL called it and records inputs and outputs."""

    def __init__(self, reward):
        self.reward = reward
        self.__name__ = reward.__name__
        self.calls = []

    def record(self, prompts, completions, completion_ids, kwargs, rewards):
        self.calls.append(
            {
                "prompts": prompts,
                "completions": completions,
                "completion_ids": completion_ids,
                "answers": kwargs["answer"],
                "rewards": rewards,
                "keys": set(kwargs),
            }
        )
        return rewards

    def __call__(self, prompts, completions, completion_ids=None, **kwargs):
        rewards = self.reward(prompts=prompts, completions=completions, completion_ids=completion_ids, **kwargs)
        return self.record(prompts, completions, completion_ids, kwargs, rewards)


class AsyncSpy(Spy):
    """The same for an async reward: TRL awaits it on its own event loop."""

    async def __call__(self, prompts, completions, completion_ids=None, **kwargs):
        rewards = await self.reward(prompts=prompts, completions=completions, completion_ids=completion_ids, **kwargs)
        return self.record(prompts, completions, completion_ids, kwargs, rewards)


CHAT_TEMPLATE = (
    "{% for m in messages %}<s>{{ m['role'] }}: {{ m['content'] }}\n{% endfor %}"
    "{% if add_generation_prompt %}<s>assistant: {% endif %}"
)


@pytest.fixture(scope="module")
def tiny_model_dir(tmp_path_factory):
    return build_tiny_model(tmp_path_factory.mktemp("tiny-grpo"), config=TinyModelConfig(chat_template=CHAT_TEMPLATE))


def run_grpo(model_dir, output_dir, reward, dataset):
    """Two GRPO steps of one prompt and GENERATIONS completions each; returns the trainer."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # the machine is shared; the model is tiny
    try:
        tokenizer = AutoTokenizer.from_pretrained(model_dir, padding_side="left")
        model = AutoModelForCausalLM.from_pretrained(model_dir)
        allowed_ids = {tokenizer.convert_tokens_to_ids(token) for token in ALLOWED}
        assert len(allowed_ids) == len(ALLOWED) and tokenizer.unk_token_id not in allowed_ids
        config = GRPOConfig(
            output_dir=str(output_dir),
            use_cpu=True,
            max_steps=2,
            per_device_train_batch_size=GENERATIONS,
            num_generations=GENERATIONS,
            max_completion_length=1,
            shuffle_dataset=False,
            logging_steps=1,
            learning_rate=1e-3,
            save_strategy="no",
            report_to="none",
            disable_tqdm=True,
            seed=0,
            generation_kwargs={"suppress_tokens": [i for i in range(len(tokenizer)) if i not in allowed_ids]},
        )
        trainer = GRPOTrainer(
            model=model,
            reward_funcs=[reward],
            args=config,
            train_dataset=Dataset.from_list(dataset),
            processing_class=tokenizer,
        )
        before = {name: p.detach().clone() for name, p in trainer.model.named_parameters()}
        trainer.train()
    finally:
        torch.set_num_threads(threads)
    trainer.weights_changed = any(not torch.equal(p, before[n]) for n, p in trainer.model.named_parameters())
    return trainer


@pytest.mark.parametrize("form", ["standard", "conversational"])
def test_grpo_trainer_two_steps_with_rlvr_reward(form, tiny_model_dir, tmp_path):
    rows = gsm8k_rows()
    golds = [row["answer"] for row in rows]
    if form == "standard":
        dataset = [{"prompt": f"Question: {row['question']}\nAnswer: ", "answer": row["answer"]} for row in rows]
        spy = Spy(reward_func("gsm8k", mode="flexible"))
    else:
        dataset = [{"prompt": [{"role": "user", "content": row["question"]}], "answer": row["answer"]} for row in rows]
        spy = AsyncSpy(async_reward_func("gsm8k", mode="flexible"))
    trainer = run_grpo(tiny_model_dir, tmp_path, spy, dataset)

    # The reward was called once per step with one value per completion, in TRL's shapes.
    assert len(spy.calls) == 2
    for call, gold in zip(spy.calls, golds):
        assert len(call["prompts"]) == len(call["completions"]) == len(call["answers"]) == GENERATIONS
        assert len(call["completion_ids"]) == GENERATIONS and all(len(ids) == 1 for ids in call["completion_ids"])
        assert call["answers"] == [gold] * GENERATIONS  # the answer column, repeated per generation
        assert {"trainer_state", "log_metric", "log_extra"} <= call["keys"]
        texts = call["completions"]
        if form == "conversational":
            assert all(c[-1]["role"] == "assistant" for c in texts)
            texts = [c[-1]["content"] for c in texts]
        assert all(text in ALLOWED for text in texts)
        # Each reward is what rlvr says about that completion, computed independently.
        assert call["rewards"] == [rlvr.compute_reward(text, gold, task="gsm8k", mode="flexible") for text in texts]
        call["verdicts"] = [rlvr.verify(text, gold, task="gsm8k", mode="flexible") for text in texts]
    all_rewards = [r for call in spy.calls for r in call["rewards"]]
    assert 0.0 < sum(all_rewards) < len(all_rewards), "expected both right and wrong answers"

    # The values reached TRL's logged metrics: per step, the reward mean and the outcome counts.
    step_logs = [log for log in trainer.state.log_history if "rewards/rlvr_gsm8k/mean" in log]
    assert len(step_logs) == 2
    for log, call in zip(step_logs, spy.calls):
        verdicts = call["verdicts"]
        assert log["rewards/rlvr_gsm8k/mean"] == pytest.approx(statistics.mean(call["rewards"]))
        assert log["rlvr/gsm8k/correct"] == sum(v.correct for v in verdicts)
        assert log["rlvr/gsm8k/no_answer"] == sum(v.reason == "no_answer" for v in verdicts)
        assert log["rlvr/gsm8k/wrong"] == sum(v.reason == "mismatch" for v in verdicts)
        assert sum(log[f"rlvr/gsm8k/{name}"] for name in OUTCOMES) == GENERATIONS

    # A step with unequal rewards has non-zero advantages, so the optimizer moved the weights.
    assert trainer.weights_changed
