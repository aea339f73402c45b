"""SQL for the append-only audit log."""

from __future__ import annotations

from typing import Any

from psycopg import AsyncConnection
from psycopg.types.json import Jsonb


async def append(conn: AsyncConnection, *, actor: str | None, roles: list[str], unit_code: str | None,
                 action: str, target: str | None, outcome: str, detail: dict[str, Any] | None = None) -> None:
    """Append one entry."""
    await conn.execute(
        "insert into audit_log (actor, roles, unit_code, action, target, outcome, detail)"
        " values (%s, %s, %s, %s, %s, %s, %s)",
        (actor, roles, unit_code, action, target, outcome, Jsonb(detail or {})),
    )


async def recent(conn: AsyncConnection, limit: int = 100) -> list[dict[str, Any]]:
    """The latest entries, newest first."""
    cur = await conn.execute(
        "select id, at, actor, roles, unit_code, action, target, outcome from audit_log order by id desc limit %s",
        (limit,),
    )
    return await cur.fetchall()  # type: ignore[return-value]
