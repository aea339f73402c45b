"""``mattran backup`` / ``mattran restore`` round trip on a store of their own (subprocesses, as an operator runs them).

What is restored is exactly what was backed up (row counts, a petition and a member, its encrypted phone readable
with the same secret key), and the application role works on it under row-level security.
"""

from __future__ import annotations

import re
import stat
import subprocess
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

from compose.services import build_services
from mattran.auth.principal import Principal
from mattran.bootstrap import StoreUrls, prepare_store
from mattran.domain.access import system_principal
from mattran.domain.members import add_member, list_members
from mattran.domain.petitions import Filed, PetitionIn
from mattran.domain.privacy import personal_data
from mattran.domain.units import UnitResolver, load_resolver
from mattran.scope import Scope
from mattran.settings import Settings
from mattran.store.db import Database
from tests.support.checks import present
from tests.support.platform import MATTRAN, MODELS_DIR, cli_env

COUNTED = ("petitions", "petition_events", "members", "audit_log", "units", "schema_migrations")


@dataclass
class Store:
    """A fresh store of this module, started by the test process (the commands join it)."""

    settings: Settings
    urls: StoreUrls
    db: Database
    resolver: UnitResolver

    def mattran(self, *args: str) -> subprocess.CompletedProcess[str]:
        env = cli_env(self.settings.data_dir, MATTRAN_DEMO_DATA="false")
        return subprocess.run([MATTRAN, *args], env=env, capture_output=True, text=True, timeout=300, check=False)

    def counts(self) -> dict[str, int]:
        with psycopg.connect(self.urls.owner) as conn:
            return {t: present(conn.execute(f"select count(*) from {t}").fetchone())[0] for t in COUNTED}

    async def file(self, title: str, content: str) -> Filed:
        """A guest's petition to Xã Văn Miếu, filed through the API door's intake."""
        intake = build_services(self.settings, self.db, self.resolver).petitions.intake
        return await intake.file(
            Principal.anonymous(), PetitionIn(title=title, content=content, unit_code="08611"), "api"
        )

    async def reopen(self) -> None:
        """A new pool (the restore replaced the database under the old one)."""
        await self.db.close()
        self.db = Database(self.urls.app, max_size=2)
        await self.db.open()


@pytest.fixture(scope="module")
async def store(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Store]:
    settings = Settings(
        data_dir=tmp_path_factory.mktemp("backup-store"), database_url=None, demo_data=False, models_dir=MODELS_DIR
    )
    urls = prepare_store(settings)
    db = Database(urls.app, max_size=2)
    await db.open()
    async with db.transaction(Scope.public()) as conn:
        resolver = await load_resolver(conn)
    found = Store(settings, urls, db, resolver)
    yield found
    await found.db.close()


async def _seed(store: Store) -> tuple[str, str]:
    """A petition to Xã Văn Miếu and a member of it, with a phone (stored encrypted): (petition number, name)."""
    filed = await store.file(
        "Đèn đường thôn Đông hỏng", "Cả dãy đèn đường thôn Đông tắt đã hai tuần, đi lại ban đêm rất nguy hiểm."
    )
    province = system_principal(store.resolver.units["25"])
    async with store.db.transaction(province.scope()) as conn:
        member = await add_member(
            conn,
            province,
            personal_data(store.settings),
            "08611",
            {"full_name": "Hà Thị Sao Lưu", "birth_year": 1979, "gender": "nu", "phone": "0912345678"},
        )
    return filed.tracking_code.rsplit("-", 1)[0], member.full_name  # the receipt's number


async def test_a_backup_restored_gives_back_every_row_and_the_app_role_works(store: Store) -> None:
    code, name = await _seed(store)
    made = store.mattran("backup")
    assert made.returncode == 0, made.stderr
    dump = Path(made.stdout.strip())
    assert dump.parent == store.settings.data_dir / "backups"
    assert re.fullmatch(r"mattran-\d{8}-\d{6}\.dump", dump.name) and dump.read_bytes()[:5] == b"PGDMP"
    assert stat.S_IMODE(dump.stat().st_mode) == 0o600  # personal data inside
    at_backup = store.counts()

    with psycopg.connect(store.urls.owner, autocommit=True) as conn:  # damage after the backup
        conn.execute("delete from members")
        conn.execute("update petitions set title = 'Đã bị sửa' where tracking_code = %s", (code,))
    later = await store.file(
        "Phản ánh sau bản sao lưu", "Phản ánh này gửi sau khi sao lưu nên không có trong bản sao lưu."
    )

    refused = store.mattran("restore", str(dump))
    assert refused.returncode == 1 and "--yes" in refused.stderr and "phản ánh" in refused.stderr
    restored = store.mattran("restore", str(dump), "--yes")
    assert restored.returncode == 0, restored.stderr
    await store.reopen()

    assert store.counts() == at_backup
    with psycopg.connect(store.urls.owner) as conn:
        title = conn.execute("select title from petitions where tracking_code = %s", (code,)).fetchone()
        gone = conn.execute(
            "select 1 from petitions where tracking_code = %s", (later.tracking_code.rsplit("-", 1)[0],)
        ).fetchone()
    assert title == ("Đèn đường thôn Đông hỏng",) and gone is None

    province = system_principal(store.resolver.units["25"])  # the application role, under row-level security
    async with store.db.transaction(province.scope()) as conn:
        members = await list_members(conn, province, personal_data(store.settings))
    assert [(m.full_name, m.unit_code, m.phone) for m in members] == [(name, "08611", "0912345678")]
    async with store.db.transaction(Scope.public()) as conn:
        assert await (await conn.execute("select count(*) as n from members")).fetchone() == {"n": 0}
    again = await store.file("Phản ánh sau khi khôi phục", "Sau khi khôi phục, nền tảng vẫn nhận phản ánh như thường.")
    assert again.tracking_code > code  # the numbering goes on from the backup

    # The library's triggers came back (pg_restore creates them with an empty search_path): a chunk written now gets
    # its terms as lexeme ids and is counted in the term statistics.
    with psycopg.connect(store.urls.owner) as conn:
        conn.execute("select set_config('mattran.scope', '{vn}', false)")
        document = present(
            conn.execute(
                "insert into library_documents (title, source, content_hash, access, added_by)"
                " values ('Sau khôi phục', 'test://khoi-phuc', '-', 'public', 'test') returning id"
            ).fetchone()
        )[0]
        conn.execute(
            "insert into library_chunks (document_id, ordinal, heading, anchor, body, access, embedding, terms)"
            " values (%s, 0, 'Điều 1', 'dieu-1', 'khoiphuc', 'public', array_fill(0.05, array[384])::vector,"
            " to_tsvector('simple', 'khoiphuc'))",
            (document,),
        )
        counted = dict(conn.execute("select access, df from library_terms where term = 'khoiphuc'").fetchall())
    assert counted == {"public": 1, "internal": 1}


async def test_a_damaged_backup_changes_nothing(store: Store, tmp_path: Path) -> None:
    before = store.counts()
    damaged = tmp_path / "hong.dump"
    damaged.write_bytes(b"PGDMP" + b"\x00" * 100)
    r = store.mattran("restore", str(damaged), "--yes")
    assert r.returncode == 1 and "pg_restore thất bại" in r.stderr and "Dữ liệu hiện có được giữ nguyên." in r.stderr
    missing = store.mattran("restore", str(tmp_path / "khong-co.dump"), "--yes")
    assert missing.returncode == 2 and "Không có tệp sao lưu" in missing.stderr
    taken = tmp_path / "da-co.dump"
    taken.write_text("")
    assert store.mattran("backup", str(taken)).returncode == 1
    assert store.counts() == before
