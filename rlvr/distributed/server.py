"""`RewardServer`: a handle on a set of verifier actors, shared by every process that opens it by name.

A batch is cut into chunks; each actor gets up to `CHUNKS_PER_ACTOR` chunks at once and the next
one as soon as one returns, so fast actors take more of the batch and verdicts stream back as
chunks finish. Fault tolerance is Ray's: a dead actor is restarted and the calls it was running
are retried on it (`max_restarts`, `max_task_retries`). What is left here: an actor that Ray has
given up on leaves this call's rotation and its chunk goes to another actor; a chunk that overruns
its deadline (a wedged node) scores 0 with reason "timeout" instead of stalling the caller, and
a new task or option set waits for one actor to accept it, not for all.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import ray
from ray.exceptions import GetTimeoutError, RayActorError, RayTaskError

from rlvr.api import _freeze
from rlvr.distributed.actors import CHUNKS_PER_ACTOR, open_directory
from rlvr.distributed.options import ServerOptions
from rlvr.verdict import TIMEOUT, Verdict


@dataclass(frozen=True)
class _Chunk:
    start: int
    stop: int


class RewardServer:
    """Verifier actors on the Ray cluster this process is connected to (`ray.init`).

    Opening a server whose name is already running connects to it (its options must match);
    otherwise its actors are started (see ServerOptions). The handle pickles, so a trainer can
    pass it to its Ray workers.

    Example:
        >>> ray.init(num_cpus=2)
        >>> server = RewardServer(ServerOptions(cpus_per_actor=1))
        >>> [v.correct for v in server.verify_batch("gsm8k", ["#### 4", "#### 5"], ["4", "4"])]
        [True, False]
        >>> server.shutdown()
    """

    def __init__(self, options: ServerOptions | None = None) -> None:
        options = options or ServerOptions()
        if not ray.is_initialized():
            raise RuntimeError("rlvr.distributed needs a Ray connection: call ray.init() (on a cluster: address=...)")
        self.directory = open_directory(options)
        running, self.actors, self.cpus = ray.get(self.directory.describe.remote())
        if running != options:
            raise ValueError(f"a reward server named {options.name!r} already runs with {running}, not {options}")
        self.options = options
        self._prepared: set[Any] = set()
        self._lock = threading.Lock()
        try:
            ray.get([actor.info.remote() for actor in self.actors], timeout=options.start_timeout)
        except GetTimeoutError:
            raise RuntimeError(
                f"{len(self.actors)} verifier actors of {self.cpus} CPUs did not start within "
                f"{options.start_timeout} s: the cluster lacks free CPUs for them (set cpus_per_actor)"
            ) from None

    def __reduce__(self) -> tuple[Any, ...]:
        return (default_server, (self.options,))

    def stream(
        self, task: str, completions: Sequence[str], ground_truths: Sequence[Any], **options: Any
    ) -> Iterator[tuple[int, Verdict]]:
        """(input index, verdict) pairs as chunks finish, in no particular order.

        Raises ValueError, at once, for an unknown task or option or sequences of different lengths.
        """
        if len(completions) != len(ground_truths):
            raise ValueError(f"verify_batch got {len(completions)} completions but {len(ground_truths)} ground truths")
        self._prepare(task, options)
        return self._chunks(task, completions, ground_truths, options)

    def verify_batch(
        self, task: str, completions: Sequence[str], ground_truths: Sequence[Any], **options: Any
    ) -> list[Verdict]:
        """The verdicts of `get_verifier(task, **options).verify_batch`, computed on the cluster, in input order."""
        verdicts: list[Verdict | None] = [None] * len(completions)
        for index, verdict in self.stream(task, completions, ground_truths, **options):
            verdicts[index] = verdict
        return verdicts  # type: ignore[return-value]

    def describe(self) -> list[dict[str, Any]]:
        """Each actor's pid, node and worker budget."""
        return ray.get([actor.info.remote() for actor in self.actors])

    def shutdown(self) -> None:
        """End the server's actors (for every process that shares them)."""
        for actor in [*self.actors, self.directory]:
            ray.kill(actor)
        with _default_lock:
            if _default and _default[0].options.name == self.options.name:
                _default.clear()

    def _prepare(self, task: str, options: dict[str, Any]) -> None:
        key = (task, _freeze(options))
        with self._lock:
            if key in self._prepared:
                return
        # Every actor builds (warms) the verifier, but one answer is enough: any actor finds a
        # configuration error, and waiting for all would let a wedged actor stall the call.
        first, _ = ray.wait([actor.prepare.remote(task, options) for actor in self.actors], num_returns=1)
        try:
            ray.get(first)
        except RayTaskError as exc:  # the verifier's own configuration error, as a local call raises it
            raise exc.cause from None
        with self._lock:
            self._prepared.add(key)

    def _chunks(
        self, task: str, completions: Sequence[str], ground_truths: Sequence[Any], options: dict[str, Any]
    ) -> Iterator[tuple[int, Verdict]]:
        count = len(completions)
        size = max(1, min(self.options.chunk_size, math.ceil(count / (CHUNKS_PER_ACTOR * len(self.actors)))))
        waiting = deque(_Chunk(start, min(start + size, count)) for start in range(0, count, size))
        live = list(range(len(self.actors)))
        free = dict.fromkeys(live, CHUNKS_PER_ACTOR)
        running: dict[Any, tuple[_Chunk, int, float]] = {}
        while waiting or running:
            for index in live:
                while free[index] and waiting:
                    chunk = waiting.popleft()
                    ref = self.actors[index].verify_chunk.remote(
                        task,
                        options,
                        list(completions[chunk.start : chunk.stop]),
                        list(ground_truths[chunk.start : chunk.stop]),
                    )
                    running[ref] = (chunk, index, time.monotonic() + self._chunk_seconds(chunk, index))
                    free[index] -= 1
            if not running:  # every actor overran a deadline: nothing is left to send to
                late = Verdict.failure(TIMEOUT, "every verifier actor of the Ray cluster overran its deadline")
                yield from ((i, late) for chunk in waiting for i in range(chunk.start, chunk.stop))
                return
            soonest = min(deadline for _, _, deadline in running.values())
            ready, _ = ray.wait(list(running), num_returns=1, timeout=max(0.0, soonest - time.monotonic()))
            for ref in ready:
                chunk, index, _ = running.pop(ref)
                try:
                    verdicts = ray.get(ref)
                except RayActorError:  # Ray gave up restarting it: its chunk goes to another actor
                    if index in live:
                        live.remove(index)
                    waiting.appendleft(chunk)
                    if not live:
                        raise RuntimeError(
                            f"every verifier actor of reward server {self.options.name!r} is dead"
                        ) from None
                    continue
                free[index] += 1
                yield from zip(range(chunk.start, chunk.stop), verdicts)
            for ref in [ref for ref, (_, _, deadline) in running.items() if deadline <= time.monotonic()]:
                chunk, index, _ = running.pop(ref)
                ray.cancel(ref)
                if index in live:  # a wedged actor gets no more chunks in this call
                    live.remove(index)
                late = Verdict.failure(
                    TIMEOUT, f"no verdict from the Ray cluster within {self._chunk_seconds(chunk, index):.3g} s"
                )
                yield from ((i, late) for i in range(chunk.start, chunk.stop))

    def _chunk_seconds(self, chunk: _Chunk, index: int) -> float:
        # The actor runs CHUNKS_PER_ACTOR chunks at once on its workers, so the last item of a
        # chunk starts after at most ceil(CHUNKS_PER_ACTOR * n / workers) - 1 item times.
        rounds = math.ceil(CHUNKS_PER_ACTOR * (chunk.stop - chunk.start) / self.cpus[index])
        return self.options.item_deadline * rounds


_default: list[RewardServer] = []
_default_lock = threading.Lock()


def default_server(options: ServerOptions | None = None) -> RewardServer:
    """This process's default handle (what `verify_batch` uses): the one opened last, or one
    opened now with `options` (default `ServerOptions()`) when there is none or its options differ.

    Example:
        >>> server = default_server(ServerOptions(cpus_per_actor=1))   # after ray.init(...)
    """
    with _default_lock:
        if _default and (options is None or _default[0].options == options):
            return _default[0]
        server = RewardServer(options)
        _default[:] = [server]
        return server


def server_for(setting: bool | Mapping[str, Any] | ServerOptions) -> RewardServer:
    """The server an integration's (set) `distributed` option names: the default server for True,
    a default server with these options for a mapping of ServerOptions fields (how trainer configs
    spell it) or a ServerOptions. Raises ValueError for anything else.

    Example:
        >>> server_for({"cpus_per_actor": 4}).verify_batch("gsm8k", ["#### 4"], ["4"])  # after ray.init
    """
    if setting is True:
        return default_server()
    if isinstance(setting, Mapping):
        try:
            setting = ServerOptions(**setting)
        except TypeError as exc:  # an unknown field: configuration, reported as such
            raise ValueError(f"distributed: {exc}") from None
    if not isinstance(setting, ServerOptions):
        raise ValueError(
            f"distributed must be True, a mapping of ServerOptions fields or ServerOptions, got {setting!r}"
        )
    return default_server(setting)


def verify_batch(task: str, completions: Sequence[str], ground_truths: Sequence[Any], **options: Any) -> list[Verdict]:
    """`get_verifier(task, **options).verify_batch(completions, ground_truths)` on the Ray cluster
    `ray.init` connected to, through this process's default server (see `default_server`).

    Example:
        >>> ray.init(num_cpus=2)
        >>> [v.score for v in verify_batch("gsm8k", ["#### 72"], ["72"])]
        [1.0]
    """
    return default_server().verify_batch(task, completions, ground_truths, **options)
