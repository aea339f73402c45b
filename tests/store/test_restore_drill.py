"""The restore drill (``scripts/restore_drill.py``) on small data: a primary archiving its WAL, a base backup, rows
written after it, a moment T, damage after T; the drill restores to a new server as of T and finds exactly the rows
of T, with a member's encrypted phone readable by the data dir's keys."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import psycopg
import pytest

from compose.services import build_services
from mattran.auth.principal import Principal
from mattran.bootstrap import prepare_store
from mattran.domain.access import system_principal
from mattran.domain.members import add_member
from mattran.domain.petitions import PetitionIn
from mattran.domain.privacy import personal_data
from mattran.domain.units import UnitResolver, load_resolver
from mattran.scope import Scope
from mattran.settings import Settings
from mattran.store import pitr
from mattran.store.backup import tool
from mattran.store.db import Database
from tests.support.checks import present
from tests.support.paths import ROOT
from tests.support.platform import MODELS_DIR

DRILL = ROOT / "scripts" / "restore_drill.py"


@dataclass
class Primary:
    """A server of the embedded package's binaries archiving its WAL, prepared by ``prepare_store`` as an external
    database."""

    settings: Settings
    owner: str
    archive: Path
    db: Database
    resolver: UnitResolver

    def counts(self) -> dict[str, int]:
        with psycopg.connect(self.owner) as conn:
            return {
                t: present(conn.execute(f"select count(*) from {t}").fetchone())[0] for t in ("petitions", "members")
            }

    async def file(self, title: str) -> None:
        intake = build_services(self.settings, self.db, self.resolver).petitions.intake
        body = PetitionIn(title=title, content=f"{title}: cần xã kiểm tra và xử lý sớm giúp bà con.", unit_code="08611")
        await intake.file(Principal.anonymous(), body, "api")


@pytest.fixture(scope="module")
def primary_server() -> Iterator[tuple[str, Path]]:
    """initdb, archiving on, started on a socket: (owner URL, WAL archive)."""
    root = Path(tempfile.mkdtemp(prefix="mattran-pitr-"))  # under /tmp: the server's user must reach it
    pgdata, archive, sockets = root / "primary", root / "wal", root / "sockets"
    for d in (archive, sockets):
        d.mkdir(mode=0o700)
        pitr.own(d)
    root.chmod(0o755)
    demote, _uid = pitr._as_server_user()
    pgdata.mkdir(mode=0o700)
    pitr.own(pgdata)
    subprocess.run(
        [tool("initdb", True), "-D", str(pgdata), "-U", "postgres", "--auth=trust", "--encoding=UTF8"],
        check=True,
        capture_output=True,
        preexec_fn=demote,
    )
    pitr.configure(pgdata, pitr.archive_settings(archive))
    pitr.start(pgdata, sockets)
    admin = f"host={sockets} dbname=postgres user=postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute("create database mattran encoding 'UTF8' template template0")
    yield f"host={sockets} dbname=mattran user=postgres", archive
    pitr.pg_ctl(pgdata, "-m", "fast", "-w", "stop")
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="module")
async def primary(primary_server: tuple[str, Path], tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Primary]:
    owner, archive = primary_server
    settings = Settings(
        data_dir=tmp_path_factory.mktemp("pitr-data"), database_url=owner, demo_data=False, models_dir=MODELS_DIR
    )
    urls = prepare_store(settings)
    db = Database(urls.app, max_size=2)
    await db.open()
    async with db.transaction(Scope.public()) as conn:
        resolver = await load_resolver(conn)
    yield Primary(settings, owner, archive, db, resolver)
    await db.close()


async def test_a_point_in_time_restore_holds_the_rows_of_that_moment(primary: Primary, tmp_path: Path) -> None:
    await primary.file("Đèn đường thôn Đông hỏng")
    province = system_principal(primary.resolver.units["25"])
    async with primary.db.transaction(province.scope()) as conn:
        await add_member(
            conn,
            province,
            personal_data(primary.settings),
            "08611",
            {"full_name": "Hà Thị Sao Lưu", "birth_year": 1979, "gender": "nu", "phone": "0912345678"},
        )
    base = tmp_path / "base"
    pitr.base_backup(primary.owner, base, embedded=True)
    await primary.file("Cống thoát nước bị tắc")  # after the base backup: only in the archived WAL
    with psycopg.connect(primary.owner, autocommit=True) as conn:
        moment: datetime = present(conn.execute("select clock_timestamp()").fetchone())[0]
    at_moment = primary.counts()
    time.sleep(1.1)
    await primary.file("Phản ánh sau thời điểm khôi phục")  # after T: must not come back
    with psycopg.connect(primary.owner, autocommit=True) as conn:
        conn.execute("delete from members")
        conn.execute("select pg_switch_wal()")  # archive the segment holding T (archive_timeout does it in service)
    deadline = time.monotonic() + 60
    while not _archived_past(primary.owner) and time.monotonic() < deadline:
        time.sleep(0.2)

    expect = [f"{t}={n}" for t, n in at_moment.items()]
    drill = subprocess.run(
        [sys.executable, str(DRILL), "--base", str(base), "--wal", str(primary.archive), "--target-time",
         moment.isoformat(), "--data-dir", str(primary.settings.data_dir), "--expect", *expect],
        capture_output=True, text=True, timeout=600, check=False, cwd=ROOT,
    )  # fmt: skip
    assert drill.returncode == 0, drill.stdout + drill.stderr
    report = json.loads(drill.stdout)
    assert report["counts"]["petitions"] == at_moment["petitions"] == 2
    assert report["counts"]["members"] == at_moment["members"] == 1
    assert report["sample_decrypted"] is True and report["ok"] is True
    assert "0912345678" not in drill.stdout + drill.stderr  # checked, never printed
    assert primary.counts() == {"petitions": 3, "members": 0}  # the primary itself untouched by the drill

    wrong_keys = subprocess.run(
        [sys.executable, str(DRILL), "--base", str(base), "--wal", str(primary.archive), "--target-time",
         moment.isoformat(), "--data-dir", str(tmp_path / "other-keys")],
        capture_output=True, text=True, timeout=600, check=False, cwd=ROOT,
    )  # fmt: skip
    assert wrong_keys.returncode == 1 and json.loads(wrong_keys.stdout)["sample_decrypted"] is False


def _archived_past(owner: str) -> bool:
    with psycopg.connect(owner) as conn:
        row = present(conn.execute("select failed_count, last_archived_wal from pg_stat_archiver").fetchone())
        current = present(conn.execute("select pg_walfile_name(pg_current_wal_lsn())").fetchone())[0]
    return bool(row[1]) and row[1] < current
