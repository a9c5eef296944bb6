"""What the server does with a request once it is parsed: build the verifier, admit the samples
(backpressure), verify them on the verifier's lane with the request's deadline, count them."""

from __future__ import annotations

import time

from rlvr.aio import averify_batch, run_blocking
from rlvr.api import shared_verifier
from rlvr.sandbox.isolation import SandboxUnavailable
from rlvr.serve.metrics import Metrics
from rlvr.serve.options import ServeOptions
from rlvr.serve.wire import BatchRequest, RequestError
from rlvr.verdict import Verdict
from rlvr.verifiers.base import Verifier


class Service:
    """The verification side of the server: one per app, used from its event loop only."""

    def __init__(self, options: ServeOptions) -> None:
        self.options = options
        self.metrics = Metrics()
        self.admitted = 0  # samples admitted and not yet answered

    async def verdicts(self, request: BatchRequest) -> list[Verdict]:
        """The verdicts of `request`'s samples, in order. RequestError: 400 for an unknown task or
        option, 503 when the task's sandbox cannot start, 429 when the queue is full."""
        verifier = await self._verifier(request)
        count = len(request.completions)
        self._admit(count)
        try:
            start_by = time.monotonic() + self.options.request_timeout
            verdicts = await averify_batch(verifier, request.completions, request.ground_truths, start_by)
        finally:
            self.admitted -= count
            self.metrics.queue_depth.set(self.admitted)
        for verdict in verdicts:
            self.metrics.verdict(verifier.task, verdict)
        return verdicts

    async def _verifier(self, request: BatchRequest) -> Verifier:
        try:
            # The first request of a task builds its verifier (a code task starts its sandbox): on a thread.
            return await run_blocking(shared_verifier, request.task, request.options)
        except ValueError as exc:
            raise RequestError(400, str(exc)) from None
        except SandboxUnavailable as exc:
            raise RequestError(503, f"task {request.task!r} cannot run here: {exc}") from None

    def _admit(self, count: int) -> None:
        """Take `count` samples into the queue, or refuse with 429 when they do not fit. A request
        larger than the whole queue runs when nothing else is admitted, so it is never refused forever."""
        if self.admitted and self.admitted + count > self.options.max_queue:
            raise RequestError(
                429,
                f"the queue is full ({self.admitted} samples admitted, at most {self.options.max_queue}); retry later",
                {"Retry-After": str(self.options.retry_after)},
            )
        self.admitted += count
        self.metrics.queue_depth.set(self.admitted)
