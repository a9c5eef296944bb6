"""`rlvr serve`: rlvr's verifiers behind an HTTP reward server, for trainers in other processes.

    python -m rlvr serve --port 8000                      # loopback only, no token
    RLVR_TOKEN=... python -m rlvr serve --host 0.0.0.0 --token-env RLVR_TOKEN

    POST /v1/verify        {"task", "completion", "ground_truth", "options"?} -> a verdict
    POST /v1/verify_batch  {"task", "completions", "ground_truths", "options"?} -> {"verdicts": [...]}
    POST /openrlhf/<task>  OpenRLHF's remote reward model contract (--remote_rm_url)
    POST /slime/<task>     slime's remote reward model contract (--rm-type remote_rm --rm-url)
    GET  /health, GET /metrics (Prometheus text)

A verdict comes back as its fields plus "failed" (true: not judged; never train on it). Any
address but loopback needs --token-env (then every request needs `Authorization: Bearer <token>`,
else 401). Bad requests get a one-line {"error": ...}: 400 (bad JSON, missing field, unknown task
or option, batch lengths that differ), 413 (body over --max-request-bytes), 429 with Retry-After
(more than --max-queue samples admitted), 503 (the task's sandbox cannot start). A sample that
cannot start within --request-timeout comes back "busy". SIGTERM: stop accepting, answer every
accepted request, exit 0.

The stack is Starlette on Uvicorn: both small, typed, maintained by the Encode team (the stack
FastAPI itself stands on), and Uvicorn gives the graceful SIGTERM shutdown the server needs
(stop accepting, finish every request in flight). FastAPI's validation layer would add a
dependency and turn rlvr's own one-line errors into its error schema, so it is not used.

Modules: options (the server's frozen settings), wire (requests and responses as JSON),
service (admission, deadlines, verification, metrics), app (routes), cli (the command).
"""

from rlvr.serve.options import ServeOptions

__all__ = ["ServeOptions"]
