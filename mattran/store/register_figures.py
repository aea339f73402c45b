"""SQL counting the Front's register beyond members: member organisations and residential-area work committees of a
unit's subtree, per unit directly below it (rows limited to the transaction's scope by RLS)."""

from __future__ import annotations

from mattran.store.db import Conn, Row

# The unit directly below the one asked about that holds a row (the unit itself for its own rows).
_CHILD = (
    " cross join (select path from units where code = %(u)s) r"
    " join units c on c.path = subpath({t}.unit_path, 0, least(nlevel({t}.unit_path), nlevel(r.path) + 1))"
)


async def organisation_kinds(conn: Conn, unit_code: str) -> list[Row]:
    """The unit's own active organisations counted by ``kind``, largest first."""
    cur = await conn.execute(
        "select kind, count(*) as n from organisations where unit_code = %s and status = 'active'"
        " group by 1 order by 2 desc, 1",
        (unit_code,),
    )
    return await cur.fetchall()


async def organisation_members(conn: Conn, unit_code: str) -> list[Row]:
    """The unit's own active organisations with their members on the register (``members``) and with those of the
    organisations of the same name below it (``rolled_up``), most members first."""
    cur = await conn.execute(
        "with recursive below(root, id) as ("
        "  select o.id, o.id from organisations o where o.unit_code = %s and o.status = 'active'"
        "  union all select b.root, c.id from organisations c join below b on c.parent_id = b.id)"
        " select o.id, o.name, o.kind,"
        " count(m.id) filter (where m.organisation_id = o.id) as members, count(m.id) as rolled_up"
        " from below b join organisations o on o.id = b.root"
        " left join members m on m.organisation_id = b.id and m.ended_on is null"
        " group by o.id, o.name, o.kind order by 4 desc, 5 desc, o.name_key",
        (unit_code,),
    )
    return await cur.fetchall()


async def organisations_by_unit(conn: Conn, unit_code: str) -> list[Row]:
    """Active organisations of a unit's subtree per unit directly below it (``key``; the unit itself for its own):
    ``n`` organisations and ``members`` on the register referring to them."""
    cur = await conn.execute(
        "select c.code as key, count(distinct o.id) as n, count(m.id) as members from organisations o"
        + _CHILD.format(t="o")
        + " left join members m on m.organisation_id = o.id and m.ended_on is null"
        " where o.unit_path <@ r.path and o.status = 'active' group by 1 order by 2 desc, 3 desc, 1",
        {"u": unit_code},
    )
    return await cur.fetchall()


async def work_by_unit(conn: Conn, unit_code: str) -> list[Row]:
    """Work committees of a unit's subtree per unit directly below it (``key``): ``n`` committees, ``without_head``
    (neither a head's name nor a member recorded as head), ``households`` covered (those recorded) and
    ``with_households`` (committees whose households are recorded), ``people`` (heads and members)."""
    cur = await conn.execute(
        "select c.code as key, count(*) as n,"
        " count(*) filter (where w.head_name is null and w.head_member_id is null) as without_head,"
        " coalesce(sum(w.households), 0) as households, count(w.households) as with_households,"
        " coalesce(sum((w.head_name is not null or w.head_member_id is not null)::int"
        " + cardinality(w.member_names)), 0) as people"
        " from work_committees w" + _CHILD.format(t="w") + " where w.unit_path <@ r.path"
        " group by 1 order by 3 desc, 2 desc, 1",
        {"u": unit_code},
    )
    return await cur.fetchall()


async def areas_without_head(conn: Conn, unit_code: str, limit: int) -> list[Row]:
    """The residential areas of a unit's subtree whose work committee has no head, by commune and area."""
    cur = await conn.execute(
        "select w.area, u.name as unit_name from work_committees w join units u on u.code = w.unit_code"
        " where w.unit_path <@ (select path from units where code = %s)"
        " and w.head_name is null and w.head_member_id is null order by w.unit_path, w.area_key limit %s",
        (unit_code, limit),
    )
    return await cur.fetchall()


async def members_named(conn: Conn, unit_code: str, name: str, limit: int) -> list[Row]:
    """Members of a unit's subtree (ended ones included, merged duplicates left out) whose name holds ``name``,
    diacritics ignored: those on the register first."""
    cur = await conn.execute(
        "select m.id, m.full_name, m.position, m.end_reason, u.name as unit_name"
        " from members m join units u on u.code = m.unit_code"
        " where m.unit_path <@ (select path from units where code = %(u)s)"
        " and m.end_reason is distinct from 'duplicate'"
        " and unaccent(lower(m.full_name)) like '%%' || unaccent(lower(%(q)s)) || '%%'"
        " order by m.ended_on is not null, m.full_name, m.id limit %(n)s",
        {"u": unit_code, "q": " ".join(name.split()), "n": limit},
    )
    return await cur.fetchall()


async def rollup_by_unit(conn: Conn, unit_code: str) -> list[Row]:
    """Members on the register of a unit's subtree per unit directly below it (``key``; the unit itself for its own
    committee): ``n`` members, ``women``, ``minority`` (not Kinh, ethnicity recorded), ``young`` (under 40, birth year
    recorded), ``aged`` (birth year recorded) and ``ethnic`` (ethnicity recorded)."""
    cur = await conn.execute(
        "select c.code as key, count(*) as n, count(*) filter (where m.gender = 'nu') as women,"
        " count(*) filter (where m.ethnicity is not null and m.ethnicity <> 'Kinh') as minority,"
        " count(*) filter (where extract(year from current_date)::int - m.birth_year < 40) as young,"
        " count(m.birth_year) as aged, count(m.ethnicity) as ethnic"
        " from members m" + _CHILD.format(t="m") + " where m.unit_path <@ r.path and m.ended_on is null"
        " group by 1 order by 2 desc, 1",
        {"u": unit_code},
    )
    return await cur.fetchall()


async def members_by_organisation(conn: Conn, unit_code: str) -> list[Row]:
    """Members on the register of a unit's subtree by the name of their organisation (organisations of one name at
    every level counted together; ``key`` null for members without one), most first."""
    cur = await conn.execute(
        "select o.name_key, min(o.name) as key, count(*) as n from members m"
        " left join organisations o on o.id = m.organisation_id"
        " where m.unit_path <@ (select path from units where code = %s) and m.ended_on is null"
        " group by 1 order by 3 desc, 2",
        (unit_code,),
    )
    return await cur.fetchall()
