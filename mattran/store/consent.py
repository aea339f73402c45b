"""SQL for recorded consents other than a petition's own columns (rows limited by RLS)."""

from __future__ import annotations

from typing import Any

from psycopg import AsyncConnection


async def record_member_import(
    conn: AsyncConnection,
    *,
    actor: str,
    unit_code: str | None,
    unit_path: str | None,
    notice_version: str,
    total: int,
    imported: int,
) -> None:
    """The importing cadre's confirmation that the members in a file were told and consented."""
    await conn.execute(
        "insert into member_import_consents (actor, unit_code, unit_path, notice_version, total, imported)"
        " values (%s, %s, %s::ltree, %s, %s, %s)",
        (actor, unit_code, unit_path, notice_version, total, imported),
    )


async def member_imports(conn: AsyncConnection, limit: int = 100) -> list[dict[str, Any]]:
    """The latest import confirmations in scope, newest first."""
    cur = await conn.execute(
        "select at, actor, unit_code, notice_version, total, imported from member_import_consents"
        " order by id desc limit %s",
        (limit,),
    )
    return await cur.fetchall()  # type: ignore[return-value]
