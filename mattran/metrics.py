"""The platform's Prometheus metrics (requests, latencies, intake, model calls), served at ``/metrics``.

One process keeps them in memory. ``mattran up --workers N`` sets ``PROMETHEUS_MULTIPROC_DIR`` for its workers (one
file per process there, summed at each scrape by prometheus-client's multiprocess collector), so a scrape through
any worker gives the whole instance's counts. No label ever holds personal data: routes are templates
(``/api/petitions/{code}``), never paths.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

REQUESTS = Counter(
    "mattran_http_requests",
    "HTTP requests answered, by method, route template and status class",
    ["method", "route", "status"],
)
LATENCY = Histogram(
    "mattran_http_request_duration_seconds",
    "Time to answer an HTTP request, by method and route template",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
PETITIONS_FILED = Counter("mattran_petitions_filed", "Petitions stored, by channel (door)", ["channel"])
MODEL_CALLS = Counter("mattran_model_calls", "Requests to the language model's server, by outcome", ["outcome"])
PROCESS_STARTED = Gauge(
    "mattran_process_started_seconds",
    "When each web process started (Unix time); under --workers one sample per live worker (label pid)",
    multiprocess_mode="liveall",
)
