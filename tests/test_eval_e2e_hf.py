"""rlvr-eval end to end on CPU: a tiny random-weight model built here (no download), the hf
backend, real GSM8K, MATH-500 and MBPP prompts, every output file checked."""

import json

import pytest
from shared_data import data_file

from rlvr.eval.cli import main
from rlvr.generation import Request, Sampler
from rlvr.generation.hf import HFEngine
from rlvr.rollouts import read_rollouts
from rlvr.seeding import request_seed
from rlvr.testing.tiny_model import TinyModelConfig, build_tiny_model

# head_dim 64: the tiny model also loads in vLLM's CPU attention (see test_eval_vllm.py).
TINY = TinyModelConfig(hidden_size=128, intermediate_size=256, num_heads=2)
DATA = {"gsm8k": "gsm8k/test.jsonl", "math500": "math500/test.jsonl", "mbpp": "mbpp/mbpp.jsonl"}


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    return str(build_tiny_model(tmp_path_factory.mktemp("tiny"), config=TINY))


def eval_args(command, model, task, output, *extra, max_tokens="24"):
    """rlvr-eval's command line for `task` on the tiny model with the hf backend."""
    data = str(data_file(DATA[task]))
    options = ["--model", model, "--task", task, "--data", data, "--max-tokens", max_tokens, "--output", str(output)]
    return [command, "--backend", "hf", *options, *extra]


def run(command, model, task, output, *extra):
    assert main(eval_args(command, model, task, output, *extra)) == 0
    return output


def texts(output):
    return [[r["text"] for r in record["responses"]] for record in read_rollouts(output / "completions.jsonl")]


@pytest.mark.parametrize("task", sorted(DATA))
def test_greedy_run_writes_every_file_and_repeats_exactly(model, task, tmp_path):
    first = run("greedy", model, task, tmp_path / "a", "--limit", "3")
    summary = json.loads((first / "summary.json").read_text())
    assert set(summary) >= {"config", "versions", "metrics", "strata", "timing"}
    assert summary["versions"]["backend"] == "hf" and summary["versions"]["verifier"]["task"] in (
        "gsm8k",
        "math",
        "mbpp",
    )
    metrics = summary["metrics"]
    assert metrics["num_prompts"] == 3 and metrics["num_samples"] == 3
    assert 0.0 <= metrics["truncation_rate"] <= 1.0 and metrics["mean_completion_tokens"] > 0
    assert summary["timing"]["tokens_per_s"] > 0
    records = read_rollouts(first / "completions.jsonl", group_size=1)
    for record in records:
        assert record["ground_truth"] and record["source"] == task
        response = record["responses"][0]
        assert response["finish_reason"] in ("stop", "length") and 0.0 <= response["score"] <= 1.0
        assert response["metadata"]["num_tokens"] <= 24 and response["metadata"]["reason"]
    rows = [json.loads(line) for line in (first / "per_prompt.jsonl").read_text().splitlines()]
    assert [row["id"] for row in rows] == [r["id"] for r in records]
    if task == "math500":
        assert "level" in summary["strata"] and "subject" in summary["strata"]
    second = run("greedy", model, task, tmp_path / "b", "--limit", "3")
    assert texts(first) == texts(second)


def test_sampling_gives_each_request_its_own_seed(model, tmp_path):
    out = run(
        "pass-at-k", model, "gsm8k", tmp_path / "s0", "--limit", "2", "--n", "4", "--k", "1,2,4", "--temperature", "1.0"
    )
    records = read_rollouts(out / "completions.jsonl", group_size=4)
    for record in records:
        seeds = [r["metadata"]["seed"] for r in record["responses"]]
        assert seeds == [request_seed(0, record["id"], j) for j in range(4)]
        assert len({r["text"] for r in record["responses"]}) == 4  # samples differ
    summary = json.loads((out / "summary.json").read_text())
    assert set(summary["metrics"]["pass@k"]) == {"1", "2", "4"}
    again = run("pass-at-k", model, "gsm8k", tmp_path / "s0-again", "--limit", "2", "--n", "4", "--temperature", "1.0")
    assert texts(again) == texts(out)  # reproducible
    other = run(
        "pass-at-k", model, "gsm8k", tmp_path / "s1", "--limit", "2", "--n", "4", "--temperature", "1.0", "--seed", "1"
    )
    assert texts(other) != texts(out)


def test_a_sample_does_not_depend_on_its_batch(model):
    backend = HFEngine.from_pretrained(model)
    sampling = Sampler(temperature=1.0, max_tokens=16)
    alone = Request("b", 0, "Question: How many eggs?\nAnswer:", 11)
    batched = backend.generate([Request("a", 0, "Problem:\nWhat is 1 + 1?\n\nSolution:", 7), alone], sampling)
    solo = backend.generate([alone], sampling)[0]
    assert (solo.text, solo.num_tokens, solo.finish_reason) == (
        batched[1].text,
        batched[1].num_tokens,
        batched[1].finish_reason,
    )
    assert solo.logprob == pytest.approx(batched[1].logprob, rel=1e-5)  # padding changes float rounding only


def test_resume_continues_an_interrupted_run(model, tmp_path, capsys):
    out = run("greedy", model, "gsm8k", tmp_path / "r", "--limit", "2")
    before = (out / "completions.jsonl").read_text()
    assert main(eval_args("greedy", model, "gsm8k", out)) == 2
    assert "--resume" in capsys.readouterr().err
    # A run killed while writing its third record leaves half a line behind.
    (out / "completions.jsonl").write_text(before + '{"id": "test-2", "prom')
    run("greedy", model, "gsm8k", out, "--limit", "4", "--resume")
    assert "dropping an incomplete last record" in capsys.readouterr().out
    records = read_rollouts(out / "completions.jsonl")
    assert [r["id"] for r in records] == ["test-0", "test-1", "test-2", "test-3"]
    assert (out / "completions.jsonl").read_text().startswith(before)
    assert json.loads((out / "summary.json").read_text())["metrics"]["num_prompts"] == 4
    assert main(eval_args("greedy", model, "gsm8k", out, "--resume", max_tokens="99")) == 2
    assert "max_tokens" in capsys.readouterr().err


def test_report_compares_runs_and_plots_them(model, tmp_path, capsys):
    base = run("greedy", model, "gsm8k", tmp_path / "base", "--limit", "4")
    sampled = run("pass-at-k", model, "gsm8k", tmp_path / "sampled", "--limit", "4", "--n", "2", "--k", "1,2")
    assert main(["report", str(base), str(sampled), "--plot-dir", str(tmp_path / "plots")]) == 0
    table = capsys.readouterr().out
    assert "delta sampled" in table and "pass@2" in table and "truncation_rate" in table
    png = (tmp_path / "plots" / "pass_at_k.png").read_bytes()
    assert png.startswith(b"\x89PNG") and len(png) > 1000


def test_level_plot_has_a_bar_group_per_level(tmp_path):
    from rlvr.eval.report import plot_by_level

    def summary(accuracies):
        return {"strata": {"level": {f"Level {i + 1}": {"pass@1": a} for i, a in enumerate(accuracies)}}}

    path = plot_by_level([("base", summary([0.9, 0.5])), ("ckpt", summary([0.95, 0.6, 0.2]))], tmp_path / "levels.png")
    assert path.read_bytes().startswith(b"\x89PNG")
    assert plot_by_level([("gsm8k", {"strata": {}})], tmp_path / "none.png") is None


def test_help_lists_the_subcommands(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    for command in ("pass-at-k", "greedy", "score", "report"):
        assert command in out
