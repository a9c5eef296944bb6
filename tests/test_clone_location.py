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


def quick_start_commands(readme: str) -> list[str]:
    """The README's quick-start commands, less the installs (this environment has them)."""
    section = readme.split("\n## Quick start\n", 1)[1].split("\n## ", 1)[0]
    block = section.split("```bash\n", 1)[1].split("```", 1)[0]
    return [line for line in block.splitlines() if line.strip() and not line.startswith(("#", "pip install"))]


@pytest.mark.slow
def test_the_readme_quick_start_runs_as_written_offline_on_cpu(tmp_path):
    checkout = tmp_path / "rlvr"
    _copy_checkout(checkout)
    (tmp_path / "shared").symlink_to(DATA_DIR.parent, target_is_directory=True)
    commands = quick_start_commands((checkout / "README.md").read_text())
    assert any(c.startswith("python -m rlvr.tiny_model") for c in commands) and len(commands) >= 6
    env = {**os.environ, "PYTHONPATH": str(checkout), "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
    env.update(HF_HUB_OFFLINE="1", HF_DATASETS_OFFLINE="1")  # as on a machine with no network
    where = subprocess.run(
        ["python", "-c", "import rlvr; print(rlvr.__file__)"], cwd=checkout, env=env, capture_output=True, text=True
    )
    assert where.stdout.startswith(str(checkout)), where
    for command in commands:
        done = subprocess.run(command, shell=True, cwd=checkout, env=env, capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, (command, done.stdout[-2000:], done.stderr[-2000:])
    assert (checkout / "runs" / "base" / "summary.json").exists()
    assert (checkout / "runs" / "demo-quick" / "demo_summary.json").exists()
