"""Verification at scale: several local processes with and without worker budgets, the Ray path
against local `verify_batch`, Ray on one node against two, and memory per verification worker.

    python -m pytest benchmarks/bench_scale.py --benchmark-enable -s

Each local process is a trainer rank: it builds the math and MBPP verifiers (starting their
pools), waits at a barrier for the others, then verifies its share of one batch. "warm" items/s
is the batch over the time from the first share starting to the last one ending; "start s" is
launch to every process ready (interpreter, imports, pools), which a short-lived process pays
on top. "budget" sets LOCAL_WORLD_SIZE to the process count, as torchrun does; "all cores" leaves it
unset, so every process sizes its pools to all cores; "16 each" emulates 16 processes on 16 cores
without budgets (see MODES). "from launch" counts process start-up in, as a script that starts
its processes and verifies once sees it. With benchmarking disabled (CI) only one process and a
small batch run, with budgets, to keep the script working; the Ray figures are skipped there
(tests/test_distributed.py covers that path).
"""

from __future__ import annotations

import multiprocessing
import os
import time
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import pytest
from scale_data import math_batch, mbpp_batch
from worker_census import proportional_set_size_kib, verification_workers

import rlvr
from rlvr.workers.budget import ENV_LOCAL_WORLD_SIZE, ENV_WORKERS, usable_cores

FULL = {"math": 600, "mbpp": 96}
SMALL = {"math": 24, "mbpp": 6}
BATCHES = {"math": math_batch, "mbpp": mbpp_batch}
# One item per task that reaches its worker pool, so "ready" means the pools are up.
WARM_UP = {
    "math": ("$\\boxed{(x+1)^2}$", "x^2+2x+1"),
    "mbpp": ("def f(x):\n    return x\n", {"test_list": ["assert f(1) == 1"]}),
}
WARM_UP_BATCH = {task: ([completion] * 4, [truth] * 4) for task, (completion, truth) in WARM_UP.items()}
_barrier: Any = None


def _enabled(config) -> bool:
    return config.getoption("benchmark_enable", default=False) or not config.getoption(
        "benchmark_disable", default=False
    )


def _share(barrier: Any) -> None:
    global _barrier
    _barrier = barrier


def _rank(rank: int, processes: int, sizes: dict[str, int]) -> dict[str, Any]:
    """One process: build and warm both verifiers, then verify its share of each batch between barriers."""
    times: dict[str, Any] = {}
    verifiers = {task: rlvr.get_verifier(task) for task in sizes}
    for task, (completion, truth) in WARM_UP.items():  # each reaches its pool: sympy, a sandbox
        verifiers[task].verify(completion, truth)
    times["ready"] = time.monotonic()
    for task, size in sizes.items():
        completions, truths = BATCHES[task](size)
        mine = slice(rank * size // processes, (rank + 1) * size // processes)
        _barrier.wait()
        started = time.monotonic()
        verifiers[task].verify_batch(completions[mine], truths[mine])
        times[task] = (started, time.monotonic())
    return times


# What each process's pools may start: every core (no setting, as before budgets), the budget a
# launcher's LOCAL_WORLD_SIZE gives, and 16 workers each, which on 2 cores oversubscribes them as
# 16 processes that each start 16 workers (the default on 16 cores) oversubscribe 16 cores.
MODES = {"all cores": lambda processes: {}, "budget": lambda processes: {ENV_LOCAL_WORLD_SIZE: str(processes)}}
OVERSUBSCRIBED = {"16 each": {ENV_WORKERS: "16"}}


def run_processes(processes: int, env: dict[str, str], sizes: dict[str, int]) -> dict[str, float]:
    """Items/s per task (warm), math items/s counting from launch, and seconds from launch to every
    process ready, for `processes` processes started with `env` as their budget settings."""
    saved = {name: os.environ.pop(name, None) for name in (ENV_WORKERS, ENV_LOCAL_WORLD_SIZE)}
    os.environ.update(env)
    context = multiprocessing.get_context("spawn")
    try:
        launched = time.monotonic()
        with ProcessPoolExecutor(
            processes, mp_context=context, initializer=_share, initargs=(context.Barrier(processes),)
        ) as pool:
            results = list(pool.map(_rank, range(processes), [processes] * processes, [sizes] * processes))
    finally:
        for name, value in saved.items():
            os.environ.pop(name, None)
            if value is not None:
                os.environ[name] = value
    out = {"start s": max(r["ready"] for r in results) - launched}
    out["math from launch"] = sizes["math"] / (max(r["math"][1] for r in results) - launched)
    for task, size in sizes.items():
        out[task] = size / (max(r[task][1] for r in results) - min(r[task][0] for r in results))
    return out


def test_local_processes_with_and_without_budgets(request):
    enabled = _enabled(request.config)
    sizes = FULL if enabled else SMALL
    runs = [(1, "budget", MODES["budget"](1))]
    if enabled:
        runs = [(p, mode, env(p)) for p in (1, 2, 4) for mode, env in MODES.items()]
        runs += [(p, mode, env) for p in (2, 4) for mode, env in OVERSUBSCRIBED.items()]
    print(f"\n{usable_cores()} usable cores; math {sizes['math']} items, MBPP {sizes['mbpp']} items per run")
    header = ("processes", "workers", "math items/s", "from launch", "MBPP items/s", "start s")
    print("{:>9s} {:>9s} | {:>12s} {:>11s} {:>12s} {:>7s}".format(*header))
    for processes, mode, env in runs:
        row = run_processes(processes, env, sizes)
        assert row["math"] > 0 and row["mbpp"] > 0
        print(
            f"{processes:9d} {mode:>9s} | {row['math']:12.0f} {row['math from launch']:11.0f} "
            f"{row['mbpp']:12.1f} {row['start s']:7.1f}"
        )


def test_memory_per_worker():
    """Proportional set size (shared pages split among their sharers) of each live worker."""
    rlvr.get_verifier("mbpp").verify_batch(*mbpp_batch(8))
    math = rlvr.get_verifier("math")
    for _ in range(3):  # sympy workers start on demand (and one killed at a deadline comes back on the next)
        math.verify_batch(*math_batch(30))
        workers = verification_workers(os.getpid())
        if workers["sympy"][os.getpid()]:
            break
    for kind in ("sympy", "sandbox"):
        pids = workers[kind][os.getpid()]
        assert pids, f"no live {kind} workers to measure"
        sizes = [proportional_set_size_kib(pid) / 1024 for pid in pids]
        print(f"\n{kind} worker: {sum(sizes) / len(sizes):.1f} MiB Pss each ({len(pids)} measured)")


@pytest.fixture
def ray_cluster(request):
    if not _enabled(request.config):
        pytest.skip("Ray figures run with --benchmark-enable; tests/test_distributed.py covers the path in CI")
    ray = pytest.importorskip("ray")
    from ray.cluster_utils import Cluster

    def start(nodes: int) -> Any:
        # Two CPUs in all either way, so 1 vs 2 nodes compares placement, not cores.
        cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 2 // nodes, "include_dashboard": False})
        for _ in range(nodes - 1):
            cluster.add_node(num_cpus=2 // nodes)
        ray.init(address=cluster.address, log_to_driver=False)
        cluster.wait_for_nodes()
        return cluster

    clusters = []
    yield lambda nodes: clusters.append(start(nodes)) or clusters[-1]
    ray.shutdown()
    for cluster in clusters:
        cluster.shutdown()


def _timed(function, *args: Any) -> float:
    started = time.monotonic()
    function(*args)
    return time.monotonic() - started


def test_ray_path_against_local_and_one_node_against_two(ray_cluster):
    """Cold caches on both sides: local is timed once, in the first round, on items it has not
    seen (a second local run would find its answer caches full)."""
    import ray

    from rlvr.distributed import RewardServer, ServerOptions

    rows = []
    local_rates: dict[str, float] = {}
    for nodes in (1, 2):
        ray_cluster(nodes)
        server = RewardServer(ServerOptions(name=f"bench-{nodes}"))
        for task in ("math", "mbpp"):
            completions, truths = BATCHES[task](FULL[task])
            server.verify_batch(task, *WARM_UP_BATCH[task])  # pools up on every actor
            ray_rate = len(completions) / _timed(server.verify_batch, task, completions, truths)
            if task not in local_rates:
                local = rlvr.get_verifier(task)
                local.verify_batch(*WARM_UP_BATCH[task])
                local_rates[task] = len(completions) / _timed(local.verify_batch, completions, truths)
            rows.append((nodes, task, local_rates[task], ray_rate))
        server.shutdown()
        ray.shutdown()
    print(f"\n{'nodes':>5s} {'task':5s} | {'local items/s':>13s} {'Ray items/s':>11s} {'local/Ray':>9s}")
    for nodes, task, local_rate, ray_rate in rows:
        print(f"{nodes:5d} {task:5s} | {local_rate:13.0f} {ray_rate:11.0f} {local_rate / ray_rate:9.2f}")
