"""SQL for Vietnam's public holidays (a table seeded for 2025–2030 that an administrator extends)."""

from __future__ import annotations

from datetime import date

from mattran.store.db import Conn, Row


async def between(conn: Conn, start: date, end: date) -> list[Row]:
    """The holidays from ``start`` to ``end`` (both included), in order."""
    cur = await conn.execute(
        "select day, name, added_by from public_holidays where day between %s and %s order by day", (start, end)
    )
    return await cur.fetchall()


async def add(conn: Conn, day: date, name: str, added_by: str | None) -> bool:
    """Add a holiday; False when the day is one already."""
    cur = await conn.execute(
        "insert into public_holidays (day, name, added_by) values (%s, %s, %s) on conflict (day) do nothing",
        (day, name, added_by),
    )
    return cur.rowcount == 1
