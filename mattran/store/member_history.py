"""SQL over the members' append-only history and the units each member has belonged to (scoped by RLS)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from psycopg.types.json import Jsonb

from mattran.store.db import Conn, Row


async def belongs(conn: Conn, member_id: int, unit_code: str) -> None:
    """Record that the member belongs (or belonged) to the unit, once."""
    await conn.execute(
        "insert into member_units (member_id, unit_code) values (%s, %s) on conflict do nothing",
        (member_id, unit_code),
    )


async def append(
    conn: Conn,
    member_id: int,
    unit_code: str,
    *,
    actor: str | None,
    actor_name: str,
    roles: list[str],
    action: str,
    changes: Mapping[str, Any],
    reason: str | None = None,
) -> None:
    """Record one change of a member of ``unit_code`` (``changes``: field → [before, after])."""
    await conn.execute(
        "insert into member_history (member_id, unit_code, actor, actor_name, roles, action, changes, reason)"
        " values (%s, %s, %s, %s, %s, %s, %s, %s)",
        (member_id, unit_code, actor, actor_name, roles, action, Jsonb(dict(changes)), reason),
    )


async def history(conn: Conn, member_id: int, limit: int = 500) -> list[Row]:
    """The member's changes that the scope may read, newest first."""
    cur = await conn.execute(
        "select h.id, h.at, h.actor, h.actor_name, h.roles, h.action, h.changes, h.reason, h.unit_code,"
        " u.name as unit_name from member_history h join units u on u.code = h.unit_code"
        " where h.member_id = %s order by h.at desc, h.id desc limit %s",
        (member_id, limit),
    )
    return await cur.fetchall()


async def possible_duplicates(conn: Conn, unit_code: str, limit: int = 200) -> list[Row]:
    """Pairs of members on the register in different units of a subtree that may be one person: the same
    national ID, or the same name, birth year and organisation; pairs a cadre dismissed are left out."""
    cur = await conn.execute(
        "with m as materialized (select id, unit_code, national_id_hmac, fold_name(full_name) as name_key,"
        "  birth_year, fold_name(organisation) as org_key from members"
        "  where ended_on is null and unit_path <@ (select path from units where code = %(u)s)),"
        " pairs as ("
        "  select a.id as first_id, b.id as second_id, 'national_id' as reason from m a join m b"
        "   on a.national_id_hmac = b.national_id_hmac and a.id < b.id and a.unit_code <> b.unit_code"
        "  union all"
        "  select a.id, b.id, 'name' from m a join m b on a.name_key = b.name_key and a.birth_year = b.birth_year"
        "   and a.org_key = b.org_key and a.id < b.id and a.unit_code <> b.unit_code)"
        " select distinct on (first_id, second_id) first_id, second_id, reason from pairs p"
        " where not exists (select 1 from member_duplicate_reviews r"
        "  where r.first_id = p.first_id and r.second_id = p.second_id)"
        " order by first_id, second_id, reason desc limit %(n)s",
        {"u": unit_code, "n": limit},
    )
    return await cur.fetchall()


async def dismiss_duplicate(conn: Conn, first_id: int, second_id: int, unit_code: str, actor: str | None) -> None:
    """Record that a cadre found two members to be different people."""
    await conn.execute(
        "insert into member_duplicate_reviews (first_id, second_id, unit_code, actor) values (%s, %s, %s, %s)"
        " on conflict do nothing",
        (min(first_id, second_id), max(first_id, second_id), unit_code, actor),
    )
