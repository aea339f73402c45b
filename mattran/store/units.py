"""SQL over the administrative units."""

from __future__ import annotations

from mattran.domain.unit import Unit
from mattran.store.db import Conn, Row

_UNIT_COLUMNS = (
    "u.code, u.name, u.short_name, u.type, u.level, u.parent_code, u.province_code, u.path::text as path,"
    " u.latitude, u.longitude, u.area_km2, u.name_key, p.name as province_name"
)


async def all_units(conn: Conn) -> list[Unit]:
    """Every unit with its province's name (3,356 units)."""
    cur = await conn.execute(
        f"select {_UNIT_COLUMNS} from units u left join units p on p.code = u.province_code order by u.path"
    )
    return [Unit.from_row(r) for r in await cur.fetchall()]


async def all_legacy_units(conn: Conn) -> list[Row]:
    """Every pre-2025 commune with the code of its current unit."""
    cur = await conn.execute(
        "select code, name, type, district_name, district_type, province_name, province_code, new_code, name_key"
        " from legacy_units order by code"
    )
    return await cur.fetchall()


async def similar_communes(
    conn: Conn, name_key: str, province_codes: list[str] | None, limit: int = 5
) -> list[tuple[str, float]]:
    """Communes whose folded name is close to ``name_key`` (pg_trgm), best first."""
    cur = await conn.execute(
        "select code, similarity(name_key, %(q)s) as score from units"
        " where level = 2 and name_key %% %(q)s"
        " and (%(p)s::text[] is null or province_code = any(%(p)s::text[]))"
        " order by score desc, code limit %(n)s",
        {"q": name_key, "p": province_codes, "n": limit},
    )
    return [(r["code"], float(r["score"])) for r in await cur.fetchall()]


async def count_units_by_type(conn: Conn) -> dict[str, int]:
    """Number of units of each type."""
    cur = await conn.execute("select type, count(*) as n from units group by type")
    return {r["type"]: r["n"] for r in await cur.fetchall()}


async def subtree_codes(conn: Conn, code: str) -> list[str]:
    """Codes of a unit and every unit below it (one indexed ltree query)."""
    cur = await conn.execute(
        "select d.code from units d join units u on d.path <@ u.path where u.code = %s order by d.path", (code,)
    )
    return [r["code"] for r in await cur.fetchall()]


async def similar_legacy_communes(
    conn: Conn, name_key: str, province_codes: list[str] | None, limit: int = 5
) -> list[tuple[str, float, str]]:
    """Former communes close to ``name_key``: (current unit code, similarity, former full name)."""
    cur = await conn.execute(
        "select l.new_code, similarity(l.name_key, %(q)s) as score,"
        " concat_ws(', ', l.name, l.district_name, l.province_name) as was"
        " from legacy_units l join units u on u.code = l.new_code"
        " where l.name_key %% %(q)s and (%(p)s::text[] is null or u.province_code = any(%(p)s::text[]))"
        " order by score desc, l.code limit %(n)s",
        {"q": name_key, "p": province_codes, "n": limit},
    )
    return [(r["new_code"], float(r["score"]), r["was"]) for r in await cur.fetchall()]


async def unit_by_code(conn: Conn, code: str) -> Unit | None:
    """One unit with its province's name, or None."""
    cur = await conn.execute(
        f"select {_UNIT_COLUMNS} from units u left join units p on p.code = u.province_code where u.code = %s", (code,)
    )
    row = await cur.fetchone()
    return Unit.from_row(row) if row else None


async def units_by_code(conn: Conn, codes: list[str]) -> dict[str, Unit]:
    """Several units by code (unknown codes are left out)."""
    cur = await conn.execute(
        f"select {_UNIT_COLUMNS} from units u left join units p on p.code = u.province_code where u.code = any(%s)",
        (codes,),
    )
    return {r["code"]: Unit.from_row(r) for r in await cur.fetchall()}


async def child_units(conn: Conn, code: str) -> list[Unit]:
    """The units directly below ``code`` (provinces of the centre, communes of a province), by name."""
    cur = await conn.execute(
        f"select {_UNIT_COLUMNS} from units u left join units p on p.code = u.province_code"
        " where u.parent_code = %s order by u.name_key, u.code",
        (code,),
    )
    return [Unit.from_row(r) for r in await cur.fetchall()]
