"""SQL over a unit's committee by term (its members' positions) and the residential-area work committees (RLS)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from psycopg import sql

from mattran.store.db import Conn, Row

WORK_FIELDS = ("area", "head_name", "head_member_id", "member_names", "households")
_WORK_SELECT = (
    "select w.id, w.unit_code, u.name as unit_name, w.area, w.head_name, w.head_member_id, w.member_names,"
    " w.households, w.synthetic, w.updated_at, m.full_name as head_member_name"
    " from work_committees w join units u on u.code = w.unit_code left join members m on m.id = w.head_member_id"
)


async def terms(conn: Conn, unit_code: str) -> list[str]:
    """The terms the unit's members are recorded for, newest first."""
    cur = await conn.execute(
        "select distinct term from members where unit_code = %s and term is not null order by 1 desc", (unit_code,)
    )
    return [r["term"] for r in await cur.fetchall()]


async def seats(conn: Conn, unit_code: str, term: str) -> list[Row]:
    """The unit's members for ``term`` (those ended included, merged duplicates left out)."""
    cur = await conn.execute(
        "select id as member_id, full_name, position, organisation, sector, sector_detail, started_on, ended_on,"
        " end_reason from members"
        " where unit_code = %s and term = %s and end_reason is distinct from 'duplicate'",
        (unit_code, term),
    )
    return await cur.fetchall()


async def list_work(conn: Conn, unit_code: str, search: str | None = None) -> list[Row]:
    """The work committees of a unit's subtree, by commune and area."""
    cur = await conn.execute(
        f"{_WORK_SELECT} where w.unit_path <@ (select path from units where code = %(u)s)"
        " and (%(q)s::text is null or w.area_key like '%%' || fold_name(%(q)s) || '%%')"
        " order by w.unit_path, w.area_key, w.id",
        {"u": unit_code, "q": search},
    )
    return await cur.fetchall()


async def get_work(conn: Conn, committee_id: int) -> Row | None:
    """One work committee (None when absent or outside the scope)."""
    cur = await conn.execute(f"{_WORK_SELECT} where w.id = %s", (committee_id,))
    return await cur.fetchone()


async def work_by_area(conn: Conn, unit_code: str, area: str) -> Row | None:
    """The commune's work committee whose area folds like ``area``."""
    cur = await conn.execute(
        "select id from work_committees where unit_code = %s and area_key = fold_name(%s)", (unit_code, area)
    )
    return await cur.fetchone()


async def add_work(conn: Conn, unit_code: str, values: Mapping[str, Any], *, synthetic: bool = False) -> int:
    """Insert a work committee (``values`` among :data:`WORK_FIELDS`); its id."""
    columns = [c for c in WORK_FIELDS if c in values]
    cur = await conn.execute(
        sql.SQL("insert into work_committees (unit_code, synthetic, {}) values (%s, %s, {}) returning id").format(
            sql.SQL(", ").join(map(sql.Identifier, columns)), sql.SQL(", ").join(sql.Placeholder() * len(columns))
        ),
        [unit_code, synthetic, *(values[c] for c in columns)],
    )
    row = await cur.fetchone()
    assert row is not None
    return int(row["id"])


async def update_work(conn: Conn, committee_id: int, values: Mapping[str, Any]) -> None:
    """Set some of :data:`WORK_FIELDS`."""
    columns = [c for c in WORK_FIELDS if c in values]
    if columns:
        await conn.execute(
            sql.SQL("update work_committees set {}, updated_at = now() where id = %s").format(
                sql.SQL(", ").join(sql.SQL("{} = %s").format(sql.Identifier(c)) for c in columns)
            ),
            [*(values[c] for c in columns), committee_id],
        )


async def member_unit(conn: Conn, member_id: int) -> str | None:
    """The unit of a visible member on the register."""
    cur = await conn.execute("select unit_code from members where id = %s and ended_on is null", (member_id,))
    row = await cur.fetchone()
    return row["unit_code"] if row else None


async def insert_synthetic_work(conn: Conn, unit_code: str, committees: list[dict[str, Any]]) -> None:
    """Demo work committees of a commune, marked synthetic (those already there, by area, left alone)."""
    async with conn.cursor() as cur:
        await cur.executemany(
            "insert into work_committees (unit_code, area, head_name, member_names, households, synthetic)"
            " values (%s, %s, %s, %s, %s, true) on conflict (unit_code, area_key) do nothing",
            [(unit_code, c["area"], c["head_name"], c["member_names"], c["households"]) for c in committees],
        )


async def term_record(conn: Conn, unit_code: str, term: str) -> Row | None:
    """A term's dates and the congress that opened it (None when nothing is recorded)."""
    cur = await conn.execute(
        "select t.term, t.started_on, t.ended_on, t.congress_id, c.held_date as congress_held_on"
        " from committee_terms t left join congresses c on c.id = t.congress_id"
        " where t.unit_code = %s and t.term = %s",
        (unit_code, term),
    )
    return await cur.fetchone()


async def record_terms(conn: Conn, unit_code: str, previous: str, term: str, day: date, congress_id: int) -> None:
    """The new term opened on ``day`` by its congress, the previous term closed on that day."""
    await conn.execute(
        "insert into committee_terms (unit_code, term, started_on, congress_id) values (%s, %s, %s, %s)"
        " on conflict (unit_code, term) do update set started_on = excluded.started_on,"
        " congress_id = excluded.congress_id, updated_at = now()",
        (unit_code, term, day, congress_id),
    )
    await conn.execute(
        "insert into committee_terms (unit_code, term, ended_on) values (%s, %s, %s)"
        " on conflict (unit_code, term) do update set ended_on = excluded.ended_on, updated_at = now()",
        (unit_code, previous, day),
    )


async def recorded_terms(conn: Conn, unit_code: str) -> list[str]:
    """The terms whose dates are recorded for the unit."""
    cur = await conn.execute("select term from committee_terms where unit_code = %s", (unit_code,))
    return [r["term"] for r in await cur.fetchall()]
