"""Time the import of synthetic members (10,000 by default) as `POST /api/members/import` runs it.

    .venv/bin/python scripts/bench_member_import.py [--rows 10000] [--format xlsx|csv|both]

Runs on a fresh embedded store in a temporary directory (no demo data), as a system actor with the whole
country in scope; the unit of every row is free text resolved by the unit resolver. Prints the machine,
the time and rows/s of each phase, and exits with 1 when an import takes 30 s or more.
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

from bench_host import cpu_model, memory_gib

from mattran.bootstrap import prepare_store
from mattran.domain import member_io
from mattran.domain.access import system_principal
from mattran.domain.demo import synthetic_rows
from mattran.domain.privacy import PersonalData, personal_data
from mattran.domain.units import load_resolver
from mattran.scope import Scope
from mattran.settings import Settings
from mattran.store.db import Database
from web.formats import vn_number as vn

LIMIT_S = 30.0
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


async def bench(app_url: str, protector: PersonalData, files: dict[str, bytes]) -> list[tuple[str, int, float, float]]:
    """(format, rows imported, seconds to read the file, seconds to validate and store) for each file."""
    db = Database(app_url, max_size=1)
    await db.open()
    results = []
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
    finally:
        await db.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--format", choices=["xlsx", "csv", "both"], default="both")
    args = parser.parse_args()
    formats = ["xlsx", "csv"] if args.format == "both" else [args.format]
    with tempfile.TemporaryDirectory(prefix="mattran-bench-") as tmp:
        settings = Settings(data_dir=Path(tmp), database_url=None, demo_data=False)
        urls = prepare_store(settings)
        files = {}
        for fmt in formats:
            rows = synthetic_rows(args.rows, UNITS, seed=f"bench-{fmt}")
            table = iter([list(rows[0]), *[list(r.values()) for r in rows]])
            files[fmt] = member_io.to_xlsx(table) if fmt == "xlsx" else member_io.to_csv(table)
        results = asyncio.run(bench(urls.app, personal_data(settings), files))
    print(f"Máy: {machine()}")
    slow = False
    for fmt, imported, read, stored in results:
        total = read + stored
        slow |= total >= LIMIT_S
        print(
            f"{fmt.upper():4} {vn(imported)} dòng: {vn(total, 1)} s ({vn(imported / total)} dòng/s) — đọc tệp"
            f" {vn(read, 1)} s, kiểm tra và ghi {vn(stored, 1)} s"
        )
    sys.exit(1 if slow else 0)


if __name__ == "__main__":
    main()
