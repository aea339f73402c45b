"""SQL over Front committee members (rows limited to the transaction's scope by RLS)."""

from __future__ import annotations

from typing import Any

from psycopg import AsyncConnection


async def list_members(conn: AsyncConnection, unit_code: str | None = None) -> list[dict[str, Any]]:
    """Members visible in the current scope, optionally of one unit and everything below it."""
    cur = await conn.execute(
        "select m.id, m.unit_code, m.full_name, m.gender, m.birth_year, m.position, m.organisation"
        " from members m"
        " where %(u)s::text is null or m.unit_path <@ (select path from units where code = %(u)s)"
        " order by m.unit_path, m.full_name",
        {"u": unit_code},
    )
    return await cur.fetchall()  # type: ignore[return-value]


async def add_member(conn: AsyncConnection, *, unit_code: str, full_name: str, gender: str | None,
                     birth_year: int | None, position: str | None, organisation: str | None) -> dict[str, Any]:
    """Insert a member (refused by RLS outside the transaction's scope)."""
    cur = await conn.execute(
        "insert into members (unit_code, full_name, gender, birth_year, position, organisation)"
        " values (%s, %s, %s, %s, %s, %s)"
        " returning id, unit_code, full_name, gender, birth_year, position, organisation",
        (unit_code, full_name, gender, birth_year, position, organisation),
    )
    row = await cur.fetchone()
    assert row is not None
    return row  # type: ignore[return-value]
