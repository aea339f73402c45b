"""The demo data set (deterministic, idempotent, clearly synthetic) and the ``mattran members`` commands."""

from __future__ import annotations

import asyncio
import json
import subprocess
from pathlib import Path

import psycopg
from psycopg.rows import dict_row

from mattran.domain import demo, member_io
from mattran.domain.unit import Unit
from mattran.store import units as units_store
from tests.support.files import table_file
from tests.support.platform import MATTRAN, Platform, cli_env, owner_rows

MARKED = f"%{demo.MARK}"


def stored_unit(platform: Platform, code: str) -> Unit:
    """One unit as the store reads it."""

    async def read() -> Unit | None:
        async with await psycopg.AsyncConnection.connect(platform.owner_uri(), row_factory=dict_row) as conn:
            return await units_store.unit_by_code(conn, code)

    unit = asyncio.run(read())
    assert unit is not None
    return unit


def test_demo_members_are_the_seeded_ones_and_clearly_synthetic(platform: Platform) -> None:
    unit = stored_unit(platform, "08611")
    expected = sorted((d.full_name, d.birth_year, d.position) for d in demo.members_of(unit))
    stored = owner_rows(
        platform,
        "select full_name, birth_year, position from members"
        " where unit_code = '08611' and full_name like %s order by 1, 2, 3",
        MARKED,
    )
    assert [tuple(r) for r in stored] == expected and len(expected) == 9
    protector = platform.protector()
    emails = {
        protector.decrypt("email", r[0])
        for r in owner_rows(platform, "select email_enc from members where full_name like %s", MARKED)
    }
    assert emails and all(e and e.endswith("@example.com") for e in emails)
    assert owner_rows(
        platform,
        "select count(*) from members where full_name like %s and unit_code not in"
        " (select code from units where province_code in ('01', '25', '31', '46') or code = 'TW')",
        MARKED,
    ) == [(0,)]
    assert owner_rows(
        platform,
        "select count(*) from congresses c join units u on u.code = c.unit_code"
        " where u.province_code = '25' and exists (select 1 from congress_history h"
        " where h.congress_id = c.id and h.actor_name like %s)",
        MARKED,
    ) == [(149,)]


def test_loading_the_demo_again_changes_nothing(platform: Platform) -> None:
    counts = (
        "select (select count(*) from members), (select count(*) from congresses),"
        " (select count(*) from congress_history)"
    )
    before = owner_rows(platform, counts)
    assert demo.load(platform.owner_uri(), platform.protector()) is False  # already loaded
    with psycopg.connect(platform.owner_uri()) as conn:
        conn.execute("delete from reference_data where name = 'demo'")
    assert demo.load(platform.owner_uri(), platform.protector()) is True  # forced: finds every row already there
    assert owner_rows(platform, counts) == before


def _members(platform: Platform, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [MATTRAN, "members", *args],
        env=cli_env(platform.data_dir),
        capture_output=True,
        text=True,
        timeout=300,
        cwd=platform.data_dir,
    )


def test_cli_import_reports_rows_and_export_writes_the_scope(platform: Platform, tmp_path: Path) -> None:
    rows = [
        {"Họ và tên": "Nông Văn Dòng Lệnh", "Giới tính": "Nam", "Năm sinh": 1977, "Dân tộc": "Tày", "Đơn vị": ""},
        {"Họ và tên": "Nông Thị Sai", "Giới tính": "Nữ", "Năm sinh": 1850, "Dân tộc": "Tày", "Đơn vị": ""},
    ]
    source = tmp_path / "lang-son.csv"
    source.write_bytes(table_file(rows, "csv"))

    refused = _members(platform, "import", str(source), "--as-unit", "20", "--json")
    assert refused.returncode == 1, refused.stderr
    report = json.loads(refused.stdout)
    assert (report["imported"], report["errors"][0]["row"], report["errors"][0]["field"]) == (0, 3, "Năm sinh")
    assert "Kiểm tra" in refused.stderr  # the progress bar, on stderr

    done = _members(platform, "import", str(source), "--as-unit", "20", "--mode", "skip")
    assert done.returncode == 1 and "Đã nhập 1 / 2 dòng; bỏ qua 1." in done.stdout
    assert "Dòng" in done.stdout and "Năm sinh 1850 không hợp lệ" in done.stdout
    assert owner_rows(platform, "select unit_code from members where full_name = 'Nông Văn Dòng Lệnh'") == [("20",)]

    target = tmp_path / "xuat.xlsx"
    exported = _members(platform, "export", str(target), "--as-unit", "20")
    assert exported.returncode == 0, exported.stderr
    sheet = member_io.read_table(target.read_bytes())
    columns, _ = member_io.map_columns(sheet.headers)
    assert [(c[columns["full_name"]], c[columns["unit_code"]]) for _, c in sheet.rows] == [("Nông Văn Dòng Lệnh", "20")]

    unknown = _members(platform, "import", str(source), "--as-unit", "XYZ")
    assert unknown.returncode == 2 and "Không có đơn vị mã “XYZ”." in unknown.stderr
    outside = _members(platform, "export", str(target), "--as-unit", "20", "--unit", "25")
    assert outside.returncode == 2 and "không có quyền" in outside.stderr
