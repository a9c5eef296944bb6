"""An OpenAI-compatible chat-completions judge client: standard library HTTP, a hard time limit
per request, retries with exponential backoff, 429 Retry-After, and call/token accounting.

`post_json` bounds the whole exchange, not only each socket operation: a watchdog shuts the
socket down when the request's budget is spent, so a server that trickles bytes cannot hold a
verification past its deadline.
"""

from __future__ import annotations

import email.utils
import http.client
import json
import os
import socket
import ssl
import threading
import time
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.message import Message
from typing import Any

from rlvr.verdict import JUDGE_ERROR, TIMEOUT
from rlvr.verifiers.base import Deadline
from rlvr.verifiers.rubric.judge_format import JudgeOutputError, RubricJudgement, parse_verdict

# Statuses worth asking again: rate limits, timeouts and conflicts at the server, server errors.
_RETRY_STATUSES = frozenset({408, 409, 429})
# Errors kept in a verdict's detail (the last ones), so a long outage does not bloat logs.
_MAX_ERRORS = 5


@dataclass(frozen=True)
class HttpReply:
    status: int
    headers: Message  # case-insensitive .get, as HTTP header names are
    body: bytes


def chat_completions_url(base_url: str) -> str:
    """The chat-completions endpoint of an OpenAI-compatible base URL ("http://host:8000/v1")."""
    base = base_url.strip().rstrip("/")
    if not base.startswith(("http://", "https://")):
        raise ValueError(f"judge_base_url must start with http:// or https://, got {base_url!r}")
    return base if base.endswith("/chat/completions") else base + "/chat/completions"


def post_json(url: str, payload: Any, headers: Mapping[str, str], timeout: float) -> HttpReply:
    """POST `payload` as JSON and read the whole reply within `timeout` seconds.

    Raises TimeoutError when the budget is spent, OSError / http.client.HTTPException when the
    connection fails; any HTTP status is returned, not raised.
    """
    started = time.monotonic()
    parts = urllib.parse.urlsplit(url)
    if not parts.hostname:
        raise ValueError(f"judge URL {url!r} has no host")
    if parts.scheme == "https":
        conn: http.client.HTTPConnection = http.client.HTTPSConnection(
            parts.hostname, parts.port, timeout=timeout, context=ssl.create_default_context()
        )
    else:
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    body = json.dumps(payload).encode("utf-8")
    expired = threading.Event()
    try:
        conn.connect()
        left = timeout - (time.monotonic() - started)
        if left <= 0:
            raise TimeoutError(f"connecting took longer than {timeout:.3g}s")
        watchdog = threading.Timer(left, _abort, args=(conn.sock, expired))
        watchdog.daemon = True
        watchdog.start()
        try:
            conn.request("POST", path, body=body, headers={"Content-Type": "application/json", **headers})
            response = conn.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException):
            if expired.is_set():
                raise TimeoutError(f"request took longer than {timeout:.3g}s") from None
            raise
        finally:
            watchdog.cancel()
        # A shut-down socket can also look like a short, complete body: trust the watchdog.
        if expired.is_set():
            raise TimeoutError(f"request took longer than {timeout:.3g}s")
        return HttpReply(status=response.status, headers=response.headers, body=data)
    finally:
        conn.close()


def _abort(sock: socket.socket, expired: threading.Event) -> None:
    expired.set()
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass  # already closed: the request finished as the timer fired


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delay-seconds or an HTTP-date); None if absent
    or unreadable, 0.0 for a date in the past."""
    if value is None or not value.strip():
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=timezone.utc)
        seconds = (when - (now or datetime.now(timezone.utc))).total_seconds()
    if seconds != seconds:  # NaN
        return None
    return max(0.0, seconds)


@dataclass
class JudgeCall:
    """The outcome and the cost of judging one response, over all its attempts.

    outcome: "ok" (judgements set), "judge_error" (attempts used up or a fatal status) or
    "timeout" (the verification's budget ran out first).
    """

    judgements: tuple[RubricJudgement, ...] | None = None
    outcome: str = JUDGE_ERROR
    calls: int = 0
    rate_limited: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def retries(self) -> int:
        return max(0, self.calls - 1)

    def note(self, error: str) -> None:
        self.errors = (self.errors + [f"call {self.calls}: {error}"])[-_MAX_ERRORS:]


class _Fatal(Exception):
    """A reply that asking again cannot fix (400, 401, 404, ...)."""


@dataclass(frozen=True)
class ChatJudge:
    """Asks one OpenAI-compatible endpoint to judge rubrics; see `judge`."""

    base_url: str
    model: str
    # The variable holding the API key, read at each call (never stored, never in logs), so a
    # key rotated in the environment applies to the next call of an already built verifier.
    api_key_env: str | None = None
    temperature: float | None = 0.0
    max_tokens: int | None = None
    max_retries: int = 3
    request_timeout: float = 60.0
    backoff: float = 1.0
    backoff_max: float = 30.0

    def judge(
        self, messages: list[dict[str, str]], n_rubrics: int, deadline: Deadline, nonce: str | None = None
    ) -> JudgeCall:
        """Up to 1 + max_retries calls until the judge returns a valid verdict for `n_rubrics`
        rubrics (carrying `nonce`, the one `messages` asks for, when given). Each call gets
        min(request_timeout, time left); a wait that would outlast the deadline is not started.
        Never raises for judge or network failures."""
        call = JudgeCall()
        url = chat_completions_url(self.base_url)
        for attempt in range(self.max_retries + 1):
            budget = min(self.request_timeout, deadline.remaining())
            if budget <= 0:
                call.outcome = TIMEOUT
                return call
            try:
                wait = self._attempt(call, url, messages, n_rubrics, nonce, budget, attempt)
            except _Fatal:
                return call
            if call.judgements is not None:
                call.outcome = "ok"
                return call
            if attempt == self.max_retries:
                break
            if wait >= deadline.remaining():
                call.note(f"next attempt would start after the deadline (wait {wait:.3g}s)")
                call.outcome = TIMEOUT
                return call
            time.sleep(wait)
        call.outcome = TIMEOUT if deadline.remaining() <= 0 else JUDGE_ERROR
        return call

    def _attempt(
        self,
        call: JudgeCall,
        url: str,
        messages: list[dict[str, str]],
        n_rubrics: int,
        nonce: str | None,
        budget: float,
        attempt: int,
    ) -> float:
        """One call; sets call.judgements on success, else returns the wait before the next one."""
        call.calls += 1
        backoff = min(self.backoff * 2**attempt, self.backoff_max)
        try:
            reply = post_json(url, self._payload(messages), self._headers(), budget)
        except TimeoutError as exc:
            call.note(f"{type(exc).__name__}: {str(exc)[:200]}")
            return backoff
        except (OSError, http.client.HTTPException) as exc:
            call.note(
                f"cannot reach the judge at {url}: {type(exc).__name__}: {str(exc)[:200]} (start the judge server, "
                "or point judge_base_url / RLVR_JUDGE_BASE_URL at a running one)"
            )
            return backoff
        if reply.status == 429:
            call.rate_limited += 1
            retry_after = parse_retry_after(reply.headers.get("Retry-After"))
            call.note(f"HTTP 429 (Retry-After {reply.headers.get('Retry-After')!r})")
            return backoff if retry_after is None else retry_after
        if reply.status != 200:
            call.note(f"HTTP {reply.status}: {reply.body[:200].decode('utf-8', 'replace')}")
            if reply.status >= 500 or reply.status in _RETRY_STATUSES:
                return backoff
            raise _Fatal
        try:
            content = self._read_completion(call, reply.body)
            call.judgements = parse_verdict(content, n_rubrics, nonce)
        except JudgeOutputError as exc:
            call.note(f"malformed judge output: {exc}")
        # The model answered; a malformed answer is asked again at once, without backing off.
        return 0.0

    def _payload(self, messages: list[dict[str, str]]) -> dict[str, Any]:
        payload: dict[str, Any] = {"model": self.model, "messages": messages}
        if self.temperature is not None:
            payload["temperature"] = self.temperature
        if self.max_tokens is not None:
            payload["max_tokens"] = self.max_tokens
        return payload

    def _headers(self) -> dict[str, str]:
        api_key = os.environ.get(self.api_key_env) if self.api_key_env else None
        return {"Authorization": f"Bearer {api_key}"} if api_key else {}

    @staticmethod
    def _read_completion(call: JudgeCall, body: bytes) -> str:
        """The message content of a chat-completions reply; adds its token usage to `call`."""
        try:
            reply = json.loads(body)
        except ValueError:
            raise JudgeOutputError("reply body is not JSON") from None
        if not isinstance(reply, dict):
            raise JudgeOutputError("reply body is not a JSON object")
        usage = reply.get("usage")
        if isinstance(usage, dict):
            call.prompt_tokens += _count(usage.get("prompt_tokens"))
            call.completion_tokens += _count(usage.get("completion_tokens"))
        try:
            content = reply["choices"][0]["message"]["content"]
        except (KeyError, IndexError, TypeError):
            raise JudgeOutputError("reply has no choices[0].message.content") from None
        if not isinstance(content, str):
            raise JudgeOutputError("message content is not a string")
        return content


def _count(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0
