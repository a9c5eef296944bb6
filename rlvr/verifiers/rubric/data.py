"""Rubric datasets: records of a prompt and its criteria, the loader and a deterministic split.

The wide format has one key per criterion, numbered from 1, beside metadata keys that are ignored:

    [{"task_id": "...", "prompt": "...",
      "rubric - 1. criterion": "The response should ...", "rubric - 1. criterion_type": "...",
      "rubric - 2. criterion": "...", ...}, ...]

Criteria are ordered by their number (so 10 comes after 9); empty or null criterion cells are
left out. The compact format `{"task_id", "prompt", "rubrics": [...]}` is read too. Files are a
JSON array or JSON lines; raw tab characters (and other control characters) inside strings, which
exports from spreadsheets leave behind and which strict JSON forbids, are accepted.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rlvr.verifiers.base import BadGroundTruth, structured_ground_truth

_CRITERION_KEY = re.compile(r"rubric - (\d+)\. criterion")


@dataclass(frozen=True)
class RubricRecord:
    """One prompt and its rubric criteria (in judging order)."""

    task_id: str
    prompt: str
    rubrics: tuple[str, ...]

    @property
    def ground_truth(self) -> dict[str, Any]:
        """The ground truth the `rubric` task takes for this record."""
        return {"prompt": self.prompt, "rubrics": list(self.rubrics)}


def criteria_of(record: dict[str, Any]) -> list[str]:
    """The criteria of a wide-format or compact record, in order, without empty ones."""
    if "rubrics" in record:
        rubrics = record["rubrics"]
        if not isinstance(rubrics, list) or not all(isinstance(r, str) for r in rubrics):
            raise ValueError('"rubrics" must be a list of strings')
        return [r.strip() for r in rubrics if r.strip()]
    numbered = []
    for key, value in record.items():
        match = _CRITERION_KEY.fullmatch(key.strip()) if isinstance(key, str) else None
        if match is None or value is None:
            continue
        if not isinstance(value, str):
            raise ValueError(f"{key!r} must be a string, got {type(value).__name__}")
        if value.strip():
            numbered.append((int(match.group(1)), value.strip()))
    return [text for _, text in sorted(numbered)]


def rubric_ground_truth(ground_truth: Any) -> tuple[str | None, tuple[str, ...]]:
    """(prompt or None, criteria) of a `rubric` ground truth: a list of criteria, a record in
    either format, or a JSON string of one of those. BadGroundTruth when there are no criteria."""
    value = structured_ground_truth(ground_truth)
    prompt = None
    if isinstance(value, dict):
        prompt = value.get("prompt")
        if prompt is not None and not isinstance(prompt, str):
            raise BadGroundTruth(f"rubric prompt must be a string, got {type(prompt).__name__}")
        try:
            rubrics = criteria_of(value)
        except ValueError as exc:
            raise BadGroundTruth(str(exc)) from None
    elif isinstance(value, (list, tuple)) and all(isinstance(r, str) for r in value):
        rubrics = [r.strip() for r in value if r.strip()]
    else:
        raise BadGroundTruth(f"rubric ground truth must be a list of criteria or a record, got {type(value).__name__}")
    if not rubrics:
        raise BadGroundTruth("rubric ground truth has no criteria")
    return prompt, tuple(rubrics)


def parse_records(text: str) -> list[dict[str, Any]]:
    """The records of a JSON array, a single JSON object or JSON lines, control characters allowed."""
    decoder = json.JSONDecoder(strict=False)
    stripped = text.strip()
    if not stripped:
        return []
    if stripped.startswith("["):
        records = decoder.decode(stripped)
    else:
        records = []
        position = 0
        while position < len(stripped):
            record, position = decoder.raw_decode(stripped, position)
            records.append(record)
            while position < len(stripped) and stripped[position].isspace():
                position += 1
    if not all(isinstance(r, dict) for r in records):
        raise ValueError("every record must be a JSON object")
    return records


def load_rubric_dataset(path: str | Path) -> list[RubricRecord]:
    """Read a rubric dataset file. Raises ValueError naming the record that has no prompt or no
    criteria, instead of dropping it silently."""
    records = parse_records(Path(path).read_text(encoding="utf-8"))
    dataset = []
    for position, record in enumerate(records):
        prompt = record.get("prompt")
        if not isinstance(prompt, str) or not prompt.strip():
            raise ValueError(f"{path}: record {position} has no prompt")
        try:
            rubrics = criteria_of(record)
        except ValueError as exc:
            raise ValueError(f"{path}: record {position}: {exc}") from None
        if not rubrics:
            raise ValueError(f"{path}: record {position} has no rubric criteria")
        task_id = record.get("task_id", position)
        dataset.append(RubricRecord(task_id=str(task_id), prompt=prompt, rubrics=tuple(rubrics)))
    return dataset


def split_dataset(
    records: Sequence[RubricRecord], test_ratio: float = 0.1, seed: int = 0
) -> tuple[list[RubricRecord], list[RubricRecord]]:
    """(train, test): round(test_ratio * n) records drawn for test by a seeded shuffle; both keep
    the input order. The same records, ratio and seed give the same split in any process."""
    if not 0.0 <= test_ratio <= 1.0:
        raise ValueError(f"test_ratio must be in [0, 1], got {test_ratio!r}")
    order = list(range(len(records)))
    random.Random(seed).shuffle(order)
    test_positions = set(order[: round(test_ratio * len(records))])
    train = [r for i, r in enumerate(records) if i not in test_positions]
    test = [r for i, r in enumerate(records) if i in test_positions]
    return train, test
