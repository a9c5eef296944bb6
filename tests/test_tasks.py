"""The task registry: one TaskSpec per task, read by everything that lists tasks; third-party
tasks through the `rlvr.tasks` entry point group (a real distribution's metadata on sys.path,
built from the worked example in docs/tasks.md and used in a fresh process)."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import rlvr
from rlvr.eval.tasks import eval_tasks
from rlvr.integrations.verl import DATA_SOURCES
from rlvr.tasks import Fixture, TaskSpec, register_task, task_specs, unregister_task
from rlvr.tasks.table import BEGIN, END, task_table

REPO = Path(__file__).resolve().parents[1]
DOC = REPO / "docs" / "tasks.md"


def test_the_readme_task_table_is_the_registry_s():
    readme = (REPO / "README.md").read_text()
    assert f"{BEGIN}\n{task_table()}\n{END}" in readme, "README's task table is stale: python -m rlvr.tasks.table"


def test_everything_that_lists_tasks_reads_the_registry():
    specs = task_specs()
    assert rlvr.available_tasks() == sorted(specs)
    assert set(eval_tasks()) == {e.name for spec in specs.values() for e in spec.evals}
    assert {"gsm8k", "math500", "aime24", "mbpp", "humaneval", "apps", "ifeval", "ifbench"} <= set(eval_tasks())
    for spec in specs.values():
        assert DATA_SOURCES[spec.name] == spec.name
        assert all(DATA_SOURCES[source] == spec.name for source in spec.data_sources)


def test_task_modules_do_not_import_the_facade():
    """rlvr.api imports the verifiers; a verifier importing rlvr.api back was a cycle."""
    for path in (REPO / "rlvr" / "verifiers").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                assert node.module != "rlvr.api", path
            elif isinstance(node, ast.Import):
                assert all(alias.name != "rlvr.api" for alias in node.names), path


def test_register_task_in_process_and_spec_checks():
    spec = TaskSpec("echo_upper", "rlvr.verifiers.mcq:MCQVerifier", "mcq, strict", options={"mode": "strict"})
    register_task(spec)
    try:
        assert "echo_upper" in rlvr.available_tasks()
        assert rlvr.get_verifier("echo_upper").options.mode == "strict"
        assert rlvr.get_verifier("echo_upper", mode="flexible").options.mode == "flexible"
        with pytest.raises(ValueError, match="already registered"):
            register_task(spec)
    finally:
        unregister_task("echo_upper")
    assert "echo_upper" not in rlvr.available_tasks()
    with pytest.raises(ValueError, match="identifier"):
        TaskSpec("no spaces allowed", "m:C", "x")
    with pytest.raises(ValueError, match="module:Class"):
        TaskSpec("ok", "no_colon", "x")
    with pytest.raises(ValueError, match="already registered"):
        register_task(TaskSpec("gsm8k", "m:C", "x"))


def doc_files() -> dict[str, str]:
    """The files of docs/tasks.md's worked example: code blocks whose first line names the file."""
    blocks = re.findall(r"```python\n# (\S+)\n(.*?)```", DOC.read_text(), re.DOTALL)
    return dict(blocks)


def doc_entry_points() -> dict[str, str]:
    """The entry points of the example's pyproject.toml block: `name = "module:attribute"` lines."""
    block = re.search(r'```toml\n\[project.entry-points."rlvr.tasks"\]\n(.*?)```', DOC.read_text(), re.DOTALL)
    assert block is not None
    return dict(re.findall(r'^(\w+) = "([\w.:]+)"$', block.group(1), re.MULTILINE))


def install_plugin(root: Path, name: str, files: dict[str, str], points: dict[str, str]) -> Path:
    """A distribution as pip leaves it: the package and its dist-info (METADATA, entry_points.txt)."""
    for relative, text in files.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text(text)
    info = root / f"{name}-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 0.1\n")
    lines = "".join(f"{key} = {value}\n" for key, value in points.items())
    (info / "entry_points.txt").write_text(f"[rlvr.tasks]\n{lines}")
    return root


def run(root: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(root), str(REPO)])}
    return subprocess.run([sys.executable, *argv], cwd=REPO, env=env, capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def echo_plugin(tmp_path_factory) -> Path:
    return install_plugin(tmp_path_factory.mktemp("site"), "echo_task", doc_files(), doc_entry_points())


def test_the_documented_plugin_is_a_task_everywhere(echo_plugin):
    script = textwrap.dedent(
        """
        import rlvr
        from rlvr.integrations.verl import compute_score
        from rlvr.tasks.table import task_table
        assert "echo" in rlvr.available_tasks(), rlvr.available_tasks()
        assert rlvr.verify("Let me see.\\nhello", "hello", task="echo").reason == "ok"
        assert rlvr.verify("HELLO", "hello", task="echo", ignore_case=True).correct
        assert rlvr.verify("x", 42, task="echo").reason == "bad_ground_truth"
        assert compute_score("my-org/echo", "hello", "hello")["score"] == 1.0
        assert "| `echo` |" in task_table()
        print("ok")
        """
    )
    result = run(echo_plugin, "-c", script)
    assert result.returncode == 0 and result.stdout.strip() == "ok", result.stderr


def test_the_conformance_suite_runs_over_the_plugin(echo_plugin):
    result = run(
        echo_plugin, "-m", "pytest", "tests/test_task_conformance.py", "-q", "-k", "echo", "-p", "no:cacheprovider"
    )
    assert result.returncode == 0, result.stdout[-3000:]
    checks = len(re.findall(r"^def test_", (REPO / "tests" / "test_task_conformance.py").read_text(), re.MULTILINE))
    assert re.search(rf"\b{checks} passed\b", result.stdout), result.stdout[-3000:]


def test_a_task_registered_without_a_fixture_fails_the_conformance_suite(tmp_path):
    spec = 'TaskSpec("bare", "rlvr.verifiers.mcq:MCQVerifier", "x")'
    files = {"bare_task.py": f"from rlvr.tasks import TaskSpec\nSPEC = {spec}\n"}
    install_plugin(tmp_path, "bare_task", files, {"bare": "bare_task:SPEC"})
    result = run(
        tmp_path, "-m", "pytest", "tests/test_task_conformance.py", "-q", "-k", "bare", "-p", "no:cacheprovider"
    )
    assert result.returncode != 0
    assert "registered without a fixture" in result.stdout


def test_a_broken_plugin_is_skipped_with_a_warning(tmp_path):
    install_plugin(
        tmp_path, "broken_task", {"broken_task.py": "raise ImportError('boom')\n"}, {"x": "broken_task:SPEC"}
    )
    script = "import warnings, rlvr\nwarnings.simplefilter('always')\nprint(rlvr.available_tasks())"
    result = run(tmp_path, "-W", "always", "-c", script)
    assert result.returncode == 0 and "gsm8k" in result.stdout
    assert "entry point 'x' failed to load" in result.stderr


def test_fixture_is_a_plain_record():
    fixture = Fixture("g", "right", "wrong", "", None)
    assert (fixture.no_answer_reason, dict(fixture.options), fixture.service) == ("no_answer", {}, None)


def test_spec_modules_do_not_import_verifiers():
    """Listing tasks must stay cheap, and a verifier module's `reward_function` reads the registry."""
    for path in (REPO / "rlvr" / "tasks").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                # rlvr.verifiers.base is the light base class (spec.py names it for type checkers).
                assert not node.module.startswith("rlvr.verifiers") or node.module == "rlvr.verifiers.base", path


def test_a_plugin_that_uses_the_registry_while_it_loads_is_skipped_not_deadlocked(tmp_path):
    files = {"eager_task.py": "import rlvr\nrlvr.available_tasks()\n"}
    install_plugin(tmp_path, "eager_task", files, {"eager": "eager_task:SPEC"})
    result = run(tmp_path, "-c", "import rlvr; print(rlvr.available_tasks())")
    assert result.returncode == 0 and "mcq" in result.stdout
    assert "must not import its verifier" in result.stderr
