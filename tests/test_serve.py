"""`rlvr serve` as a real server process on loopback, over real HTTP (see tests/serve_process.py)."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import threading
import time

import httpx
import pytest
from serve_process import (
    SLOW_TRUTH,
    refuses_connections,
    running,
    sample_requests,
    send_samples,
    slow_program,
    start,
    wait_until,
)
from service_data import in_process_verdicts, judgement, mixed_samples

import rlvr

# Two workers per pool, whatever the machine: the lane of a code task is two samples wide.
ENV = {"RLVR_WORKERS": "2"}


@pytest.fixture(scope="module")
def server():
    with running(env=ENV) as server:
        yield server


def _queue_depth(url: str) -> int:
    return httpx.get(f"{url}/health").json()["queue_depth"]


def test_200_mixed_requests_from_32_clients_get_the_in_process_verdicts(server):
    # 200 requests, every fifth a batch of up to four samples of one task: 315 samples.
    samples = mixed_samples(315)
    requests = sample_requests(samples, 5, 4)
    assert len(requests) == 200
    result = asyncio.run(send_samples(server.url, requests, 32))
    assert sorted(result.answers) == list(range(len(samples)))
    expected = in_process_verdicts(samples)
    assert [judgement(result.answers[i]) for i in range(len(samples))] == [judgement(v) for v in expected]
    assert all(result.answers[i]["failed"] == v.failed for i, v in enumerate(expected))
    assert {v.reason for v in expected} >= {"ok", "mismatch"}
    assert {s.task for s in samples} == {"gsm8k", "math", "ifeval", "mbpp"}


@pytest.mark.parametrize(
    ("path", "body", "message"),
    [
        ("/v1/verify", b'{"task": "gsm8k", "completion": ', "not valid JSON"),
        ("/v1/verify", b'["gsm8k"]', "must be a JSON object"),
        ("/v1/verify", b'{"task": "gsm8k", "completion": "x"}', "missing field 'ground_truth'"),
        ("/v1/verify", b'{"completion": "x", "ground_truth": "1"}', "missing field 'task'"),
        ("/v1/verify", b'{"task": "gsm9k", "completion": "x", "ground_truth": "1"}', "unknown task 'gsm9k'"),
        ("/v1/verify", b'{"task": "gsm8k", "completion": "x", "ground_truth": "1", "options": {"mod": 1}}', "mod"),
        ("/v1/verify", b'{"task": "gsm8k", "completion": "x", "ground_truth": "1", "options": [1]}', "options"),
        ("/v1/verify_batch", b'{"task": "math", "completions": ["1", "2"], "ground_truths": ["1"]}', "2 completions"),
        (
            "/v1/verify_batch",
            b'{"task": "math", "completions": "1", "ground_truths": ["1"]}',
            "field 'completions' must be of JSON type array, got string",
        ),
        ("/openrlhf/math", b'{"query": ["a"], "prompts": [], "labels": ["1"]}', "1 queries, 0 prompts"),
        ("/slime/math", b'{"prompt": "p", "response": "r"}', "'label'"),
    ],
)
def test_bad_requests_get_400_and_a_one_line_json_error(server, path, body, message):
    response = httpx.post(f"{server.url}{path}", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 400
    error = response.json()["error"]
    assert message in error and "\n" not in error
    assert response.text.count("\n") == 0


def test_content_is_never_a_bad_request(server):
    response = httpx.post(f"{server.url}/v1/verify", json={"task": "gsm8k", "completion": None, "ground_truth": "1"})
    assert response.status_code == 200
    assert response.json()["reason"] == "error" and response.json()["failed"] is True
    response = httpx.post(f"{server.url}/v1/verify", json={"task": "mbpp", "completion": "x", "ground_truth": "{"})
    assert (response.json()["reason"], response.json()["failed"]) == ("bad_ground_truth", True)


def test_metrics_count_requests_verdicts_failures_and_latency(server):
    httpx.post(f"{server.url}/v1/verify", json={"task": "gsm8k", "completion": "The answer is 2.", "ground_truth": "2"})
    httpx.post(f"{server.url}/v1/verify", json={"task": "gsm8k", "completion": "x", "ground_truth": None})
    text = httpx.get(f"{server.url}/metrics").text
    lines = text.splitlines()
    assert any(line.startswith('rlvr_requests_total{route="/v1/verify",status="200"}') for line in lines)
    assert any(line.startswith('rlvr_verdicts_total{reason="ok",task="gsm8k"}') for line in lines)
    assert any(line.startswith('rlvr_failed_verdicts_total{reason="bad_ground_truth",task="gsm8k"}') for line in lines)
    assert "rlvr_queue_depth 0.0" in lines
    assert any(line.startswith('rlvr_request_seconds_bucket{le="0.5",route="/v1/verify"}') for line in lines)
    health = httpx.get(f"{server.url}/health").json()
    assert health["status"] == "ok" and "math" in health["tasks"]


def _raw_request(url: str, head: bytes, body: bytes = b"") -> bytes:
    host, port = url.removeprefix("http://").rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=10) as connection:
        connection.sendall(head + body)
        received = b""
        while chunk := connection.recv(65536):
            received += chunk
        return received


def test_body_over_the_limit_gets_413_without_being_read():
    with running("--max-request-bytes", "1000", env=ENV) as server:
        # Declared too large: answered at once, though not one byte of the body was sent.
        head = b"POST /v1/verify HTTP/1.1\r\nHost: x\r\nContent-Length: 100000000\r\n\r\n"
        started = time.monotonic()
        answer = _raw_request(server.url, head)
        assert answer.startswith(b"HTTP/1.1 413") and time.monotonic() - started < 5
        assert b'"error":"the request body is over the limit of 1000 bytes"' in answer
        # No length declared (chunked): refused when the streamed bytes pass the limit.
        body = json.dumps({"task": "gsm8k", "completion": "x" * 5000, "ground_truth": "1"}).encode()
        response = httpx.post(f"{server.url}/v1/verify", content=iter([body[:600], body[600:]]))
        assert response.status_code == 413
        small = {"task": "gsm8k", "completion": "The answer is 1.", "ground_truth": "1"}
        assert httpx.post(f"{server.url}/v1/verify", json=small).json()["correct"] is True


def test_token_is_required_when_set():
    with running("--token-env", "RLVR_TEST_TOKEN", env={**ENV, "RLVR_TEST_TOKEN": "s3cret"}) as server:
        body = {"task": "gsm8k", "completion": "The answer is 1.", "ground_truth": "1"}
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic s3cret"}):
            response = httpx.post(f"{server.url}/v1/verify", json=body, headers=headers)
            assert response.status_code == 401 and response.headers["www-authenticate"] == "Bearer"
        assert httpx.get(f"{server.url}/metrics").status_code == 401
        response = httpx.post(f"{server.url}/v1/verify", json=body, headers={"Authorization": "Bearer s3cret"})
        assert response.status_code == 200 and response.json()["correct"] is True


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (["--host", "0.0.0.0"], {}, "refusing to listen on 0.0.0.0 without a token"),
        (["--token-env", "RLVR_UNSET_TOKEN"], {}, "RLVR_UNSET_TOKEN: that environment variable is unset or empty"),
        (["--max-queue", "0"], {}, "max_queue must be a positive integer"),
    ],
)
def test_unsafe_or_bad_settings_refuse_to_start_with_one_line(args, env, message):
    run = subprocess.run(
        [sys.executable, "-m", "rlvr", "serve", "--port", "0", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **env},
    )
    assert run.returncode == 2 and run.stdout == ""
    assert run.stderr.strip().count("\n") == 0 and message in run.stderr


def test_full_queue_gets_429_and_queued_samples_past_the_deadline_come_back_busy():
    with running("--max-queue", "2", "--request-timeout", "1", env=ENV) as server:
        slow = {"task": "mbpp", "completions": [slow_program(1.5)] * 2, "ground_truths": [SLOW_TRUTH] * 2}
        first: list[httpx.Response] = []
        worker = threading.Thread(
            target=lambda: first.append(httpx.post(f"{server.url}/v1/verify_batch", json=slow, timeout=60))
        )
        worker.start()
        wait_until(lambda: _queue_depth(server.url) == 2)
        response = httpx.post(f"{server.url}/v1/verify", json={"task": "gsm8k", "completion": "1", "ground_truth": "1"})
        assert response.status_code == 429 and response.headers["retry-after"] == "1"
        assert "queue is full" in response.json()["error"]
        worker.join()
        assert [v["reason"] for v in first[0].json()["verdicts"]] == ["ok", "ok"]
        # Six slow samples, two at a time, one second to start: the first two run, the rest come back
        # "busy", unjudged (a batch larger than the queue runs when the queue is empty).
        six = {"task": "mbpp", "completions": [slow_program(1.5)] * 6, "ground_truths": [SLOW_TRUTH] * 6}
        verdicts = httpx.post(f"{server.url}/v1/verify_batch", json=six, timeout=60).json()["verdicts"]
        assert [v["reason"] for v in verdicts] == ["ok", "ok"] + ["busy"] * 4
        assert all(v["failed"] for v in verdicts[2:]) and "deadline" in verdicts[2]["detail"]["message"]


def test_sigterm_answers_every_accepted_request_and_exits_0():
    server = start(env=ENV)
    try:
        body = {"task": "mbpp", "completion": slow_program(1.0), "ground_truth": SLOW_TRUTH}
        answers: list[httpx.Response] = []
        clients = [
            threading.Thread(
                target=lambda: answers.append(httpx.post(f"{server.url}/v1/verify", json=body, timeout=120))
            )
            for _ in range(8)
        ]
        for client in clients:
            client.start()
        wait_until(lambda: _queue_depth(server.url) == 8)
        server.process.terminate()
        wait_until(lambda: refuses_connections(server.url), timeout=10)  # no longer accepting, still answering
        for client in clients:
            client.join(120)
        assert server.process.wait(60) == 0
        assert [(a.status_code, a.json()["reason"]) for a in answers] == [(200, "ok")] * 8
    finally:
        if server.process.poll() is None:
            server.process.kill()


def test_rlvr_command_keeps_the_report_as_default_and_refuses_unknown_commands():
    doctor = subprocess.run([sys.executable, "-m", "rlvr", "doctor"], capture_output=True, text=True, timeout=60)
    assert doctor.returncode == 0 and doctor.stdout.startswith(f"rlvr {rlvr.__version__}\n")
    unknown = subprocess.run([sys.executable, "-m", "rlvr", "serv"], capture_output=True, text=True, timeout=60)
    assert unknown.returncode == 2 and "rlvr serve" in unknown.stderr and unknown.stdout == ""


def test_sigterm_right_after_start_still_stops_gracefully():
    server = start(env=ENV)
    assert server.stop(timeout=60) == 0


def test_without_the_serve_extra_it_says_what_to_install():
    code = (
        "import sys; sys.modules['uvicorn'] = None\n"
        "from rlvr.__main__ import main; sys.exit(main(['serve', '--port', '0']))"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert run.returncode == 2 and run.stderr.count("\n") == 1 and "pip install 'rlvr[serve]'" in run.stderr
