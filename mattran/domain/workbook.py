"""The first worksheet of an XLSX workbook as rows of cell values, read with calamine (in Rust: the 100,000-row
benchmark's sheet in 12–13 s with these checks, against 61,8 s for openpyxl) within bounds.

calamine lays a sheet out as one dense block from its first to its last cell, so a small file naming a cell at row
1,000,000,000 would ask for gigabytes. The package is therefore unpacked by Python's ``zipfile`` first (which never
gives more than the declared sizes that ``check_unpacked`` measured), the cells' positions are read from the XML, a
sheet whose block passes the limits is refused, and calamine reads that unpacked copy. A workbook where a row or a
cell may lack its position (a rare writer; or comments, CDATA or a DTD in the sheet) is read by openpyxl, which
streams. Cells come as openpyxl gives them: whole numbers as ``int``, dates as ``datetime``, empty cells as ``None``.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

from openpyxl import load_workbook
from python_calamine import CalamineWorkbook, SheetTypeEnum

from mattran.domain.archives import ArchiveTooLarge, check_unpacked

MAX_LINES = 1_048_576  # Excel's last row: empty rows count too, so a sheet cannot claim billions
MAX_CELLS = 10_000_000  # the block calamine lays out, 32 bytes a cell: 320 MB at most
_UNREADABLE = "Không đọc được tệp Excel (.xlsx)."
_PREFIX = re.compile(rb"<([\w.-]+:)?sheetData[\s>/]")
_ENDS = (b" ", b">", b"/", b"\t", b"\n", b"\r")

Rows = Iterator[list[Any]]


class WorkbookRefused(Exception):
    """The workbook cannot be read, or is too large to; the message is Vietnamese."""


def _parts(data: bytes) -> dict[str, bytes]:
    try:
        check_unpacked(io.BytesIO(data))
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return {info.filename: archive.read(info) for info in archive.infolist() if not info.is_dir()}
    except ArchiveTooLarge as exc:
        raise WorkbookRefused(f"Không đọc được tệp Excel (.xlsx): {exc}.") from exc
    except Exception as exc:  # a broken zip, a bad CRC, an unknown compression…
        raise WorkbookRefused(_UNREADABLE) from exc


def _column(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


def _elements(xml: bytes, name: bytes) -> int:
    """How many elements ``name`` the XML may hold, whatever their prefix (text can only add to the count)."""
    return sum(xml.count(start + name + end) for start in (b"<", b":") for end in _ENDS)


def _extent(parts: dict[str, bytes]) -> tuple[int, int] | None:
    """The last row and column that any sheet's cells name, or None when a row or a cell may lack its position."""
    last_row = last_column = 0
    for xml in parts.values():
        if not (found := _PREFIX.search(xml)):
            continue
        if b"<!" in xml or xml.count(b"<?") > 1:  # a comment, CDATA or DTD could hide or fake elements
            return None
        tag = re.escape(b"<" + (found.group(1) or b""))
        cells = re.findall(tag + rb'c r="([A-Z]{1,3})(\d{1,12})"', xml)
        rows = re.findall(tag + rb'row r="(\d{1,12})"', xml)
        if _elements(xml, b"c") > len(cells) or _elements(xml, b"row") > len(rows):
            return None
        last_row = max([last_row, *map(int, {*rows, *(digits for _, digits in cells)})])
        last_column = max([last_column, *map(_column, {letters for letters, _ in cells})])
    return last_row, last_column


def _cell(value: Any) -> Any:
    if value == "":
        return None
    if type(value) is float and value.is_integer():
        return int(value)
    if type(value) is date:
        return datetime(value.year, value.month, value.day)
    return value


def _calamine(parts: dict[str, bytes]) -> Rows:
    unpacked = io.BytesIO()
    with zipfile.ZipFile(unpacked, "w", zipfile.ZIP_STORED) as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    unpacked.seek(0)
    book = CalamineWorkbook.from_filelike(unpacked)
    first = next(i for i, m in enumerate(book.sheets_metadata) if m.typ == SheetTypeEnum.WorkSheet)
    rows = book.get_sheet_by_index(first).iter_rows()  # from the sheet's first row, its empty rows included
    return ([_cell(v) for v in row] for row in rows)


def _openpyxl(data: bytes) -> Rows:
    workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)

    def rows() -> Iterator[list[Any]]:
        try:
            yield from (list(row) for row in workbook.worksheets[0].iter_rows(values_only=True))
        finally:
            workbook.close()

    return rows()


def first_sheet(data: bytes) -> Rows:
    """The rows of the first worksheet, from its row 1 (``WorkbookRefused``)."""
    parts = _parts(data)
    extent = _extent(parts)
    if extent and extent[0] > MAX_LINES:
        raise WorkbookRefused(f"Tệp có quá {MAX_LINES:,} dòng (kể cả dòng trống).".replace(",", "."))
    if extent and extent[0] * extent[1] > MAX_CELLS:
        raise WorkbookRefused(f"Bảng tính quá lớn: quá {MAX_CELLS:,} ô; vui lòng chia nhỏ.".replace(",", "."))
    try:
        return _calamine(parts) if extent else _openpyxl(data)
    except Exception as exc:  # the readers' own failures on a malformed workbook, of many types
        raise WorkbookRefused(_UNREADABLE) from exc
