"""SQL for recorded consents other than a petition's own columns (rows limited by RLS)."""

from __future__ import annotations

from mattran.store.db import Conn, Row


async def record_member_import(
    conn: Conn,
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


async def member_imports(conn: Conn, limit: int = 100) -> list[Row]:
    """The latest import confirmations in scope, newest first."""
    cur = await conn.execute(
        "select at, actor, unit_code, notice_version, total, imported from member_import_consents"
        " order by id desc limit %s",
        (limit,),
    )
    return await cur.fetchall()
