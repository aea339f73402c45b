"""SQL for petitions, their contacts and their append-only history (rows limited by RLS)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from psycopg import sql
from psycopg.types.json import Jsonb

from mattran.domain.petition_status import PetitionAction
from mattran.store.db import Conn, Row

OPEN = "('received', 'accepted', 'in_progress')"  # OPEN_STATUSES, as SQL
_INSERTS: dict[tuple[str, ...], str] = {}  # an intake's statement by its columns (a handful of sets)
ALIKE_WORDING = 0.3  # the pg_trgm similarity from which two petitions' texts count as alike
_COLUMNS = (
    "p.id, p.tracking_code, p.unit_code, p.unit_path::text as unit_path, p.needs_addressing, p.address_text,"
    " p.latitude, p.longitude, p.title, p.content, p.content_public, p.category, p.suggested_category, p.status,"
    " p.submitter is not null and p.kind <> 'to_cao' as signed_in, p.channel, p.assigned_to, p.forwarded_to,"
    " p.forwarded_at, p.reply_due_at, p.reply_received_at, p.reply_document_date,"
    " p.reply_text, p.answer, p.answer_public, p.due_at, p.escalations, p.created_at, p.updated_at,"
    " p.answered_at, p.published_at, p.merged_into, u.name as unit_name,"
    " p.kind, p.title_public, p.reviewed_by, p.reviewed_at"
)


async def next_number(conn: Conn, days_off_from: date, days_off_to: date) -> tuple[int, frozenset[date]]:
    """The next petition number (also its id) and the public holidays from ``days_off_from`` to ``days_off_to``
    (its deadline skips them), in one round trip."""
    cur = await conn.execute(
        "select nextval('petition_number_seq') as n,"
        " array(select day from public_holidays where day between %s and %s) as days_off",
        (days_off_from, days_off_to),
    )
    row = await cur.fetchone()
    assert row is not None
    return int(row["n"]), frozenset(row["days_off"])


async def find_by_idempotency(conn: Conn, key_digest: str) -> Row | None:
    """The petition a create with this (namespaced, hashed) idempotency key made: its number, the digest of the
    request's body and its sealed secret."""
    cur = await conn.execute(
        "select tracking_code, request_digest, receipt_sealed from petition_idempotency where idempotency_digest = %s",
        (key_digest,),
    )
    return await cur.fetchone()


async def insert(
    conn: Conn,
    values: dict[str, Any],
    contact: dict[str, bytes | None],
    attachments: list[dict[str, Any]],
    actor: str | None = None,
) -> None:
    """Insert a new petition (``values`` has at least id, unit_path, submitter, channel), its first event (by
    ``actor``: a pseudonym, never the account itself), its contact details (encrypted: full_name_enc, phone_enc,
    email_enc) and its attachments."""
    # One statement (one round trip) for the petition and its first event, composed once per set of columns.
    columns = tuple(values)
    if (statement := _INSERTS.get(columns)) is None:
        statement = _INSERTS[columns] = (
            sql.SQL(
                "with p as (insert into petitions ({columns}) values ({placeholders}))"
                " insert into petition_events (petition_id, unit_path, actor, action, from_status, to_status, detail)"
                " values (%(id)s, %(unit_path)s::ltree, %(_actor)s, 'received', null, 'received', %(_detail)s)"
            )
            .format(
                columns=sql.SQL(", ").join(map(sql.Identifier, columns)),
                placeholders=sql.SQL(", ").join(map(sql.Placeholder, columns)),
            )
            .as_string(conn)
        )
    await conn.execute(statement, {**values, "_actor": actor, "_detail": Jsonb({"channel": values["channel"]})})
    if any(contact.values()):
        await conn.execute(
            "insert into petition_contacts (petition_id, unit_path, full_name_enc, phone_enc, email_enc)"
            " values (%(id)s, %(unit_path)s::ltree, %(full_name_enc)s, %(phone_enc)s, %(email_enc)s)",
            {"id": values["id"], "unit_path": values.get("unit_path"), **contact},
        )
    for a in attachments:
        await conn.execute(
            "insert into petition_attachments (petition_id, unit_path, filename, content_type, size, sha256, data)"
            " values (%s, %s::ltree, %s, %s, %s, %s, %s)",
            (
                values["id"],
                values.get("unit_path"),
                a["filename"],
                a["content_type"],
                a["size"],
                a["sha256"],
                a["data"],
            ),
        )


async def add_event(
    conn: Conn,
    petition_id: int,
    unit_path: str | None,
    actor: str | None,
    action: PetitionAction,
    from_status: str | None,
    to_status: str | None,
    detail: dict[str, Any],
) -> None:
    """Append one event to a petition's history."""
    await conn.execute(
        "insert into petition_events (petition_id, unit_path, actor, action, from_status, to_status, detail)"
        " values (%s, %s::ltree, %s, %s, %s, %s, %s)",
        (petition_id, unit_path, actor, action, from_status, to_status, Jsonb(detail)),
    )


async def get(conn: Conn, tracking_code: str, for_update: bool = False) -> Row | None:
    """One petition visible in the current scope."""
    lock = " for update of p" if for_update else ""
    cur = await conn.execute(
        f"select {_COLUMNS} from petitions p left join units u on u.code = p.unit_code"
        f" where p.tracking_code = %s{lock}",
        (tracking_code,),
    )
    return await cur.fetchone()


async def update(conn: Conn, petition_id: int, changes: dict[str, Any]) -> None:
    """Apply column changes to a petition (RLS decides whether it may be changed)."""
    sets = sql.SQL(", ").join(
        sql.SQL("{} = {}{}").format(
            sql.Identifier(k), sql.Placeholder(k), sql.SQL("::ltree" if k == "unit_path" else "")
        )
        for k in changes
    )
    await conn.execute(
        sql.SQL("update petitions set {}, updated_at = now() where id = %(id)s").format(sets),
        {**changes, "id": petition_id},
    )
    if "unit_path" in changes:
        for table in ("petition_contacts", "petition_attachments"):
            await conn.execute(
                sql.SQL("update {} set unit_path = %s::ltree where petition_id = %s").format(sql.Identifier(table)),
                (changes["unit_path"], petition_id),
            )


async def _of_petition(conn: Conn, table: str, columns: str, petition_id: int) -> list[Row]:
    """The rows of one of a petition's own tables (``columns``, fixed by the caller), in the order they were added."""
    query = sql.SQL("select {} from {} where petition_id = %s order by id")
    cur = await conn.execute(query.format(sql.SQL(columns), sql.Identifier(table)), (petition_id,))
    return await cur.fetchall()


async def events(conn: Conn, petition_id: int) -> list[Row]:
    """A petition's history, oldest first."""
    return await _of_petition(conn, "petition_events", "at, actor, action, from_status, to_status, detail", petition_id)


async def contact(conn: Conn, petition_id: int) -> Row | None:
    """A petition's contact details, encrypted (cadres within scope only, by RLS)."""
    cur = await conn.execute(
        "select full_name_enc, phone_enc, email_enc from petition_contacts where petition_id = %s", (petition_id,)
    )
    return await cur.fetchone()


async def list_in_scope(
    conn: Conn,
    *,
    status: str | None = None,
    overdue_at: datetime | None = None,
    submitter: str | None = None,
    limit: int = 200,
) -> list[Row]:
    """Petitions visible in the current scope, newest first, optionally filtered."""
    cur = await conn.execute(
        f"select {_COLUMNS} from petitions p left join units u on u.code = p.unit_code"
        " where (%(status)s::text is null or p.status = %(status)s)"
        " and (%(overdue)s::timestamptz is null or (p.due_at < %(overdue)s"
        f"      and p.status in {OPEN}))"
        " and (%(submitter)s::text is null or p.submitter = %(submitter)s)"
        " order by p.created_at desc limit %(limit)s",
        {"status": status, "overdue": overdue_at, "submitter": submitter, "limit": limit},
    )
    return await cur.fetchall()


SORTS = {  # how the cadres' list may be ordered
    "received": "p.created_at desc, p.id desc",
    "received_asc": "p.created_at, p.id",
    "due": "p.due_at nulls last, p.id",
    "due_desc": "p.due_at desc nulls last, p.id desc",
}
_LISTED = (
    " from petitions p left join units u on u.code = p.unit_code"
    " where (%(status)s::text is null or p.status = %(status)s)"
    " and (%(category)s::text is null or p.category = %(category)s)"
    f" and (%(overdue)s::timestamptz is null or (p.due_at < %(overdue)s and p.status in {OPEN}))"
    f" and (%(due_by)s::timestamptz is null"
    f"      or (p.due_at between now() and %(due_by)s and p.status in {OPEN}))"
    f" and (%(assignee)s::text is null or (p.assigned_to = %(assignee)s and p.status in {OPEN}))"
    " and (%(reply_overdue)s::timestamptz is null or (p.reply_due_at < %(reply_overdue)s"
    "      and p.reply_received_at is null and p.forwarded_to is not null))"
    " and (%(under)s::text is null or p.unit_path <@ %(under)s::ltree)"
    " and (%(q)s::text is null"
    "      or library_fold(p.title || ' ' || coalesce(p.content, '')) like '%%' || library_fold(%(q)s) || '%%')"
)


async def search_in_scope(
    conn: Conn,
    *,
    status: str | None = None,
    category: str | None = None,
    overdue_at: datetime | None = None,
    due_by: datetime | None = None,
    assignee: str | None = None,
    reply_overdue_at: datetime | None = None,
    under: str | None = None,
    query: str | None = None,
    sort: str = "received",
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[Row], int]:
    """One page of the petitions visible in the current scope, filtered (``query``: in the title and text, without
    diacritics; ``under``: a unit's path, with the units below it; ``due_by``: open and due from now until then;
    ``assignee``: open and assigned to them; ``reply_overdue_at``: a state body's reply due before it, not received),
    ordered by
    one of ``SORTS``, with how many match in all."""
    params = {
        "status": status,
        "category": category,
        "overdue": overdue_at,
        "due_by": due_by,
        "assignee": assignee,
        "reply_overdue": reply_overdue_at,
        "under": under,
        "q": query,
        "limit": limit,
        "offset": offset,
    }
    cur = await conn.execute(f"select count(*)::int as n{_LISTED}", params)
    counted = await cur.fetchone()
    assert counted is not None
    cur = await conn.execute(
        f"select {_COLUMNS}{_LISTED} order by {SORTS[sort]} limit %(limit)s offset %(offset)s", params
    )
    return await cur.fetchall(), int(counted["n"])


async def overdue_by_unit(conn: Conn, under: str, now: datetime) -> list[Row]:
    """What the list's "quá hạn" filter finds under the unit at ``under`` (the work queue's query), counted per unit
    directly below it (the unit's own petitions under its own name), most first."""
    params = dict.fromkeys(("status", "category", "due_by", "assignee", "reply_overdue", "q")) | {
        "overdue": now,
        "under": under,
    }
    cur = await conn.execute(
        "select t.code, t.name, count(*)::int as overdue"
        f" from (select p.unit_path{_LISTED}) l"
        " join units t on t.path = case when nlevel(l.unit_path) > nlevel(%(under)s::ltree)"
        "  then subpath(l.unit_path, 0, nlevel(%(under)s::ltree) + 1) else l.unit_path end"
        " group by t.code, t.name order by overdue desc, t.name",
        params,
    )
    return await cur.fetchall()


async def public_status(conn: Conn, tracking_code: str) -> Row | None:
    """What anyone may know of a petition (the ``public_petitions`` view: no personal data), with what checks its
    receipt (``receipt_salt``, ``receipt_hash``)."""
    cur = await conn.execute(
        "select v.*, r.receipt_salt, r.receipt_hash from public_petitions v"
        " join petition_receipts r on r.tracking_code = v.tracking_code"
        " where v.tracking_code = %s",
        (tracking_code,),
    )
    return await cur.fetchone()


async def published(
    conn: Conn,
    *,
    province_code: str | None,
    unit_code: str | None,
    category: str | None,
    query: str | None,
    limit: int,
    offset: int,
) -> list[Row]:
    """Published answers, newest first, with filters (diacritics-insensitive text search)."""
    cur = await conn.execute(
        "select * from public_petitions where status = 'published'"
        " and (%(province)s::text is null or province_code = %(province)s)"
        " and (%(unit)s::text is null or unit_code = %(unit)s)"
        " and (%(category)s::text is null or category = %(category)s)"
        " and title is not null"  # reviewed
        " and (%(q)s::text is null"
        "      or unaccent(lower(title || ' ' || content_public || ' ' || coalesce(answer_public, '')))"
        "      like '%%' || unaccent(lower(%(q)s)) || '%%')"
        " order by published_at desc limit %(limit)s offset %(offset)s",
        dict(province=province_code, unit=unit_code, category=category, q=query, limit=limit, offset=offset),
    )
    return await cur.fetchall()


async def overdue_ids(conn: Conn, now: datetime) -> list[Row]:
    """Open petitions past their due date (in the current scope)."""
    cur = await conn.execute(
        "select p.id, p.tracking_code, p.unit_code, p.unit_path::text as unit_path, p.status, p.escalations,"
        " u.parent_code"
        " from petitions p join units u on u.code = p.unit_code"
        f" where p.due_at < %s and p.status in {OPEN} and u.parent_code is not null"
        " order by p.due_at for update of p skip locked",
        (now,),
    )
    return await cur.fetchall()


# Where similar petitions are looked for: columns, the text compared, the candidates, the column that orders them.
_ALIKE_IN = {
    "petitions": (
        "p.id, p.tracking_code, p.status, p.title, p.created_at",
        "p.title || ' ' || p.content",
        "select id, tracking_code, status, title, content, created_at from petitions where unit_code = %(u)s"
        " and id is distinct from %(x)s and merged_into is null and status <> 'declined' and kind <> 'to_cao'",
        "id",
    ),
    "published": (
        "p.tracking_code, p.status, p.title",
        "p.title || ' ' || p.content_public",
        "select tracking_code, status, title, content_public, published_at from public_petitions"
        " where unit_code = %(u)s and title is not null and tracking_code <> %(x)s",
        "published_at",
    ),
}


async def _alike(
    conn: Conn, where: str, unit_code: str, text: str, exclude: object, limit: int, recent: int
) -> list[Row]:
    """Rows among the unit's ``recent`` newest in ``where`` whose text is alike ``text`` (pg_trgm, diacritics- and
    case-insensitive), best first."""
    columns, compared, source, newest = _ALIKE_IN[where]
    cur = await conn.execute(
        f"select {columns}, similarity(library_fold({compared}), library_fold(%(t)s)) as score"
        f" from ({source} order by {newest} desc limit %(recent)s) p"
        f" where similarity(library_fold({compared}), library_fold(%(t)s)) >= %(min)s"
        f" order by score desc, p.{newest} desc limit %(n)s",
        {"u": unit_code, "t": text, "x": exclude, "n": limit, "recent": recent, "min": ALIKE_WORDING},
    )
    return await cur.fetchall()


async def similar(
    conn: Conn, unit_code: str, text: str, exclude_id: int | None, limit: int = 5, recent: int = 100
) -> list[Row]:
    """Petitions among the unit's ``recent`` latest whose text is close to ``text`` (pg_trgm), best first.

    Bounded to recent petitions so that intake stays fast however many a unit has received.
    """
    return await _alike(conn, "petitions", unit_code, text, exclude_id, limit, recent)


async def similar_published(
    conn: Conn, unit_code: str, text: str, exclude_code: str, limit: int = 5, recent: int = 100
) -> list[Row]:
    """Published petitions among the unit's ``recent`` latest whose reviewed public title and text are close to
    ``text`` (pg_trgm), best first: read from ``public_petitions``, what anyone may see."""
    return await _alike(conn, "published", unit_code, text, exclude_code, limit, recent)


async def texts(conn: Conn, ids: Sequence[int], embedder: str) -> dict[int, Row]:
    """The titles and texts of petitions (those within scope, by RLS), by id, with their stored embedding as a
    pgvector literal when ``embedder`` made it (``embedding``; else None)."""
    cur = await conn.execute(
        "select id, title, content, case when embedder = %(e)s then embedding::text end as embedding"
        " from petitions where id = any(%(ids)s)",
        {"ids": list(ids), "e": embedder},
    )
    return {r["id"]: r for r in await cur.fetchall()}


async def published_texts(conn: Conn, codes: Sequence[str]) -> dict[str, Row]:
    """The reviewed public titles and texts of published petitions, by tracking code (what anyone may see)."""
    cur = await conn.execute(
        "select tracking_code, title, content_public from public_petitions"
        " where tracking_code = any(%(c)s) and title is not null and content_public is not null",
        {"c": list(codes)},
    )
    return {r["tracking_code"]: r for r in await cur.fetchall()}


async def unembedded(conn: Conn, limit: int) -> list[Row]:
    """Petitions whose text has no embedding yet, oldest first."""
    cur = await conn.execute(
        "select id, title, content from petitions where embedding is null order by id limit %s", (limit,)
    )
    return await cur.fetchall()


async def set_embeddings(conn: Conn, ids: Sequence[int], vectors: Sequence[str], embedder: str) -> None:
    """Store petitions' text embeddings (pgvector literals) made by ``embedder``."""
    await conn.execute(
        "update petitions p set embedding = v.e::vector, embedder = %s"
        " from unnest(%s::bigint[], %s::text[]) as v(id, e) where p.id = v.id",
        (embedder, list(ids), list(vectors)),
    )


async def embedded_by_another(conn: Conn, embedder: str, limit: int) -> list[Row]:
    """Petitions whose text embedding was made by another embedder (an earlier release's), oldest first."""
    cur = await conn.execute(
        "select id, title, content from petitions where embedding is not null and embedder is distinct from %s"
        " order by id limit %s",
        (embedder, limit),
    )
    return await cur.fetchall()


async def similar_by_meaning(
    conn: Conn,
    unit_code: str,
    vector: str,
    embedder: str,
    exclude_id: int | None,
    min_score: float,
    limit: int = 5,
    recent: int = 200,
    published_only: bool = False,
) -> list[Row]:
    """Petitions among the unit's ``recent`` latest whose embedding, made by ``embedder``, is close to ``vector``
    (cosine), best first; ``published_only``: only those published with a reviewed public version, titled by it."""
    cur = await conn.execute(
        "select p.id, p.tracking_code, p.status, p.title, p.created_at, 1 - (p.embedding <=> %(v)s::vector) as score"
        " from (select id, tracking_code, status, case when %(pub)s then title_public else title end as title,"
        "       created_at, embedding, embedder from petitions"
        "       where unit_code = %(u)s and id is distinct from %(x)s and merged_into is null"
        "       and status <> 'declined' and kind <> 'to_cao'"
        "       and (not %(pub)s or (status = 'published' and reviewed_at is not null))"
        "       order by id desc limit %(recent)s) p"
        " where p.embedding is not null and p.embedder = %(e)s and 1 - (p.embedding <=> %(v)s::vector) >= %(min)s"
        " order by score desc, p.id desc limit %(n)s",
        {
            "u": unit_code,
            "v": vector,
            "e": embedder,
            "x": exclude_id,
            "min": min_score,
            "n": limit,
            "recent": recent,
            "pub": published_only,
        },
    )
    return await cur.fetchall()


async def merged_ids(conn: Conn, petition_id: int) -> list[Row]:
    """Petitions merged into this one."""
    cur = await conn.execute(
        "select id, unit_path::text as unit_path, status from petitions where merged_into = %s for update",
        (petition_id,),
    )
    return await cur.fetchall()


async def attachments(conn: Conn, petition_id: int) -> list[Row]:
    """A petition's attachments (the petitioner's, then a state body's reply document), without their bytes."""
    return await _of_petition(
        conn, "petition_attachments", "id, filename, content_type, size, created_at, of_reply", petition_id
    )


async def add_reply_documents(conn: Conn, petition_id: int, unit_path: str | None, files: list[dict[str, Any]]) -> None:
    """Attach a state body's reply document (checked files) to a petition."""
    for a in files:
        await conn.execute(
            "insert into petition_attachments (petition_id, unit_path, filename, content_type, size, sha256, data,"
            " of_reply) values (%s, %s::ltree, %s, %s, %s, %s, %s, true)",
            (petition_id, unit_path, a["filename"], a["content_type"], a["size"], a["sha256"], a["data"]),
        )


async def attachment(conn: Conn, petition_id: int, attachment_id: int) -> Row | None:
    """One attachment with its bytes (cadres within scope only, by RLS)."""
    cur = await conn.execute(
        "select filename, content_type, data from petition_attachments where petition_id = %s and id = %s",
        (petition_id, attachment_id),
    )
    return await cur.fetchone()


async def counts_by_category(conn: Conn, unit_path: str, now: datetime) -> list[Row]:
    """Petitions of the unit at ``unit_path`` and the units below it (within the current scope), counted by category
    (none chosen: ``khac``), with how many of each are still open and how many of those past their due date."""
    cur = await conn.execute(
        "select coalesce(p.category, 'khac') as category, count(*)::int as n,"
        " count(*) filter (where p.status in ('received', 'accepted', 'in_progress'))::int as open,"
        " count(*) filter (where p.due_at < %(now)s and p.status in ('received', 'accepted', 'in_progress'))::int"
        " as overdue"
        " from petitions p join units u on u.code = p.unit_code"
        " where u.path <@ %(path)s::ltree group by 1 order by 2 desc, 1",
        {"path": unit_path, "now": now},
    )
    return await cur.fetchall()


async def counts_by_status(conn: Conn, unit_path: str, category: str | None, now: datetime) -> list[Row]:
    """Petitions of the unit at ``unit_path`` and the units below it (within the current scope), counted by status,
    with how many of each are past their due date while still open."""
    cur = await conn.execute(
        "select p.status, count(*)::int as n,"
        " count(*) filter (where p.due_at < %(now)s and p.status in ('received', 'accepted', 'in_progress'))::int"
        " as overdue"
        " from petitions p join units u on u.code = p.unit_code"
        " where u.path <@ %(path)s::ltree and (%(category)s::text is null or p.category = %(category)s)"
        " group by p.status",
        {"path": unit_path, "category": category, "now": now},
    )
    return await cur.fetchall()
