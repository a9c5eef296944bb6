"""Verification from asyncio code: `await rlvr.averify(...)`, `await verifier.averify_batch(...)`.

Nothing here verifies differently: the coroutines run the synchronous `Verifier.verify` on a
thread and await the result, so verdicts, timeouts and failure reasons are exactly those of the
synchronous calls, and the event loop is never blocked (the heavy work runs in rlvr's killable
worker processes; a thread only waits for it).

Each verifier gets its own lane: a thread pool as wide as its `batch_concurrency`, the number of
calls `verify_batch` runs at once, which matches its worker pool. Calls beyond that wait in the
lane's queue before `verify` starts, so waiting is never charged to a sample's `timeout` (a
sample that waited inside a full worker pool instead could come back "busy"), and a slow task
(code in sandboxes) never holds threads another task (math) needs.

    import asyncio, rlvr
    async def main():
        verdict = await rlvr.averify("The answer is 18.", "#### 18", task="gsm8k")
        verdicts = await rlvr.get_verifier("math").averify_batch(["\\boxed{2}"], ["2"])
    asyncio.run(main())
"""

from __future__ import annotations

import asyncio
import os
import threading
import time
import weakref
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from rlvr.api import shared_verifier
from rlvr.verdict import BUSY, Verdict
from rlvr.verifiers.base import Verifier

__all__ = ["averify", "averify_batch", "run_blocking", "verify_in_lane"]

T = TypeVar("T")
# Threads for blocking work that is not a sample's verification (building a verifier, a TRL
# batch): they mostly wait, so more threads than cores is right.
GENERAL_THREADS = 32

_lock = threading.Lock()
_general: ThreadPoolExecutor | None = None
_lanes: weakref.WeakKeyDictionary[Verifier, ThreadPoolExecutor] = weakref.WeakKeyDictionary()


def _general_pool() -> ThreadPoolExecutor:
    global _general
    with _lock:
        if _general is None:
            _general = ThreadPoolExecutor(max_workers=GENERAL_THREADS, thread_name_prefix="rlvr-async")
        return _general


def lane(verifier: Verifier) -> ThreadPoolExecutor:
    """The verifier's own thread pool, `batch_concurrency` threads wide (see the module doc)."""
    with _lock:
        pool = _lanes.get(verifier)
        if pool is None:
            width = max(1, verifier.batch_concurrency)
            pool = _lanes[verifier] = ThreadPoolExecutor(max_workers=width, thread_name_prefix=f"rlvr-{verifier.task}")
        return pool


def _forget_pools_after_fork() -> None:
    # A forked child inherits the pool objects but none of their threads: it must build its own.
    global _general, _lanes, _lock
    _general, _lanes, _lock = None, weakref.WeakKeyDictionary(), threading.Lock()


os.register_at_fork(after_in_child=_forget_pools_after_fork)


async def run_blocking(function: Callable[..., T], *args: Any) -> T:
    """Run `function(*args)` on a thread and await its result (or its exception)."""
    return await asyncio.wrap_future(_general_pool().submit(function, *args))


async def verify_in_lane(
    verifier: Verifier, completion: str, ground_truth: Any, start_by: float | None = None
) -> Verdict:
    """`verifier.verify(completion, ground_truth)` on the verifier's lane, awaited. `start_by`
    (a time.monotonic() value) is a caller's deadline: a sample still queued then is not run and
    gets a "busy" verdict: like a full worker pool, not judged and never trained on (the cause is
    the load, not the sample)."""

    def run() -> Verdict:
        if start_by is not None and time.monotonic() >= start_by:
            return Verdict.failure(BUSY, "the request's deadline passed while this sample waited to start")
        return verifier.verify(completion, ground_truth)

    return await asyncio.wrap_future(lane(verifier).submit(run))


async def averify_batch(
    verifier: Verifier, completions: Sequence[str], ground_truths: Sequence[Any], start_by: float | None = None
) -> list[Verdict]:
    """`verifier.verify_batch` for asyncio code, sample by sample on the verifier's lane; verdicts
    in input order. Raises ValueError when the lengths differ. `start_by`: as in `verify_in_lane`."""
    if len(completions) != len(ground_truths):
        raise ValueError(f"verify_batch got {len(completions)} completions but {len(ground_truths)} ground truths")
    return list(
        await asyncio.gather(*(verify_in_lane(verifier, c, g, start_by) for c, g in zip(completions, ground_truths)))
    )


async def averify(completion: str, ground_truth: Any, task: str, **options: Any) -> Verdict:
    """`rlvr.verify` for asyncio code: the same Verdict, awaited without blocking the event loop.

    Raises ValueError for an unknown task or option (configuration), like `verify`; never for content.

    >>> asyncio.run(averify("The answer is 18.", "#### 18", task="gsm8k")).reason
    'ok'
    """
    # Building a verifier can take a while (a code task starts its sandbox), so it runs on a thread too.
    verifier = await run_blocking(shared_verifier, task, options)
    return await verify_in_lane(verifier, completion, ground_truth)
