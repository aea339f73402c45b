"""``/metrics`` scraped from a running ``mattran up`` after a few requests, parsed with prometheus_client's own text
parser; ``/readyz`` beside ``/healthz``."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import httpx2
from prometheus_client.parser import text_string_to_metric_families

from tests.support.platform import MATTRAN, Platform, cli_env, free_port, owner_rows, wait_healthy

PETITION = {
    "title": "Đèn đường hỏng",
    "content": "Ba cột đèn đường trên phố Đội Cấn, phường Ba Đình, tắt đã hai tuần, buổi tối rất tối.",
    "unit_code": "00004",
}
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def _scrape(base_url: str) -> Samples:
    answer = httpx2.get(f"{base_url}/metrics", timeout=30)
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/plain")
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(answer.text)
        for s in family.samples
    }


def _value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def test_metrics_count_requests_by_route_template_and_petitions_filed(platform: Platform) -> None:
    base = platform.base_url
    before = _scrape(base)
    with httpx2.Client(base_url=base, timeout=30, headers={"X-Forwarded-For": "198.51.100.201"}) as client:
        for q in ("ba dinh", "hoan kiem", "phu quoc"):
            assert client.get("/api/units", params={"q": q}).status_code == 200
        codes = [client.post("/api/petitions", json=PETITION).json()["tracking_code"] for _ in range(2)]
        for code in codes:
            assert client.get(f"/api/petitions/{code}").status_code == 200
        assert client.get("/khong-co-trang-nay-7731").status_code == 404
    # a job of the queue's own, due tomorrow (none runs it): the periodic jobs' rows come and go as they are done
    ((probe,),) = owner_rows(
        platform, "insert into jobs (kind, run_after) values ('metrics-probe', now() + interval '1 day') returning id"
    )
    try:
        after = _scrape(base)
    finally:
        owner_rows(platform, "delete from jobs where id = %s returning id", probe)

    def delta(name: str, **labels: str) -> float:
        return _value(after, name, **labels) - _value(before, name, **labels)

    units = {"method": "GET", "route": "/api/units"}
    assert delta("mattran_http_requests_total", **units, status="2xx") == 3
    assert delta("mattran_http_request_duration_seconds_count", **units) == 3
    assert delta("mattran_http_request_duration_seconds_bucket", **units, le="+Inf") == 3
    assert delta("mattran_http_request_duration_seconds_sum", **units) > 0
    assert delta("mattran_http_requests_total", method="POST", route="/api/petitions", status="2xx") == 2
    assert delta("mattran_http_requests_total", method="GET", route="/api/petitions/{code}", status="2xx") == 2
    assert delta("mattran_http_requests_total", method="GET", route="(unmatched)", status="4xx") == 1
    assert delta("mattran_petitions_filed_total", channel="api") == 2
    routes = {dict(labels).get("route", "") for _name, labels in after}
    assert not any(code in route or "khong-co" in route for route in routes for code in codes)  # templates only
    assert _value(after, "mattran_store_up") == 1
    queued = {(dict(labels)["kind"], dict(labels)["state"]) for name, labels in after if name == "mattran_jobs"}
    kinds = {kind for kind, _state in queued}
    assert "metrics-probe" in kinds
    assert queued == {(k, s) for k in kinds for s in ("ready", "running", "retrying", "failed")}


def test_readiness_checks_the_store_and_the_queue(platform: Platform) -> None:
    ready = httpx2.get(f"{platform.base_url}/readyz", timeout=30)
    assert ready.status_code == 200, ready.text
    body = ready.json()
    assert body["status"] == "ready" and body["checks"]["store"] == "ok"
    assert body["checks"]["queue"].startswith("ok, oldest ready job waited ")
    assert httpx2.get(f"{platform.base_url}/healthz", timeout=30).json()["status"] == "ok"


def test_workers_share_their_metrics(tmp_path: Path) -> None:
    """``mattran up --workers 2``: whichever worker answers the scrape, the counts are both workers' sums."""
    port = free_port()
    env = cli_env(tmp_path, MATTRAN_IDP_PORT=str(free_port()))
    with (tmp_path / "up.log").open("wb") as log:
        proc = subprocess.Popen(
            [MATTRAN, "up", "--port", str(port), "--workers", "2"], env=env, cwd=tmp_path, stdout=log, stderr=log
        )
        try:
            wait_healthy(port, proc, timeout=300)
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 300
            while len(_pids(_scrape(base))) < 2 and time.monotonic() < deadline:  # the second worker still starting
                time.sleep(1)
            for _ in range(40):  # new connections: the kernel gives them to either worker
                with httpx2.Client(base_url=base, timeout=30) as client:
                    assert client.get("/api/units", params={"q": "ba dinh"}).status_code == 200
            scrapes = [_scrape(base) for _ in range(6)]
        finally:
            proc.terminate()
            proc.wait(60)
    assert all(len(_pids(scrape)) == 2 for scrape in scrapes)  # whichever worker made it, it read both workers' files
    totals = {_value(s, "mattran_http_requests_total", method="GET", route="/api/units", status="2xx") for s in scrapes}
    assert totals == {40.0}  # the same total from either worker: summed over both


def _pids(samples: Samples) -> set[str]:
    """The live workers a scrape shows (multiprocess mode labels each process's start time with its pid)."""
    return {dict(labels)["pid"] for name, labels in samples if name == "mattran_process_started_seconds"}
