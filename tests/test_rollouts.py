"""The rollout JSONL format: read/write, validation, coverage warning, batching."""

import json
from collections import Counter

import pytest

from rlvr.rollouts import (
    LowCoverageWarning,
    RolloutFormatError,
    RolloutWriter,
    iter_rollouts,
    read_rollouts,
    static_batches,
    stratified_batches,
    token_budget_batches,
    validate_rollouts,
    write_rollouts,
)


def record(i, scores=(1.0, 0.0), difficulty=None, text="some answer"):
    rec = {
        "id": f"p{i}",
        "prompt": f"prompt {i}",
        "responses": [{"text": text, "score": s, "correct": s == 1.0, "metadata": {}} for s in scores],
    }
    if difficulty is not None:
        rec["difficulty"] = difficulty
    return rec


def test_write_then_read_round_trips(tmp_path):
    records = [record(i, difficulty="easy") for i in range(5)]
    records[0]["responses"][0]["text"] = 'unicode ✓ and "quotes"\nnew line'
    write_rollouts(tmp_path / "r.jsonl", records)
    assert read_rollouts(tmp_path / "r.jsonl") == records


def test_writer_appends_and_flushes_each_record(tmp_path):
    path = tmp_path / "r.jsonl"
    with RolloutWriter(path) as writer:
        writer.write(record(0))
        assert len(path.read_text().splitlines()) == 1  # on disk before close
    with RolloutWriter(path) as writer:
        writer.write(record(1))
    assert [r["id"] for r in iter_rollouts(path)] == ["p0", "p1"]


@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda r: r.pop("prompt"), "'prompt'"),
        (lambda r: r.update(responses="x"), "'responses'"),
        (lambda r: r["responses"][1].update(score=1.5), "response 2: 'score'"),
        (lambda r: r["responses"][0].update(score=True), "'score'"),
        (lambda r: r["responses"][0].update(correct="yes"), "'correct'"),
        (lambda r: r["responses"][0].pop("text"), "'text'"),
        (lambda r: r["responses"][0].update(metadata=[]), "'metadata'"),
    ],
)
def test_validation_names_the_bad_record(mutate, message):
    records = [record(0), record(1), record(2)]
    mutate(records[2])
    with pytest.raises(RolloutFormatError, match=r"record 3 \(id 'p2'\)") as info:
        validate_rollouts(records)
    assert message in str(info.value)


def test_group_size_is_checked():
    validate_rollouts([record(0, scores=(1.0, 0.0, 0.5))], group_size=3)
    with pytest.raises(RolloutFormatError, match="expected a group of 4"):
        validate_rollouts([record(0, scores=(1.0, 0.0, 0.5))], group_size=4)


def test_low_verification_coverage_warns_but_high_does_not(recwarn):
    covered = [record(i, scores=(1.0, 0.0, 0.0, 1.0, 0.0)) for i in range(4)]
    stats = validate_rollouts(covered)
    assert stats.coverage == 1.0 and not recwarn.list
    partly = [record(i, scores=(1.0, None, None, 0.0, 0.0)) for i in range(4)]
    with pytest.warns(LowCoverageWarning, match="12 of 20"):
        assert validate_rollouts(partly).coverage == pytest.approx(0.6)


def test_a_truncated_last_line_is_an_error_with_its_line_number(tmp_path):
    path = tmp_path / "r.jsonl"
    write_rollouts(path, [record(0), record(1)])
    path.write_text(path.read_text() + json.dumps(record(2))[:20])
    with pytest.raises(RolloutFormatError, match="line 3"):
        read_rollouts(path)


def test_static_batches_emit_the_partial_last_batch():
    batches = static_batches([record(i) for i in range(7)], 3)
    assert [len(b) for b in batches] == [3, 3, 1]
    with pytest.raises(ValueError):
        static_batches([], 0)


def test_token_budget_batches_respect_the_budget_and_never_drop():
    records = [record(i, text=" ".join(["w"] * (i + 1))) for i in range(10)]
    count = lambda text: len(text.split())  # noqa: E731
    batches = token_budget_batches(records, 12, count)
    assert [r["id"] for b in batches for r in b] == [r["id"] for r in records]
    for batch in batches:
        sizes = [2 + 2 * (int(r["id"][1:]) + 1) for r in batch]  # "prompt i" is 2 words
        assert sum(sizes) <= 12 or len(batch) == 1


def test_stratified_batches_mix_strata_in_proportion_and_are_deterministic():
    records = [record(i, difficulty="hard" if i % 4 == 0 else "easy") for i in range(40)]  # 25% hard
    batches = stratified_batches(records, 8, seed=3)
    assert sorted(r["id"] for b in batches for r in b) == sorted(r["id"] for r in records)
    for batch in batches:
        assert Counter(r["difficulty"] for r in batch)["hard"] == 2
    assert stratified_batches(records, 8, seed=3) == batches
    assert stratified_batches(records, 8, seed=4) != batches
