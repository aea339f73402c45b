"""Row-level security: the application's own connection cannot read or write another unit's rows."""

from __future__ import annotations

import psycopg
import pytest

from mattran.bootstrap import StoreUrls
from mattran.scope import Scope
from mattran.store import members as members_store
from mattran.store.db import Database
from tests.support.checks import present

BA_DINH, HOAN_KIEM, PHU_QUOC = "00004", "00070", "31078"  # two Hà Nội wards, one An Giang special zone
HANOI_PATH, BA_DINH_PATH = "vn.01", "vn.01.00004"


@pytest.fixture(scope="module")
def seeded(urls: StoreUrls) -> dict[str, str]:
    """One member in each of three units, written by the owner role (migrations' role, not the app's)."""
    names = dict(zip((BA_DINH, HOAN_KIEM, PHU_QUOC), SEEDED_NAMES, strict=True))
    with psycopg.connect(urls.owner) as conn:
        for code, name in names.items():
            conn.execute("insert into members (unit_code, full_name, gender) values (%s, %s, 'nam')", (code, name))
    return names


async def _visible(db: Database, scope: Scope, query: str = "select full_name from members") -> set[str]:
    """The seeded members a query sees (demo data may hold other members)."""
    async with db.transaction(scope) as conn:
        cur = await conn.execute(query)
        return {r["full_name"] for r in await cur.fetchall()} & set(SEEDED_NAMES)


async def _units_seen(db: Database, scope: Scope) -> set[str]:
    async with db.transaction(scope) as conn:
        cur = await conn.execute("select distinct unit_path::text as p from members")
        return {r["p"] for r in await cur.fetchall()}


SEEDED_NAMES = ("Nguyễn Văn Ba Đình", "Trần Thị Hoàn Kiếm", "Lê Văn Phú Quốc")


async def test_raw_sql_sees_only_the_scope(db: Database, seeded: dict[str, str]) -> None:
    assert await _visible(db, Scope.of_unit(BA_DINH_PATH)) == {seeded[BA_DINH]}
    assert await _visible(db, Scope.of_unit(HANOI_PATH)) == {seeded[BA_DINH], seeded[HOAN_KIEM]}
    assert await _visible(db, Scope.public()) == set()
    assert set(seeded.values()) <= await _visible(db, Scope.everything())
    assert await _units_seen(db, Scope.of_unit(BA_DINH_PATH)) == {BA_DINH_PATH}
    in_hanoi = await _units_seen(db, Scope.of_unit(HANOI_PATH))  # the province's own committee, and its communes
    assert all(p == HANOI_PATH or p.startswith(HANOI_PATH + ".") for p in in_hanoi)
    assert await _units_seen(db, Scope.public()) == set()


async def test_a_buggy_query_without_filters_still_gets_nothing_else(db: Database, seeded: dict[str, str]) -> None:
    sneaky = (
        "select full_name from members where unit_code in ('00070', '31078') or true"
        " union all select full_name from members m join units u on u.code = m.unit_code where u.level = 2"
    )
    assert await _visible(db, Scope.of_unit(BA_DINH_PATH), sneaky) == {seeded[BA_DINH]}


async def test_writes_outside_the_scope_are_refused(db: Database, seeded: dict[str, str]) -> None:
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        async with db.transaction(Scope.of_unit(BA_DINH_PATH)) as conn:
            await conn.execute("insert into members (unit_code, full_name) values (%s, 'Kẻ lạ')", (PHU_QUOC,))
    async with db.transaction(Scope.of_unit(BA_DINH_PATH)) as conn:
        cur = await conn.execute("update members set full_name = 'Đã sửa' where unit_code = %s", (PHU_QUOC,))
        assert cur.rowcount == 0
        cur = await conn.execute("delete from members where unit_code = %s", (HOAN_KIEM,))
        assert cur.rowcount == 0
    assert await _visible(db, Scope.everything()) >= set(seeded.values())


async def test_the_application_role_cannot_escape(db: Database, seeded: dict[str, str]) -> None:
    async with db.transaction(Scope.public()) as conn:
        cur = await conn.execute("select rolsuper, rolbypassrls from pg_roles where rolname = current_user")
        assert await cur.fetchone() == {"rolsuper": False, "rolbypassrls": False}
        cur = await conn.execute("select count(*) as n from pg_tables where tableowner = current_user")
        assert present(await cur.fetchone())["n"] == 0
    for escape in (
        "set role postgres",
        "set session authorization postgres",
        "alter table members disable row level security",
        "drop policy members_in_scope on members",
    ):
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            async with db.transaction(Scope.of_unit(BA_DINH_PATH)) as conn:
                await conn.execute(escape)


async def test_domain_operations_run_inside_the_scope(db: Database, seeded: dict[str, str]) -> None:
    async with db.transaction(Scope.of_unit(HANOI_PATH)) as conn:
        listed = await members_store.list_members(conn)
    assert {m["full_name"] for m in listed} & set(SEEDED_NAMES) == {seeded[BA_DINH], seeded[HOAN_KIEM]}
