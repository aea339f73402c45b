"""SQL aggregates over petitions for reports: counts of a unit's subtree received in a time window.

Every query takes the subtree's root unit code and the window ``[start, end)`` on the date received; row-level
security limits the rows to the transaction's scope as well.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal, LiteralString

from psycopg import sql

from mattran.domain.petition_status import PetitionStatus
from mattran.store.db import Conn, Row
from mattran.store.petitions import OPEN

# ``status_<status>``: how many are in each status now, one column for every status there is
_STATUS_COUNTS = sql.SQL(", ").join(
    sql.SQL("count(*) filter (where p.status = {}) as {}").format(sql.Literal(s.value), sql.Identifier(f"status_{s}"))
    for s in PetitionStatus
)

_WINDOW = (
    "p.unit_path <@ (select path from units where code = %(u)s)"
    " and p.created_at >= %(start)s and p.created_at < %(end)s"
)
_GROUPS: dict[str, LiteralString] = {
    "category": "p.category",
    "channel": "p.channel",
    "unit": "(select code from units where path = subpath(p.unit_path, 0,"
    " least(nlevel(p.unit_path), nlevel((select path from units where code = %(u)s)) + 1)))",
}


async def totals(conn: Conn, root: str, start: datetime, end: datetime, now: datetime) -> Row:
    """Counts by status, forwarding, replies, timeliness and escalation (status as it is ``now``)."""
    cur = await conn.execute(
        sql.SQL("select count(*) as received_total, {statuses},").format(statuses=_STATUS_COUNTS)
        + sql.SQL(
            " count(*) filter (where p.forwarded_to is not null) as forwarded,"
            " count(*) filter (where p.reply_received_at is not null) as reply_received,"
            " count(*) filter (where p.answered_at is not null and p.answered_at <= p.due_at) as answered_on_time,"
            " count(*) filter (where p.answered_at > p.due_at) as answered_late,"
            f" count(*) filter (where p.status in {OPEN} and p.due_at < %(now)s) as overdue,"
            " count(*) filter (where p.escalations > 0) as escalated"
            f" from petitions p where {_WINDOW}"
        ),
        {"u": root, "start": start, "end": end, "now": now},
    )
    row = await cur.fetchone()
    assert row is not None
    return row


async def groups(
    conn: Conn,
    root: str,
    start: datetime,
    end: datetime,
    by: Literal["category", "channel", "unit"],
    distinct_only: bool = False,
) -> list[Row]:
    """Counts by one dimension: rows ``{key, n, resolved}``, largest first (``distinct_only``: without the
    duplicates merged into another petition). For ``unit`` the key is the unit directly below the root that
    holds the petition, or the root itself."""
    merged = " and p.merged_into is null" if distinct_only else ""
    cur = await conn.execute(
        f"select {_GROUPS[by]} as key, count(*) as n,"
        " count(*) filter (where p.status in ('answered', 'published')) as resolved"
        f" from petitions p where {_WINDOW}{merged} group by 1 order by 2 desc, 1",
        {"u": root, "start": start, "end": end},
    )
    return await cur.fetchall()


async def excerpts(conn: Conn, root: str, start: datetime, end: datetime, category: str, limit: int = 10) -> list[Row]:
    """The newest distinct published petitions of a category that a cadre accepted and whose public version a cadre
    approved: that reviewed title and text only (never a denunciation)."""
    cur = await conn.execute(
        "select p.title_public, p.content_public, p.status from petitions p"
        f" where {_WINDOW} and p.category = %(c)s and p.merged_into is null and p.status = 'published'"
        " and p.reviewed_at is not null and p.kind <> 'to_cao'"
        " and exists (select 1 from petition_events e where e.petition_id = p.id and e.action = 'accept')"
        " order by p.created_at desc, p.id desc limit %(n)s",
        {"u": root, "start": start, "end": end, "c": category, "n": limit},
    )
    return await cur.fetchall()
