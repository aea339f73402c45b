"""SQL for saved report drafts and their versions (rows limited to the transaction's scope by RLS)."""

from __future__ import annotations

from typing import Any

from psycopg.types.json import Jsonb

from mattran.store.db import Conn, Row

_VERSION_COLUMNS = (
    "v.report_id, v.version, v.request_text, v.revision_prompt, v.document, v.markdown, v.figures,"
    " v.created_by, v.created_at"
)


async def create(conn: Conn, unit_code: str, kind: str, title: str, created_by: str | None) -> int:
    """A new report (its unit path is set from the unit by a trigger); returns its id."""
    cur = await conn.execute(
        "insert into reports (unit_code, kind, title, created_by) values (%s, %s, %s, %s) returning id",
        (unit_code, kind, title, created_by),
    )
    row = await cur.fetchone()
    assert row is not None
    return int(row["id"])


async def add_version(conn: Conn, report_id: int, title: str, values: dict[str, Any]) -> int:
    """Append the next version of a report (``values``: request_text, revision_prompt, document, markdown, docx,
    figures, created_by), which gives the report its title; returns its number."""
    cur = await conn.execute(
        "insert into report_versions (report_id, version, unit_path, request_text, revision_prompt, document,"
        " markdown, docx, figures, created_by)"
        " select r.id, coalesce((select max(version) from report_versions where report_id = r.id), 0) + 1,"
        " r.unit_path, %(request_text)s, %(revision_prompt)s, %(document)s, %(markdown)s, %(docx)s, %(figures)s,"
        " %(created_by)s from reports r where r.id = %(id)s returning version",
        {**values, "document": Jsonb(values["document"]), "figures": Jsonb(values["figures"]), "id": report_id},
    )
    row = await cur.fetchone()
    assert row is not None
    await conn.execute("update reports set title = %s, updated_at = now() where id = %s", (title, report_id))
    return int(row["version"])


async def get(conn: Conn, report_id: int, for_update: bool = False) -> Row | None:
    """One report visible in the scope, with its unit's name and its number of versions."""
    lock = " for update of r" if for_update else ""
    cur = await conn.execute(
        "select r.id, r.unit_code, r.unit_path::text as unit_path, u.name as unit_name, r.kind, r.title,"
        " r.created_by, r.created_at, r.updated_at,"
        " (select max(version) from report_versions v where v.report_id = r.id) as versions"
        f" from reports r join units u on u.code = r.unit_code where r.id = %s{lock}",
        (report_id,),
    )
    return await cur.fetchone()


async def version(conn: Conn, report_id: int, number: int | None = None) -> Row | None:
    """One version of a report (the latest when ``number`` is None), without its .docx bytes."""
    cur = await conn.execute(
        f"select {_VERSION_COLUMNS} from report_versions v where v.report_id = %(id)s"
        " and (%(n)s::int is null or v.version = %(n)s) order by v.version desc limit 1",
        {"id": report_id, "n": number},
    )
    return await cur.fetchone()


async def versions(conn: Conn, report_id: int) -> list[Row]:
    """Every version of a report, newest first (number, prompt, author, time)."""
    cur = await conn.execute(
        "select version, revision_prompt, created_by, created_at from report_versions"
        " where report_id = %s order by version desc",
        (report_id,),
    )
    return await cur.fetchall()


async def docx(conn: Conn, report_id: int, number: int) -> bytes | None:
    """The .docx bytes of one version."""
    cur = await conn.execute(
        "select docx from report_versions where report_id = %s and version = %s", (report_id, number)
    )
    row = await cur.fetchone()
    return bytes(row["docx"]) if row else None


async def recent(conn: Conn, limit: int = 50) -> list[Row]:
    """The reports visible in the scope, last changed first."""
    cur = await conn.execute(
        "select r.id, r.unit_code, u.name as unit_name, r.kind, r.title, r.created_by, r.updated_at,"
        " (select max(version) from report_versions v where v.report_id = r.id) as versions"
        " from reports r join units u on u.code = r.unit_code order by r.updated_at desc, r.id desc limit %s",
        (limit,),
    )
    return await cur.fetchall()
