"""Fault injection: every way the set-up can break gives a raised configuration error or a verdict
whose `failed` is True with a specific reason, never a plain 0.0 that passes for a wrong answer;
and GRPO's `reward_error_rate` and `diagnose` show each failure."""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

import rlvr
from rlvr.eval.runner import summarize_run
from rlvr.grpo.diagnose import diagnose
from rlvr.grpo.reward import Reward, Score, failure_metrics
from rlvr.sandbox import SandboxPool, SandboxUnavailable, StdioTest
from rlvr.sandbox import pool as pool_module
from rlvr.sandbox.pool import SandboxClosed
from rlvr.verdict import FAILURE_REASONS, JUDGED_REASONS, Verdict
from rlvr.verifiers import code as code_module
from rlvr.workers import slots

REPO = Path(__file__).resolve().parents[1]
ADD = {"test_list": ["assert add(1, 2) == 3", "assert add(2, 2) == 4"]}
RIGHT = "def add(a, b):\n    return a + b\n"
WRONG = "def add(a, b):\n    return a - b\n"
HANG = "import time\ntime.sleep(60)\n"


def grpo_sees(verdicts: list[Verdict], reason: str) -> None:
    """The failures reach GRPO's step metrics and diagnose's first advice, reason included."""
    metrics = failure_metrics([Score.from_verdict(v) for v in verdicts])
    assert metrics["reward_error_rate"] > 0 and reason in metrics["reward_failures"]
    advice = diagnose([{"kind": "grpo", "groups": 1, **metrics}])[0]
    assert advice.kind == "reward_errors" and reason in advice.evidence


def wait_until_busy(pool: SandboxPool) -> None:
    """Until a thread has taken the pool's only worker (the hanging program is running)."""
    deadline = time.monotonic() + 30
    while pool.idle_workers() and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.2)


def test_the_taxonomy_is_one_partition():
    assert not FAILURE_REASONS & JUDGED_REASONS
    assert rlvr.FAILURE_REASONS is FAILURE_REASONS
    assert {"sandbox_error", "busy", "judge_error", "timeout", "error", "bad_ground_truth"} <= FAILURE_REASONS
    assert not Verdict(0.0, False, reason="mismatch").failed and Verdict.failure("busy").failed
    assert Verdict.failure("a_reason_nobody_classified").failed  # loud until classified


def test_rlvr_eval_warns_and_records_when_over_one_percent_failed(capsys):
    def record(reasons: list[str]) -> dict:
        responses = [{"text": "", "score": 0.0, "correct": False, "metadata": {"reason": r}} for r in reasons]
        return {"id": "p", "responses": responses}

    summary = summarize_run([record(["mismatch"] * 98 + ["sandbox_error"] * 2)], [1], {})
    assert summary["metrics"]["failures"] == 2 and summary["metrics"]["failure_rate"] == 0.02
    assert "sandbox_error" in summary["warnings"][0] and "WARNING" in capsys.readouterr().err
    assert summarize_run([record(["mismatch"] * 100 + ["busy"])], [1], {})["warnings"] == []


def test_an_option_typo_raises_everywhere():
    with pytest.raises(ValueError, match="mdoe"):
        rlvr.compute_reward("The answer is 18.", "#### 18", task="gsm8k", mdoe="strict")
    with pytest.raises(ValueError, match="mdoe"):
        Reward("gsm8k", {"mdoe": "strict"})


def test_a_judge_refusing_connections_is_judge_error():
    with socket.socket() as probe:  # a port that was free a moment ago: nobody listens on it
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    verifier = rlvr.get_verifier(
        "rubric", judge_base_url=f"http://127.0.0.1:{port}/v1", judge_model="m", judge_backoff=0.0, timeout=3.0
    )
    verdict = verifier.verify("An apple.", {"prompt": "Describe a fruit.", "rubrics": ['Mentions "apple"']})
    assert verdict.failed and verdict.reason == "judge_error", verdict
    grpo_sees([verdict], "judge_error")


def test_a_closed_pool_refuses_work_and_verifiers_say_sandbox_error(monkeypatch):
    closed = SandboxPool(size=1)
    closed.close()
    with pytest.raises(SandboxClosed):
        closed.run("print(1)", [StdioTest()], timeout=5)
    assert closed.uids() == []  # nothing was started to serve it
    # A verifier holding a pool that another thread closed under it: a failure, not a judgement.
    monkeypatch.setattr(code_module, "shared_pool", lambda *_: closed)
    verdict = rlvr.get_verifier("mbpp").verify(RIGHT, ADD)
    assert verdict.failed and verdict.reason == "sandbox_error", verdict
    grpo_sees([verdict], "sandbox_error")
    # The shared pool itself is replaced on next use (tests/test_isolation.py).
    monkeypatch.setitem(pool_module._shared._pools, False, closed)
    assert pool_module.shared_pool() is not closed


def _dying_worker(*args: object) -> list[str]:
    """A worker command whose process says why on stderr and dies on its first job."""
    return [sys.executable, "-c", "import sys; sys.stderr.write('worker cannot start here\\n'); sys.exit(3)"]


def test_a_sandbox_that_cannot_run_raises_at_start_with_the_worker_stderr(monkeypatch):
    monkeypatch.setattr(pool_module, "worker_command", _dying_worker)
    with pytest.raises(SandboxUnavailable, match="worker cannot start here"):
        SandboxPool(size=1)


def test_a_worker_that_dies_is_replaced_once_then_sandbox_error(monkeypatch):
    pool = SandboxPool(size=1, idle_timeout=0.0)
    try:
        # One death mid-job: the job runs again on a fresh worker and is judged.
        killer = threading.Timer(0.5, lambda: [os.killpg(w.process.pid, signal.SIGKILL) for w in pool.workers()])
        killer.start()
        result = pool.run("import time\ntime.sleep(1.5)\nprint('done')", [StdioTest()], timeout=10)
        killer.join()
        assert result.failure is None and result.outcomes[0].stdout == "done\n", result
        # Workers: the self-check's (retired at once: idle_timeout 0), the run's (killed), its replacement.
        stats = pool.stats()
        assert (stats.calls, stats.retries, stats.restarts, stats.workers_started, stats.errors) == (2, 1, 1, 3, 0)
        # Every worker dies: after one retry the run says sandbox_error, with the worker's stderr.
        pool.retire_idle()
        monkeypatch.setattr(pool_module, "worker_command", _dying_worker)
        result = pool.run("print(1)", [StdioTest()], timeout=5)
        assert result.failure == "sandbox_error" and "worker cannot start here" in result.error, result
        assert (pool.stats().calls, pool.stats().errors, pool.stats().retired) == (3, 1, 2)
    finally:
        pool.close()


def test_workers_start_on_demand_and_retire_when_idle():
    pool = SandboxPool(size=2, idle_timeout=0.5)
    try:
        assert len(pool.uids()) == 1  # only the self-check's worker so far
        deadline = time.monotonic() + 15
        while pool.uids() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert pool.uids() == []
        assert pool.run("print(3)", [StdioTest()], timeout=5).outcomes[0].stdout == "3\n"
    finally:
        pool.close()


def test_a_saturated_pool_does_not_charge_the_wait_and_says_busy():
    pool = SandboxPool(size=1)
    try:
        hang = threading.Thread(target=pool.run, args=(HANG, [StdioTest()]), kwargs={"timeout": 3.0})
        hang.start()
        wait_until_busy(pool)
        # The queue wait (about 3 s) exceeds the program's own budget (1.5 s), which starts when it starts.
        waited = pool.run("print('ok')", [StdioTest()], timeout=1.5, wait=20)
        assert waited.failure is None and waited.outcomes[0].stdout == "ok\n", waited
        hang = threading.Thread(target=pool.run, args=(HANG, [StdioTest()]), kwargs={"timeout": 3.0})
        hang.start()
        wait_until_busy(pool)
        busy = pool.run("print('ok')", [StdioTest()], timeout=1.5, wait=0.5)
        assert busy.failure == "busy" and not busy.outcomes[0].ran, busy
        assert pool.stats().busy == 1
        hang.join()
    finally:
        pool.close()


def test_a_busy_verdict_is_a_failure(monkeypatch):
    pool = SandboxPool(size=1)
    monkeypatch.setitem(pool_module._shared._pools, False, pool)
    try:
        hang = threading.Thread(target=pool.run, args=(HANG, [StdioTest()]), kwargs={"timeout": 3.0})
        hang.start()
        wait_until_busy(pool)
        verdict = rlvr.get_verifier("mbpp", timeout=0.5).verify(RIGHT, ADD)
        assert verdict.failed and verdict.reason == "busy", verdict
        grpo_sees([verdict], "busy")
        hang.join()
    finally:
        pool.close()


def _verify_in_child(conn) -> None:  # multiprocessing target: runs in a forked child
    verdicts = [rlvr.verify(p, ADD, task="mbpp", timeout=5) for p in (RIGHT, WRONG, RIGHT)]
    conn.send([(v.score, v.reason) for v in verdicts])
    conn.close()
    slots._close_all_at_exit()  # what the child's atexit would run: it must not close the parent's pool


def test_a_forked_child_verifies_and_leaves_the_parent_pool_alone():
    assert rlvr.verify(RIGHT, ADD, task="mbpp").score == 1.0  # the parent's pool is warm
    context = multiprocessing.get_context("fork")
    parent_end, child_end = context.Pipe()
    child = context.Process(target=_verify_in_child, args=(child_end,))
    child.start()
    assert parent_end.poll(60), "the forked child hung"
    assert parent_end.recv() == [(1.0, "ok"), (0.0, "mismatch"), (1.0, "ok")]
    child.join(10)
    assert [rlvr.verify(p, ADD, task="mbpp").score for p in (RIGHT, WRONG)] == [1.0, 0.0]


def _verify_many(args: tuple[int, int]) -> list[bool]:
    seed, count = args
    programs = [(RIGHT, 1.0) if (seed + i) % 2 else (WRONG, 0.0) for i in range(count)]
    return [rlvr.verify(p, ADD, task="mbpp", timeout=30).score == want for p, want in programs]


@pytest.mark.parametrize("children,count", [(2, 4), pytest.param(4, 40, marks=pytest.mark.slow)])
def test_forked_children_and_their_parent_verify_at_once_without_crossed_replies(children, count):
    assert rlvr.verify(RIGHT, ADD, task="mbpp").score == 1.0  # the children inherit a warm pool
    results: list[bool] = []
    parent = threading.Thread(target=lambda: results.extend(_verify_many((7, count))))
    with multiprocessing.get_context("fork").Pool(children) as processes:
        parent.start()
        child_results = processes.map(_verify_many, [(seed, count) for seed in range(children)])
        parent.join()
    assert all(results) and len(results) == count
    assert all(all(r) and len(r) == count for r in child_results)


def test_os_fork_child_exiting_through_atexit_leaves_the_parent_working():
    assert rlvr.verify(RIGHT, ADD, task="mbpp").score == 1.0
    pid = os.fork()
    if pid == 0:  # the child: verify, then run the exit handlers as a normal exit would
        try:
            ok = rlvr.verify(RIGHT, ADD, task="mbpp", timeout=10).score == 1.0
            slots._close_all_at_exit()
        finally:
            os._exit(0 if ok else 1)
    _, status = os.waitpid(pid, 0)
    assert os.WEXITSTATUS(status) == 0
    assert rlvr.verify(RIGHT, ADD, task="mbpp").score == 1.0


_SCRIPT = """
import json, sys
import rlvr
from rlvr.verifiers.mbpp import compute_reward as mbpp_reward
out = {"prefix": sys.prefix, "rlvr": rlvr.__file__}
try:
    out["verdict"] = rlvr.verify(sys.argv[1], json.loads(sys.argv[2]), task="mbpp").to_dict()
except Exception as exc:
    out["verify_raised"] = f"{type(exc).__name__}: {exc}"
try:
    out["two_argument"] = mbpp_reward(sys.argv[1], sys.argv[2])
except Exception as exc:
    out["two_argument_raised"] = type(exc).__name__
print(json.dumps(out))
"""


def _run_script(python: str, env: dict[str, str] | None = None) -> dict:
    done = subprocess.run(
        [python, "-c", _SCRIPT, RIGHT, json.dumps(ADD)], capture_output=True, text=True, timeout=120, cwd="/", env=env
    )
    assert done.returncode == 0 and done.stderr == "", done.stderr[-2000:]  # exits quietly, no traceback
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_bubblewrap_missing_raises_at_every_entry_point(tmp_path):
    env = {**os.environ, "PATH": str(tmp_path)}  # no bwrap on PATH
    out = _run_script(sys.executable, env)
    assert out["verify_raised"].startswith("SandboxUnavailable: no sandbox isolation available (bwrap not found")
    assert out["two_argument_raised"] == "SandboxUnavailable"


def test_rlvr_and_its_interpreter_under_tmp_run_programs(tmp_path):
    """A venv under /tmp (tmp_path lies there) with rlvr installed in it, as a throwaway CI
    environment has: bubblewrap's private /tmp must not hide the worker's interpreter or scripts."""
    assert str(tmp_path).startswith("/tmp/")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = str(venv / "bin" / "python")
    site = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], **_TEXT)
    _copy_package(Path(site.stdout.strip()))
    out = _run_script(python)
    assert out["prefix"] == str(venv) and out["rlvr"].startswith(str(venv))
    assert out["verdict"]["reason"] == "ok" and out["two_argument"] == 1.0, out


@pytest.mark.slow
def test_rlvr_pip_installed_into_a_venv_under_tmp(tmp_path):
    """The same with a real `pip install` of a wheel built from this checkout."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    wheels = tmp_path / "wheels"
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "wheel", "--no-deps", "--no-build-isolation", "-w", str(wheels), str(REPO)], **_CHECKED)
    python = str(venv / "bin" / "python")
    site = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], **_TEXT)
    wheel = next(wheels.glob("rlvr-*.whl"))
    subprocess.run([*pip, "install", "--no-deps", "--target", site.stdout.strip(), str(wheel)], **_CHECKED)
    out = _run_script(python)
    assert out["rlvr"].startswith(str(venv)) and out["verdict"]["reason"] == "ok" and out["two_argument"] == 1.0


_TEXT = {"capture_output": True, "text": True, "check": True, "timeout": 120}
_CHECKED = {"check": True, "timeout": 600}


def _copy_package(site_packages: Path) -> None:
    """What pip does for a pure-Python package, minus metadata: the package folder in site-packages."""
    source = REPO / "rlvr"
    for path in source.rglob("*"):
        if "__pycache__" in path.parts:
            continue
        target = site_packages / "rlvr" / path.relative_to(source)
        if path.is_dir():
            target.mkdir(parents=True, exist_ok=True)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(path.read_bytes())
