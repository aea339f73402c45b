"""``/metrics``' request counts and latencies by route template, and the exposition of every metric with the job
queue's state read from the store at each scrape (see :mod:`mattran.metrics` for the per-process / multiprocess
choice)."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator, Sequence

from prometheus_client import REGISTRY, CollectorRegistry, generate_latest, multiprocess
from prometheus_client.metrics_core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mattran.domain.jobs import QueueState
from mattran.metrics import LATENCY, REQUESTS

MULTIPROCESS_DIR = "PROMETHEUS_MULTIPROC_DIR"
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED = "(unmatched)"  # no route: one label for every unknown path, so that scanners cannot grow the series


class RequestMetrics:
    """Counts every HTTP request by method, route template and status class, and times it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started, status = time.perf_counter(), 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            method = scope["method"] if scope["method"] in _METHODS else "OTHER"
            route = route_template(scope)
            REQUESTS.labels(method, route, f"{status // 100}xx").inc()
            LATENCY.labels(method, route).observe(time.perf_counter() - started)


def route_template(scope: Scope) -> str:
    """The matched route's path template (``/api/petitions/{code}``): the path with each path parameter's value put
    back as its name; one label for every path no route matched."""
    if "endpoint" not in scope:
        return UNMATCHED
    path: str = scope["path"]
    params = sorted(scope.get("path_params", {}).items(), key=lambda kv: -len(str(kv[1])))
    for name, value in params:
        before, found, after = path.rpartition(str(value))
        if found:
            path = f"{before}{{{name}}}{after}"
    return path


class _QueueSnapshot(Collector):
    """The job queue's state as read for this scrape."""

    def __init__(self, states: Sequence[QueueState] | None) -> None:
        self.states = states

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily("mattran_store_up", "1 when the store answered this scrape's queue query")
        up.add_metric([], 0 if self.states is None else 1)
        yield up
        if self.states is None:
            return
        jobs = GaugeMetricFamily("mattran_jobs", "Jobs in the queue by kind and state", labels=["kind", "state"])
        oldest = GaugeMetricFamily(
            "mattran_jobs_oldest_ready_seconds", "How long the oldest ready job of a kind has waited", labels=["kind"]
        )
        for s in self.states:
            for state in ("ready", "running", "retrying", "failed"):
                jobs.add_metric([s.kind, state], getattr(s, state))
            oldest.add_metric([s.kind], s.oldest_ready_s)
        yield jobs
        yield oldest


def exposition(states: Sequence[QueueState] | None) -> bytes:
    """Every metric in Prometheus' text format: this process's (or, under ``mattran up --workers N``, all its
    workers', summed), then the queue's."""
    registry = REGISTRY
    if os.environ.get(MULTIPROCESS_DIR):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    queue = CollectorRegistry(auto_describe=False)
    queue.register(_QueueSnapshot(states))
    return generate_latest(registry) + generate_latest(queue)
