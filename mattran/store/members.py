"""SQL over Front committee members (rows limited to the transaction's scope by RLS)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal, LiteralString

from psycopg import sql

from mattran.store.db import Conn, Row

GroupBy = Literal["gender", "ethnicity", "religion", "age", "organisation", "position", "unit", "level"]

MEMBER_COLUMNS = (
    "unit_code",
    "full_name",
    "gender",
    "birth_year",
    "ethnicity",
    "religion",
    "position",
    "organisation",
    "term",
    "phone_enc",
    "email_enc",
    "national_id_hmac",
    "national_id_last3",
    "sector",
    "sector_detail",
    "started_on",
)
_SELECT = (
    "select m.id, m.unit_code, concat_ws(', ', u.name, p.name) as unit_name, m.full_name, m.gender, m.birth_year,"
    " m.ethnicity, m.religion, m.position, m.organisation, m.term, m.phone_enc, m.email_enc, m.national_id_last3,"
    " m.organisation_id, m.sector, m.sector_detail, m.started_on, m.ended_on, m.end_reason, m.end_note"
    " from members m join units u on u.code = m.unit_code"
    " left join units p on p.code = u.parent_code and u.level = 2"
)
# Members on the register: a unit's subtree, ended memberships left out (they stay, with their history).
_IN_UNIT = "(%(u)s::text is null or m.unit_path <@ (select path from units where code = %(u)s)) and m.ended_on is null"
_NAME_LIKE = " and (%(q)s::text is null or unaccent(lower(m.full_name)) like '%%' || unaccent(lower(%(q)s)) || '%%')"
_SECTOR = " and (%(s)s::text is null or m.sector = %(s)s)"
_AGE = "(extract(year from current_date)::int - m.birth_year)"
# Grouping expressions: fixed SQL chosen by name, never built from input.
_GROUPS: dict[str, LiteralString] = {
    "gender": "m.gender",
    "ethnicity": "m.ethnicity",
    "religion": "m.religion",
    "organisation": "m.organisation",
    "position": "m.position",
    "level": "(nlevel(m.unit_path) - 1)::text",
    "age": (
        f"case when m.birth_year is null then null when {_AGE} < 30 then '<30'"
        f" when {_AGE} < 40 then '30–39' when {_AGE} < 50 then '40–49' when {_AGE} < 60 then '50–59'"
        " else '≥60' end"
    ),
    "unit": "c.code",
}


async def list_members(
    conn: Conn,
    unit_code: str | None = None,
    *,
    limit: int | None = None,
    offset: int = 0,
    search: str | None = None,
    sector: str | None = None,
) -> list[Row]:
    """Members visible in the current scope, optionally of one unit and everything below it.

    ``search`` matches the full name without regard to case or diacritics; ``sector`` is a sector kind.
    """
    cur = await conn.execute(
        f"{_SELECT} where {_IN_UNIT}{_NAME_LIKE}{_SECTOR}"
        " order by m.unit_path, m.full_name, m.id limit %(n)s offset %(o)s",
        {"u": unit_code, "q": search, "s": sector, "n": limit, "o": offset},
    )
    return await cur.fetchall()


async def count_in_unit(conn: Conn, unit_code: str | None, search: str | None = None, sector: str | None = None) -> int:
    """How many members :func:`list_members` would list without a limit."""
    return await _count(conn, _NAME_LIKE + _SECTOR, {"u": unit_code, "q": search, "s": sector})


async def add_member(conn: Conn, values: Mapping[str, Any]) -> Row:
    """Insert one member (refused by RLS outside the transaction's scope); ``values`` by column name."""
    columns = [c for c in MEMBER_COLUMNS if c in values]
    cur = await conn.execute(
        sql.SQL("insert into members ({}) values ({}) returning id").format(
            sql.SQL(", ").join(map(sql.Identifier, columns)), sql.SQL(", ").join(sql.Placeholder() * len(columns))
        ),
        [values[c] for c in columns],
    )
    new = await cur.fetchone()
    assert new is not None
    cur = await conn.execute(f"{_SELECT} where m.id = %s", (new["id"],))
    row = await cur.fetchone()
    assert row is not None
    return row


async def insert_members(
    conn: Conn,
    rows: Sequence[Sequence[Any]],
    batch: int = 5000,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Insert many members (tuples in :data:`MEMBER_COLUMNS` order); return the count.

    The rows are copied into a temporary staging table (``COPY`` is not allowed into a table under row-level
    security), then inserted from it in one statement, so every row passes the members' policy and triggers.
    """
    if not rows:
        return 0
    columns = sql.SQL(", ").join(map(sql.Identifier, MEMBER_COLUMNS))
    await conn.execute(
        sql.SQL("create temporary table member_import on commit drop as select {} from members with no data").format(
            columns
        )
    )
    async with conn.cursor() as cur:
        async with cur.copy(sql.SQL("copy member_import ({}) from stdin").format(columns)) as copy:
            for start in range(0, len(rows), batch):
                chunk = rows[start : start + batch]
                for row in chunk:
                    await copy.write_row(row)
                if progress:
                    progress(len(chunk))
        await cur.execute(sql.SQL("insert into members ({0}) select {0} from member_import").format(columns))
        await cur.execute("drop table member_import")
    return len(rows)


async def member_keys(conn: Conn, unit_codes: list[str]) -> list[Row]:
    """Id, unit, full name and birth year of every visible member on the register of these units (duplicates)."""
    cur = await conn.execute(
        "select id, unit_code, full_name, birth_year from members where unit_code = any(%s) and ended_on is null",
        (unit_codes,),
    )
    return await cur.fetchall()


def _filters(filters: Mapping[str, Any]) -> tuple[LiteralString, dict[str, Any]]:
    """SQL conditions for :func:`count_members` (values bound as parameters)."""
    conditions: dict[str, LiteralString] = {
        "gender": "m.gender = %(gender)s",
        "position": "lower(m.position) = lower(%(position)s)",
        "organisation": "lower(m.organisation) = lower(%(organisation)s)",
        "ethnicity": "m.ethnicity = %(ethnicity)s",
        "religion": "lower(m.religion) = lower(%(religion)s)",
        "term": "m.term = %(term)s",
        "sector": "m.sector = %(sector)s",
        "sector_detail": "lower(m.sector_detail) = lower(%(sector_detail)s)",
        "level": "nlevel(m.unit_path) - 1 = %(level)s",
        "min_age": f"{_AGE} >= %(min_age)s",
        "max_age": f"{_AGE} <= %(max_age)s",
    }
    used = {k: v for k, v in filters.items() if v is not None}
    unknown = set(used) - set(conditions)
    if unknown:
        raise ValueError(f"unknown member filters: {sorted(unknown)}")
    return "".join(f" and {conditions[k]}" for k in used), used


async def count_members(conn: Conn, unit_code: str, filters: Mapping[str, Any]) -> int:
    """Members of a unit's subtree matching every filter (see :func:`_filters` for the names)."""
    where, params = _filters(filters)
    return await _count(conn, where, {"u": unit_code, **params})


async def _count(conn: Conn, conditions: LiteralString, params: Mapping[str, Any]) -> int:
    """Members of the subtree of unit ``%(u)s`` matching ``conditions`` (fixed SQL, values bound as parameters)."""
    cur = await conn.execute(f"select count(*) as n from members m where {_IN_UNIT}{conditions}", params)
    row = await cur.fetchone()
    assert row is not None  # an aggregate always returns one row
    return int(row["n"])


async def group_counts(conn: Conn, unit_code: str, by: GroupBy) -> list[Row]:
    """Members of a unit's subtree counted by one dimension: rows ``{key, n}`` (key None when not recorded).

    For ``unit`` the key is the unit directly below ``unit_code`` that holds the member (or ``unit_code``
    itself for its own committee); for ``level`` it is 0 (central), 1 (province) or 2 (commune).
    """
    expression = _GROUPS[by]
    cur = await conn.execute(
        f"select {expression} as key, count(*) as n"
        " from members m cross join (select path from units where code = %(u)s) r"
        " join units c on c.path = subpath(m.unit_path, 0, least(nlevel(m.unit_path), nlevel(r.path) + 1))"
        " where m.unit_path <@ r.path and m.ended_on is null group by 1 order by 2 desc, 1",
        {"u": unit_code},
    )
    return await cur.fetchall()


async def get_member(conn: Conn, member_id: int, *, for_update: bool = False) -> Row | None:
    """One member, ended or not (None when absent or outside the scope); locked when ``for_update``."""
    if for_update:
        await conn.execute("select id from members where id = %s for update", (member_id,))
    cur = await conn.execute(
        f"{_SELECT.replace('m.national_id_last3,', 'm.national_id_last3, m.national_id_hmac,', 1)} where m.id = %s",
        (member_id,),
    )
    return await cur.fetchone()


UPDATABLE = (*MEMBER_COLUMNS[1:], "organisation_id", "unit_code", "ended_on", "end_reason", "end_note")


async def update_member(conn: Conn, member_id: int, values: Mapping[str, Any]) -> None:
    """Set some of :data:`UPDATABLE` (the unit's path and organisation follow by trigger)."""
    columns = [c for c in UPDATABLE if c in values]
    if columns:
        await conn.execute(
            sql.SQL("update members set {} where id = %s").format(
                sql.SQL(", ").join(sql.SQL("{} = %s").format(sql.Identifier(c)) for c in columns)
            ),
            [*(values[c] for c in columns), member_id],
        )


async def delete_member(conn: Conn, member_id: int) -> int:
    """Delete one member (refused by the database unless an administrator's deletion was audited first)."""
    cur = await conn.execute("delete from members where id = %s", (member_id,))
    return cur.rowcount


_MINORITY: LiteralString = "m.ethnicity is not null and m.ethnicity <> 'Kinh'"
_STANDING: LiteralString = "m.position in ('Chủ tịch', 'Phó Chủ tịch', 'Ủy viên Ban Thường trực')"
_BELIEVER: LiteralString = "m.religion is not null and m.religion <> 'Không'"


def _figure_conditions(filters: Mapping[str, Any]) -> tuple[LiteralString, dict[str, Any]]:
    """:func:`_filters` and the group filters: ``minority`` (not Kinh), ``standing`` (the standing committee) and
    ``believer`` (of any religion)."""
    flags = {"minority": _MINORITY, "standing": _STANDING, "believer": _BELIEVER}
    where, params = _filters({k: v for k, v in filters.items() if k not in flags})
    for name, condition in flags.items():
        if filters.get(name):
            where += f" and {condition}"
    return where, params


async def figures_by_unit(
    conn: Conn, unit_code: str, population: Mapping[str, Any], traits: Mapping[str, Any]
) -> list[Row]:
    """Members of a unit's subtree per unit directly below it (``key``; the unit itself for its own committee):
    ``total`` of the ``population`` (e.g. one position), ``n`` of those with the ``traits`` too (e.g. women), and
    ``age_sum``/``aged`` over those ``n`` whose birth year is known (for an average age)."""
    among, among_params = _figure_conditions(population)
    having, having_params = _figure_conditions(traits)
    if set(among_params) & set(having_params):
        raise ValueError("a filter is both a population and a trait")
    matched: LiteralString = f"(true{having})"
    cur = await conn.execute(
        f"select c.code as key, count(*) as total, count(*) filter (where {matched}) as n,"
        f" coalesce(sum({_AGE}) filter (where {matched}), 0) as age_sum,"
        f" count(m.birth_year) filter (where {matched}) as aged"
        " from members m cross join (select path from units where code = %(u)s) r"
        " join units c on c.path = subpath(m.unit_path, 0, least(nlevel(m.unit_path), nlevel(r.path) + 1))"
        f" where m.unit_path <@ r.path and m.ended_on is null{among} group by 1 order by 3 desc, 1",
        {"u": unit_code, **among_params, **having_params},
    )
    return await cur.fetchall()
