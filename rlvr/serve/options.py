"""The server's settings: one frozen dataclass, checked when it is built."""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass, field

MIB = 1024 * 1024


@dataclass(frozen=True)
class ServeOptions:
    """Settings of `rlvr serve`.

    host, port: where to listen (port 0: any free port). Loopback by default; any other address
        needs a token, because a reward server open to a network without one lets anyone use
        its CPUs and sandboxes.
    token: the bearer token every request must carry (None: no token, loopback only).
    max_request_bytes: the largest request body; a larger one gets 413 without being read.
    max_queue: samples admitted (queued or running) at most; a request that would go past it gets
        429 with Retry-After, unless nothing is admitted (then it runs alone, however large).
    request_timeout: seconds a request may wait for its samples to start; a sample still queued
        then gets a "busy" verdict (failed), so a trainer is answered in bounded time (set it
        below the client's own timeout minus the verifiers' `timeout`).
    retry_after: the Retry-After seconds of a 429.

    >>> ServeOptions(host="0.0.0.0")
    Traceback (most recent call last):
    ValueError: refusing to listen on 0.0.0.0 without a token: pass --token-env VAR
    """

    host: str = "127.0.0.1"
    port: int = 8000
    token: str | None = field(default=None, repr=False)
    max_request_bytes: int = 64 * MIB
    max_queue: int = 4096
    # 90 s plus one verifier timeout (10 s; code: 20 s) answers before the clients of the trainers
    # give up (slime: 120 s, OpenRLHF: 180 s) and retry a request the server is still working on.
    request_timeout: float = 90.0
    retry_after: int = 1

    def __post_init__(self) -> None:
        for name in ("max_request_bytes", "max_queue", "retry_after"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        if not isinstance(self.port, int) or not 0 <= self.port <= 65535:
            raise ValueError(f"port must be an integer in [0, 65535], got {self.port!r}")
        if not isinstance(self.request_timeout, (int, float)) or not self.request_timeout > 0:
            raise ValueError(f"request_timeout must be a positive number of seconds, got {self.request_timeout!r}")
        if self.token is not None and not self.token.strip():
            raise ValueError("the token is empty")
        if self.token is None and not is_loopback(self.host):
            raise ValueError(f"refusing to listen on {self.host} without a token: pass --token-env VAR")


def is_loopback(host: str) -> bool:
    """Whether every address `host` names is a loopback address (a name that does not resolve is not)."""
    try:
        addresses = {str(info[4][0]) for info in socket.getaddrinfo(host, None)}
    except (OSError, UnicodeError):
        return False
    return bool(addresses) and all(ipaddress.ip_address(address.split("%")[0]).is_loopback for address in addresses)
