"""Time the import of synthetic members (100,000 by default, with their organisations and sectors) as
`POST /api/members/import` runs it, then check that their export gives the imported rows back unchanged.

    .venv/bin/python scripts/bench_member_import.py [--rows 100000] [--format xlsx|csv|both]

Runs on a fresh embedded store in a temporary directory (no demo data), as a system actor with the whole
country in scope; the unit of every row is free text resolved by the unit resolver. Prints the machine and its
load, the time and rows/s of each phase, and exits with 1 when an import takes 60 s or more or a row does not come
back unchanged from the export.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench_host import cpu_model, memory_gib

from mattran.bootstrap import prepare_store
from mattran.domain import member_io
from mattran.domain.access import system_principal
from mattran.domain.demo import synthetic_rows
from mattran.domain.members import parse_day
from mattran.domain.privacy import PersonalData, personal_data
from mattran.domain.units import load_resolver
from mattran.scope import Scope
from mattran.settings import Settings
from mattran.store.db import Database
from web.formats import vn_number as vn

LIMIT_S = 60.0
# the columns compared after the round trip (the national ID comes back masked: its last three digits)
COMPARED = (
    "gender",
    "birth_year",
    "ethnicity",
    "religion",
    "position",
    "organisation",
    "sector",
    "term",
    "started_on",
    "phone",
    "email",
)
UNITS = [
    "Xã Văn Miếu, tỉnh Phú Thọ",
    "Phường Việt Trì, Phú Thọ",
    "P. Ba Đình, HN",
    "phuong hoan kiem ha noi",
    "Xã Tân Lập, Thanh Sơn, Phú Thọ",
    "đặc khu Phú Quốc",
    "Phường Sài Gòn, TP.HCM",
    "Xã Đà Bắc, Phú Thọ",
]


def machine() -> str:
    """CPU, cores, memory and Python of this machine."""
    return (
        f"{cpu_model()}, {os.cpu_count()} lõi, {memory_gib():.0f} GiB RAM, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}"
    )


def _normal(key: str, value: Any) -> Any:
    """A cell as compared: dates as dates, numbers as text, blanks as None."""
    if value is None or value == "":
        return None
    if key == "started_on":
        return parse_day(value)
    return str(value)


def changed_rows(source: list[dict[str, Any]], exported: bytes) -> list[str]:
    """The names of the source rows that the export does not give back unchanged (rows found by name and year)."""
    sheet = member_io.read_table(exported)
    columns, _ = member_io.map_columns(sheet.headers)
    back = {
        (cells[columns["full_name"]], str(cells[columns["birth_year"]])): {
            k: member_io.clean_cell(cells[i]) if i < len(cells) else None for k, i in columns.items()
        }
        for _, cells in sheet.rows
    }
    keys = {k: member_io.HEADERS[k][0] for k in COMPARED}
    changed = []
    for row in source:
        got = back.get((row["Họ và tên"], str(row["Năm sinh"])))
        same = got is not None and all(_normal(k, got[k]) == _normal(k, row[h]) for k, h in keys.items())
        if not same or str(got["national_id"])[-3:] != row["Số CCCD"][-3:]:
            changed.append(row["Họ và tên"])
    return changed


async def bench(
    app_url: str, protector: PersonalData, files: dict[str, bytes]
) -> tuple[list[tuple[str, int, float, float]], bytes]:
    """(format, rows imported, seconds to read the file, seconds to validate and store) for each file, and the
    export of everything imported (CSV)."""
    db = Database(app_url, max_size=1)
    await db.open()
    results: list[tuple[str, int, float, float]] = []
    try:
        async with db.transaction(Scope.public()) as conn:
            resolver = await load_resolver(conn)
        principal = system_principal(resolver.units["TW"], name="Đo hiệu năng")
        for fmt, data in files.items():
            started = time.perf_counter()
            sheet = member_io.read_table(data)
            read = time.perf_counter() - started
            async with db.transaction(principal.scope()) as conn:
                report = await member_io.import_members(conn, principal, resolver, protector, sheet, "all")
            if report.errors:
                raise SystemExit(f"{fmt}: {len(report.errors)} lỗi, ví dụ {report.errors[0]}")
            results.append((fmt, report.imported, read, time.perf_counter() - started - read))
        async with db.transaction(principal.scope()) as conn:
            exported = await member_io.export_members(conn, principal, protector, None, "csv")
    finally:
        await db.close()
    return results, exported


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--format", choices=["xlsx", "csv", "both"], default="both")
    args = parser.parse_args()
    formats = ["xlsx", "csv"] if args.format == "both" else [args.format]
    with tempfile.TemporaryDirectory(prefix="mattran-bench-") as tmp:
        settings = Settings(data_dir=Path(tmp), database_url=None, demo_data=False)
        urls = prepare_store(settings)
        files, sources = {}, []
        for fmt in formats:
            rows = synthetic_rows(args.rows, UNITS, seed=f"bench-{fmt}")
            for row in rows:  # the two files hold different people, so the second import never meets the first's
                row["Họ và tên"] = f"{row['Họ và tên']} {fmt.upper()}"
            sources.extend(rows)
            table = iter([list(rows[0]), *[list(r.values()) for r in rows]])
            files[fmt] = member_io.to_xlsx(table) if fmt == "xlsx" else member_io.to_csv(table)
        load = os.getloadavg()
        results, exported = asyncio.run(bench(urls.app, personal_data(settings), files))
    print(f"Máy: {machine()}")
    print(
        f"Tải (load average 1/5/15 phút) lúc bắt đầu: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f};"
        f" lúc kết thúc: {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    slow = False
    for fmt, imported, read, stored in results:
        total = read + stored
        slow |= total >= LIMIT_S
        print(
            f"{fmt.upper():4} {vn(imported)} dòng: {vn(total, 1)} s ({vn(imported / total)} dòng/s) — đọc tệp"
            f" {vn(read, 1)} s, kiểm tra và ghi {vn(stored, 1)} s"
        )
    changed = changed_rows(sources, exported)
    print(
        f"Xuất lại rồi so: {vn(len(sources) - len(changed))}/{vn(len(sources))} dòng giữ nguyên"
        + (f"; khác, ví dụ: {changed[0]}" if changed else "")
    )
    sys.exit(1 if slow or changed else 0)


if __name__ == "__main__":
    main()
