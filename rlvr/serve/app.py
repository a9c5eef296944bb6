"""The server's routes, as a Starlette app: `build_app(ServeOptions(...))`.

Every route goes through `_endpoint`, which checks the token, turns a RequestError into its
one-line JSON error and status, and records the request in the metrics. A request body is read
only up to `max_request_bytes`: a larger Content-Length is refused before reading, and a body
that streams past the limit (chunked, or lying about its length) is refused when it gets there.
"""

from __future__ import annotations

import hmac
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from rlvr.aio import run_blocking
from rlvr.integrations import openrlhf, slime
from rlvr.serve import wire
from rlvr.serve.options import ServeOptions
from rlvr.serve.service import Service
from rlvr.serve.wire import BatchRequest, RequestError
from rlvr.verifiers.registry import available_tasks

logger = logging.getLogger(__name__)

Handler = Callable[[Request, Service], Awaitable[Response]]


def json_response(value: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(wire.dumps(value), status_code=status, headers=headers, media_type="application/json")


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, at most `limit` bytes; RequestError(413) past it, read no further."""
    too_large = RequestError(413, f"the request body is over the limit of {limit} bytes", {"Connection": "close"})
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.isdigit():
            raise RequestError(400, f"bad Content-Length {declared!r}")
        if int(declared) > limit:
            raise too_large
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise too_large
        chunks.append(chunk)
    return b"".join(chunks)


# Bodies and answers larger than this are (de)serialised on a thread: reading 64 MiB of JSON takes
# the better part of a second, which would stall every other request on the event loop.
LARGE_JSON_BYTES = 1 << 20
LARGE_BATCH = 5000


async def _payload(request: Request, service: Service) -> dict[str, Any]:
    body = await read_body(request, service.options.max_request_bytes)
    return await run_blocking(wire.parse_json, body) if len(body) > LARGE_JSON_BYTES else wire.parse_json(body)


async def verify(request: Request, service: Service) -> Response:
    batch = wire.verify_request(await _payload(request, service))
    return json_response(wire.verdict_json((await service.verdicts(batch))[0]))


async def verify_batch(request: Request, service: Service) -> Response:
    batch = wire.batch_request(await _payload(request, service))
    answer = {"verdicts": [wire.verdict_json(v) for v in await service.verdicts(batch)]}
    if len(batch.completions) > LARGE_BATCH:
        return Response(await run_blocking(wire.dumps, answer), media_type="application/json")
    return json_response(answer)


async def openrlhf_reward(request: Request, service: Service) -> Response:
    verdicts = await service.verdicts(await _contract_batch(request, service, openrlhf.parse_request))
    return json_response(openrlhf.response(verdicts))


async def slime_reward(request: Request, service: Service) -> Response:
    def one_sample(payload: Any) -> tuple[list[Any], list[Any]]:
        completion, label = slime.parse_request(payload)
        return [completion], [label]

    verdicts = await service.verdicts(await _contract_batch(request, service, one_sample))
    return json_response(slime.slime_reward(verdicts[0]))


async def _contract_batch(
    request: Request, service: Service, parse: Callable[[Any], tuple[list[Any], list[Any]]]
) -> BatchRequest:
    """The batch a trainer's own request contract carries: `parse` reads the body (a 400 when it
    does not fit the contract); the task is the route's, the options the query string's."""
    payload = await _payload(request, service)
    try:
        completions, labels = parse(payload)
    except ValueError as exc:
        raise RequestError(400, str(exc)) from None
    options = wire.query_options(request.query_params.get("options"))
    return BatchRequest(request.path_params["task"], options, completions, labels)


async def health(request: Request, service: Service) -> Response:
    return json_response({"status": "ok", "tasks": available_tasks(), "queue_depth": service.admitted})


async def metrics(request: Request, service: Service) -> Response:
    return Response(service.metrics.exposition(), media_type=CONTENT_TYPE_LATEST)


def _authorized(request: Request, token: str | None) -> bool:
    if token is None:
        return True
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode())


def _endpoint(route: str, handler: Handler, service: Service) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        started = time.perf_counter()
        try:
            if not _authorized(request, service.options.token):
                raise RequestError(401, "missing or wrong bearer token", {"WWW-Authenticate": "Bearer"})
            response = await handler(request, service)
        except RequestError as exc:
            response = json_response({"error": str(exc)}, exc.status, exc.headers)
        except Exception as exc:  # a bug of the server's own: one line to the client, the trace to the log
            logger.exception("rlvr serve: %s failed", route)
            response = json_response({"error": f"internal error: {type(exc).__name__}: {exc}"}, 500)
        service.metrics.request(route, response.status_code, time.perf_counter() - started)
        return response

    return endpoint


ROUTES: list[tuple[str, str, Handler]] = [
    ("/v1/verify", "POST", verify),
    ("/v1/verify_batch", "POST", verify_batch),
    ("/openrlhf/{task}", "POST", openrlhf_reward),
    ("/slime/{task}", "POST", slime_reward),
    ("/health", "GET", health),
    ("/metrics", "GET", metrics),
]


async def _http_error(request: Request, exc: Exception) -> Response:
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    detail = exc.detail if isinstance(exc, HTTPException) else "internal error"
    return json_response({"error": f"{detail}: {request.method} {request.url.path}"}, status)


def build_app(options: ServeOptions) -> Starlette:
    """The ASGI app of `rlvr serve` (serve it with any ASGI server; `rlvr serve` uses Uvicorn)."""
    service = Service(options)
    app = Starlette(
        routes=[Route(path, _endpoint(path, handler, service), methods=[method]) for path, method, handler in ROUTES],
        exception_handlers={404: _http_error, 405: _http_error},
    )
    app.state.service = service
    return app
