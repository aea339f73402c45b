"""SQL over congresses and their append-only history (rows limited to the transaction's scope by RLS)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from psycopg import sql
from psycopg.types.json import Jsonb

from mattran.store.db import Conn, Row

FIELDS = (
    "status",
    "planned_date",
    "held_date",
    "delegates_planned",
    "delegates_attending",
    "committee_size",
    "chair_name",
    "vice_chairs",
    "documents",
    "notes",
)
_SELECT = (
    "select c.id, c.unit_code, u.name as unit_name, u.level, c.term, c.status, c.planned_date, c.held_date,"
    " c.delegates_planned, c.delegates_attending, c.committee_size, c.chair_name, c.vice_chairs, c.documents,"
    " c.notes, c.updated_at from congresses c join units u on u.code = c.unit_code"
)


async def ensure(conn: Conn, unit_code: str, term: str) -> None:
    """Create the unit's congress for ``term`` (not started) unless it exists."""
    await conn.execute(
        "insert into congresses (unit_code, term) values (%s, %s) on conflict (unit_code, term) do nothing",
        (unit_code, term),
    )


async def get(conn: Conn, unit_code: str, term: str, *, for_update: bool = False) -> Row | None:
    """The unit's congress for ``term`` (locked until the transaction ends when ``for_update``)."""
    lock = " for update of c" if for_update else ""
    cur = await conn.execute(f"{_SELECT} where c.unit_code = %s and c.term = %s{lock}", (unit_code, term))
    return await cur.fetchone()


async def update(conn: Conn, congress_id: int, values: Mapping[str, Any]) -> None:
    """Set some of :data:`FIELDS`."""
    columns = [c for c in FIELDS if c in values]
    params = [Jsonb(values[c]) if c == "documents" else values[c] for c in columns]
    await conn.execute(
        sql.SQL("update congresses set {}, updated_at = now() where id = %s").format(
            sql.SQL(", ").join(sql.SQL("{} = %s").format(sql.Identifier(c)) for c in columns)
        ),
        [*params, congress_id],
    )


async def append_history(
    conn: Conn,
    congress_id: int,
    unit_code: str,
    *,
    actor: str | None,
    actor_name: str,
    roles: list[str],
    changes: Mapping[str, Any],
) -> None:
    """Record one change (``changes``: field → [before, after])."""
    await conn.execute(
        "insert into congress_history (congress_id, unit_code, actor, actor_name, roles, changes)"
        " values (%s, %s, %s, %s, %s, %s)",
        (congress_id, unit_code, actor, actor_name, roles, Jsonb(dict(changes))),
    )


async def history(conn: Conn, congress_id: int, limit: int = 200) -> list[Row]:
    """The congress's changes, newest first."""
    cur = await conn.execute(
        "select id, at, actor, actor_name, roles, changes from congress_history"
        " where congress_id = %s order by at desc, id desc limit %s",
        (congress_id, limit),
    )
    return await cur.fetchall()


async def progress_rows(conn: Conn, root_code: str, term: str) -> list[Row]:
    """Every unit of a subtree with its congress for ``term`` (status null where none is recorded)."""
    cur = await conn.execute(
        "select u.code, u.name, u.level, u.province_code, p.name as province_name, c.status, c.planned_date,"
        " c.held_date from units u cross join (select path from units where code = %(u)s) r"
        " left join units p on p.code = u.province_code"
        " left join congresses c on c.unit_code = u.code and c.term = %(t)s"
        " where u.path <@ r.path order by u.level, u.name_key, u.code",
        {"u": root_code, "t": term},
    )
    return await cur.fetchall()


async def terms(conn: Conn, root_code: str) -> list[str]:
    """Terms with at least one congress recorded in a subtree, newest first."""
    subtree = "c.unit_path <@ (select path from units where code = %s)"
    cur = await conn.execute(f"select distinct c.term from congresses c where {subtree} order by 1 desc", (root_code,))
    return [r["term"] for r in await cur.fetchall()]


async def recorded_units(conn: Conn, term: str) -> set[str]:
    """Codes of the visible units with a congress recorded for ``term``."""
    cur = await conn.execute("select unit_code from congresses where term = %s", (term,))
    return {r["unit_code"] for r in await cur.fetchall()}


async def delegate_totals(conn: Conn, root_code: str, term: str) -> list[Row]:
    """Per level of a subtree, for ``term``: delegates summoned and present, committee members elected (sums over
    the congresses that report them), how many congresses report each, and the delegates summoned to those that
    report how many were present."""
    cur = await conn.execute(
        "select u.level, coalesce(sum(c.delegates_planned), 0) as delegates_planned,"
        " count(c.delegates_planned) as planned_reported,"
        " coalesce(sum(c.delegates_attending), 0) as delegates_attending,"
        " count(c.delegates_attending) as attending_reported,"
        " coalesce(sum(c.delegates_planned) filter (where c.delegates_attending is not null), 0)"
        " as planned_of_attending,"
        " coalesce(sum(c.committee_size), 0) as committee_size, count(c.committee_size) as elected_reported"
        " from congresses c join units u on u.code = c.unit_code"
        " where c.term = %(t)s and c.unit_path <@ (select path from units where code = %(u)s)"
        " group by u.level order by u.level",
        {"u": root_code, "t": term},
    )
    return await cur.fetchall()


async def statuses_by_level(conn: Conn, root_code: str, term: str) -> list[Row]:
    """How many units of each level of a subtree are at each status for ``term`` (none recorded: not started)."""
    cur = await conn.execute(
        "select u.level, coalesce(c.status, 'chua_trien_khai') as status, count(*) as n"
        " from units u cross join (select path from units where code = %(u)s) r"
        " left join congresses c on c.unit_code = u.code and c.term = %(t)s"
        " where u.path <@ r.path group by 1, 2 order by 1, 2",
        {"u": root_code, "t": term},
    )
    return await cur.fetchall()


async def month_counts(conn: Conn, root_code: str, term: str, month: int, year: int | None) -> list[Row]:
    """Per level of a subtree, for ``term``: the congresses held in a month (of ``year``, else of any year), those
    planned for it, and those planned for it and not yet held."""
    cur = await conn.execute(
        "select u.level,"
        " count(*) filter (where extract(month from c.held_date) = %(m)s"
        " and (%(y)s::int is null or extract(year from c.held_date) = %(y)s)) as held,"
        " count(*) filter (where extract(month from c.planned_date) = %(m)s"
        " and (%(y)s::int is null or extract(year from c.planned_date) = %(y)s)) as planned,"
        " count(*) filter (where extract(month from c.planned_date) = %(m)s"
        " and (%(y)s::int is null or extract(year from c.planned_date) = %(y)s)"
        " and c.status not in ('da_to_chuc', 'hoan_thanh')) as planned_waiting"
        " from congresses c join units u on u.code = c.unit_code"
        " where c.term = %(t)s and c.unit_path <@ (select path from units where code = %(u)s)"
        " group by u.level order by u.level",
        {"u": root_code, "t": term, "m": month, "y": year},
    )
    return await cur.fetchall()
