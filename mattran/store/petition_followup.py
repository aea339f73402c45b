"""SQL for what a petitioner does after filing: their petitions with their history, additions, ratings.

Run in the petitioner's own scope (``Scope.public(subject)``): row-level security lets through their own petitions
and what belongs to them; a rating is read by whoever sees its petition (the unit handling it).
"""

from __future__ import annotations

from typing import Any

from mattran.store.db import Conn, Row


async def own(conn: Conn, subject: str, limit: int = 200) -> list[Row]:
    """The person's petitions, newest first, with their rating."""
    cur = await conn.execute(
        "select p.id, p.tracking_code, p.status, p.kind, p.category, p.unit_code, u.name as unit_name, p.title,"
        " p.content, p.answer, p.created_at, p.due_at, p.answered_at, p.published_at, p.unit_path::text as unit_path,"
        " r.satisfied, r.reason as rating_reason, r.rated_at"
        " from petitions p left join units u on u.code = p.unit_code"
        " left join petition_ratings r on r.petition_id = p.id"
        " where p.submitter = %s order by p.created_at desc, p.id desc limit %s",
        (subject, limit),
    )
    return await cur.fetchall()


async def own_one(conn: Conn, subject: str, tracking_code: str) -> Row | None:
    """One of the person's petitions by its number."""
    cur = await conn.execute(
        "select id, tracking_code, status, unit_path::text as unit_path from petitions"
        " where submitter = %s and tracking_code = %s",
        (subject, tracking_code),
    )
    return await cur.fetchone()


async def history(conn: Conn, petition_ids: list[int]) -> list[Row]:
    """The events of these petitions, oldest first (what each shows is chosen by the caller)."""
    cur = await conn.execute(
        "select petition_id, at, action, from_status, to_status, detail from petition_events"
        " where petition_id = any(%s) order by id",
        (petition_ids,),
    )
    return await cur.fetchall()


async def additions(conn: Conn, petition_ids: list[int]) -> list[Row]:
    """What was added to these petitions, oldest first."""
    cur = await conn.execute(
        "select petition_id, text, created_at from petition_additions where petition_id = any(%s) order by id",
        (petition_ids,),
    )
    return await cur.fetchall()


async def add(conn: Conn, petition_id: int, unit_path: str | None, text: str, files: list[dict[str, Any]]) -> None:
    """Add text (may be empty when only files are added) and files to an open petition (RLS: its petitioner)."""
    if text:
        await conn.execute("insert into petition_additions (petition_id, text) values (%s, %s)", (petition_id, text))
    for a in files:
        await conn.execute(
            "insert into petition_attachments (petition_id, unit_path, filename, content_type, size, sha256, data)"
            " values (%s, %s::ltree, %s, %s, %s, %s, %s)",
            (petition_id, unit_path, a["filename"], a["content_type"], a["size"], a["sha256"], a["data"]),
        )


async def rate(conn: Conn, petition_id: int, satisfied: bool, reason: str | None) -> None:
    """Record (or change) the petitioner's rating of the answer (RLS: its petitioner, once answered)."""
    await conn.execute(
        "insert into petition_ratings (petition_id, satisfied, reason) values (%s, %s, %s)"
        " on conflict (petition_id) do update set satisfied = excluded.satisfied, reason = excluded.reason,"
        " rated_at = now()",
        (petition_id, satisfied, reason),
    )


async def rating(conn: Conn, petition_id: int) -> Row | None:
    """A petition's rating, if any."""
    cur = await conn.execute(
        "select satisfied, reason, rated_at from petition_ratings where petition_id = %s", (petition_id,)
    )
    return await cur.fetchone()


async def rating_counts(conn: Conn, unit_path: str, category: str | None) -> Row:
    """Ratings of the petitions of a unit and the units below it (within the current scope)."""
    cur = await conn.execute(
        "select count(*) filter (where r.satisfied)::int as satisfied,"
        " count(*) filter (where not r.satisfied)::int as unsatisfied"
        " from petition_ratings r join petitions p on p.id = r.petition_id join units u on u.code = p.unit_code"
        " where u.path <@ %s::ltree and (%s::text is null or p.category = %s)",
        (unit_path, category, category),
    )
    row = await cur.fetchone()
    assert row is not None
    return row


async def as_sent(conn: Conn, tracking_code: str) -> Row | None:
    """What a petition was filed with (read in the system's scope, for its receipt's holder): its text, kind, unit,
    whether contacts came with it, how many files, the channels it is notified by."""
    cur = await conn.execute(
        "select p.title, p.content, p.kind, p.category, u.name as unit_name, p.address_text, p.created_at,"
        " p.consent_at is not null as with_contact,"
        " (select count(*)::int from petition_attachments a where a.petition_id = p.id) as files,"
        " array(select s.channel from petition_subscriptions s where s.petition_id = p.id"
        "       and s.unsubscribed_at is null order by s.channel) as channels,"
        " r.receipt_salt, r.receipt_hash"
        " from petitions p left join units u on u.code = p.unit_code"
        " join petition_receipts r on r.tracking_code = p.tracking_code"
        " where p.tracking_code = %s",
        (tracking_code,),
    )
    return await cur.fetchone()


async def last_contact(conn: Conn, subject: str) -> Row | None:
    """The contacts (encrypted) the person gave with their latest petition that had some."""
    cur = await conn.execute(
        "select c.full_name_enc, c.phone_enc, c.email_enc from petition_contacts c"
        " join petitions p on p.id = c.petition_id where p.submitter = %s order by p.id desc limit 1",
        (subject,),
    )
    return await cur.fetchone()


async def claimable(conn: Conn, petition_id: int) -> Row | None:
    """A petition a claim link names, with its owner (if any) and its contact e-mail, encrypted (system scope)."""
    cur = await conn.execute(
        "select p.id, p.tracking_code, p.status, p.submitter, p.unit_path::text as unit_path, c.email_enc"
        " from petitions p left join petition_contacts c on c.petition_id = p.id where p.id = %s",
        (petition_id,),
    )
    return await cur.fetchone()


async def attach(conn: Conn, petition_id: int, subject: str) -> bool:
    """Make a guest's petition ``subject``'s (False when it already has an owner)."""
    cur = await conn.execute(
        "update petitions set submitter = %s, updated_at = now() where id = %s and submitter is null",
        (subject, petition_id),
    )
    return cur.rowcount == 1
