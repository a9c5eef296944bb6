"""Reading data records from files (JSONL, JSON, CSV, Parquet) and from the Hugging Face hub.

Every reader returns a list of plain dicts, one per record, and every failure is a one-line
`ValueError` (or `FileNotFoundError`) naming the file and, where there is one, the line:

    read_records("heldout.jsonl")        # JSON Lines, optionally gzip-compressed (.jsonl.gz)
    read_records("heldout.json")         # a JSON array of objects (or JSON Lines under .json)
    read_records("heldout.csv")          # a header row, then one record per row; values stay strings
    read_records("heldout.parquet")      # needs pyarrow: pip install 'rlvr[eval]'
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import os
import socket
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

HUB_EXTRA = "pip install 'rlvr[hub]'"


def _suffix(path: Path) -> str:
    """The format suffix, looking through a trailing .gz ("x.jsonl.gz" -> ".jsonl")."""
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
    return suffixes[-1] if suffixes else ""


def read_records(path: str | Path) -> list[dict[str, Any]]:
    """The records of a data file, chosen by its suffix (see the module docstring).

    >>> read_records("data/gsm8k/test.jsonl")[0]["question"]  # doctest: +SKIP
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"data file {path} not found")
    suffix = _suffix(path)
    if suffix == ".parquet":
        records = _read_parquet(path)
    else:
        opener = gzip.open if path.suffix.lower() == ".gz" else open
        # utf-8-sig: spreadsheet exports start with a byte-order mark that would join the first field name.
        with opener(path, "rt", encoding="utf-8-sig", newline="") as handle:
            text = handle.read()
        records = _read_csv(path, text) if suffix == ".csv" else _read_json(path, text)
    if not records:
        raise ValueError(f"{path}: no records")
    for index, record in enumerate(records):
        if not isinstance(record, dict):
            raise ValueError(f"{path}: record {index + 1} is a {type(record).__name__}, not an object with fields")
    return records


def _read_json(path: Path, text: str) -> list[Any]:
    if text.lstrip().startswith("["):
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path}: not valid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}") from None
    records = []
    # Lines end at "\n" only: str.splitlines would also split inside a string at U+2028 or U+0085,
    # which JSON writers leave unescaped (MMLU-Pro's test split has such records).
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path}: line {number} is not valid JSON ({exc.msg}, column {exc.colno})") from None
    return records


def _read_csv(path: Path, text: str) -> list[dict[str, Any]]:
    reader = csv.DictReader(io.StringIO(text))
    records = []
    for record in reader:
        if None in record:  # more cells than the header has names
            raise ValueError(
                f"{path}: line {reader.line_num} has more cells than the header's {len(reader.fieldnames or [])}"
            )
        records.append(dict(record))
    return records


def _read_parquet(path: Path) -> list[dict[str, Any]]:
    try:
        import pyarrow.parquet as parquet
    except ImportError:
        raise ValueError(f"{path}: reading Parquet needs pyarrow: pip install 'rlvr[eval]'") from None
    try:
        return parquet.read_table(path).to_pylist()
    except Exception as exc:  # pyarrow raises its own error types for damaged files
        raise ValueError(f"{path}: not a readable Parquet file ({str(exc).splitlines()[0]})") from None


def hub_records(path: str, config: str | None, split: str) -> list[dict[str, Any]]:
    """The records of a Hugging Face hub dataset split; one-line errors without `datasets`
    or without the network.

    >>> hub_records("openai/gsm8k", "main", "test")[0]["question"]  # doctest: +SKIP
    """
    name = f"{path}" + (f" ({config})" if config else "") + f" split {split!r}"
    try:
        from datasets import load_dataset
    except ImportError:
        raise ValueError(
            f"loading {name} from the Hugging Face hub needs `datasets`: {HUB_EXTRA}, or pass --data FILE"
        ) from None
    unreachable = hub_unreachable()
    if unreachable:
        raise ValueError(
            f"cannot load {name}: {unreachable}; pass --data FILE (the benchmark's JSONL/JSON/CSV/Parquet)"
        )
    try:
        dataset = load_dataset(path, config, split=split)
    except Exception as exc:  # network, authentication and missing-dataset errors all mean: no data from the hub
        first_line = (str(exc).splitlines() or [type(exc).__name__])[0]
        raise ValueError(
            f"could not load {name} from the Hugging Face hub (offline?): {first_line}; pass --data FILE instead"
        ) from None
    return [dict(row) for row in dataset]


def canonical_answer(value: Any) -> Any:
    """The answer as the verifier should receive it: a whole number stored as a float (AIME 2025
    and AMC 2023 write 70.0) becomes "70", any other number its shortest string; strings and
    structured answers stay as they are.

    >>> canonical_answer(70.0), canonical_answer(-1), canonical_answer(2.5), canonical_answer("025")
    ('70', '-1', '2.5', '025')
    """
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# The environment variables with which huggingface_hub and datasets are told they are offline.
OFFLINE_SWITCHES = ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE")


def hub_unreachable(timeout: float = 3.0) -> str | None:
    """Why the Hugging Face hub cannot be reached, or None when it answers a connection: offline
    mode set, or no TCP connection to HF_ENDPOINT's host within `timeout` (datasets itself would
    retry for about half a minute before saying so). Behind a proxy a direct connection proves
    nothing, so then only the offline switches are read."""
    if any(os.environ.get(name, "").lower() in ("1", "true", "yes") for name in OFFLINE_SWITCHES):
        return "offline mode is set (" + " / ".join(OFFLINE_SWITCHES) + ")"
    if urllib.request.getproxies():
        return None
    endpoint = urllib.parse.urlsplit(os.environ.get("HF_ENDPOINT", "https://huggingface.co"))
    host, port = endpoint.hostname or "", endpoint.port or (443 if endpoint.scheme == "https" else 80)
    try:
        socket.create_connection((host, port), timeout=timeout).close()
    except OSError as exc:
        return f"the Hugging Face hub at {endpoint.geturl()} cannot be reached ({exc})"
    return None
