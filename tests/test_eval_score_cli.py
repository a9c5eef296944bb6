"""`rlvr-eval score` on the example completions (the README's main command)."""

import json
from pathlib import Path

from rlvr.eval.cli import main
from rlvr.rollouts import read_rollouts

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "gsm8k_completions.jsonl"
# Hand-labelled: the responses in the example file that are wrong (id, index), with why.
WRONG = {
    ("test-1", 2),  # 4 instead of 3
    ("test-2", 2),  # 195000
    ("test-3", 2),  # truncated "... 180 * 3 =": the last number is 3
    ("test-4", 2),  # truncated after "25 cups"
    ("test-5", 2),  # 80
    ("test-6", 2),  # 140
    ("test-8", 2),  # 70
    ("test-10", 2),  # 390
    ("test-11", 2),  # truncated "204 + 160 +"
    ("test-12", 1),  # 12 (the break-even year, not the first earning year)
    ("test-14", 2),  # 12 students, not 60 percent
}


def test_score_prints_a_summary_and_writes_the_rescored_run(tmp_path, capsys):
    assert main(["score", "--task", "gsm8k", "--completions", str(EXAMPLE), "--output", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "pass@1" in out and "format[boxed]" in out and "truncation_rate" in out
    records = read_rollouts(tmp_path / "completions.jsonl")
    wrong = {(r["id"], j) for r in records for j, resp in enumerate(r["responses"]) if not resp["correct"]}
    assert wrong == WRONG
    summary = json.loads((tmp_path / "summary.json").read_text())
    total = sum(len(r["responses"]) for r in records)
    assert summary["metrics"]["mean_score"] == (total - len(WRONG)) / total
    assert summary["metrics"]["truncation_rate"] == 3 / total
    # The run-on responses answer right before the made-up next "Question:".
    run_on = [r["responses"][1] for r in records if r["id"] in ("test-3", "test-7")]
    assert all(resp["correct"] and resp["metadata"]["detail"]["cut_at_stop"] for resp in run_on)


def test_a_stricter_mode_rescoring_lowers_accuracy(tmp_path):
    assert (
        main(
            [
                "score",
                "--task",
                "gsm8k",
                "--completions",
                str(EXAMPLE),
                "--verifier-option",
                "mode=strict",
                "--output",
                str(tmp_path),
            ]
        )
        == 0
    )
    strict = json.loads((tmp_path / "summary.json").read_text())["metrics"]
    assert strict["format_rates"] == {
        "answer_is": strict["format_rates"]["answer_is"],
        "none": strict["format_rates"]["none"],
    }
    assert strict["mean_score"] < (42 - len(WRONG)) / 42


def test_records_without_ground_truth_are_named(tmp_path, capsys):
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"id": "x1", "prompt": "p", "responses": [{"text": "1"}]}) + "\n")
    assert main(["score", "--task", "gsm8k", "--completions", str(bad)]) == 2
    assert "id 'x1'" in capsys.readouterr().err


def test_the_documented_sample_output_is_what_the_command_prints(capsys, monkeypatch):
    monkeypatch.chdir(EXAMPLE.parents[1])  # the command as the page gives it, from the repository root
    page = Path("docs/reference/rlvr-eval.md").read_text()
    sample = page.split("hand-written responses) prints:\n\n```\n", 1)[1].split("```", 1)[0]
    assert main(["score", "--task", "gsm8k", "--completions", "examples/gsm8k_completions.jsonl"]) == 0
    printed = capsys.readouterr().out
    # The throughput differs from run to run; every other line must match.
    assert [line for line in sample.splitlines() if not line.startswith("responses_per_s")] == [
        line for line in printed.splitlines() if not line.startswith("responses_per_s")
    ]
