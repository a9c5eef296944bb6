"""The built wheel carries everything the installed package reads: every non-Python file under
rlvr/ (few-shot exemplars, py.typed), the LICENSE, and the rlvr-eval entry point. An editable
install reads the checkout, so only a real wheel shows a file missing from package data."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> zipfile.ZipFile:
    out = tmp_path_factory.mktemp("wheel")
    # No build isolation: setuptools comes from the dev extra, so the build needs no network.
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w", str(out), str(ROOT)],
        check=True,
        cwd=out,
    )
    (path,) = out.glob("rlvr-*.whl")
    with zipfile.ZipFile(path) as archive:
        yield archive


def package_files() -> set[str]:
    """Files under rlvr/ that git tracks (so caches and build leftovers do not count)."""
    listed = subprocess.run(["git", "ls-files", "rlvr"], cwd=ROOT, capture_output=True, text=True, check=True)
    return {line for line in listed.stdout.splitlines() if line}


def test_every_package_file_is_in_the_wheel(wheel):
    names = set(wheel.namelist())
    missing = sorted(package_files() - names)
    assert not missing, f"not in the wheel (declare them in [tool.setuptools.package-data]): {missing}"
    assert "rlvr/py.typed" in names and "rlvr/eval/fewshot.json" in names


def test_the_wheel_carries_license_and_entry_point(wheel):
    names = wheel.namelist()
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
    metadata = wheel.read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
    assert "License-Expression: Apache-2.0" in metadata
    assert "Provides-Extra: hub" in metadata
    entry_points = wheel.read(next(n for n in names if n.endswith(".dist-info/entry_points.txt"))).decode()
    assert "rlvr-eval = rlvr.eval.cli:main" in entry_points
