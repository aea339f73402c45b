"""Row-level security: the application's own connection cannot read or write another unit's rows.

Every test runs twice: on a direct connection and through PgBouncer in transaction mode (a server connection shared
by successive transactions of different clients); ``MATTRAN_TEST_PGBOUNCER=1`` puts the whole suite behind it.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Mapping, Sequence

import psycopg
import pytest

from mattran.bootstrap import StoreUrls
from mattran.scope import Scope
from mattran.store import library as library_store
from mattran.store import members as members_store
from mattran.store.db import Database
from tests.support.checks import present
from tests.support.pgbouncer import through_pgbouncer
from tests.support.store import open_pool

BA_DINH, HOAN_KIEM, PHU_QUOC = "00004", "00070", "31078"  # two Hà Nội wards, one An Giang special zone
HANOI_PATH, BA_DINH_PATH = "vn.01", "vn.01.00004"


@pytest.fixture(scope="module", params=["direct", "pgbouncer"])
async def db(request: pytest.FixtureRequest, urls: StoreUrls) -> AsyncIterator[Database]:
    """The application role's pool: straight to the server, or through PgBouncer (transaction mode, no prepared
    statements), with more clients than PgBouncer's server connections."""
    if request.param == "pgbouncer" or through_pgbouncer():
        async with open_pool(request.getfixturevalue("pgbouncer_app_url"), max_size=8, prepared=False) as database:
            yield database
    else:
        async with open_pool(urls.app, max_size=4) as database:
            yield database


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


async def _all_refused(
    db: Database, scope: Scope, statements: Sequence[str], params: Mapping[str, object] | None = None
) -> None:
    """Each statement is refused to the application role in ``scope`` (its privileges, not a policy)."""
    for statement in statements:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            async with db.transaction(scope) as conn:
                await conn.execute(statement, params)


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
    escapes = (
        "set role postgres",
        "set session authorization postgres",
        "alter table members disable row level security",
        "drop policy members_in_scope on members",
    )
    await _all_refused(db, Scope.of_unit(BA_DINH_PATH), escapes)


async def test_domain_operations_run_inside_the_scope(db: Database, seeded: dict[str, str]) -> None:
    async with db.transaction(Scope.of_unit(HANOI_PATH)) as conn:
        listed = await members_store.list_members(conn)
    assert {m["full_name"] for m in listed} & set(SEEDED_NAMES) == {seeded[BA_DINH], seeded[HOAN_KIEM]}


async def test_the_scope_never_leaks_between_transactions_sharing_a_connection(
    db: Database, seeded: dict[str, str]
) -> None:
    """Many concurrent transactions in different scopes, each seeing exactly its own (through PgBouncer: 8 clients on
    4 server connections), each statement repeated past psycopg's prepare threshold."""
    scopes = [
        (Scope.of_unit(BA_DINH_PATH), {seeded[BA_DINH]}),
        (Scope.of_unit(HANOI_PATH), {seeded[BA_DINH], seeded[HOAN_KIEM]}),
        (Scope.public(), set()),
        (Scope.everything(), set(SEEDED_NAMES)),
    ]

    async def check(scope: Scope, expected: set[str]) -> None:
        for _ in range(8):
            async with db.transaction(scope) as conn:
                cur = await conn.execute(
                    "select full_name from members where full_name = any(%s)", (list(SEEDED_NAMES),)
                )
                await asyncio.sleep(0)  # let other clients' transactions interleave on the pooler
                assert {r["full_name"] for r in await cur.fetchall()} == expected

    await asyncio.gather(*(check(scope, names) for scope, names in scopes for _ in range(4)))
    async with db.transaction(Scope.public()) as conn:
        cur = await conn.execute(
            "select current_setting('mattran.scope', true) as s, current_setting('TimeZone') as tz"
        )
        row = present(await cur.fetchone())
    assert row == {"s": Scope.public().as_pg_array(), "tz": "Asia/Ho_Chi_Minh"}


async def test_a_cadres_email_is_read_by_the_systems_jobs_only(db: Database, urls: StoreUrls) -> None:
    """The directory of cadres is read within a scope; the e-mail their reminders go to only in the system's scope,
    through the owner's functions (the application role cannot select the column, nor write the table)."""
    subject = f"rls-can-bo-{uuid.uuid4().hex[:8]}"
    with psycopg.connect(urls.owner) as conn:
        conn.execute("select cadre_seen(%s, 'Cán bộ RLS', %s, '{commune_cadre}', %s)", (subject, BA_DINH, b"\x01kin"))
        cadre_id = present(conn.execute("select id from cadres where subject = %s", (subject,)).fetchone())[0]
    reads = (
        "select display_name as v from cadres where subject = %(s)s",
        "select cadre_email(%(id)s) as v",
        "select c as v from cadres_with_email(%(u)s) c where c = %(id)s",
    )
    params = {"s": subject, "id": cadre_id, "u": BA_DINH}

    async def read(scope: Scope) -> list[list[object]]:
        async with db.transaction(scope) as conn:
            return [[r["v"] for r in await (await conn.execute(q, params)).fetchall()] for q in reads]

    try:
        assert await read(Scope.of_unit(BA_DINH_PATH)) == [["Cán bộ RLS"], [None], []]
        assert await read(Scope.of_unit(f"{HANOI_PATH}.{HOAN_KIEM}")) == [[], [None], []]
        assert await read(Scope.everything()) == [["Cán bộ RLS"], [b"\x01kin"], [cadre_id]]
        refused = (
            "select email_enc from cadres where subject = %(s)s",
            "select * from cadres where subject = %(s)s",
            "update cadres set display_name = 'Kẻ lạ' where subject = %(s)s",
            "delete from cadres where subject = %(s)s",
        )
        for scope in (Scope.of_unit(BA_DINH_PATH), Scope.everything()):
            await _all_refused(db, scope, refused, params)
    finally:
        with psycopg.connect(urls.owner) as conn:
            conn.execute("delete from cadres where subject = %s", (subject,))


@pytest.fixture(scope="module")
def library_chunks(urls: StoreUrls) -> dict[str, int]:
    """One chunk holding the term ``rlsmarker`` in each of a public document and documents internal to Ba Đình and
    to Phú Quốc, written by the owner role; their ids by label."""
    ids = {}
    with psycopg.connect(urls.owner) as conn:
        conn.execute("select set_config('mattran.scope', '{vn}', false)")
        for label, access, unit in (
            ("public", "public", None),
            ("ba_dinh", "internal", BA_DINH),
            ("phu_quoc", "internal", PHU_QUOC),
        ):
            document = present(
                conn.execute(
                    "insert into library_documents (title, source, content_hash, access, unit_code, unit_path,"
                    " added_by) values (%s, %s, '-', %s, %s, (select path from units where code = %s), 'test')"
                    " returning id",
                    (label, f"test://rls/{label}", access, unit, unit),
                ).fetchone()
            )[0]
            chunk = conn.execute(
                "insert into library_chunks (document_id, ordinal, heading, anchor, body, access, unit_path, embedding,"
                " terms) select %s, 0, 'Điều 1', 'dieu-1', 'rlsmarker', access, unit_path,"
                " array_fill(0.05, array[384])::vector, to_tsvector('simple', 'rlsmarker ' || %s)"
                " from library_documents where id = %s returning id",
                (document, label, document),
            ).fetchone()
            ids[label] = present(chunk)[0]
    return ids


async def test_library_term_index_is_read_within_the_scope(db: Database, library_chunks: dict[str, int]) -> None:
    """The chunks' terms kept for full-text search (``library_chunk_terms``) follow their chunks' access: a citizen
    never learns that an internal chunk holds a word, a cadre sees those of their own line only."""
    everyone = set(library_chunks)
    for scope, labels in (
        (Scope.public(), {"public"}),
        (Scope.of_unit(BA_DINH_PATH), {"public", "ba_dinh"}),
        (Scope.of_unit(HANOI_PATH), {"public", "ba_dinh"}),
        (Scope.everything(), everyone),
    ):
        async with db.transaction(scope) as conn:
            cur = await conn.execute(
                "select chunk_id from library_chunk_terms where chunk_id = any(%s) or true",
                (list(library_chunks.values()),),
            )
            rows = {r["chunk_id"] for r in await cur.fetchall()}
            found = await library_store.matching_chunks(conn, ["rlsmarker"], [1.0], 10)
        expected = {library_chunks[label] for label in labels}
        assert rows & set(library_chunks.values()) == expected
        assert {i for i, _ in found} == expected
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        async with db.transaction(Scope.of_unit(BA_DINH_PATH)) as conn:
            await conn.execute(
                "insert into library_chunk_terms (chunk_id, access, unit_path, terms)"
                " values (%s, 'internal', %s, '{1}')",
                (library_chunks["phu_quoc"], "vn.01.00070"),
            )


async def test_library_term_statistics_change_only_with_the_chunks(
    db: Database, library_chunks: dict[str, int]
) -> None:
    """The term statistics follow the chunks written (here by the owner role), the application role reads them in any
    scope but cannot write them (only the owner's triggers and recount do)."""
    async with db.transaction(Scope.public()) as conn:
        cur = await conn.execute("select access, df from library_terms where term = 'rlsmarker'")
        assert {r["access"]: r["df"] for r in await cur.fetchall()} == {"public": 1, "internal": len(library_chunks)}
    writes = (
        "insert into library_terms (access, term, df) values ('public', 'rlsmarker', 9)",
        "update library_terms set df = df + 1 where term = 'rlsmarker'",
        "delete from library_terms where term = 'rlsmarker'",
    )
    await _all_refused(db, Scope.everything(), writes)
    # A chunk's terms changed in place (an update: its old row uncounted, its new one counted), then rolled back.
    async with db.transaction(Scope.everything()) as conn:
        await conn.execute(
            "update library_chunk_terms set access = 'internal' where chunk_id = %s", (library_chunks["public"],)
        )
        cur = await conn.execute("select access, df from library_terms where term = 'rlsmarker'")
        assert {r["access"]: r["df"] for r in await cur.fetchall()} == {"internal": len(library_chunks)}
        cur = await conn.execute(
            "with kept as (select access, term, df from library_terms),"
            " counted as (select * from library_term_counts())"
            " select (select count(*) from (select * from kept except all select * from counted) k)"
            " + (select count(*) from (select * from counted except all select * from kept) c) as n"
        )
        assert await cur.fetchone() == {"n": 0}  # as a recount gives
        raise psycopg.Rollback()
