"""Where the real benchmark data lies, for tests and benchmarks.

The data is never copied into the repository; it lies in ../shared/data beside the checkout
(override with RLVR_DATA_DIR). A missing data folder fails loudly, never skips silently.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

DATA_DIR = Path(os.environ.get("RLVR_DATA_DIR", Path(__file__).resolve().parents[2] / "shared" / "data"))


def data_file(relative: str) -> Path:
    """Path of a file under the shared data folder; fails the test if it is missing."""
    path = DATA_DIR / relative
    if not path.exists():
        pytest.fail(f"benchmark data file {path} is missing (set RLVR_DATA_DIR to the shared/data folder)")
    return path
