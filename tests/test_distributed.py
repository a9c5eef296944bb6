"""rlvr.distributed on a local Ray cluster (ray.init) and on a head plus a worker node started with
`ray start`, as a user would: cluster verdicts equal local ones, a killed actor loses none, a
wedged one costs only its own items a timeout, and configuration errors raise at once. Every
cluster started here is shut down here."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
from dataclasses import replace
from pathlib import Path

import pytest
from scale_data import comparable, gsm8k_batch, math_batch, mbpp_batch

import rlvr
from rlvr.verdict import TIMEOUT

ray = pytest.importorskip("ray")
from rlvr.distributed import RewardServer, ServerOptions, default_server, verify_batch  # noqa: E402
from rlvr.distributed.actors import CHUNKS_PER_ACTOR  # noqa: E402

# Two actors of one CPU on the one node, small chunks: every batch is spread over both.
SERVER = {"name": "rlvr-test", "cpus_per_actor": 1, "chunk_size": 4}
BATCHES = {"gsm8k": gsm8k_batch(40), "math": math_batch(30), "mbpp": mbpp_batch(12)}
# Time limits far above the work, so that a verdict never depends on how loaded the machine is
# (a timeout in one run and not in the other is not what these tests compare).
OPTIONS = {
    "gsm8k": {},
    "math": {"timeout": 120.0, "sympy_timeout": 60.0},
    "mbpp": {"timeout": 120.0, "test_timeout": 30.0},
}
TESTS_DIR = Path(__file__).resolve().parent


def local_verdicts(task: str) -> list[tuple]:
    return [comparable(v) for v in rlvr.get_verifier(task, **OPTIONS[task]).verify_batch(*BATCHES[task])]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# Token authentication for the nodes and the driver alike (`ray start` turns it on; a driver
# that connects to an existing cluster does not unless told), with the token in ~/.ray.
RAY_ENV = {**os.environ, "RAY_AUTH_MODE": "token"}


def _start_node(temp_dir: str, *args: str) -> subprocess.Popen:
    ray_cli = str(Path(sys.executable).with_name("ray"))
    command = [
        ray_cli,
        "start",
        "--block",
        "--num-cpus=1",
        f"--temp-dir={temp_dir}",
        "--disable-usage-stats",
        "--node-ip-address=127.0.0.1",  # loopback only: a test sends nothing to other addresses
        *args,
    ]
    # Its own session: the node's processes are ended through this group, never by name.
    return subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True, env=RAY_ENV
    )


def _stop_node(node: subprocess.Popen) -> None:
    # SIGTERM lets the node drain and stop its processes; the group's SIGKILL then ends what is left.
    for sig, grace in ((signal.SIGTERM, 3), (signal.SIGKILL, 5)):
        try:
            os.killpg(node.pid, sig)
        except ProcessLookupError:
            break
        try:
            node.wait(grace)
        except subprocess.TimeoutExpired:
            pass


DRIVER = textwrap.dedent(
    """
    import json, sys, time, ray
    sys.path.insert(0, sys.argv[2])
    from scale_data import comparable, gsm8k_batch, math_batch, mbpp_batch
    from rlvr.distributed import default_server, verify_batch
    ray.init(address=sys.argv[1], log_to_driver=False, _node_ip_address="127.0.0.1")
    deadline = time.monotonic() + 120
    while sum(node["Alive"] for node in ray.nodes()) < 2 and time.monotonic() < deadline:
        time.sleep(0.5)  # the worker node may register after the head
    batches = {"gsm8k": gsm8k_batch(40), "math": math_batch(30), "mbpp": mbpp_batch(12)}
    options = json.loads(sys.argv[3])
    server = default_server()
    out = {"nodes": len({info["node_id"] for info in server.describe()})}
    for task, batch in batches.items():
        out[task] = [comparable(v) for v in verify_batch(task, *batch, **options[task])]
    server.shutdown()
    print("RESULT " + json.dumps(out))
    """
)


def test_head_and_worker_node_started_with_ray_start():
    """One actor per node (the default) on two nodes of one CPU each; the driver is its own process."""
    port = _free_port()
    temp_dir = tempfile.mkdtemp(prefix="rlvr-ray-")
    head = _start_node(temp_dir, "--head", f"--port={port}", "--include-dashboard=false")
    worker = None
    try:
        address = f"127.0.0.1:{port}"
        worker = _start_node(temp_dir, f"--address={address}")
        run = subprocess.run(
            [sys.executable, "-c", DRIVER, address, str(TESTS_DIR), json.dumps(OPTIONS)],
            capture_output=True,
            text=True,
            timeout=300,
            env=RAY_ENV,
        )
        assert run.returncode == 0, run.stderr[-3000:]
        # Ray may print its own lines too: the result is the one line marked as such.
        result = json.loads(next(line for line in run.stdout.splitlines() if line.startswith("RESULT "))[7:])
    finally:
        for node in (worker, head):
            if node is not None:
                _stop_node(node)
        shutil.rmtree(temp_dir, ignore_errors=True)
    assert result.pop("nodes") == 2
    for task in BATCHES:
        cluster, local = [tuple(v) for v in result[task]], local_verdicts(task)
        assert cluster == local, [(i, c, v) for i, (c, v) in enumerate(zip(cluster, local)) if c != v]


@pytest.fixture(scope="module")
def cluster():
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, _node_ip_address="127.0.0.1")
    yield
    ray.shutdown()


@pytest.fixture(scope="module")
def server(cluster):
    server = default_server(ServerOptions(**SERVER))
    yield server
    server.shutdown()


@pytest.mark.parametrize("task", sorted(BATCHES))
def test_cluster_verdicts_equal_local_ones_in_input_order(server, task):
    assert [comparable(v) for v in verify_batch(task, *BATCHES[task], **OPTIONS[task])] == local_verdicts(task)


def test_actors_take_the_cpus_they_reserve_as_their_worker_budget(server):
    infos = server.describe()
    assert len(infos) == 2 and {info["workers"] for info in infos} == {1}
    assert len({info["pid"] for info in infos}) == 2


def test_configuration_errors_raise_at_once(server):
    completions, truths = BATCHES["gsm8k"]
    with pytest.raises(ValueError, match="unknown task"):
        verify_batch("no-such-task", completions, truths)
    with pytest.raises(ValueError, match="unknown option"):
        verify_batch("gsm8k", completions, truths, no_such_option=1)
    with pytest.raises(ValueError, match="mode"):
        verify_batch("math", completions, truths, mode="bogus")
    with pytest.raises(ValueError, match="ground truths"):
        verify_batch("gsm8k", completions, truths[:-1])
    with pytest.raises(ValueError, match="already runs"):
        RewardServer(ServerOptions(name="rlvr-test", cpus_per_actor=1, chunk_size=8))
    with pytest.raises(ValueError, match="chunk_size"):
        ServerOptions(chunk_size=0)


def test_trl_and_verl_adapters_verify_on_the_cluster_with_one_option(server):
    from rlvr.integrations import trl, verl

    completions, truths = BATCHES["gsm8k"]
    local = trl.reward_func("gsm8k")(completions=completions, answer=truths)
    assert trl.reward_func("gsm8k", distributed=SERVER)(completions=completions, answer=truths) == local
    sources = ["openai/gsm8k"] * len(completions)
    local_rows = verl.compute_score_batch(sources, completions, truths)
    assert verl.compute_score_batch(sources, completions, truths, distributed=SERVER) == local_rows
    with pytest.raises(ValueError, match="unknown option"):
        trl.reward_func("gsm8k", distributed=SERVER, no_such_option=1)


def test_an_actor_killed_mid_batch_loses_no_verdicts(server):
    task = "mbpp"
    victim = server.describe()[0]["pid"]
    verdicts = {}
    for index, verdict in server.stream(task, *BATCHES[task], **OPTIONS[task]):
        if not verdicts:  # the batch is under way: kill one actor, as a node failure would
            os.kill(victim, signal.SIGKILL)
        verdicts[index] = comparable(verdict)
    assert [verdicts[i] for i in range(len(BATCHES[task][0]))] == local_verdicts(task)
    restarted = {info["pid"] for info in server.describe()}
    assert len(restarted) == 2 and victim not in restarted


def test_a_wedged_actor_costs_its_own_chunks_a_timeout_and_stalls_nothing(server, monkeypatch):
    # A server takes every CPU of the cluster, so a second one with a short deadline would need
    # a cluster of its own (a minute to start on a loaded 2-core machine): this one's deadline
    # is shortened instead. An actor of one CPU runs CHUNKS_PER_ACTOR chunks at once, so a
    # chunk's deadline covers that many chunks' items.
    chunk, item_deadline = SERVER["chunk_size"], 1.0
    chunk_deadline = item_deadline * CHUNKS_PER_ACTOR * chunk
    monkeypatch.setattr(server, "options", replace(server.options, item_deadline=item_deadline))
    completions, truths = gsm8k_batch(40)
    wedged = server.describe()[0]["pid"]  # the first actor: it is sent the first chunks
    os.kill(wedged, signal.SIGSTOP)  # as a hung node would be: alive to Ray, answering nothing
    try:
        started = time.monotonic()
        # Options the server has not seen yet: preparing them must not wait for the wedged actor either.
        verdicts = server.verify_batch("gsm8k", completions, truths, mode="flexible")
        took = time.monotonic() - started
    finally:
        os.kill(wedged, signal.SIGCONT)
    # The wedged actor was sent the first CHUNKS_PER_ACTOR chunks at once and nothing after.
    held = CHUNKS_PER_ACTOR * chunk
    assert [i for i, v in enumerate(verdicts) if v.reason == TIMEOUT] == list(range(held))
    assert all(v.score == 0.0 and v.failed for v in verdicts[:held])
    local = rlvr.get_verifier("gsm8k", mode="flexible").verify_batch(completions, truths)
    assert [comparable(v) for v in verdicts[held:]] == [comparable(v) for v in local[held:]]
    assert sum(v.correct for v in local[held:]) == (len(local) - held) // 2  # right and wrong alternate
    # Bounded by the chunk deadline, plus the other actor's work on a shared, loaded machine.
    assert chunk_deadline <= took < chunk_deadline + 15, took
    # Unwedged, the actor serves again.
    assert [comparable(v) for v in server.verify_batch("gsm8k", completions, truths, mode="flexible")] == [
        comparable(v) for v in local
    ]
