"""The openai backend against a real HTTP server on 127.0.0.1 that speaks the OpenAI
completions API (the subset `vllm serve` offers that rlvr-eval uses)."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from shared_data import data_file

from rlvr.eval.cli import main
from rlvr.eval.tasks import load_examples
from rlvr.rollouts import read_rollouts
from rlvr.seeding import request_seed


class CompletionsServer(ThreadingHTTPServer):
    """Answers a GSM8K prompt with its gold number when the request's seed is even and with
    a wrong number (cut at max_tokens) otherwise, so pass@k depends on the seeds sent."""

    def __init__(self, golds):
        super().__init__(("127.0.0.1", 0), Handler)
        self.golds = golds
        self.requests_seen = []
        self.lock = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        with self.server.lock:
            self.server.requests_seen.append((self.path, body, self.headers.get("Authorization")))
        if self.path != "/v1/completions":
            self.send_error(404)
            return
        gold = next(g for q, g in self.server.golds.items() if q in body["prompt"])
        right = body["seed"] % 2 == 0
        text = f" The answer is {gold}." if right else " Let me count: 1 2 3 4 5 6 7 8 9"
        reply = {
            "object": "text_completion",
            "model": body["model"],
            "choices": [
                {
                    "index": 0,
                    "text": text,
                    "finish_reason": "stop" if right else "length",
                    "logprobs": {"token_logprobs": [-0.5, -0.25]},
                }
            ],
            "usage": {"prompt_tokens": 10, "completion_tokens": 7 if right else body["max_tokens"], "total_tokens": 17},
        }
        payload = json.dumps(reply).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    examples = load_examples("gsm8k", data_file("gsm8k/test.jsonl"), limit=3)
    srv = CompletionsServer({e.doc["question"]: e.ground_truth.rpartition("####")[2].strip() for e in examples})
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()


def test_pass_at_k_through_an_openai_compatible_server(server, tmp_path, monkeypatch):
    monkeypatch.setenv("RLVR_TEST_KEY", "secret-token")
    url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    args = [
        "pass-at-k",
        "--backend",
        "openai",
        "--model",
        "served-model",
        "--task",
        "gsm8k",
        "--data",
        str(data_file("gsm8k/test.jsonl")),
        "--limit",
        "3",
        "--n",
        "6",
        "--k",
        "1,2,4",
        "--max-tokens",
        "9",
        "--output",
        str(tmp_path / "run"),
        "--backend-option",
        f"base_url={url}",
        "--backend-option",
        "api_key_env=RLVR_TEST_KEY",
        "--backend-option",
        "concurrency=4",
    ]
    assert main(args) == 0
    bodies = [body for _, body, _ in server.requests_seen]
    assert len(bodies) == 18 and all(path == "/v1/completions" for path, _, _ in server.requests_seen)
    assert all(auth == "Bearer secret-token" for _, _, auth in server.requests_seen)
    assert all(
        b["model"] == "served-model" and b["max_tokens"] == 9 and b["temperature"] == 1.0 and b["top_p"] == 0.95
        for b in bodies
    )
    assert all(b["stop"] == ["Question:", "</s>", "<|im_end|>"] for b in bodies)
    assert len({b["seed"] for b in bodies}) == 18  # one seed per request
    records = read_rollouts(tmp_path / "run" / "completions.jsonl", group_size=6)
    for record in records:
        for j, response in enumerate(record["responses"]):
            even = request_seed(0, record["id"], j) % 2 == 0
            assert response["correct"] is even
            assert response["finish_reason"] == ("stop" if even else "length")
            assert response["metadata"]["logprob"] == -0.75
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    expected_truncation = sum(not r["correct"] for rec in records for r in rec["responses"]) / 18
    assert summary["metrics"]["truncation_rate"] == pytest.approx(expected_truncation)
    assert summary["versions"]["backend"] == "openai"


def test_chat_mode_uses_the_chat_endpoint(server, tmp_path, capsys):
    url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    args = [
        "greedy",
        "--backend",
        "openai",
        "--model",
        "m",
        "--task",
        "gsm8k",
        "--data",
        str(data_file("gsm8k/test.jsonl")),
        "--limit",
        "1",
        "--chat-template",
        "on",
        "--output",
        str(tmp_path / "chat"),
        "--backend-option",
        f"base_url={url}",
    ]
    # The test server has no chat endpoint: the 404 must surface as an error, not as empty answers.
    assert main(args) == 2
    assert "rlvr-eval: error: HTTP Error 404: Not Found" in capsys.readouterr().err
    path, body, _ = server.requests_seen[-1]
    assert path == "/v1/chat/completions" and body["messages"][0]["role"] == "user" and body["temperature"] == 0.0


def test_a_run_that_could_not_reach_the_server_names_it_and_its_retry_runs(server, tmp_path, capsys):
    """A connection error says which URL and what to do; the failed run wrote no completion, so
    the very same command runs once the server is up, with no --resume or new --output."""
    with CompletionsServer({}) as stopped:
        closed = f"http://127.0.0.1:{stopped.server_address[1]}/v1"  # nothing listens once it is closed
    args = ["greedy", "--backend", "openai", "--model", "m", "--task", "gsm8k", "--limit", "2", "--max-tokens", "9"]
    args += ["--data", str(data_file("gsm8k/test.jsonl")), "--output", str(tmp_path / "run")]
    for _ in range(2):
        assert main([*args, "--backend-option", f"base_url={closed}"]) == 2
        err = capsys.readouterr().err
        last = err.splitlines()[-1]
        assert last.startswith(f"rlvr-eval: error: cannot reach the OpenAI-compatible server at {closed}/completions")
        assert "--backend-option base_url=" in last and "Traceback" not in err
    url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    assert main([*args, "--backend-option", f"base_url={url}"]) == 0
    assert len(read_rollouts(tmp_path / "run" / "completions.jsonl")) == 2
