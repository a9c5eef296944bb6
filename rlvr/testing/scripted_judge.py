"""A scripted judge: a real OpenAI-compatible chat-completions server on localhost, for tests,
demos and benchmarks that must run without a model or the network.

It reads the judge prompt that `judge_format.build_messages` writes and decides each criterion by
a plain rule: a criterion is met when every phrase it quotes in double quotes occurs in the
response (ignoring case); a criterion that quotes nothing is not met. Its usage counts words as
tokens. A script of actions, consumed one per request, plays the faults a real endpoint shows:

    valid        the verdict as bare JSON (the action once the script is used up, by default)
    fenced       the verdict in a ```json block after a sentence of prose
    quote_first  the response quoted in a ```json block, then the verdict
    quote_last   the verdict, then the response quoted inline
    malformed    truncated JSON
    missing      a verdict without the last criterion
    429:S        HTTP 429 with "Retry-After: S"
    500          HTTP 500
    400          HTTP 400
    hang:S       wait S seconds (or until the server stops), then answer a valid verdict

    with ScriptedJudge(script=["malformed", "valid"]) as judge:
        rlvr.verify(response, rubrics, task="rubric", judge_base_url=judge.url)
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from rlvr.verifiers.rubric.judge_format import read_nonce, read_task

_QUOTED = re.compile(r'"([^"]+)"')


def judge_by_quotes(response: str, rubrics: Sequence[str]) -> list[bool]:
    """The scripted judge's rule: met when every double-quoted phrase occurs in the response."""
    text = response.lower()
    decisions = []
    for criterion in rubrics:
        phrases = _QUOTED.findall(criterion)
        decisions.append(bool(phrases) and all(p.lower() in text for p in phrases))
    return decisions


def read_judge_prompt(user_message: str) -> tuple[str, list[str]]:
    """(response, criteria) from the user message of a judge call; ("", []) for anything else."""
    try:
        _, response, criteria = read_task(user_message)
    except (ValueError, KeyError, TypeError):
        return "", []
    return response, criteria


class ScriptedJudge:
    """The server; `url` is its base URL. Use as a context manager, or call start() and stop().

    requests: the JSON bodies received, in arrival order; authorizations: their Authorization
    headers (None when absent). max_in_flight: the most requests it served at the same time.
    """

    def __init__(self, script: Sequence[str] = (), default: str = "valid", latency: float = 0.0) -> None:
        self.default = default
        self.latency = latency
        self.requests: list[dict[str, Any]] = []
        self.authorizations: list[str | None] = []
        self.max_in_flight = 0
        self._script = list(script)
        self._in_flight = 0
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server = _Server(("127.0.0.1", 0), _handler_class(self))
        self._thread = threading.Thread(target=self._serve, name="scripted-judge", daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/v1"

    def reset(self, default: str = "valid") -> None:
        """Forget the requests seen and the queued actions; answer `default` from now on."""
        with self._lock:
            self.requests.clear()
            self.authorizations.clear()
            self._script.clear()
            self.default = default

    def push(self, *actions: str) -> None:
        """Queue actions for the next requests."""
        with self._lock:
            self._script.extend(actions)

    def start(self) -> ScriptedJudge:
        self._thread.start()
        return self

    def _serve(self) -> None:
        # A short poll interval makes stop() take milliseconds instead of half a second.
        self._server.serve_forever(poll_interval=0.02)

    def stop(self) -> None:
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def __enter__(self) -> ScriptedJudge:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _begin(self, payload: dict[str, Any], authorization: str | None) -> str:
        with self._lock:
            self.requests.append(payload)
            self.authorizations.append(authorization)
            self._in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self._in_flight)
            return self._script.pop(0) if self._script else self.default

    def _end(self) -> None:
        with self._lock:
            self._in_flight -= 1

    def answer(self, action: str, payload: dict[str, Any]) -> tuple[int, dict[str, str], bytes]:
        """(status, headers, body) for one request under `action`."""
        name, _, argument = action.partition(":")
        if name == "429":
            return 429, {"Retry-After": argument or "0"}, b'{"error": {"message": "rate limited"}}'
        if name in ("500", "400"):
            return int(name), {}, b'{"error": {"message": "scripted failure"}}'
        if name == "hang":
            self._stopping.wait(float(argument))
        if self.latency:
            self._stopping.wait(self.latency)
        messages = payload.get("messages", [])
        user_message = messages[-1]["content"] if messages else ""
        response, criteria = read_judge_prompt(user_message)
        nonce = read_nonce(user_message)
        entries = [
            {"index": i, "met": met, "reason": "all quoted phrases present" if met else "a quoted phrase is missing"}
            for i, met in enumerate(judge_by_quotes(response, criteria), start=1)
        ]
        if name == "missing":
            entries = entries[:-1]
        content = json.dumps({"nonce": nonce, "rubrics": entries} if nonce else {"rubrics": entries})
        if name == "fenced":
            content = f"Here is my verdict.\n```json\n{content}\n```"
        elif name == "quote_first":
            content = f"The response reads:\n```json\n{response}\n```\nMy verdict:\n{content}"
        elif name == "quote_last":
            content = f"{content}\nFor the record, the response said: {response}"
        elif name == "malformed":
            content = content[: len(content) // 2]
        prompt_words = sum(len(str(m.get("content", "")).split()) for m in messages)
        reply = {
            "id": f"chatcmpl-scripted-{len(self.requests)}",
            "object": "chat.completion",
            "model": payload.get("model", ""),
            "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
            "usage": {
                "prompt_tokens": prompt_words,
                "completion_tokens": len(content.split()),
                "total_tokens": prompt_words + len(content.split()),
            },
        }
        return 200, {"Content-Type": "application/json"}, json.dumps(reply).encode("utf-8")


class _Server(ThreadingHTTPServer):
    # The socketserver default backlog of 5 drops connections of a concurrent batch, and the
    # client's SYN retry then adds a second to each: size it for many clients at once.
    request_queue_size = 256
    daemon_threads = True
    block_on_close = False


def _handler_class(judge: ScriptedJudge) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:  # noqa: N802 (the http.server hook name)
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            if not self.path.endswith("/chat/completions"):
                self._send(404, {}, b'{"error": {"message": "not found"}}')
                return
            payload = json.loads(body)
            action = judge._begin(payload, self.headers.get("Authorization"))
            try:
                status, headers, reply = judge.answer(action, payload)
            finally:
                judge._end()
            self._send(status, headers, reply)

        def _send(self, status: int, headers: dict[str, str], body: bytes) -> None:
            try:
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(body)
            except OSError:
                pass  # the client gave up (a hang past its timeout): nothing left to answer

        def log_message(self, format: str, *args: Any) -> None:
            pass  # keep test and benchmark output clean

    return Handler
