"""`rlvr serve` started as a user starts it (`python -m rlvr serve --port 0 ...` in a subprocess),
and concurrent HTTP clients that send it samples (`send_samples`)."""

from __future__ import annotations

import asyncio
import os
import select
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx

STARTUP_SECONDS = 60

# A program that takes a while in the sandbox and then passes its one test: a slow request.
SLOW_PROGRAM = "import time\ndef slow():\n    time.sleep({seconds})\n    return 1\n"
SLOW_TRUTH = {"test_list": ["assert slow() == 1"]}


def slow_program(seconds: float) -> str:
    return SLOW_PROGRAM.format(seconds=seconds)


@dataclass
class Server:
    url: str
    process: subprocess.Popen

    def stop(self, timeout: float = 60) -> int:
        """SIGTERM, then the exit status."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout)


def start(*args: str, env: dict[str, str] | None = None) -> Server:
    """Start a server and wait for its 'listening on URL' line."""
    process = subprocess.Popen(
        [sys.executable, "-m", "rlvr", "serve", "--port", "0", "--log-level", "warning", *args],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )
    assert process.stdout is not None
    ready, _, _ = select.select([process.stdout], [], [], STARTUP_SECONDS)
    line = process.stdout.readline() if ready else ""
    if "listening on " not in line:
        process.kill()
        raise AssertionError(f"rlvr serve did not start: {line!r}, status {process.wait()}")
    return Server(line.split("listening on ", 1)[1].strip(), process)


@contextmanager
def running(*args: str, env: dict[str, str] | None = None) -> Iterator[Server]:
    server = start(*args, env=env)
    try:
        yield server
    finally:
        if server.process.poll() is None:
            server.process.kill()
            server.process.wait()


def refuses_connections(url: str) -> bool:
    """Whether nothing listens at `url` any more."""
    try:
        httpx.get(f"{url}/health", timeout=5)
    except httpx.ConnectError:
        return True
    except (httpx.ReadError, httpx.RemoteProtocolError):
        return False  # a server closing its listener may take the connection and then reset it
    return False


def wait_until(condition, timeout: float = 30) -> None:
    end = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > end:
            raise AssertionError("condition not met in time")
        time.sleep(0.02)


@dataclass
class LoadResult:
    answers: dict[int, dict] = field(default_factory=dict)  # sample row -> its verdict
    latencies: list[float] = field(default_factory=list)  # seconds per request
    retries: int = 0


def sample_requests(samples: list[Any], batch_every: int, batch_size: int) -> list[tuple[str, dict, list[int]]]:
    """(path, body, sample rows) for `samples`: every `batch_every`-th request a /v1/verify_batch of
    up to `batch_size` samples of one task, the others /v1/verify of one sample."""
    requests: list[tuple[str, dict, list[int]]] = []
    assigned: set[int] = set()
    for i, sample in enumerate(samples):
        if i in assigned:
            continue
        if len(requests) % batch_every == batch_every - 1:
            rows = [j for j in range(i, len(samples)) if samples[j].task == sample.task and j not in assigned]
            rows = rows[:batch_size]
            body = {
                "task": sample.task,
                "completions": [samples[j].completion for j in rows],
                "ground_truths": [samples[j].ground_truth for j in rows],
            }
            requests.append(("/v1/verify_batch", body, rows))
        else:
            rows = [i]
            body = {"task": sample.task, "completion": sample.completion, "ground_truth": sample.ground_truth}
            requests.append(("/v1/verify", body, rows))
        assigned.update(rows)
    return requests


async def send_samples(
    url: str, requests: list[tuple[str, dict, list[int]]], clients: int, retry: bool = False, on_answer=None
) -> LoadResult:
    """Send `requests` from `clients` concurrent clients; every sample must be answered once (200).
    With `retry`, a request whose connection failed before a response (refused, or an idle
    keep-alive connection a stopping server closed) is sent again: verification is deterministic
    and has no side effects, so a retry can never change or double a verdict. `on_answer(count)`
    is awaited after each answer."""
    result = LoadResult()
    queue: asyncio.Queue = asyncio.Queue()
    for request in requests:
        queue.put_nowait(request)

    async def client(http: httpx.AsyncClient) -> None:
        while not queue.empty():
            path, body, rows = queue.get_nowait()
            while True:
                started = time.perf_counter()
                try:
                    response = await http.post(path, json=body)
                except (httpx.NetworkError, httpx.RemoteProtocolError):
                    if not retry:
                        raise
                    result.retries += 1
                    await asyncio.sleep(0.1)
                    continue
                break
            result.latencies.append(time.perf_counter() - started)
            assert response.status_code == 200, response.text
            verdicts = response.json()["verdicts"] if path.endswith("batch") else [response.json()]
            for row, verdict in zip(rows, verdicts, strict=True):
                assert row not in result.answers, f"sample {row} answered twice"
                result.answers[row] = verdict
            if on_answer is not None:
                await on_answer(len(result.answers))

    # One client with `clients` connections: each httpx client builds an SSL context, which would
    # block the event loop for a while per client and show up as server latency.
    async with httpx.AsyncClient(base_url=url, timeout=600, limits=httpx.Limits(max_connections=clients)) as http:
        await asyncio.gather(*(client(http) for _ in range(clients)))
    return result
