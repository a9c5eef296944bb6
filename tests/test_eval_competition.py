"""Competition math (AIME 2024/2025, AMC 2023, OlympiadBench) through rlvr-eval: end to end on
the hf backend with the tiny random-weight model, and through the runner with the reference
answers (the oracle) as completions, which must score 1.0."""

import json

import pytest
from scripted_backend import ScriptedBackend
from shared_data import data_file

from rlvr.eval.cli import main
from rlvr.eval.runner import EvalConfig, run_eval
from rlvr.eval.tasks import load_examples, references
from rlvr.rollouts import read_rollouts
from rlvr.testing.tiny_model import TinyModelConfig, build_tiny_model

TASKS = ["aime24", "aime25", "amc23", "olympiadbench"]
TINY = TinyModelConfig(hidden_size=128, intermediate_size=256, num_heads=2)


def data(task):
    return str(data_file(f"competition_math/{task}.jsonl"))


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    return str(build_tiny_model(tmp_path_factory.mktemp("tiny"), config=TINY))


@pytest.mark.parametrize("task", TASKS)
def test_greedy_run_on_the_hf_backend(model, task, tmp_path):
    out = tmp_path / task
    args = ["greedy", "--backend", "hf", "--model", model, "--task", task, "--data", data(task)]
    assert main([*args, "--limit", "2", "--max-tokens", "8", "--output", str(out)]) == 0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["versions"]["verifier"]["task"] == "math" and summary["config"]["max_tokens"] == 8
    assert summary["metrics"]["num_prompts"] == 2 and summary["metrics"]["truncation_rate"] is not None
    records = read_rollouts(out / "completions.jsonl", group_size=1)
    # The math verifier gets the answer and, for its question-aware rules, the problem.
    assert all(isinstance(r["ground_truth"]["answer"], str) and r["ground_truth"]["question"] for r in records)
    assert all(r["prompt"].endswith("put your final answer within \\boxed{}.") for r in records)
    if task == "olympiadbench":
        assert set(summary["strata"]) == {"subfield", "answer_type"}


@pytest.mark.parametrize("task", TASKS)
def test_reference_answers_score_one_through_the_runner(task, tmp_path):
    examples = load_examples(task, data(task), limit=8)
    answers = dict(zip([e.id for e in examples], references(task, examples)))
    backend = ScriptedBackend(answers.__getitem__)
    config = EvalConfig(model="scripted", task=task, output=str(tmp_path), data=data(task), limit=8, n=2, k=(1, 2))
    summary = run_eval(config, backend=backend)
    assert summary["metrics"]["pass@1"] == 1.0 and summary["metrics"]["truncation_rate"] == 0.0
    # The competition budget, not the 1024 of short-answer tasks, in the sampling and the summary.
    assert backend.sampling.max_tokens == 4096 and summary["config"]["max_tokens"] == 4096
    assert json.loads((tmp_path / "summary.json").read_text())["config"]["max_tokens"] == 4096
    if task == "olympiadbench":
        strata = summary["strata"]
        assert sum(group["num_prompts"] for group in strata["answer_type"].values()) == 8
        rows = [json.loads(line) for line in (tmp_path / "per_prompt.jsonl").read_text().splitlines()]
        assert {"subfield", "answer_type"} <= set(rows[0])
        # Rescoring the run finds the same strata.
        assert main(["score", "--task", task, "--completions", str(tmp_path / "completions.jsonl")]) == 0


def test_several_answers_match_in_any_order():
    import rlvr

    example = next(
        e
        for e in load_examples("olympiadbench", data("olympiadbench"))
        if e.doc["final_answer"] == ["$(6,3),(9,3),(9,5),(54,5)$"]
    )
    assert rlvr.verify("\\boxed{(54,5),(9,5),(6,3),(9,3)}", example.ground_truth, "math").correct
    assert not rlvr.verify("\\boxed{(54,5),(9,5),(6,3)}", example.ground_truth, "math").correct


def test_help_shows_each_task_budget(capsys):
    with pytest.raises(SystemExit):
        main(["greedy", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert "4096 for aime24, aime25, amc23, gpqa_diamond, olympiadbench" in help_text
    assert "512 for humaneval, mbpp" in help_text


# OlympiadBench answers the math verifier misses when written without spaces (see docs/eval.md):
# "$3 n$" normalises to "3" (the unit-word rule takes "n" for a unit); 1965 is a prose answer.
KNOWN_SPACE_MISSES = {"1659", "1662", "1854", "1965"}


@pytest.mark.slow
def test_olympiadbench_answers_without_spaces_score_one_but_for_known_misses():
    import re

    import rlvr

    examples = load_examples("olympiadbench", data("olympiadbench"))
    boxed = [
        re.sub(r"(?<![A-Za-z]) | (?![A-Za-z])", "", reference) for reference in references("olympiadbench", examples)
    ]
    verdicts = rlvr.get_verifier("math").verify_batch(boxed, [e.ground_truth for e in examples])
    misses = {e.id for e, verdict in zip(examples, verdicts) if not verdict.correct}
    assert misses <= KNOWN_SPACE_MISSES
