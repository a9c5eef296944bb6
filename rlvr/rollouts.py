"""The rollout data format: one JSON object per prompt, one line per object (JSONL).

    {"prompt": "...", "responses": [{"text": "...", "score": 1.0, "correct": true,
                                     "finish_reason": "stop", "metadata": {...}}, ...],
     "id": "...", "ground_truth": ..., "difficulty": ..., "category": ..., "source": ...}

`prompt` and `responses` are required; a response needs `text`, and `score` (a float in [0, 1],
or null while it is not verified yet) and `correct` once verified. Everything else is optional
and kept as it is (rlvr-eval adds `id`, `ground_truth`, `finish_reason` and the data's own
fields such as `level` or `subject`). rlvr-eval writes this format and the GRPO loop reads it.

Validation raises `RolloutFormatError` naming the bad record; low verification coverage (the
share of responses with a score) below 80% is a warning, because a trainer fed mostly unscored
groups learns from almost nothing without failing.

Batching: `static_batches` (fixed count), `token_budget_batches` (a budget of tokens per batch)
and `stratified_batches` (every batch mixes the difficulty strata in proportion). All of them
emit the last, partial batch: a consumer waiting for a full one would wait forever.
"""

from __future__ import annotations

import json
import random
import warnings
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, TypeVar

Record = dict[str, Any]
T = TypeVar("T")

COVERAGE_WARNING_THRESHOLD = 0.8


class RolloutFormatError(ValueError):
    """A rollout record that does not follow the format; the message names the record."""


class LowCoverageWarning(UserWarning):
    """Fewer than 80% of the responses carry a verification score."""


def record_name(record: Any, index: int) -> str:
    """How errors name the record at 0-based `index`: its position counted from 1 (the line of a
    JSONL file, as rlvr-eval's --data errors count) and, when it has one, its id."""
    if isinstance(record, dict) and "id" in record:
        return f"record {index + 1} (id {record['id']!r})"
    return f"record {index + 1}"


def validate_record(record: Any, index: int = 0, group_size: int | None = None) -> None:
    """Raise RolloutFormatError unless `record` follows the format (and has `group_size`
    responses, when given)."""
    name = record_name(record, index)
    if not isinstance(record, dict):
        raise RolloutFormatError(f"{name}: must be a JSON object, got {type(record).__name__}")
    if not isinstance(record.get("prompt"), str):
        raise RolloutFormatError(f"{name}: 'prompt' must be a string")
    responses = record.get("responses")
    if not isinstance(responses, list):
        raise RolloutFormatError(f"{name}: 'responses' must be a list")
    if group_size is not None and len(responses) != group_size:
        raise RolloutFormatError(f"{name}: has {len(responses)} responses, expected a group of {group_size}")
    for j, response in enumerate(responses):
        where = f"{name}, response {j + 1}"
        if not isinstance(response, dict):
            raise RolloutFormatError(f"{where}: must be a JSON object")
        if not isinstance(response.get("text"), str):
            raise RolloutFormatError(f"{where}: 'text' must be a string")
        score = response.get("score")
        if score is not None:
            if isinstance(score, bool) or not isinstance(score, (int, float)) or not 0.0 <= score <= 1.0:
                raise RolloutFormatError(f"{where}: 'score' must be a number in [0, 1] or null, got {score!r}")
        correct = response.get("correct")
        if correct is not None and not isinstance(correct, bool):
            raise RolloutFormatError(f"{where}: 'correct' must be true, false or null, got {correct!r}")
        if not isinstance(response.get("metadata", {}), dict):
            raise RolloutFormatError(f"{where}: 'metadata' must be a JSON object")


@dataclass(frozen=True)
class RolloutStats:
    """Counts over validated records; `coverage` is the share of responses with a score."""

    num_records: int
    num_responses: int
    num_scored: int

    @property
    def coverage(self) -> float:
        return self.num_scored / self.num_responses if self.num_responses else 1.0


def validate_rollouts(records: Sequence[Any], group_size: int | None = None) -> RolloutStats:
    """Validate every record; warn (LowCoverageWarning) when under 80% of responses are scored."""
    num_responses = num_scored = 0
    for index, record in enumerate(records):
        validate_record(record, index, group_size)
        num_responses += len(record["responses"])
        num_scored += sum(r.get("score") is not None for r in record["responses"])
    stats = RolloutStats(len(records), num_responses, num_scored)
    if stats.coverage < COVERAGE_WARNING_THRESHOLD:
        warnings.warn(
            f"only {stats.num_scored} of {stats.num_responses} responses ({stats.coverage:.0%}) carry a "
            f"verification score (below {COVERAGE_WARNING_THRESHOLD:.0%})",
            LowCoverageWarning,
            stacklevel=2,
        )
    return stats


def iter_rollouts(path: str | Path) -> Iterator[Record]:
    """Records of a JSONL file, one per non-blank line, validated as they are read.

    A malformed line raises RolloutFormatError with its line number. A last line cut short
    (a run killed while writing) is reported the same way: nothing is skipped silently.
    """
    with open(path, encoding="utf-8") as handle:
        index = 0
        for line_number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except ValueError as exc:
                raise RolloutFormatError(f"{path}, line {line_number}: not valid JSON ({exc})") from None
            validate_record(record, index)
            index += 1
            yield record


def read_rollouts(path: str | Path, group_size: int | None = None) -> list[Record]:
    """All records of a JSONL file, validated (see `validate_rollouts`)."""
    records = list(iter_rollouts(path))
    validate_rollouts(records, group_size)
    return records


def write_rollouts(path: str | Path, records: Iterable[Record]) -> None:
    """Write records to a new JSONL file (replacing it), validating each."""
    with RolloutWriter(path, append=False) as writer:
        for record in records:
            writer.write(record)


class RolloutWriter:
    """Append records to a JSONL file one line at a time, flushed after each, so that an
    interrupted run keeps every record it finished."""

    def __init__(self, path: str | Path, append: bool = True) -> None:
        self.path = Path(path)
        # errors="replace": a lone surrogate in a text (a program can print one) is written as "?"
        # instead of stopping the run at that record, and again at every --resume.
        self._handle: IO[str] = open(self.path, "a" if append else "w", encoding="utf-8", errors="replace")
        self._count = 0

    def write(self, record: Record) -> None:
        validate_record(record, self._count)
        self._handle.write(json.dumps(record, ensure_ascii=False) + "\n")
        self._handle.flush()
        self._count += 1

    def close(self) -> None:
        self._handle.close()

    def __enter__(self) -> RolloutWriter:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def static_batches(records: Sequence[T], batch_size: int) -> list[list[T]]:
    """Consecutive batches of `batch_size` records (or any items); the last one may be smaller."""
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
    return [list(records[i : i + batch_size]) for i in range(0, len(records), batch_size)]


def record_tokens(record: Record, count_tokens: Callable[[str], int]) -> int:
    """Tokens of the prompt plus all responses, counted by `count_tokens`."""
    return count_tokens(record["prompt"]) + sum(count_tokens(r["text"]) for r in record["responses"])


def whitespace_tokens(text: str) -> int:
    """A tokenizer-free token count (whitespace-separated words), the default for budgets."""
    return len(text.split())


def token_budget_batches(
    records: Sequence[Record], max_tokens: int, count_tokens: Callable[[str], int] = whitespace_tokens
) -> list[list[Record]]:
    """Consecutive batches whose token totals stay within `max_tokens`.

    A record larger than the budget on its own forms a batch by itself (it is never dropped).
    """
    if max_tokens < 1:
        raise ValueError(f"max_tokens must be at least 1, got {max_tokens}")
    batches: list[list[Record]] = []
    current: list[Record] = []
    used = 0
    for record in records:
        size = record_tokens(record, count_tokens)
        if current and used + size > max_tokens:
            batches.append(current)
            current, used = [], 0
        current.append(record)
        used += size
    if current:
        batches.append(current)
    return batches


def stratified_batches(
    records: Sequence[Record], batch_size: int, key: str = "difficulty", seed: int = 0
) -> list[list[Record]]:
    """Batches of `batch_size` in which every stratum (the value of `key`, records without it
    forming one stratum of their own) appears in proportion to its share of the data.

    Each stratum is shuffled with `seed`, its records spread evenly over [0, 1), and the
    strata merged by that position, so a stratum holding 30% of the records fills about 30%
    of every batch. Deterministic for a given seed.
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
    rng = random.Random(seed)
    strata: dict[str, list[Record]] = defaultdict(list)
    for record in records:
        strata[json.dumps(record.get(key), sort_keys=True)].append(record)
    placed: list[tuple[float, int, Record]] = []
    for rank, name in enumerate(sorted(strata)):
        members = strata[name]
        rng.shuffle(members)
        offset = rng.random()
        for i, record in enumerate(members):
            placed.append(((i + offset) / len(members), rank, record))
    placed.sort(key=lambda item: (item[0], item[1]))
    return static_batches([record for _, _, record in placed], batch_size)
