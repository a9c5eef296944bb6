"""The suite passes wherever a user clones: a copy of this checkout, with a venv inside it and the
shared data beside it, under /tmp, under /var and under a home folder runs a part of the suite
that depends on paths (the sandbox's view of the filesystem, files found beside the tests).

Slow: it starts a pytest per location."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

import pytest
from shared_data import DATA_DIR

REPO = Path(__file__).resolve().parents[1]
PART = [
    "tests/test_sandbox_doors.py::test_the_sandbox_root_holds_only_what_python_needs",
    "tests/test_sandbox_doors.py::test_host_unix_sockets_are_unreachable",
    "tests/test_eval_score_cli.py",
]


def _copy_checkout(target: Path) -> None:
    """The files git would clone (tracked, and new ones not ignored), as they are now."""
    listed = (
        subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=REPO,
            capture_output=True,
            check=True,
            timeout=60,
        )
        .stdout.decode()
        .split("\0")
    )
    for name in filter(None, listed):
        source = REPO / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)


def _venv_with_our_packages(venv: Path) -> Path:
    """A venv at `venv` that imports this interpreter's packages (a .pth file) but rlvr from the copy."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout.strip()
    Path(site, "outer-packages.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return python


@pytest.mark.slow
@pytest.mark.parametrize("parent", ["/tmp", "/var/tmp", "~"], ids=["tmp", "var", "home"])
def test_a_part_of_the_suite_passes_from_a_clone_under(parent):
    top = Path(tempfile.mkdtemp(prefix="rlvr-clone-", dir=os.path.expanduser(parent)))
    try:
        os.chmod(top, 0o755)
        checkout = top / "rlvr"
        _copy_checkout(checkout)
        (top / "shared").symlink_to(DATA_DIR.parent, target_is_directory=True)
        python = _venv_with_our_packages(checkout / ".venv")
        env = {**os.environ, "PYTHONPATH": str(checkout)}
        env.pop("RLVR_DATA_DIR", None)
        run = subprocess.run(
            [str(python), "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", *PART],
            cwd=checkout,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    finally:
        shutil.rmtree(top)
