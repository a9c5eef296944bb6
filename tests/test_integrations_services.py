"""The adapters for trainers that call reward services, each driven the way its trainer drives it.

OpenRLHF (openrlhf/utils/agent.py, SingleTurnAgentExecutor): POSTs {"query", "prompts", "labels"}
with aiohttp to each --remote_rm_url, reads "rewards", "scores", "extra_logs"; or loads
`reward_func` from a .py file and calls it on a thread. slime (slime/rollout/rm_hub): loads
--custom-rm-path with importlib and awaits fn(args, sample) (a list of samples with --group-rm),
or POSTs {"prompt", "response", "label"} to --rm-url and takes --reward-key from the JSON. verl
(verl/trainer/ppo/reward.py, experimental/reward_loop): wraps an async custom reward function in
functools.partial with reward_kwargs and awaits it with keyword arguments.
None of the three installs here (they pull in CUDA stacks), so their calling code is mirrored.
"""

from __future__ import annotations

import asyncio
import importlib
import inspect
from dataclasses import dataclass, field
from functools import partial
from types import SimpleNamespace
from typing import Any

import aiohttp
import pytest
from serve_process import running
from service_data import gsm8k_samples, math_samples

import rlvr
from rlvr.integrations import openrlhf, verl


@pytest.fixture(scope="module")
def server():
    with running(env={"RLVR_WORKERS": "2"}) as server:
        yield server


PROMPT = "<|im_start|>user\nSolve it; put the answer in \\boxed{{}}.\n{problem}<|im_end|>\n<|im_start|>assistant\n"


def _openrlhf_batch(count: int) -> tuple[list[str], list[str], list[str], list[rlvr.Verdict]]:
    samples = math_samples(count)
    prompts = [PROMPT.format(problem=f"problem {i}") for i in range(count)]
    # What OpenRLHF decodes: prompt and response together, special tokens kept.
    queries = [p + s.completion + "<|im_end|>" for p, s in zip(prompts, samples)]
    expected = [rlvr.verify(s.completion + "<|im_end|>", s.ground_truth, task="math") for s in samples]
    return queries, prompts, [s.ground_truth for s in samples], expected


async def _post(url: str, payload: dict) -> Any:
    # As OpenRLHF's and slime's clients post: aiohttp, JSON body, raise_for_status, .json().
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=180)) as session:
        async with session.post(url, json=payload) as response:
            response.raise_for_status()
            return await response.json()


def test_openrlhf_remote_reward_model_over_http(server):
    queries, prompts, labels, expected = _openrlhf_batch(12)
    answer = asyncio.run(_post(f"{server.url}/openrlhf/math", {"query": queries, "prompts": prompts, "labels": labels}))
    assert answer["rewards"] == answer["scores"] == [v.score for v in expected]
    assert answer["extra_logs"]["rlvr_correct"] == [float(v.correct) for v in expected]
    assert answer["extra_logs"]["rlvr_failed"] == [0.0] * 12
    assert 0 < sum(answer["rewards"]) < 12
    # OpenRLHF posts one sample per request; options ride in the URL ("#### 4" is no answer in strict mode).
    one = {"query": ["Q: 2+2?\nA: #### 4"], "prompts": ["Q: 2+2?\nA:"], "labels": ["4"]}
    assert asyncio.run(_post(f"{server.url}/openrlhf/gsm8k", one))["rewards"] == [1.0]
    strict = asyncio.run(_post(f"{server.url}/openrlhf/gsm8k?options=%7B%22mode%22%3A%22strict%22%7D", one))
    assert strict["rewards"] == [rlvr.verify(" #### 4", "4", task="gsm8k", mode="strict").score] == [0.0]


def test_openrlhf_reward_func_file_mode():
    queries, prompts, labels, expected = _openrlhf_batch(6)
    reward_func = openrlhf.reward_func_for("math")
    answer = asyncio.run(asyncio.to_thread(reward_func, queries, prompts, labels))
    assert answer["rewards"] == [v.score for v in expected]
    with pytest.raises(ValueError, match="unknown"):
        openrlhf.reward_func_for("no_such_task")


def test_openrlhf_completion_is_the_query_after_its_prompt():
    assert openrlhf.completion_of("PROMPT answer", "PROMPT") == " answer"
    assert openrlhf.completion_of("<s>PROMPT answer", "PROMPT") == " answer"  # decoding added a token before
    assert openrlhf.completion_of("changed answer", "PROMPT") == "changed answer"


@dataclass
class SlimeSample:
    """The fields of slime.utils.types.Sample that a reward function reads and writes."""

    prompt: str
    response: str
    label: str | None
    metadata: dict = field(default_factory=dict)
    remove_sample: bool = False
    reward: Any = None


def _load_function(path: str) -> Any:
    # slime.utils.misc.load_function
    module_path, _, attr = path.rpartition(".")
    return getattr(importlib.import_module(module_path), attr)


def test_slime_custom_reward_function_single_and_group():
    samples = gsm8k_samples(8)
    reward = _load_function("rlvr.integrations.slime.gsm8k")
    args = SimpleNamespace(reward_key=None, group_rm=False)
    slime_samples = [SlimeSample("question", s.completion, s.ground_truth) for s in samples]
    expected = [rlvr.verify(s.completion, s.ground_truth, task="gsm8k").score for s in samples]

    async def run():
        single = [await reward(args, sample) for sample in slime_samples]
        group = await reward(args, slime_samples)  # --group-rm
        return single, group

    single, group = asyncio.run(run())
    assert single == group == expected and 0 < sum(expected) < 8
    assert slime_samples[0].metadata["rlvr"]["failed"] is False and not any(s.remove_sample for s in slime_samples)
    # A sample whose ground truth cannot be used is not judged: slime drops it from the loss.
    broken = SlimeSample("q", "def f(): pass", "{not json")
    assert asyncio.run(_load_function("rlvr.integrations.slime.mbpp")(args, broken)) == 0.0
    assert broken.remove_sample is True and broken.metadata["rlvr"] == {"reason": "bad_ground_truth", "failed": True}
    with pytest.raises(AttributeError, match="rlvr tasks"):
        _load_function("rlvr.integrations.slime.gsm9k")


def test_slime_remote_reward_model_over_http(server):
    samples = gsm8k_samples(4)
    answers = [
        asyncio.run(
            _post(f"{server.url}/slime/gsm8k", {"prompt": "q", "response": s.completion, "label": s.ground_truth})
        )
        for s in samples
    ]
    reward_key = "score"  # --reward-key score: slime reads sample.reward[reward_key]
    assert [a[reward_key] for a in answers] == [
        rlvr.verify(s.completion, s.ground_truth, task="gsm8k").score for s in samples
    ]
    assert all(a["failed"] is False for a in answers)


def _call_with_kwargs_async(raw_fn, extra_kwargs, *args, **kwargs):
    # verl.trainer.ppo.reward._call_with_kwargs_async
    return raw_fn(*args, **{**kwargs, **extra_kwargs})


def test_verl_async_reward_function():
    compute_score = partial(
        _call_with_kwargs_async, verl.compute_score_async, {"options": {"gsm8k": {"mode": "flexible"}}}
    )
    assert inspect.iscoroutinefunction(verl.compute_score_async)
    samples = gsm8k_samples(6) + math_samples(6)

    async def run():
        return await asyncio.gather(
            *(
                compute_score(
                    data_source={"gsm8k": "openai/gsm8k", "math": "HuggingFaceH4/MATH-500"}[s.task],
                    solution_str=s.completion,
                    ground_truth=s.ground_truth,
                    extra_info={"num_turns": 1},
                )
                for s in samples
            )
        )

    results = asyncio.run(run())
    expected = [
        verl.compute_score(
            {"gsm8k": "openai/gsm8k", "math": "HuggingFaceH4/MATH-500"}[s.task],
            s.completion,
            s.ground_truth,
            options={"gsm8k": {"mode": "flexible"}},
        )
        for s in samples
    ]
    assert [(r["score"], r["reason"], r["pred"]) for r in results] == [
        (e["score"], e["reason"], e["pred"]) for e in expected
    ]
    unknown = asyncio.run(verl.compute_score_async("nobody/data", "x", "1"))
    assert (unknown["reason"], unknown["failed"]) == ("unknown_task", 1.0)
    with pytest.raises(ValueError, match="unknown option"):  # configuration, as compute_score
        asyncio.run(verl.compute_score_async("openai/gsm8k", "x", "1", options={"gsm8k": {"mod": 1}}))
