"""The administrative map as loaded into the store."""

from __future__ import annotations

import psycopg

from mattran.bootstrap import StoreUrls, prepare_store
from mattran.scope import Scope
from mattran.settings import Settings
from mattran.store import units as units_store
from mattran.store.db import Database
from tests.support.checks import present


async def test_counts_match_the_july_2025_map(db: Database) -> None:
    async with db.transaction(Scope.public()) as conn:
        counts = await units_store.count_units_by_type(conn)
    assert counts["trung_uong"] == 1
    assert counts["tinh"] + counts["thanh_pho"] == 34
    assert counts["thanh_pho"] == 6
    assert (counts["xa"], counts["phuong"], counts["dac_khu"]) == (2621, 687, 13)
    assert counts["xa"] + counts["phuong"] + counts["dac_khu"] == 3321


async def test_subtree_is_one_indexed_query(db: Database, urls: StoreUrls) -> None:
    async with db.transaction(Scope.public()) as conn:
        hanoi = await units_store.subtree_codes(conn, "01")
        everything = await units_store.subtree_codes(conn, "TW")
        commune = await units_store.subtree_codes(conn, "00004")
    assert hanoi[0] == "01" and "00004" in hanoi and "26732" not in hanoi
    assert len(everything) == 1 + 34 + 3321
    assert commune == ["00004"]
    with psycopg.connect(urls.owner) as conn:
        plan = "\n".join(
            r[0]
            for r in conn.execute(
                "explain select d.code from units d join units u on d.path <@ u.path where u.code = '01'"
            )
        )
    assert "units_path_gist" in plan


async def test_legacy_communes_point_to_current_units(db: Database, urls: StoreUrls) -> None:
    with psycopg.connect(urls.owner) as conn:
        n, orphans = present(
            conn.execute(
                "select count(*), count(*) filter (where u.code is null)"
                " from legacy_units l left join units u on u.code = l.new_code and u.level = 2"
            ).fetchone()
        )
        ben_nghe = conn.execute(
            "select new_code from legacy_units where name = 'Phường Bến Nghé' and district_name = 'Quận 1'"
        ).fetchone()
    assert n > 10_000 and orphans == 0
    assert ben_nghe == ("26740",)  # today's Phường Sài Gòn


def test_reference_data_is_loaded_once(settings: Settings, urls: StoreUrls) -> None:
    with psycopg.connect(urls.owner) as conn:
        before = conn.execute("select loaded_at from reference_data where name = 'units'").fetchone()
    again = prepare_store(settings)
    with psycopg.connect(again.owner) as conn:
        after = conn.execute("select loaded_at from reference_data where name = 'units'").fetchone()
        migrations = conn.execute("select count(*) from schema_migrations").fetchone()
    assert before == after
    assert migrations is not None and migrations[0] >= 2
