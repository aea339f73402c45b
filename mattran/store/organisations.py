"""SQL over member organisations (rows limited to the transaction's scope by RLS)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from psycopg import sql

from mattran.store.db import Conn, Row

FIELDS = ("name", "kind", "parent_id", "contact_name", "phone_enc", "email_enc", "address", "status")
_SELECT = (
    "select o.id, o.unit_code, u.name as unit_name, o.name, o.kind, o.parent_id, p.name as parent_name,"
    " p.unit_code as parent_unit_code, o.contact_name, o.phone_enc, o.email_enc, o.address, o.status,"
    " o.created_at, o.updated_at,"
    " (select count(*) from members m where m.organisation_id = o.id and m.ended_on is null) as members,"
    " (with recursive below(id) as (select o.id union all"
    "   select c.id from organisations c join below b on c.parent_id = b.id)"
    "  select count(*) from members m join below b on m.organisation_id = b.id where m.ended_on is null)"
    " as members_rolled_up"
    " from organisations o join units u on u.code = o.unit_code left join organisations p on p.id = o.parent_id"
)


async def list_in(conn: Conn, unit_code: str, *, subtree: bool = False, search: str | None = None) -> list[Row]:
    """A unit's organisations (with those of every unit below it when ``subtree``), by name."""
    where = (
        "o.unit_path <@ (select path from units where code = %(u)s)" if subtree else "o.unit_code = %(u)s"
    ) + " and (%(q)s::text is null or o.name_key like '%%' || fold_name(%(q)s) || '%%')"
    cur = await conn.execute(
        f"{_SELECT} where {where} order by o.unit_path, o.name_key, o.id", {"u": unit_code, "q": search}
    )
    return await cur.fetchall()


async def get(conn: Conn, organisation_id: int, *, for_update: bool = False) -> Row | None:
    """One organisation (None when absent or outside the scope)."""
    if for_update:
        await conn.execute("select id from organisations where id = %s for update", (organisation_id,))
    cur = await conn.execute(f"{_SELECT} where o.id = %s", (organisation_id,))
    return await cur.fetchone()


async def by_name(conn: Conn, unit_code: str, name: str) -> Row | None:
    """The unit's organisation whose name folds like ``name``."""
    cur = await conn.execute(
        "select id, name from organisations where unit_code = %s and name_key = fold_name(%s)", (unit_code, name)
    )
    return await cur.fetchone()


async def add(conn: Conn, unit_code: str, values: Mapping[str, Any]) -> int:
    """Insert one organisation (``values`` by column among :data:`FIELDS`); its id."""
    columns = ["unit_code", *(c for c in FIELDS if c in values)]
    cur = await conn.execute(
        sql.SQL("insert into organisations ({}) values ({}) returning id").format(
            sql.SQL(", ").join(map(sql.Identifier, columns)), sql.SQL(", ").join(sql.Placeholder() * len(columns))
        ),
        [unit_code, *(values[c] for c in columns[1:])],
    )
    row = await cur.fetchone()
    assert row is not None
    return int(row["id"])


async def update(conn: Conn, organisation_id: int, values: Mapping[str, Any]) -> None:
    """Set some of :data:`FIELDS`."""
    columns = [c for c in FIELDS if c in values]
    if not columns:
        return
    await conn.execute(
        sql.SQL("update organisations set {}, updated_at = now() where id = %s").format(
            sql.SQL(", ").join(sql.SQL("{} = %s").format(sql.Identifier(c)) for c in columns)
        ),
        [*(values[c] for c in columns), organisation_id],
    )


async def member_count(conn: Conn, organisation_id: int) -> int:
    """Members (ended ones included) that refer to the organisation."""
    cur = await conn.execute("select count(*) as n from members where organisation_id = %s", (organisation_id,))
    row = await cur.fetchone()
    assert row is not None
    return int(row["n"])


async def delete(conn: Conn, organisation_id: int) -> None:
    """Remove an organisation no member refers to (those below it lose their link upward)."""
    await conn.execute("delete from organisations where id = %s", (organisation_id,))
