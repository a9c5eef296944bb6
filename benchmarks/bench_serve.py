"""`rlvr serve` under load, against in-process verification of the same samples.

    python -m pytest benchmarks/bench_serve.py --benchmark-enable -s

- math: one `verify_batch` of MATH test solutions, in-process and as one POST /v1/verify_batch,
  each side on samples it has never seen (both keep verdict caches), after a warm-up chunk on
  both; items/s and their ratio (target: HTTP >= 0.5x in-process); the same pair as a
  pytest-benchmark group (fresh chunks each round, the same chunks on both sides).
- load: 32-64 concurrent HTTP clients send mixed requests (GSM8K, MATH-500, IFEval, MBPP; single
  samples and batches of 8): p50/p99 request latency and items/s, against the in-process
  verify_batch of the same samples; every sample answered exactly once, as in-process.
- a client that disconnects in the middle of a slow request: the server verifies and drops it,
  and its queue empties; other clients are unaffected.
- a restart under load: SIGTERM (in-flight requests are answered, exit 0), a new server on the
  same port, clients retrying requests whose connection failed before a response (refused, or
  closed idle): nothing lost, nothing answered twice.
With benchmarking disabled (CI) the same checks run on small samples and no ratio is asserted.
"""

from __future__ import annotations

import asyncio
import socket
import statistics
import time

import httpx
import pytest
from math_data import load_problems
from serve_process import (
    SLOW_TRUTH,
    LoadResult,
    refuses_connections,
    running,
    sample_requests,
    send_samples,
    slow_program,
    start,
    wait_until,
)
from service_data import Sample, gsm8k_samples, in_process_verdicts, judgement, math_samples, mixed_samples

import rlvr

BATCH = 8  # samples per batch request in the load mix (every third request is a batch)


def _enabled(config: pytest.Config) -> bool:
    return bool(config.getoption("benchmark_enable", default=False))


def _math_chunk(index: int, size: int) -> tuple[list[str], list[str]]:
    """Chunk `index` of the 5,000 MATH test problems, counted from the end (the mixed samples take
    theirs from the start, so no cache has seen these): each solution against its own answer,
    every third against the next problem's (a mismatch, often settled by sympy)."""
    problems = load_problems()[5000 - (index + 1) * size : 5000 - index * size]
    truths = [problems[i if i % 3 else (i + 1) % len(problems)].answer for i in range(len(problems))]
    return [p.solution for p in problems], truths


@pytest.fixture(scope="module")
def server():
    with running() as server:
        yield server


def test_math_verify_batch_over_http_against_in_process(server, request):
    size, rounds = (250, 3) if _enabled(request.config) else (30, 1)
    verifier = rlvr.get_verifier("math")
    with httpx.Client(base_url=server.url, timeout=600) as http:

        def over_http(completions: list[str], truths: list[str]) -> list[dict]:
            response = http.post(
                "/v1/verify_batch", json={"task": "math", "completions": completions, "ground_truths": truths}
            )
            assert response.status_code == 200, response.text
            return response.json()["verdicts"]

        warm = _math_chunk(0, size)
        verifier.verify_batch(*warm), over_http(*warm)
        local_s = http_s = 0.0
        for chunk in range(1, rounds + 1):
            completions, truths = _math_chunk(chunk, size)
            started = time.perf_counter()
            local = verifier.verify_batch(completions, truths)
            local_s += time.perf_counter() - started
            started = time.perf_counter()
            remote = over_http(completions, truths)
            http_s += time.perf_counter() - started
            assert [judgement(v) for v in remote] == [judgement(v) for v in local]
    items = size * rounds
    ratio = local_s / http_s
    print(
        f"\nmath verify_batch, {rounds} x {size} unseen items: in-process {items / local_s:.0f} items/s, "
        f"HTTP {items / http_s:.0f} items/s, HTTP/in-process {ratio:.2f}x"
    )
    if _enabled(request.config):
        assert ratio >= 0.5


# pytest-benchmark's side-by-side table of the same comparison: each round a fresh chunk of 250
# (chunks 4-6 of each size; the test above used 0-3), so neither side's caches have seen it.
SIDES = {"in-process": 0, "http": 0}


def _fresh_chunk(side: str, size: int) -> tuple[tuple[list[str], list[str]], dict]:
    SIDES[side] += 1
    return _math_chunk(3 + SIDES[side], size), {}


@pytest.mark.benchmark(group="serve: math verify_batch of 250 unseen items")
@pytest.mark.parametrize("side", ["in-process", "http"])
def test_math_verify_batch(benchmark, server, request, side):
    size = 250 if _enabled(request.config) else 20
    if side == "in-process":
        run = rlvr.get_verifier("math").verify_batch
    else:
        http = httpx.Client(base_url=server.url, timeout=600)
        request.addfinalizer(http.close)

        def run(completions: list[str], truths: list[str]) -> list[dict]:
            body = {"task": "math", "completions": completions, "ground_truths": truths}
            return http.post("/v1/verify_batch", json=body).json()["verdicts"]

    verdicts = benchmark.pedantic(run, setup=lambda: _fresh_chunk(side, size), rounds=3)
    assert len(verdicts) == size


async def _load(url: str, samples: list[Sample], clients: int, retry: bool = False, on_answer=None) -> LoadResult:
    """Every sample from `clients` clients; every third request a batch of up to BATCH samples."""
    return await send_samples(url, sample_requests(samples, 3, BATCH), clients, retry, on_answer)


def _percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 else values[0]


def test_mixed_load_from_concurrent_clients(server, request):
    enabled = _enabled(request.config)
    count = 600 if enabled else 60
    warm = mixed_samples(20)  # builds every verifier and starts its pools, on both sides
    in_process_verdicts(warm)
    asyncio.run(_load(server.url, warm, 4))
    for round_, clients in enumerate((32, 64) if enabled else (32,)):
        # Samples neither side has seen (both keep verdict caches).
        samples = mixed_samples(count * (round_ + 2))[count * (round_ + 1) :]
        started = time.perf_counter()
        expected = in_process_verdicts(samples)
        local_s = time.perf_counter() - started
        started = time.perf_counter()
        result = asyncio.run(_load(server.url, samples, clients))
        http_s = time.perf_counter() - started
        assert sorted(result.answers) == list(range(count))
        assert [judgement(result.answers[i]) for i in range(count)] == [judgement(v) for v in expected]
        print(
            f"\nmixed load, {count} samples in {len(result.latencies)} requests from {clients} clients: "
            f"p50 {_percentile(result.latencies, 50) * 1000:.0f} ms, "
            f"p99 {_percentile(result.latencies, 99) * 1000:.0f} ms, "
            f"{count / http_s:.0f} items/s over HTTP; in-process verify_batch per task {count / local_s:.0f} items/s"
        )


def test_a_client_that_disconnects_mid_request_costs_nothing_else(server):
    body = httpx.Request(
        "POST",
        f"{server.url}/v1/verify",
        json={"task": "mbpp", "completion": slow_program(1.0), "ground_truth": SLOW_TRUTH},
    )
    host, port = server.url.removeprefix("http://").rsplit(":", 1)
    before = _verdict_count(server.url, "mbpp")
    with socket.create_connection((host, int(port))) as connection:
        head = f"POST /v1/verify HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
        content = body.read()
        connection.sendall(f"{head}Content-Length: {len(content)}\r\n\r\n".encode() + content)
        wait_until(lambda: httpx.get(f"{server.url}/health").json()["queue_depth"] == 1)
    # Gone mid-request: others are answered meanwhile, and the slow sample is verified and dropped.
    quick = httpx.post(
        f"{server.url}/v1/verify", json={"task": "gsm8k", "completion": "The answer is 3.", "ground_truth": "3"}
    )
    assert quick.json()["correct"] is True
    wait_until(lambda: httpx.get(f"{server.url}/health").json()["queue_depth"] == 0)
    assert _verdict_count(server.url, "mbpp") == before + 1


def _verdict_count(url: str, task: str) -> float:
    prefix = "rlvr_verdicts_total{"
    lines = httpx.get(f"{url}/metrics").text.splitlines()
    return sum(float(line.rsplit(" ", 1)[1]) for line in lines if line.startswith(prefix) and f'task="{task}"' in line)


def test_a_restart_under_load_loses_nothing_and_answers_nothing_twice(request):
    count, clients = (300, 16) if _enabled(request.config) else (40, 4)
    # GSM8K and MATH: the restarted server's cold start is then a second, not IFEval's nltk load.
    samples = [s for pair in zip(gsm8k_samples(count // 2), math_samples(count // 2)) for s in pair]
    expected = in_process_verdicts(samples)
    first = start("--port", "0")
    port = first.url.rsplit(":", 1)[1]
    restarted: dict[str, int] = {}

    async def restart_once(answered: int) -> None:
        if answered >= count // 3 and not restarted:
            restarted["at"] = answered
            first.process.terminate()  # in-flight requests are still answered; new ones are refused

    async def run() -> LoadResult:
        load = asyncio.create_task(_load(first.url, samples, clients, retry=True, on_answer=restart_once))
        while not restarted:
            await asyncio.sleep(0.01)
        # A rolling restart: the new server starts once the old one stopped listening, while the
        # old one may still be answering its last requests.
        await asyncio.to_thread(wait_until, lambda: refuses_connections(first.url))
        second = await asyncio.to_thread(start, "--port", port)
        try:
            return await load
        finally:
            second.stop()
            restarted["exit"] = await asyncio.to_thread(first.process.wait, 120)

    result = asyncio.run(run())
    assert restarted["exit"] == 0
    assert sorted(result.answers) == list(range(count))
    assert [judgement(result.answers[i]) for i in range(count)] == [judgement(v) for v in expected]
    print(
        f"\nrestart after {restarted['at']} of {count} samples: first server exited {restarted['exit']}, "
        f"{result.retries} retries of requests sent while no server listened, every sample answered once"
    )
