"""`rlvr serve` started as a user starts it: `python -m rlvr serve --port 0 ...` in a subprocess."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

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
    return False


def wait_until(condition, timeout: float = 30) -> None:
    end = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > end:
            raise AssertionError("condition not met in time")
        time.sleep(0.02)
