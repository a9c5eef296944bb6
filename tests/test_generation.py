"""rlvr.generation's HF engine on a tiny random-weight model built here: greedy equals
transformers' greedy `generate` token for token; a seeded sample depends on its request alone
(not its batch, batch size or row); stop strings, end tokens, log-probabilities; eval and GRPO
give the same completion for the same request; the memory-based batch size."""

from __future__ import annotations

import pytest
import torch

import rlvr.grpo
from rlvr.generation import Request, Sampler, make_engine
from rlvr.generation.memory import auto_batch_size, bytes_per_row
from rlvr.generation.sampling import sample_step, uniforms
from rlvr.generation.stop import StopStrings
from rlvr.testing.tiny_model import build_tiny_model

PROMPTS = [
    "Question: what is 1 + 2? Answer:",
    "Problem:\nWhat is 3 + 4?\n\nSolution:",
    "Q: 5 + 6 =",
    "def add(a, b):",
    "Once upon a time",
    "x",
]


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory) -> str:
    return str(build_tiny_model(tmp_path_factory.mktemp("tiny")))


@pytest.fixture(scope="module")
def engine(checkpoint):
    return make_engine("hf", checkpoint)


def requests(seeds=(11, 22, 33, 44, 55, 66)):
    return [Request(str(i), 0, p, s) for i, (p, s) in enumerate(zip(PROMPTS, seeds))]


def test_greedy_equals_transformers_greedy_generate(engine):
    completions = engine.generate(requests(), Sampler(temperature=0.0, max_tokens=20))
    for prompt, completion in zip(PROMPTS, completions):
        ids = engine.tokenizer(prompt, return_tensors="pt").input_ids
        expected = engine.model.generate(ids, do_sample=False, max_new_tokens=20)[0, ids.shape[1] :].tolist()
        assert list(completion.token_ids) == expected
        assert completion.finish_reason == ("stop" if expected[-1] == engine.tokenizer.eos_token_id else "length")


def test_a_seeded_sample_does_not_depend_on_its_batch_size_or_row(engine):
    sampler = Sampler(temperature=1.0, max_tokens=16)
    together = engine.generate(requests(), sampler)
    engine.batch_size = 1
    try:
        alone = engine.generate(requests(), sampler)
    finally:
        engine.batch_size = None
    reversed_order = engine.generate(requests()[::-1], sampler)[::-1]
    assert [c.token_ids for c in together] == [c.token_ids for c in alone] == [c.token_ids for c in reversed_order]
    assert engine.generate(requests(), sampler) == together  # runs repeat exactly
    other_seeds = engine.generate(requests(seeds=(1, 2, 3, 4, 5, 6)), sampler)
    assert [c.token_ids for c in other_seeds] != [c.token_ids for c in together]


def test_stop_strings_cut_the_text_and_end_at_the_completing_token(engine):
    free = engine.generate(requests(), Sampler(temperature=1.0, max_tokens=24))
    sample = next(c for c in free if len(c.text) > 8)
    stop = sample.text[4:7]
    index = free.index(sample)
    stopped = engine.generate(requests(), Sampler(temperature=1.0, max_tokens=24, stop=(stop,)))[index]
    assert stopped.finish_reason == "stop" and stopped.text == sample.text[: sample.text.find(stop)]
    assert stopped.token_ids == sample.token_ids[: len(stopped.token_ids)]
    decode = engine.tokenizer.decode
    assert stop in decode(stopped.token_ids, skip_special_tokens=True)
    assert stop not in decode(stopped.token_ids[:-1], skip_special_tokens=True)


def test_end_token_ends_a_row_and_logprobs_are_at_the_sampling_temperature(engine):
    sampler = Sampler(temperature=0.7, top_k=50, max_tokens=12, logprobs=True)
    eos = engine.tokenizer.eos_token_id
    for request, completion in zip(requests(), engine.generate(requests(), sampler)):
        tokens = list(completion.token_ids)
        assert eos not in tokens[:-1] and completion.finish_reason == ("stop" if tokens[-1] == eos else "length")
        prompt = engine.tokenizer(request.prompt).input_ids
        with torch.no_grad():
            logits = engine.model(torch.tensor([prompt + tokens])).logits[0, len(prompt) - 1 : -1]
        expected = torch.log_softmax(logits / 0.7, dim=-1).gather(1, torch.tensor(tokens)[:, None]).squeeze(1)
        assert list(completion.token_logprobs) == pytest.approx(expected.tolist(), abs=1e-4)
        assert completion.logprob == pytest.approx(sum(completion.token_logprobs))


def test_top_k_one_and_a_tiny_top_p_are_greedy(engine):
    greedy = engine.generate(requests(), Sampler(temperature=0.0, max_tokens=10))
    for sampler in (
        Sampler(temperature=1.0, top_k=1, max_tokens=10),
        Sampler(temperature=1.0, top_p=1e-6, max_tokens=10),
    ):
        assert [c.token_ids for c in engine.generate(requests(), sampler)] == [c.token_ids for c in greedy]


def test_nucleus_and_top_k_sampling_follow_the_cut_distribution():
    logits = torch.tensor([[2.0, 1.0, 0.5, 0.0, -1.0]]).repeat(8000, 1)
    probs = torch.softmax(logits[0], dim=0)
    tokens, _ = sample_step(logits, Sampler(top_p=0.8), torch.arange(8000), position=3)
    nucleus = probs[:3] / probs[:3].sum()  # 0.56 + 0.21 < 0.8 <= 0.56 + 0.21 + 0.13
    assert (torch.bincount(tokens, minlength=5).float() / 8000).tolist() == pytest.approx(
        [*nucleus.tolist(), 0, 0], abs=0.02
    )
    tokens, _ = sample_step(logits, Sampler(top_k=2), torch.arange(8000), position=3)
    top2 = probs[:2] / probs[:2].sum()
    assert (torch.bincount(tokens, minlength=5).float() / 8000).tolist() == pytest.approx(
        [*top2.tolist(), 0, 0, 0], abs=0.02
    )
    u = uniforms(torch.arange(100_000), position=7)
    assert 0 < u.min() and u.max() < 1 and float(u.mean()) == pytest.approx(0.5, abs=0.01)


def test_eval_and_grpo_give_the_same_completion_for_the_same_request(checkpoint, engine, tmp_path):
    session = rlvr.grpo.init_grpo(
        base_model=checkpoint, reward=lambda c, g: 0.0, device="cpu", output_dir=str(tmp_path / "run")
    )
    sampler = Sampler(temperature=1.0, max_tokens=16)
    for index, prompt in enumerate(PROMPTS[:3]):
        seed = 1000 + index
        through_eval = engine.generate([Request("p", index, prompt, seed)], sampler)[0]
        grpo_request = Request("p", index, session._encode_prompt(prompt), seed)
        assert session.rollouts.generate([grpo_request], sampler)[0].token_ids == through_eval.token_ids
    session.finish()


def test_batch_size_comes_from_free_memory(engine, monkeypatch):
    per_row = bytes_per_row(engine.model, prompt_tokens=20, max_tokens=100)
    assert per_row > 0
    monkeypatch.setattr("rlvr.generation.memory.free_memory", lambda device: 10 * per_row)
    assert auto_batch_size(engine.model, 20, 100, requests=256) == 5  # half the free memory
    assert auto_batch_size(engine.model, 20, 100, requests=3) == 3
    monkeypatch.setattr("rlvr.generation.memory.free_memory", lambda device: 0)
    assert auto_batch_size(engine.model, 20, 100, requests=256) == 1


def test_sampler_settings_are_checked():
    for bad in ({"temperature": -1}, {"top_p": 0}, {"max_tokens": 0}):
        with pytest.raises(ValueError):
            Sampler(**bad)
    assert Sampler(stop=("", "Q:")).stop == ("Q:",)


def test_stop_strings_decoding_only_rows_that_can_end_agrees_with_decoding_every_row(engine):
    """StopStrings decodes a row only when its newest token can complete a stop; the step at which
    each row stops must be the one found by decoding every row's tail at every step."""
    tokenizer = engine.tokenizer
    stops = ["Question:", "\n\n", "é!", "→", "72"]
    texts = ["The answer is 72. Question: next", "café! ok", "a → b\n\nc", "über → 7 2 72", "no stop here at all"]
    rng = torch.Generator().manual_seed(0)
    rows = [tokenizer(text).input_ids for text in texts]
    rows += [torch.randint(0, len(tokenizer), (30,), generator=rng).tolist() for _ in range(40)]
    width = max(len(r) for r in rows)
    batch = torch.tensor([r + [tokenizer.eos_token_id] * (width - len(r)) for r in rows])
    prompt = torch.zeros((len(rows), 2), dtype=torch.long)
    criteria = StopStrings(tokenizer, stops, prompt_width=2, rows=len(rows), device="cpu")
    expected = [-1] * len(rows)
    for k in range(1, width + 1):
        ids = torch.cat([prompt, batch[:, :k]], dim=1)
        done = criteria(ids, None)
        for row in range(len(rows)):
            tail = tokenizer.decode(batch[row, max(0, k - criteria.window) : k].tolist(), skip_special_tokens=True)
            if expected[row] < 0 and any(s in tail for s in stops):
                expected[row] = k - 1
        assert done.tolist() == [at >= 0 for at in expected]
    assert criteria.stopped_at == expected
    assert sum(at >= 0 for at in expected[: len(texts)]) == 4  # the texts with a stop, multi-byte ones too
