"""Verification from asyncio code: `await rlvr.averify(...)`, `await verifier.averify_batch(...)`.

Nothing here verifies differently: the coroutines run the synchronous `verify` / `verify_batch`
on a thread of one process-wide pool and await the result, so verdicts, timeouts and failure
reasons are exactly those of the synchronous calls. The heavy work already runs in rlvr's
killable worker processes (sympy, sandboxes); a thread here only waits for it, so the event loop
is never blocked and a hung verifier costs the caller its `timeout`, never a frozen loop.

    import asyncio, rlvr
    async def main():
        verdict = await rlvr.averify("The answer is 18.", "#### 18", task="gsm8k")
        verdicts = await rlvr.get_verifier("math").averify_batch(["\\\\boxed{2}"], ["2"])
    asyncio.run(main())

The pool has `RLVR_ASYNC_THREADS` threads (default 64): enough for many concurrent calls to
wait on the worker pools at once. The worker budget, not this number, bounds CPU use.
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from rlvr.api import verify
from rlvr.verdict import Verdict

__all__ = ["averify", "run_blocking", "thread_count"]

T = TypeVar("T")
DEFAULT_THREADS = 64

_lock = threading.Lock()
_pool: ThreadPoolExecutor | None = None


def thread_count() -> int:
    """Threads of the async pool: RLVR_ASYNC_THREADS, default 64. A bad value is configuration."""
    raw = os.environ.get("RLVR_ASYNC_THREADS", str(DEFAULT_THREADS))
    try:
        count = int(raw)
    except ValueError:
        raise ValueError(f"RLVR_ASYNC_THREADS must be a positive integer, got {raw!r}") from None
    if count < 1:
        raise ValueError(f"RLVR_ASYNC_THREADS must be a positive integer, got {raw!r}")
    return count


def _executor() -> ThreadPoolExecutor:
    global _pool
    with _lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=thread_count(), thread_name_prefix="rlvr-async")
        return _pool


def _forget_pool_after_fork() -> None:
    # A forked child inherits the pool object but none of its threads: it must build its own.
    global _pool, _lock
    _pool, _lock = None, threading.Lock()


os.register_at_fork(after_in_child=_forget_pool_after_fork)


async def run_blocking(function: Callable[..., T], *args: Any) -> T:
    """Run `function(*args)` on the async pool and await its result (or its exception)."""
    return await asyncio.wrap_future(_executor().submit(function, *args))


async def averify(completion: str, ground_truth: Any, task: str, **options: Any) -> Verdict:
    """`rlvr.verify` for asyncio code: the same Verdict, awaited without blocking the event loop.

    Raises ValueError for an unknown task or option (configuration), like `verify`; never for content.

    >>> asyncio.run(averify("The answer is 18.", "#### 18", task="gsm8k")).reason
    'ok'
    """
    return await run_blocking(lambda: verify(completion, ground_truth, task, **options))
