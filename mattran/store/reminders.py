"""SQL for the cadres' reminders: the petitions a reminder is due for, each reminder once and its messages in the
notification outbox, to the unit's cadres with an e-mail (read and written in the system's scope)."""

from __future__ import annotations

from datetime import datetime

from mattran.store.db import Conn, Row
from mattran.store.petitions import OPEN


async def upcoming(conn: Conn, now: datetime, until: datetime) -> list[Row]:
    """Petitions with a deadline between ``now`` and ``until``: open ones due to be answered (``due_at``), and
    those forwarded to a state body whose reply has not come (``reply_due_at``); with their unit's parent."""
    cur = await conn.execute(
        "select p.id, p.unit_code, u.parent_code,"
        f" case when p.status in {OPEN} and p.due_at > %(now)s and p.due_at <= %(until)s then p.due_at end as due_at,"
        " case when p.forwarded_to is not null and p.reply_received_at is null"
        "  and p.reply_due_at > %(now)s and p.reply_due_at <= %(until)s then p.reply_due_at end as reply_due_at"
        " from petitions p join units u on u.code = p.unit_code"
        " where p.merged_into is null"
        f" and ((p.status in {OPEN} and p.due_at > %(now)s and p.due_at <= %(until)s)"
        "  or (p.forwarded_to is not null and p.reply_received_at is null"
        "   and p.reply_due_at > %(now)s and p.reply_due_at <= %(until)s))"
        " order by p.id",
        {"now": now, "until": until},
    )
    return await cur.fetchall()


async def add(conn: Conn, petition_id: int, kind: str, deadline: datetime, unit_code: str) -> int | None:
    """Record a reminder; its id, or None when it was already given (by this process or another)."""
    cur = await conn.execute(
        "insert into petition_reminders (petition_id, kind, deadline, unit_code) values (%s, %s, %s, %s)"
        " on conflict (petition_id, kind, deadline) do nothing returning id",
        (petition_id, kind, deadline, unit_code),
    )
    row = await cur.fetchone()
    return int(row["id"]) if row else None


async def enqueue(conn: Conn, reminder_id: int, petition_id: int, unit_code: str) -> int:
    """Queue the reminder's e-mail to each cadre of the unit with an address; how many."""
    cur = await conn.execute(
        "insert into notification_outbox (petition_id, reminder_id, cadre_id, channel)"
        " select %s, %s, c.id, 'email' from cadres_with_email(%s) as c (id)",
        (petition_id, reminder_id, unit_code),
    )
    return cur.rowcount
