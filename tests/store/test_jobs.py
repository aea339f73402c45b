"""The store's job queue: several workers on one store run each periodic job once per period; a job whose worker
died is retried once its lease has run out; a failing job is retried with back-off, then given up."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid
from itertools import pairwise
from pathlib import Path
from typing import Any

import psycopg
import pytest

from mattran.bootstrap import StoreUrls
from mattran.domain.jobs import JobQueue, Periodic, Worker, enqueue_in, retry_delay
from mattran.scope import Scope
from mattran.store import jobs as store
from mattran.store.db import Database
from tests.support.store import open_pool
from web import background

ROOT = Path(__file__).resolve().parents[2]


def _kind(name: str) -> str:
    return f"test.{name}.{uuid.uuid4().hex[:8]}"


async def _job(db: Database, job_id: int) -> dict[str, Any]:
    async with db.transaction(Scope.public()) as conn:
        row = await store.get(conn, job_id)
    assert row is not None
    return dict(row)


async def test_two_workers_run_each_period_of_a_periodic_job_once(urls: StoreUrls) -> None:
    kind, seconds = _kind("tick"), 0.5
    ran: list[tuple[str, float]] = []  # (worker, the period's start)

    def handler(worker: str) -> Any:
        async def tick(_payload: dict[str, Any]) -> None:
            ran.append((worker, time.time() // seconds))
            await asyncio.sleep(0.05)  # long enough for the other worker to try the same job

        return tick

    async with open_pool(urls.app, max_size=3) as one, open_pool(urls.app, max_size=3) as two:
        workers = [
            Worker(db, {kind: handler(name)}, [Periodic(kind, seconds)], name=name, poll_s=0.05)
            for db, name in ((one, "w1"), (two, "w2"))
        ]
        tasks = [asyncio.create_task(w.run_forever()) for w in workers]
        await asyncio.sleep(3.2)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        async with one.transaction(Scope.public()) as conn:
            cur = await conn.execute(
                "select unique_key, attempts, done_at is not null as done from jobs where kind = %s", (kind,)
            )
            rows = await cur.fetchall()
    # About six periods in 3.2 s (fewer on a loaded machine); both workers enqueue every period, yet each period's
    # job (one unique key) ran once, by one worker: as many runs as jobs, each at its first attempt, and done but
    # for at most one job per worker, the one it was running when it was stopped.
    assert len(ran) >= 3, ran
    assert len(rows) == len(ran) and all(r["attempts"] == 1 for r in rows)
    assert sum(not r["done"] for r in rows) <= len(workers), rows
    assert len({r["unique_key"] for r in rows}) == len(rows)


async def test_a_job_whose_worker_died_is_retried_after_its_lease(urls: StoreUrls, db: Database) -> None:
    kind = _kind("hang")
    job_id = await JobQueue(db).enqueue(kind, {"n": 7})
    assert job_id is not None
    child = (
        "import asyncio, sys\n"
        "from mattran.domain.jobs import Worker\n"
        "from mattran.store.db import Database\n"
        "async def hang(payload):\n"
        "    print('claimed', payload['n'], flush=True)\n"
        "    await asyncio.sleep(3600)\n"
        "async def main():\n"
        "    db = Database(sys.argv[1], max_size=2)\n"
        "    await db.open()\n"
        "    await Worker(db, {sys.argv[2]: hang}, name='doomed', lease_s=2, poll_s=0.1).run_forever()\n"
        "asyncio.run(main())\n"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", child, urls.app, kind],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        assert process.stdout is not None and process.stdout.readline().strip() == "claimed 7"
        held = await _job(db, job_id)
        assert held["locked_by"] == "doomed" and held["attempts"] == 1 and held["done_at"] is None
    finally:
        process.send_signal(signal.SIGKILL)  # dies holding the job: nothing is released
        process.wait(10)
    done: list[dict[str, Any]] = []

    async def record(payload: dict[str, Any]) -> None:
        done.append(payload)

    survivor = Worker(db, {kind: record}, name="survivor")
    await survivor.run_ready()
    assert done == []  # the lease still holds: not yet
    await asyncio.sleep(2.2)  # the 2 s lease runs out
    await survivor.run_ready()
    after = await _job(db, job_id)
    assert done == [{"n": 7}]
    assert after["attempts"] == 2 and after["done_at"] is not None and after["locked_by"] == "survivor"


async def test_a_failing_job_is_retried_with_back_off_then_given_up(db: Database) -> None:
    kind = _kind("fail")
    calls = 0

    async def broken(_payload: dict[str, Any]) -> None:
        nonlocal calls
        calls += 1
        raise RuntimeError("kho tạm thời không phản hồi")

    job_id = await JobQueue(db).enqueue(kind)
    assert job_id is not None
    worker = Worker(db, {kind: broken}, name="w")
    await worker.run_ready()
    first = await _job(db, job_id)
    assert calls == 1 and first["failed_at"] is None and first["last_error"].startswith("RuntimeError")
    async with db.transaction(Scope.public()) as conn:  # due again only after its back-off
        cur = await conn.execute(
            "select extract(epoch from run_after - now()) as wait from jobs where id = %s", (job_id,)
        )
        row = await cur.fetchone()
    assert row is not None and 3 < float(row["wait"]) <= retry_delay(1)
    await worker.run_ready()
    assert calls == 1  # not before its time
    async with db.transaction(Scope.public()) as conn:  # time passes: the last allowed attempt
        await conn.execute("update jobs set run_after = now(), attempts = max_attempts - 1 where id = %s", (job_id,))
    await worker.run_ready()
    given_up = await _job(db, job_id)
    assert calls == 2 and given_up["failed_at"] is not None and given_up["done_at"] is None
    assert [retry_delay(n) for n in (1, 2, 3, 20)] == [5, 10, 20, 600]


async def test_a_long_job_keeps_its_lease_and_a_unique_job_is_enqueued_once(db: Database) -> None:
    kind = _kind("long")
    queue = JobQueue(db)
    first = await queue.enqueue(kind, unique_key=f"{kind}@once")
    assert first is not None and await queue.enqueue(kind, unique_key=f"{kind}@once") is None
    runs: list[str] = []

    def slow(worker: str) -> Any:
        async def run(_payload: dict[str, Any]) -> None:
            runs.append(worker)
            await asyncio.sleep(2.5)  # longer than the 1 s lease: renewed while it runs

        return run

    one = Worker(db, {kind: slow("one")}, name="one", lease_s=1, poll_s=0.1)
    two = Worker(db, {kind: slow("two")}, name="two", lease_s=1, poll_s=0.1)
    tasks = [asyncio.create_task(one.run_forever())]
    await asyncio.sleep(0.3)
    tasks.append(asyncio.create_task(two.run_forever()))
    await asyncio.sleep(3.2)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    assert runs == ["one"]
    assert (await _job(db, first))["done_at"] is not None
    assert (await queue.depth()).get(kind) is None


async def test_a_slow_periodic_job_never_overlaps_itself_and_missed_periods_are_superseded(urls: StoreUrls) -> None:
    kind, seconds = _kind("slow"), 0.3
    spans: list[tuple[float, float]] = []

    async def slow(_payload: dict[str, Any]) -> None:
        started = time.monotonic()
        await asyncio.sleep(1)  # over three periods
        spans.append((started, time.monotonic()))

    async with open_pool(urls.app, max_size=3) as one, open_pool(urls.app, max_size=3) as two:
        workers = [
            Worker(db, {kind: slow}, [Periodic(kind, seconds)], name=name, poll_s=0.05)
            for db, name in ((one, "w1"), (two, "w2"))
        ]
        tasks = [asyncio.create_task(w.run_forever()) for w in workers]
        await asyncio.sleep(3.5)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        async with one.transaction(Scope.public()) as conn:
            cur = await conn.execute(
                "select count(*) filter (where last_error like 'superseded by %%') as superseded,"
                " count(*) filter (where done_at is not null and last_error is null) as ran from jobs where kind = %s",
                (kind,),
            )
            row = await cur.fetchone()
    spans.sort()
    assert 2 <= len(spans) <= 4, spans
    assert all(end <= next_start for (_s, end), (next_start, _e) in pairwise(spans))
    assert row is not None and row["ran"] == len(spans) and row["superseded"] >= 4


async def test_the_web_apps_worker_runs_the_jobs_another_module_enqueues(db: Database) -> None:
    kind = _kind("outbox")
    sent: list[dict[str, Any]] = []

    async def send(payload: dict[str, Any]) -> None:
        sent.append(payload)

    tasks = await background.start(db, [], handlers={kind: send})
    async with db.transaction(Scope.public()) as conn:  # enqueued with the caller's own writes
        await enqueue_in(conn, kind, {"message": 1}, unique_key=f"{kind}:1")
    with pytest.raises(psycopg.errors.DivisionByZero):
        async with db.transaction(Scope.public()) as conn:
            await enqueue_in(conn, kind, {"message": 2}, unique_key=f"{kind}:2")
            await conn.execute("select 1/0")  # rolled back: its job with it
    deadline = time.monotonic() + 10
    while not sent and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    await asyncio.sleep(1.5)
    for task in tasks:
        task.cancel()
    assert sent == [{"message": 1}]
