"""The two Ray actors of a reward server: verifier actors that verify chunks, and the directory
that starts them and hands their handles to every process that opens the server by name.

A verifier actor is a plain Ray worker process that keeps verifiers (and so their sympy and
sandbox pools) warm between calls; its worker budget (`RLVR_WORKERS`) is the CPUs it reserves.
The directory exists so that processes that are separate Ray drivers (torchrun ranks, verl
workers) agree on one set of actors: the first one creates it, the others look it up by name.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import ray
from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

from rlvr.api import shared_verifier
from rlvr.distributed.options import ServerOptions
from rlvr.verdict import Verdict
from rlvr.workers.budget import ENV_WORKERS, worker_budget

NAMESPACE = "rlvr"
# Chunks an actor runs at once: while one returns its verdicts the next is already verifying.
CHUNKS_PER_ACTOR = 2


@dataclass(frozen=True)
class ActorSpec:
    """Where one verifier actor goes: a node (None: wherever Ray finds room) and its CPUs."""

    node_id: str | None
    cpus: int


def plan_actors(options: ServerOptions) -> list[ActorSpec]:
    """The verifier actors the live cluster holds under `options` (see ServerOptions.cpus_per_actor).

    Raises ValueError when no node has the CPUs one actor needs.
    """
    nodes = [node for node in ray.nodes() if node["Alive"] and node["Resources"].get("CPU", 0) >= 1]
    if options.cpus_per_actor is None:
        specs = [ActorSpec(node["NodeID"], int(node["Resources"]["CPU"])) for node in nodes]
    else:
        count = sum(int(node["Resources"]["CPU"]) // options.cpus_per_actor for node in nodes)
        specs = [ActorSpec(None, options.cpus_per_actor)] * count
    if not specs:
        cpus = sorted(int(node["Resources"].get("CPU", 0)) for node in nodes)
        raise ValueError(f"no Ray node can hold a verifier actor of {options.cpus_per_actor} CPUs (node CPUs: {cpus})")
    return specs


class VerifierActor:
    """Verifies chunks of one task in a Ray worker, through the same verifiers as local calls."""

    def prepare(self, task: str, options: dict[str, Any]) -> None:
        """Build (and so warm) the verifier; raises ValueError for an unknown task or option."""
        shared_verifier(task, options)

    def verify_chunk(
        self, task: str, options: dict[str, Any], completions: Sequence[str], ground_truths: Sequence[Any]
    ) -> list[Verdict]:
        return shared_verifier(task, options).verify_batch(completions, ground_truths)

    def info(self) -> dict[str, Any]:
        """Where this actor runs and how many workers each of its pools may start."""
        return {"pid": os.getpid(), "node_id": ray.get_runtime_context().get_node_id(), "workers": worker_budget()}


def start_verifier(spec: ActorSpec, options: ServerOptions) -> Any:
    """Start one verifier actor; Ray restarts it when it dies and retries the calls it was running."""
    strategy: Any = "SPREAD"
    if spec.node_id is not None:
        # soft: when the node is gone, the restarted actor may go to another one.
        strategy = NodeAffinitySchedulingStrategy(spec.node_id, soft=True)
    return (
        ray.remote(VerifierActor)
        .options(
            num_cpus=spec.cpus,
            max_restarts=options.max_restarts,
            max_task_retries=-1,
            max_concurrency=CHUNKS_PER_ACTOR,
            runtime_env={"env_vars": {ENV_WORKERS: str(spec.cpus)}},
            scheduling_strategy=strategy,
        )
        .remote()
    )


class Directory:
    """Owns a server's verifier actors (they end with it) and tells processes their handles."""

    def __init__(self, options: ServerOptions, specs: Sequence[ActorSpec]) -> None:
        self.options = options
        self.verifiers = [start_verifier(spec, options) for spec in specs]
        self.cpus = [spec.cpus for spec in specs]

    def describe(self) -> tuple[ServerOptions, list[Any], list[int]]:
        return self.options, self.verifiers, self.cpus


def open_directory(options: ServerOptions) -> Any:
    """The directory actor named `options.name`, created (with its verifier actors) if none runs."""
    try:
        return ray.get_actor(options.name, namespace=NAMESPACE)
    except ValueError:
        pass
    return (
        ray.remote(Directory)
        .options(
            name=options.name,
            namespace=NAMESPACE,
            get_if_exists=True,
            lifetime="detached" if options.detached else None,
            num_cpus=0,
        )
        .remote(options, plan_actors(options))
    )
