"""Eval tasks mmlu_pro (the real 12,032 test questions in ../shared/data/mmlu_pro) and gpqa_diamond
(tests/gpqa_sample.jsonl: four questions written for this test in GPQA's schema)."""

from __future__ import annotations

import collections
import gzip
import json
from pathlib import Path

import pytest
from shared_data import data_file

import rlvr
from rlvr.eval.runner import EvalConfig, build_prompts
from rlvr.eval.tasks import get_task, load_examples, references
from rlvr.tasks.builtin.mcq import gpqa_permutation

GPQA_SAMPLE = Path(__file__).parent / "gpqa_sample.jsonl"


@pytest.fixture(scope="module")
def mmlu_pro():
    return load_examples("mmlu_pro", data=data_file("mmlu_pro/test.jsonl.gz"))


def test_an_oracle_scores_one_on_all_12032_mmlu_pro_questions(mmlu_pro):
    verdicts = rlvr.get_verifier("mcq").verify_batch(
        references("mmlu_pro", mmlu_pro), [e.ground_truth for e in mmlu_pro]
    )
    assert len(verdicts) == 12032 and all(v.score == 1.0 for v in verdicts)


def test_mmlu_pro_ids_and_strata_by_category(mmlu_pro):
    with gzip.open(data_file("mmlu_pro/test.jsonl.gz"), "rt") as handle:
        categories = collections.Counter(json.loads(line)["category"] for line in handle)
    assert collections.Counter(e.fields["category"] for e in mmlu_pro) == categories and len(categories) == 14
    assert len({e.id for e in mmlu_pro}) == 12032
    assert get_task("mmlu_pro").strata == ("category",)


def benchmark_prompt(shots: list[dict], doc: dict) -> str:
    """MMLU-Pro's evaluate_from_local.py generate_cot_prompt, line for line."""

    def format_cot_example(example: dict, including_answer: bool = True) -> str:
        prompt = "Question:\n" + example["question"] + "\n" + "Options:\n"
        for i, opt in enumerate(example["options"]):
            prompt += "{}. {}\n".format("ABCDEFGHIJ"[i], opt)
        if including_answer:
            cot = example["cot_content"].replace("A: Let's think step by step.", "Answer: Let's think step by step.")
            prompt += cot + "\n\n"
        else:
            prompt += "Answer: Let's think step by step."
        return prompt

    prompt = (
        "The following are multiple choice questions (with answers) about {$}. Think step by step and then finish "
        'your answer with "the answer is (X)" where X is the correct letter choice.\n\n\n'
    )
    prompt = prompt.replace("{$}", doc["category"]) + "\n"
    for example in shots:
        prompt += format_cot_example(example, including_answer=True)
    return prompt + format_cot_example(doc, including_answer=False)


def validation_pool(path: Path, mmlu_pro) -> list[dict]:
    """A few-shot file in the validation split's schema: five exemplars per category (made from
    test questions here; the real run reads the validation split)."""
    pool = []
    for category in ("business", "law"):
        for e in [e for e in mmlu_pro if e.fields["category"] == category][:6]:
            cot = f"A: Let's think step by step. Reasoning about question {e.id}. The answer is ({e.doc['answer']})."
            pool.append({**e.doc, "cot_content": cot})
    path.write_text("".join(json.dumps(r) + "\n" for r in pool))
    return pool


def test_mmlu_pro_prompts_are_the_benchmark_s_five_shot_cot_and_zero_shot(mmlu_pro, tmp_path):
    pool = validation_pool(tmp_path / "validation.jsonl", mmlu_pro)
    examples = [next(e for e in mmlu_pro if e.fields["category"] == c) for c in ("business", "law")]
    config = EvalConfig("m", "mmlu_pro", str(tmp_path), shots=5, fewshot_data=str(tmp_path / "validation.jsonl"))
    prompts, stops = build_prompts(config, examples)
    for prompt, example in zip(prompts, examples):
        shots = [r for r in pool if r["category"] == example.fields["category"]][:5]
        assert prompt == benchmark_prompt(shots, example.doc)
    assert stops == ("Question:",)
    zero, _ = build_prompts(EvalConfig("m", "mmlu_pro", str(tmp_path)), examples)
    assert zero == [benchmark_prompt([], e.doc) for e in examples]
    with pytest.raises(ValueError, match="needs --fewshot-data"):
        build_prompts(EvalConfig("m", "mmlu_pro", str(tmp_path), shots=5), examples)
    physics = [next(e for e in mmlu_pro if e.fields["category"] == "physics")]
    with pytest.raises(ValueError, match="0 exemplars of category 'physics'"):
        build_prompts(config, physics)


def test_gpqa_diamond_shuffles_with_a_seeded_recorded_permutation():
    examples = load_examples("gpqa_diamond", data=GPQA_SAMPLE)
    again = load_examples("gpqa_diamond", data=GPQA_SAMPLE)
    assert [e.ground_truth for e in examples] == [e.ground_truth for e in again]
    records = [json.loads(line) for line in GPQA_SAMPLE.read_text().splitlines()]
    for example, record in zip(examples, records):
        truth = example.ground_truth
        answers = [record["Correct Answer"], *(record[f"Incorrect Answer {i}"] for i in (1, 2, 3))]
        assert truth["permutation"] == gpqa_permutation(record["Record ID"])
        assert truth["options"] == [answers[i] for i in truth["permutation"]]
        assert truth["options"]["ABCD".index(truth["answer"])] == record["Correct Answer"]
        assert example.id == record["Record ID"] and example.fields == {"domain": record["High-level domain"]}
    # The shuffle is not the identity for every record (the correct answer is not always A).
    assert {e.ground_truth["answer"] for e in examples} != {"A"}


def test_gpqa_diamond_oracle_prompt_and_scoring():
    examples = load_examples("gpqa_diamond", data=GPQA_SAMPLE)
    oracle = references("gpqa_diamond", examples)
    verdicts = rlvr.get_verifier("mcq").verify_batch(oracle, [e.ground_truth for e in examples])
    assert all(v.score == 1.0 for v in verdicts)
    prompts, _ = build_prompts(EvalConfig("m", "gpqa_diamond", "out"), examples[:1])
    options = examples[0].ground_truth["options"]
    assert prompts[0].startswith("Answer the following multiple choice question.")
    assert prompts[0].endswith(f"A) {options[0]}\nB) {options[1]}\nC) {options[2]}\nD) {options[3]}")
    # The answer text alone, in the shuffled order, is read too.
    letter = examples[0].ground_truth["answer"]
    text = options["ABCD".index(letter)]
    assert rlvr.verify(f"The answer is {text}.", examples[0].ground_truth, task="mcq").extracted == letter


def test_gpqa_records_lacking_a_field_are_named(tmp_path):
    broken = tmp_path / "gpqa.jsonl"
    broken.write_text(json.dumps({"Question": "q", "Correct Answer": "a"}) + "\n")
    with pytest.raises(ValueError, match="record 1 has no field 'Incorrect Answer 1'"):
        load_examples("gpqa_diamond", data=broken)


def test_rlvr_eval_scores_several_extraction_configs_in_one_pass(tmp_path, capsys):
    """`rlvr-eval score --compare` on 600 real DeepSeek responses: the strict config's accuracy is
    exactly the benchmark regex's (reference_pred in the data), side by side with the others."""
    from rlvr.eval.cli import main

    with gzip.open(data_file("mmlu_pro/deepseek_responses_dev.jsonl.gz"), "rt") as handle:
        rows = [json.loads(line) for line in handle][:600]
    completions = tmp_path / "completions.jsonl"
    completions.write_text(
        "".join(
            json.dumps(
                {
                    "id": str(row["question_id"]),
                    "prompt": "",
                    "ground_truth": {"answer": row["answer"], "options": row["options"]},
                    "responses": [{"text": row["response"]}],
                }
            )
            + "\n"
            for row in rows
        )
    )
    argv = ["score", "--task", "mcq", "--completions", str(completions), "--k", "1", "--output", str(tmp_path / "out")]
    assert main([*argv, "--compare", "mode=strict", "--compare", "mode=reference"]) == 0
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    extractions = summary["rescoring"]["extractions"]
    assert set(extractions) == {"default", "mode=strict", "mode=reference"}
    strict = sum(row["reference_pred"] == row["answer"] for row in rows) / len(rows)
    assert extractions["mode=strict"]["accuracy"] == pytest.approx(strict)
    assert extractions["default"]["accuracy"] == pytest.approx(summary["metrics"]["pass@1"])
    # The regex misses about one response in five; flexible reads those, and says no answer where
    # the response names several letters (which the regex reads as its first).
    assert extractions["mode=strict"]["no_answer"] > 0.15 > extractions["default"]["no_answer"]
    assert extractions["default"]["accuracy"] > strict and extractions["mode=reference"]["accuracy"] > strict
    assert "mode=strict" in capsys.readouterr().out


def test_a_generating_run_scores_several_extraction_configs_too(tmp_path):
    """greedy / pass-at-k take --compare as `score` does: the run's summary holds each config's
    rates side by side; a config that is not valid fails before anything is generated."""
    from scripted_backend import ScriptedBackend

    from rlvr.eval.custom import CustomTask
    from rlvr.eval.runner import EvalConfig, run_eval

    truth = {"answer": "A", "options": ["1", "2", "3"]}
    data = tmp_path / "data.jsonl"
    data.write_text("".join(json.dumps({"id": i, "prompt": f"q {i}", "answer": truth}) + "\n" for i in ("one", "two")))
    custom = CustomTask(str(data), "answer", "mcq", prompt_field="prompt", id_field="id")
    responses = {"one": "The answer is (A).", "two": "The answer is (A) and (B)."}

    def config(output: str, compare: tuple) -> EvalConfig:
        return EvalConfig("scripted", "custom", str(tmp_path / output), n=1, k=(1,), custom=custom, compare=compare)

    backend = ScriptedBackend(responses.__getitem__)
    with pytest.raises(ValueError, match="mode"):
        run_eval(config("bad", ({"mode": "loose"},)), backend=backend)
    assert backend.requests == []
    summary = run_eval(config("run", ({"mode": "strict"},)), backend=backend)
    extractions = summary["extractions"]
    assert extractions["default"] == {"accuracy": 0.5, "no_answer": 0.5, "failed": 0.0}
    assert extractions["mode=strict"] == {"accuracy": 1.0, "no_answer": 0.0, "failed": 0.0}
    assert summary["metrics"]["pass@1"] == extractions["default"]["accuracy"]
    assert json.loads((tmp_path / "run" / "summary.json").read_text())["extractions"] == extractions
