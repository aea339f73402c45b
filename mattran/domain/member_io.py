"""Importing and exporting members as CSV or XLSX with Vietnamese column headers.

Headers are matched without regard to case or diacritics and accept the usual variants ("Họ và tên",
"Ho ten", "SĐT", "CCCD", …). Every row is validated; the report names the row and the column of each
error. ``all`` imports nothing when any row is wrong, ``skip`` imports the good rows. The unit is a code
("Mã đơn vị") or free text resolved by the unit resolver to exactly one unit within the caller's scope;
an empty unit means the caller's own unit.
"""

from __future__ import annotations

import csv
import io
import logging
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from pydantic import BaseModel

from mattran.auth.principal import Principal
from mattran.domain import audit
from mattran.domain.access import target_unit
from mattran.domain.errors import Invalid
from mattran.domain.member_vocab import GENDERS
from mattran.domain.members import FIELDS, MemberView, blank, list_members, validate
from mattran.domain.permissions import Operation, within
from mattran.domain.privacy import PersonalData
from mattran.domain.text import fold, nfc
from mattran.domain.units import UnitResolver
from mattran.domain.workbook import MAX_LINES, WorkbookRefused, first_sheet
from mattran.store import members as store
from mattran.store import organisations as organisations_store
from mattran.store.db import Conn

_log = logging.getLogger(__name__)
ImportMode = Literal["all", "skip"]
ExportFormat = Literal["csv", "xlsx"]
Progress = Callable[[str, int, int], None]
MAX_ROWS = 200_000
UNIT_TEXT, UNIT_CODE = "unit", "unit_code"
ORGANISATION_ID = "organisation_id"  # the import accepts an organisation's record (its id) or its name
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# column key → accepted headers (folded); the first one is written on export.
HEADERS: dict[str, tuple[str, ...]] = {
    "full_name": ("Họ và tên", "Họ tên", "Tên", "Họ và tên thành viên", "Full name", "Name"),
    "gender": ("Giới tính", "Giới", "Nam/Nữ", "Gender"),
    "birth_year": ("Năm sinh", "Ngày sinh", "Ngày tháng năm sinh", "Sinh năm", "Birth year"),
    "ethnicity": ("Dân tộc", "Ethnicity"),
    "religion": ("Tôn giáo", "Religion"),
    "position": ("Chức vụ", "Chức danh", "Chức vụ trong Ủy ban", "Position"),
    "organisation": ("Tổ chức thành viên", "Tổ chức", "Đại diện tổ chức", "Thành phần", "Organisation"),
    ORGANISATION_ID: ("Mã tổ chức", "Mã tổ chức thành viên", "Organisation id"),
    "sector": ("Thành phần đại diện", "Đại diện thành phần", "Giới đại diện", "Đại diện cho", "Sector"),
    UNIT_TEXT: ("Đơn vị", "Ủy ban MTTQ", "Tên đơn vị", "Xã/phường", "Xã phường", "Địa bàn", "Unit"),
    UNIT_CODE: ("Mã đơn vị", "Mã xã", "Mã ĐVHC", "Unit code"),
    "term": ("Nhiệm kỳ", "Term"),
    "started_on": ("Ngày bắt đầu", "Từ ngày", "Ngày bắt đầu nhiệm kỳ", "Start date"),
    "phone": ("Số điện thoại", "Điện thoại", "SĐT", "ĐT", "Di động", "Phone"),
    "email": ("Email", "Thư điện tử", "E-mail", "Địa chỉ email"),
    "national_id": (
        "Số CCCD",
        "CCCD",
        "Căn cước công dân",
        "Số căn cước",
        "Căn cước",
        "Số định danh",
        "Số định danh cá nhân",
        "CMND/CCCD",
        "National ID",
    ),
}
_IGNORED = {"stt", "so tt", "tt", "ghi chu"}
_HEADER_INDEX = {fold(v): key for key, variants in HEADERS.items() for v in variants}
_COMMUNE_WORDS = re.compile(r"\b(xa|phuong|dac khu|thi tran|p|x)\b")
_FORMULA = ("=", "+", "-", "@")


class RowError(BaseModel):
    """One problem: the spreadsheet row (the header is row 1), the column, and what is wrong."""

    row: int
    field: str
    message: str


class ImportReport(BaseModel):
    """What an import did."""

    mode: ImportMode
    total: int
    imported: int
    skipped: int
    errors: list[RowError]
    warnings: list[RowError] = []


class UnreadableFile(Invalid):
    """The file is not a CSV or XLSX table the import understands."""


@dataclass(frozen=True)
class Sheet:
    """A table read from a file: the header row and the data rows with their spreadsheet row numbers."""

    headers: list[str]
    rows: list[tuple[int, list[Any]]]


def _trim(values: Sequence[Any]) -> list[Any]:
    cells = list(values)
    while cells and blank(cells[-1]):
        cells.pop()
    return cells


def _table(lines: Iterator[Sequence[Any]]) -> Sheet:
    headers: list[str] | None = None
    rows: list[tuple[int, list[Any]]] = []
    for number, values in enumerate(lines, 1):
        if number > MAX_LINES:
            raise UnreadableFile(f"Tệp có quá {MAX_LINES:,} dòng (kể cả dòng trống).".replace(",", "."))
        cells = _trim(values)
        if any(isinstance(c, str) and "\x00" in c for c in cells):
            raise UnreadableFile(f"Dòng {number} chứa ký tự NUL: tệp bị hỏng hoặc không phải bảng dữ liệu.")
        if not cells:
            continue
        if headers is None:
            headers = ["" if c is None else str(c).strip() for c in cells]
            continue
        rows.append((number, cells))
        if len(rows) > MAX_ROWS:
            raise UnreadableFile(f"Tệp có quá {MAX_ROWS:,} dòng; vui lòng chia nhỏ.".replace(",", "."))
    if headers is None:
        raise UnreadableFile("Tệp không có dữ liệu: cần một dòng tiêu đề và các dòng thành viên.")
    return Sheet(headers, rows)


def read_table(data: bytes) -> Sheet:
    """A CSV (UTF-8, UTF-16 with its mark or Windows-1258; comma, semicolon or tab) or XLSX (first sheet) file."""
    if data[:4] == b"PK\x03\x04":
        return _xlsx(data)
    try:
        text = data.decode("utf-16") if data[:2] in (b"\xff\xfe", b"\xfe\xff") else data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = nfc(data.decode("cp1258", errors="replace"))  # Windows-1258 writes tone marks apart
    first = text.split("\n", 1)[0]
    delimiter = max((";", ",", "\t"), key=first.count)
    try:
        return _table(csv.reader(io.StringIO(text), delimiter=delimiter))
    except csv.Error as exc:  # e.g. a cell longer than the csv module's limit (128 KB)
        raise UnreadableFile("Không đọc được tệp CSV: có ô quá dài (trên 128 KB) hoặc không đúng định dạng.") from exc


def _xlsx(data: bytes) -> Sheet:
    """The first worksheet of a workbook, refused before reading when it would expand beyond the limits."""
    try:
        return _table(first_sheet(data))
    except WorkbookRefused as exc:
        raise UnreadableFile(str(exc)) from exc
    except UnreadableFile:
        raise
    except Exception as exc:  # a reader's own failure on a malformed workbook, found while reading its rows
        raise UnreadableFile("Không đọc được tệp Excel (.xlsx).") from exc


def map_columns(headers: list[str]) -> tuple[dict[str, int], list[RowError]]:
    """Column index of each known field, and warnings about columns left out (unknown or repeated)."""
    columns: dict[str, int] = {}
    warnings: list[RowError] = []
    for index, header in enumerate(headers):
        key = _HEADER_INDEX.get(fold(header)) or next(
            (k for v, k in _HEADER_INDEX.items() if fold(header).startswith(v + " ")), None
        )
        if key is None:
            if header and fold(header) not in _IGNORED:
                warnings.append(
                    RowError(row=1, field=header, message=f"Không nhận ra cột “{header}”; cột này được bỏ qua.")
                )
            continue
        if key in columns:
            first = headers[columns[key]]
            warnings.append(
                RowError(row=1, field=header, message=f"Cột “{header}” trùng với cột “{first}”; cột này được bỏ qua.")
            )
            continue
        columns[key] = index
    return columns, warnings


def clean_cell(value: Any) -> Any:
    """A cell as given, with the apostrophe an export puts before a formula-like text removed."""
    if isinstance(value, str):
        value = value.strip()
        if value[:1] == "'" and value[1:2] in _FORMULA:
            return value[1:]
    return value


class UnitCells:
    """Unit cells → unit codes within the principal's scope, each distinct text resolved once."""

    def __init__(self, conn: Conn, principal: Principal, resolver: UnitResolver) -> None:
        self.conn, self.principal, self.resolver = conn, principal, resolver
        self.cache: dict[tuple[str, str], tuple[str | None, str | None]] = {}

    def _in_scope(self, code: str) -> bool:
        unit = self.resolver.units.get(code)
        scope = self.principal.unit_path
        return unit is not None and scope is not None and within(unit.path, scope)

    async def code(self, kind: str, value: Any) -> tuple[str | None, str | None]:
        """(unit code, None) or (None, Vietnamese error)."""
        text = "" if blank(value) else str(value).strip()
        if (kind, text) not in self.cache:  # each spelling folded once, each folded text resolved once
            key = (kind, fold(text))
            if key not in self.cache:
                self.cache[key] = await self._resolve(kind, text)
            self.cache[kind, text] = self.cache[key]
        return self.cache[kind, text]

    async def _resolve(self, kind: str, text: str) -> tuple[str | None, str | None]:
        if not text:
            return self.principal.unit_code, None
        if kind == UNIT_CODE or text.upper() in self.resolver.units:
            code = text.upper()
            if code not in self.resolver.units:
                return None, f"Không có đơn vị mã “{text}”."
            return (code, None) if self._in_scope(code) else (None, f"Đơn vị mã “{text}” nằm ngoài phạm vi của bạn.")
        found = await self.resolver.resolve(self.conn, text)
        candidates = [m for m in found.results if self._in_scope(m.code)]
        if found.results and not candidates:
            return None, f"Đơn vị “{text}” ({found.results[0].name}) nằm ngoài phạm vi của bạn."
        if len(candidates) == 1:
            unit = candidates[0]
            if unit.level != "commune" and (_COMMUNE_WORDS.search(fold(text)) or "," in text):
                return None, f"Không xác định được xã/phường trong “{text}”; hãy ghi đúng tên hoặc mã đơn vị."
            return unit.code, None
        if len(candidates) > 1:
            names = "; ".join(f"{m.name} ({m.province_name or ''}, mã {m.code})" for m in candidates[:5])
            return None, f"“{text}” ứng với nhiều đơn vị: {names}. Hãy ghi rõ tỉnh hoặc dùng mã đơn vị."
        return None, f"Không xác định được đơn vị “{text}”."


class _Organisations:
    """The organisations named by id in an import, looked up once each (within the transaction's scope)."""

    def __init__(self, conn: Conn) -> None:
        self.conn = conn
        self.known: dict[int, tuple[str, str] | None] = {}

    async def name_into(self, values: dict[str, Any], unit_code: str) -> str | None:
        """Put the name of the organisation whose id the row gives into its ``organisation``; the error if any."""
        given = values.pop(ORGANISATION_ID, None)
        if blank(given):
            return None
        text = str(given).strip().lstrip("#")
        if not text.isdigit() or len(text) > 18:
            return f"Mã tổ chức “{given}” không hợp lệ: ghi số mã của tổ chức thành viên."
        number = int(text)
        if number not in self.known:
            row = await organisations_store.get(self.conn, number)
            self.known[number] = (row["unit_code"], row["name"]) if row else None
        found = self.known[number]
        if found is None or found[0] != unit_code:
            return f"Mã tổ chức {number} không phải tổ chức thành viên của đơn vị ghi ở dòng này."
        if not blank(values.get("organisation")) and fold(str(values["organisation"])) != fold(found[1]):
            return f"Mã tổ chức {number} là “{found[1]}”, khác tên tổ chức ghi ở dòng này."
        values["organisation"] = found[1]
        return None


async def import_members(
    conn: Conn,
    principal: Principal,
    resolver: UnitResolver,
    protector: PersonalData,
    sheet: Sheet,
    mode: ImportMode = "all",
    progress: Progress | None = None,
) -> ImportReport:
    """Validate every row, then store the members (all or none, or the good rows only)."""
    own = await target_unit(conn, principal, Operation.MEMBER_WRITE, None)
    columns, warnings = map_columns(sheet.headers)
    if "full_name" not in columns:
        missing = RowError(row=1, field="Họ và tên", message="Thiếu cột “Họ và tên”: không nhập được dòng nào.")
        return ImportReport(
            mode=mode, total=len(sheet.rows), imported=0, skipped=len(sheet.rows), errors=[missing], warnings=warnings
        )
    errors: list[RowError] = []
    units = UnitCells(conn, principal, resolver)
    organisations = _Organisations(conn)
    label = {key: sheet.headers[i] for key, i in columns.items()}
    drafts = []
    bad_rows: set[int] = set()
    seen: dict[tuple[str, str, int | None], int] = {}
    total = len(sheet.rows)
    for done, (number, cells) in enumerate(sheet.rows, 1):
        values = {key: clean_cell(cells[i]) if i < len(cells) else None for key, i in columns.items()}
        unit_kind = UNIT_CODE if not blank(values.get(UNIT_CODE)) else UNIT_TEXT
        code, unit_error = await units.code(unit_kind, values.get(unit_kind))
        organisation_error = await organisations.name_into(values, code or own.code)
        draft, field_errors = validate(code or own.code, values)
        row_errors = [
            RowError(row=number, field=label.get(f, FIELDS[f][0]), message=m) for f, m in field_errors.items()
        ]
        if organisation_error:
            row_errors.append(RowError(row=number, field=label[ORGANISATION_ID], message=organisation_error))
        if unit_error:
            row_errors.append(RowError(row=number, field=label.get(unit_kind, "Đơn vị"), message=unit_error))
        if draft is not None and not row_errors:
            first = seen.setdefault(draft.key, number)
            if first != number:
                row_errors.append(
                    RowError(
                        row=number,
                        field=label["full_name"],
                        message=f"Trùng với dòng {first} (cùng đơn vị, họ tên và năm sinh).",
                    )
                )
            else:
                drafts.append((number, draft))
        if row_errors:
            bad_rows.add(number)
            errors.extend(row_errors)
        if progress and (done % 500 == 0 or done == total):
            progress("Kiểm tra", done, total)
    existing = {
        (r["unit_code"], fold(r["full_name"]), r["birth_year"])
        for r in await store.member_keys(conn, sorted({d.unit_code for _, d in drafts}))
    }
    for number, draft in drafts:
        if draft.key in existing:
            bad_rows.add(number)
            errors.append(
                RowError(
                    row=number,
                    field=label["full_name"],
                    message="Đã có trong cơ sở dữ liệu (cùng đơn vị, họ tên và năm sinh).",
                )
            )
    errors.sort(key=lambda e: e.row)
    good = [d for n, d in drafts if n not in bad_rows]
    if mode == "all" and bad_rows:
        good = []
    written = 0

    def advance(n: int) -> None:
        nonlocal written
        written += n
        if progress:
            progress("Ghi", written, len(good))

    await store.insert_members(conn, [d.stored(protector) for d in good], progress=advance)
    report = ImportReport(
        mode=mode, total=total, imported=len(good), skipped=total - len(good), errors=errors, warnings=warnings
    )
    await audit.record(
        conn,
        principal,
        "member.import",
        principal.unit_code,
        "allowed",
        mode=mode,
        total=total,
        imported=report.imported,
        skipped=report.skipped,
    )
    _log.info("member import by %s: %d imported, %d skipped", principal.subject, report.imported, report.skipped)
    return report


EXPORT_COLUMNS = tuple(c for c in HEADERS if c != ORGANISATION_ID)
"""The columns of an export: those the import reads, in the same order, so an export imports back (the organisation
by its name)."""


def _safe(value: Any) -> Any:
    """CSV text that a spreadsheet would run as a formula gets a leading apostrophe (removed on import)."""
    return "'" + value if isinstance(value, str) and value.startswith(_FORMULA) else value


def export_rows(members: Sequence[MemberView]) -> Iterator[list[Any]]:
    """The header row, then one row per member (national ID masked, gender in words)."""
    yield [HEADERS[c][0] for c in EXPORT_COLUMNS]
    for m in members:
        values = m.model_dump()
        values.update(unit=m.unit_name, gender=GENDERS.get(m.gender or ""), unit_code=m.unit_code, sector=m.sector_text)
        yield [values.get(c) for c in EXPORT_COLUMNS]


def to_csv(rows: Iterator[list[Any]]) -> bytes:
    """UTF-8 with a byte-order mark, so that Excel shows the diacritics."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in rows:
        writer.writerow(["" if v is None else _safe(v) for v in row])
    return buffer.getvalue().encode("utf-8-sig")


def to_xlsx(rows: Iterator[list[Any]], title: str = "Thành viên") -> bytes:
    """One sheet, text cells as text (no formulas), the header row bold and frozen."""
    from openpyxl.styles import Font

    workbook = Workbook(write_only=False)
    sheet = workbook.active
    assert sheet is not None
    sheet.title = title
    for row in rows:
        sheet.append(row)
    for cells in sheet.iter_rows():
        for cell in cells:
            if cell.data_type == "f":
                cell.data_type = "s"  # text that looks like a formula stays text
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    for i, column in enumerate(sheet.columns, start=1):
        width = max(len(str(c.value or "")) for c in column[:200])
        sheet.column_dimensions[get_column_letter(i)].width = min(max(width + 2, 8), 40)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


async def export_members(
    conn: Conn, principal: Principal, protector: PersonalData, unit_code: str | None, fmt: ExportFormat
) -> bytes:
    """Every member of the principal's scope (or of one unit within it) as a CSV or XLSX file."""
    members = await list_members(conn, principal, protector, unit_code)
    rows = export_rows(members)
    data = to_xlsx(rows) if fmt == "xlsx" else to_csv(rows)
    await audit.record(
        conn, principal, "member.export", unit_code or principal.unit_code, "allowed", format=fmt, rows=len(members)
    )
    return data


def export_filename(unit_code: str | None, fmt: ExportFormat, today: date | None = None) -> str:
    """``thanh-vien-08611-2026-11-22.xlsx``."""
    return f"thanh-vien-{unit_code or 'pham-vi'}-{(today or datetime.now().date()).isoformat()}.{fmt}"
