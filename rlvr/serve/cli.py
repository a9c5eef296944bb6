"""The `rlvr serve` command: parse the flags, bind the socket, run Uvicorn until SIGTERM/SIGINT."""

from __future__ import annotations

import argparse
import os
import signal
import socket
import sys

from rlvr.serve.options import MIB, ServeOptions


def parser() -> argparse.ArgumentParser:
    defaults = ServeOptions()
    p = argparse.ArgumentParser(
        prog="rlvr serve",
        description="Serve rlvr verdicts over HTTP: routes, limits and security in `pydoc rlvr.serve`.",
    )
    p.add_argument("--host", default=defaults.host, help="address to listen on (default: loopback)")
    p.add_argument("--port", type=int, default=defaults.port, help="port (0: any free port; the chosen one is printed)")
    p.add_argument(
        "--token-env", metavar="VAR", help="require 'Authorization: Bearer <token>', the token read from env var VAR"
    )
    p.add_argument(
        "--max-request-bytes",
        type=int,
        default=defaults.max_request_bytes,
        help=f"largest request body; larger gets 413 (default {defaults.max_request_bytes // MIB} MiB)",
    )
    p.add_argument(
        "--max-queue",
        type=int,
        default=defaults.max_queue,
        help=f"samples queued or running at most; more gets 429 (default {defaults.max_queue})",
    )
    p.add_argument(
        "--request-timeout",
        type=float,
        default=defaults.request_timeout,
        help=f"seconds a request's samples may wait to start; later: 'busy' (default {defaults.request_timeout:g})",
    )
    p.add_argument("--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"])
    return p


def options_from(args: argparse.Namespace) -> ServeOptions:
    """ServeOptions from the parsed flags; ValueError for a bad combination (such as a missing token)."""
    token = None
    if args.token_env:
        token = os.environ.get(args.token_env)
        if not token:
            raise ValueError(f"--token-env {args.token_env}: that environment variable is unset or empty")
    return ServeOptions(
        host=args.host,
        port=args.port,
        token=token,
        max_request_bytes=args.max_request_bytes,
        max_queue=args.max_queue,
        request_timeout=args.request_timeout,
    )


def bind(options: ServeOptions) -> socket.socket:
    family = socket.AF_INET6 if ":" in options.host else socket.AF_INET
    return socket.create_server((options.host, options.port), family=family, backlog=2048)


def main(argv: list[str] | None = None) -> int:
    """Run the server; returns 0 after a graceful shutdown, 2 when it cannot start (one line on stderr)."""
    args = parser().parse_args(argv)
    try:
        options = options_from(args)
        sock = bind(options)
    except (ValueError, OSError) as exc:
        print(f"rlvr serve: error: {exc}", file=sys.stderr)
        return 2
    try:
        import uvicorn

        from rlvr.serve.app import build_app
    except ImportError as exc:
        print(f"rlvr serve: error: {exc}; install the server with: pip install 'rlvr[serve]'", file=sys.stderr)
        return 2

    # No graceful-shutdown timeout: every accepted request is answered, each within its deadline.
    config = uvicorn.Config(
        build_app(options), log_level=args.log_level, access_log=False, lifespan="off", timeout_graceful_shutdown=None
    )
    server = uvicorn.Server(config)

    def stop(signum: int, frame: object) -> None:
        server.should_exit = True

    # Uvicorn shuts down gracefully on SIGTERM or SIGINT while it runs, then raises the signal again
    # for the handler in force before it, which by default would end the process with status -15
    # (or a KeyboardInterrupt). This handler makes a graceful stop exit 0, and one that arrives
    # before Uvicorn's own handlers are in place still stops the server, gracefully.
    for handled in (signal.SIGTERM, signal.SIGINT):
        signal.signal(handled, stop)
    host, port = sock.getsockname()[:2]
    print(f"rlvr serve: listening on http://{_url_host(host)}:{port}", flush=True)
    server.run(sockets=[sock])
    return 0


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host
