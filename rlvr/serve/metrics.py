"""The server's Prometheus metrics, in a registry of its own (one per app, so tests and several
apps in one process never share counters)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from rlvr.verdict import Verdict

# Request latencies span a cached gsm8k answer (a millisecond) to a batch of programs (minutes).
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600)


class Metrics:
    """Counters of requests and verdicts, the queue depth, and request latency."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "rlvr_requests", "HTTP requests answered, by route and status", ["route", "status"], registry=self.registry
        )
        self.verdicts = Counter(
            "rlvr_verdicts", "Verdicts sent, by task and reason", ["task", "reason"], registry=self.registry
        )
        self.failures = Counter(
            "rlvr_failed_verdicts",
            "Verdicts that could not judge (rlvr.FAILURE_REASONS), by task and reason",
            ["task", "reason"],
            registry=self.registry,
        )
        self.queue_depth = Gauge(
            "rlvr_queue_depth", "Samples admitted and not yet answered (queued or running)", registry=self.registry
        )
        self.latency = Histogram(
            "rlvr_request_seconds",
            "Time from a request's arrival to its answer, by route",
            ["route"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )

    def request(self, route: str, status: int, seconds: float) -> None:
        self.requests.labels(route, str(status)).inc()
        self.latency.labels(route).observe(seconds)

    def verdict(self, task: str, verdict: Verdict) -> None:
        self.verdicts.labels(task, verdict.reason).inc()
        if verdict.failed:
            self.failures.labels(task, verdict.reason).inc()

    def exposition(self) -> bytes:
        """The Prometheus text format of every metric."""
        return generate_latest(self.registry)
