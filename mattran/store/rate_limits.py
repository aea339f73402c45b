"""SQL for rate limits: one counter row per (limit, caller) and window, shared by every process on the store."""

from __future__ import annotations

from mattran.store.db import Conn


async def hit(conn: Conn, bucket: str, count: bool = True) -> tuple[int, int]:
    """Count one request in ``bucket``'s window (a minute from its first request; a new one once that is over),
    or only read it when not ``count``; return (requests in the window, seconds until it ends)."""
    if count:
        cur = await conn.execute(
            "insert into rate_counters as c (bucket, started_at, hits) values (%s, now(), 1)"
            " on conflict (bucket) do update set"
            "  started_at = case when c.started_at > now() - interval '1 minute' then c.started_at else now() end,"
            "  hits = case when c.started_at > now() - interval '1 minute' then c.hits + 1 else 1 end"
            " returning hits, ceil(extract(epoch from started_at + interval '1 minute' - now()))::int as retry",
            (bucket,),
        )
    else:
        cur = await conn.execute(
            "select hits, ceil(extract(epoch from started_at + interval '1 minute' - now()))::int as retry"
            " from rate_counters where bucket = %s and started_at > now() - interval '1 minute'",
            (bucket,),
        )
    row = await cur.fetchone()
    return (int(row["hits"]), max(1, int(row["retry"]))) if row else (0, 60)


async def purge(conn: Conn) -> int:
    """Delete the counters whose window is over; return how many."""
    cur = await conn.execute("delete from rate_counters where started_at <= now() - interval '1 minute'")
    return cur.rowcount
