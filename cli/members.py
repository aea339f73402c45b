"""``mattran members``: import and export the members database from the command line.

The command acts as a system actor with the role and scope of the unit given by ``--as-unit``; row-level
security limits it exactly like a cadre of that unit.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

import typer
from rich.markup import escape
from rich.table import Table

from cli.console import err, out, progress_bar, say
from mattran.settings import get_settings

members_app = typer.Typer(help="Thành viên Ủy ban MTTQ: nhập, xuất danh sách.", no_args_is_help=True)
_T = TypeVar("_T")
AsUnit = Annotated[str, typer.Option("--as-unit", help="Mã đơn vị mà lệnh thay mặt (phạm vi dữ liệu), ví dụ 08611.")]


def _run(as_unit: str, work: Callable[[Any, Any, Any, Any], Awaitable[_T]]) -> _T:
    """Run ``work(conn, principal, resolver, protector)`` in one transaction with the scope of ``as_unit``."""
    from cli.errors import refusal
    from cli.store import on_store
    from mattran.domain.access import system_principal
    from mattran.domain.errors import DomainError
    from mattran.domain.privacy import personal_data

    settings = get_settings()

    async def run(db: Any, resolver: Any) -> _T:
        unit = resolver.units.get(as_unit.strip().upper())
        if unit is None:
            err.print(f"Không có đơn vị mã “{escape(as_unit)}”.")
            raise typer.Exit(2)
        principal = system_principal(unit)
        try:
            async with db.transaction(principal.scope()) as conn:
                return await work(conn, principal, resolver, personal_data(settings))
        except DomainError as exc:
            raise refusal(exc, 2) from exc

    return on_store(run, pool_size=1)


@members_app.command("import")
def members_import(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True, help="Tệp .xlsx hoặc .csv.")],
    as_unit: AsUnit,
    mode: Annotated[str, typer.Option(help="all: có dòng lỗi thì không nhập dòng nào; skip: bỏ qua dòng lỗi.")] = "all",
    as_json: Annotated[bool, typer.Option("--json", help="In báo cáo dạng JSON.")] = False,
) -> None:
    """Nhập danh sách thành viên từ tệp; báo lỗi theo dòng và cột. Mã thoát 1 khi có dòng lỗi."""
    from cli.errors import refusal
    from mattran.domain import member_io

    if mode not in ("all", "skip"):
        err.print("--mode phải là all hoặc skip.")
        raise typer.Exit(2)
    try:
        sheet = member_io.read_table(file.read_bytes())
    except member_io.UnreadableFile as exc:
        raise refusal(exc, 2) from exc

    with progress_bar() as bar:
        tasks: dict[str, Any] = {}

        def advance(phase: str, done: int, total: int) -> None:
            if phase not in tasks:
                tasks[phase] = bar.add_task(phase, total=total)
            bar.update(tasks[phase], completed=done)

        def work(conn: Any, principal: Any, resolver: Any, protector: Any) -> Awaitable[Any]:
            mode_: Literal["all", "skip"] = "skip" if mode == "skip" else "all"
            return member_io.import_members(conn, principal, resolver, protector, sheet, mode_, advance)

        report = _run(as_unit, work)
    if as_json:
        print(json.dumps(report.model_dump(), ensure_ascii=False, indent=2))
    else:
        out.print(f"Đã nhập {report.imported:,} / {report.total:,} dòng; bỏ qua {report.skipped:,}.".replace(",", "."))
        if report.errors:
            table = Table("Dòng", "Cột", "Lỗi")
            for e in report.errors[:100]:
                table.add_row(str(e.row), escape(e.field), escape(e.message))
            out.print(table)
            if len(report.errors) > 100:
                out.print(f"… và {len(report.errors) - 100} lỗi khác (dùng --json để xem tất cả).")
        for w in report.warnings:
            out.print(f"Lưu ý: {escape(w.message)}")
    if report.errors:
        raise typer.Exit(1)


@members_app.command("export")
def members_export(
    file: Annotated[Path, typer.Argument(dir_okay=False, help="Tệp ghi ra: .xlsx hoặc .csv (theo đuôi tệp).")],
    as_unit: AsUnit = "TW",
    unit: Annotated[str | None, typer.Option(help="Chỉ xuất một đơn vị (và các đơn vị trực thuộc).")] = None,
) -> None:
    """Xuất thành viên trong phạm vi ra tệp (số CCCD chỉ còn 3 số cuối)."""
    from mattran.domain import member_io

    fmt: Literal["csv", "xlsx"] = "csv" if file.suffix.lower() == ".csv" else "xlsx"
    with progress_bar() as bar:
        task = bar.add_task("Xuất danh sách", total=2)

        async def work(conn: Any, principal: Any, _resolver: Any, protector: Any) -> bytes:
            data = await member_io.export_members(conn, principal, protector, unit, fmt)
            bar.update(task, completed=1)
            return data

        data = _run(as_unit, work)
        file.write_bytes(data)
        bar.update(task, completed=2)
    say(f"Đã ghi {file} ({len(data):,} byte).".replace(",", "."))
