"""The CPU demo: a short smoke run for CI, and the full run (slow) that must clearly learn."""

from __future__ import annotations

import json
import random
from dataclasses import asdict

import pytest

from rlvr.api import get_verifier
from rlvr.grpo.demo import QUICK, DemoConfig, careless, main, make_splits, run


def test_demo_task_is_scored_by_the_gsm8k_verifier_and_held_out_is_disjoint():
    train, held_out = make_splits(DemoConfig(train_problems=500, held_out_problems=100))
    assert not {p["prompt"] for p in train} & {p["prompt"] for p in held_out}
    verifier = get_verifier("gsm8k")
    assert all(verifier.verify(p["response"], p["ground_truth"]).correct for p in train + held_out)
    assert not any(
        verifier.verify(" 3 + 4 = 8. #### 8", p["ground_truth"]).correct
        for p in held_out
        if p["ground_truth"] != "#### 8"
    )


def test_careless_demonstrator_keeps_the_equation_and_errs_at_its_rate():
    train, _ = make_splits(DemoConfig(train_problems=4000, held_out_problems=10))
    verifier = get_verifier("gsm8k")
    rng = random.Random(1)
    demonstrations = [careless(p, rng, 0.4) for p in train]
    wrong = [d for d in demonstrations if not verifier.verify(d["response"], d["ground_truth"]).correct]
    assert 0.37 < len(wrong) / len(train) < 0.43
    for problem, shown in zip(train, demonstrations):
        assert shown["response"].split(" = ")[0] == problem["response"].split(" = ")[0]
        assert shown["prompt"] == problem["prompt"] and shown["ground_truth"] == problem["ground_truth"]
    assert all(careless(p, rng, 0.0) == p for p in train[:100])


def test_demo_smoke_run_writes_trace_and_curve_and_says_its_zero_is_expected(tmp_path, capsys):
    assert main(["--quick", "--steps", "2", "--output", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("held-out accuracy: ") and "an accuracy near 0% is expected" in out
    summary = json.loads((tmp_path / "demo_summary.json").read_text())
    assert summary["config"] == asdict(QUICK.with_steps(2))
    trace = [json.loads(line) for line in (tmp_path / "trace.jsonl").read_text().splitlines()]
    assert [r["step"] for r in trace] == [0, 1] and all(r["samples"] == 16 for r in trace)
    assert (tmp_path / "reward_curve.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert [s for s, _ in summary["held_out_curve"]] == [0, 2]
    assert 0.0 <= summary["held_out_accuracy_after"] <= 1.0 and summary["sampled_tokens_per_s"] > 0


@pytest.mark.slow
def test_full_demo_clearly_raises_held_out_accuracy(tmp_path):
    summary = run(DemoConfig(), tmp_path)
    print(json.dumps({k: v for k, v in summary.items() if k != "config"}, indent=1))
    assert summary["held_out_accuracy_before"] <= 0.5
    assert summary["held_out_accuracy_after"] >= 0.7
    assert summary["held_out_accuracy_after"] - summary["held_out_accuracy_before"] >= 0.3


def test_any_step_count_works_with_the_warmup_shortened_to_fit():
    assert DemoConfig().with_steps(1).warmup_steps == 0
    assert DemoConfig().with_steps(3).warmup_steps == 2
    assert DemoConfig().with_steps(500).warmup_steps == DemoConfig.warmup_steps
    with pytest.raises(ValueError, match="grpo_steps must be at least 1"):
        DemoConfig(grpo_steps=0)


def test_an_existing_demo_run_is_refused_without_overwrite(tmp_path, capsys):
    (tmp_path / "trace.jsonl").write_text('{"step": 0}\n')
    with pytest.raises(SystemExit) as exit_info:
        main(["--quick", "--output", str(tmp_path)])
    assert exit_info.value.code == 2 and "pass --overwrite to replace it" in capsys.readouterr().err
    assert (tmp_path / "trace.jsonl").read_text() == '{"step": 0}\n'
