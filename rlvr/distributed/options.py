"""The settings of a reward server on a Ray cluster: where its actors go and how work reaches them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ServerOptions:
    """How a `RewardServer` places its verifier actors and feeds them.

    name: the server's Ray name; every process that opens a server of this name (in the Ray
        namespace "rlvr") shares its actors.
    cpus_per_actor: None for one actor per node, reserving (and using) all of that node's CPUs;
        N for as many actors of N CPUs as the cluster's nodes hold. Each actor's worker budget
        (`RLVR_WORKERS`) is the CPUs it reserves, so a node never runs more workers than cores.
    chunk_size: most items sent to an actor in one call (smaller for small batches, so that
        every actor gets work).
    item_deadline: seconds each item of a chunk may take in the cluster, from when the chunk is
        sent (a chunk of n items: n times this); items past it score 0 with reason "timeout",
        so a wedged node cannot stall a training step.
    max_restarts: how often Ray restarts a dead actor (-1: always); the calls it was running
        are retried on the restarted actor, so a killed actor loses no verdicts.
    detached: keep the actors after the process that started them exits (for trainers whose
        processes are separate Ray drivers, e.g. torchrun ranks); `RewardServer.shutdown` ends them.
    start_timeout: seconds to wait for the actors to start before raising.
    """

    name: str = "rlvr-reward-server"
    cpus_per_actor: int | None = None
    chunk_size: int = 32
    item_deadline: float = 60.0
    max_restarts: int = -1
    detached: bool = False
    start_timeout: float = 120.0

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise ValueError(f"name must be a non-empty string, got {self.name!r}")
        if self.cpus_per_actor is not None and not _positive_int(self.cpus_per_actor):
            raise ValueError(f"cpus_per_actor must be None or a positive int, got {self.cpus_per_actor!r}")
        if not _positive_int(self.chunk_size):
            raise ValueError(f"chunk_size must be a positive int, got {self.chunk_size!r}")
        for field in ("item_deadline", "start_timeout"):
            value = getattr(self, field)
            if not isinstance(value, (int, float)) or not value > 0:
                raise ValueError(f"{field} must be a positive number of seconds, got {value!r}")
        if not isinstance(self.max_restarts, int) or self.max_restarts < -1:
            raise ValueError(f"max_restarts must be -1 (always) or a non-negative int, got {self.max_restarts!r}")


def _positive_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1
