"""The rubric dataset loader (wide and compact formats, raw tabs) and the deterministic split."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from shared_data import data_file

from rlvr.verifiers.rubric import RubricRecord, load_rubric_dataset, split_dataset
from rlvr.verifiers.rubric.data import criteria_of, rubric_ground_truth

WIDE = {
    "task_id": "a1",
    "prompt": "Plan a trip.",
    "rubric - 10. criterion": "Tenth",
    "rubric - 2. criterion": "Second",
    "rubric - 1. criterion": " First ",
    "rubric - 1. criterion_type": "Primary Intent",
    "rubric - 3. criterion": "",
    "rubric - 4. criterion": None,
    "rubric - 2. criterion_severity": "dealbreaker",
}


def with_raw_tabs(records: list[dict]) -> str:
    """JSON text whose strings hold raw tab characters, as spreadsheet exports write them."""
    return json.dumps(records).replace("\\t", "\t")


def test_wide_record_criteria_ordered_by_number_without_metadata_or_blanks():
    assert criteria_of(WIDE) == ["First", "Second", "Tenth"]


def test_load_json_array_with_raw_tabs(tmp_path: Path):
    record = {**WIDE, "prompt": "Plan\ta trip.", "rubric - 2. criterion": "Uses a\ttable"}
    path = tmp_path / "rubrics.json"
    path.write_text(with_raw_tabs([record, {"prompt": "Say hi.", "rubric - 1. criterion": "Greets"}]))
    with pytest.raises(json.JSONDecodeError, match="control character"):
        json.loads(path.read_text())  # strict JSON would reject this file
    first, second = load_rubric_dataset(path)
    assert first == RubricRecord("a1", "Plan\ta trip.", ("First", "Uses a\ttable", "Tenth"))
    assert second.task_id == "1" and second.rubrics == ("Greets",)
    assert first.ground_truth == {"prompt": "Plan\ta trip.", "rubrics": ["First", "Uses a\ttable", "Tenth"]}


def test_load_jsonl_and_compact_records(tmp_path: Path):
    path = tmp_path / "rubrics.jsonl"
    lines = [
        json.dumps(WIDE).replace("Tenth", "Ten\\tth"),
        json.dumps({"task_id": 7, "prompt": "P", "rubrics": ["a", " ", "b"]}),
    ]
    path.write_text("\n".join(lines).replace("\\t", "\t") + "\n\n")
    wide, compact = load_rubric_dataset(path)
    assert wide.rubrics == ("First", "Second", "Ten\tth")
    assert compact == RubricRecord("7", "P", ("a", "b"))


@pytest.mark.parametrize(
    "record, message",
    [
        ({"rubric - 1. criterion": "x"}, "no prompt"),
        ({"prompt": "p"}, "no rubric criteria"),
        ({"prompt": "p", "rubric - 1. criterion": 3}, "must be a string"),
    ],
)
def test_records_that_cannot_be_used_are_reported_not_dropped(tmp_path: Path, record, message):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps([{"prompt": "ok", "rubrics": ["r"]}, record]))
    with pytest.raises(ValueError, match=f"record 1.*{message}|record 1 has {message}"):
        load_rubric_dataset(path)


def test_rubric_ground_truth_forms():
    assert rubric_ground_truth(["a", "b"]) == (None, ("a", "b"))
    assert rubric_ground_truth(WIDE) == ("Plan a trip.", ("First", "Second", "Tenth"))
    assert rubric_ground_truth(json.dumps(WIDE)) == ("Plan a trip.", ("First", "Second", "Tenth"))


def ifeval_as_rubric_file(path: Path) -> list[dict]:
    """The 541 real IFEval prompts in the wide rubric format: one criterion per instruction."""
    rows = [json.loads(line) for line in data_file("ifeval/input_data.jsonl").read_text().splitlines()]
    records = []
    for row in rows:
        record = {"task_id": f"ifeval-{row['key']}", "prompt": row["prompt"]}
        for n, (instruction, kwargs) in enumerate(zip(row["instruction_id_list"], row["kwargs"]), start=1):
            record[f"rubric - {n}. criterion"] = f"The response follows\t{instruction} {json.dumps(kwargs)}"
            record[f"rubric - {n}. criterion_type"] = instruction.split(":")[0]
        records.append(record)
    path.write_text(with_raw_tabs(records))
    return rows


def test_loads_real_prompts_in_the_wide_format(tmp_path: Path):
    path = tmp_path / "ifeval_rubrics.json"
    rows = ifeval_as_rubric_file(path)
    dataset = load_rubric_dataset(path)
    assert len(dataset) == len(rows) == 541
    assert [r.prompt for r in dataset] == [row["prompt"] for row in rows]
    assert [len(r.rubrics) for r in dataset] == [len(row["instruction_id_list"]) for row in rows]
    assert dataset[0].rubrics[0] == "The response follows\tpunctuation:no_comma {}"


def test_split_is_deterministic_disjoint_and_sized_by_ratio(tmp_path: Path):
    path = tmp_path / "ifeval_rubrics.json"
    ifeval_as_rubric_file(path)
    dataset = load_rubric_dataset(path)
    train, test = split_dataset(dataset, test_ratio=0.2, seed=13)
    assert (len(train), len(test)) == (433, 108)
    assert split_dataset(dataset, test_ratio=0.2, seed=13) == (train, test)
    assert {r.task_id for r in train}.isdisjoint({r.task_id for r in test})
    assert sorted(r.task_id for r in train + test) == sorted(r.task_id for r in dataset)
    position = {r.task_id: i for i, r in enumerate(dataset)}
    assert [position[r.task_id] for r in test] == sorted(position[r.task_id] for r in test)
    assert split_dataset(dataset, test_ratio=0.2, seed=14)[1] != test
    assert split_dataset(dataset, test_ratio=0.0, seed=13) == (dataset, [])
    with pytest.raises(ValueError):
        split_dataset(dataset, test_ratio=1.5)


def test_split_is_the_same_in_another_process(tmp_path: Path):
    path = tmp_path / "ifeval_rubrics.json"
    ifeval_as_rubric_file(path)
    test_ids = [r.task_id for r in split_dataset(load_rubric_dataset(path), test_ratio=0.1, seed=7)[1]]
    code = (
        "import sys; from rlvr.verifiers.rubric import load_rubric_dataset, split_dataset;"
        "print(','.join(r.task_id for r in split_dataset(load_rubric_dataset(sys.argv[1]), 0.1, 7)[1]))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(path)],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[1],
        env={"PYTHONHASHSEED": "123", "PATH": ""},
    )
    assert out.stdout.strip().split(",") == test_ids
