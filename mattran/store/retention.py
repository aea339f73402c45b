"""SQL of the retention purge: what each kind of record keeps, and deleting what is past its period.

Run in a transaction of the whole country's scope (``Scope.everything()``): row-level security still applies.
"""

from __future__ import annotations

from datetime import datetime

from psycopg.types.json import Jsonb

from mattran.domain.petition_status import PetitionAction, PetitionStatus
from mattran.store.db import Conn

CLOSED = (PetitionStatus.ANSWERED, PetitionStatus.PUBLISHED, PetitionStatus.DECLINED, PetitionStatus.MERGED)
# What replaces a purged petition's private text when it has no reviewed public version.
PURGED_TITLE = "Phản ánh đã hết thời hạn lưu trữ"
PURGED_TEXT = "Nội dung phản ánh và thông tin cá nhân đã được xóa khi hết thời hạn lưu trữ (Nghị định 13/2023/NĐ-CP)."

# A petition is closed since its last move into a closed status (its history is append-only).
_DUE = (
    "select p.id from petitions p"
    " where p.status = any(%(closed)s) and p.private_purged_at is null"
    " and coalesce((select max(e.at) from petition_events e where e.petition_id = p.id"
    "               and e.to_status = any(%(closed)s)), p.updated_at) < %(cutoff)s"
)


async def petitions_due(conn: Conn, cutoff: datetime, after: int, limit: int) -> list[int]:
    """Closed petitions whose private parts are past their period (closed before ``cutoff``), by id from ``after``."""
    cur = await conn.execute(
        _DUE + " and p.id > %(after)s order by p.id limit %(limit)s for update of p skip locked",
        {"closed": list(CLOSED), "cutoff": cutoff, "after": after, "limit": limit},
    )
    return [r["id"] for r in await cur.fetchall()]


async def count_private_parts(conn: Conn, ids: list[int]) -> dict[str, int]:
    """How many contacts and files those petitions hold."""
    cur = await conn.execute(
        "select (select count(*) from petition_contacts where petition_id = any(%(ids)s)) as contacts,"
        " (select count(*) from petition_attachments where petition_id = any(%(ids)s)) as attachments",
        {"ids": ids},
    )
    row = await cur.fetchone()
    assert row is not None
    return {"contacts": int(row["contacts"]), "attachments": int(row["attachments"])}


async def purge_petitions(conn: Conn, ids: list[int], now: datetime) -> None:
    """Remove the private parts of those petitions: contacts, files, additions, subscriptions, location, the
    agency's reply, and the text, title and answer as written (replaced by the reviewed public version when
    published, else by a notice).

    The petition itself stays (unit, category, dates, status, history): the Front's record of a statutory task.
    """
    await conn.execute("delete from petition_contacts where petition_id = any(%s)", (ids,))
    await conn.execute("delete from petition_attachments where petition_id = any(%s)", (ids,))
    await conn.execute("delete from petition_additions where petition_id = any(%s)", (ids,))
    await conn.execute("delete from petition_subscriptions where petition_id = any(%s)", (ids,))
    await conn.execute(
        "update petitions set"
        " title = case when status = 'published' then title else %(title)s end,"
        " content = case when status = 'published' then content_public else %(text)s end,"
        " content_public = case when status = 'published' then content_public else %(text)s end,"
        " answer = case when status = 'published' then answer_public end,"
        " reply_text = null, address_text = null, latitude = null, longitude = null, embedding = null,"
        " private_purged_at = %(now)s, updated_at = %(now)s"
        " where id = any(%(ids)s)",
        {"ids": ids, "title": PURGED_TITLE, "text": PURGED_TEXT, "now": now},
    )
    await conn.execute(
        "insert into petition_events (petition_id, unit_path, actor, action, from_status, to_status, detail)"
        " select id, unit_path, null, %s, status, status, %s from petitions where id = any(%s)",
        (PetitionAction.RETENTION_PURGE, Jsonb({"reason": "hết thời hạn lưu trữ dữ liệu cá nhân"}), ids),
    )


async def audit_log(conn: Conn, cutoff: datetime, apply: bool) -> int:
    """Audit entries older than ``cutoff`` (never younger than 30 days): counted, or deleted when ``apply``.

    Through ``purge_audit_log``, the owner's SECURITY DEFINER function: the log is append-only for the app.
    """
    cur = await conn.execute("select purge_audit_log(%s, %s) as n", (cutoff, apply))
    row = await cur.fetchone()
    assert row is not None
    return int(row["n"])
