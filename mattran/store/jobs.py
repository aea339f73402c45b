"""SQL for the job queue: enqueue (once per unique key), claim one ready job under a lease, finish, retry, purge."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from psycopg.types.json import Jsonb

from mattran.store.db import Conn, Row


async def enqueue(
    conn: Conn,
    kind: str,
    payload: dict[str, Any],
    unique_key: str | None,
    run_after: datetime | None,
    periodic: bool = False,
) -> int | None:
    """Add a job; its id, or None when a job with ``unique_key`` already exists (whatever its state)."""
    cur = await conn.execute(
        "insert into jobs (kind, payload, unique_key, run_after, periodic) values (%s, %s, %s, coalesce(%s, now()), %s)"
        " on conflict (unique_key) do nothing returning id",
        (kind, Jsonb(payload), unique_key, run_after, periodic),
    )
    row = await cur.fetchone()
    return int(row["id"]) if row else None


async def supersede(conn: Conn, kind: str, unique_key: str) -> int:
    """Close the earlier periods of a periodic ``kind`` not running now (never started, waiting for a retry, or
    left by a dead worker): the period ``unique_key`` does their work. Return how many."""
    cur = await conn.execute(
        "update jobs set done_at = now(), locked_until = null, last_error = 'superseded by ' || %s"
        " where kind = %s and periodic and unique_key <> %s and done_at is null and failed_at is null"
        " and (locked_until is null or locked_until <= now())",
        (unique_key, kind, unique_key),
    )
    return cur.rowcount


async def claim(conn: Conn, kinds: list[str], worker: str, lease_s: float) -> Row | None:
    """Lease the oldest ready job of ``kinds`` to ``worker``: counted as an attempt, skipped by the other workers
    (SKIP LOCKED) and, should the worker die, ready again once the lease has run out. A periodic job waits while
    another period of its kind runs."""
    cur = await conn.execute(
        "update jobs set attempts = attempts + 1, locked_by = %(worker)s,"
        " locked_until = now() + make_interval(secs => %(lease)s)"
        " where id = (select j.id from jobs j where j.done_at is null and j.failed_at is null"
        "  and j.kind = any(%(kinds)s) and j.run_after <= now() and (j.locked_until is null or j.locked_until <= now())"
        "  and not (j.periodic and exists (select 1 from jobs r where r.kind = j.kind and r.periodic and r.id <> j.id"
        "   and r.done_at is null and r.failed_at is null and r.locked_until > now()))"
        "  order by j.run_after, j.id limit 1 for update of j skip locked)"
        " returning id, kind, payload, attempts, max_attempts",
        {"worker": worker, "lease": lease_s, "kinds": kinds},
    )
    return await cur.fetchone()


async def extend(conn: Conn, job_id: int, worker: str, lease_s: float) -> bool:
    """Renew ``worker``'s lease on a job it still holds; False when it holds it no more."""
    cur = await conn.execute(
        "update jobs set locked_until = now() + make_interval(secs => %s)"
        " where id = %s and locked_by = %s and done_at is null and failed_at is null",
        (lease_s, job_id, worker),
    )
    return cur.rowcount == 1


async def finish(conn: Conn, job_id: int, worker: str) -> bool:
    """Mark a job done by the worker holding it (kept in ``locked_by``); False when its lease had passed to another."""
    cur = await conn.execute(
        "update jobs set done_at = now(), locked_until = null, last_error = null"
        " where id = %s and locked_by = %s and done_at is null",
        (job_id, worker),
    )
    return cur.rowcount == 1


async def fail(conn: Conn, job_id: int, worker: str, error: str, retry_in_s: float) -> None:
    """Record a failed attempt: ready again in ``retry_in_s`` seconds, or given up once its attempts are spent."""
    await conn.execute(
        "update jobs set last_error = %s, locked_by = null, locked_until = null,"
        " run_after = now() + make_interval(secs => %s),"
        " failed_at = case when attempts >= max_attempts then now() end"
        " where id = %s and locked_by = %s and done_at is null",
        (error, retry_in_s, job_id, worker),
    )


async def expired_to_fail(conn: Conn) -> int:
    """Give up the jobs whose last allowed attempt's worker died (lease over, attempts spent); return how many."""
    cur = await conn.execute(
        "update jobs set failed_at = now(), locked_by = null, last_error = coalesce(last_error, 'lease expired')"
        " where done_at is null and failed_at is null and attempts >= max_attempts and locked_until <= now()"
    )
    return cur.rowcount


async def depth(conn: Conn) -> dict[str, int]:
    """Jobs waiting or running, by kind."""
    cur = await conn.execute(
        "select kind, count(*) as n from jobs where done_at is null and failed_at is null group by kind"
    )
    return {r["kind"]: int(r["n"]) for r in await cur.fetchall()}


async def states(conn: Conn) -> list[Row]:
    """By kind: jobs ready to run, running (leased), waiting for a retry after a failure, given up (still kept),
    and how long the oldest ready one has waited (seconds)."""
    cur = await conn.execute(
        "select kind,"
        " count(*) filter (where failed_at is null and run_after <= now()"
        "  and (locked_until is null or locked_until <= now())) as ready,"
        " count(*) filter (where failed_at is null and locked_until > now()) as running,"
        " count(*) filter (where failed_at is null and last_error is not null and run_after > now()) as retrying,"
        " count(*) filter (where failed_at is not null) as failed,"
        " coalesce(extract(epoch from now() - min(run_after) filter (where failed_at is null and run_after <= now()"
        "  and (locked_until is null or locked_until <= now()))), 0)::float8 as oldest_ready_s"
        " from jobs where done_at is null group by kind order by kind"
    )
    return await cur.fetchall()


async def get(conn: Conn, job_id: int) -> Row | None:
    """One job's state."""
    cur = await conn.execute(
        "select id, kind, unique_key, attempts, locked_by, locked_until, last_error, done_at, failed_at, run_after"
        " from jobs where id = %s",
        (job_id,),
    )
    return await cur.fetchone()


async def purge(conn: Conn, older_than_hours: float) -> int:
    """Delete finished jobs (done or given up) older than ``older_than_hours``; return how many."""
    cur = await conn.execute(
        "delete from jobs where coalesce(done_at, failed_at) < now() - make_interval(secs => %s)",
        (older_than_hours * 3600,),
    )
    return cur.rowcount
