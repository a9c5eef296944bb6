"""Verification spread over a Ray cluster, with the same verdicts as local `verify_batch`.

    import ray, rlvr.distributed
    ray.init(address="auto")                       # or ray.init(num_cpus=8) on one machine
    verdicts = rlvr.distributed.verify_batch("math", completions, ground_truths, mode="lenient")

Verifier actors (one per node, or one per N CPUs: `ServerOptions.cpus_per_actor`) keep warm
verifiers and worker pools; Ray restarts an actor that dies and retries its calls, so a killed
node loses no verdicts. Several processes share one server by name: `RewardServer(ServerOptions(...))`.
Needs the `ray` extra: `pip install "rlvr[ray]"`.
"""

from __future__ import annotations

try:
    import ray  # noqa: F401
except ImportError as exc:  # pragma: no cover - depends on the installation
    raise ImportError('rlvr.distributed needs Ray: pip install "rlvr[ray]"') from exc

from rlvr.distributed.options import ServerOptions
from rlvr.distributed.server import RewardServer, default_server, server_for, verify_batch

__all__ = ["RewardServer", "ServerOptions", "default_server", "server_for", "verify_batch"]
