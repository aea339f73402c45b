"""Import of residential-area work committees from the same kinds of spreadsheet as members (CSV or XLSX): residential
area, commune, head, members, households; each row checked with Vietnamese errors, communes within the importer's
scope only. A commune's area already recorded is updated, a new one added."""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel

from mattran.auth.principal import Principal
from mattran.domain.access import target_unit
from mattran.domain.committees import WorkCommitteeChange, WorkCommitteeIn, add_work_committee, update_work_committee
from mattran.domain.member_io import UNIT_CODE, UNIT_TEXT, ImportMode, RowError, Sheet, UnitCells, clean_cell
from mattran.domain.member_vocab import clean_text
from mattran.domain.members import blank
from mattran.domain.permissions import Operation
from mattran.domain.text import fold
from mattran.domain.unit import Level
from mattran.domain.units import UnitResolver
from mattran.store import committees as store
from mattran.store.db import Conn

# column key → accepted headers (the first one is the template's).
HEADERS: dict[str, tuple[str, ...]] = {
    "area": ("Khu dân cư", "Tên khu dân cư", "Thôn, tổ dân phố", "Thôn/tổ dân phố", "Thôn/bản/ấp", "Địa bàn dân cư"),
    UNIT_TEXT: ("Xã/phường", "Xã phường", "Xã", "Phường", "Đơn vị", "Tên đơn vị"),
    UNIT_CODE: ("Mã xã", "Mã đơn vị", "Mã ĐVHC"),
    "head": ("Trưởng ban", "Họ tên trưởng ban", "Trưởng ban công tác Mặt trận", "Trưởng ban công tác"),
    "members": ("Thành viên", "Thành viên ban", "Các thành viên", "Thành viên ban công tác"),
    "households": ("Số hộ", "Số hộ gia đình", "Số hộ phụ trách", "Hộ"),
}
_INDEX = {fold(v): key for key, variants in HEADERS.items() for v in variants}
_IGNORED = {"stt", "so tt", "tt", "ghi chu"}
_LABELS = {key: variants[0] for key, variants in HEADERS.items()}
_MAX_MEMBERS = 100


class WorkImportReport(BaseModel):
    """What an import did: rows read, committees added and updated, rows left out, and why."""

    mode: ImportMode
    total: int
    added: int
    updated: int
    skipped: int
    errors: list[RowError]
    warnings: list[RowError] = []


def _columns(headers: list[str]) -> tuple[dict[str, int], list[RowError]]:
    columns: dict[str, int] = {}
    warnings: list[RowError] = []
    for index, header in enumerate(headers):
        key = _INDEX.get(fold(header))
        if key is None or key in columns:
            if header and fold(header) not in _IGNORED:
                why = "trùng với một cột trước" if key else "không nhận ra"
                warnings.append(RowError(row=1, field=header, message=f"Cột “{header}” {why}; cột này được bỏ qua."))
            continue
        columns[key] = index
    return columns, warnings


def _households(value: Any) -> tuple[int | None, str | None]:
    if blank(value):
        return None, None
    text = re.sub(r"(?i)\s*hộ$", "", str(value).strip()).replace(".", "").replace(" ", "")
    if isinstance(value, float) and value.is_integer():
        text = str(int(value))
    if not text.isdigit() or int(text) > 100_000:
        return None, f"Số hộ “{value}” không hợp lệ: ghi một số từ 0 đến 100.000."
    return int(text), None


def _names(value: Any) -> tuple[list[str], str | None]:
    names = [clean_text(n) for n in re.split(r"[;,\n]", "" if blank(value) else str(value))]
    names = [n for n in names if n]
    if len(names) > _MAX_MEMBERS:
        return [], f"Quá {_MAX_MEMBERS} thành viên trong một ban."
    if any(len(n) > 200 for n in names):
        return [], "Tên thành viên dài quá 200 ký tự."
    return names, None


async def import_work_committees(
    conn: Conn, principal: Principal, resolver: UnitResolver, sheet: Sheet, mode: ImportMode = "all"
) -> WorkImportReport:
    """Check every row, then write the committees (all or none; or, with ``skip``, the good rows only)."""
    await target_unit(conn, principal, Operation.MEMBER_WRITE, None)
    columns, warnings = _columns(sheet.headers)
    if "area" not in columns:
        missing = RowError(row=1, field="Khu dân cư", message="Thiếu cột “Khu dân cư”: không nhập được dòng nào.")
        total = len(sheet.rows)
        return WorkImportReport(
            mode=mode, total=total, added=0, updated=0, skipped=total, errors=[missing], warnings=warnings
        )
    units = UnitCells(conn, principal, resolver)
    errors: list[RowError] = []
    good: list[tuple[str, dict[str, Any]]] = []
    seen: dict[tuple[str, str], int] = {}
    for number, cells in sheet.rows:

        def cell(key: str, cells: list[Any] = cells) -> Any:
            index = columns.get(key)
            return clean_cell(cells[index]) if index is not None and index < len(cells) else None

        row_errors: list[RowError] = []

        def fail(key: str, message: str, number: int = number, row_errors: list[RowError] = row_errors) -> None:
            row_errors.append(RowError(row=number, field=_LABELS[key], message=message))

        kind, given = (UNIT_CODE, cell(UNIT_CODE)) if not blank(cell(UNIT_CODE)) else (UNIT_TEXT, cell(UNIT_TEXT))
        code, problem = await units.code(kind, given)
        if problem:
            fail(kind, problem)
        elif code is None or (unit := resolver.units.get(code)) is None or unit.level != Level.COMMUNE:
            fail(kind, "Ban công tác Mặt trận thuộc một xã, phường hoặc đặc khu: hãy ghi tên hoặc mã xã.")
        area = clean_text("" if blank(cell("area")) else str(cell("area")))
        if not area:
            fail("area", "Thiếu tên khu dân cư.")
        elif len(area) > 200:
            fail("area", "Tên khu dân cư dài quá 200 ký tự.")
        elif code and (first := seen.setdefault((code, fold(area)), number)) != number:
            fail("area", f"Khu dân cư “{area}” đã có ở dòng {first} của tệp.")
        head = clean_text("" if blank(cell("head")) else str(cell("head")))
        if len(head) > 200:
            fail("head", "Tên trưởng ban dài quá 200 ký tự.")
        members, problem = _names(cell("members"))
        if problem:
            fail("members", problem)
        households, problem = _households(cell("households"))
        if problem:
            fail("households", problem)
        if row_errors or code is None:
            errors += row_errors
            continue
        values: dict[str, Any] = {"area": area}
        given_columns = {"head": head or None, "members": members, "households": households}
        values |= {key: value for key, value in given_columns.items() if key in columns}  # absent columns stay
        good.append((code, values))
    rows_with_errors = len({e.row for e in errors})
    if errors and mode == "all":
        return WorkImportReport(
            mode=mode,
            total=len(sheet.rows),
            added=0,
            updated=0,
            skipped=len(sheet.rows),
            errors=errors,
            warnings=warnings,
        )
    added = updated = 0
    for code, values in good:
        known = await store.work_by_area(conn, code, values["area"])
        if known:  # the area keeps its recorded spelling; a head named in the file replaces a head chosen before
            fields = {k: v for k, v in values.items() if k != "area"}
            change = WorkCommitteeChange(**fields, **({"head_member_id": None} if "head" in fields else {}))
            await update_work_committee(conn, principal, known["id"], change)
            updated += 1
        else:
            await add_work_committee(conn, principal, WorkCommitteeIn(unit_code=code, **values))
            added += 1
    return WorkImportReport(
        mode=mode,
        total=len(sheet.rows),
        added=added,
        updated=updated,
        skipped=rows_with_errors,
        errors=errors,
        warnings=warnings,
    )
