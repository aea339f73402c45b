"""``mattran members``: the members database from the command line (import, export, edit, end, move, history, orgs,
the congress that opens a term).

The command acts as a system actor with the role and scope of the unit given by ``--as-unit``; row-level
security limits it exactly like a cadre of that unit.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal, TypeVar

import typer
from rich.markup import escape
from rich.table import Table

from cli.console import err, out, progress_bar, say
from mattran.settings import get_settings

if TYPE_CHECKING:
    from mattran.domain.member_io import Sheet

members_app = typer.Typer(
    help="Thành viên Ủy ban MTTQ: nhập, xuất, sửa, thôi tham gia, chuyển đơn vị, lịch sử; tổ chức thành viên.",
    no_args_is_help=True,
)
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


def _import_mode(mode: str) -> Literal["all", "skip"]:
    """``--mode`` of an import, refused (exit 2) unless ``all`` or ``skip``."""
    if mode not in ("all", "skip"):
        err.print("--mode phải là all hoặc skip.")
        raise typer.Exit(2)
    return "skip" if mode == "skip" else "all"


def _read_sheet(file: Path) -> Sheet:
    """The spreadsheet's table (CSV or XLSX), refused with its reason (exit 2) when it cannot be read."""
    from cli.errors import refusal
    from mattran.domain import member_io

    try:
        return member_io.read_table(file.read_bytes())
    except member_io.UnreadableFile as exc:
        raise refusal(exc, 2) from exc


def _print_problems(report: Any) -> None:
    """An import's row errors (the first 100) and its warnings."""
    if report.errors:
        table = Table("Dòng", "Cột", "Lỗi")
        for e in report.errors[:100]:
            table.add_row(str(e.row), escape(e.field), escape(e.message))
        out.print(table)
        if len(report.errors) > 100:
            out.print(f"… và {len(report.errors) - 100} lỗi khác (dùng --json để xem tất cả).")
    for w in report.warnings:
        out.print(f"Lưu ý: {escape(w.message)}")


@members_app.command("import")
def members_import(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True, help="Tệp .xlsx hoặc .csv.")],
    as_unit: AsUnit,
    mode: Annotated[str, typer.Option(help="all: có dòng lỗi thì không nhập dòng nào; skip: bỏ qua dòng lỗi.")] = "all",
    as_json: Annotated[bool, typer.Option("--json", help="In báo cáo dạng JSON.")] = False,
) -> None:
    """Nhập danh sách thành viên từ tệp; báo lỗi theo dòng và cột. Mã thoát 1 khi có dòng lỗi."""
    from mattran.domain import member_io

    mode_ = _import_mode(mode)
    sheet = _read_sheet(file)

    with progress_bar() as bar:
        tasks: dict[str, Any] = {}

        def advance(phase: str, done: int, total: int) -> None:
            if phase not in tasks:
                tasks[phase] = bar.add_task(phase, total=total)
            bar.update(tasks[phase], completed=done)

        def work(conn: Any, principal: Any, resolver: Any, protector: Any) -> Awaitable[Any]:
            return member_io.import_members(conn, principal, resolver, protector, sheet, mode_, advance)

        report = _run(as_unit, work)
    if as_json:
        print(json.dumps(report.model_dump(), ensure_ascii=False, indent=2))
    else:
        out.print(f"Đã nhập {report.imported:,} / {report.total:,} dòng; bỏ qua {report.skipped:,}.".replace(",", "."))
        _print_problems(report)
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


def _print_json(value: Any) -> None:
    print(json.dumps(value, ensure_ascii=False, indent=2, default=str))


def _fields(pairs: list[str]) -> dict[str, str | None]:
    """``field=value`` pairs (an empty value clears the field)."""
    values: dict[str, str | None] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep:
            err.print(f"“{escape(pair)}” phải có dạng trường=giá trị, ví dụ position=Phó Chủ tịch.")
            raise typer.Exit(2)
        values[name.strip()] = value.strip() or None
    return values


@members_app.command("edit")
def members_edit(
    member_id: Annotated[int, typer.Argument(help="Mã thành viên.")],
    pairs: Annotated[list[str], typer.Argument(help="trường=giá trị, ví dụ position=Phó Chủ tịch (trống: xóa).")],
    as_unit: AsUnit,
) -> None:
    """Sửa thông tin một thành viên; in thành viên sau khi sửa (JSON). Mỗi lần sửa ghi một dòng lịch sử."""
    from pydantic import ValidationError

    from mattran.domain.member_changes import MemberChange, update_member

    try:
        change = MemberChange(**_fields(pairs))
    except ValidationError as exc:
        err.print(f"Trường không hợp lệ: {', '.join(str(e['loc'][0]) for e in exc.errors())}.")
        raise typer.Exit(2) from None
    member = _run(as_unit, lambda conn, who, _r, prot: update_member(conn, who, prot, member_id, change))
    _print_json(member.model_dump())


@members_app.command("end")
def members_end(
    member_id: Annotated[int, typer.Argument(help="Mã thành viên.")],
    as_unit: AsUnit,
    reason: Annotated[str, typer.Option(help="left, moved, deceased, term_ended, duplicate.")],
    on: Annotated[str, typer.Option("--date", help="Ngày thôi tham gia, dạng 2026-01-31.")],
    note: Annotated[str | None, typer.Option(help="Ghi chú.")] = None,
) -> None:
    """Ghi thôi tham gia (thành viên vẫn được lưu, cùng lịch sử)."""
    from pydantic import ValidationError

    from mattran.domain.member_changes import MembershipEnd, end_membership

    try:
        end = MembershipEnd.model_validate({"reason": reason, "date": on, "note": note})
    except ValidationError as exc:
        err.print(f"Giá trị không hợp lệ: {', '.join(str(e['loc'][0]) for e in exc.errors())}.")
        raise typer.Exit(2) from None
    member = _run(as_unit, lambda conn, who, _r, prot: end_membership(conn, who, prot, member_id, end))
    _print_json(member.model_dump())


@members_app.command("move")
def members_move(
    member_id: Annotated[int, typer.Argument(help="Mã thành viên.")],
    as_unit: AsUnit,
    to: Annotated[str, typer.Option("--to", help="Mã đơn vị chuyển đến (trong phạm vi).")],
    on: Annotated[str, typer.Option("--date", help="Ngày chuyển, dạng 2026-01-31.")],
) -> None:
    """Chuyển thành viên sang đơn vị khác trong phạm vi."""
    from pydantic import ValidationError

    from mattran.domain.member_changes import MemberMove, move_member

    try:
        move = MemberMove.model_validate({"unit_code": to.strip().upper(), "date": on})
    except ValidationError as exc:
        err.print(f"Giá trị không hợp lệ: {', '.join(str(e['loc'][0]) for e in exc.errors())}.")
        raise typer.Exit(2) from None
    member = _run(as_unit, lambda conn, who, _r, prot: move_member(conn, who, prot, member_id, move))
    _print_json(member.model_dump())


@members_app.command("congress")
def members_congress(
    unit_code: Annotated[str, typer.Argument(help="Mã đơn vị của đại hội.")],
    as_unit: AsUnit,
    term: Annotated[str, typer.Option(help="Nhiệm kỳ, ví dụ 2029–2034.")],
    status: Annotated[str | None, typer.Option(help="chua_trien_khai, dang_chuan_bi, da_to_chuc, hoan_thanh.")] = None,
    held_date: Annotated[str | None, typer.Option("--held-date", help="Ngày tổ chức, dạng 2029-06-15.")] = None,
    chair: Annotated[str | None, typer.Option(help="Chủ tịch được bầu (họ tên).")] = None,
    vice_chairs: Annotated[list[str] | None, typer.Option("--vice-chair", help="Phó Chủ tịch được bầu.")] = None,
    re_elected: Annotated[list[int] | None, typer.Option("--re-elected", help="Mã ủy viên tái cử.")] = None,
) -> None:
    """Cập nhật đại hội của đơn vị; ghi đã tổ chức thì mở nhiệm kỳ mới (ủy viên tái cử chuyển sang, những người
    còn lại hết nhiệm kỳ). In đại hội sau khi cập nhật (JSON)."""
    from pydantic import ValidationError

    from mattran.domain.congress import CongressChange, update_congress

    given = {
        "term": term,
        "status": status,
        "held_date": held_date,
        "chair_name": chair,
        "vice_chairs": vice_chairs,
        "re_elected": re_elected,
    }
    try:
        change = CongressChange.model_validate({k: v for k, v in given.items() if v is not None})
    except ValidationError as exc:
        err.print(f"Giá trị không hợp lệ: {', '.join(str(e['loc'][0]) for e in exc.errors())}.")
        raise typer.Exit(2) from None
    code = unit_code.strip().upper()
    congress = _run(as_unit, lambda conn, who, _r, _p: update_congress(conn, who, code, change))
    _print_json(congress.model_dump())


@members_app.command("history")
def members_history(member_id: Annotated[int, typer.Argument(help="Mã thành viên.")], as_unit: AsUnit) -> None:
    """Lịch sử thay đổi của thành viên (JSON, mới nhất trước)."""
    from mattran.domain.member_changes import member_history

    entries = _run(as_unit, lambda conn, who, _r, _p: member_history(conn, who, member_id))
    _print_json([e.model_dump() for e in entries])


@members_app.command("orgs")
def members_orgs(
    as_unit: AsUnit,
    unit: Annotated[str | None, typer.Option(help="Đơn vị (mặc định: đơn vị của --as-unit).")] = None,
    below: Annotated[bool, typer.Option("--below", help="Gồm cả tổ chức của các đơn vị cấp dưới.")] = False,
) -> None:
    """Tổ chức thành viên của một đơn vị (JSON)."""
    from mattran.domain.organisations import list_organisations

    found = _run(as_unit, lambda conn, who, _r, prot: list_organisations(conn, who, prot, unit, subtree=below))
    _print_json([o.model_dump() for o in found])


@members_app.command("org-add")
def members_org_add(
    name: Annotated[str, typer.Argument(help="Tên tổ chức.")],
    as_unit: AsUnit,
    kind: Annotated[str, typer.Option(help="political_social, social, professional, religious, economic, other.")] = (
        "other"
    ),
    unit: Annotated[str | None, typer.Option(help="Đơn vị (mặc định: đơn vị của --as-unit).")] = None,
) -> None:
    """Thêm một tổ chức thành viên; in bản ghi (JSON)."""
    from pydantic import ValidationError

    from mattran.domain.organisations import OrganisationIn, add_organisation

    try:
        new = OrganisationIn.model_validate({"unit_code": unit, "name": name, "kind": kind})
    except ValidationError as exc:
        err.print(f"Giá trị không hợp lệ: {', '.join(str(e['loc'][0]) for e in exc.errors())}.")
        raise typer.Exit(2) from None
    made = _run(as_unit, lambda conn, who, _r, prot: add_organisation(conn, who, prot, new))
    _print_json(made.model_dump())


@members_app.command("work-import")
def members_work_import(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True, help="Tệp .xlsx hoặc .csv.")],
    as_unit: AsUnit,
    mode: Annotated[str, typer.Option(help="all: có dòng lỗi thì không nhập dòng nào; skip: bỏ qua dòng lỗi.")] = "all",
    as_json: Annotated[bool, typer.Option("--json", help="In báo cáo dạng JSON.")] = False,
) -> None:
    """Nhập ban công tác Mặt trận ở khu dân cư từ tệp (khu dân cư, xã, trưởng ban, thành viên, số hộ); khu dân cư đã
    có thì cập nhật. Báo lỗi theo dòng và cột; mã thoát 1 khi có dòng lỗi."""
    from mattran.domain.work_committee_io import import_work_committees

    mode_ = _import_mode(mode)
    sheet = _read_sheet(file)
    report = _run(as_unit, lambda conn, who, resolver, _p: import_work_committees(conn, who, resolver, sheet, mode_))
    if as_json:
        _print_json(report.model_dump())
    else:
        added, updated, total, skipped = (
            f"{n:,}".replace(",", ".") for n in (report.added, report.updated, report.total, report.skipped)
        )
        out.print(f"Đã thêm {added}, cập nhật {updated} ban trên {total} dòng; bỏ qua {skipped} dòng.")
        _print_problems(report)
    if report.errors:
        raise typer.Exit(1)
