"""The HTTP side of the judge: Retry-After parsing, endpoint URLs and the hard request time limit."""

from __future__ import annotations

import socket
import threading
import time
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rlvr.testing.scripted_judge import ScriptedJudge
from rlvr.verifiers.rubric.client import chat_completions_url, parse_retry_after, post_json

NOW = datetime(2025, 1, 1, 12, 0, 0, tzinfo=timezone.utc)

# CI machines are shared and loaded: a slow example is not a failure.
LOADED_MACHINE = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.parametrize(
    "header, seconds",
    [("3", 3.0), (" 0.5 ", 0.5), ("0", 0.0), ("-4", 0.0), (None, None), ("", None), ("soon", None), ("nan", None)],
)
def test_retry_after_delay_seconds(header, seconds):
    assert parse_retry_after(header, NOW) == seconds


@LOADED_MACHINE
@given(offset=st.integers(-3600, 3600))
def test_retry_after_http_date(offset):
    header = format_datetime(NOW + timedelta(seconds=offset), usegmt=True)
    assert parse_retry_after(header, NOW) == max(0, offset)


@pytest.mark.parametrize(
    "base, url",
    [
        ("http://127.0.0.1:8000/v1", "http://127.0.0.1:8000/v1/chat/completions"),
        ("https://api.openai.com/v1/", "https://api.openai.com/v1/chat/completions"),
        ("http://h/v1/chat/completions", "http://h/v1/chat/completions"),
    ],
)
def test_chat_completions_url(base, url):
    assert chat_completions_url(base) == url


def test_chat_completions_url_rejects_other_schemes():
    with pytest.raises(ValueError, match="http"):
        chat_completions_url("127.0.0.1:8000")


def test_post_json_returns_any_status():
    with ScriptedJudge(script=["500"]) as judge:
        reply = post_json(judge.url + "/chat/completions", {"messages": []}, {}, timeout=2.0)
    assert reply.status == 500 and b"scripted failure" in reply.body


def trickling_server(stop: threading.Event) -> int:
    """A server that sends a valid header, then one body byte every 50 ms: every read
    succeeds well inside a socket timeout, so only a whole-request limit can stop it."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(5)

    def serve() -> None:
        with listener:
            conn, _ = listener.accept()
            with conn:
                conn.recv(65536)
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n")
                while not stop.is_set():
                    try:
                        conn.sendall(b"x")
                    except OSError:
                        return
                    stop.wait(0.05)

    threading.Thread(target=serve, daemon=True).start()
    return listener.getsockname()[1]


def test_post_json_bounds_the_whole_request_not_each_read():
    stop = threading.Event()
    port = trickling_server(stop)
    started = time.monotonic()
    try:
        with pytest.raises(TimeoutError):
            post_json(f"http://127.0.0.1:{port}/v1/chat/completions", {}, {}, timeout=0.5)
    finally:
        stop.set()
    assert 0.5 <= time.monotonic() - started < 1.2
