"""SQL for data subjects' rights: what the platform holds about a signed-in person, erasing their contacts.

Run in the person's own scope (``Scope.public(subject)``): row-level security lets through their own petitions
and, since migration 0019, those petitions' contacts, files and history.
"""

from __future__ import annotations

from mattran.store.db import Conn, Row


async def own_petitions(conn: Conn, subject: str) -> list[Row]:
    """The person's petitions, newest first, with what they wrote and what they were answered."""
    cur = await conn.execute(
        "select p.id, p.tracking_code, p.status, p.category, p.unit_code, u.name as unit_name, p.channel,"
        " p.title, p.content, p.address_text, p.latitude, p.longitude, p.answer, p.content_public, p.answer_public,"
        " p.created_at, p.updated_at, p.due_at, p.answered_at, p.published_at, p.consent_at, p.consent_notice,"
        " p.private_purged_at"
        " from petitions p left join units u on u.code = p.unit_code"
        " where p.submitter = %s order by p.created_at desc, p.id desc",
        (subject,),
    )
    return await cur.fetchall()


async def own_petition(conn: Conn, subject: str, tracking_code: str) -> Row | None:
    """One of the person's petitions by its tracking code (not locked: a citizen may not lock a petition; the
    erasure's policy checks the status again when it deletes)."""
    cur = await conn.execute(
        "select id, tracking_code, status, unit_path::text as unit_path from petitions"
        " where submitter = %s and upper(tracking_code) = upper(%s)",
        (subject, tracking_code),
    )
    return await cur.fetchone()


async def history(conn: Conn, petition_id: int) -> list[Row]:
    """A petition's history as its petitioner sees it (no cadre's name or note)."""
    cur = await conn.execute(
        "select at, action, from_status, to_status, detail->>'reason' as reason from petition_events"
        " where petition_id = %s order by id",
        (petition_id,),
    )
    return await cur.fetchall()


async def erase_contact(conn: Conn, petition_id: int) -> int:
    """Delete a closed petition's contacts (RLS refuses an open one: nothing is deleted); rows deleted."""
    cur = await conn.execute("delete from petition_contacts where petition_id = %s", (petition_id,))
    await conn.execute("delete from petition_subscriptions where petition_id = %s", (petition_id,))
    return cur.rowcount


async def correct_contact(conn: Conn, petition_id: int, unit_path: str | None, sealed: dict[str, bytes | None]) -> None:
    """Replace an open petition's contacts with the petitioner's correction (encrypted columns ``*_enc``; RLS lets
    a petitioner change only their own open petition's row)."""
    await conn.execute(
        "insert into petition_contacts (petition_id, unit_path, full_name_enc, phone_enc, email_enc)"
        " values (%(id)s, %(path)s::ltree, %(full_name_enc)s, %(phone_enc)s, %(email_enc)s)"
        " on conflict (petition_id) do update set full_name_enc = excluded.full_name_enc,"
        " phone_enc = excluded.phone_enc, email_enc = excluded.email_enc",
        {"id": petition_id, "path": unit_path, **sealed},
    )


async def sessions(conn: Conn, subject: str) -> list[Row]:
    """The person's sign-in sessions (times only)."""
    cur = await conn.execute(
        "select created_at, refreshed_at, expires_at from sessions where subject = %s order by created_at desc",
        (subject,),
    )
    return await cur.fetchall()


async def chat_conversations(conn: Conn, subject: str) -> int:
    """How many assistant conversations are kept for the person."""
    cur = await conn.execute('select count(*) as n from chat.threads where "userIdentifier" = %s', (subject,))
    row = await cur.fetchone()
    return int(row["n"]) if row else 0


async def own_actions(conn: Conn, subject: str, limit: int = 100) -> list[Row]:
    """The latest audit entries the person is the actor of."""
    cur = await conn.execute(
        "select at, action, target, outcome from audit_log where actor = %s order by id desc limit %s", (subject, limit)
    )
    return await cur.fetchall()
